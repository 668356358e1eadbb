#!/usr/bin/env python
# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Request counts and speed ratios of the collection, measured against the local emulator.

    python benchmarks/run.py            # full run: realistic sizes and latencies (a few minutes)
    python benchmarks/run.py --quick    # small sizes, no latency, under a minute (CI)

Every scenario runs a real ansible-playbook against tests/emulator and counts
the API requests in the emulator's log. Request counts are deterministic, so
each has a target and the script exits non-zero when one is exceeded. Wall
times are compared with a baseline measured in the same run (a bare
ansible.builtin.uri task, the official Cloudflare SDK, sequential paging) and
only reported: they depend on the machine.
"""

import argparse
import datetime
import json
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
sys.path.insert(0, os.path.join(ROOT, "tests", "emulator"))

import cfemu  # noqa: E402  pylint: disable=wrong-import-position

INVENTORY = 'localhost ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}"\n'
ROLE_MAIN = os.path.join(ROOT, "roles", "tokens", "tasks", "main.yml")
AUDIT_PLAYBOOK = os.path.join(ROOT, "playbooks", "audit.yml")
PAGE_WORKERS_ENV = "CLOUDFLARE_PAGE_WORKERS"

# Sizes, latencies and repetitions of each mode. Repetitions interleave subject and
# baseline runs and keep the fastest of each, so a slow moment of the machine hits neither.
MODES = {
    "full": dict(repeats=5, one_latency=0.02, many=20, many_latency=0.02, list_count=2000, list_latency=0.1,
                 audit_count=500, audit_latency=0.02, list_repeats=3, breakdown=True, sdk=True),
    "quick": dict(repeats=1, one_latency=0.0, many=3, many_latency=0.0, list_count=200, list_latency=0.005,
                  audit_count=100, audit_latency=0.0, list_repeats=1, breakdown=False, sdk=False),
}


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
    url: "{{ lookup('ansible.builtin.env', 'CLOUDFLARE_BASE_URL') }}/user/tokens/%s"
    headers:
      Authorization: "Bearer {{ lookup('ansible.builtin.env', 'CLOUDFLARE_API_TOKEN') }}"
"""

