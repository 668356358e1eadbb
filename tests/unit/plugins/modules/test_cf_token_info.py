# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

import datetime
import hashlib

import pytest

from ansible_collections.tokenops.cloudflare.plugins.module_utils.cloudflare_api import CloudflareAuthError
from ansible_collections.tokenops.cloudflare.plugins.module_utils.token_model import InvalidToken
from ansible_collections.tokenops.cloudflare.plugins.modules import cf_token_info

NOW = datetime.datetime(2026, 11, 23, 12, 0, tzinfo=datetime.timezone.utc)
SECRET = "s3cr3t-value-that-must-never-leak-0123456789"


def token(name, status="active", expires_on=None, last_used_on=None, **extra):
    item = {
        "id": hashlib.md5(name.encode()).hexdigest(),
        "name": name,
        "status": status,
        "issued_on": "2025-01-01T00:00:00.000000Z",
        "modified_on": "2025-01-01T00:00:00.000000Z",
        "last_used_on": last_used_on,
        "policies": [],
        "condition": {},
    }
    if expires_on is not None:
        item["expires_on"] = expires_on
    item.update(extra)
    return item


TOKENS = [
    token("forever-recent", last_used_on="2026-11-22T12:00:00.123456Z"),
    token("forever-never-used"),
    token("soon", expires_on="2026-11-26T12:00:00Z", last_used_on="2026-11-23T11:00:00Z"),
    token("later", expires_on="2027-06-01T00:00:00+00:00", last_used_on="2026-01-01T00:00:00.5Z"),
    token("gone", status="expired", expires_on="2026-11-01T00:00:00Z", last_used_on="2026-10-31T00:00:00Z"),
    # Reported active although its expiry has passed: still counts as expired.
    token("stale-active", expires_on="2026-11-20T00:00:00.000Z", last_used_on="2026-11-19T00:00:00Z"),
    token("off", status="disabled", expires_on="2026-12-01T00:00:00Z", last_used_on="2026-05-01T00:00:00Z"),
]


def params(**overrides):
    base = dict(name=None, status=None, expires_within=None, unused_for=None, min_age=None, never_expires=None)
    base.update(overrides)
    return base


def names(**overrides):
    return [t["name"] for t in cf_token_info.select(TOKENS, cf_token_info.build_filters(params(**overrides)), NOW)]


def test_no_filter_returns_everything_in_api_order():
    assert names() == [t["name"] for t in TOKENS]


def test_name_is_exact():
    assert names(name="soon") == ["soon"]
    assert names(name="Soon") == []
    assert names(name="so") == []


def test_status_uses_effective_status():
    assert names(status=["expired"]) == ["gone", "stale-active"]
    assert names(status=["active"]) == ["forever-recent", "forever-never-used", "soon", "later"]
    assert names(status=["disabled"]) == ["off"]
    assert names(status=["active", "disabled"]) == ["forever-recent", "forever-never-used", "soon", "later", "off"]


def test_expires_within_includes_expired_tokens_when_status_allows():
    assert names(expires_within="14d") == ["soon", "gone", "stale-active", "off"]
    assert names(expires_within="14d", status=["expired", "active"]) == ["soon", "gone", "stale-active"]


def test_expires_within_excludes_expired_tokens_when_status_rules_them_out():
    assert names(expires_within="14d", status=["active"]) == ["soon"]
    assert names(expires_within="14d", status=["active", "disabled"]) == ["soon", "off"]


def test_expires_within_boundaries():
    assert names(expires_within="3d", status=["active"]) == ["soon"]
    assert names(expires_within="2d", status=["active"]) == []
    assert names(expires_within="72h", status=["active"]) == ["soon"]
    assert names(expires_within="1w", status=["active"]) == ["soon"]


def test_unused_for_includes_never_used_tokens():
    assert names(unused_for="90d") == ["forever-never-used", "later", "off"]
    assert names(unused_for="1d") == ["forever-never-used", "later", "gone", "stale-active", "off"]
    assert names(unused_for="12h") == ["forever-recent", "forever-never-used", "later", "gone", "stale-active", "off"]


def test_never_expires():
    assert names(never_expires=True) == ["forever-recent", "forever-never-used"]
    assert names(never_expires=False) == ["soon", "later", "gone", "stale-active", "off"]


def test_filters_combine_with_and():
    assert names(unused_for="90d", never_expires=True) == ["forever-never-used"]
    assert names(unused_for="90d", status=["active"], never_expires=False) == ["later"]
    assert names(expires_within="14d", unused_for="90d") == ["off"]
    assert names(name="soon", never_expires=True) == []


