# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""API contract: what the collection sends and what the emulator answers match Cloudflare's OpenAPI spec.

Requests come from the emulators' request logs (kept across the clears that targets do),
answers from the emulators' response observer. The integration suite is always part of it;
the reliability playbooks of the same session are too (these tests run last). Answers that a
fault rule produced are deliberately not Cloudflare's and are left out; requests never are.
"""

import collections
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from reliability_harness import cfemu  # noqa: E402  pylint: disable=wrong-import-position
import openapi_contract  # noqa: E402  pylint: disable=wrong-import-position

ZONE_ALL = {"com.cloudflare.api.account.zone.*": "*"}
GROUP = cfemu.group_id(cfemu.SCOPE_ZONE, "Zone Read")
BODY = {"name": "t", "policies": [{"effect": "allow", "permission_groups": [{"id": GROUP}], "resources": ZONE_ALL}]}


@pytest.fixture(scope="module")
def contract():
    return openapi_contract.Contract()


# ------------------------------------------------------------------ the checker itself
@pytest.mark.parametrize("method, path, query, body", [
    ("GET", "/user/tokens", {"page": "2", "per_page": "50", "direction": "desc", "include_expired": "true"}, None),
    ("GET", "/accounts/%s/tokens/permission_groups" % cfemu.ACCOUNT_ID, {"name": "DNS Write", "scope": cfemu.SCOPE_ZONE}, None),
    ("POST", "/user/tokens", {}, dict(BODY, condition={"request_ip": {"in": ["192.0.2.0/24"]}}, expires_on="2030-01-01T00:00:00Z")),
    ("PUT", "/user/tokens/" + "a" * 32, {}, dict(BODY, status="disabled")),
    ("PUT", "/accounts/%s/tokens/%s/value" % (cfemu.ACCOUNT_ID, "a" * 32), {}, {}),
    ("DELETE", "/user/tokens/" + "a" * 32, {}, None),
    ("GET", "/user/tokens/verify", {}, None),
])
def test_conforming_requests_pass(contract, method, path, query, body):
    assert contract.check_request(method, path, query, body) == []


@pytest.mark.parametrize("method, path, query, body, problem", [
    ("GET", "/user/tokens", {"per_page": "500"}, None, "maximum"),
    ("GET", "/user/tokens", {"direction": "sideways"}, None, "direction"),
    ("GET", "/user/tokens", {"include_expired": "yes"}, None, "include_expired"),
    ("GET", "/user/tokens", {"limit": "5"}, None, "not in the spec"),
    ("POST", "/user/tokens", {}, {"name": "t"}, "'policies' is a required property"),
    ("POST", "/user/tokens", {}, dict(BODY, name="n" * 121), "too long"),
    ("POST", "/user/tokens", {}, dict(BODY, expires_on="2030-01-01"), "date-time"),
    ("POST", "/user/tokens", {}, dict(BODY, policies=[dict(BODY["policies"][0], permission_groups=[{"id": GROUP, "name": "Zone Read"}])]),
     "policies/0"),
    ("POST", "/user/tokens", {}, None, "requires a request body"),
    ("PUT", "/user/tokens/" + "a" * 32, {}, dict(BODY), "'status' is a required property"),
    ("PATCH", "/user/tokens/" + "a" * 32, {}, dict(BODY), "not an operation"),
    ("GET", "/user/tokens/" + "a" * 32, {}, {"x": 1}, "defines no request body"),
    ("GET", "/zones/0123456789abcdef0123456789abcdef/dns_records", {}, None, "no path template"),
])
def test_violations_are_reported(contract, method, path, query, body, problem):
    problems = contract.check_request(method, path, query, body)
    assert problems and problem in " ".join(problems), problems


def test_responses_are_checked(contract):
    good = {"success": True, "errors": [], "messages": [], "result": {"id": "a" * 32, "status": "active"}}
    assert contract.check_response("GET", "/user/tokens/verify", 200, good) == []
    assert contract.check_response("GET", "/user/tokens/verify", 200, dict(good, result={"id": "a" * 32})) != []
    failure = {"success": False, "errors": [{"code": 1000, "message": "Invalid API Token"}], "messages": [], "result": None}
    assert contract.check_response("GET", "/user/tokens", 401, failure) == []
    assert contract.check_response("GET", "/user/tokens", 401, dict(failure, success=True)) != []
    assert contract.check_response("GET", "/user/tokens", 503, failure) != []
    assert contract.check_response("PUT", "/user/tokens/%s/value" % ("a" * 32), 200, dict(good, result="short")) != []


def test_allowances_are_backed_by_the_2026_reference(contract):
    """Every allowance taken from the 2026 spec is really in it; the others are justified in the README."""
    reference = openapi_contract.load_json(openapi_contract.REFERENCE)
    for key, parameters in contract.allowances["query_parameters"].items():
        method, template = key.split(" ", 1)
        operation = reference["paths"][template][method.lower()]
        names = set()
        for parameter in operation.get("parameters") or []:
            names.add(parameter.get("name") or parameter.get("$ref", "").rsplit("/", 1)[-1].replace("iam_", "", 1))
        for name, allowance in parameters.items():
            assert name in names, (key, name, names)
            assert allowance["source"].startswith("reference-c92b9b0f")
            assert not any(p.get("name") == name for p in contract.operation(method, template.replace("{account_id}", "a" * 32))[0].parameters)
    for dotted in contract.allowances["writable_read_only"]:
        schema, prop = dotted.split(".", 1)
        assert contract.spec["components"]["schemas"][schema]["properties"][prop].get("readOnly") is True
        assert "readOnly" not in reference["components"]["schemas"][schema]["properties"][prop]
    for key in contract.allowances["bodiless_requests"]:
        method, template = key.split(" ", 1)
        media = contract.spec["paths"][template][method.lower()]["requestBody"]["content"]["application/json"]
        assert not media.get("schema")


# ---------------------------------------------------------------- the recorded session
def _labels(audit):
    return sorted(label for label in audit.logs if audit.logs[label] or audit.observations.get(label))


def test_every_request_matches_the_spec(audit, integration_suite, contract):
    assert integration_suite
    problems = collections.Counter()
    checked = collections.Counter()
    operations = set()
    for label in _labels(audit):
        for entry in audit.logs[label]:
            found = contract.check_request(entry["method"], entry["path"], entry["query"], entry["body"])
            checked[label.split(":")[0]] += 1
            operation, _params = contract.operation(entry["method"], entry["path"])
            if operation is not None:
                operations.add(operation.key)
            for problem in found:
                problems["%s (%s)" % (problem, label)] += 1
    every = set("%s %s" % (method.upper(), template) for template, item in contract.spec["paths"].items() for method in item
                if method in openapi_contract.METHODS)
    audit.stats["requests_validated"] = dict(checked, operations=len(operations), operations_not_exercised=sorted(every - operations))
    assert not problems, "\n".join("%dx %s" % (count, problem) for problem, count in problems.most_common(40))
    integration = sum(len(audit.logs[label]) for label in audit.logs if label.startswith("integration:"))
    assert integration >= 100, integration
    assert len(operations) >= 14, sorted(operations)


def test_every_answer_matches_the_spec(audit, integration_suite, contract):
    assert integration_suite
    problems = collections.Counter()
    checked = collections.Counter()
    faulted = 0
    for label in _labels(audit):
        for method, path, _query, _body, status, answer, fault in audit.observations.get(label, []):
            if fault is not None:
                faulted += 1
                continue
            checked[label.split(":")[0]] += 1
            for problem in contract.check_response(method, path, status, answer):
                problems["%s (%s)" % (problem, label)] += 1
    audit.stats["responses_validated"] = dict(checked, skipped_faulted=faulted)
    assert not problems, "\n".join("%dx %s" % (count, problem) for problem, count in problems.most_common(40))


def test_the_observer_saw_every_logged_request(audit, integration_suite):
    assert integration_suite
    for label in _labels(audit):
        assert len(audit.observations.get(label, [])) == len(audit.logs[label]), label
