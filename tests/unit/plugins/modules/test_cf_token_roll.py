# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cf_token_roll with a mocked client: ordering of checks and requests, and where the secret may appear."""

import json
import os
import stat
from unittest import mock

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.tokenops.cloudflare.plugins.module_utils import cloudflare_module
from ansible_collections.tokenops.cloudflare.plugins.module_utils.cloudflare_api import (
    CloudflareAuthError,
    CloudflareClient,
    CloudflareError,
    CloudflareWriteUncertain,
)
from ansible_collections.tokenops.cloudflare.plugins.modules import cf_token_roll

ACCOUNT = "0123456789abcdef0123456789abcdef"
TOKEN_ID = "ed17574386854bf78a67040be0a770b0"
OTHER_ID = "aa17574386854bf78a67040be0a770bb"
NEW_SECRET = "NEWsecret-value-0123456789abcdefghijklm"
AUTH_SECRET = "AUTHsecret-used-by-the-task-000000000000"


def token(token_id=TOKEN_ID, name="ci-dns", modified_on="2026-01-01T00:00:00Z"):
    return {"id": token_id, "name": name, "status": "active", "issued_on": "2026-01-01T00:00:00Z",
            "modified_on": modified_on, "policies": [], "condition": {}}


@pytest.fixture
def client():
    fake = mock.create_autospec(CloudflareClient, instance=True)
    fake.list_tokens.return_value = [token(), token(OTHER_ID, "other")]
    fake.get_token.side_effect = [token(), token(modified_on="2026-06-01T00:00:00Z")]
    fake.roll_token.return_value = NEW_SECRET
    return fake


def run(args, client, capsys):
    """Run the module and return (result, raw stdout)."""
    args = dict(args, api_token=AUTH_SECRET)
    with patch_module_args(args), mock.patch.object(cloudflare_module, "CloudflareClient", return_value=client):
        with pytest.raises(SystemExit):
            cf_token_roll.main()
    out = capsys.readouterr().out
    return json.loads(out), out


def assert_no_secret(out):
    assert NEW_SECRET not in out
    assert AUTH_SECRET not in out


def test_roll_by_name_returns_value_once_and_fresh_metadata(client, capsys):
    client.get_token.side_effect = [token(modified_on="2026-06-01T00:00:00Z")]
    result, out = run({"name": "ci-dns"}, client, capsys)
    assert result["changed"] is True
    assert result["value"] == NEW_SECRET
    assert out.count(NEW_SECRET) == 1
    assert result["token"]["modified_on"] == "2026-06-01T00:00:00Z"
    assert "value" not in result["token"]
    client.roll_token.assert_called_once_with(TOKEN_ID, None)
    assert result["diff"] == {
        "before": {"id": TOKEN_ID, "name": "ci-dns", "value": "(current secret)"},
        "after": {"id": TOKEN_ID, "name": "ci-dns", "value": "(new secret, not shown)"},
    }


def test_check_mode_sends_no_roll(client, capsys):
    result, out = run({"id": TOKEN_ID, "_ansible_check_mode": True}, client, capsys)
    assert result["changed"] is True
    assert result["value"] is None
    assert result["token"]["id"] == TOKEN_ID
    assert result["diff"]["after"]["value"] == "(new secret, not shown)"
    client.roll_token.assert_not_called()
    client.get_token.assert_called_once_with(TOKEN_ID, None)
    assert_no_secret(out)


def test_value_path_is_validated_before_any_request(client, capsys, tmp_path):
    missing = tmp_path / "missing" / "token"
    result, out = run({"name": "ci-dns", "value_path": str(missing)}, client, capsys)
    assert result["failed"] is True
    assert "value_path" in result["msg"] and str(missing.parent) in result["msg"]
    assert client.method_calls == []
    assert not missing.parent.exists()


def test_value_path_receives_secret_0600_and_result_omits_it(client, capsys, tmp_path):
    path = tmp_path / "token"
    path.write_text("old value")
    client.get_token.side_effect = None
    client.get_token.return_value = token()
    result, out = run({"name": "ci-dns", "value_path": str(path)}, client, capsys)
    assert result["changed"] is True
    assert result["value_path"] == str(path)
    assert "value" not in result
    assert path.read_text() == NEW_SECRET
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o600
    assert_no_secret(out)