def test_result_has_no_secret_and_expires_in_days():
    leaky = [dict(TOKENS[2], value=SECRET), TOKENS[0]]
    result = cf_token_info.select(leaky, cf_token_info.build_filters(params()), NOW)
    assert all("value" not in t for t in result)
    assert result[0]["expires_in_days"] == 3.0
    assert result[1]["expires_in_days"] is None
    # Everything else is passed through as the API gave it.
    assert dict((k, v) for k, v in result[0].items() if k not in ("expires_in_days", "unused_days", "age_days")) == TOKENS[2]


def test_declarations_only_on_request():
    leaky = [dict(TOKENS[2], value=SECRET)]
    filters = cf_token_info.build_filters(params())
    assert "declaration" not in cf_token_info.select(leaky, filters, NOW)[0]
    declared = cf_token_info.select(leaky, filters, NOW, declarations=True)[0]["declaration"]
    assert declared["name"] == TOKENS[2]["name"] and declared["id"] == TOKENS[2]["id"] and "value" not in declared


@pytest.mark.parametrize("option", ["expires_within", "unused_for", "min_age"])
@pytest.mark.parametrize("value", ["soon", "30x", "-1d", "", "d30"])
def test_bad_durations_name_the_option(option, value):
    with pytest.raises(InvalidToken, match=option):
        cf_token_info.build_filters(params(**{option: value}))


def test_verification_keeps_only_documented_keys():
    assert cf_token_info.verification({"id": "a" * 32, "status": "active", "expires_on": "2027-01-01T00:00:00Z", "extra": 1}) == {
        "id": "a" * 32, "status": "active", "not_before": None, "expires_on": "2027-01-01T00:00:00Z"}


# ------------------------------------------------------------------ main()
@pytest.fixture
def fake(cloudflare, monkeypatch):
    """The API lists every token of TOKENS with its secret in the answer; SECRET authenticates as token "b" * 32."""
    cloudflare.tokens = [dict(t, value=SECRET) for t in TOKENS]
    cloudflare.values = {"b" * 32: SECRET}
    monkeypatch.setattr(cf_token_info, "utcnow", lambda: NOW)
    return cloudflare


@pytest.fixture
def run_main(fake_client, cloudflare):
    """Run cf_token_info with ``args`` (authenticated with SECRET): its result, checked for SECRET."""

    def run(**args):
        args.setdefault("api_token", SECRET)
        result, _failed, _cloudflare = fake_client(cf_token_info, args)
        assert SECRET not in cloudflare.stdout
        return result

    return run


def test_main_lists_once_with_expired_tokens(fake, run_main):
    result = run_main()
    assert result["changed"] is False
    assert result["count"] == len(TOKENS)
    assert "verification" not in result
    assert fake.calls == [("list_tokens", None, True)]


def test_main_declarations_name_zones_with_one_zone_listing(fake, run_main, monkeypatch):
    zone_id = "d" * 32
    monkeypatch.setattr(fake, "tokens", [dict(TOKENS[0], policies=[{
        "id": "e" * 32, "effect": "allow", "permission_groups": [{"id": "f" * 32, "name": "Zone Read"}],
        "resources": {"com.cloudflare.api.account.zone." + zone_id: "*"}}])])
    fake.zones = [{"id": zone_id, "name": "example.com", "account": {"id": "c" * 32}}]
    plain = run_main()
    assert "declaration" not in plain["tokens"][0]
    assert fake.calls == [("list_tokens", None, True)]
    declared = run_main(declarations=True)["tokens"][0]["declaration"]
    assert declared["policies"][0]["zones"] == ["example.com"]
    assert [call[0] for call in fake.calls] == ["list_tokens", "list_zones"]


def test_main_account_scope_and_filters(fake, run_main):
    result = run_main(account_id="c" * 32, expires_within="14d", status=["active"])
    assert [t["name"] for t in result["tokens"]] == ["soon"]
    assert result["tokens"][0]["expires_in_days"] == 3.0
    assert fake.calls == [("list_tokens", "c" * 32, True)]


def test_main_by_id_is_one_get(fake, run_main):
    result = run_main(id=TOKENS[2]["id"])
    assert [t["name"] for t in result["tokens"]] == ["soon"]
    assert fake.calls == [("get_token", TOKENS[2]["id"], None)]


def test_main_unknown_id_is_empty(fake, run_main):
    result = run_main(id="0" * 32)
    assert result["tokens"] == [] and result["count"] == 0
    assert "failed" not in result


def test_main_verify_adds_one_call(fake, run_main):
    result = run_main(verify=True, status=["active"], account_id="c" * 32)
    assert result["verification"] == {"id": "b" * 32, "status": "active", "not_before": None, "expires_on": None}
    assert fake.calls == [("list_tokens", "c" * 32, True), ("verify_token", "c" * 32)]


def test_main_verify_alone_only_verifies(fake, run_main):
    result = run_main(verify=True)
    assert result["verification"]["id"] == "b" * 32
    assert result["tokens"] == [] and result["count"] == 0
    assert fake.calls == [("verify_token", None)]


