# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""GET /zones and GET /accounts: filters, paging, visibility per credential, faults, admin seeding."""

import pytest
import requests

import cfemu
from cfemu import zones as cfzones

KEY_HEADERS = {"X-Auth-Email": cfemu.API_EMAIL, "X-Auth-Key": cfemu.API_KEY}


def listed_from(body):
    return sorted((z["name"], z["account"]["id"]) for z in body["result"])


def listed(response):
    return listed_from(response.json())


def seed_zones(cf, *specs):
    response = cf.admin("POST", "/zones", json={"zones": list(specs)})
    assert response.status_code == 200, response.text
    return response.json()["zones"]


def test_default_seed_has_a_name_in_two_accounts(cf):
    body = cf.call("GET", "/zones", params={"name": "example.com"}).json()
    assert sorted(z["account"]["id"] for z in body["result"]) == sorted([cfemu.ACCOUNT_ID, cfemu.OTHER_ACCOUNT_ID])
    assert body["result_info"] == {"page": 1, "per_page": 20, "count": 2, "total_count": 2, "total_pages": 1}
    zone = body["result"][0]
    assert zone["id"] == cfzones.zone_id("example.com", zone["account"]["id"])
    assert zone["account"]["name"] == cfzones.ACCOUNT_NAMES[zone["account"]["id"]]
    assert {"id", "name", "status", "paused", "type", "name_servers", "created_on", "modified_on", "owner", "plan",
            "meta", "permissions", "development_mode"} <= set(zone)


def test_account_id_filter_chooses_one(cf):
    body = cf.call("GET", "/zones", params={"name": "example.com", "account.id": cfemu.OTHER_ACCOUNT_ID}).json()
    assert listed_from(body) == [("example.com", cfemu.OTHER_ACCOUNT_ID)]
    body = cf.call("GET", "/zones", params={"account.id": cfemu.ACCOUNT_ID}).json()
    assert listed_from(body) == [("example.com", cfemu.ACCOUNT_ID), ("example.net", cfemu.ACCOUNT_ID)]


@pytest.mark.parametrize("name,expected", [
    ("EXAMPLE.NET", ["example.net"]),
    ("equal:example.net", ["example.net"]),
    ("contains:ample", ["example.com", "example.com", "example.net"]),
    ("ends_with:.net", ["example.net"]),
    ("starts_with:exa", ["example.com", "example.com", "example.net"]),
    ("not_equal:example.com", ["example.net"]),
    ("contains_case_sensitive:AMPLE", []),
    ("nothing.example", []),
])
def test_name_filter_operators(cf, name, expected):
    body = cf.call("GET", "/zones", params={"name": name}).json()
    assert sorted(z["name"] for z in body["result"]) == expected


def test_match_any_and_account_name(cf):
    params = {"name": "example.net", "account.name": "Other Account", "match": "any"}
    assert listed(cf.call("GET", "/zones", params=params)) == [
        ("example.com", cfemu.OTHER_ACCOUNT_ID), ("example.net", cfemu.ACCOUNT_ID)]
    params["match"] = "all"
    assert listed(cf.call("GET", "/zones", params=params)) == []


def test_paging_and_order(cf):
    seed_zones(cf, *[{"name": "z%02d.example" % i, "account_id": cfemu.OTHER_ACCOUNT_ID} for i in range(12)])
    first = cf.call("GET", "/zones", params={"per_page": 5, "name": "ends_with:.example"}).json()
    assert first["result_info"] == {"page": 1, "per_page": 5, "count": 5, "total_count": 12, "total_pages": 3}
    names = []
    for page in (1, 2, 3):
        params = {"per_page": 5, "page": page, "name": "ends_with:.example"}
        names += [z["name"] for z in cf.call("GET", "/zones", params=params).json()["result"]]
    assert names == ["z%02d.example" % i for i in range(12)]
    down = cf.call("GET", "/zones", params={"per_page": 50, "name": "ends_with:.example", "direction": "desc"}).json()
    assert [z["name"] for z in down["result"]] == names[::-1]
    assert cf.call("GET", "/zones", params={"per_page": 1000}).json()["result_info"]["per_page"] == 50


def test_user_token_without_zone_read_is_refused(cf):
    response = cf.call("GET", "/zones", token=cfemu.READONLY_API_TOKEN)
    assert response.status_code == 403 and response.json()["errors"][0]["code"] == 9109
    response = cf.call("GET", "/accounts", token=cfemu.READONLY_API_TOKEN)
    assert response.status_code == 403


def test_account_token_sees_its_account_only(cf):
    assert listed(cf.call("GET", "/zones", token=cfemu.ACCOUNT_API_TOKEN)) == [
        ("example.com", cfemu.ACCOUNT_ID), ("example.net", cfemu.ACCOUNT_ID)]
    assert listed(cf.call("GET", "/zones", token=cfemu.OTHER_ACCOUNT_API_TOKEN)) == [("example.com", cfemu.OTHER_ACCOUNT_ID)]
    accounts = cf.call("GET", "/accounts", token=cfemu.ACCOUNT_API_TOKEN).json()["result"]
    assert [a["id"] for a in accounts] == [cfemu.ACCOUNT_ID]