URI_LOOP = """
- name: GET each token with a bare uri task
  ansible.builtin.uri:
    url: "{{ lookup('ansible.builtin.env', 'CLOUDFLARE_BASE_URL') }}/user/tokens/{{ item }}"
    headers:
      Authorization: "Bearer {{ lookup('ansible.builtin.env', 'CLOUDFLARE_API_TOKEN') }}"
  loop: "{{ bench_ids }}"
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

CF_TOKEN_LOOP = """
- name: Converged tokens, one cf_token task per token
  tokenops.cloudflare.cf_token:
    name: "{{ item.name }}"
    policies: "{{ item.policies }}"
  loop: "{{ cloudflare_tokens }}"
  loop_control:
    label: "{{ item.name }}"
  register: result
  failed_when: result is failed or (bench_converged | bool and result is changed)
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
count = sum(1 for _ in client.user.tokens.list(per_page=50, include_expired=True))
print(count, imported - started, time.monotonic() - imported)
"""


# ------------------------------------------------------------------ helpers
class Row:
    def __init__(self, scenario, variant, requests=None, target=None, wall=None, baseline=None, base_wall=None,
                 ratio_target=None, note=""):
        self.scenario = scenario
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
        self.collections = self._collections_path()
        self.playbook_bin = shutil.which("ansible-playbook", path=os.path.dirname(sys.executable)) or shutil.which("ansible-playbook")
        if not self.playbook_bin:
            raise SystemExit("ansible-playbook not found next to %s nor on PATH" % sys.executable)
        with open(os.path.join(self.work, "inventory.ini"), "w") as handle:
            handle.write(INVENTORY)

    def _collections_path(self):
        # Inside a staged .../ansible_collections/tokenops/cloudflare tree, use it as is;
        # from a plain checkout, point a private collections dir at it.
        parts = ROOT.rstrip(os.sep).split(os.sep)
        if parts[-3:-2] == ["ansible_collections"] and parts[-2:] == ["tokenops", "cloudflare"]:
            return os.sep.join(parts[:-3]) or os.sep
        path = os.path.join(self.work, "collections")
        os.makedirs(os.path.join(path, "ansible_collections", "tokenops"))
        os.symlink(ROOT, os.path.join(path, "ansible_collections", "tokenops", "cloudflare"))
        return path

    # --------------------------------------------------------------- plumbing
    def env(self, **extra):
        env = dict((k, v) for k, v in os.environ.items() if not k.startswith(("CLOUDFLARE_", "ANSIBLE_")))
        env.update({
            "CLOUDFLARE_BASE_URL": self.emu.base_url,
            "CLOUDFLARE_API_TOKEN": cfemu.USER_API_TOKEN,
            "ANSIBLE_COLLECTIONS_PATH": self.collections,
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "ANSIBLE_LOCALHOST_WARNING": "0",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
            "ANSIBLE_LOCAL_TEMP": os.path.join(self.work, "ansible-local"),
            "ANSIBLE_REMOTE_TMP": os.path.join(self.work, "ansible-remote"),
            "PYTHONWARNINGS": "ignore",
        })
        env.update(extra)
        return env

    def latency(self, seconds):
        self.emu.set_faults(rules=[], latency=seconds)

    def write(self, name, text):
        path = os.path.join(self.work, name)
        with open(path, "w") as handle:
            handle.write(text)
        return path

    def playbook(self, path, variables=None, args=(), env=None, may_fail=False):
        """Run ansible-playbook once; returns (wall seconds, emulator log of the run)."""
        vars_file = self.write("vars.json", json.dumps(variables or {}))
        command = [self.playbook_bin, "-i", os.path.join(self.work, "inventory.ini"), "-e", "@" + vars_file, path] + list(args)
        self.emu.clear_requests()
        started = time.monotonic()
        done = subprocess.run(command, env=env or self.env(), cwd=self.work, capture_output=True, text=True, timeout=900, check=False)
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

    def seed(self, count, prefix, specs=None):
        """Reset to credentials only, then add tokens so the user store holds ``count`` tokens."""
        self.emu.reset()
        existing = len(self.emu.tokens("user"))
        specs = list(specs or [])
        specs += [{"name": "%s%04d" % (prefix, i)} for i in range(count - existing - len(specs))]
        return self.emu.add_tokens("user", specs) if specs else []

    # -------------------------------------------------------------- scenarios
    def scenario_single(self):
        token = self.seed(3, "bench-", [{"name": "bench-one", "policies": [{"permission_groups": [{"name": "Zone Read"}]}]}])[0]
        policy = token["policies"][0]
        by_id = [{"permission_groups": [g["id"] for g in policy["permission_groups"]], "resources": policy["resources"]}]
        by_name = [{"permission_groups": [g["name"] for g in policy["permission_groups"]], "resources": policy["resources"]}]
        self.latency(self.cfg["one_latency"])
        uri = self.write("uri_one.yml", play(URI_GET % token["id"]))
        subject = self.write("cf_token_by_id.yml", play(CF_TOKEN_BY_ID))
        base = {"bench_token": {"id": token["id"], "name": token["name"]}}
        runs = [lambda: self.playbook(uri)]
        # Group names the token already carries resolve without reading the permission-group catalog.
        variants = (("by id, groups by id", by_id, 1), ("by id, groups by name", by_name, 1))
        for variant in variants:
            policies = variant[1]
            variables = dict(base, bench_policies=policies)
            runs.append(lambda v=variables: self.playbook(subject, v))
        walls, logs = self.compare(*runs)
        for index, (variant, dummy, target) in enumerate(variants, 1):
            self.rows.append(Row("1 cf_token converged", variant, len(logs[index]), target, walls[index], "1 uri GET", walls[0], 1.05,
                                 note=_paths(logs[index])))
        self.rows.append(Row("1 cf_token converged", "baseline: uri GET", len(logs[0]), None, walls[0], note=_paths(logs[0])))

    def scenario_many(self):
        count = self.cfg["many"]
        declared = [{"name": "bench-role-%02d" % i,
                     "policies": [{"permission_groups": ["Zone Read"], "resources": {"com.cloudflare.api.account.zone.*": "*"}}]}
                    for i in range(count)]
        self.seed(2, "unused-")
        self.latency(self.cfg["many_latency"])
        role = os.path.exists(ROLE_MAIN)
        if role:
            subject = self.write("role.yml", play(ROLE))
            variant = "role tokens, %d tokens" % count
        else:
            subject = self.write("cf_token_loop.yml", play(CF_TOKEN_LOOP))
            variant = "cf_token loop, %d tokens" % count
            self.notes.append("roles/tokens/tasks/main.yml does not exist: scenario 2 measures a %d-item cf_token loop." % count)
        variables = {"cloudflare_tokens": declared, "bench_converged": False,
                     "cloudflare_tokens_value_dir": os.path.join(self.work, "values")}
        self.playbook(subject, variables)  # creates them; not timed
        ids = [t["id"] for t in self.emu.tokens("user") if t["name"].startswith("bench-role-")]
        variables["bench_converged"] = True
        uri = self.write("uri_loop.yml", play(URI_LOOP))
        (wall, base_wall), (log, dummy) = self.compare(lambda: self.playbook(subject, variables),
                                                       lambda: self.playbook(uri, {"bench_ids": ids}))
        # With <= 50 tokens in the scope, a lookup by name is one list page, and a converged token's
        # group names resolve from the token itself.
        target = count
        self.rows.append(Row("2 many tokens converged", variant, len(log), target, wall, "%d uri GETs (loop)" % count,
                             base_wall, 1.3, note=_paths(log)))
        if any(e["method"] != "GET" for e in log):
            # A converged run that writes is a bug whatever its count.
            self.rows[-1].target = 0
        self.rows.append(Row("2 many tokens converged", "baseline: uri loop", count, None, base_wall))

    def scenario_list(self):
        count = self.cfg["list_count"]
        self.seed(count, "bench-")
        self.latency(self.cfg["list_latency"])
        target = pages(count) + 1
        walls = {}
        for workers in (1, 4, 8):
            times = []
            for dummy in range(self.cfg["list_repeats"]):
                client = self.client(workers)
                self.emu.clear_requests()
                started = time.monotonic()
                listed = client.list_tokens()
                times.append(time.monotonic() - started)
                if len(listed) != count:
                    raise RuntimeError("client listed %d tokens, expected %d" % (len(listed), count))
            log = self.emu.requests()
            walls[workers] = min(times)
            self.rows.append(Row("3 list %d tokens" % count, "client page_workers=%d%s" % (workers, " (default)" if workers == 4 else ""),
                                 len(log), target if workers == 4 else None, walls[workers],
                                 "page_workers=1" if workers != 1 else None, walls[1] if workers != 1 else None,
                                 None, note="in flight: %d; TCP connections: %d" % (max_in_flight(log), _connections(client))))
        self.rows[-2].ratio_target = 1 / 3.0
        # Two parallel pages refused with 429: each is fetched once more, one after another.
        self.emu.set_faults(latency=self.cfg["list_latency"], rules=[
            {"method": "GET", "path": "^/user/tokens$", "action": "status", "status": 429, "retry_after": 0, "every": 2, "times": 2}])
        client = self.client(4)
        self.emu.clear_requests()
        started = time.monotonic()
        listed = client.list_tokens()
        wall_429 = time.monotonic() - started
        log = self.emu.requests()
        self.latency(self.cfg["list_latency"])
        if len(listed) != count:
            raise RuntimeError("client listed %d tokens with 429s, expected %d" % (len(listed), count))
        refused = sum(1 for e in log if e["status"] == 429)
        self.rows.append(Row("3 list %d tokens" % count, "client page_workers=4, 2 pages get 429", len(log), pages(count) + 2,
                             wall_429, "page_workers=1", walls[1], None,
                             note="429s: %d, retried sequentially; TCP connections: %d" % (refused, _connections(client))))

        subject = self.write("token_info.yml", play(TOKEN_INFO))
        variables = {"bench_expected": count}
        sdk = self.sdk_runner()
        runs = [lambda: self.playbook(subject, variables)] + ([sdk] if sdk else [])
        walls, logs = self.compare(*runs, repeats=self.cfg["list_repeats"])
        wall, log = walls[0], logs[0]
        self.rows.append(Row("3 list %d tokens" % count, "cf_token_info playbook", len(log), target, wall,
                             "SDK process" if sdk else None, walls[1] if sdk else None, 0.33 if sdk else None,
                             note="in flight: %d" % max_in_flight(log)))
        if self.cfg["breakdown"]:
            size, seconds, http, output = self.module_cost("cf_token_info", play(TOKEN_INFO), variables)
            self.breakdown.append(("cf_token_info over %d tokens: playbook %.3fs = module process %.3fs (HTTP %.3fs, result %d KiB of JSON)"
                                   " + ansible-playbook %.3fs" % (count, wall, seconds, http, output // 1024, wall - seconds), None))
        # Sequential paging through ansible-playbook needs the modules to read the variable.
        # Quick mode skips it: its count is the concurrent run's, and CI time is better spent elsewhere.
        if self.mode == "full" and _mentions(os.path.join(ROOT, "plugins"), PAGE_WORKERS_ENV):
            seq_wall, seq_log = self.playbook(subject, variables, env=self.env(**{PAGE_WORKERS_ENV: "1"}))
            self.rows.append(Row("3 list %d tokens" % count, "cf_token_info playbook, %s=1" % PAGE_WORKERS_ENV, len(seq_log), target,
                                 seq_wall, "concurrent playbook", wall, None, note="in flight: %d" % max_in_flight(seq_log)))
        elif self.mode == "full":
            self.notes.append("the modules do not read %s: sequential paging is measured with the client only." % PAGE_WORKERS_ENV)
        if sdk:
            self.rows.append(Row("3 list %d tokens" % count, "baseline: cloudflare SDK %s, process" % _sdk_version(),
                                 len(logs[1]), None, walls[1],
                                 note="in flight: %d; import %.2fs" % (max_in_flight(logs[1]), self._sdk_times[0])))
            self.rows.append(Row("3 list %d tokens" % count, "baseline: cloudflare SDK, list only", None, None, self._sdk_times[1],
                                 note="iteration only, after import"))

    def scenario_audit(self):
        count = self.cfg["audit_count"]
        now = datetime.datetime.now(datetime.timezone.utc)
        # A healthy estate: every token used yesterday, none expiring soon, so the audit passes.
        used = (now - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        later = (now + datetime.timedelta(days=180)).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.emu.reset()
        specs = [{"name": "bench-%04d" % i, "last_used_on": used, "expires_on": later if i % 2 else None}
                 for i in range(count - len(self.emu.tokens("user")))]
        self.emu.add_tokens("user", specs)
        # The seeded read-only credential was never used; one call with it makes it "used".
        urllib.request.urlopen(urllib.request.Request(self.emu.base_url + "/user/tokens/verify", headers={
            "Authorization": "Bearer " + cfemu.READONLY_API_TOKEN}), timeout=30).close()
        self.latency(self.cfg["audit_latency"])
        if os.path.exists(AUDIT_PLAYBOOK):
            path, variant, variables = AUDIT_PLAYBOOK, "playbooks/audit.yml --check", {}
        else:
            path = self.write("audit.yml", play(AUDIT))
            variant, variables = "cf_token_info expires_within+verify --check", {}
            self.notes.append("playbooks/audit.yml does not exist: scenario 4 measures one cf_token_info audit task with verify.")
        wall, log = self.playbook(path, variables, args=["--check"], may_fail=True)
        writes = [e for e in log if e["method"] != "GET"]
        self.rows.append(Row("4 audit %d tokens" % count, variant, len(log), pages(count) + 1, wall,
                             note="writes: %d; %s" % (len(writes), _paths(log))))
        if writes:
            self.rows[-1].target = 0

    # ----------------------------------------------------------- where time goes
    def scenario_breakdown(self):
        """Split a playbook's wall time into start-up, per-task, module process and HTTP costs."""
        self.seed(3, "bench-")
        self.latency(self.cfg["one_latency"])
        token = self.emu.tokens("user")[-1]
        by_id = {"bench_token": token, "bench_policies": [
            {"permission_groups": [g["id"] for g in token["policies"][0]["permission_groups"]], "resources": token["policies"][0]["resources"]}]}
        single = (("ping", PING_LOOP % 1, {}), ("uri", URI_GET % token["id"], {}), ("cf_token", CF_TOKEN_BY_ID, by_id),
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

    def module_cost(self, module, text, variables):
        """Payload size, run time, HTTP span and output size of one module process run outside ansible-playbook.

        The AnsiballZ file ansible-playbook leaves behind (ANSIBLE_KEEP_REMOTE_FILES) carries its arguments,
        so it can be run again on its own.
        """
        remote = os.path.join(self.work, "kept-%s" % module)
        env = self.env(ANSIBLE_KEEP_REMOTE_FILES="1", ANSIBLE_REMOTE_TMP=remote)
        self.playbook(self.write("kept-%s.yml" % module, text), variables, env=env)
        found = [os.path.join(walked[0], f) for walked in os.walk(remote) for f in walked[2] if f == "AnsiballZ_%s.py" % module]
        if not found:
            raise RuntimeError("no AnsiballZ_%s.py was kept" % module)
        times = []
        output = b""
        for dummy in range(self.cfg["repeats"]):
            self.emu.clear_requests()
            started = time.monotonic()
            done = subprocess.run([sys.executable, found[0]], env=self.env(), capture_output=True, check=False, timeout=300)
            times.append(time.monotonic() - started)
            output = done.stdout
            if done.returncode != 0:
                raise RuntimeError("%s failed when run on its own: %s" % (found[0], done.stdout[-500:] + done.stderr[-500:]))
        return os.path.getsize(found[0]), min(times), http_span(self.emu.requests()), len(output)

    # ------------------------------------------------------------- baselines
    def client(self, workers):
        sys.path.insert(0, self.collections)
        # pylint: disable-next=import-outside-toplevel
        from ansible_collections.tokenops.cloudflare.plugins.module_utils.cloudflare_api import CloudflareClient
        return CloudflareClient(base_url=self.emu.base_url, api_token=cfemu.USER_API_TOKEN, page_workers=workers)

    def sdk_runner(self):
        if not self.cfg["sdk"]:
            self.notes.append("the cloudflare SDK baseline runs in full mode only.")
            return None
        try:
            import cloudflare  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import
        except ImportError:
            self.notes.append("cloudflare SDK not installed (pip install -r benchmarks/requirements.txt): SDK baseline skipped.")
            return None
        script = self.write("sdk_list.py", SDK_LIST)
        expected = self.cfg["list_count"]
        self._sdk_times = (0.0, 0.0)

        def run():
            self.emu.clear_requests()
            started = time.monotonic()
            done = subprocess.run([sys.executable, script], env=self.env(), capture_output=True, text=True, check=False, timeout=600)
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
    def run(self):
        self.emu.start()
        try:
            for scenario in (self.scenario_single, self.scenario_many, self.scenario_list, self.scenario_audit):
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


def render(bench):
    header = ("scenario", "variant", "requests", "target", "", "wall s", "vs baseline", "ratio", "ratio target", "notes")
    lines = []
    for row in bench.rows:
        lines.append((row.scenario, row.variant, _fmt(row.requests, "%d"), _fmt(row.target, "<= %d"), row.verdict,
                      _fmt(row.wall, "%.3f"), row.baseline or "", _fmt(row.ratio, "%.2f"),
                      _fmt(row.ratio_target, "<= %.2f"),
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
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "full"
    work = tempfile.mkdtemp(prefix="tokenops-bench-")
    started = time.monotonic()
    try:
        bench = Bench(mode, work, args.verbose)
        bench.run()
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("tokenops.cloudflare benchmark (%s mode, %s, Python %s, %d CPUs) in %.0fs"
          % (mode, _ansible_version(), sys.version.split()[0], os.cpu_count() or 0, time.monotonic() - started))
    if args.quick:
        # Tiny sizes without latency: the timings only show that each scenario ran.
        for row in bench.rows:
            row.ratio_target = None
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
