# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The planner shared by cf_token and cf_token_set: current + declared -> plan, no HTTP."""

import datetime

import pytest

from ansible_collections.tokenops.cloudflare.plugins.module_utils import token_plan as tp
from ansible_collections.tokenops.cloudflare.plugins.module_utils import token_model as tm
from ansible_collections.tokenops.cloudflare.plugins.module_utils.token_model import InvalidToken, PermissionGroups

NOW = datetime.datetime(2026, 12, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)
ZONE = {"com.cloudflare.api.account.zone.*": "*"}
DNS = "1" * 32
CATALOG = [
    {"id": DNS, "name": "DNS Write", "scopes": ["com.cloudflare.api.account.zone"]},
    {"id": "2" * 32, "name": "Zone Read", "scopes": ["com.cloudflare.api.account.zone"]},
]


def token(**fields):
    base = {"id": "a" * 32, "name": "ci", "status": "active", "condition": {},
            "policies": [{"id": "9" * 32, "effect": "allow", "resources": ZONE,
                          "permission_groups": [{"id": DNS, "name": "DNS Write",
                                                 "meta": {"label": "x", "scopes": "com.cloudflare.api.account.zone"}}]}]}
    base.update(fields)
    return base


def item(**options):
    options.setdefault("name", "ci")
    return tp.declared(options)


def groups(reads=None):
    def lister():
        if reads is not None:
            reads.append(1)
        return CATALOG
    return PermissionGroups(lister)


def plan(declared, current, **kw):
    return tp.plan_token(declared, current, groups().for_token(current), now=NOW, **kw)


POLICIES = [{"permission_groups": ["DNS Write"], "resources": ZONE}]


@pytest.mark.parametrize("state,current,action", [
    ("present", None, "create"),
    ("present", token(), "none"),
    ("absent", None, "none"),
    ("absent", token(), "delete"),
])
def test_decision_table(state, current, action):
    assert plan(item(state=state, policies=POLICIES), current).action == action


def test_update_lists_changed_fields_and_sends_everything_explicitly():
    current = token(condition={"request_ip": {"in": ["192.0.2.0/24"]}}, expires_on="2027-01-01T00:00:00Z")
    p = plan(item(condition={}, expires_on="", status="disabled"), current)
    assert p.action == "update"
    assert p.changes == ["status", "expires_on", "condition"]
    body = p.body()
    assert body["condition"] == {} and body["expires_on"] is None and body["status"] == "disabled"
    assert "not_before" not in body  # never set, nothing to clear


def test_create_body_carries_no_status_and_disabled_needs_a_second_write():
    p = plan(item(policies=POLICIES, status="disabled"), None)
    assert "status" not in p.body()
    assert p.needs_disable()


def test_create_without_policies_or_by_id_is_refused():
    with pytest.raises(InvalidToken, match="policies is required"):
        plan(item(), None)
    with pytest.raises(InvalidToken, match="cannot be created by id"):
        plan(item(id="b" * 32, policies=POLICIES), None)


def test_past_expiry_is_an_error_only_when_it_would_be_sent():
    stale = "2026-11-01T00:00:00Z"
    carried = plan(item(expires_on=stale), token(expires_on=stale, status="expired"))
    assert carried.action == "none" and carried.expired
    with pytest.raises(InvalidToken, match="in the past"):
        plan(item(expires_on=stale), token())
    with pytest.raises(InvalidToken, match="in the past"):
        plan(item(expires_on=stale, policies=POLICIES), None)
    with pytest.raises(InvalidToken, match="in the past"):
        plan(item(expires_on=stale, condition={"request_ip": {"in": ["192.0.2.1/32"]}}), token(expires_on=stale))


def test_relative_expiry_creates_keeps_and_renews():
    created = plan(item(policies=POLICIES, expires_in="30d"), None)
    assert created.state["expires_on"] == "2026-12-31T12:00:00Z"
    far = token(expires_on="2026-12-25T00:00:00Z")  # 23.5 days left, renew_before defaults to 10 days
    assert plan(item(expires_in="30d"), far).action == "none"
    near = token(expires_on="2026-12-05T00:00:00Z")
    renewed = plan(item(expires_in="30d"), near)
    assert renewed.changes == ["expires_on"] and renewed.state["expires_on"] == "2026-12-31T12:00:00Z"
    assert plan(item(expires_in="30d", renew_before="2d"), near).action == "none"
    never = plan(item(expires_in="30d"), token())
    assert never.state["expires_on"] == "2026-12-31T12:00:00Z"


