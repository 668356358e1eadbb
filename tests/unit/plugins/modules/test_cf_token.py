# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cf_token's decision table: matches (0/1/many) x state x check mode."""

import pytest

from ansible_collections.tokenops.cloudflare.plugins.module_utils import cloudflare_module
from ansible_collections.tokenops.cloudflare.plugins.modules import cf_token

ZONE = {"com.cloudflare.api.account.zone.*": "*"}
POLICIES = [{"permission_groups": ["DNS Write"], "resources": ZONE}]


def token(token_id, name="ci", groups=("1" * 32,)):
    return {"id": token_id, "name": name, "status": "active", "condition": {},
            "policies": [{"id": "9" * 32, "effect": "allow", "resources": ZONE,
                          "permission_groups": [{"id": g, "name": "x"} for g in groups]}]}


ONE = [token("a" * 32)]
MANY = [token("a" * 32), token("b" * 32)]


@pytest.mark.parametrize("existing,state,check_mode,changed,write", [
    ([], "present", False, True, "create_token"),
    ([], "present", True, True, None),
    ([], "absent", False, False, None),
    ([], "absent", True, False, None),
    (ONE, "present", False, False, None),
    (ONE, "present", True, False, None),
    (ONE, "absent", False, True, "delete_token"),
    (ONE, "absent", True, True, None),
])
def test_decision_table(fake_client, existing, state, check_mode, changed, write):
    result, failed, client = fake_client(cf_token, {"name": "ci", "state": state, "policies": POLICIES}, existing, check_mode)
    assert not failed, result
    assert result["changed"] is changed
    assert [c[0] for c in client.writes] == ([write] if write else [])


@pytest.mark.parametrize("state", ["present", "absent"])
@pytest.mark.parametrize("check_mode", [False, True])
def test_many_matches_fail_before_any_write(fake_client, state, check_mode):
    result, failed, client = fake_client(cf_token, {"name": "ci", "state": state, "policies": POLICIES}, MANY, check_mode)
    assert failed
    assert "a" * 32 in result["msg"] and "b" * 32 in result["msg"]
    assert client.writes == []


def test_change_is_one_full_put(fake_client):
    result, failed, client = fake_client(cf_token, {"name": "ci", "status": "disabled"}, ONE)
    assert not failed and result["changed"] and result["changes"] == ["status"]
    (method, token_id, body, _account_id), = client.writes
    assert method == "update_token"
    assert token_id == "a" * 32
    assert body["status"] == "disabled" and body["name"] == "ci"
    assert body["policies"] == [{"effect": "allow", "permission_groups": [{"id": "1" * 32}], "resources": ZONE}]


def test_check_mode_change_writes_nothing_but_reports_the_diff(fake_client):
    result, failed, client = fake_client(cf_token, {"name": "ci", "policies": [{"permission_groups": ["Zone Read"], "resources": ZONE}]}, ONE, True)
    assert result["changed"] and client.writes == []
    assert result["diff"]["after"]["policies"][0]["permission_groups"] == [{"id": "2" * 32, "name": "Zone Read"}]


def test_groups_by_id_need_no_catalog(fake_client):
    result, failed, client = fake_client(cf_token, {"id": "a" * 32, "policies": [{"permission_groups": ["1" * 32], "resources": ZONE}]}, ONE)
    assert not result["changed"]
    assert [c[0] for c in client.calls] == ["get_token"]


def test_created_value_is_returned_once_at_top_level(fake_client):
    result, failed, client = fake_client(cf_token, {"name": "new", "policies": POLICIES})
    assert result["value"].startswith("SECRET-")
    assert "value" not in result["token"]
    assert "SECRET-" not in repr(result["diff"])


@pytest.mark.parametrize("args,needle", [
    ({"id": "xyz"}, "id must be a 32-character"),
    ({"name": "x" * 121, "policies": POLICIES}, "121 characters"),
    ({"name": "ci", "policies": [{"effect": "allow", "permission_groups": ["DNS Write"], "resources": {"bad.key": "*"}}]}, "resources"),
    ({"name": "ci", "policies": POLICIES, "expires_on": "not a date"}, "expires_on"),
    ({"name": "ci", "policies": POLICIES, "condition": {"request_ip": {"in": ["10.0.0.300/8"]}}}, "condition.request_ip.in"),
    ({"name": "ci", "policies": POLICIES, "value_path": "/nonexistent-dir/x.token"}, "value_path"),
    ({"name": "ci", "account_id": "ACCOUNT"}, "account_id"),
])
def test_bad_input_fails_naming_the_option_without_writing(fake_client, args, needle):
    result, failed, client = fake_client(cf_token, args, ONE)
    assert failed and needle in result["msg"]
    assert client.writes == []


def test_value_file_failure_after_create_says_how_to_recover(fake_client, tmp_path, monkeypatch):
    def broken(path, value):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cloudflare_module, "write_secret_file", broken)
    result, failed, client = fake_client(cf_token, {"name": "new", "policies": POLICIES, "value_path": str(tmp_path / "t")})
    assert failed and result["changed"]
    assert "was created" in result["msg"] and "cf_token_roll" in result["msg"] and "No space left" in result["msg"]
    assert "SECRET-" not in repr(result)
    assert [c[0] for c in client.writes] == ["create_token"]


def test_blank_environment_values_count_as_unset(fake_client, monkeypatch):
    # AWX injects blank credential inputs as empty strings.
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", "")
    monkeypatch.setenv("CLOUDFLARE_BASE_URL", "")
    monkeypatch.setenv("CLOUDFLARE_EMAIL", "")
    result, failed, client = fake_client(cf_token, {"name": "ci", "policies": POLICIES}, ONE)
    assert not failed, result
    assert ("list_tokens", None, True) in client.calls
