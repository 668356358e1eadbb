# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fault matrix: every module operation under every network and API fault, in one ansible-playbook run.

What the connection documentation promises, checked case by case:

* reads, updates and deletes are retried after 429 (honouring Retry-After), 500/502/503/504
  and connection errors, within ``retries``; so a fault that happens once is survived, and a
  persistent one fails after exactly ``retries + 1`` attempts;
* a malformed body or ``success: false`` is an answer, not a transient fault: no retry;
* creating and rolling are sent exactly once, whatever happens, except after 429: a refusal
  applied nothing, so it is waited out and sent again like a read; when the outcome is
  unknown the task says the write may have happened and how to check;
* a failure is one line naming the HTTP status, Cloudflare's code and message, and the
  method and path; never a traceback;
* afterwards no token is duplicated or lost, and a secret that was not issued is not written.
"""

import json
import os
import re
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import reliability_harness as harness  # noqa: E402  pylint: disable=wrong-import-position
from reliability_harness import cfemu  # noqa: E402  pylint: disable=wrong-import-position

RETRIES = 2
ZONE_ALL = {"com.cloudflare.api.account.zone.*": "*"}
CREATE_POLICIES = [{"permission_groups": [{"id": cfemu.group_id(cfemu.SCOPE_ZONE, "Zone Read")}], "resources": ZONE_ALL}]
UPDATE_GROUP = cfemu.group_id(cfemu.SCOPE_ZONE, "DNS Read")
UPDATE_POLICIES = [{"permission_groups": [{"id": UPDATE_GROUP}], "resources": ZONE_ALL}]
ID = "[0-9a-f]{32}"

# operation: (method, path regex of the request under fault, idempotent)
OPERATIONS = {
    "create": ("POST", r"^/user/tokens$", False),
    "update": ("PUT", r"^/user/tokens/%s$" % ID, True),
    "delete": ("DELETE", r"^/user/tokens/%s$" % ID, True),
    "info": ("GET", r"^/user/tokens$", True),
    "roll": ("PUT", r"^/user/tokens/%s/value$" % ID, False),
    "pgi": ("GET", r"^/user/tokens/permission_groups$", True),
}

# fault: (rule, retried by contract, Cloudflare error (code, message) in the answer or None, HTTP status or None)
FAULTS = {
    "429-retry-after": ({"action": "status", "status": 429, "retry_after": 1}, True,
                        (971, "Please wait and consider throttling your request speed"), 429),
    "429": ({"action": "status", "status": 429}, True, (971, "Please wait and consider throttling your request speed"), 429),
    "500": ({"action": "status", "status": 500}, True, (10500, "Internal Server Error"), 500),
    "502": ({"action": "status", "status": 502}, True, (10502, "Bad Gateway"), 502),
    "503": ({"action": "status", "status": 503}, True, (10503, "Service Unavailable"), 503),
    "504": ({"action": "status", "status": 504}, True, (10504, "Gateway Timeout"), 504),
    "drop": ({"action": "drop"}, True, None, None),
    "timeout": ({"action": "timeout", "delay": 3}, True, None, None),
    "malformed": ({"action": "malformed"}, False, None, 200),
    "html": ({"action": "html"}, True, None, 502),
    "envelope": ({"action": "envelope_error"}, False, (10001, "Service error, please try again"), 200),
}
DURATIONS = ("once", "persistent")


class Case:
    """One (operation, fault) pair and what the documentation says must happen.

    ``rules`` replaces the default rule (the fault on the operation's own request); then the
    request under fault is the first rule's method and path, and ``like`` names the fault
    whose status and Cloudflare error the message must carry.
    """

    def __init__(self, op, fault, duration, rules=None, expect=None, processed=False, status=None, account=False, like=None):
        self.op = op
        self.fault = fault
        self.duration = duration
        self.id = "%s-%s-%s" % (op, fault, duration)
        method, path, idempotent = OPERATIONS[op]
        if rules is None:
            rule = dict(FAULTS[fault][0], method=method, path=path)
            if duration == "once":
                rule["times"] = 1
            rules = [rule]
        else:
            method, path = rules[0]["method"], rules[0].get("path", path)
        self.rules = rules
        self.method = method
        self.path = path
        self.idempotent = idempotent
        # Whether the server carried the request out although the client got no good answer.
        self.processed = processed or fault == "timeout" or bool(rules[0].get("after"))
        self.status = status
        self.account = account
        self.like = like if like is not None else (fault if fault in FAULTS else None)
        retried = FAULTS[fault][1] if fault in FAULTS else False
        if expect is not None:
            self.succeeds, self.attempts = expect
        elif op == "create" and self.processed and not refused(fault):
            # A create whose answer was lost is settled in the same run: found by name, rolled once, delivered.
            self.succeeds, self.attempts = True, 1
        elif not idempotent and not refused(fault):
            self.succeeds, self.attempts = False, 1
        elif retried and duration == "once":
            self.succeeds, self.attempts = True, 2
        elif retried:
            self.succeeds, self.attempts = False, RETRIES + 1
        else:
            self.succeeds, self.attempts = False, 1

    @property
    def token(self):
        return "fault-" + self.id

    def play_vars(self):
        data = {"id": self.id, "op": self.op, "rules": self.rules, "token": self.token,
                "rerun": self.op == "create"}
        if self.op == "create":
            data["policies"] = CREATE_POLICIES
        if self.op == "update":
            data["policies"] = UPDATE_POLICIES
        if self.fault == "timeout":
            data["timeout"] = 1
        if self.status:
            data["status"] = self.status
        if self.account:
            data["account"] = True
        return data


def refused(fault):
    """HTTP 429: Cloudflare refused the request, so even a create or roll may be sent again."""
    return fault in ("429-retry-after", "429")


def matrix():
    cases = []
    for op, (_method, _path, idempotent) in OPERATIONS.items():
        for fault, (_rule, retried, _error, _status) in FAULTS.items():
            # Once or persistent only differ where a retry may follow: idempotent requests or refusals, retried faults.
            for duration in DURATIONS if (idempotent or refused(fault)) and retried else ("persistent",):
                cases.append(Case(op, fault, duration))
    cases += [
        # Reads before a write are retried like any read; the write still goes out once.
        Case("create", "list-503", "once", rules=[{"method": "GET", "path": r"^/user/tokens$", "action": "status",
                                                   "status": 503, "times": 1}], expect=(True, 2)),
        # The server did the work but the answer was lost: the classic duplicate-maker.
        Case("create", "503-after", "once", rules=[{"method": "POST", "path": r"^/user/tokens$", "action": "status",
                                                    "status": 503, "after": True}], like="503"),
        Case("create", "drop-after", "once", rules=[{"method": "POST", "path": r"^/user/tokens$", "action": "drop", "after": True}]),
        Case("create", "503", "account", rules=[{"method": "POST", "path": r"^/accounts/%s/tokens$" % ID, "action": "status",
                                                 "status": 503}], account=True, like="503"),
        Case("info", "503", "account", rules=[{"method": "GET", "path": r"^/accounts/%s/tokens$" % ID, "action": "status",
                                               "status": 503, "times": 1}], expect=(True, 2), account=True),
        Case("update", "503", "account", rules=[{"method": "PUT", "path": r"^/accounts/%s/tokens/%s$" % (ID, ID), "action": "status",
                                                 "status": 503, "times": 1}], expect=(True, 2), account=True),
        Case("update", "503-after", "once", rules=[{"method": "PUT", "path": OPERATIONS["update"][1], "action": "status",
                                                    "status": 503, "after": True, "times": 1}], expect=(True, 2)),
        Case("roll", "503-after", "once", rules=[{"method": "PUT", "path": OPERATIONS["roll"][1], "action": "status",
                                                  "status": 503, "after": True}], like="503"),
        # After a successful roll, reading the token back fails: the roll stands, with a warning.
        Case("roll", "readback-503", "persistent", rules=[{"method": "GET", "path": r"^/user/tokens/%s$" % ID,
                                                           "action": "status", "status": 503}], expect=(True, RETRIES + 1)),
        # A token created disabled needs a second request; if that one fails the value must not be lost.
        Case("create", "disable-503", "persistent", rules=[{"method": "PUT", "path": r"^/user/tokens/%s$" % ID,
                                                            "action": "status", "status": 503}],
             expect=(False, RETRIES + 1), status="disabled", like="503"),
    ]
    return cases


CASES = matrix()
# cf_token_roll words its own message when the roll may have happened; it must still name the
# request (PUT .../value) and Cloudflare's code and message.
ROLL_UNCERTAIN = [case for case in CASES if case.op == "roll" and not case.succeeds
                  and case.like not in ("429-retry-after", "429", "envelope")]


def _seed(emu, cases):
    seeded = {}
    for store, account in (("user", False), ("account:" + cfemu.ACCOUNT_ID, True)):
        specs = [{"name": case.token} for case in cases if case.op in ("update", "delete", "roll") and case.account == account]
        if specs:
            seeded.update((token["name"], token) for token in emu.add_tokens(store, specs))
    return seeded


@pytest.fixture(scope="module")
def fault_run(audit, tmp_path_factory):
    """One ansible-playbook run over the whole matrix; returns (run, {case id: evidence})."""
    workdir = tmp_path_factory.mktemp("faults")
    emus = {}
    seeded = {}
    hosts = {}
    try:
        for op in OPERATIONS:
            cases = [case for case in CASES if case.op == op]
            emus[op] = audit.emulator("faults:" + op)
            seeded[op] = _seed(emus[op], cases)
            hosts["fault-" + op] = {
                "ansible_connection": "local",
                "ansible_python_interpreter": sys.executable,
                "op_emulator_url": emus[op].url,
                "op_base_url": emus[op].base_url,
                "fault_cases": [case.play_vars() for case in cases],
            }
        inventory = harness.write_json(workdir / "faults-inventory.yml", {"fault_ops": {"hosts": hosts}})
        run = audit.play("faults", os.path.join(harness.PLAYBOOKS, "faults.yml"), emus["create"], workdir,
                         inventory=inventory, env={"ANSIBLE_FORKS": str(len(OPERATIONS))})
        evidence = {}
        for op, emu in emus.items():
            audit.snapshot(emu, "faults:" + op)
            log = emu.requests()
            tokens = emu.tokens("user") + emu.tokens("account:" + cfemu.ACCOUNT_ID)
            values = {}
            with emu._state.lock:  # pylint: disable=protected-access
                for store in emu._state.stores.values():  # pylint: disable=protected-access
                    for token in store.values():
                        values[token.id] = token.value
            path = os.path.join(str(workdir), "output", "results-fault-%s.json" % op)
            results = json.load(open(path)) if os.path.exists(path) else []
            ordered = sorted(results, key=lambda record: record["start"])
            for record, following in zip(ordered, ordered[1:] + [None]):
                evidence[record["id"]] = {
                    "record": record,
                    "requests": harness.requests_between(log, record["start"], record["end"]),
                    "rerun_requests": harness.requests_between(log, record["end"], following["start"] if following else 1 << 60),
                    "tokens": tokens,
                    "values": values,
                    "seeded": seeded[op],
                    "output": os.path.join(str(workdir), "output"),
                }
        return run, evidence
    finally:
        for emu in emus.values():
            emu.stop()


def test_the_fault_run_completes(fault_run):
    run, evidence = fault_run
    assert run.returncode == 0, run.describe()
    assert sorted(evidence) == sorted(case.id for case in CASES), run.describe()
    for host, counts in run.recap().items():
        if host.startswith("fault-"):
            assert counts["failed"] == 0, run.describe()


def test_no_traceback_anywhere(fault_run):
    run, _evidence = fault_run
    assert "Traceback" not in run.stdout and "Traceback" not in run.stderr, run.describe()
    assert "MODULE FAILURE" not in run.stdout, run.describe()


def _faulted(case, requests):
    return [entry for entry in requests if entry["method"] == case.method and re.search(case.path, entry["path"])]


def _check_message(case, result, faulted, request_named=True):
    msg = result.get("msg", "")
    problems = []
    if "\n" in msg or not msg.strip():
        problems.append("message is not one line: %r" % msg)
    for key in ("exception", "module_stderr", "module_stdout"):
        # At -vvv Ansible adds this placeholder to every failure that carries no traceback.
        if result.get(key) and result.get(key) != "(traceback unavailable)":
            problems.append("%s in the result: %r" % (key, result[key][:300]))
    last = faulted[-1] if faulted else None
    if request_named and last is not None and "%s %s" % (last["method"], last["path"]) not in msg:
        problems.append("message does not name %s %s" % (last["method"], last["path"]))
    fault = FAULTS.get(case.like)
    if fault is not None and request_named:
        _rule, _retried, error, status = fault
        if status is not None and "HTTP %s" % status not in msg:
            problems.append("message does not give the HTTP status %s" % status)
        if error is not None and (str(error[0]) not in msg or error[1] not in msg):
            problems.append("message does not carry Cloudflare's error %s: %s" % error)
    return problems


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_fault_case(case, fault_run):
    _run, evidence = fault_run
    proof = evidence[case.id]
    first = proof["record"]["first"]
    requests = proof["requests"]
    faulted = _faulted(case, requests)
    shown = json.dumps({"result": first, "requests": [(e["method"], e["path"], e["status"], e["fault"]) for e in requests]},
                       indent=1, default=str)[:6000]

    # Attempts: retried within the budget, writes never repeated once they may have been applied.
    assert len(faulted) == case.attempts, shown
    for kind in ("POST", "/value"):
        # At most one create and one roll: the roll of a create is the one that settles a lost answer.
        writes = [entry for entry in requests if (entry["method"] == kind or entry["path"].endswith(kind))
                  and entry["status"] != 429]
        assert len(writes) <= 1, shown
    if case.op == "create" and case.succeeds and case.processed:
        assert any(entry["path"].endswith("/value") for entry in requests), "a lost create answer must be settled by a roll\n" + shown
    if case.fault == "429-retry-after" and len(faulted) > 1:
        gaps = [_gap(a, b) for a, b in zip(faulted, faulted[1:])]
        assert all(gap >= 0.9 for gap in gaps), "Retry-After: 1 was not honoured: %s\n%s" % (gaps, shown)

    # Outcome and message.
    if case.succeeds:
        assert not first.get("failed"), shown
        if case.fault == "readback-503":
            assert first["changed"] and first.get("warnings"), "the failed read-back must be a warning\n" + shown
    else:
        assert first.get("failed"), shown
        problems = _check_message(case, first, faulted, request_named=case not in ROLL_UNCERTAIN)
        if not case.idempotent and case.method != "GET" and case.like not in ("429-retry-after", "429", "envelope") \
                and case.status is None:
            if case.op == "create":
                # Settled in the same run by a fresh listing: nothing was created.
                if "nothing was created" not in first["msg"] or "safe to run the task again" not in first["msg"]:
                    problems.append("an unanswered create must be settled: say that nothing was created and it is safe to run again")
            elif "may or may not" not in first["msg"] or "cf_token_info" not in first["msg"]:
                problems.append("an uncertain write must say it may have happened and how to check")
        if refused(case.fault) and not case.idempotent and "refused, so it was not applied" not in first["msg"]:
            problems.append("a refused write must say it was not applied")
        assert not problems, "\n".join(problems) + "\n" + shown

    _check_state(case, proof, shown)


def _gap(first, second):
    return (harness.parse_ts(second["ts"]) - harness.parse_ts(first["ts"])).total_seconds()


def _check_state(case, proof, shown):
    named = [token for token in proof["tokens"] if token["name"] == case.token]
    first = proof["record"]["first"]
    rerun = proof["record"]["rerun"]
    if case.op == "create":
        assert rerun and not rerun.get("failed"), "the re-run without fault failed: %s" % json.dumps(rerun)[:3000]
        assert len(named) == 1, "expected exactly one %s, found %d\n%s" % (case.token, len(named), shown)
        posts = [entry for entry in proof["requests"] + proof["rerun_requests"]
                 if entry["method"] == "POST" and re.search(r"/tokens$", entry["path"]) and entry["status"] != 429]
        reached = case.succeeds or case.processed or case.status == "disabled"
        # Refused POSTs (429) are not counted: only the re-run's POST was applied then.
        assert len(posts) == (1 if reached or refused(case.fault) else 2), "created twice?\n" + shown
        if reached and case.status is None:
            assert rerun["changed"] is False, json.dumps(rerun)[:3000]
    elif case.op == "update":
        assert len(named) == 1, shown
        groups = [group["id"] for policy in named[0]["policies"] for group in policy["permission_groups"]]
        assert (groups == [UPDATE_GROUP]) == (case.succeeds or case.processed), shown
    elif case.op == "delete":
        assert len(named) == (0 if case.succeeds or case.processed else 1), shown
    elif case.op == "roll":
        assert len(named) == 1, shown
        seeded = proof["seeded"][case.token]
        assert named[0]["id"] == seeded["id"], shown
        rolled = proof["values"][seeded["id"]] != seeded["value"]
        assert rolled == (case.succeeds or case.processed), shown
    elif case.op in ("info", "pgi"):
        assert not [entry for entry in proof["requests"] if entry["method"] != "GET"], shown
    if case.op in ("create", "roll") and case.status is None:
        # The secret file exists exactly when a task delivered a value, and holds that value, owner-only.
        value_file = os.path.join(proof["output"], case.id + ".token")
        delivered = [result.get("value_path") for result in (first, rerun) if result and result.get("value_path")]
        assert os.path.exists(value_file) == bool(delivered), shown
        if delivered:
            assert oct(os.stat(value_file).st_mode & 0o777) == "0o600", value_file
            with open(value_file) as handle:
                assert handle.read() == proof["values"][named[0]["id"]], "the file does not hold the issued value"
        assert not first.get("value"), "a value was returned although value_path was set"


@pytest.mark.parametrize("case", ROLL_UNCERTAIN, ids=lambda case: case.id)
def test_roll_uncertain_message_names_the_request(case, fault_run):
    _run, evidence = fault_run
    proof = evidence[case.id]
    first = proof["record"]["first"]
    problems = _check_message(case, first, _faulted(case, proof["requests"]))
    assert not problems, "%s\n%s" % ("\n".join(problems), first.get("msg"))


@pytest.mark.parametrize("case", [case for case in CASES if case.op == "create" and case.status == "disabled"],
                         ids=lambda case: case.id)
def test_value_survives_a_failed_follow_up(case, fault_run):
    """A created token's value is delivered even when the request that disables it fails."""
    _run, evidence = fault_run
    proof = evidence[case.id]
    first = proof["record"]["first"]
    value_file = os.path.join(proof["output"], case.id + ".token")
    named = [token for token in proof["tokens"] if token["name"] == case.token]
    assert first.get("failed")
    assert named, "the token was not created"
    assert os.path.exists(value_file) and open(value_file).read() == proof["values"][named[0]["id"]], (
        "the token %s was created, but its value was neither written to value_path nor returned: %s"
        % (named[0]["id"], first.get("msg")))
    assert named[0]["id"] in first.get("msg", ""), first.get("msg")
