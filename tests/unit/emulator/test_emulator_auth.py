# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Authentication, authorization (both permission error codes, IP conditions) and token verification."""

import re

import pytest
import requests

import cfemu

KEY_HEADERS = {"X-Auth-Email": cfemu.API_EMAIL, "X-Auth-Key": cfemu.API_KEY}
VERIFIED = [{"code": 10000, "message": "This API Token is valid and active", "type": None}]
# The answer to a valid credential that lacks the permission, per permission_error_code.
PERMISSION_ERRORS = {10000: {"code": 10000, "message": "Authentication error"},
                     9109: {"code": 9109, "message": "Unauthorized to access requested resource"}}


def codes(response):
    return [e["code"] for e in response.json()["errors"]]


@pytest.fixture(params=[10000, 9109], ids=["permission-10000", "permission-9109"])
def permission_code(request, cf):
    """Both settings of permission_error_code; 10000 is the default."""
    if request.param != 10000:
        cf.configure(permission_error_code=request.param)
    assert cf.admin("GET", "/settings").json()["settings"]["permission_error_code"] == request.param
    return request.param


def assert_permission_denied(response, code):
    assert response.status_code == 403
    assert response.json()["errors"] == [PERMISSION_ERRORS[code]]


def test_verify_user_token(cf):
    body = cf.user("GET", "/verify").json()
    admin = [t for t in cf.stored() if t["name"] == "tokenops-admin"][0]
    assert body["result"] == {"id": admin["id"], "status": "active"}
    assert body["messages"] == VERIFIED


def test_verify_account_token(cf):
    body = cf.account("GET", "/verify").json()
    owner = [t for t in cf.stored("account:" + cfemu.ACCOUNT_ID) if t["name"] == "tokenops-account-admin"][0]
    assert body["result"] == {"id": owner["id"], "status": "active"}
    assert body["messages"] == VERIFIED


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
    assert len(errors) == 1 and (errors[0]["code"], errors[0]["message"]) == (6003, "Invalid request headers")
    assert [e["code"] for e in errors[0]["error_chain"]] == [6111]
    assert "API token" in errors[0]["error_chain"][0]["message"]


@pytest.mark.parametrize("status,extra", [("disabled", {}), ("active", {"expires_on": "2020-01-01T00:00:00Z"}),
                                          ("active", {"not_before": "2098-01-01T00:00:00Z"}),
                                          ("revoked (exposed)", {})])
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
    # The detail is nested, as Cloudflare nests it (favonia/cloudflare-ddns and workers-sdk quote this answer).
    assert response.status_code == 400
    assert response.json()["errors"] == [{"code": 6003, "message": "Invalid request headers",
                                          "error_chain": [{"code": 6111, "message": "Invalid format for Authorization header"}]}]


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


def test_readonly_token_can_read_not_write(cf, permission_code):
    assert cf.user("GET", token=cfemu.READONLY_API_TOKEN).status_code == 200
    before = cf.stored()
    response = cf.user("POST", token=cfemu.READONLY_API_TOKEN, json=cf.token_body("nope"))
    assert_permission_denied(response, permission_code)
    target = before[0]["id"]
    assert_permission_denied(cf.user("DELETE", "/" + target, token=cfemu.READONLY_API_TOKEN), permission_code)
    assert_permission_denied(cf.user("PUT", "/%s/value" % target, token=cfemu.READONLY_API_TOKEN, json={}), permission_code)
    assert [(t["id"], t["name"], t["modified_on"]) for t in cf.stored()] == [(t["id"], t["name"], t["modified_on"]) for t in before]
    assert cf.user("GET", "/verify", token=cfemu.READONLY_API_TOKEN).status_code == 200


def test_user_token_without_account_permission_cannot_use_account_routes(cf, permission_code):
    assert_permission_denied(cf.account("GET", token=cfemu.USER_API_TOKEN), permission_code)
    assert_permission_denied(cf.account("POST", token=cfemu.USER_API_TOKEN, json=cf.token_body("nope")), permission_code)


def test_account_token_limited_to_its_account(cf, permission_code):
    assert_permission_denied(cf.account("GET", account_id=cfemu.OTHER_ACCOUNT_ID, token=cfemu.ACCOUNT_API_TOKEN), permission_code)
    assert_permission_denied(cf.account("GET", account_id="e" * 32, token=cfemu.ACCOUNT_API_TOKEN), permission_code)


@pytest.mark.parametrize("method,path", [("GET", ""), ("POST", ""), ("GET", "/permission_groups"), ("DELETE", "/" + "f" * 32),
                                         ("PUT", "/%s/value" % ("f" * 32))])
def test_account_token_on_user_routes_is_a_bad_request(cf, method, path, permission_code):
    # Not a permission problem: Cloudflare answers 400/1001 "... endpoint does not support account owned tokens."
    del permission_code
    before = cf.stored()
    response = cf.user(method, path, token=cfemu.ACCOUNT_API_TOKEN, json=cf.token_body("nope") if method == "POST" else {})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"code": 1001, "message": "User API Tokens endpoint does not support account owned tokens."}]
    assert cf.stored() == before


def _user_token_with(cf, group, resources, effect="allow"):
    policy = {"effect": effect, "resources": resources, "permission_groups": [{"name": group, "scope": cfemu.SCOPE_ACCOUNT}]}
    spec = {"name": "user-" + group, "policies": [policy]}
    return cf.seed(tokens=[spec])[0]["value"]