@pytest.mark.parametrize("args,option", [
    (dict(id="NOT-AN-ID"), "id"),
    (dict(id="A" * 32), "id"),
    (dict(expires_within="soon"), "expires_within"),
    (dict(unused_for="90 days"), "unused_for"),
    (dict(status=["exposed"]), "status"),
    (dict(min_age="an hour"), "min_age"),
])
def test_main_bad_input_fails_without_a_call(fake, run_main, args, option):
    result = run_main(**args)
    assert result["failed"] is True
    assert option in result["msg"]
    assert fake.calls == []


def test_main_verify_needs_an_api_token(fake, run_main):
    result = run_main(api_token=None, api_email="ops@example.com", api_key=SECRET, verify=True)
    assert result["failed"] is True and "verify" in result["msg"]
    assert fake.calls == []


def test_main_auth_error_is_a_clean_failure(fake, run_main):
    fake.fail("list_tokens", CloudflareAuthError("Authentication failed: Cloudflare rejected the credentials.", "GET", "/user/tokens", 401))
    result = run_main()
    assert result["failed"] is True
    assert "Authentication failed" in result["msg"]


def test_unused_days_lets_one_listing_serve_every_audit_condition():
    assert cf_token_info.unused_days({"last_used_on": "2026-11-20T12:00:00Z"}, NOW) == 3.0
    assert cf_token_info.unused_days({"last_used_on": None}, NOW) is None


def test_revoked_selects_every_status_beginning_with_revoked():
    tokens = TOKENS + [token("leaked", status="revoked (exposed)"), token("plain-revoked", status="revoked")]
    chosen = cf_token_info.select(tokens, cf_token_info.build_filters(params(status=["revoked"])), NOW)
    assert [t["name"] for t in chosen] == ["leaked", "plain-revoked"]
    assert chosen[0]["status"] == "revoked (exposed)"
    both = cf_token_info.select(tokens, cf_token_info.build_filters(params(status=["active", "revoked"])), NOW)
    assert "leaked" in [t["name"] for t in both] and "off" not in [t["name"] for t in both]
    assert "leaked" not in [t["name"] for t in cf_token_info.select(tokens, cf_token_info.build_filters(params(status=["active"])), NOW)]


def test_min_age_keeps_a_token_issued_minutes_ago_out_of_unused_for():
    fresh = token("fresh", issued_on="2026-11-23T11:55:00Z")
    filters = cf_token_info.build_filters(params(unused_for="90d", min_age="1d"))
    chosen = [t["name"] for t in cf_token_info.select(TOKENS + [fresh], filters, NOW)]
    assert "fresh" not in chosen and "forever-never-used" in chosen
    assert "fresh" in [t["name"] for t in cf_token_info.select(TOKENS + [fresh], cf_token_info.build_filters(params(unused_for="90d")), NOW)]
    # Without an issue date a token is kept: an audit must not lose it.
    undated = token("undated", issued_on=None)
    assert "undated" in [t["name"] for t in cf_token_info.select([undated], filters, NOW)]


def test_age_days_and_unused_days_are_never_negative_zero():
    ahead = token("ahead", issued_on="2026-11-23T12:00:01Z", last_used_on="2026-11-23T12:00:01Z")
    shown = cf_token_info.select([ahead], cf_token_info.build_filters(params()), NOW)[0]
    assert shown["unused_days"] == 0.0 and str(shown["unused_days"]) == "0.0"
    assert str(shown["age_days"]) == "0.0"
    assert cf_token_info.age_days(TOKENS[0], NOW) == 691.5


def test_an_unreadable_token_is_kept_raw_and_reported():
    odd = token("odd", expires_on="next tuesday", condition={"request.ip": {"in": ["192.0.2.0/24"]}})
    problems = []
    shown = cf_token_info.select(TOKENS[:1] + [odd], cf_token_info.build_filters(params()), NOW, problems)
    assert [t["name"] for t in shown] == ["forever-recent", "odd"]
    assert shown[1]["expires_on"] == "next tuesday" and shown[1]["condition"] == odd["condition"]
    assert shown[1]["expires_in_days"] is None and shown[1]["unused_days"] is None and shown[1]["age_days"] is None
    assert problems and problems[0][0]["name"] == "odd" and "expires_on" in problems[0][1]
    # Date filters cannot judge it: it is skipped, not guessed.
    assert cf_token_info.select([odd], cf_token_info.build_filters(params(never_expires=True)), NOW) == []


def test_main_warns_about_an_unreadable_token_instead_of_failing(fake, run_main, monkeypatch):
    monkeypatch.setattr(fake, "tokens", TOKENS[:1] + [token("odd", last_used_on="yesterday-ish")])
    result = run_main()
    assert "failed" not in result and result["count"] == 2
    assert any("odd" in str(w) and "cannot read" in str(w) for w in result["warnings"]), result.get("warnings")
