# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fault injection, latency, the request log and the other admin endpoints."""

import json
import time

import pytest
import requests

import cfemu


def test_status_fault_with_retry_after(cf):
    cf.faults({"method": "GET", "path": "^/user/tokens$", "action": "status", "status": 429, "retry_after": 3, "times": 1})
    # 971 is what Cloudflare really sends, below the spec's minimum of 1000: faults need not conform.
    throttled = cf.user("GET", check=False)
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "3"
    assert throttled.json()["errors"][0] == {"code": 971, "message": "Please wait and consider throttling your request speed"}
    assert cf.user("GET").status_code == 200
    assert cf.user("GET", "/verify").status_code == 200


def test_status_fault_defaults_and_custom_error(cf):
    cf.faults({"action": "status", "times": 1}, {"action": "status", "status": 500, "code": 1234, "message": "boom", "times": 1})
    first = cf.user("GET")
    assert first.status_code == 503 and first.json()["errors"][0]["code"] == 10503 and "Retry-After" not in first.headers
    second = cf.user("GET")
    assert second.status_code == 500 and second.json()["errors"] == [{"code": 1234, "message": "boom"}]
    assert cf.user("GET").status_code == 200


def test_fault_replaces_processing_by_default(cf):
    cf.faults({"method": "POST", "action": "status", "status": 502})
    before = len(cf.stored())
    assert cf.user("POST", json=cf.token_body("never")).status_code == 502
    assert len(cf.stored()) == before


def test_after_fault_processes_then_fails(cf):
    cf.faults({"method": "POST", "action": "status", "status": 503, "after": True})
    cf.emu.clear_requests()
    response = cf.user("POST", json=cf.token_body("ghost"))
    assert response.status_code == 503 and "value" not in response.text
    assert [t["name"] for t in cf.stored()].count("ghost") == 1
    posts = [r for r in cf.emu.requests() if r["method"] == "POST"]
    assert len(posts) == 1 and posts[0]["fault"] == "status" and posts[0]["status"] == 503


def test_times_and_every(cf):
    cf.faults({"method": "GET", "path": "/verify", "action": "status", "status": 500, "every": 3})
    statuses = [cf.user("GET", "/verify").status_code for attempt in range(7)]
    assert statuses == [200, 200, 500, 200, 200, 500, 200]
    cf.faults({"path": "/verify", "action": "status", "status": 500, "every": 2, "times": 1})
    statuses = [cf.user("GET", "/verify").status_code for attempt in range(6)]
    assert statuses == [200, 500, 200, 200, 200, 200]
    rule = cf.admin("GET", "/faults").json()["rules"][0]
    assert rule["matched"] == 6 and rule["applied"] == 1


def test_method_and_path_filters(cf):
    cf.faults({"method": "DELETE", "action": "status"}, {"path": "permission_groups$", "action": "status", "status": 504})
    assert cf.user("GET").status_code == 200
    assert cf.user("GET", "/permission_groups").status_code == 504
    token = cf.user("POST", json=cf.token_body()).json()["result"]
    assert cf.user("DELETE", "/" + token["id"]).status_code == 503


def test_drop_resets_connection(cf):
    cf.faults({"path": "/verify", "action": "drop", "times": 1})
    with pytest.raises(requests.ConnectionError):
        cf.user("GET", "/verify")
    assert cf.user("GET", "/verify").status_code == 200
    dropped = [r for r in cf.emu.requests() if r["fault"] == "drop"]
    assert len(dropped) == 1 and dropped[0]["status"] is None


def test_drop_after_processing(cf):
    cf.faults({"method": "POST", "action": "drop", "after": True})
    with pytest.raises(requests.ConnectionError):
        cf.user("POST", json=cf.token_body("dropped-but-created"))
    assert "dropped-but-created" in [t["name"] for t in cf.stored()]


def test_malformed_body(cf):
    cf.faults({"action": "malformed", "times": 1})
    response = cf.user("GET", check=False)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/json")
    assert int(response.headers["Content-Length"]) == len(response.content)
    with pytest.raises(ValueError):
        json.loads(response.text)


def test_html_error_page(cf):
    cf.faults({"action": "html", "times": 1}, {"action": "html", "status": 403, "retry_after": 1, "times": 1})
    response = cf.user("GET", check=False)
    assert response.status_code == 502 and response.headers["Content-Type"].startswith("text/html")
    assert "<html>" in response.text and "502 Bad Gateway" in response.text
    second = cf.user("GET", check=False)
    assert second.status_code == 403 and second.headers["Retry-After"] == "1" and "<html>" in second.text


