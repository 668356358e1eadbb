# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

import datetime

import pytest

from ansible_collections.tokenops.cloudflare.plugins.module_utils import token_model as tm

ZONE = "com.cloudflare.api.account.zone.*"
ACCOUNT = "com.cloudflare.api.account.a1b2c3d4e5f60718293a4b5c6d7e8f90"
CATALOG = [
    {"id": "1" * 32, "name": "DNS Write", "scopes": [tm.SCOPE_ZONE]},
    {"id": "2" * 32, "name": "Zone Read", "scopes": [tm.SCOPE_ZONE]},
    {"id": "3" * 32, "name": "Analytics Read", "scopes": [tm.SCOPE_ZONE]},
    {"id": "4" * 32, "name": "Analytics Read", "scopes": [tm.SCOPE_ACCOUNT]},
    {"id": "5" * 32, "name": "Workers Scripts Write", "scopes": [tm.SCOPE_ACCOUNT]},
    {"id": "6" * 32, "name": "Logs Read", "scopes": [tm.SCOPE_ZONE]},
    {"id": "7" * 32, "name": "Logs Read", "scopes": [tm.SCOPE_ACCOUNT]},
]
NOW = datetime.datetime(2026, 11, 23, 12, 0, tzinfo=datetime.timezone.utc)


class CountingLister:
    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return CATALOG


def groups():
    return tm.PermissionGroups(CountingLister())


@pytest.mark.parametrize("text", [
    "2027-01-01T00:00:00Z",
    "2027-01-01T00:00:00+00:00",
    "2027-01-01T00:00:00.000000Z",
    "2027-01-01T00:00:00.5Z",
    "2027-01-01T01:00:00+01:00",
    "2027-01-01 00:00:00",
    "2027-01-01",
    "2026-12-31T19:00:00-05:00",
    "2027-01-01T00:00:00.123456789Z",
])
def test_datetimes_compare_as_instants(text):
    assert tm.canonical_datetime(text) == "2027-01-01T00:00:00Z"


@pytest.mark.parametrize("text", ["tomorrow", "2027-13-01T00:00:00Z", "2027-01-01T25:00:00Z", 12])
def test_bad_datetimes_name_the_option(text):
    with pytest.raises(tm.InvalidToken, match="expires_on"):
        tm.canonical_datetime(text, "expires_on")


@pytest.mark.parametrize("text,seconds", [("30d", 2592000), ("12h", 43200), ("2w", 1209600), ("1d12h", 129600), ("90", 90), ("15m", 900)])
def test_durations(text, seconds):
    assert tm.parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "d30", "30x", "1d 2", "-5d"])
def test_bad_durations(text):
    with pytest.raises(tm.InvalidToken, match="unused_for"):
        tm.parse_duration(text, "unused_for")


def test_condition_cidrs_are_normalized_sorted_and_deduplicated():
    condition = {"request_ip": {"in": ["2001:db8::1/32", "192.0.2.7/24", "10.0.0.0/8", "192.0.2.0/24"], "not_in": []}}
    assert tm.normalize_condition(condition) == {"request_ip": {"in": ["10.0.0.0/8", "192.0.2.0/24", "2001:db8::/32"]}}


@pytest.mark.parametrize("cidr", ["300.1.1.1/24", "192.0.2.0/33", "2001:db8::/129", "not-an-ip"])
def test_bad_cidr(cidr):
    with pytest.raises(tm.InvalidToken, match="condition.request_ip.in"):
        tm.normalize_condition({"request_ip": {"in": [cidr]}})


def test_empty_condition_is_no_condition():
    assert tm.normalize_condition({}) == {}
    assert tm.normalize_condition({"request_ip": {"in": [], "not_in": []}}) == {}


@pytest.mark.parametrize("resources", [
    {},
    {"com.cloudflare.api.zone.abc": "*"},
    {ZONE: "read"},
    {ACCOUNT: {ZONE: {ZONE: "*"}}},
    "com.cloudflare.api.account.zone.*",
])
def test_bad_resources(resources):
    with pytest.raises(tm.InvalidToken, match="resources"):
        tm.normalize_resources(resources)


