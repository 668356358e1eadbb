# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Token create/read/update/delete/roll in both scopes, and the normalisation quirks."""

import http.client
import json
import re

import pytest

import cfemu

SCOPES = [
    pytest.param("user", id="user"),
    pytest.param("account", id="account"),
]


def call(cf, scope, method, path="", **kwargs):
    if scope == "user":
        return cf.user(method, path, **kwargs)
    return cf.account(method, path, **kwargs)


def store_name(scope):
    return "user" if scope == "user" else "account:" + cfemu.ACCOUNT_ID


@pytest.mark.parametrize("scope", SCOPES)
def test_crud_round_trip(cf, scope):
    created = call(cf, scope, "POST", json=cf.token_body("crud", expires_on="2099-01-01T00:00:00Z")).json()["result"]
    assert re.match(r"^[A-Za-z0-9_-]{40}$", created["value"])
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
    assert isinstance(rolled, str) and len(rolled) == 40 and rolled != created["value"]
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
    refused = call(cf, scope, "GET", "/verify", token=old)
    assert refused.status_code == 401 and refused.json()["errors"][0]["code"] == 1000
    verified = call(cf, scope, "GET", "/verify", token=new).json()["result"]
    assert verified == {"id": created["id"], "status": "active"}


def test_roll_needs_object_body(cf):
    created = cf.user("POST", json=cf.token_body()).json()["result"]
    response = cf.user("PUT", "/%s/value" % created["id"], data="[]", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == 6007
    assert cf.user("PUT", "/%s/value" % ("f" * 32), json={}).status_code == 404


def test_put_is_full_replace(cf):
    body = cf.token_body("full", not_before="2020-01-01T00:00:00Z", expires_on="2099-01-01T00:00:00Z",
                         condition={"request_ip": {"in": ["10.0.0.0/8"]}})
    created = cf.user("POST", json=body).json()["result"]
    assert created["not_before"] == "2020-01-01T00:00:00Z"
    assert created["condition"] == {"request_ip": {"in": ["10.0.0.0/8"]}}
    updated = cf.user("PUT", "/" + created["id"], json=cf.token_body("full")).json()["result"]
    for key in ("not_before", "expires_on"):
        assert key not in updated
    assert updated["condition"] == {}
    assert updated["status"] == "active"


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
                assert group["name"] and group["meta"]["key"] and group["meta"]["value"]
    by_name = dict((g["name"], g) for p in forward["policies"] for g in p["permission_groups"])
    assert by_name["DNS Read"]["id"] == cf.gid("DNS Read")
    assert by_name["Workers Scripts Read"]["meta"]["value"] == cfemu.SCOPE_ACCOUNT
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
