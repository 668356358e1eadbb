# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Create/update validation: the Cloudflare error codes, and no state change on error."""

import datetime

import pytest

import cfemu

ZONE_READ = cfemu.group_id(cfemu.SCOPE_ZONE, "Zone Read")
ZONE_ALL = {"com.cloudflare.api.account.zone.*": "*"}


def good_policy(**changes):
    return dict({"effect": "allow", "permission_groups": [{"id": ZONE_READ}], "resources": dict(ZONE_ALL)}, **changes)


def body_with(**changes):
    body = {"name": "valid", "policies": [good_policy()]}
    for key, value in changes.items():
        if value is KeyError:
            body.pop(key, None)
        else:
            body[key] = value
    return body


PAST = "2001-01-01T00:00:00Z"
SOON = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")

INVALID = [
    ("name-missing", body_with(name=KeyError), 1001, "name"),
    ("name-empty", body_with(name=""), 1001, "name"),
    ("name-not-string", body_with(name=42), 1001, "name"),
    ("name-too-long", body_with(name="n" * 121), 1001, "name"),
    ("policies-missing", body_with(policies=KeyError), 1002, "policies"),
    ("policies-empty", body_with(policies=[]), 1002, "policies"),
    ("policies-not-list", body_with(policies={"effect": "allow"}), 1002, "policies"),
    ("effect", body_with(policies=[good_policy(effect="permit")]), 1002, "effect"),
    ("groups-empty", body_with(policies=[good_policy(permission_groups=[])]), 1002, "permission_groups"),
    ("group-unknown", body_with(policies=[good_policy(permission_groups=[{"id": "f" * 32}])]), 1002, "f" * 32),
    ("group-without-id", body_with(policies=[good_policy(permission_groups=[{"name": "Zone Read"}])]), 1002, "permission_groups"),
    ("resources-empty", body_with(policies=[good_policy(resources={})]), 1002, "resources"),
    ("resources-not-object", body_with(policies=[good_policy(resources=["*"])]), 1002, "resources"),
    ("resource-key", body_with(policies=[good_policy(resources={"com.cloudflare.api.zone.*": "*"})]), 1002,
     "com.cloudflare.api.zone.*"),
    ("resource-value", body_with(policies=[good_policy(resources={"com.cloudflare.api.account.zone.*": "read"})]), 1002,
     "resources"),
    ("resource-too-deep", body_with(policies=[good_policy(resources={
        "com.cloudflare.api.account.*": {"com.cloudflare.api.account.zone.*": {"com.cloudflare.api.account.zone.*": "*"}}})]),
     1002, "resources"),
    ("cidr", body_with(condition={"request_ip": {"in": ["10.0.0.0/33"]}}), 1004, "10.0.0.0/33"),
    ("cidr-not-in", body_with(condition={"request_ip": {"not_in": ["not-an-ip"]}}), 1004, "not_in"),
    ("not-before-format", body_with(not_before="2030-01-01"), 1005, "not_before"),
    ("expires-format", body_with(expires_on="2030-01-01 00:00:00"), 1005, "expires_on"),
    ("expires-past", body_with(expires_on=PAST), 1005, "expires_on"),
    ("expires-before-not-before", body_with(not_before="2099-01-01T00:00:00Z", expires_on=SOON), 1005, "expires_on"),
]


def snapshot(cf):
    return [(t["id"], t["name"], t["modified_on"], t["status"]) for t in cf.stored()]


@pytest.mark.parametrize("name,body,code,mentions", INVALID, ids=[case[0] for case in INVALID])
def test_create_rejects(cf, name, body, code, mentions):
    del name
    before = snapshot(cf)
    response = cf.user("POST", json=body)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["code"] == code
    assert mentions in error["message"]
    assert snapshot(cf) == before


@pytest.mark.parametrize("name,body,code,mentions", INVALID, ids=[case[0] for case in INVALID])
def test_update_rejects(cf, name, body, code, mentions):
    del name
    token = cf.user("POST", json=body_with(name="target")).json()["result"]
    before = snapshot(cf)
    response = cf.user("PUT", "/" + token["id"], json=body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == code and mentions in response.json()["errors"][0]["message"]
    assert snapshot(cf) == before
    assert cf.user("GET", "/" + token["id"]).json()["result"]["name"] == "target"


@pytest.mark.parametrize("raw", ["{not json", "", "[1, 2]", "\"text\""])
def test_malformed_json(cf, raw):
    before = snapshot(cf)
    response = cf.user("POST", data=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["errors"][0] == {"code": 6007, "message": "Malformed JSON in request body"}
    assert snapshot(cf) == before


@pytest.mark.parametrize("status", ["expired", "paused", 1])
def test_update_rejects_status(cf, status):
    token = cf.user("POST", json=body_with()).json()["result"]
    response = cf.user("PUT", "/" + token["id"], json=body_with(status=status))
    assert response.status_code == 400 and "status" in response.json()["errors"][0]["message"]
    assert response.json()["errors"][0]["code"] >= 1000


def test_account_store_refuses_user_groups(cf):
    api_write = cfemu.group_id(cfemu.SCOPE_USER, "API Tokens Write")
    body = body_with(policies=[good_policy(permission_groups=[{"id": api_write}])])
    response = cf.account("POST", json=body)
    assert response.status_code == 400 and api_write in response.json()["errors"][0]["message"]
    assert cf.user("POST", json=body).status_code == 200


@pytest.mark.parametrize("resources", [
    {"com.cloudflare.api.account.%s" % cfemu.ACCOUNT_ID: "*"},
    {"com.cloudflare.api.account.*": {"com.cloudflare.api.account.zone.*": "*"}},
    {"com.cloudflare.api.account.zone.%s" % ("0" * 32): "*"},
    {"com.cloudflare.api.user.%s" % cfemu.USER_ID: "*"},
    {"com.cloudflare.edge.r2.bucket.%s_default_my-bucket" % cfemu.ACCOUNT_ID: "*"},
])
def test_valid_resource_shapes(cf, resources):
    response = cf.user("POST", json=body_with(policies=[good_policy(resources=resources)]))
    assert response.status_code == 200
    assert response.json()["result"]["policies"][0]["resources"] == resources


def test_dates_with_offsets_and_fractions_are_accepted(cf):
    body = body_with(not_before="2020-01-01T02:00:00.5+02:00", expires_on="2099-06-01T00:00:00.123456789Z")
    token = cf.user("POST", json=body).json()["result"]
    assert token["not_before"] == "2020-01-01T00:00:00Z"
    assert token["expires_on"] == "2099-06-01T00:00:00Z"


def test_name_of_120_chars_is_fine(cf):
    assert cf.user("POST", json=body_with(name="n" * 120)).status_code == 200