def test_resource_scopes_follow_innermost_keys():
    assert tm.resource_scopes({ACCOUNT: {ZONE: "*"}}) == {tm.SCOPE_ZONE}
    assert tm.resource_scopes({ACCOUNT: "*"}) == {tm.SCOPE_ACCOUNT}


def test_names_resolve_and_catalog_is_read_once():
    lister = CountingLister()
    pg = tm.PermissionGroups(lister)
    policies = [
        {"permission_groups": ["DNS Write", {"name": "Zone Read"}], "resources": {ZONE: "*"}},
        {"permission_groups": ["Analytics Read"], "resources": {ACCOUNT: "*"}},
    ]
    result = tm.normalize_policies(policies, pg)
    assert lister.calls == 1
    ids = sorted(g for p in result for g in p["permission_groups"])
    assert ids == ["1" * 32, "2" * 32, "4" * 32]


def test_ids_need_no_catalog():
    lister = CountingLister()
    tm.normalize_policies([{"permission_groups": ["1" * 32, {"id": "2" * 32}], "resources": {ZONE: "*"}}], tm.PermissionGroups(lister))
    assert lister.calls == 0


def test_ambiguous_name_is_resolved_by_scope_or_refused():
    pg = groups()
    assert pg.resolve("Logs Read", {tm.SCOPE_ZONE}, "p") == "6" * 32
    assert pg.resolve("Logs Read", {tm.SCOPE_ACCOUNT}, "p") == "7" * 32
    with pytest.raises(tm.InvalidToken, match="ambiguous.*" + "6" * 32 + ".*" + "7" * 32):
        pg.resolve("Logs Read", {tm.SCOPE_USER}, "policies[0].permission_groups[0]")


def test_unknown_name_suggests_candidates():
    with pytest.raises(tm.InvalidToken, match=r"unknown permission group 'DNS'.*DNS Write"):
        groups().resolve("DNS", {tm.SCOPE_ZONE}, "policies[0].permission_groups[0]")


@pytest.mark.parametrize("policy,needle", [
    ({"effect": "maybe", "permission_groups": ["DNS Write"], "resources": {ZONE: "*"}}, "effect"),
    ({"permission_groups": [], "resources": {ZONE: "*"}}, "permission_groups"),
    ({"permission_groups": ["DNS Write"]}, "resources"),
    ({"permission_groups": [{"id": "xyz"}], "resources": {ZONE: "*"}}, "permission group id"),
    ({"permission_groups": ["DNS Write"], "resources": {ZONE: "*"}, "extra": 1}, "unknown key"),
])
def test_bad_policies(policy, needle):
    with pytest.raises(tm.InvalidToken, match=needle):
        tm.normalize_policies([policy], groups())


def api_token(**overrides):
    token = {
        "id": "a" * 32,
        "name": "ci",
        "status": "active",
        "issued_on": "2026-11-01T00:00:00.123456Z",
        "modified_on": "2026-11-01T00:00:00.123456Z",
        "expires_on": "2030-01-01T00:00:00Z",
        "policies": [
            {"id": "p2" + "0" * 30, "effect": "allow", "resources": {ACCOUNT: "*"},
             "permission_groups": [{"id": "5" * 32, "name": "Workers Scripts Write", "meta": {"key": "k", "value": "v"}}]},
            {"id": "p1" + "0" * 30, "effect": "allow", "resources": {"com.cloudflare.api.account.zone.b" + "0" * 31: "*", ZONE: "*"},
             "permission_groups": [{"id": "2" * 32, "name": "Zone Read"}, {"id": "1" * 32, "name": "DNS Write"}]},
        ],
        "condition": {"request_ip": {"in": ["2001:db8::/32", "192.0.2.0/24"]}},
    }
    token.update(overrides)
    return token


