# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Listing: pagination, ordering, the include_expired quirk; and the permission group catalog."""

import datetime

import pytest

import cfemu


def test_pagination_of_120_tokens(cf):
    cf.seed(count=120, name_prefix="bulk-")
    # The seeded credentials (tokenops-admin, tokenops-readonly) and the default samples are listed too.
    baseline = cf.user("GET", params={"per_page": 50}).json()["result_info"]["total_count"]
    assert baseline >= 120
    names = []
    for page in (1, 2, 3):
        body = cf.user("GET", params={"page": page, "per_page": 50}).json()
        info = body["result_info"]
        assert info["page"] == page and info["per_page"] == 50 and info["total_pages"] == 3
        assert info["total_count"] == baseline and info["count"] == len(body["result"])
        names += [t["name"] for t in body["result"]]
    assert len(names) == baseline
    assert baseline == len([t for t in cf.stored() if t["status"] != "expired"])
    bulk = [n for n in names if n.startswith("bulk-")]
    assert bulk == ["bulk-%03d" % i for i in range(1, 121)]
    past = cf.user("GET", params={"page": 9, "per_page": 50}).json()
    assert past["result"] == []
    assert past["result_info"] == {"page": 9, "per_page": 50, "count": 0, "total_count": baseline, "total_pages": 3}


def test_pagination_exact_with_empty_seed(cf):
    with cfemu.Emulator(seed="empty") as emu:
        helper = type(cf)(emu)
        try:
            helper.seed(count=118)
            info = helper.user("GET", params={"per_page": 50, "page": 3}).json()["result_info"]
            assert info == {"page": 3, "per_page": 50, "count": 20, "total_count": 120, "total_pages": 3}
        finally:
            helper.close()


@pytest.mark.parametrize("asked,used", [("1", 5), ("4", 5), ("5", 5), ("50", 50), ("51", 50), ("1000", 50), ("abc", 20), (None, 20)])
def test_per_page_is_clamped(cf, asked, used):
    cf.seed(count=60)
    params = {} if asked is None else {"per_page": asked}
    body = cf.user("GET", params=params).json()
    assert body["result_info"]["per_page"] == used and len(body["result"]) == used


def test_page_below_one_means_first(cf):
    assert cf.user("GET", params={"page": 0}).json()["result_info"]["page"] == 1


def test_direction(cf):
    cf.seed(count=6, name_prefix="d-")
    ascending = [t["id"] for t in cf.user("GET", params={"per_page": 50}).json()["result"]]
    descending = [t["id"] for t in cf.user("GET", params={"per_page": 50, "direction": "desc"}).json()["result"]]
    assert descending == ascending[::-1]
    issued = [t["issued_on"] for t in cf.user("GET", params={"per_page": 50}).json()["result"]]
    assert issued == sorted(issued)