@pytest.mark.parametrize("resource", [cfemu.ACCOUNT_ID, "*"])
def test_user_token_with_account_api_tokens_write_manages_that_account(cf, resource):
    value = _user_token_with(cf, "Account API Tokens Write", {"com.cloudflare.api.account." + resource: "*"})
    created = cf.account("POST", token=value, json=cf.token_body("by-user-token"))
    assert created.status_code == 200 and created.json()["result"]["value"].startswith("cfat_")
    token_id = created.json()["result"]["id"]
    assert token_id in [t["id"] for t in cf.account("GET", token=value).json()["result"]]
    assert cf.account("PUT", "/%s/value" % token_id, token=value).status_code == 200
    assert cf.account("DELETE", "/" + token_id, token=value).status_code == 200
    # Still a user token: its own verify is the user one, and the user store stays out of reach.
    assert cf.account("GET", "/verify", token=value).status_code == 401
    assert cf.user("GET", "/verify", token=value).status_code == 200


def test_user_token_account_permission_is_limited_to_its_resources(cf, permission_code):
    value = _user_token_with(cf, "Account API Tokens Write", {"com.cloudflare.api.account." + cfemu.OTHER_ACCOUNT_ID: "*"})
    assert_permission_denied(cf.account("GET", token=value), permission_code)
    assert cf.account("GET", account_id=cfemu.OTHER_ACCOUNT_ID, token=value).status_code == 200
    assert_permission_denied(cf.user("GET", token=value), permission_code)


def test_user_token_with_account_read_only_reads(cf, permission_code):
    value = _user_token_with(cf, "Account API Tokens Read", {"com.cloudflare.api.account." + cfemu.ACCOUNT_ID: "*"})
    assert cf.account("GET", token=value).status_code == 200
    assert_permission_denied(cf.account("POST", token=value, json=cf.token_body("nope")), permission_code)


def test_token_without_token_permissions_is_forbidden(cf, permission_code):
    dns_only = cf.seed(tokens=[{"name": "dns", "policies": [{"permission_groups": [{"name": "DNS Write"}]}]}])[0]
    assert_permission_denied(cf.user("GET", token=dns_only["value"]), permission_code)
    assert cf.user("GET", "/verify", token=dns_only["value"]).status_code == 200


def test_deny_policy_overrides_allow(cf, permission_code):
    spec = {"name": "denied", "policies": [{"permission_groups": [{"name": "API Tokens Write"}]},
                                           {"effect": "deny", "permission_groups": [{"name": "API Tokens Write"}]}]}
    token = cf.seed(tokens=[spec])[0]
    assert_permission_denied(cf.user("GET", token=token["value"]), permission_code)


def test_invalid_credentials_stay_distinguishable(cf, permission_code):
    # Whatever the permission code, a bad credential is 401 and never the permission answer.
    for response in (cf.user("GET", token="x" * 40), cf.account("GET", token="x" * 40)):
        assert response.status_code == 401 and response.json()["errors"] == [{"code": 1000, "message": "Invalid API Token"}]
    wrong_key = cf.user("GET", token=None, headers={"X-Auth-Email": cfemu.API_EMAIL, "X-Auth-Key": "0" * 37})
    assert wrong_key.status_code == 401 and codes(wrong_key) == [9103]
    assert permission_code in PERMISSION_ERRORS


def _restricted(cf, condition):
    spec = {"name": "restricted", "condition": condition, "policies": [{"permission_groups": [{"name": "API Tokens Write"}]}]}
    return cf.seed(tokens=[spec])[0]


REFUSING = [{"request_ip": {"in": ["192.0.2.0/24"]}}, {"request_ip": {"not_in": ["127.0.0.0/8"]}},
            {"request_ip": {"in": ["127.0.0.0/8"], "not_in": ["127.0.0.1/32"]}}, {"request_ip": {"in": ["::1/128"]}}]
ADMITTING = [{}, {"request_ip": {"in": ["127.0.0.0/8", "2001:db8::/32"]}}, {"request_ip": {"not_in": ["192.0.2.0/24"]}}]


@pytest.mark.parametrize("condition", REFUSING)
def test_conditions_enforced_when_switched_on(cf, condition):
    token = _restricted(cf, condition)
    # Off by default: the condition is stored, not enforced.
    assert cf.user("GET", token=token["value"]).status_code == 200
    cf.configure(enforce_conditions=True)
    used = [t["last_used_on"] for t in cf.stored() if t["id"] == token["id"]]
    for path in ("", "/verify", "/" + token["id"]):
        response = cf.user("GET", path, token=token["value"])
        assert response.status_code == 403
        assert response.json()["errors"] == [{"code": 9109, "message": "Cannot use the access token from location: 127.0.0.1"}]
    assert [t["last_used_on"] for t in cf.stored() if t["id"] == token["id"]] == used
    cf.configure(enforce_conditions=False)
    assert cf.user("GET", token=token["value"]).status_code == 200


@pytest.mark.parametrize("condition", ADMITTING)
def test_enforced_conditions_admit_the_caller(cf, condition):
    token = _restricted(cf, condition)
    cf.configure(enforce_conditions=True)
    assert cf.user("GET", token=token["value"]).status_code == 200
    assert cf.user("GET", "/verify", token=token["value"]).status_code == 200


def test_enforcement_leaves_unrestricted_credentials_alone(cf):
    cf.configure(enforce_conditions=True)
    assert cf.user("GET", token=None, headers=KEY_HEADERS).status_code == 200
    assert cf.user("GET").status_code == 200


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