def declared(**overrides):
    params = {
        "name": "ci",
        "status": None,
        "policies": [
            {"effect": "allow", "permission_groups": ["DNS Write", "Zone Read"], "resources": {ZONE: "*", "com.cloudflare.api.account.zone.b" + "0" * 31: "*"}},
            {"permission_groups": [{"name": "Workers Scripts Write"}], "resources": {ACCOUNT: "*"}},
        ],
        "not_before": None,
        "expires_on": "2030-01-01T00:00:00+00:00",
        "condition": {"request_ip": {"in": ["192.0.2.9/24", "2001:db8::/32"]}},
    }
    params.update(overrides)
    return params


def test_reordered_api_echo_is_no_change():
    current = tm.canonical_token(api_token())
    desired = tm.desired_token(declared(), groups(), now=NOW)
    assert tm.differences(current, tm.merge(current, desired)) == []


def test_omitted_options_are_not_compared():
    current = tm.canonical_token(api_token())
    desired = tm.desired_token({"name": "ci"}, groups(), now=NOW)
    merged = tm.merge(current, desired)
    assert tm.differences(current, merged) == []
    assert merged["policies"] == current["policies"]


@pytest.mark.parametrize("override,field", [
    ({"name": "renamed"}, "name"),
    ({"status": "disabled"}, "status"),
    ({"expires_on": "2031-01-01T00:00:00Z"}, "expires_on"),
    ({"expires_on": ""}, "expires_on"),
    ({"not_before": "2027-01-01T00:00:00Z"}, "not_before"),
    ({"condition": {}}, "condition"),
    ({"policies": [{"permission_groups": ["DNS Write"], "resources": {ZONE: "*"}}]}, "policies"),
    ({"policies": [{"effect": "deny", "permission_groups": ["DNS Write", "Zone Read"],
                    "resources": {ZONE: "*", "com.cloudflare.api.account.zone.b" + "0" * 31: "*"}},
                   {"permission_groups": ["Workers Scripts Write"], "resources": {ACCOUNT: "*"}}]}, "policies"),
])
def test_each_real_change_is_detected(override, field):
    current = tm.canonical_token(api_token())
    desired = tm.desired_token(declared(**override), groups(), now=NOW)
    assert tm.differences(current, tm.merge(current, desired)) == [field]


def test_expired_status_is_not_fought():
    current = tm.canonical_token(api_token(status="expired"))
    merged = tm.merge(current, tm.desired_token({"name": "ci"}, groups(), now=NOW))
    assert tm.differences(current, merged) == []
    assert "status" not in tm.request_body(merged)


def test_update_body_carries_the_merged_full_object():
    current = tm.canonical_token(api_token())
    merged = tm.merge(current, tm.desired_token({"name": "ci", "status": "disabled"}, groups(), now=NOW))
    body = tm.request_body(merged)
    assert body["status"] == "disabled"
    assert body["expires_on"] == "2030-01-01T00:00:00Z"
    assert body["condition"] == {"request_ip": {"in": ["192.0.2.0/24", "2001:db8::/32"]}}
    assert sorted(g["id"] for p in body["policies"] for g in p["permission_groups"]) == ["1" * 32, "2" * 32, "5" * 32]
    assert all(set(p) == {"effect", "permission_groups", "resources"} for p in body["policies"])


@pytest.mark.parametrize("override,needle", [
    ({"expires_on": "2029-01-01T00:00:00Z", "not_before": "2029-06-01T00:00:00Z"}, "after not_before"),
    ({"name": ""}, "name must be a non-empty"),
    ({"name": "x" * 121}, "121 characters"),
])
def test_invalid_declarations(override, needle):
    with pytest.raises(tm.InvalidToken, match=needle):
        tm.desired_token(declared(**override), groups(), now=NOW)


def test_display_shows_groups_by_name_and_id_without_secrets():
    token = api_token(value="must-not-leak")
    shown = tm.display(tm.canonical_token(token), tm.group_names(token))
    assert "must-not-leak" not in repr(shown)
    groups_shown = [g for p in shown["policies"] for g in p["permission_groups"]]
    assert {"id": "1" * 32, "name": "DNS Write"} in groups_shown
    assert "value" not in tm.public_token(token)


