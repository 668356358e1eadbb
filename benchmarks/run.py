#!/usr/bin/env python
# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Request counts and speed ratios of the collection, measured against the local emulator.

    python benchmarks/run.py            # full run: realistic sizes and latencies (a few minutes)
    python benchmarks/run.py --quick    # small sizes, no latency, under a minute (CI)

Scopes are sized like Cloudflare's quotas (500 account-owned tokens per account).
Every scenario resets the emulator, seeds its tokens, runs a real ansible-playbook
against tests/emulator and counts the API requests in the emulator's log. Request
counts are deterministic, so each has a target and the script exits non-zero when
one is exceeded. Wall times are compared with a baseline measured in the same run
(a bare ansible.builtin.uri task, the official Cloudflare SDK, sequential paging)
or with a wall-time target, and only reported: they depend on the machine.
"""

import argparse
import datetime
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [os.path.join(ROOT, "tests", "lib"), os.path.join(ROOT, "tests", "emulator")]

import cfemu  # noqa: E402  pylint: disable=wrong-import-position
import playbook_runner  # noqa: E402  pylint: disable=wrong-import-position

AUDIT_PLAYBOOK = os.path.join(ROOT, "playbooks", "audit.yml")
PAGE_WORKERS_ENV = "CLOUDFLARE_PAGE_WORKERS"

# Sizes, latencies and repetitions of each mode. Repetitions interleave subject and
# baseline runs and keep the fastest of each, so a slow moment of the machine hits neither.
# Scopes are sized like Cloudflare's quotas: an account holds at most 500 account-owned tokens.
MODES = {
    "full": dict(repeats=5, one_latency=0.02,
                 set_count=500, set_declared=50, set_new=10, set_differ=8, set_latency=0.02,
                 excl_count=500, excl_keep=50, excl_latency=0.02, excl_repeats=2, excl_wall=10.0,
                 list_count=500, list_latency=0.1, list_repeats=3,
                 audit_count=500, audit_latency=0.02, breakdown=True, sdk=True),
    "quick": dict(repeats=1, one_latency=0.0,
                  set_count=100, set_declared=20, set_new=4, set_differ=3, set_latency=0.0,
                  excl_count=100, excl_keep=10, excl_latency=0.0, excl_repeats=1, excl_wall=None,
                  list_count=250, list_latency=0.005, list_repeats=1,
                  audit_count=100, audit_latency=0.0, breakdown=False, sdk=False),
}
# Zones the declared tokens name (issue 16: a set naming the same 5 zones costs at most 5 lookups).
BENCH_ZONES = ["bench-zone-%d.example" % i for i in range(1, 6)]
ACCOUNT_STORE = "account:" + cfemu.ACCOUNT_ID


def pages(count):
    return max(1, -(-count // 50))


# ----------------------------------------------------------------- playbooks
def play(tasks, check=False):
    """A one-play playbook on localhost, without fact gathering (the modules need none)."""
    text = "- hosts: localhost\n  gather_facts: false\n"
    if check:
        text += "  check_mode: true\n"
    if not tasks.strip():
        return text + "  tasks: []\n"
    return text + "  tasks:\n" + textwrap.indent(textwrap.dedent(tasks).strip("\n"), "    ") + "\n"


URI_GET = """
- name: GET the token with a bare uri task
  ansible.builtin.uri:
    url: "{{ lookup('ansible.builtin.env', 'CLOUDFLARE_BASE_URL') }}/%s"
    headers:
      Authorization: "Bearer {{ lookup('ansible.builtin.env', 'CLOUDFLARE_API_TOKEN') }}"
"""

CF_TOKEN_BY_ID = """
- name: Converged token, looked up by id
  tokenops.cloudflare.cf_token:
    id: "{{ bench_token.id }}"
    name: "{{ bench_token.name }}"
    policies: "{{ bench_policies }}"
  register: result
  failed_when: result is failed or result is changed
"""

# bench_expect: created/updated/deleted/unchanged counts the run must report, so a
# scenario that measures the wrong thing fails instead of printing a number.
CF_TOKEN_SET = """
- name: A whole account of tokens in one task
  tokenops.cloudflare.cf_token_set:
    tokens: "{{ cloudflare_tokens }}"
    exclusive: "{{ bench_exclusive | default(false) }}"
    max_deletions: "{{ bench_max_deletions | default(10) }}"
    value_dir: "{{ cloudflare_tokens_value_dir }}"
  register: result
  failed_when: >-
    result is failed
    or (result.created | length) != bench_expect.created
    or (result.updated | length) != bench_expect.updated
    or (result.deleted | length) != bench_expect.deleted
    or (result is changed) != (bench_expect.created + bench_expect.updated + bench_expect.deleted > 0)
"""

ROLE = """
- name: Converged tokens through the role
  ansible.builtin.include_role:
    name: tokenops.cloudflare.tokens
