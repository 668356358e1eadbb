# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Authentication, authorization and token verification."""

import re

import pytest
import requests

import cfemu

KEY_HEADERS = {"X-Auth-Email": cfemu.API_EMAIL, "X-Auth-Key": cfemu.API_KEY}


def codes(response):
    return [e["code"] for e in response.json()["errors"]]


def test_verify_user_token(cf):
    body = cf.user("GET", "/verify").json()
    admin = [t for t in cf.stored() if t["name"] == "tokenops-admin"][0]
    assert body["result"] == {"id": admin["id"], "status": "active"}


def test_verify_account_token(cf):
    result = cf.account("GET", "/verify").json()["result"]
    owner = [t for t in cf.stored("account:" + cfemu.ACCOUNT_ID) if t["name"] == "tokenops-account-admin"][0]
    assert result == {"id": owner["id"], "status": "active"}


def test_verify_reports_dates(cf):
    seeded = cf.seed(tokens=[{"name": "dated", "not_before": "2020-01-01T00:00:00Z", "expires_on": "2099-01-01T00:00:00Z"}])[0]
    result = cf.user("GET", "/verify", token=seeded["value"]).json()["result"]
    assert result == {"id": seeded["id"], "status": "active", "not_before": "2020-01-01T00:00:00Z", "expires_on": "2099-01-01T00:00:00Z"}


@pytest.mark.parametrize("token,account_id", [
    (cfemu.USER_API_TOKEN, cfemu.ACCOUNT_ID),
    (cfemu.OTHER_ACCOUNT_API_TOKEN, cfemu.ACCOUNT_ID),
    (cfemu.ACCOUNT_API_TOKEN, cfemu.OTHER_ACCOUNT_ID),
])
def test_account_verify_needs_token_of_that_account(cf, token, account_id):
    response = cf.account("GET", "/verify", account_id=account_id, token=token)
    assert response.status_code == 401 and codes(response) == [1000]


def test_user_verify_refuses_account_token(cf):
    response = cf.user("GET", "/verify", token=cfemu.ACCOUNT_API_TOKEN)
    assert response.status_code == 401 and codes(response) == [1000]


def test_verify_with_global_key_is_a_header_error(cf):
    response = cf.user("GET", "/verify", token=None, headers=KEY_HEADERS)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors[0] == {"code": 6003, "message": "Invalid request headers"}
    assert "API token" in errors[1]["message"]


@pytest.mark.parametrize("status,extra", [("disabled", {}), ("active", {"expires_on": "2020-01-01T00:00:00Z"}),
                                          ("active", {"not_before": "2098-01-01T00:00:00Z"})])
def test_unusable_tokens_do_not_authenticate(cf, status, extra):
    token = cf.seed(tokens=[dict(extra, name="unusable", status=status)])[0]
    for path in ("/verify", ""):
        response = cf.user("GET", path, token=token["value"])
        assert response.status_code == 401 and codes(response) == [1000]


def test_missing_credentials(cf):
    response = cf.user("GET", token=None)
    assert response.status_code == 401
    assert response.json()["errors"][0] == {"code": 9106, "message": "Missing X-Auth-Key, X-Auth-Email or Authorization headers"}
    only_email = cf.user("GET", token=None, headers={"X-Auth-Email": cfemu.API_EMAIL})
    assert only_email.status_code == 401 and codes(only_email) == [9106]


def test_unknown_token(cf):
    response = cf.user("GET", token="x" * 40)
    assert response.status_code == 401
    assert response.json()["errors"][0] == {"code": 1000, "message": "Invalid API Token"}


@pytest.mark.parametrize("header", ["Token abc", "Bearer", "Bearer two words", "Basic dXNlcjpwYXNz", "Bearer tok\u00e9n"])
def test_malformed_authorization_header(cf, header):
    response = cf.user("GET", token=None, headers={"Authorization": header.encode("utf-8")})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"code": 6003, "message": "Invalid request headers"},
                                         {"code": 6111, "message": "Invalid format for Authorization header"}]


@pytest.mark.parametrize("headers", [
    {"X-Auth-Email": cfemu.API_EMAIL, "X-Auth-Key": "0" * 37},
    {"X-Auth-Email": "someone@example.com", "X-Auth-Key": cfemu.API_KEY},
])
def test_wrong_global_key(cf, headers):
    response = cf.user("GET", token=None, headers=headers)
    assert response.status_code == 401
    assert response.json()["errors"][0] == {"code": 9103, "message": "Unknown X-Auth-Key or X-Auth-Email"}