def test_expires_in_days():
    assert tm.expires_in_days({"expires_on": "2026-11-30T12:00:00Z"}, now=NOW) == 7.0
    assert tm.expires_in_days({"expires_on": None}, now=NOW) is None


def echoed(*groups):
    """A token as the API returns it: its groups carry their scope in meta."""
    return {"policies": [{"permission_groups": [dict(id=g["id"], name=g["name"], meta={"key": "scopes", "value": g["scopes"][0]})
                                                for g in groups], "resources": {ZONE: "*"}}]}


def test_names_of_the_current_token_need_no_catalog():
    lister = CountingLister()
    groups = tm.PermissionGroups(lister, known=tm.token_groups(echoed(CATALOG[2], CATALOG[1])))
    policies = tm.normalize_policies([{"permission_groups": ["Analytics Read", "Zone Read"], "resources": {ZONE: "*"}}], groups)
    assert policies[0]["permission_groups"] == ["2" * 32, "3" * 32]
    assert lister.calls == 0


def test_names_the_current_token_lacks_read_the_catalog_once():
    lister = CountingLister()
    groups = tm.PermissionGroups(lister, known=tm.token_groups(echoed(CATALOG[1])))
    policies = tm.normalize_policies([{"permission_groups": ["Zone Read", "DNS Write"], "resources": {ZONE: "*"}}], groups)
    assert policies[0]["permission_groups"] == ["1" * 32, "2" * 32]
    assert lister.calls == 1


def test_known_group_of_another_scope_is_not_used():
    # The token holds account-scoped "Analytics Read"; zone resources ask for the zone one.
    lister = CountingLister()
    groups = tm.PermissionGroups(lister, known=tm.token_groups(echoed(CATALOG[3])))
    assert groups.resolve("Analytics Read", {tm.SCOPE_ZONE}, "p") == "3" * 32
    assert lister.calls == 1


def test_groups_without_scope_meta_are_not_trusted():
    lister = CountingLister()
    token = {"policies": [{"permission_groups": [{"id": "2" * 32, "name": "Zone Read"}], "resources": {ZONE: "*"}}]}
    assert tm.token_groups(token) == []
    assert tm.PermissionGroups(lister, known=tm.token_groups(token)).resolve("Zone Read", {tm.SCOPE_ZONE}, "p") == "2" * 32
    assert lister.calls == 1


def test_deferred_names_validate_shape_without_any_request():
    policies = tm.normalize_policies([{"permission_groups": ["Zone Read"], "resources": {ZONE: "*"}}], tm.PermissionGroups(None))
    assert policies[0]["permission_groups"] == ["Zone Read"]
    with pytest.raises(tm.InvalidToken, match="neither a name nor an id"):
        tm.normalize_policies([{"permission_groups": [""], "resources": {ZONE: "*"}}], tm.PermissionGroups(None))


def test_scope_meta_in_either_echoed_form_is_understood():
    token = {"policies": [{"permission_groups": [
        {"id": "2" * 32, "name": "Zone Read", "meta": {"label": "zone_read", "scopes": tm.SCOPE_ZONE}},
        {"id": "4" * 32, "name": "Analytics Read", "meta": {"key": "scopes", "value": tm.SCOPE_ACCOUNT}},
    ]}]}
    assert tm.token_groups(token) == [{"id": "2" * 32, "name": "Zone Read", "scopes": [tm.SCOPE_ZONE]},
                                      {"id": "4" * 32, "name": "Analytics Read", "scopes": [tm.SCOPE_ACCOUNT]}]


# ------------------------------------------------------- zones and accounts by name
ACCT_A = "a" * 32
ACCT_B = "b" * 32
ZONES = [
    {"id": "c" * 32, "name": "example.com", "account": {"id": ACCT_A, "name": "Team A"}},
    {"id": "d" * 32, "name": "example.net", "account": {"id": ACCT_A, "name": "Team A"}},
    {"id": "e" * 32, "name": "example.com", "account": {"id": ACCT_B, "name": "Team B"}},
    {"id": "f" * 32, "name": "other.org", "account": {"id": ACCT_B, "name": "Team B"}},
]
ACCOUNTS = [{"id": ACCT_A, "name": "Team A"}, {"id": ACCT_B, "name": "Team B"}, {"id": "9" * 32, "name": "Twin"},
            {"id": "8" * 32, "name": "twin"}]


