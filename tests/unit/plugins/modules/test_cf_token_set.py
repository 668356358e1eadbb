# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cf_token_set: one listing, every check before the first write, guarded deletions."""

import os
import stat

from ansible_collections.tokenops.cloudflare.plugins.modules import cf_token_set

ZONE = {"com.cloudflare.api.account.zone.*": "*"}
POLICIES = [{"permission_groups": ["DNS Write"], "resources": ZONE}]


def token(index, name=None, **fields):
    base = {"id": "%032x" % index, "name": name or "t%d" % index, "status": "active", "condition": {},
            "policies": [{"id": "9" * 32, "effect": "allow", "resources": ZONE,
                          "permission_groups": [{"id": "1" * 32, "name": "DNS Write",
                                                 "meta": {"label": "x", "scopes": "com.cloudflare.api.account.zone"}}]}]}
    base.update(fields)
    return base


def kinds(client):
    return [c[0] for c in client.calls]


def test_converged_set_costs_one_listing(fake_client):
    existing = [token(i) for i in range(1, 6)]
    tokens = [{"name": t["name"], "policies": POLICIES} for t in existing]
    result, failed, client = fake_client(cf_token_set, {"tokens": tokens}, existing)
    assert not failed, result
    assert not result["changed"] and sorted(result["unchanged"]) == ["t1", "t2", "t3", "t4", "t5"]
    assert kinds(client) == ["list_tokens"]
    assert len(result["tokens"]) == 5


def test_create_update_rename_delete_in_one_task(fake_client, tmp_path):
    existing = [token(1, "keep"), token(2, "old-name"), token(3, "gone"), token(4, "edit")]
    tokens = [
        {"name": "keep", "policies": POLICIES},
        {"id": "%032x" % 2, "name": "new-name"},
        {"name": "gone", "state": "absent"},
        {"name": "edit", "status": "disabled"},
        {"name": "fresh", "policies": POLICIES},
    ]
    result, failed, client = fake_client(cf_token_set, {"tokens": tokens, "value_dir": str(tmp_path)}, existing)
    assert not failed, result
    assert result["created"] == ["fresh"]
    assert result["renamed"] == {"old-name": "new-name"}
    assert result["updated"] == {"new-name": ["name"], "edit": ["status"]}
    assert result["deleted"] == ["gone"] and result["unchanged"] == ["keep"]
    stored = tmp_path / "fresh.token"
    assert stored.read_text().startswith("SECRET-")
    assert stat.S_IMODE(os.stat(str(stored)).st_mode) == 0o600
    assert "SECRET-" not in repr(result)
    assert kinds(client).count("list_tokens") == 1


def test_check_mode_reports_and_writes_nothing(fake_client, tmp_path):
    existing = [token(1, "a")]
    result, failed, client = fake_client(cf_token_set, {"tokens": [{"name": "a", "status": "disabled"}, {"name": "b", "policies": POLICIES}],
                                                        "value_dir": str(tmp_path)}, existing, True)
    assert not failed and result["changed"]
    assert result["created"] == ["b"] and result["updated"] == {"a": ["status"]}
    assert client.writes == []
    assert set(result["diff"]["after"]) == {"a", "b"}


def test_one_bad_item_means_no_request_at_all(fake_client, tmp_path):
    tokens = [{"name": "ok", "policies": POLICIES},
              {"name": "bad", "policies": POLICIES, "condition": {"request_ip": {"in": ["300.0.0.1/32"]}}}]
    result, failed, client = fake_client(cf_token_set, {"tokens": tokens, "value_dir": str(tmp_path)}, [])
    assert failed
    assert result["msg"].startswith("tokens[1] (bad).condition.request_ip.in")
    assert client.calls == []


def test_duplicate_names_in_declaration_refused(fake_client):
    result, failed, client = fake_client(cf_token_set, {"tokens": [{"name": "a"}, {"name": "a"}]}, [])
    assert failed and "tokens[1] (a).name: 'a' is declared by tokens[0] (a) too" in result["msg"]
    assert client.calls == []


def test_exclusive_empty_list_refused(fake_client):
    result, failed, client = fake_client(cf_token_set, {"tokens": [], "exclusive": True}, [token(1)])
    assert failed and "empty tokens list" in result["msg"] and client.calls == []


def test_exclusive_spares_own_and_protected_tokens_and_guards_count(fake_client):
    existing = [token(1, "declared"), token(2, "break-glass-1"), token(0xF, "self", id="f" * 32)] + \
        [token(i) for i in range(10, 30)]
    args = {"tokens": [{"name": "declared"}], "exclusive": True, "protect": ["break-glass-.*"]}
    result, failed, client = fake_client(cf_token_set, args, existing)
    assert failed and "20 tokens would be deleted, more than max_deletions=10" in result["msg"]
    assert "and 0 more" not in result["msg"]
    assert client.writes == []
    result, failed, client = fake_client(cf_token_set, dict(args, max_deletions=20), existing)
    assert not failed, result
    assert len(result["deleted"]) == 20
    assert set(t["name"] for t in client.tokens) == {"declared", "break-glass-1", "self"}


def test_create_needs_a_place_for_its_secret(fake_client):
    result, failed, client = fake_client(cf_token_set, {"tokens": [{"name": "new", "policies": POLICIES}]}, [])
    assert failed and "no value_path and value_dir is not set" in result["msg"]
    assert client.writes == []


def test_existing_value_file_is_not_replaced(fake_client, tmp_path):
    (tmp_path / "new.token").write_text("someone else's secret")
    result, failed, client = fake_client(cf_token_set, {"tokens": [{"name": "new", "policies": POLICIES}], "value_dir": str(tmp_path)}, [])
    assert failed and "already exists" in result["msg"] and client.writes == []


def test_stale_expiry_is_reported_not_fatal(fake_client):
    stale = "2020-01-01T00:00:00Z"
    existing = [token(1, "old", expires_on=stale, status="expired"), token(2, "b")]
    tokens = [{"name": "old", "expires_on": stale}, {"name": "b", "status": "disabled"}]
    result, failed, client = fake_client(cf_token_set, {"tokens": tokens}, existing)
    assert not failed, result
    assert result["expired"] == ["old"] and result["updated"] == {"b": ["status"]}


def test_revoked_token_gets_no_write(fake_client):
    existing = [token(1, "leaked", status="revoked (exposed)")]
    result, failed, client = fake_client(cf_token_set, {"tokens": [{"name": "leaked", "status": "active"}]}, existing)
    assert not failed and result["revoked"] == ["leaked"] and client.writes == []


def test_quota_checked_before_any_write(fake_client, tmp_path):
    existing = [token(i) for i in range(1, 51)]
    result, failed, client = fake_client(cf_token_set, {"tokens": [{"name": "one-more", "policies": POLICIES}],
                                                        "value_dir": str(tmp_path)}, existing)
    assert failed and "at most 50" in result["msg"] and client.writes == []


def test_declarations_from_info_round_trip(fake_client):
    from ansible_collections.tokenops.cloudflare.plugins.module_utils.token_plan import declaration
    existing = [token(1, "a", expires_on="2030-01-01T00:00:00Z", condition={"request_ip": {"in": ["192.0.2.0/24"]}}),
                token(2, "b", status="disabled")]
    tokens = [declaration(t) for t in existing]
    assert tokens[0]["policies"][0]["permission_groups"] == ["DNS Write"]
    result, failed, client = fake_client(cf_token_set, {"tokens": tokens}, existing)
    assert not failed and not result["changed"], result
    assert kinds(client) == ["list_tokens"]