def test_global_key_reaches_everything(cf):
    assert cf.user("GET", token=None, headers=KEY_HEADERS).status_code == 200
    for account_id in (cfemu.ACCOUNT_ID, cfemu.OTHER_ACCOUNT_ID):
        created = cf.account("POST", account_id=account_id, token=None, headers=KEY_HEADERS, json=cf.token_body("k"))
        assert created.status_code == 200


def test_global_key_on_unknown_account_is_forbidden(cf):
    response = cf.account("GET", account_id="e" * 32, token=None, headers=KEY_HEADERS)
    assert response.status_code == 403
    assert response.json()["errors"][0] == {"code": 9109, "message": "Unauthorized to access requested resource"}


def test_readonly_token_can_read_not_write(cf):
    assert cf.user("GET", token=cfemu.READONLY_API_TOKEN).status_code == 200
    before = cf.stored()
    response = cf.user("POST", token=cfemu.READONLY_API_TOKEN, json=cf.token_body("nope"))
    assert response.status_code == 403 and codes(response) == [9109]
    target = before[0]["id"]
    assert cf.user("DELETE", "/" + target, token=cfemu.READONLY_API_TOKEN).status_code == 403
    assert cf.user("PUT", "/%s/value" % target, token=cfemu.READONLY_API_TOKEN, json={}).status_code == 403
    assert [(t["id"], t["name"], t["modified_on"]) for t in cf.stored()] == [(t["id"], t["name"], t["modified_on"]) for t in before]
    assert cf.user("GET", "/verify", token=cfemu.READONLY_API_TOKEN).status_code == 200


def test_user_token_cannot_use_account_routes(cf):
    response = cf.account("GET", token=cfemu.USER_API_TOKEN)
    assert response.status_code == 403 and codes(response) == [9109]


def test_account_token_limited_to_its_account(cf):
    assert cf.user("GET", token=cfemu.ACCOUNT_API_TOKEN).status_code == 403
    assert cf.account("GET", account_id=cfemu.OTHER_ACCOUNT_ID, token=cfemu.ACCOUNT_API_TOKEN).status_code == 403
    assert cf.account("GET", account_id="e" * 32, token=cfemu.ACCOUNT_API_TOKEN).status_code == 403


def test_token_without_token_permissions_is_forbidden(cf):
    dns_only = cf.seed(tokens=[{"name": "dns", "policies": [{"permission_groups": [{"name": "DNS Write"}]}]}])[0]
    response = cf.user("GET", token=dns_only["value"])
    assert response.status_code == 403
    assert cf.user("GET", "/verify", token=dns_only["value"]).status_code == 200


def test_deny_policy_overrides_allow(cf):
    spec = {"name": "denied", "policies": [{"permission_groups": [{"name": "API Tokens Write"}]},
                                           {"effect": "deny", "permission_groups": [{"name": "API Tokens Write"}]}]}
    token = cf.seed(tokens=[spec])[0]
    assert cf.user("GET", token=token["value"]).status_code == 403


def test_constructor_overrides_credentials():
    values = {"api_token": "override_user_token_0123456789abcdefghij", "account_token": "override_acct_token_0123456789abcdefghij",
              "api_email": "ops@example.org", "api_key": "1" * 37}
    with cfemu.Emulator(seed="empty", **values) as emu:
        base = emu.base_url
        assert requests.get(base + "/user/tokens/verify", headers={"Authorization": "Bearer " + values["api_token"]}, timeout=5).ok
        assert requests.get(base + "/accounts/%s/tokens/verify" % cfemu.ACCOUNT_ID,
                            headers={"Authorization": "Bearer " + values["account_token"]}, timeout=5).ok
        assert requests.get(base + "/user/tokens", headers={"X-Auth-Email": "ops@example.org", "X-Auth-Key": "1" * 37}, timeout=5).ok
        assert requests.get(base + "/user/tokens/verify", headers={"Authorization": "Bearer " + cfemu.USER_API_TOKEN},
                            timeout=5).status_code == 401


def test_seeded_constants_look_right():
    for value in (cfemu.USER_API_TOKEN, cfemu.ACCOUNT_API_TOKEN, cfemu.READONLY_API_TOKEN, cfemu.OTHER_ACCOUNT_API_TOKEN):
        assert re.match(r"^[A-Za-z0-9_-]{40}$", value)
    assert re.match(r"^[0-9a-f]{37}$", cfemu.API_KEY)
    for account_id in (cfemu.ACCOUNT_ID, cfemu.OTHER_ACCOUNT_ID):
        assert re.match(r"^[0-9a-f]{32}$", account_id)
    assert cfemu.ACCOUNT_ID != cfemu.OTHER_ACCOUNT_ID
    assert cfemu.API_EMAIL == "admin@example.com"