@pytest.fixture
def directory(cloudflare):
    """The fake Cloudflare with ZONES and ACCOUNTS (it filters names like Cloudflare)."""
    cloudflare.zones, cloudflare.accounts = list(ZONES), list(ACCOUNTS)
    return cloudflare


def resolver_of(cloudflare, account_id=None):
    client = cloudflare.client()
    return tm.ResourceNames(client.list_zones, client.list_accounts, account_id=account_id)


def refusing(cloudflare):
    cloudflare.fail("list_zones", Refused())
    cloudflare.fail("list_accounts", Refused())
    return cloudflare


class Refused(Exception):
    status = 403
    errors = [{"code": 9109, "message": "Unauthorized to access requested resource"}]


def zone_policy(*zones, **extra):
    return dict({"permission_groups": ["2" * 32], "zones": list(zones)}, **extra)


def test_zone_names_become_zone_resources_and_merge_with_resources(directory):
    policy = tm.normalize_policy(zone_policy("example.net", "f" * 32, "EXAMPLE.NET.",
                                             resources={"com.cloudflare.api.account.zone." + "d" * 32: "*"}),
                                 tm.PermissionGroups(None), "p", resolver_of(directory))
    assert policy["resources"] == {"com.cloudflare.api.account.zone." + "d" * 32: "*",
                                   "com.cloudflare.api.account.zone." + "f" * 32: "*"}
    # One lookup for the name, given twice in two spellings; the id costs nothing.
    assert directory.calls == [("list_zones", "example.net", None)]


def test_accounts_become_account_resources(directory):
    policy = tm.normalize_policy({"permission_groups": ["5" * 32], "accounts": ["Team B", ACCT_A]},
                                 tm.PermissionGroups(None), "p", resolver_of(directory))
    assert policy["resources"] == {"com.cloudflare.api.account." + ACCT_A: "*", "com.cloudflare.api.account." + ACCT_B: "*"}
    assert directory.calls == [("list_accounts", "Team B")]


def test_zone_scope_settles_group_names(directory):
    # "Analytics Read" exists for zones and accounts: zones imply the zone one, accounts the account one.
    groups = tm.PermissionGroups(lambda: CATALOG)
    by_zone = tm.normalize_policy({"permission_groups": ["Analytics Read"], "zones": ["example.net"]}, groups, "p", resolver_of(directory))
    by_account = tm.normalize_policy({"permission_groups": ["Analytics Read"], "accounts": [ACCT_A]}, groups, "p", resolver_of(directory))
    assert by_zone["permission_groups"] == ["3" * 32] and by_account["permission_groups"] == ["4" * 32]


def test_one_lookup_per_distinct_name_per_task(directory):
    resolver = resolver_of(directory)
    declared = [zone_policy("example.net", "other.org")] * 50
    for index in range(50):
        tm.normalize_policies(declared, tm.PermissionGroups(None), "tokens[%d].policies" % index, resource_names=resolver)
    assert sorted(directory.calls) == [("list_zones", "example.net", None), ("list_zones", "other.org", None)]


def test_ids_and_shape_only_cost_nothing():
    def never(**kwargs):
        raise AssertionError("no request expected: %r" % kwargs)
    names = tm.ResourceNames(never, never)
    policy = tm.normalize_policy(zone_policy("c" * 32, accounts=[ACCT_B]), tm.PermissionGroups(None), "p", names)
    assert set(policy["resources"]) == {"com.cloudflare.api.account.zone." + "c" * 32, "com.cloudflare.api.account." + ACCT_B}
    # Without listers names are only checked for shape, and nothing is looked up.
    tm.desired_token({"name": "t", "policies": [zone_policy("example.com", accounts=["Team A"])]}, tm.PermissionGroups(None))