"""

TOKEN_INFO = """
- name: Every token
  tokenops.cloudflare.cf_token_info:
  register: listed
  failed_when: listed is failed or listed.count != bench_expected
"""

AUDIT = """
- name: Tokens that expire within 14 days, and the credential in use
  tokenops.cloudflare.cf_token_info:
    expires_within: 14d
    verify: true
  register: expiring
- name: No token needs attention
  ansible.builtin.assert:
    that: expiring.count == 0
    quiet: true
"""

PING_LOOP = """
- name: Smallest module, in a loop
  ansible.builtin.ping:
  loop: "{{ range(%d) | list }}"
"""

SDK_LIST = """
import os, sys, time
started = time.monotonic()
import cloudflare
imported = time.monotonic()
client = cloudflare.Cloudflare(api_token=os.environ["CLOUDFLARE_API_TOKEN"], base_url=os.environ["CLOUDFLARE_BASE_URL"])
count = sum(1 for _ in client.accounts.tokens.list(account_id=os.environ["CLOUDFLARE_ACCOUNT_ID"], per_page=50))
print(count, imported - started, time.monotonic() - imported)
"""


# ------------------------------------------------------------------ helpers
class Row:
    def __init__(self, scenario, variant, requests=None, target=None, wall=None, baseline=None, base_wall=None,
                 ratio_target=None, note="", wall_target=None):
        self.scenario = scenario
        self.wall_target = wall_target
        self.variant = variant
        self.requests = requests
        self.target = target
        self.wall = wall
        self.baseline = baseline
        self.base_wall = base_wall
        self.ratio_target = ratio_target
        self.note = note

    @property
    def ratio(self):
        if self.wall is None or not self.base_wall:
            return None
        return self.wall / self.base_wall

    @property
    def verdict(self):
        if self.target is None:
            return ""
        return "ok" if self.requests is not None and self.requests <= self.target else "FAIL"


def http_span(entries):
    """Seconds from the start of the first request to the end of the last one, as the emulator saw them."""
    if not entries:
        return 0.0
    ends = [datetime.datetime.strptime(e["ts"], "%Y-%m-%dT%H:%M:%S.%fZ").timestamp() for e in entries]
    starts = [end - e.get("duration_ms", 0) / 1000.0 for end, e in zip(ends, entries)]
    return max(ends) - min(starts)


def max_in_flight(entries):
    """Largest number of requests the emulator served at the same time."""
    events = []
    for entry in entries:
        end = datetime.datetime.strptime(entry["ts"], "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
        events.append((end - entry.get("duration_ms", 0) / 1000.0, 1))
        events.append((end, -1))
    peak = current = 0
    for event in sorted(events):
        step = event[1]
        current += step
        peak = max(peak, current)
    return peak


class Bench:
    def __init__(self, mode, workdir, verbose=False):
        self.mode = mode
        self.cfg = MODES[mode]
        self.work = workdir
        self.verbose = verbose
        self.rows = []
        self.breakdown = []
        self.notes = []
        self.emu = cfemu.Emulator(host="127.0.0.1", port=0, seed="empty")
        self.collections = playbook_runner.collections_path()
        try:
            playbook_runner.ansible_playbook()
        except RuntimeError as error:
            raise SystemExit(str(error)) from None

    # --------------------------------------------------------------- plumbing
    def env(self, account=False, **extra):
        """The environment of an AWX job: user-owned tokens, or with ``account`` the account's admin credential."""
        if account:
            extra = dict({"CLOUDFLARE_ACCOUNT_ID": cfemu.ACCOUNT_ID, "CLOUDFLARE_API_TOKEN": cfemu.ACCOUNT_API_TOKEN}, **extra)
        return playbook_runner.job_env(
            self.emu,
            ANSIBLE_LOCALHOST_WARNING="0",
            ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
            ANSIBLE_LOCAL_TEMP=os.path.join(self.work, "ansible-local"),
            ANSIBLE_REMOTE_TMP=os.path.join(self.work, "ansible-remote"),
            **extra)

    def latency(self, seconds):
        self.emu.set_faults(rules=[], latency=seconds)

    def write(self, name, text):
        path = os.path.join(self.work, name)
        with open(path, "w") as handle:
            handle.write(text)
        return path

    def playbook(self, path, variables=None, args=(), env=None, may_fail=False):
        """Run ansible-playbook once; returns (wall seconds, emulator log of the run)."""
        self.emu.clear_requests()
        started = time.monotonic()
        done = playbook_runner.run(path, self.work, env or self.env(), args=args, extra_vars=variables)
        wall = time.monotonic() - started
        log = self.emu.requests()
        if done.returncode != 0 and may_fail:
            self.notes.append("%s exited %d (an audit fails when a token needs attention); its requests still count."
                              % (os.path.basename(path), done.returncode))
        elif done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).splitlines()[-25:])
            raise RuntimeError("%s failed (rc %d):\n%s" % (os.path.basename(path), done.returncode, tail))
        if self.verbose:
            print("  %-28s %6.2fs %4d requests" % (os.path.basename(path), wall, len(log)), flush=True)
        return wall, log

    def compare(self, *runs, repeats=None):
        """Interleaved runs of callables returning (wall, log); per callable, the fastest wall and the last log.

        Other work on the machine only ever adds time, so the fastest run is the most repeatable
        estimate of a run's own cost; interleaving exposes subject and baseline to the same drift.
        """
        walls = [[] for run in runs]
        logs = [None] * len(runs)
        for dummy in range(repeats or self.cfg["repeats"]):
            for index, run in enumerate(runs):
                wall, log = run()
                if logs[index] is not None and len(logs[index]) != len(log):
                    self.notes.append("request count varied between repeats: %d then %d" % (len(logs[index]), len(log)))
                walls[index].append(wall)
                logs[index] = log
        return [min(w) for w in walls], logs

    def seed(self, count, prefix, specs=None, store=None, zones=False):
        """Reset the emulator (tokens, faults, rate-limit counters), then fill a store to ``count`` tokens.

        ``store`` is the user store by default, else ACCOUNT_STORE (which already holds the account's admin
        credential, counted in ``count``); ``zones`` also seeds BENCH_ZONES into cfemu.ACCOUNT_ID.
        """
        self.emu.reset()
        store = store or "user"
        if zones:
            self.seed_zones()
        existing = len(self.emu.tokens(store))
        specs = list(specs or [])
        specs += [{"name": "%s%04d" % (prefix, i)} for i in range(count - existing - len(specs))]
        return self.emu.add_tokens(store, specs) if specs else []

    def seed_zones(self):
        """BENCH_ZONES in cfemu.ACCOUNT_ID through the admin API; returns name -> zone id."""
        self.emu.admin.add_zones({"name": name, "account_id": cfemu.ACCOUNT_ID} for name in BENCH_ZONES)
        return dict((z["name"], z["id"]) for z in self.emu.admin.zones() if z["account"]["id"] == cfemu.ACCOUNT_ID)

    # -------------------------------------------------------------- scenarios
    def scenario_single(self):
        self.emu.reset()
        ids = self.seed_zones()
        two = dict(("com.cloudflare.api.account.zone.%s" % ids[name], "*") for name in BENCH_ZONES[:2])
        token = self.seed(3, "bench-", [{"name": "bench-one", "policies": [{"permission_groups": [{"name": "Zone Read"}],
                                                                           "resources": two}]}])[0]
        self.seed_zones()  # seed() reset the directory
        policy = token["policies"][0]
        by_id = [{"permission_groups": [g["id"] for g in policy["permission_groups"]], "resources": policy["resources"]}]
        by_name = [{"permission_groups": [g["name"] for g in policy["permission_groups"]], "resources": policy["resources"]}]
        zones = [{"permission_groups": [g["name"] for g in policy["permission_groups"]], "zones": BENCH_ZONES[:2]}]
        self.latency(self.cfg["one_latency"])
        uri = self.write("uri_one.yml", play(URI_GET % ("user/tokens/" + token["id"])))
        subject = self.write("cf_token_by_id.yml", play(CF_TOKEN_BY_ID))
        base = {"bench_token": {"id": token["id"], "name": token["name"]}}
        runs = [lambda: self.playbook(uri)]
        # Group names the token already carries resolve without reading the permission-group catalog.
        # Zone names cost one lookup each (issue 16): 1 token GET + 2 zone lookups.
        variants = (("by id, groups by id", by_id, 1, 1.05), ("by id, groups by name", by_name, 1, 1.05),
                    ("by id, 2 zones by name", zones, 3, None))
        for variant in variants:
            variables = dict(base, bench_policies=variant[1])
            runs.append(lambda v=variables: self.playbook(subject, v))
        walls, logs = self.compare(*runs)
        for index, (variant, policies, target, ratio_target) in enumerate(variants, 1):
            self.rows.append(Row("1 cf_token converged", variant, len(logs[index]), target, walls[index], "1 uri GET", walls[0],
                                 ratio_target, note=_paths(logs[index])))
            lookups = 2 if policies is zones else 0
            if _zone_lookups(logs[index]) != lookups or _writes(logs[index]):
                # The total may hold while the mix is wrong (a second token GET instead of a lookup, a write).
                self.rows.append(Row("1 cf_token converged", variant + ": zone lookups, writes must be %d, 0" % lookups,
                                     _zone_lookups(logs[index]) + 100 * len(_writes(logs[index])), lookups))
        self.rows.append(Row("1 cf_token converged", "baseline: uri GET", len(logs[0]), None, walls[0], note=_paths(logs[0])))

    def scenario_set(self):
        """cf_token_set over a full account: first converge, converged re-run, zones by name (issue 12, 16)."""
        count, declared, new, differ = (self.cfg[k] for k in ("set_count", "set_declared", "set_new", "set_differ"))
        label = "2 set %d of %d tokens" % (declared, count)
        self.emu.reset()
        ids = self.seed_zones()

        def policies(index, by_name=False, seeded=False):
            zone = BENCH_ZONES[index % len(BENCH_ZONES)]
            if by_name:
                return [{"permission_groups": ["Zone Read"], "zones": [zone]}]
            resources = {"com.cloudflare.api.account.zone.%s" % ids[zone]: "*"}
            return [{"permission_groups": [{"name": "Zone Read"} if seeded else "Zone Read"], "resources": resources}]

        # The first `differ` existing tokens carry the next zone, so the declaration updates them.
        specs = [{"name": "bench-set-%02d" % i, "policies": policies(i + 1 if i < differ else i, seeded=True)}
                 for i in range(declared - new)]
        self.seed(count - new, "bench-other-", specs, store=ACCOUNT_STORE)
        self.seed_zones()
        tokens = [{"name": "bench-set-%02d" % i, "policies": policies(i)} for i in range(declared)]
        self.latency(self.cfg["set_latency"])
        env = self.env(account=True)
        values = os.path.join(self.work, "values")
        os.makedirs(values, exist_ok=True)
        variables = {"cloudflare_tokens": tokens, "cloudflare_tokens_value_dir": values,
                     "bench_expect": {"created": new, "updated": differ, "deleted": 0}}
        subject = self.write("cf_token_set.yml", play(CF_TOKEN_SET))
        wall, log = self.playbook(subject, variables, env=env)
        writes = _writes(log)
        # One listing, one catalog read (new tokens name a group they do not carry yet), then the writes.
        self.rows.append(Row(label, "cf_token_set first converge: %d new, %d differ" % (new, differ), len(log),
                             pages(count - new) + 1 + new + differ, wall,
                             note="writes: %d; %s" % (len(writes), _paths(log))))
        if len(writes) != new + differ:
            self.rows.append(Row(label, "first converge: writes", len(writes), new + differ))
        if len(self.emu.tokens(ACCOUNT_STORE)) != count:
            raise RuntimeError("the account holds %d tokens after the first converge, expected %d"
                               % (len(self.emu.tokens(ACCOUNT_STORE)), count))

        converged = dict(variables, bench_expect={"created": 0, "updated": 0, "deleted": 0})
        role = self.write("role.yml", play(ROLE))
        uri = self.write("uri_account.yml", play(URI_GET % ("accounts/%s/tokens/%s" % (cfemu.ACCOUNT_ID, self.emu.tokens(ACCOUNT_STORE)[-1]["id"]))))
        walls, logs = self.compare(lambda: self.playbook(subject, converged, env=env),
                                   lambda: self.playbook(role, converged, env=env),
                                   lambda: self.playbook(uri, env=env))
        target = pages(count) + 1
        for index, variant in enumerate(("cf_token_set re-run, converged", "role tokens re-run, converged")):
            self.rows.append(Row(label, variant, len(logs[index]), 0 if _writes(logs[index]) else target, walls[index],
                                 "1 uri GET", walls[2], 1.5, note=_paths(logs[index])))
        self.rows.append(Row(label, "baseline: uri GET", len(logs[2]), None, walls[2], note=_paths(logs[2])))

        # Issue 16: the same declaration with zones by name; 5 distinct zones cost at most 5 lookups in all.
        by_name = dict(converged, cloudflare_tokens=[{"name": t["name"], "policies": policies(i, by_name=True)}
                                                     for i, t in enumerate(tokens)])
        wall, log = self.playbook(subject, by_name, env=env)
        self.rows.append(Row(label, "cf_token_set converged, %d zones by name" % len(BENCH_ZONES), len(log),
                             0 if _writes(log) else pages(count) + len(BENCH_ZONES), wall, note=_paths(log)))
        self.rows.append(Row(label, "  of which zone lookups", _zone_lookups(log), len(BENCH_ZONES)))
        if self.cfg["breakdown"]:
            dummy, seconds, http, output = self.module_cost("cf_token_set", play(CF_TOKEN_SET), converged, account=True)
            self.breakdown.append(("cf_token_set converged over %d tokens: playbook %.3fs = module process %.3fs (HTTP %.3fs,"
                                   " result %d KiB) + ansible-playbook %.3fs; uri GET playbook %.3fs"
                                   % (count, walls[0], seconds, http, output // 1024, walls[0] - seconds, walls[2]), None))

    def scenario_exclusive(self):
        """Exclusive mode over a full account: --check, then the real run deleting all but ``excl_keep``."""
        count, keep = self.cfg["excl_count"], self.cfg["excl_keep"]
        gone = count - keep
        label = "3 exclusive, delete %d of %d" % (gone, count)
        policy = [{"permission_groups": [{"name": "Zone Read"}], "resources": {"com.cloudflare.api.account.zone.*": "*"}}]
        # The admin credential the task authenticates with is one of the tokens kept (never deleted).
        specs = [{"name": "bench-keep-%02d" % i, "policies": policy} for i in range(keep - 1)]
        tokens = [{"name": s["name"], "policies": [{"permission_groups": ["Zone Read"], "resources": policy[0]["resources"]}]}
                  for s in specs]
        env = self.env(account=True)
        variables = {"cloudflare_tokens": tokens, "cloudflare_tokens_value_dir": os.path.join(self.work, "values"),
                     "bench_exclusive": True, "bench_max_deletions": gone,
                     "bench_expect": {"created": 0, "updated": 0, "deleted": gone}}
        subject = self.write("cf_token_set_exclusive.yml", play(CF_TOKEN_SET))

        def reseed():
            self.seed(count, "bench-gone-", specs, store=ACCOUNT_STORE)
            self.latency(self.cfg["excl_latency"])

        reseed()
        wall, log = self.playbook(subject, variables, args=["--check"], env=env)
        writes = _writes(log)
        self.rows.append(Row(label, "cf_token_set --check", len(log), 0 if writes else pages(count) + 1, wall,
                             note="writes: %d; %s" % (len(writes), _paths(log))))

        def real():
            reseed()  # each run deletes them: start from a full account, with fresh rate-limit counters
            result = self.playbook(subject, variables, env=env)
            if len(self.emu.tokens(ACCOUNT_STORE)) != keep:
                raise RuntimeError("%d tokens left after exclusive mode, expected %d" % (len(self.emu.tokens(ACCOUNT_STORE)), keep))
            return result
        walls, logs = self.compare(real, repeats=self.cfg["excl_repeats"])
        self.rows.append(Row(label, "cf_token_set exclusive", len(logs[0]), pages(count) + 1 + gone, walls[0],
                             note="in flight: %d; %s" % (max_in_flight(logs[0]), _paths(logs[0])), wall_target=self.cfg["excl_wall"]))

    def scenario_list(self):
        count = self.cfg["list_count"]
        label = "4 list %d account tokens" % count
        self.seed(count, "bench-", store=ACCOUNT_STORE)
        self.latency(self.cfg["list_latency"])
        target = pages(count) + 1
        walls = {}
        default = self.default_page_workers()
        for workers in sorted(set((1, 4, default))):
            times = []
            for dummy in range(self.cfg["list_repeats"]):
                client = self.client(workers)
                self.emu.clear_requests()
                started = time.monotonic()
                listed = client.list_tokens(account_id=cfemu.ACCOUNT_ID)
                times.append(time.monotonic() - started)
                if len(listed) != count:
                    raise RuntimeError("client listed %d tokens, expected %d" % (len(listed), count))
            log = self.emu.requests()
            walls[workers] = min(times)
            self.rows.append(Row(label, "client page_workers=%d%s" % (workers, " (default)" if workers == default else ""),
                                 len(log), target if workers == default else None, walls[workers],
                                 "page_workers=1" if workers != 1 else None, walls[1] if workers != 1 else None,
                                 1 / 3.0 if workers == default else None,
                                 note="in flight: %d; TCP connections: %d" % (max_in_flight(log), _connections(client))))
        # Two parallel pages refused with 429: each is fetched once more, one after another.
        self.emu.set_faults(latency=self.cfg["list_latency"], rules=[
            {"method": "GET", "path": "^/accounts/[^/]+/tokens$", "action": "status", "status": 429, "retry_after": 0,
             "every": 2, "times": 2}])
        client = self.client(default)
        self.emu.clear_requests()
        started = time.monotonic()
        listed = client.list_tokens(account_id=cfemu.ACCOUNT_ID)
        wall_429 = time.monotonic() - started
        log = self.emu.requests()
        self.latency(self.cfg["list_latency"])
        if len(listed) != count:
            raise RuntimeError("client listed %d tokens with 429s, expected %d" % (len(listed), count))
        refused = sum(1 for e in log if e["status"] == 429)
        self.rows.append(Row(label, "client page_workers=%d, 2 pages get 429" % default, len(log), pages(count) + 2,
                             wall_429, "page_workers=1", walls[1], None,
                             note="429s: %d, retried sequentially; TCP connections: %d" % (refused, _connections(client))))

        env = self.env(account=True)
        subject = self.write("token_info.yml", play(TOKEN_INFO))
        uri = self.write("uri_list.yml", play(URI_GET % ("accounts/%s/tokens/%s" % (cfemu.ACCOUNT_ID, self.emu.tokens(ACCOUNT_STORE)[-1]["id"]))))
        variables = {"bench_expected": count}
        sdk = self.sdk_runner(count)
        runs = [lambda: self.playbook(subject, variables, env=env), lambda: self.playbook(uri, env=env)] + ([sdk] if sdk else [])
        walls, logs = self.compare(*runs, repeats=self.cfg["list_repeats"])
        wall, log = walls[0], logs[0]
        self.rows.append(Row(label, "cf_token_info playbook", len(log), target, wall, "1 uri GET playbook", walls[1], 1.25,
                             note="in flight: %d" % max_in_flight(log)))
        self.rows.append(Row(label, "baseline: uri GET", len(logs[1]), None, walls[1], note=_paths(logs[1])))
        if sdk:
            self.rows.append(Row(label, "cf_token_info playbook (vs SDK)", None, None, wall, "SDK process", walls[2], 0.33))
        if self.cfg["breakdown"]:
            dummy, seconds, http, output = self.module_cost("cf_token_info", play(TOKEN_INFO), variables, account=True)
            self.breakdown.append(("cf_token_info over %d tokens: playbook %.3fs = module process %.3fs (HTTP %.3fs, result %d KiB of JSON)"
                                   " + ansible-playbook %.3fs; uri GET playbook %.3fs"
                                   % (count, wall, seconds, http, output // 1024, wall - seconds, walls[1]), None))
        # Sequential paging through ansible-playbook (CLOUDFLARE_PAGE_WORKERS=1), in full mode only.
        if self.mode == "full" and _mentions(os.path.join(ROOT, "plugins"), PAGE_WORKERS_ENV):
            seq_wall, seq_log = self.playbook(subject, variables, env=self.env(account=True, **{PAGE_WORKERS_ENV: "1"}))
            self.rows.append(Row(label, "cf_token_info playbook, %s=1" % PAGE_WORKERS_ENV, len(seq_log), target,
                                 seq_wall, "concurrent playbook", wall, None, note="in flight: %d" % max_in_flight(seq_log)))
        elif self.mode == "full":
            self.notes.append("the modules do not read %s: sequential paging is measured with the client only." % PAGE_WORKERS_ENV)
        if sdk:
            self.rows.append(Row(label, "baseline: cloudflare SDK %s, process" % _sdk_version(),
                                 len(logs[2]), None, walls[2],
                                 note="in flight: %d; import %.2fs" % (max_in_flight(logs[2]), self._sdk_times[0])))
            self.rows.append(Row(label, "baseline: cloudflare SDK, list only", None, None, self._sdk_times[1],
                                 note="iteration only, after import"))

    def scenario_audit(self):
        count = self.cfg["audit_count"]
        now = datetime.datetime.now(datetime.timezone.utc)
        # A healthy account: every token used yesterday, none expiring soon, so the audit passes.
        used = (now - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        later = (now + datetime.timedelta(days=180)).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.emu.reset()
        specs = [{"name": "bench-%04d" % i, "last_used_on": used, "expires_on": later if i % 2 else None}
                 for i in range(count - len(self.emu.tokens(ACCOUNT_STORE)))]
        self.emu.add_tokens(ACCOUNT_STORE, specs)
        # The seeded admin credential was never used; one call with it makes it "used".
        urllib.request.urlopen(urllib.request.Request(self.emu.base_url + "/accounts/%s/tokens/verify" % cfemu.ACCOUNT_ID, headers={
            "Authorization": "Bearer " + cfemu.ACCOUNT_API_TOKEN}), timeout=30).close()
        self.latency(self.cfg["audit_latency"])
        if os.path.exists(AUDIT_PLAYBOOK):
            path, variant, variables = AUDIT_PLAYBOOK, "playbooks/audit.yml --check", {}
        else:
            path = self.write("audit.yml", play(AUDIT))
            variant, variables = "cf_token_info expires_within+verify --check", {}
            self.notes.append("playbooks/audit.yml does not exist: scenario 5 measures one cf_token_info audit task with verify.")
        wall, log = self.playbook(path, variables, args=["--check"], env=self.env(account=True), may_fail=True)
        writes = _writes(log)
        self.rows.append(Row("5 audit %d account tokens" % count, variant, len(log), 0 if writes else pages(count) + 1, wall,
                             note="writes: %d; %s" % (len(writes), _paths(log))))

    # ----------------------------------------------------------- where time goes
    def scenario_breakdown(self):
        """Split a playbook's wall time into start-up, per-task, module process and HTTP costs."""
        self.seed(3, "bench-")
        self.latency(self.cfg["one_latency"])
        token = self.emu.tokens("user")[-1]
        by_id = {"bench_token": token, "bench_policies": [
            {"permission_groups": [g["id"] for g in token["policies"][0]["permission_groups"]], "resources": token["policies"][0]["resources"]}]}
        single = (("ping", PING_LOOP % 1, {}), ("uri", URI_GET % ("user/tokens/" + token["id"]), {}), ("cf_token", CF_TOKEN_BY_ID, by_id),
                  ("cf_token_info", TOKEN_INFO, {"bench_expected": 3}))
        loop = 11
        runs = [lambda: self.playbook(self.write("empty.yml", play("")))]
        runs.append(lambda: self.playbook(self.write("ping_loop.yml", play(PING_LOOP % loop))))
        for module, text, variables in single:
            runs.append(lambda m=module, t=text, v=variables: self.playbook(self.write("one-%s.yml" % m, play(t)), v))
        walls, dummy = self.compare(*runs)
        t_empty, t_loop = walls[0], walls[1]
        t_ping = walls[2]
        self.breakdown.append(("ansible-playbook start and stop (play without tasks)", t_empty))
        self.breakdown.append(("first task (ping)", t_ping - t_empty))
        self.breakdown.append(("each further loop item (ping, mean of %d)" % (loop - 1), (t_loop - t_ping) / (loop - 1)))
        for (module, text, variables), wall in zip(single, walls[2:]):
            size, seconds, http, dummy = self.module_cost(module, play(text), variables)
            self.breakdown.append(("%s: one task adds %.3fs to a playbook = module process %.3fs (HTTP %.3fs) + controller %.3fs;"
                                   " AnsiballZ payload %d KiB" % (module, wall - t_empty, seconds, http, wall - t_empty - seconds, size // 1024), None))

    def module_cost(self, module, text, variables, account=False):
        """Payload size, run time, HTTP span and output size of one module process run outside ansible-playbook.

        The AnsiballZ file ansible-playbook leaves behind (ANSIBLE_KEEP_REMOTE_FILES) carries its arguments,
        so it can be run again on its own.
        """
        remote = os.path.join(self.work, "kept-%s" % module)
        env = self.env(account=account, ANSIBLE_KEEP_REMOTE_FILES="1", ANSIBLE_REMOTE_TMP=remote)
        self.playbook(self.write("kept-%s.yml" % module, text), variables, env=env)
        found = [os.path.join(walked[0], f) for walked in os.walk(remote) for f in walked[2] if f == "AnsiballZ_%s.py" % module]
        if not found:
            raise RuntimeError("no AnsiballZ_%s.py was kept" % module)
        times = []
        output = b""
        for dummy in range(self.cfg["repeats"]):
            self.emu.clear_requests()
            started = time.monotonic()
            done = subprocess.run([sys.executable, found[0]], env=self.env(account=account), capture_output=True, check=False, timeout=300)
            times.append(time.monotonic() - started)
            output = done.stdout
            if done.returncode != 0:
                raise RuntimeError("%s failed when run on its own: %s" % (found[0], done.stdout[-500:] + done.stderr[-500:]))
        return os.path.getsize(found[0]), min(times), http_span(self.emu.requests()), len(output)

    # ------------------------------------------------------------- baselines
    def client(self, workers):
        """The collection's client with the account's admin credential."""
        sys.path.insert(0, self.collections)
        # pylint: disable-next=import-outside-toplevel
        from ansible_collections.tokenops.cloudflare.plugins.module_utils.cloudflare_api import CloudflareClient
        return CloudflareClient(base_url=self.emu.base_url, api_token=cfemu.ACCOUNT_API_TOKEN, page_workers=workers)

    def default_page_workers(self):
        sys.path.insert(0, self.collections)
        # pylint: disable-next=import-outside-toplevel
        from ansible_collections.tokenops.cloudflare.plugins.module_utils.cloudflare_api import PAGE_WORKERS
        return PAGE_WORKERS

    def sdk_runner(self, expected):
        if not self.cfg["sdk"]:
            self.notes.append("the cloudflare SDK baseline runs in full mode only.")
            return None
        try:
            import cloudflare  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import
        except ImportError:
            self.notes.append("cloudflare SDK not installed (pip install -r benchmarks/requirements.txt): SDK baseline skipped.")
            return None
        script = self.write("sdk_list.py", SDK_LIST)
        self._sdk_times = (0.0, 0.0)

        def run():
            self.emu.clear_requests()
            started = time.monotonic()
            done = subprocess.run([sys.executable, script], env=self.env(account=True), capture_output=True, text=True, check=False, timeout=600)
            wall = time.monotonic() - started
            if done.returncode != 0:
                raise RuntimeError("SDK listing failed:\n%s" % done.stderr[-2000:])
            listed, imported, iterated = done.stdout.split()
            self._sdk_times = (float(imported), float(iterated))
            if int(listed) != expected:
                raise RuntimeError("SDK listed %s tokens, expected %d" % (listed, expected))
            return wall, self.emu.requests()
        return run

    # ------------------------------------------------------------------- main
    def run(self, only=None):
        self.emu.start()
        try:
            for scenario in (self.scenario_single, self.scenario_set, self.scenario_exclusive, self.scenario_list, self.scenario_audit):
                if only and scenario.__name__[len("scenario_"):] not in only:
                    continue
                started = time.monotonic()
                try:
                    scenario()
                except RuntimeError as exc:
                    self.rows.append(Row(scenario.__name__, "ERROR", None, 0, note=str(exc).splitlines()[0]))
                    print(str(exc), file=sys.stderr)
                if self.verbose:
                    print("%s: %.1fs" % (scenario.__name__, time.monotonic() - started), flush=True)
            if self.cfg["breakdown"]:
                self.scenario_breakdown()
        finally:
            self.emu.stop()


def _paths(log):
    """Compact summary of the requests: method and path pattern with counts."""
    counts = {}
    for entry in log:
        path = entry["path"]
        parts = path.split("/")
        parts = ["{id}" if len(p) == 32 and all(c in "0123456789abcdef" for c in p) else p for p in parts]
        key = "%s %s" % (entry["method"], "/".join(parts))
        counts[key] = counts.get(key, 0) + 1
    return ", ".join("%dx %s" % (n, k) for k, n in counts.items())


def _writes(log):
    return [e for e in log if e["method"] != "GET"]


def _zone_lookups(log):
    return sum(1 for e in log if e["path"] in ("/zones", "/accounts"))


def _connections(client):
    """TCP connections the client's keep-alive pool opened."""
    pools = client.session.get_adapter(client.base_url).poolmanager.pools
    return sum(pools[key].num_connections for key in list(pools.keys()))


def _mentions(directory, text):
    for folder, dummy, files in os.walk(directory):
        for name in files:
            if name.endswith(".py"):
                with open(os.path.join(folder, name)) as handle:
                    if text in handle.read():
                        return True
    return False


def _sdk_version():
    try:
        import cloudflare  # pylint: disable=import-outside-toplevel
        return cloudflare.__version__
    except ImportError:
        return "?"


def _fmt(value, pattern):
    return "" if value is None else pattern % value


def _wall_verdict(row):
    if row.wall_target is None or row.wall is None:
        return ""
    return "<= %.1f %s" % (row.wall_target, "ok" if row.wall <= row.wall_target else "over")


def _ratio_verdict(row):
    if row.ratio_target is None or row.ratio is None:
        return ""
    return "<= %.2f %s" % (row.ratio_target, "ok" if row.ratio <= row.ratio_target else "over")


def render(bench):
    header = ("scenario", "variant", "requests", "target", "", "wall s", "wall target", "vs baseline", "ratio", "ratio target", "notes")
    lines = []
    for row in bench.rows:
        lines.append((row.scenario, row.variant, _fmt(row.requests, "%d"), _fmt(row.target, "<= %d"), row.verdict,
                      _fmt(row.wall, "%.3f"), _wall_verdict(row), row.baseline or "", _fmt(row.ratio, "%.2f"),
                      _ratio_verdict(row),
                      row.note))
    widths = [max(len(str(line[i])) for line in [header] + lines) for i in range(len(header) - 1)]
    out = []
    for line in [header] + lines:
        out.append("  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(line[:-1])) + "  " + line[-1])
        if line is header:
            out.append("  ".join("-" * w for w in widths) + "  " + "-" * 5)
    return "\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and no latency, for CI (under a minute)")
    parser.add_argument("--verbose", "-v", action="store_true", help="print every playbook run")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (playbooks, kept AnsiballZ files)")
    parser.add_argument("--only", action="append", choices=("single", "set", "exclusive", "list", "audit"),
                        help="run only this scenario (repeatable); the default runs all of them")
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "full"
    work = tempfile.mkdtemp(prefix="tokenops-bench-")
    started = time.monotonic()
    try:
        bench = Bench(mode, work, args.verbose)
        bench.run(args.only)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("tokenops.cloudflare benchmark (%s mode, %s, Python %s, %d CPUs) in %.0fs"
          % (mode, _ansible_version(), sys.version.split()[0], os.cpu_count() or 0, time.monotonic() - started))
    if args.quick:
        # Tiny sizes without latency: the timings only show that each scenario ran.
        for row in bench.rows:
            row.ratio_target = None
            row.wall_target = None
        bench.notes.append("quick mode: timings are smoke values without ratio targets; run without --quick to measure speed.")
    print(render(bench))
    if bench.breakdown:
        print("\nWhere the time goes:")
        for what, seconds in bench.breakdown:
            print("  %s%s" % (what, "" if seconds is None else ": %.3fs" % seconds))
    for note in bench.notes:
        print("note: %s" % note)
    if args.keep:
        print("work directory kept: %s" % work)
    targets = [row for row in bench.rows if row.target is not None]
    failed = [row for row in targets if row.verdict != "ok"]
    for row in failed:
        print("request target missed: %s / %s: %s requests, target %s" % (row.scenario, row.variant, row.requests, row.target))
    print("benchmark: %d passed, %d failed" % (len(targets) - len(failed), len(failed)))
    return 1 if failed else 0


def _ansible_version():
    try:
        from ansible.release import __version__  # pylint: disable=import-outside-toplevel
        return "ansible-core " + __version__
    except ImportError:
        return "ansible-core ?"


if __name__ == "__main__":
    sys.exit(main())