def test_envelope_error(cf):
    cf.faults({"path": "/verify", "action": "envelope_error", "code": 1234, "message": "backend said no"})
    response = cf.user("GET", "/verify", check=False)
    assert response.status_code == 200
    assert response.json() == {"success": False, "errors": [{"code": 1234, "message": "backend said no"}], "messages": [],
                               "result": None}


def test_timeout_delays_then_answers(cf):
    cf.faults({"method": "POST", "action": "timeout", "delay": 0.6, "times": 1})
    with pytest.raises(requests.Timeout):
        cf.user("POST", json=cf.token_body("slow"), timeout=0.2)
    # The work is done and logged at once; only the answer is late.
    assert [r["fault"] for r in cf.emu.requests() if r["method"] == "POST"] == ["timeout"]
    assert "slow" in [t["name"] for t in cf.stored()]
    cf.faults({"path": "/verify", "action": "timeout", "delay": 0.2, "times": 1})
    started = time.monotonic()
    assert cf.user("GET", "/verify").status_code == 200
    assert time.monotonic() - started >= 0.2


def test_latency(cf):
    cf.faults(latency=0.15)
    started = time.monotonic()
    cf.user("GET", "/verify")
    assert time.monotonic() - started >= 0.15
    assert cf.emu.requests()[-1]["duration_ms"] >= 150
    cf.admin("DELETE", "/faults")
    started = time.monotonic()
    cf.user("GET", "/verify")
    assert time.monotonic() - started < 0.15


@pytest.mark.parametrize("body", [
    {"rules": [{"action": "explode"}]},
    {"rules": [{"action": "status", "path": "("}]},
    {"rules": [{"action": "status", "times": 0}]},
    {"rules": "nope"},
    {"rules": [], "latency": "slow"},
])
def test_bad_fault_config_is_refused(cf, body):
    cf.faults({"action": "status", "status": 500, "times": 1})
    response = cf.admin("POST", "/faults", json=body)
    assert response.status_code == 400 and "error" in response.json()
    assert len(cf.admin("GET", "/faults").json()["rules"]) == 1


def test_admin_and_reset_clear_faults(cf):
    cf.faults({"action": "status"}, latency=0.01)
    assert cf.admin("GET", "/faults").json()["latency"] == 0.01
    assert cf.admin("POST", "/reset").json() == {"ok": True}
    assert cf.admin("GET", "/faults").json() == {"latency": None, "rules": []}
    assert cf.user("GET").status_code == 200


def test_request_log(cf):
    cf.emu.clear_requests()
    cf.user("GET", params={"page": "2", "per_page": "5"})
    created = cf.user("POST", json=cf.token_body("logged")).json()["result"]
    cf.user("PUT", "/%s/value" % created["id"], json={})
    cf.user("GET", token=None, headers={"X-Auth-Email": cfemu.API_EMAIL, "X-Auth-Key": cfemu.API_KEY})
    cf.user("GET", token=None)
    cf.admin("GET", "/health")
    log = cf.admin("GET", "/requests").json()["requests"]
    assert [(r["method"], r["path"], r["status"], r["auth"]) for r in log] == [
        ("GET", "/user/tokens", 200, "token"),
        ("POST", "/user/tokens", 200, "token"),
        ("PUT", "/user/tokens/%s/value" % created["id"], 200, "token"),
        ("GET", "/user/tokens", 200, "key"),
        ("GET", "/user/tokens", 401, "none"),
    ]
    assert log[0]["query"] == {"page": "2", "per_page": "5"} and log[0]["body"] is None
    assert log[1]["body"]["name"] == "logged" and log[2]["body"] == {}
    assert [r["seq"] for r in log] == sorted(r["seq"] for r in log)
    for entry in log:
        assert set(entry) == {"seq", "ts", "method", "path", "query", "status", "auth", "body", "duration_ms", "fault"}
    since = cf.admin("GET", "/requests", params={"since": log[2]["seq"]}).json()["requests"]
    assert [r["seq"] for r in since] == [log[3]["seq"], log[4]["seq"]]
    assert cf.admin("DELETE", "/requests").status_code == 200
    assert cf.emu.requests() == []


