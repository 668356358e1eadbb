# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Token quotas: 50 user-owned tokens, 500 account-owned tokens per account; seeding is not limited."""

import pytest

import cfemu

ACCOUNT_STORE = "account:" + cfemu.ACCOUNT_ID


def fill(cf, scope, total, **extra):
    """Seed plain tokens until the store holds ``total`` tokens."""
    missing = total - len(cf.stored(scope))
    if missing > 0:
        cf.seed(scope, count=missing, **extra)
    assert len(cf.stored(scope)) == total


def quota_error(response, owner, quota):
    assert response.status_code == 400
    assert response.json()["errors"] == [{"code": 1001, "message": "Quota exceeded: a %s can own at most %d API tokens" % (owner, quota)}]


def test_user_quota_is_50_by_default(cf):
    assert cf.admin("GET", "/settings").json()["settings"]["user_token_quota"] == 50
    fill(cf, "user", 49)
    assert cf.user("POST", json=cf.token_body("fiftieth")).status_code == 200
    before = [t["id"] for t in cf.stored()]
    quota_error(cf.user("POST", json=cf.token_body("fifty-first")), "user", 50)
    assert [t["id"] for t in cf.stored()] == before
    # Deleting one makes room again.
    victim = [t for t in cf.stored() if t["name"] == "fiftieth"][0]
    assert cf.user("DELETE", "/" + victim["id"]).status_code == 200
    assert cf.user("POST", json=cf.token_body("fiftieth-again")).status_code == 200


def test_account_quota_is_500_per_account(cf):
    assert cf.admin("GET", "/settings").json()["settings"]["account_token_quota"] == 500
    fill(cf, ACCOUNT_STORE, 500)
    quota_error(cf.account("POST", json=cf.token_body("one-too-many")), "account", 500)
    assert len(cf.stored(ACCOUNT_STORE)) == 500
    # The quota is per account, and the user store has its own.
    other = cf.account("POST", account_id=cfemu.OTHER_ACCOUNT_ID, token=cfemu.OTHER_ACCOUNT_API_TOKEN, json=cf.token_body("other"))
    assert other.status_code == 200
    assert cf.user("POST", json=cf.token_body("user-side")).status_code == 200
    # The global key is held to the same quota.
    keyed = cf.account("POST", token=None, headers={"X-Auth-Email": cfemu.API_EMAIL, "X-Auth-Key": cfemu.API_KEY},
                       json=cf.token_body("by-key"))
    quota_error(keyed, "account", 500)


def test_seeding_ignores_the_quota_and_counts_for_it(cf):
    # Expired and disabled tokens take room too.
    cf.seed(tokens=[{"name": "gone", "expires_on": "2021-01-01T00:00:00Z"}, {"name": "off", "status": "disabled"}])
    fill(cf, "user", 60)
    quota_error(cf.user("POST", json=cf.token_body("more")), "user", 50)
    assert len(cf.stored()) == 60


@pytest.mark.parametrize("scope", ["user", "account"])
def test_quotas_are_settable(cf, scope):
    store = "user" if scope == "user" else ACCOUNT_STORE
    key = "user_token_quota" if scope == "user" else "account_token_quota"
    create = cf.user if scope == "user" else cf.account
    present = len(cf.stored(store))
    cf.configure(**{key: present + 1})
    assert create("POST", json=cf.token_body("last-one")).status_code == 200
    quota_error(create("POST", json=cf.token_body("no-room")), scope, present + 1)
    cf.configure(**{key: None})
    fill(cf, store, 520)
    assert create("POST", json=cf.token_body("unlimited")).status_code == 200
    cf.admin("POST", "/reset")
    assert cf.admin("GET", "/settings").json()["settings"][key] == (50 if scope == "user" else 500)