@pytest.mark.parametrize("policy,message", [
    ({"permission_groups": ["2" * 32]}, "needs resources, zones or accounts"),
    ({"permission_groups": ["2" * 32], "resources": {}}, "needs resources, zones or accounts"),
    (zone_policy("not a domain"), r"zones\[0\]: 'not a domain' is neither a zone name"),
    (zone_policy("localhost"), "neither a zone name"),
    (zone_policy(""), r"zones\[0\]: a zone is a name"),
    (zone_policy(7), "a zone is a name"),
    ({"permission_groups": ["2" * 32], "zones": "example.com"}, "zones must be a list"),
    ({"permission_groups": ["2" * 32], "accounts": [""]}, r"accounts\[0\]: an account is a name"),
    (zone_policy("C" * 32), "neither a zone name"),
])
def test_shapes_are_checked_before_any_request(policy, message):
    with pytest.raises(tm.InvalidToken, match=message):
        tm.normalize_policy(policy, tm.PermissionGroups(None), "policies[0]")


def test_key_given_both_ways_with_different_values_is_an_error(directory):
    nested = {"com.cloudflare.api.account." + ACCT_A: {"com.cloudflare.api.account.zone.*": "*"}}
    with pytest.raises(tm.InvalidToken, match="give it one way"):
        tm.normalize_policy({"permission_groups": ["2" * 32], "resources": nested, "accounts": [ACCT_A]},
                            tm.PermissionGroups(None), "p", resolver_of(directory))


def test_ambiguous_zone_lists_candidates_with_accounts(directory):
    with pytest.raises(tm.InvalidToken) as info:
        tm.normalize_policy(zone_policy("example.com"), tm.PermissionGroups(None), "policies[0]", resolver_of(directory))
    text = str(info.value)
    assert text.startswith("policies[0].zones[0]: zone name 'example.com' is ambiguous: 2 zones")
    assert "c" * 32 in text and "e" * 32 in text and ACCT_A in text and "'Team B'" in text and "account_id" in text


def test_account_id_chooses_between_twins(directory):
    policy = tm.normalize_policy(zone_policy("example.com"), tm.PermissionGroups(None), "p", resolver_of(directory, ACCT_B))
    assert policy["resources"] == {"com.cloudflare.api.account.zone." + "e" * 32: "*"}
    assert directory.calls == [("list_zones", "example.com", ACCT_B)]


def test_unknown_zone_lists_similar_names_or_says_none(directory):
    with pytest.raises(tm.InvalidToken) as info:
        tm.normalize_policy(zone_policy("www.example.net"), tm.PermissionGroups(None), "policies[1]", resolver_of(directory, ACCT_A))
    text = str(info.value)
    assert "no zone named 'www.example.net' in account %s is visible" % ACCT_A in text
    assert "Zones with similar names: example.com: %s" % ("c" * 32) in text and "d" * 32 in text and "e" * 32 not in text
    assert directory.calls == [("list_zones", "www.example.net", ACCT_A), ("list_zones", "contains:example", ACCT_A)]
    with pytest.raises(tm.InvalidToken, match="No zone with a similar name is visible either"):
        tm.normalize_policy(zone_policy("nothing.test"), tm.PermissionGroups(None), "p", resolver_of(directory))


def test_zone_read_refused_says_what_is_needed(directory):
    with pytest.raises(tm.InvalidToken) as info:
        tm.normalize_policy(zone_policy("example.net"), tm.PermissionGroups(None), "policies[0]", resolver_of(refusing(directory)))
    assert str(info.value) == (
        "policies[0].zones[0]: cannot look up zone 'example.net': these credentials may not list zones (HTTP 403; "
        "Cloudflare said: 9109: Unauthorized to access requested resource). This needs Zone Read on the zones you name, "
        "or use zone ids.")
    with pytest.raises(tm.InvalidToken, match="This needs Account Settings Read on the accounts you name, or use account ids"):
        tm.normalize_policy({"permission_groups": ["2" * 32], "accounts": ["Team A"]}, tm.PermissionGroups(None), "p",
                            resolver_of(refusing(directory)))