def test_zone_read_on_one_zone_lists_that_zone(cf):
    net = cfzones.zone_id("example.net", cfemu.ACCOUNT_ID)
    com = cfzones.zone_id("example.com", cfemu.ACCOUNT_ID)
    value = cf.seed(tokens=[{"name": "one-zone", "policies": [
        {"permission_groups": [{"name": "Zone Read"}], "resources": {"com.cloudflare.api.account.zone." + net: "*"}},
        {"permission_groups": [{"name": "Zone Read"}],
         "resources": {"com.cloudflare.api.account." + cfemu.ACCOUNT_ID: {"com.cloudflare.api.account.zone." + com: "*"}}},
        {"effect": "deny", "permission_groups": [{"name": "Zone Read"}],
         "resources": {"com.cloudflare.api.account.zone." + com: "*"}},
    ]}])[0]["value"]
    assert listed(cf.call("GET", "/zones", token=value)) == [("example.net", cfemu.ACCOUNT_ID)]
    # A zone the token cannot read is simply not listed (an empty answer, not an error).
    assert cf.call("GET", "/zones", token=value, params={"name": "example.com"}).json()["result"] == []


def test_dns_write_alone_does_not_list_zones(cf):
    value = cf.seed(tokens=[{"name": "dns-only", "policies": [{"permission_groups": [{"name": "DNS Write"}]}]}])[0]["value"]
    assert cf.call("GET", "/zones", token=value).status_code == 403


def test_global_key_sees_everything(cf):
    body = cf.call("GET", "/zones", token=None, headers=KEY_HEADERS).json()
    assert body["result_info"]["total_count"] == 3
    accounts = cf.call("GET", "/accounts", token=None, headers=KEY_HEADERS).json()
    assert [a["name"] for a in accounts["result"]] == ["Example Account", "Other Account"]


def test_accounts_name_filter(cf):
    body = cf.call("GET", "/accounts", params={"name": "other account"}).json()
    assert [a["id"] for a in body["result"]] == [cfemu.OTHER_ACCOUNT_ID]
    assert body["result_info"]["total_count"] == 1
    assert set(body["result"][0]) >= {"id", "name", "type", "settings", "created_on"}
    assert cf.call("GET", "/accounts", params={"name": "Nobody"}).json()["result"] == []


def test_authentication_is_the_token_endpoints_own(cf):
    response = cf.call("GET", "/zones", token=None)
    assert response.status_code == 401 and response.json()["errors"][0]["code"] == 9106
    response = cf.call("GET", "/accounts", token="not-a-token")
    assert response.status_code == 401 and response.json()["errors"][0]["code"] == 1000
    response = cf.call("POST", "/zones", json={"name": "new.example"})
    assert response.status_code == 405


def test_faults_and_request_log_apply(cf, emu):
    cf.faults({"path": "^/zones$", "action": "status", "status": 429, "times": 1})
    response = cf.call("GET", "/zones", params={"name": "example.net"}, check=False)
    assert response.status_code == 429 and response.json()["errors"][0]["code"] == 971
    assert cf.call("GET", "/zones", params={"name": "example.net"}).status_code == 200
    zone_calls = [e for e in emu.requests() if e["path"] == "/zones"]
    assert [(e["status"], e["query"], e["fault"]) for e in zone_calls] == [
        (429, {"name": "example.net"}, "status"), (200, {"name": "example.net"}, None)]


def test_admin_seeding_is_all_or_nothing_and_reset(cf, emu):
    added = cf.admin("POST", "/accounts", json={"accounts": [{"name": "Third Account", "id": "3" * 32}]})
    assert added.status_code == 200 and added.json()["accounts"][0]["id"] == "3" * 32
    zone = seed_zones(cf, {"name": "third.example", "account_id": "3" * 32})[0]
    assert zone["account"] == {"id": "3" * 32, "name": "Third Account"}
    refused = cf.admin("POST", "/zones", json={"zones": [{"name": "fine.example"}, {"name": "example.net"}]})
    assert refused.status_code == 400 and "already exists" in refused.json()["error"]
    assert cf.call("GET", "/zones", params={"name": "fine.example"}).json()["result"] == []
    for bad in ({"zones": [{"name": "Not A Domain"}]}, {"zones": [{"name": "a.example", "account_id": "f" * 32}]},
                {"zones": []}, {"zones": [{"name": "b.example", "id": "xyz"}]}):
        assert cf.admin("POST", "/zones", json=bad).status_code == 400
    assert len(cf.admin("GET", "/zones").json()["zones"]) == 4
    emu.reset()
    assert len(cf.admin("GET", "/zones").json()["zones"]) == 3
    assert [a["name"] for a in cf.admin("GET", "/accounts").json()["accounts"]] == ["Example Account", "Other Account"]


def test_empty_seed_has_accounts_but_no_zones():
    with cfemu.Emulator(seed="empty") as emu:
        headers = {"Authorization": "Bearer " + cfemu.USER_API_TOKEN}
        assert requests.get(emu.base_url + "/zones", headers=headers, timeout=10).json()["result"] == []
        assert len(requests.get(emu.base_url + "/accounts", headers=headers, timeout=10).json()["result"]) == 2
