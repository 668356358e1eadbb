# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad-input matrix: every invalid option fails the task, names the option, and writes nothing.

The cases run as one generated playbook (a task per case, spread over a few hosts that each
have their own emulator). For each case the test checks: ``failed``, a one-line message that
names the option, no write request in the emulator log, and which cases needed reads at all
(READS: anything else must send no request whatsoever).
"""

import ipaddress
import json
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import reliability_harness as harness  # noqa: E402  pylint: disable=wrong-import-position
from reliability_harness import cfemu  # noqa: E402  pylint: disable=wrong-import-position

TOKEN = "tokenops.cloudflare.cf_token"
INFO = "tokenops.cloudflare.cf_token_info"
ROLL = "tokenops.cloudflare.cf_token_roll"
GROUPS = "tokenops.cloudflare.cf_permission_group_info"
ZONE_ALL = {"com.cloudflare.api.account.zone.*": "*"}
ZONE_READ = cfemu.group_id(cfemu.SCOPE_ZONE, "Zone Read")
HOSTS = ("bad-1", "bad-2", "bad-3")
UNWRITABLE = "/proc/tokenops-bad-input.token"  # os.access() says yes for root; creating a file there fails


def policy(groups=None, resources=None, **extra):
    body = {"permission_groups": groups if groups is not None else [ZONE_READ], "resources": resources or ZONE_ALL}
    body.update(extra)
    return body


def token(**args):
    return dict({"name": "bad-input", "policies": [policy()]}, **args)


class Case:
    """``args`` for ``module``; ``expect``: substrings of the message (the option's name first)."""

    def __init__(self, cid, module, args, expect, environment=None, check_mode=False, succeeds=False, after=None):
        self.id = cid
        self.module = module
        self.args = args
        self.expect = [expect] if isinstance(expect, str) else list(expect)
        self.environment = environment
        self.check_mode = check_mode
        self.succeeds = succeeds
        self.after = after


NO_TOKEN_ENV = {"CLOUDFLARE_API_TOKEN": ""}
# AnsibleModule's first argument error for a string given to a dict option (or list of dicts with
# suboptions) is this, without the option's name; the named variants follow it but are not shown.
CORE_UNNAMED = "dictionary requested, could not parse JSON or key=value"

CASES = [
    # ------------------------------------------------------------- cf_token: policies
    Case("token-group-unknown-name", TOKEN, token(policies=[policy(["No Such Group"])]),
         ["permission_groups", "unknown permission group"]),
    Case("token-group-ambiguous-name", TOKEN, token(policies=[policy(["Analytics Read"], {
        "com.cloudflare.api.account.zone.*": "*", "com.cloudflare.api.account." + cfemu.ACCOUNT_ID: "*"})]),
        ["permission_groups", "ambiguous"]),
    Case("token-group-malformed-id", TOKEN, token(policies=[policy([{"id": "xyz-not-hex"}])]), ["permission_groups", "id"]),
    Case("token-group-bad-entry", TOKEN, token(policies=[policy([{"slug": "dns"}])]), "permission_groups"),
    Case("token-group-empty-list", TOKEN, token(policies=[policy([])]), "permission_groups"),
    Case("token-resource-bad-key", TOKEN, token(policies=[policy(resources={"com.example.zone.*": "*"})]), "resources"),
    Case("token-resource-bad-value", TOKEN, token(policies=[policy(resources={"com.cloudflare.api.account.zone.*": "read"})]),
         "resources"),
    Case("token-resource-too-deep", TOKEN, token(policies=[policy(resources={
        "com.cloudflare.api.account." + cfemu.ACCOUNT_ID: {"com.cloudflare.api.account.zone.*": {"com.cloudflare.api.account.zone.*": "*"}}})]),
        "resources"),
    Case("token-resources-missing", TOKEN, token(policies=[{"permission_groups": [ZONE_READ]}]), "resources"),
    Case("token-policies-empty", TOKEN, token(policies=[]), "policies"),
    # ansible-core reports a string where a dict is wanted with a message that names no option
    # (CORE_UNNAMED); the task still fails before any request.
    Case("token-policies-not-a-list", TOKEN, token(policies="DNS Write"), CORE_UNNAMED),
    Case("token-policy-unknown-key", TOKEN, token(policies=[policy(scope="zone")]), ["policies", "scope"]),
    Case("token-effect-maybe", TOKEN, token(policies=[policy(effect="maybe")]), "effect"),
    Case("token-policies-missing-on-create", TOKEN, {"name": "bad-input-no-policies"}, "policies"),
    # ----------------------------------------------------------- cf_token: condition
    Case("token-cidr-bad-octet", TOKEN, token(condition={"request_ip": {"in": ["10.0.0.300/8"]}}), "condition"),
    Case("token-cidr-bad-prefix", TOKEN, token(condition={"request_ip": {"not_in": ["10.0.0.0/33"]}}), "condition"),
    Case("token-cidr-not-an-address", TOKEN, token(condition={"request_ip": {"in": ["office"]}}), "condition"),
    Case("token-cidr6-bad-digit", TOKEN, token(condition={"request_ip": {"in": ["2001:db8::g/32"]}}), "condition"),
    Case("token-cidr6-bad-prefix", TOKEN, token(condition={"request_ip": {"in": ["2001:db8::/129"]}}), "condition"),
    Case("token-cidr6-triple-colon", TOKEN, token(condition={"request_ip": {"in": ["2001:db8:::1/64"]}}), "condition"),
    Case("token-condition-wrong-type", TOKEN, token(condition="10.0.0.0/8"), CORE_UNNAMED),
    Case("token-condition-unknown-key", TOKEN, token(condition={"request_ip": {"only": ["10.0.0.0/8"]}}), ["request_ip", "only"]),
    # ---------------------------------------------------------------- cf_token: dates
    Case("token-expires-in-the-past", TOKEN, token(expires_on="2020-01-01T00:00:00Z"), ["expires_on", "past"]),
    Case("token-expires-before-not-before", TOKEN, token(not_before="2031-01-01T00:00:00Z", expires_on="2030-01-01T00:00:00Z"),
         ["expires_on", "not_before"]),
    Case("token-expires-unparseable", TOKEN, token(expires_on="next tuesday"), "expires_on"),
    Case("token-not-before-impossible-date", TOKEN, token(not_before="2030-13-45T00:00:00Z"), "not_before"),
    # --------------------------------------------------------- cf_token: identity, state
    Case("token-name-too-long", TOKEN, token(name="n" * 121), ["name", "120"]),
    Case("token-name-empty", TOKEN, token(name=""), "name"),
    Case("token-name-blank", TOKEN, token(name="   "), "name"),
    Case("token-id-and-name-absent", TOKEN, {"policies": [policy()]}, ["id", "name"]),
    Case("token-id-malformed", TOKEN, {"id": "not-a-token-id", "state": "absent"}, "id"),
    Case("token-id-unknown-on-create", TOKEN, token(id="f" * 32), "id"),
    Case("token-state-unknown", TOKEN, token(state="gone"), "state"),
    Case("token-status-unknown", TOKEN, token(status="paused"), "status"),
    Case("token-unknown-option", TOKEN, token(colour="blue"), "colour"),
    # ----------------------------------------------------------- cf_token: value_path
    Case("token-value-path-missing-dir", TOKEN, token(value_path="{{ output_dir }}/no/such/dir/t.token"), "value_path"),
    Case("token-value-path-under-a-file", TOKEN, token(value_path="{{ output_dir }}/regular-file/t.token"), "value_path"),
    Case("token-value-path-is-a-dir", TOKEN, token(value_path="{{ output_dir }}"), "value_path"),
    Case("token-value-path-unwritable", TOKEN, token(name="bad-input-unwritable", value_path=UNWRITABLE), "value_path"),
    # ------------------------------------------------------- connection options (shared)
    Case("conn-account-id-malformed", TOKEN, token(account_id="ACCOUNT-1"), "account_id"),
    Case("conn-account-id-short", INFO, {"account_id": "a1b2c3"}, "account_id"),
    # Both methods set on the task (an option beats the environment, so only options can contradict each other).
    Case("conn-token-and-key", TOKEN, token(api_token="{{ bad_api_key }}", api_email="ops@example.net", api_key="{{ bad_api_key }}"),
         ["api_token", "api_key"]),
    Case("conn-no-credentials", INFO, {}, ["api_token", "api_key"], environment=NO_TOKEN_ENV),
    Case("conn-email-without-key", INFO, {"api_email": "ops@example.net"}, ["api_email", "api_key"], environment=NO_TOKEN_ENV),
    Case("conn-key-without-email", INFO, {"api_key": "{{ bad_api_key }}"}, ["api_key", "api_email"], environment=NO_TOKEN_ENV),
    Case("conn-base-url-not-http", GROUPS, {"base_url": "ftp://api.example.net/client/v4"}, "base_url"),
    Case("conn-timeout-zero", TOKEN, token(timeout=0), "timeout"),
    Case("conn-timeout-wrong-type", GROUPS, {"timeout": "fast"}, "timeout"),
    Case("conn-retries-too-many", TOKEN, token(retries=11), "retries"),
    Case("conn-retries-wrong-type", TOKEN, token(retries="many"), "retries"),
    Case("conn-validate-certs-wrong-type", INFO, {"validate_certs": "sometimes"}, "validate_certs"),
    # -------------------------------------------------------------------- cf_token_info
    Case("info-expires-within-bad", INFO, {"expires_within": "soon"}, "expires_within"),
    Case("info-expires-within-negative", INFO, {"expires_within": "-3d"}, "expires_within"),
    Case("info-unused-for-empty", INFO, {"unused_for": ""}, "unused_for"),
    Case("info-unused-for-unit", INFO, {"unused_for": "3 fortnights"}, "unused_for"),
    Case("info-status-unknown", INFO, {"status": ["paused"]}, "status"),
    Case("info-status-wrong-type", INFO, {"status": {"active": True}}, "status"),
    Case("info-id-malformed", INFO, {"id": "1234"}, "id"),
    Case("info-never-expires-wrong-type", INFO, {"never_expires": "perhaps"}, "never_expires"),
    Case("info-verify-with-key", INFO, {"verify": True, "api_email": "{{ cf_api_email }}", "api_key": "{{ cf_api_key }}"},
         ["verify", "api_token"], environment=NO_TOKEN_ENV),
    # -------------------------------------------------------------------- cf_token_roll
    Case("roll-no-id-no-name", ROLL, {}, ["id", "name"]),
    Case("roll-name-empty", ROLL, {"name": ""}, "name"),
    Case("roll-id-malformed", ROLL, {"id": "XYZ"}, "id"),
    Case("roll-token-unknown-name", ROLL, {"name": "no-such-token"}, ["name", "no-such-token"]),
    Case("roll-token-unknown-id", ROLL, {"id": "e" * 32}, ["id", "e" * 32]),
    Case("roll-id-name-mismatch", ROLL, {"id": "{{ existing_id }}", "name": "someone-else"}, ["someone-else", "nothing was rolled"]),
    Case("roll-value-path-missing-dir", ROLL, {"name": "bad-input-existing", "value_path": "{{ output_dir }}/nope/r.token"},
         "value_path"),
    Case("roll-value-path-under-a-file", ROLL, {"name": "bad-input-existing", "value_path": "{{ output_dir }}/regular-file/r.token"},
         "value_path"),
    Case("roll-value-path-unwritable", ROLL, {"name": "bad-input-existing", "value_path": UNWRITABLE}, "value_path"),
    Case("roll-unknown-option", ROLL, {"name": "bad-input-existing", "force": True}, "force"),
    # --------------------------------------------------------- cf_permission_group_info
    Case("groups-name-empty", GROUPS, {"name": ""}, "name"),
    Case("groups-scope-blank", GROUPS, {"scope": "   "}, "scope"),
    Case("groups-retries-wrong-type", GROUPS, {"retries": [1]}, "retries"),
    Case("groups-unknown-option", GROUPS, {"category": "dns"}, "category"),
    Case("groups-validate-certs-wrong-type", GROUPS, {"validate_certs": "often"}, "validate_certs"),
]

# Valid IPv6 spellings are accepted and normalised the way Cloudflare stores them (checked in check mode).
IPV6_FORMS = ["2001:DB8:0:0::1/32", "2001:0db8:0000::/48", "::ffff:192.0.2.1/128", "2001:db8::1/128", "::/0"]
for _index, _cidr in enumerate(IPV6_FORMS):
    _args = token(name="ipv6-form-%d" % _index, condition={"request_ip": {"in": [_cidr]}})
    CASES.append(Case("token-cidr6-valid-%d" % _index, TOKEN, _args, [], check_mode=True, succeeds=True,
                      after=str(ipaddress.ip_network(_cidr, strict=False))))

# The cases that need to read something before they can tell the input is wrong.
READS = {
    "token-group-unknown-name": "the permission-group catalog, to know the name is unknown",
    "token-group-ambiguous-name": "the permission-group catalog, to find the name in two scopes",
    "token-policies-missing-on-create": "the token list, to find that the token does not exist yet",
    "token-id-unknown-on-create": "the token, to find that the id does not exist",
    "roll-token-unknown-name": "the token list",
    "roll-token-unknown-id": "the token",
    "roll-id-name-mismatch": "the token, to compare its name",
    # A past expires_on is refused only when it would be sent: a token that already carries it is left as it is.
    "token-expires-in-the-past": "the token list, to find that the date would be sent",
}
READS.update(dict((case.id, "the token list (check mode)") for case in CASES if case.id.startswith("token-cidr6-valid")))


def _tasks(case):
    args = dict(case.args)
    if case.id != "conn-base-url-not-http":
        args.setdefault("base_url", "{{ bad_base_url }}")
    task = {"name": case.id, case.module: args, "register": "bi_result", "ignore_errors": True}
    if case.check_mode:
        task["check_mode"] = True
    if case.environment:
        task["environment"] = case.environment
    return [
        {"name": case.id + ": mark", "ansible.builtin.set_fact": {
            "bi_start": "{{ lookup('cfemu_admin', 'seq', url=bad_emulator_url) }}"}},
        task,
        {"name": case.id + ": record", "ansible.builtin.set_fact": {
            "bad_results": "{{ bad_results + [{'id': '%s', 'start': bi_start | int, 'end': lookup('cfemu_admin', 'seq', "
                           "url=bad_emulator_url) | int, 'result': bi_result}] }}" % case.id}},
    ]


def build_playbook(directory):
    """The playbook and one task file per host (each host runs its share of the cases)."""
    for index, host in enumerate(HOSTS):
        tasks = []
        for case in CASES[index::len(HOSTS)]:
            tasks.extend(_tasks(case))
        with open(os.path.join(str(directory), "cases-%s.yml" % host), "w") as handle:
            json.dump(tasks, handle, indent=1)
    play = [{"name": "Bad input, one task per case", "hosts": "bad_input", "gather_facts": False,
             "strategy": "ansible.builtin.free", "tasks": [
                 {"name": "Start with no results", "ansible.builtin.set_fact": {"bad_results": []}},
                 {"name": "Run this host's cases", "ansible.builtin.include_tasks": "cases-{{ inventory_hostname }}.yml"},
                 {"name": "Hand the results to the test", "ansible.builtin.copy": {
                     "content": "{{ bad_results | to_nice_json }}",
                     "dest": "{{ output_dir }}/bad-input-{{ inventory_hostname }}.json", "mode": "0600"}}]}]
    path = os.path.join(str(directory), "bad-input.yml")
    with open(path, "w") as handle:
        json.dump(play, handle, indent=1)
    return path


@pytest.fixture(scope="module")
def bad_input_run(audit, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("bad-input")
    output = workdir / "output"
    output.mkdir()
    (output / "regular-file").write_text("not a directory\n")
    bad_key = "relyWrongKey" + os.urandom(8).hex()
    audit.add_secret("wrong api_key given to a module", bad_key)
    emus = {}
    hosts = {}
    try:
        for host in HOSTS:
            emus[host] = audit.emulator("bad-input:" + host)
            existing = emus[host].add_tokens("user", [{"name": "bad-input-existing"}])[0]
            hosts[host] = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
                           "bad_emulator_url": emus[host].url, "bad_base_url": emus[host].base_url,
                           "existing_id": existing["id"]}
        inventory = harness.write_json(workdir / "bad-input-inventory.yml", {"bad_input": {"hosts": hosts}})
        playbook = build_playbook(workdir)
        # The wrong key goes in the harness's vars file, not the inventory: the scan reads the inventory.
        run = audit.play("bad-input", playbook, emus[HOSTS[0]], workdir, inventory=inventory,
                         env={"ANSIBLE_FORKS": str(len(HOSTS))}, extra_vars={"bad_api_key": bad_key})
        evidence = {}
        for host, emu in emus.items():
            log = emu.requests()
            path = output / ("bad-input-%s.json" % host)
            for record in json.loads(path.read_text()) if path.exists() else []:
                evidence[record["id"]] = {"result": record["result"],
                                          "requests": harness.requests_between(log, record["start"], record["end"])}
        return run, evidence
    finally:
        for host, emu in emus.items():
            audit.snapshot(emu, "bad-input:" + host)
            emu.stop()


def test_enough_cases():
    assert len([case for case in CASES if not case.succeeds]) >= 40
    assert len(set(case.id for case in CASES)) == len(CASES)


def test_the_bad_input_run_completes(bad_input_run):
    run, evidence = bad_input_run
    assert run.returncode == 0, run.describe()
    assert sorted(evidence) == sorted(case.id for case in CASES), run.describe()
    assert "Traceback" not in run.stdout and "Traceback" not in run.stderr, run.describe()


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_bad_input_case(case, bad_input_run):
    _run, evidence = bad_input_run
    proof = evidence[case.id]
    result, requests = proof["result"], proof["requests"]
    shown = json.dumps({"result": result, "requests": [(e["method"], e["path"], e["status"]) for e in requests]},
                       indent=1, default=str)[:4000]
    writes = [entry for entry in requests if entry["method"] != "GET"]
    assert not writes, "a write was sent for bad input\n" + shown
    if case.id in READS:
        assert requests, "expected a read (%s)\n%s" % (READS[case.id], shown)
    else:
        assert not requests, "requests were sent before the input was rejected\n" + shown
    if case.succeeds:
        assert not result.get("failed"), shown
        assert result["diff"]["after"]["condition"]["request_ip"]["in"] == [case.after], shown
        return
    assert result.get("failed"), shown
    msg = result.get("msg", "")
    assert msg and "\n" not in msg.strip(), "not a one-line message\n" + shown
    for text in case.expect:
        assert text in msg, "the message does not mention %r\n%s" % (text, shown)
    for key in ("module_stderr", "module_stdout"):
        assert not result.get(key), shown
