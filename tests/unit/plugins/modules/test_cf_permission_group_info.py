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