def test_request_log_holds_no_secrets(cf):
    created = cf.user("POST", json=cf.token_body("secret-holder")).json()["result"]
    rolled = cf.user("PUT", "/%s/value" % created["id"], json={}).json()["result"]
    cf.user("GET", "/verify", token=rolled)
    cf.account("GET")
    cf.user("GET", token=cfemu.READONLY_API_TOKEN)
    cf.user("GET", token=None, headers={"X-Auth-Email": cfemu.API_EMAIL, "X-Auth-Key": cfemu.API_KEY})
    cf.user("GET", token="x" * 40)
    cf.faults({"method": "POST", "action": "malformed", "after": True})
    cf.user("POST", json=cf.token_body("faulted"), check=False)
    # The newer paths: a roll without body, an account token on /user, a permission refusal, a throttled call.
    cf.admin("DELETE", "/faults")
    bodiless = cf.user("PUT", "/%s/value" % created["id"]).json()["result"]
    cf.user("GET", token=cfemu.ACCOUNT_API_TOKEN)
    cf.user("POST", token=cfemu.READONLY_API_TOKEN, json=cf.token_body("nope"))
    cf.configure(rate_limit_requests=1, rate_limit_window=60)
    cf.user("GET", "/verify", token=bodiless)
    assert cf.user("GET", "/verify", token=bodiless, check=False).status_code == 429
    log = cf.admin("GET", "/requests").json()["requests"]
    assert [(r["method"], r["status"], r["body"]) for r in log[-5:]] == [
        ("PUT", 200, None), ("GET", 400, None), ("POST", 403, cf.token_body("nope")), ("GET", 200, None), ("GET", 429, None)]
    dumped = json.dumps(log)
    for secret in (cfemu.USER_API_TOKEN, cfemu.ACCOUNT_API_TOKEN, cfemu.READONLY_API_TOKEN, cfemu.API_KEY, created["value"], rolled,
                   bodiless):
        assert secret not in dumped
    assert "Authorization" not in dumped and "X-Auth" not in dumped


def test_seed_and_inspect_tokens(cf):
    scope = "account:" + cfemu.ACCOUNT_ID
    seeded = cf.seed(scope, tokens=[
        {"name": "by-name", "policies": [{"permission_groups": [{"name": "Analytics Read", "scope": cfemu.SCOPE_ACCOUNT}]}],
         "issued_on": "2023-05-01T00:00:00Z", "last_used_on": "2023-06-01T00:00:00Z", "value": "custom_value_0123456789_abcdefghijklmnop"},
        {"name": "defaulted"},
    ])
    assert seeded[0]["value"] == "custom_value_0123456789_abcdefghijklmnop"
    assert seeded[0]["policies"][0]["permission_groups"][0]["id"] == cfemu.group_id(cfemu.SCOPE_ACCOUNT, "Analytics Read")
    assert seeded[0]["issued_on"] == "2023-05-01T00:00:00.000000Z" and seeded[0]["last_used_on"].startswith("2023-06-01")
    assert seeded[1]["policies"][0]["permission_groups"][0]["name"] == "Zone Read"
    assert seeded[1]["policies"][0]["resources"] == {"com.cloudflare.api.account.zone.*": "*"}
    stored = cf.stored(scope)
    assert {"by-name", "defaulted", "tokenops-account-admin", "expired-account-token"} <= set(t["name"] for t in stored)
    assert all("value" not in t for t in stored)
    assert cf.admin("POST", "/tokens", json={"scope": "account:" + "9" * 32, "count": 1}).status_code == 400
    assert cf.admin("POST", "/tokens", json={"scope": "user", "tokens": [{"name": "x", "value": cfemu.USER_API_TOKEN}]}).status_code == 400
    assert cf.admin("POST", "/tokens", json={"scope": "user", "tokens": [{"name": "x", "policies": [
        {"permission_groups": [{"name": "Nope"}]}]}]}).status_code == 400
    assert cf.admin("GET", "/nothing").status_code == 404


def test_reset_restores_seed(cf):
    cf.seed(count=5)
    cf.user("GET")
    cf.admin("POST", "/reset")
    assert not [t for t in cf.stored() if t["name"].startswith("bulk-")]
    assert cf.emu.requests() == []
    assert {"tokenops-admin", "tokenops-readonly", "ci-dns-edit", "legacy-disabled", "old-expired"} == set(t["name"] for t in cf.stored())
