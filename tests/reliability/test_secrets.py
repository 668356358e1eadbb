# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets never leak: one scan over every run of the session, all of them at -vvv with --diff.

The runs are every integration target (``integration_suite``), every reliability playbook of
the session (faults, bad input, concurrency) and secret_paths.yml, which creates, rolls and
uses token values and walks the error paths. The emulators use credentials made up for this
session; every token value they issue is recorded. The rule is in secret_scan.py. These tests
run after the rest of the suite (see conftest.py), so the scan sees all of it.
"""

import json
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import reliability_harness as harness  # noqa: E402  pylint: disable=wrong-import-position
import secret_scan  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(scope="module")
def secret_paths_run(audit, tmp_path_factory):
    wrong = {"wrong_api_key": "relyWrongKey" + os.urandom(12).hex(), "wrong_api_token": "relyWrongToken" + os.urandom(12).hex()}
    for name, value in wrong.items():
        audit.add_secret(name, value)
    emu = audit.emulator("secret-paths")
    try:
        run = audit.play("secret-paths", os.path.join(harness.PLAYBOOKS, "secret_paths.yml"), emu,
                         tmp_path_factory.mktemp("secret-paths"), extra_vars=wrong)
        return run, dict((record["task"], record) for record in run.task_results() if record["event"] in ("ok", "failed"))
    finally:
        audit.snapshot(emu, "secret-paths")
        emu.stop()


def test_secret_paths_run(secret_paths_run):
    run, results = secret_paths_run
    assert run.returncode == 0, run.describe()
    assert len(results["Create a token and return its value"]["result"]["value"]) >= 40
    used = results["Use the rolled value as the credential of a task"]["result"]
    assert used["verification"]["status"] == "active", used


@pytest.mark.parametrize("task, status", [
    ("A create that Cloudflare rejects (400) must not echo the request body", "HTTP 400"),
    ("A wrong global API key must not appear in the failure", "HTTP 401"),
    ("The right global API key must not appear in a failure either", "verify needs api_token"),
    ("An unknown bearer token must not appear in the failure", "HTTP 401"),
    ("A malformed bearer token must not appear in the failure", "HTTP 400"),
    ("The old value of a rolled token is refused without showing it", "HTTP 401"),
])
def test_error_paths_fail_cleanly(secret_paths_run, task, status):
    _run, results = secret_paths_run
    result = results[task]["result"]
    msg = result.get("msg", "")
    assert results[task]["event"] == "failed" and status in msg, result
    # Ansible masks a no_log value that a module puts in its output: a mask in msg is a leak it caught.
    assert "********" not in msg and "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" not in msg, msg
    # No echo of the request: neither the JSON body nor its Python form.
    for fragment in ('"policies"', "'policies'", '"permission_groups"', "'permission_groups'", "Bearer "):
        assert fragment not in msg, msg
    assert "\n" not in msg.strip(), msg


def test_scanner_finds_planted_leaks(tmp_path):
    """The scan itself: every kind of leak is reported, the allowed forms are not."""
    secret, credential = "issuedValue0123456789abcdefghijklmnopqrstu", "credentialValue0123456789"
    scanner = secret_scan.Scanner({secret: "issued", credential: "credential"}, {secret}, harness.SECRET_ACTIONS)
    scanner.stdout("ok", 'ok: [localhost] => {\n    "changed": true,\n    "value": "%s"\n}' % secret)
    scanner.results("ok", [{"action": "tokenops.cloudflare.cf_token", "result": {"value": secret}},
                           {"action": "tokenops.cloudflare.cf_token_roll", "result": {"results": [{"value": secret}]}}])
    good = tmp_path / "good"
    good.mkdir()
    (good / "value.token").write_text(secret)
    os.chmod(str(good / "value.token"), 0o600)
    scanner.tree(str(good))
    assert not scanner.findings, [str(f) for f in scanner.findings]
    scanner.stdout("msg", '"msg": "token %s refused"' % secret)
    scanner.stdout("credential", '"value": "%s"' % credential)
    scanner.nowhere("stderr", "[WARNING]: %s" % secret)
    scanner.results("debug", [{"action": "ansible.builtin.debug", "result": {"value": secret}}])
    scanner.results("msg", [{"action": "tokenops.cloudflare.cf_token", "result": {"msg": "value %s" % secret}}])
    scanner.results("diff", [{"action": "tokenops.cloudflare.cf_token_roll", "result": {"diff": {"after": {"value": secret}}}}])
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "loose.token").write_text(secret)
    os.chmod(str(bad / "loose.token"), 0o644)
    (bad / "log.txt").write_text("token=%s\n" % secret)
    scanner.tree(str(bad))
    assert len(scanner.findings) == 8, [str(f) for f in scanner.findings]


@pytest.fixture(scope="module")
def leak_scan(audit, integration_suite, secret_paths_run):
    """Scan every recorded run, file and request log of the session; returns the Scanner."""
    assert integration_suite and secret_paths_run
    secrets = audit.secret_values()
    issued = set(audit.issued)
    scanner = secret_scan.Scanner(secrets, issued, harness.SECRET_ACTIONS)
    for run in list(audit.runs):
        in_results = scanner.results(run.name, run.task_results())
        in_stdout = scanner.stdout(run.name + " stdout", run.stdout)
        for value, count in in_stdout.items():
            if count > in_results.get(value, 0):
                scanner.findings.append(secret_scan.Finding(run.name + " stdout", secrets[value],
                                                            "printed %d times, returned as value %d times" % (count, in_results.get(value, 0))))
        scanner.nowhere(run.name + " stderr", run.stderr)
        scanner.tree(run.workdir, skip=harness.HARNESS_INPUTS + (harness.AUDIT_FILE,))
    for label, entries in sorted(audit.logs.items()):
        scanner.nowhere("request log of " + label, json.dumps(entries, sort_keys=True))
    audit.stats["secrets"] = dict(scanner.stats, values=len(secrets), issued=len(issued), runs=len(audit.runs),
                                  log_entries=sum(len(entries) for entries in audit.logs.values()))
    return scanner


def test_integration_targets_pass_under_the_session_credentials(integration_suite):
    for run in integration_suite.values():
        assert run.returncode == 0, run.describe()


def test_no_secret_leaks(leak_scan):
    findings = leak_scan.findings
    assert not findings, "\n".join(str(finding) for finding in findings[:50])
    # The scan saw real secrets in their allowed places, so it was not looking at nothing.
    stats = leak_scan.stats
    assert stats["allowed_in_stdout"] >= 1 and stats["allowed_in_results"] >= 1 and stats["value_files"] >= 10, stats