@pytest.mark.parametrize("options,needle", [
    ({"expires_in": "30d", "expires_on": "2030-01-01T00:00:00Z"}, "mutually exclusive"),
    ({"renew_before": "1d"}, "renew_before requires expires_in"),
    ({"expires_in": "1d", "renew_before": "2d"}, "shorter than expires_in"),
    ({"expires_in": "soon"}, "expires_in"),
    ({"id": "XYZ"}, "id must be"),
    ({"state": "gone"}, "state must be"),
    ({"policies": [{"permission_groups": [], "resources": ZONE}]}, r"policies\[0\]\.permission_groups"),
])
def test_validation_names_item_and_option(options, needle):
    with pytest.raises(InvalidToken, match=r"^tokens\[2\]\..*" + needle):
        tp.validate_declaration(item(**options), "tokens[2]")


def test_revoked_token_gets_no_write():
    p = plan(item(status="active"), token(status="revoked (exposed)"))
    assert p.action == "none" and p.revoked == "revoked (exposed)"


def test_unapplied_fields_are_reported():
    current = token(condition={"request_ip": {"in": ["192.0.2.0/24"]}})
    p = plan(item(condition={}), current)
    assert p.unapplied(current) == ["condition"]
    assert p.unapplied(dict(current, condition={})) == []


def test_names_the_token_carries_cost_no_catalog_read():
    reads = []
    resolver = groups(reads)
    tp.plan_token(item(policies=POLICIES), token(), resolver.for_token(token()), now=NOW)
    assert reads == []
    tp.plan_token(item(policies=[{"permission_groups": ["Zone Read"], "resources": ZONE}]), token(),
                  resolver.for_token(token()), now=NOW)
    tp.plan_token(item(name="other", policies=[{"permission_groups": ["Zone Read"], "resources": ZONE}]), None,
                  resolver.for_token(None), now=NOW)
    assert reads == [1]  # one catalog read for every token planned with this resolver


def test_unknown_group_ids_only_for_ids_not_carried():
    resolver = groups()
    known = plan(item(policies=[{"permission_groups": [DNS], "resources": ZONE}], status="disabled"), token())
    unknown = plan(item(name="x", policies=[{"permission_groups": ["f" * 32], "resources": ZONE}]), None)
    assert tp.unknown_group_ids([known], resolver) == []
    assert tp.unknown_group_ids([known, unknown], resolver) == ["f" * 32]


def test_rename_conflicts_ignore_tokens_that_leave():
    a, b = token(id="a" * 32, name="a"), token(id="b" * 32, name="b")
    rename = plan(item(id="a" * 32, name="b"), a)
    assert tp.rename_conflicts([rename], [a, b]) == ["a -> 'b' (taken by %s)" % ("b" * 32)]
    swap = plan(item(id="b" * 32, name="c"), b)
    assert tp.rename_conflicts([rename, swap], [a, b]) == []


def test_quota_counts_creates_and_deletes():
    tokens = [token(id="%032x" % i, name=str(i)) for i in range(50)]
    create = plan(item(name="new", policies=POLICIES), None)
    with pytest.raises(InvalidToken, match="at most 50"):
        tp.check_quota(tokens, [create], None)
    tp.check_quota(tokens, [create], "c" * 32)
    delete = plan(item(name="0", state="absent"), tokens[0])
    tp.check_quota(tokens, [create, delete], None)


def test_declared_drops_empty_suboptions():
    assert tp.declared({"name": "x", "condition": {"request_ip": {"in": None, "not_in": None}}})["condition"] == {}
    assert tp.declared({"name": "x"})["state"] == "present"


def test_single_match_refuses_duplicates():
    assert tp.single_match([token()], "ci")["id"] == "a" * 32
    assert tp.single_match([token()], "other") is None
    with pytest.raises(InvalidToken, match="2 tokens are named 'ci'"):
        tp.single_match([token(), token(id="b" * 32)], "ci")


def test_safe_file_name():
    assert tp.safe_file_name("ci/dns editor") == "ci_dns_editor.token"


def test_declaration_names_zones_it_can_and_keeps_ids_otherwise():
    zone = "com.cloudflare.api.account.zone."
    current = token(policies=[{"id": "9" * 32, "effect": "allow", "resources": {zone + "c" * 32: "*", zone + "d" * 32: "*"},
                               "permission_groups": [{"id": DNS, "name": "DNS Write",
                                                      "meta": {"label": "x", "scopes": "com.cloudflare.api.account.zone"}}]}])
    assert tp.zone_ids_in([current]) and not tp.zone_ids_in([token()])
    declared = tp.declaration(current, {"c" * 32: "example.com"})
    assert declared["policies"] == [{"effect": "allow", "permission_groups": ["DNS Write"], "zones": ["example.com", "d" * 32]}]
    # Fed back, with the zone name resolving to the same id, the plan changes nothing.
    zones = tm.ResourceNames(lambda **query: [{"id": "c" * 32, "name": "example.com", "account": {"id": "a" * 32}}])
    p = tp.plan_token(tp.declared(declared), current, PermissionGroups(lambda: CATALOG).for_token(current), now=NOW, resources=zones)
    assert p.action == "none", p.changes
