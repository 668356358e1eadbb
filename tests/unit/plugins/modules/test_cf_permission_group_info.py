# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from ansible_collections.tokenops.cloudflare.plugins.modules import cf_permission_group_info as mod

ZONE = "com.cloudflare.api.account.zone"
ACCOUNT = "com.cloudflare.api.account"


def group(gid, name, scope, **extra):
    return dict({"id": gid * 32, "name": name, "scopes": [scope]}, **extra)


def test_select_is_exact_sorted_and_shaped():
    groups = [
        group("b", "Analytics Read", ZONE, category="analytics_and_logs", meta={"x": 1}),
        group("a", "Analytics Read", ACCOUNT),
        group("c", "analytics read", ZONE),
        group("d", "DNS Write", ZONE),
    ]
    chosen = mod.select(groups, name="Analytics Read")
    assert chosen == [
        {"id": "a" * 32, "name": "Analytics Read", "scopes": [ACCOUNT]},
        {"id": "b" * 32, "name": "Analytics Read", "scopes": [ZONE], "category": "analytics_and_logs"},
    ]
    assert [g["id"] for g in mod.select(groups, name="Analytics Read", scope=ZONE)] == ["b" * 32]
    assert [g["name"] for g in mod.select(groups)] == ["Analytics Read", "Analytics Read", "DNS Write", "analytics read"]
    assert mod.select(groups, scope="com.cloudflare.api.user") == []


def test_a_name_matching_nothing_fails_with_suggestions(fake_client):
    result, failed, client = fake_client(mod, {"name": "dns write"})
    assert failed
    assert result["msg"] == "No permission group for user-owned tokens is named 'dns write'. Did you mean: DNS Write?"
    assert [c[0] for c in client.calls] == ["list_permission_groups", "list_permission_groups"]


def test_a_name_without_any_close_match_says_so_plainly(fake_client):
    result, failed, _client = fake_client(mod, {"name": "Quantum Flux Write", "account_id": "a" * 32})
    assert failed and result["msg"] == "No permission group for account-owned tokens is named 'Quantum Flux Write'."


def test_a_name_that_exists_in_another_scope_is_an_empty_answer(fake_client):
    result, failed, client = fake_client(mod, {"name": "DNS Write", "scope": "com.cloudflare.api.account"})
    assert not failed and result["permission_groups"] == []
    assert len(client.calls) == 2


def test_an_exact_name_is_one_request(fake_client):
    result, failed, client = fake_client(mod, {"name": "DNS Write"})
    assert not failed and [g["name"] for g in result["permission_groups"]] == ["DNS Write"]
    assert len(client.calls) == 1