def _ago(days):
    return (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _names(cf, scope="user", **params):
    params.setdefault("per_page", 50)
    if scope == "user":
        return [t["name"] for t in cf.user("GET", params=params).json()["result"]]
    return [t["name"] for t in cf.account("GET", params=params).json()["result"]]


EXPIRED_SPECS = [{"name": "expired-recently", "expires_on": _ago(3)},
                 {"name": "expired-29-days", "expires_on": _ago(29)},
                 {"name": "expired-31-days", "expires_on": _ago(31)},
                 {"name": "expired-long-ago", "expires_on": "2021-01-01T00:00:00Z"},
                 {"name": "status-expired-now", "status": "expired"},
                 {"name": "status-expired-old", "status": "expired", "modified_on": "2021-01-01T00:00:00Z"},
                 {"name": "still-valid", "expires_on": "2099-01-01T00:00:00Z"}]


@pytest.mark.parametrize("scope", ["user", "account"])
def test_expired_tokens_hidden_unless_asked(cf, scope):
    cf.seed("user" if scope == "user" else "account:" + cfemu.ACCOUNT_ID, tokens=EXPIRED_SPECS)
    default = _names(cf, scope)
    assert "still-valid" in default and not [n for n in default if "expired" in n]
    assert _names(cf, scope, include_expired="false") == default
    listed = _names(cf, scope, include_expired="true")
    # "recently-expired" (2026 spec): within the default window of 30 days, by expires_on, else by the last change.
    assert sorted(set(listed) - set(default)) == sorted(
        ["expired-recently", "expired-29-days", "status-expired-now", "old-expired" if scope == "user" else "expired-account-token"])
    # The API still answers for each of them by id.
    for token in cf.stored("user" if scope == "user" else "account:" + cfemu.ACCOUNT_ID):
        path = "/" + token["id"]
        found = cf.user("GET", path) if scope == "user" else cf.account("GET", path)
        assert found.status_code == 200 and found.json()["result"]["name"] == token["name"]


def test_expired_window_is_settable(cf):
    cf.seed(tokens=EXPIRED_SPECS)
    cf.configure(expired_window_days=2)
    assert sorted(n for n in _names(cf, include_expired="true") if "expired" in n) == ["status-expired-now"]
    cf.configure(expired_window_days=None)
    every = [n for n in _names(cf, include_expired="true") if "expired" in n]
    assert sorted(every) == sorted([s["name"] for s in EXPIRED_SPECS if "expired" in s["name"]] + ["old-expired"])
    cf.configure(expired_window_days=0)
    assert sorted(n for n in _names(cf, include_expired="true") if "expired" in n) == []
    # The total count follows the same rule as the pages.
    cf.configure(expired_window_days=30)
    body = cf.user("GET", params={"per_page": 5, "include_expired": "true"}).json()
    assert body["result_info"]["total_count"] == len(_names(cf, include_expired="true"))


def test_revoked_tokens_are_listed(cf):
    cf.seed(tokens=[{"name": "leaked", "status": "revoked (exposed)"},
                    {"name": "leaked-and-expired", "status": "revoked (exposed)", "expires_on": "2021-01-01T00:00:00Z"}])
    for params in ({}, {"include_expired": "true"}):
        listed = dict((t["name"], t["status"]) for t in cf.user("GET", params=dict(params, per_page=50)).json()["result"])
        assert listed["leaked"] == listed["leaked-and-expired"] == "revoked (exposed)"


def test_unknown_query_params_ignored(cf):
    assert cf.user("GET", params={"bogus": "1", "name": "x"}).status_code == 200


def test_permission_groups_catalog(cf):
    body = cf.user("GET", "/permission_groups").json()
    groups = body["result"]
    assert len(groups) == len(cfemu.PERMISSION_GROUPS) >= 40
    assert body["result_info"]["total_pages"] == 1 and body["result_info"]["count"] == len(groups)
    for group in groups:
        assert set(group) == {"id", "name", "scopes", "category"}
        assert group["id"] == cfemu.group_id(group["scopes"][0], group["name"])
    names = set((g["scopes"][0], g["name"]) for g in groups)
    for name in ("DNS Read", "DNS Write", "Zone Read", "Zone Write", "Zone Settings Read", "Zone Settings Write", "Cache Purge",
                 "Page Rules Write", "Firewall Services Write", "SSL and Certificates Write", "Workers Routes Write",
                 "Analytics Read", "Logs Read"):
        assert (cfemu.SCOPE_ZONE, name) in names
    for name in ("Account Settings Read", "Account Settings Write", "Workers Scripts Read", "Workers Scripts Write",
                 "Workers KV Storage Read", "Workers KV Storage Write", "Billing Read", "Load Balancing: Monitors and Pools Read",
                 "Load Balancing: Monitors and Pools Write", "Account API Tokens Read", "Account API Tokens Write",
                 "Analytics Read", "Logs Read"):
        assert (cfemu.SCOPE_ACCOUNT, name) in names
    for name in ("API Tokens Read", "API Tokens Write", "User Details Read", "Memberships Read"):
        assert (cfemu.SCOPE_USER, name) in names
    for name in ("Workers R2 Storage Bucket Item Read", "Workers R2 Storage Bucket Item Write"):
        assert (cfemu.SCOPE_R2, name) in names


def test_permission_group_filters(cf):
    both = cf.user("GET", "/permission_groups", params={"name": "Analytics Read"}).json()["result"]
    assert sorted(g["scopes"][0] for g in both) == sorted([cfemu.SCOPE_ACCOUNT, cfemu.SCOPE_ZONE])
    zone = cf.user("GET", "/permission_groups", params={"name": "Analytics Read", "scope": cfemu.SCOPE_ZONE}).json()["result"]
    assert [g["id"] for g in zone] == [cfemu.group_id(cfemu.SCOPE_ZONE, "Analytics Read")]
    user_only = cf.user("GET", "/permission_groups", params={"scope": cfemu.SCOPE_USER}).json()["result"]
    assert user_only and all(g["scopes"] == [cfemu.SCOPE_USER] for g in user_only)
    assert cf.user("GET", "/permission_groups", params={"name": "No Such Group"}).json()["result"] == []


def test_account_permission_groups_exclude_user_scope(cf):
    groups = cf.account("GET", "/permission_groups").json()["result"]
    assert groups and all(cfemu.SCOPE_USER not in g["scopes"] for g in groups)
    assert cf.account("GET", "/permission_groups", params={"name": "API Tokens Write"}).json()["result"] == []