def test_other_lookup_errors_pass_through():
    def broken(**kwargs):
        raise RuntimeError("connection reset")
    with pytest.raises(RuntimeError):
        tm.normalize_policy(zone_policy("example.net"), tm.PermissionGroups(None), "p", tm.ResourceNames(broken))


def test_unknown_and_ambiguous_accounts(directory):
    with pytest.raises(tm.InvalidToken) as info:
        tm.normalize_policy({"permission_groups": ["2" * 32], "accounts": ["Team C"]}, tm.PermissionGroups(None), "p", resolver_of(directory))
    assert "no account named 'Team C'" in str(info.value) and "Team A (%s)" % ACCT_A in str(info.value)
    with pytest.raises(tm.InvalidToken, match="account name 'Twin' is ambiguous: 2 accounts"):
        tm.normalize_policy({"permission_groups": ["2" * 32], "accounts": ["Twin"]}, tm.PermissionGroups(None), "p", resolver_of(directory))
    directory.accounts = []
    with pytest.raises(tm.InvalidToken, match="They can read no account"):
        tm.normalize_policy({"permission_groups": ["2" * 32], "accounts": ["Team A"]}, tm.PermissionGroups(None), "p",
                            resolver_of(directory))


def test_desired_token_resolves_through_the_same_resolver(directory):
    desired = tm.desired_token({"name": "t", "policies": [zone_policy("example.net")]}, tm.PermissionGroups(None),
                               resource_names=resolver_of(directory))
    assert desired["policies"] == [{"effect": "allow", "permission_groups": ["2" * 32],
                                    "resources": {"com.cloudflare.api.account.zone." + "d" * 32: "*"}}]


def test_name_map_keeps_names_that_round_trip():
    assert tm.name_map(ZONES) == {"d" * 32: "example.net", "f" * 32: "other.org"}
    assert tm.name_map(ZONES, ACCT_B) == {"e" * 32: "example.com", "f" * 32: "other.org"}
    assert tm.name_map(ACCOUNTS) == {ACCT_A: "Team A", ACCT_B: "Team B"}
    assert tm.name_map([]) == {}


def test_declared_policy_round_trips(directory):
    zone_key = "com.cloudflare.api.account.zone."
    canonical = {"effect": "allow", "permission_groups": ["2" * 32], "resources": {
        zone_key + "c" * 32: "*", zone_key + "d" * 32: "*", "com.cloudflare.api.account." + ACCT_B: "*",
        zone_key + "*": "*", "com.cloudflare.api.account." + ACCT_A: {zone_key + "*": "*"}}}
    zone_names = tm.name_map(ZONES)
    declared = tm.declared_policy(canonical, zone_names, tm.name_map(ACCOUNTS))
    assert declared["zones"] == ["c" * 32, "example.net"]
    assert declared["accounts"] == ["Team B"]
    assert declared["resources"] == {zone_key + "*": "*", "com.cloudflare.api.account." + ACCT_A: {zone_key + "*": "*"}}
    assert tm.normalize_policy(declared, tm.PermissionGroups(None), "p", resolver_of(directory)) == canonical
    assert tm.declared_policy({"permission_groups": ["2" * 32], "resources": {zone_key + "*": "*"}}) == {
        "effect": "allow", "permission_groups": ["2" * 32], "resources": {zone_key + "*": "*"}}


def test_suggestions_contain_the_name_first_then_spell_alike():
    names = ["DNS Read", "DNS Write", "Zone Read", "Workers Scripts Write", "Zone Settings Write"]
    assert tm.suggest_names("dns", names) == ["DNS Read", "DNS Write"]
    assert tm.suggest_names("DNS Wirte", names)[0] == "DNS Write"
    assert tm.suggest_names("Quantum", names) == []
    assert tm.did_you_mean("zone read", names).startswith(" Did you mean: Zone Read")
    assert tm.did_you_mean("Quantum", names) == ""
# ------------------------------------------------------------- replacement


