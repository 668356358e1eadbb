# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Concurrency: twenty hosts with forks=10, each declaring a distinct token.

Afterwards exactly twenty tokens exist, each once, each value stored once and
owner-only; a second run changes nothing and sends no write. The store also holds
120 other tokens, so every lookup pages through a list that others are growing. That is
more than a user may own (50), so the tokens are account-owned (an account may own 500).
"""

import datetime
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import reliability_harness as harness  # noqa: E402  pylint: disable=wrong-import-position

STORE = "account:" + harness.cfemu.ACCOUNT_ID
HOSTS = ["host%02d" % number for number in range(1, 21)]
FORKS = 10


def _inventory(path):
    hosts = dict((host, {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}) for host in HOSTS)
    return harness.write_json(path, {"token_hosts": {"hosts": hosts}})


def _in_flight(entries):
    """The largest number of requests the emulator was serving at the same moment."""
    events = []
    for entry in entries:
        end = harness.parse_ts(entry["ts"])
        events.append((end - datetime.timedelta(milliseconds=entry["duration_ms"]), 1))
        events.append((end, -1))
    peak = current = 0
    for _moment, delta in sorted(events, key=lambda event: (event[0], event[1])):
        current += delta
        peak = max(peak, current)
    return peak


@pytest.fixture(scope="module")
def concurrent_runs(audit, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("concurrency")
    emu = audit.emulator("concurrency")
    try:
        # A little latency per request, so that ten forks really overlap.
        emu.set_faults([], latency=0.03)
        emu.add_tokens(STORE, [{"name": "background-%03d" % index} for index in range(120)])
        inventory = _inventory(workdir / "hosts.yml")
        playbook = os.path.join(harness.PLAYBOOKS, "concurrency.yml")
        env = {"ANSIBLE_FORKS": str(FORKS), "CLOUDFLARE_API_TOKEN": audit.credentials["account_token"],
               "CLOUDFLARE_ACCOUNT_ID": harness.cfemu.ACCOUNT_ID}
        first = audit.play("concurrency-first", playbook, emu, workdir / "first", inventory=inventory, env=env,
                           extra_vars={"expect_changed": True})
        first_log = emu.requests()
        emu.clear_requests()
        second = audit.play("concurrency-second", playbook, emu, workdir / "second", inventory=inventory, env=env,
                            extra_vars={"expect_changed": False, "output_dir": str(workdir / "first" / "output")})
        second_log = emu.requests()
        values = {}
        with emu._state.lock:  # pylint: disable=protected-access
            for token in emu._state.stores[STORE].values():  # pylint: disable=protected-access
                values[token.id] = token.value
        return {"first": first, "second": second, "first_log": first_log, "second_log": second_log,
                "tokens": emu.tokens(STORE), "values": values, "output": workdir / "first" / "output"}
    finally:
        audit.snapshot(emu, "concurrency")
        emu.stop()


def test_first_run_creates_each_token_once(concurrent_runs):
    first = concurrent_runs["first"]
    assert first.returncode == 0, first.describe()
    recap = first.recap()
    assert sorted(recap) == HOSTS, first.describe()
    assert all(counts["changed"] == 1 and counts["failed"] == 0 for counts in recap.values()), recap
    names = [token["name"] for token in concurrent_runs["tokens"] if token["name"].startswith("concurrent-")]
    assert sorted(names) == sorted("concurrent-" + host for host in HOSTS)
    posts = [entry for entry in concurrent_runs["first_log"] if entry["method"] == "POST"]
    assert len(posts) == len(HOSTS)


def test_the_forks_really_overlapped(concurrent_runs):
    assert _in_flight(concurrent_runs["first_log"]) >= 2


def test_every_value_is_stored_once_and_owner_only(concurrent_runs):
    by_name = dict((token["name"], token) for token in concurrent_runs["tokens"])
    seen = set()
    for host in HOSTS:
        path = concurrent_runs["output"] / (host + ".token")
        assert oct(path.stat().st_mode & 0o777) == "0o600", path
        value = path.read_text()
        assert value == concurrent_runs["values"][by_name["concurrent-" + host]["id"]]
        seen.add(value)
    assert len(seen) == len(HOSTS)


def test_second_run_is_all_ok(concurrent_runs):
    second = concurrent_runs["second"]
    assert second.returncode == 0, second.describe()
    recap = second.recap()
    assert sorted(recap) == HOSTS, second.describe()
    assert all(counts["changed"] == 0 and counts["failed"] == 0 for counts in recap.values()), recap
    assert not [entry for entry in concurrent_runs["second_log"] if entry["method"] != "GET"]
