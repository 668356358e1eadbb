# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Token create/read/update/delete/roll in both scopes, and the normalisation quirks."""

import http.client
import json
import re
import zlib

import pytest

import cfemu

SCOPES = [
    pytest.param("user", id="user"),
    pytest.param("account", id="account"),
]
PREFIX = {"user": "cfut_", "account": "cfat_"}
RESTRICTED = {"request_ip": {"in": ["10.0.0.0/8"], "not_in": ["10.1.0.0/16"]}}


def assert_value(value, scope):
    """Cloudflare's scannable format: cfut_/cfat_, 40 letters and digits, an 8-hex checksum."""
    match = re.match(r"^(cfut_|cfat_)([A-Za-z0-9]{40})([0-9a-f]{8})$", value)
    assert match and match.group(1) == PREFIX[scope], value
    assert int(match.group(3), 16) == zlib.crc32((match.group(1) + match.group(2)).encode())


def call(cf, scope, method, path="", **kwargs):
    if scope == "user":
        return cf.user(method, path, **kwargs)
    return cf.account(method, path, **kwargs)


def store_name(scope):
    return "user" if scope == "user" else "account:" + cfemu.ACCOUNT_ID


def snapshot(cf, scope="user"):
    """The stored tokens without last_used_on, which every authenticated call moves."""
    return [dict(t, last_used_on=None) for t in cf.stored(store_name(scope))]


@pytest.mark.parametrize("scope", SCOPES)
def test_crud_round_trip(cf, scope):
    created = call(cf, scope, "POST", json=cf.token_body("crud", expires_on="2099-01-01T00:00:00Z")).json()["result"]
    assert_value(created["value"], scope)
    assert re.match(r"^[0-9a-f]{32}$", created["id"])
    assert created["status"] == "active" and created["last_used_on"] is None
    assert created["expires_on"] == "2099-01-01T00:00:00Z"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", created["issued_on"])
    assert created["condition"] == {}
    assert "not_before" not in created

    fetched = call(cf, scope, "GET", "/" + created["id"]).json()["result"]
    assert "value" not in fetched
    assert fetched["name"] == "crud" and fetched["policies"] == created["policies"]

    update = cf.token_body("crud-renamed", status="disabled")
    updated = call(cf, scope, "PUT", "/" + created["id"], json=update).json()["result"]
    assert updated["name"] == "crud-renamed" and updated["status"] == "disabled"
    assert "value" not in updated and "expires_on" not in updated
    assert updated["modified_on"] > created["modified_on"]
    assert updated["issued_on"] == created["issued_on"]

    deleted = call(cf, scope, "DELETE", "/" + created["id"]).json()
    assert deleted["result"] == {"id": created["id"]}
    missing = call(cf, scope, "GET", "/" + created["id"])
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == 1003
    assert call(cf, scope, "DELETE", "/" + created["id"]).status_code == 404
    assert all(t["id"] != created["id"] for t in cf.stored(store_name(scope)))


def test_stores_are_separate(cf):
    user_token = cf.user("POST", json=cf.token_body("only-user")).json()["result"]
    assert cf.account("GET", "/" + user_token["id"]).status_code == 404
    other = cf.account("GET", account_id=cfemu.OTHER_ACCOUNT_ID, token=cfemu.OTHER_ACCOUNT_API_TOKEN).json()["result"]
    assert [t["name"] for t in other] == ["tokenops-other-account-admin", "other-analytics"]


def test_value_only_on_create_and_roll(cf):
    created = cf.user("POST", json=cf.token_body("v")).json()["result"]
    assert "value" in created
    rolled = cf.user("PUT", "/%s/value" % created["id"], json={}).json()["result"]
    assert isinstance(rolled, str) and rolled != created["value"]
    assert_value(rolled, "user")
    listed = cf.user("GET", params={"include_expired": "true"}).json()["result"]
    assert listed and all("value" not in t for t in listed)
    assert "value" not in cf.user("GET", "/" + created["id"]).json()["result"]
    assert "value" not in cf.user("PUT", "/" + created["id"], json=cf.token_body("v")).json()["result"]