RETIRED_AT = datetime.datetime(2026, 12, 1, 21, 0, 5, tzinfo=datetime.timezone.utc)


def test_retired_name_is_recognised_for_its_own_name_only():
    name = tm.retired_name("ci-dns", RETIRED_AT)
    assert name == "ci-dns (retired 2026-12-01T21:00:05Z)"
    assert tm.retired_from(name, "ci-dns") == RETIRED_AT
    assert tm.retired_from(name, "ci") is None
    assert tm.retired_from("ci-dns", "ci-dns") is None
    assert tm.retired_from("ci-dns (retired 2026-13-01T21:00:05Z)", "ci-dns") is None


def test_retired_name_fits_the_name_limit():
    long_name = "x" * tm.MAX_NAME_LENGTH
    name = tm.retired_name(long_name, RETIRED_AT)
    assert len(name) == tm.MAX_NAME_LENGTH
    assert tm.retired_from(name, long_name) == RETIRED_AT
    assert tm.retired_from(name, "x" * 100) == RETIRED_AT  # same shortened prefix


def replaced_token(**extra):
    token = {"id": "a" * 32, "name": "app", "status": "active", "issued_on": "2026-01-01T00:00:00.123456Z",
             "modified_on": "2026-02-01T00:00:00Z", "not_before": "2025-01-01T00:00:00Z",
             "expires_on": "2030-01-01T00:00:00Z", "condition": {"request_ip": {"in": ["192.0.2.0/24"]}},
             "policies": [{"id": "p" * 32, "effect": "allow", "permission_groups": [{"id": "1" * 32, "name": "DNS Write"}],
                           "resources": {"com.cloudflare.api.account.zone.*": "*"}}]}
    token.update(extra)
    return token


def test_successor_body_copies_content_without_ids_or_status():
    body = tm.successor_body(replaced_token(status="active"))
    assert body == {"name": "app", "not_before": "2025-01-01T00:00:00Z", "expires_on": "2030-01-01T00:00:00Z",
                    "condition": {"request_ip": {"in": ["192.0.2.0/24"]}},
                    "policies": [{"effect": "allow", "permission_groups": [{"id": "1" * 32}],
                                  "resources": {"com.cloudflare.api.account.zone.*": "*"}}]}
    renamed = tm.successor_body(replaced_token(name="app (retired x)"), "app", expires=False)
    assert renamed["name"] == "app" and "expires_on" not in renamed


def test_retirement_body_renames_and_keeps_the_earlier_expiry():
    later = datetime.datetime(2031, 1, 1, tzinfo=datetime.timezone.utc)
    earlier = datetime.datetime(2026, 12, 2, tzinfo=datetime.timezone.utc)
    assert tm.retirement_body(replaced_token(), "app (retired)", later)["expires_on"] == "2030-01-01T00:00:00Z"
    body = tm.retirement_body(replaced_token(), "app (retired)", earlier)
    assert body["expires_on"] == "2026-12-02T00:00:00Z" and body["name"] == "app (retired)"
    assert body["status"] == "active" and body["condition"] == replaced_token()["condition"]
    assert tm.retirement_body(replaced_token(expires_on=None), "r", earlier)["expires_on"] == "2026-12-02T00:00:00Z"


def test_same_content_ignores_ids_names_and_order():
    twin = replaced_token(id="b" * 32, name="other", policies=[dict(replaced_token()["policies"][0], id="q" * 32)])
    assert tm.same_content(replaced_token(), twin)
    assert not tm.same_content(replaced_token(), replaced_token(condition={}))
    assert not tm.same_content(replaced_token(), replaced_token(expires_on=None))


def test_token_age_reads_the_field_or_issued_on():
    now = datetime.datetime(2026, 2, 2, tzinfo=datetime.timezone.utc)
    assert tm.token_age(replaced_token(), "modified_on", now) == datetime.timedelta(days=1)
    assert tm.token_age(replaced_token(modified_on=None), "modified_on", now).days == 31  # from issued_on
    assert tm.token_age({}, "issued_on", now) is None