def test_write_uncertain_message_is_about_rolls(client, capsys):
    client.roll_token.side_effect = CloudflareWriteUncertain(
        "The PUT request may or may not have been applied", "PUT", "/user/tokens/%s/value" % TOKEN_ID, 503)
    result, out = run({"id": TOKEN_ID}, client, capsys)
    assert result["failed"] is True
    msg = result["msg"]
    assert "Rolling token %s ('ci-dns') may or may not have happened" % TOKEN_ID in msg
    assert "HTTP 503" in msg
    assert "modified_on" in msg and "2026-01-01T00:00:00Z" in msg
    assert "cf_token_info" in msg and "roll it again" in msg
    assert result["api_error"]["status"] == 503
    client.roll_token.assert_called_once()
    assert client.get_token.call_count == 1
    assert_no_secret(out)


def test_unknown_token_fails_without_roll(client, capsys):
    result, out = run({"name": "nope", "account_id": ACCOUNT}, client, capsys)
    assert result["failed"] is True
    assert "no token named 'nope' exists in account %s" % ACCOUNT in result["msg"]
    client.list_tokens.assert_called_once_with(ACCOUNT)
    client.roll_token.assert_not_called()


def test_unknown_id_fails_without_roll(client, capsys):
    client.get_token.side_effect = None
    client.get_token.return_value = None
    result, out = run({"id": OTHER_ID}, client, capsys)
    assert result["failed"] is True
    assert "no token %s exists" % OTHER_ID in result["msg"]
    client.roll_token.assert_not_called()


def test_duplicate_names_fail_listing_ids(client, capsys):
    client.list_tokens.return_value = [token(), token(OTHER_ID)]
    result, out = run({"name": "ci-dns"}, client, capsys)
    assert result["failed"] is True
    assert TOKEN_ID in result["msg"] and OTHER_ID in result["msg"]
    client.roll_token.assert_not_called()


def test_id_and_mismatching_name_refuse(client, capsys):
    result, out = run({"id": TOKEN_ID, "name": "other"}, client, capsys)
    assert result["failed"] is True
    assert "named 'ci-dns', not 'other'" in result["msg"]
    client.roll_token.assert_not_called()


def test_invalid_id_fails_before_any_request(client, capsys):
    result, out = run({"id": "not-an-id"}, client, capsys)
    assert result["failed"] is True
    assert result["msg"].startswith("id must be")
    assert client.method_calls == []


def test_empty_name_fails_before_any_request(client, capsys):
    result, out = run({"name": " "}, client, capsys)
    assert result["failed"] is True
    assert result["msg"].startswith("name must not be empty")
    assert client.method_calls == []


def test_account_scope_is_passed_to_every_call(client, capsys):
    result, out = run({"id": TOKEN_ID, "account_id": ACCOUNT}, client, capsys)
    assert result["changed"] is True
    client.roll_token.assert_called_once_with(TOKEN_ID, ACCOUNT)
    assert client.get_token.call_args_list == [mock.call(TOKEN_ID, ACCOUNT), mock.call(TOKEN_ID, ACCOUNT)]


def test_failed_read_back_keeps_value_and_warns_without_secret(client, capsys):
    client.get_token.side_effect = [token(), CloudflareAuthError("Authentication failed.", "GET", "/user/tokens/x", 401)]
    result, out = run({"id": TOKEN_ID}, client, capsys)
    assert result["changed"] is True
    assert result["value"] == NEW_SECRET
    assert out.count(NEW_SECRET) == 1
    assert result["token"]["modified_on"] == "2026-01-01T00:00:00Z"
    # Warnings are structured objects since ansible-core 2.19.
    assert "refused the credentials when it was read back" in json.dumps(result["warnings"])


def test_other_read_back_errors_are_named_in_the_warning(client, capsys):
    client.get_token.side_effect = [token(), CloudflareError("Request rejected by Cloudflare.", "GET", "/user/tokens/x", 400)]
    result, out = run({"id": TOKEN_ID}, client, capsys)
    assert result["changed"] is True
    assert "reading it back failed (Request rejected by Cloudflare." in json.dumps(result["warnings"])
    assert out.count(NEW_SECRET) == 1


def test_unwritable_value_path_after_roll_fails_without_secret(client, capsys, tmp_path):
    path = tmp_path / "token"
    with mock.patch.object(cloudflare_module, "write_secret_file", side_effect=OSError(28, "No space left on device")):
        result, out = run({"id": TOKEN_ID, "value_path": str(path)}, client, capsys)
    assert result["failed"] is True
    assert result["changed"] is True
    assert "was rolled" in result["msg"] and "No space left on device" in result["msg"]
    assert_no_secret(out)


def test_answer_without_value_fails_clearly(client, capsys):
    client.roll_token.return_value = {}
    result, out = run({"id": TOKEN_ID}, client, capsys)
    assert result["failed"] is True
    assert "carried no new value" in result["msg"]