@pytest.mark.parametrize("scope", SCOPES)
def test_roll_invalidates_old_value(cf, scope):
    created = call(cf, scope, "POST", json=cf.token_body("rollme", policies=[
        cf.policy("API Tokens Read", scope=cfemu.SCOPE_USER, resources={"com.cloudflare.api.user." + cfemu.USER_ID: "*"})
    ] if scope == "user" else [cf.policy("Account API Tokens Read", scope=cfemu.SCOPE_ACCOUNT,
                                         resources={"com.cloudflare.api.account." + cfemu.ACCOUNT_ID: "*"})])).json()["result"]
    old = created["value"]
    assert call(cf, scope, "GET", "/verify", token=old).json()["result"]["status"] == "active"
    new = call(cf, scope, "PUT", "/%s/value" % created["id"], json={}).json()["result"]
    assert_value(new, scope)
    refused = call(cf, scope, "GET", "/verify", token=old)
    assert refused.status_code == 401 and refused.json()["errors"][0]["code"] == 1000
    verified = call(cf, scope, "GET", "/verify", token=new).json()["result"]
    assert verified == {"id": created["id"], "status": "active"}


def test_roll_body_is_optional_but_must_be_an_object(cf):
    created = cf.user("POST", json=cf.token_body()).json()["result"]
    response = cf.user("PUT", "/%s/value" % created["id"], data="[]", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == 6007
    assert cf.user("PUT", "/%s/value" % ("f" * 32), json={}).status_code == 404
    # No body at all (what the official Python SDK 5.x sends), or an empty one, is accepted.
    for extra in ({}, {"data": ""}, {"data": "  ", "headers": {"Content-Type": "application/json"}}):
        rolled = cf.user("PUT", "/%s/value" % created["id"], **extra)
        assert rolled.status_code == 200, extra
        assert_value(rolled.json()["result"], "user")
    last = rolled.json()["result"]
    assert cf.user("GET", "/verify", token=last).json()["result"]["id"] == created["id"]


@pytest.mark.parametrize("scope", SCOPES)
def test_put_clears_dates_absent_or_null(cf, scope):
    body = cf.token_body("dates", not_before="2020-01-01T00:00:00Z", expires_on="2099-01-01T00:00:00Z")
    created = call(cf, scope, "POST", json=body).json()["result"]
    assert created["not_before"] == "2020-01-01T00:00:00Z"
    updated = call(cf, scope, "PUT", "/" + created["id"], json=cf.token_body("dates", not_before=None, expires_on=None)).json()
    assert "not_before" not in updated["result"] and "expires_on" not in updated["result"]
    call(cf, scope, "PUT", "/" + created["id"], json=body)
    updated = call(cf, scope, "PUT", "/" + created["id"], json=cf.token_body("dates")).json()["result"]
    assert "not_before" not in updated and "expires_on" not in updated
    assert updated["status"] == "active"


@pytest.mark.parametrize("scope", SCOPES)
def test_put_without_condition_keeps_it(cf, scope):
    created = call(cf, scope, "POST", json=cf.token_body("cond", condition=RESTRICTED)).json()["result"]
    for body in (cf.token_body("cond"), cf.token_body("cond", condition=None)):
        updated = call(cf, scope, "PUT", "/" + created["id"], json=body).json()["result"]
        assert updated["condition"] == RESTRICTED
    assert call(cf, scope, "GET", "/" + created["id"]).json()["result"]["condition"] == RESTRICTED
    changed = {"request_ip": {"in": ["192.0.2.0/24"]}}
    updated = call(cf, scope, "PUT", "/" + created["id"], json=cf.token_body("cond", condition=changed)).json()["result"]
    assert updated["condition"] == changed


@pytest.mark.parametrize("empty", [{}, {"request_ip": {}}, {"request_ip": {"in": [], "not_in": []}}])
@pytest.mark.parametrize("scope", SCOPES)
def test_put_with_empty_condition_clears_it_by_default(cf, scope, empty):
    assert cf.admin("GET", "/settings").json()["settings"]["condition_clear_on_empty"] is True
    created = call(cf, scope, "POST", json=cf.token_body("cond", condition=RESTRICTED)).json()["result"]
    updated = call(cf, scope, "PUT", "/" + created["id"], json=cf.token_body("cond", condition=empty)).json()["result"]
    assert updated["condition"] == {}
    assert call(cf, scope, "GET", "/" + created["id"]).json()["result"]["condition"] == {}


@pytest.mark.parametrize("scope", SCOPES)
def test_put_with_empty_condition_kept_when_switched(cf, scope):
    cf.configure(condition_clear_on_empty=False)
    created = call(cf, scope, "POST", json=cf.token_body("cond", condition=RESTRICTED)).json()["result"]
    # The write succeeds and the answer shows what is stored: the condition was not applied.
    response = call(cf, scope, "PUT", "/" + created["id"], json=cf.token_body("cond-renamed", condition={}))
    assert response.status_code == 200
    assert response.json()["result"]["name"] == "cond-renamed" and response.json()["result"]["condition"] == RESTRICTED
    assert call(cf, scope, "GET", "/" + created["id"]).json()["result"]["condition"] == RESTRICTED
    # A non-empty condition still replaces it; and a token without one can be given one.
    other = {"request_ip": {"not_in": ["198.51.100.0/24"]}}
    assert call(cf, scope, "PUT", "/" + created["id"], json=cf.token_body("cond", condition=other)).json()["result"]["condition"] == other
    plain = call(cf, scope, "POST", json=cf.token_body("plain")).json()["result"]
    assert call(cf, scope, "PUT", "/" + plain["id"], json=cf.token_body("plain", condition={})).json()["result"]["condition"] == {}


@pytest.mark.parametrize("scope", SCOPES)
def test_create_with_policy_ids_is_refused(cf, scope):
    before = snapshot(cf, scope)
    policy = dict(cf.token_body()["policies"][0], id="beefcafe1337beefcafe1337beefcafe")
    response = call(cf, scope, "POST", json=cf.token_body("reuse", policies=[policy]))
    assert response.status_code == 400
    assert response.json()["errors"] == [{"code": 1001, "message": "Reusing existing policies is not supported by token creation"}]
    assert snapshot(cf, scope) == before
    # An update may carry the ids the token came back with.
    created = call(cf, scope, "POST", json=cf.token_body("reuse")).json()["result"]
    again = call(cf, scope, "PUT", "/" + created["id"], json=cf.token_body("reuse", policies=created["policies"]))
    assert again.status_code == 200


def test_revoked_tokens_are_readable_and_deletable_only(cf):
    revoked = cf.seed(tokens=[{"name": "leaked", "status": "revoked (exposed)"}])[0]
    assert cf.user("GET", "/" + revoked["id"]).json()["result"]["status"] == "revoked (exposed)"
    before = snapshot(cf)
    for method, path, body in (("PUT", "/" + revoked["id"], cf.token_body("leaked", status="active")),
                               ("PUT", "/" + revoked["id"], cf.token_body("leaked")),
                               ("PUT", "/%s/value" % revoked["id"], {})):
        response = cf.user(method, path, json=body)
        assert response.status_code == 400
        error = response.json()["errors"][0]
        assert error["code"] == 1006 and "revoked (exposed)" in error["message"]
    assert snapshot(cf) == before
    assert cf.user("GET", "/verify", token=revoked["value"]).status_code == 401
    assert cf.user("DELETE", "/" + revoked["id"]).status_code == 200


def test_put_keeps_status_when_absent(cf):
    created = cf.user("POST", json=cf.token_body("keep")).json()["result"]
    cf.user("PUT", "/" + created["id"], json=cf.token_body("keep", status="disabled"))
    assert cf.user("PUT", "/" + created["id"], json=cf.token_body("keep")).json()["result"]["status"] == "disabled"
    assert cf.user("PUT", "/" + created["id"], json=cf.token_body("keep", status="active")).json()["result"]["status"] == "active"


def test_server_reorders_and_decorates_policies(cf):
    pol_a = cf.policy("DNS Read", "Zone Read", resources={"com.cloudflare.api.account.zone.%s" % ("b" * 32): "*",
                                                          "com.cloudflare.api.account.zone.%s" % ("a" * 32): "*"})
    pol_b = cf.policy("Cache Purge", effect="deny")
    pol_c = cf.policy("Workers Scripts Read", "Account Settings Read", scope=cfemu.SCOPE_ACCOUNT,
                      resources={"com.cloudflare.api.account." + cfemu.ACCOUNT_ID: "*"})
    forward = cf.user("POST", json=cf.token_body("order", policies=[pol_a, pol_b, pol_c])).json()["result"]
    backward = cf.user("POST", json=cf.token_body("order", policies=[pol_c, pol_b, pol_a])).json()["result"]

    def shape(token):
        return [(p["effect"], [g["id"] for g in p["permission_groups"]], list(p["resources"])) for p in token["policies"]]

    # The server's order depends on content, not on the order sent, so at least one order was changed.
    assert shape(forward) == shape(backward)
    sent = [[g["id"] for g in p["permission_groups"]] for p in [pol_a, pol_b, pol_c]]
    assert [entry[1] for entry in shape(forward)] != sent or [entry[1] for entry in shape(backward)] != sent[::-1]
    for token in (forward, backward):
        for returned in token["policies"]:
            assert re.match(r"^[0-9a-f]{32}$", returned["id"])
            ids = [g["id"] for g in returned["permission_groups"]]
            assert ids == sorted(ids)
            assert list(returned["resources"]) == sorted(returned["resources"])
            for group in returned["permission_groups"]:
                assert group["name"] and set(group["meta"]) == {"label", "scopes"}
    by_name = dict((g["name"], g) for p in forward["policies"] for g in p["permission_groups"])
    assert by_name["DNS Read"]["id"] == cf.gid("DNS Read")
    assert by_name["DNS Read"]["meta"] == {"label": "dns_read", "scopes": cfemu.SCOPE_ZONE}
    assert by_name["Workers Scripts Read"]["meta"] == {"label": "workers_scripts_read", "scopes": cfemu.SCOPE_ACCOUNT}
    assert len(set(p["id"] for p in forward["policies"] + backward["policies"])) == 6
    # Group order inside a policy is the server's too.
    swapped = cf.user("POST", json=cf.token_body("x", policies=[cf.policy("Zone Read", "DNS Read")])).json()["result"]
    plain = cf.user("POST", json=cf.token_body("x", policies=[cf.policy("DNS Read", "Zone Read")])).json()["result"]
    assert [g["id"] for g in swapped["policies"][0]["permission_groups"]] == [g["id"] for g in plain["policies"][0]["permission_groups"]]


def test_cidrs_are_normalised(cf):
    body = cf.token_body("cidr", condition={"request_ip": {"in": ["192.0.2.77/24", "2001:DB8::1/32"], "not_in": []}})
    created = cf.user("POST", json=body).json()["result"]
    assert created["condition"] == {"request_ip": {"in": ["192.0.2.0/24", "2001:db8::/32"]}}


def test_duplicate_names_allowed(cf):
    first = cf.user("POST", json=cf.token_body("twin")).json()["result"]
    second = cf.user("POST", json=cf.token_body("twin")).json()["result"]
    assert first["id"] != second["id"]
    assert [t["name"] for t in cf.stored()].count("twin") == 2


def test_last_used_on_set_on_use(cf):
    created = cf.user("POST", json=cf.token_body("used")).json()["result"]
    assert created["last_used_on"] is None
    cf.user("GET", "/verify", token=created["value"])
    used = cf.user("GET", "/" + created["id"]).json()["result"]["last_used_on"]
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", used)
    admin_used = [t for t in cf.stored() if t["name"] == "tokenops-admin"][0]["last_used_on"]
    assert admin_used is not None and admin_used >= created["issued_on"]


def test_expired_token_details_still_readable(cf):
    expired = cf.seed(tokens=[{"name": "gone", "expires_on": "2020-01-01T00:00:00Z"}])[0]
    details = cf.user("GET", "/" + expired["id"]).json()["result"]
    assert details["status"] == "expired" and details["expires_on"] == "2020-01-01T00:00:00Z"


@pytest.mark.parametrize("path,expected", [
    ("/user/tokens/NOT-AN-ID", "/client/v4/user/tokens/NOT-AN-ID"),
    ("/user/tokens/%s/value" % ("A" * 32), "/client/v4/user/tokens/%s/value" % ("A" * 32)),
    ("/accounts/xyz/tokens", "/client/v4/accounts/xyz/tokens"),
])
def test_malformed_ids(cf, path, expected):
    method = "PUT" if path.endswith("/value") else "GET"
    response = cf.call(method, path, json={})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["code"] == 7003
    assert error["message"] == "Could not route to %s, perhaps your object identifier is invalid?" % expected


def test_unknown_routes_and_methods(cf):
    response = cf.call("GET", "/zones/%s/dns_records" % ("0" * 32))
    assert response.status_code == 404 and response.json()["errors"][0] == {"code": 7000, "message": "No route for that URI"}
    response = cf.call("PATCH", "/user/tokens")
    assert response.status_code == 405 and response.json()["errors"][0]["code"] == 10405
    assert cf.call("DELETE", "/user/tokens/verify").status_code == 405
    assert cf.call("POST", "/user/tokens/permission_groups").status_code == 405


def test_delete_ignores_body(cf):
    created = cf.user("POST", json=cf.token_body("bye")).json()["result"]
    response = cf.user("DELETE", "/" + created["id"], data="not json")
    assert response.status_code == 200 and response.json()["result"]["id"] == created["id"]


def test_keep_alive_reuses_one_connection(emu):
    connection = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=5)
    sockets = set()
    try:
        for method, body in (("GET", None), ("POST", json.dumps({"name": "ka", "policies": []})), ("GET", None)):
            connection.request(method, "/client/v4/user/tokens", body=body,
                               headers={"Authorization": "Bearer " + cfemu.USER_API_TOKEN, "Content-Type": "application/json"})
            response = connection.getresponse()
            assert len(response.read()) == int(response.getheader("Content-Length"))
            sockets.add(id(connection.sock))
    finally:
        connection.close()
    assert len(sockets) == 1
