# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cf_token_roll with a mocked client: ordering of checks and requests, and where the secret may appear."""

import datetime
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


@pytest.fixture
def verifier():
    """The client the module builds with the new value, for the verify endpoint."""
    fake = mock.create_autospec(CloudflareClient, instance=True)
    fake.verify_token.return_value = {"id": TOKEN_ID, "status": "active"}
    return fake


def run(args, client, capsys, verifier=None):
    """Run the module and return (result, raw stdout)."""
    args = dict(args, api_token=AUTH_SECRET)
    if verifier is None:
        verifier = mock.create_autospec(CloudflareClient, instance=True)
        verifier.verify_token.return_value = {"id": TOKEN_ID, "status": "active"}
    with patch_module_args(args), mock.patch.object(cloudflare_module, "CloudflareClient", return_value=client), \
            mock.patch.object(cf_token_roll, "CloudflareClient", return_value=verifier) as built:
        with pytest.raises(SystemExit):
            cf_token_roll.main()
    out = capsys.readouterr().out
    for call in built.call_args_list:
        # The verifying client authenticates with the new value alone.
        assert call.kwargs["api_token"] == NEW_SECRET
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
        "before": {"strategy": "roll", "id": TOKEN_ID, "name": "ci-dns", "value": "(current secret)"},
        "after": {"strategy": "roll", "id": TOKEN_ID, "name": "ci-dns", "value": "(new secret, not shown)"},
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


# ----------------------------------------------------------- roll: verify, max_age
def test_roll_verifies_the_new_value_with_that_value(client, capsys, verifier):
    client.get_token.side_effect = [token(), token(modified_on="2026-06-01T00:00:00Z")]
    result, out = run({"id": TOKEN_ID}, client, capsys, verifier)
    assert result["verified"] is True
    verifier.verify_token.assert_called_once_with(None)


def test_roll_that_does_not_verify_fails_but_keeps_the_value(client, capsys, verifier):
    verifier.verify_token.side_effect = CloudflareAuthError("Authentication failed.", "GET", "/user/tokens/verify", 401)
    result, out = run({"id": TOKEN_ID}, client, capsys, verifier)
    assert result["failed"] is True and result["changed"] is True
    assert "did not verify: Cloudflare rejected it" in result["msg"]
    assert result["value"] == NEW_SECRET
    assert NEW_SECRET not in result["msg"]


def test_roll_verifying_as_another_token_fails(client, capsys, verifier):
    verifier.verify_token.return_value = {"id": OTHER_ID, "status": "active"}
    result, out = run({"id": TOKEN_ID}, client, capsys, verifier)
    assert result["failed"] is True
    assert "verifies as token %s, not %s" % (OTHER_ID, TOKEN_ID) in result["msg"]


def test_roll_of_a_disabled_token_with_verify_is_refused_before_the_roll(client, capsys):
    client.get_token.side_effect = [dict(token(), status="disabled")]
    result, out = run({"id": TOKEN_ID}, client, capsys)
    assert result["failed"] is True
    assert "is disabled" in result["msg"] and "verify=false" in result["msg"]
    client.roll_token.assert_not_called()


def test_roll_not_due_under_max_age_sends_no_write(client, capsys):
    recent = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    client.get_token.side_effect = [token(modified_on=recent)]
    result, out = run({"id": TOKEN_ID, "max_age": "30d"}, client, capsys)
    assert result["changed"] is False
    assert result["action"] == "none"
    assert result["value"] is None
    client.roll_token.assert_not_called()


def test_roll_due_under_max_age_counts_from_modified_on(client, capsys):
    client.get_token.side_effect = [token(modified_on="2026-01-01T00:00:00Z"), token()]
    result, out = run({"id": TOKEN_ID, "max_age": "1d"}, client, capsys)
    assert result["changed"] is True and result["action"] == "rolled"
    client.roll_token.assert_called_once()


@pytest.mark.parametrize("args, message", [
    ({"id": TOKEN_ID, "overlap": "1h"}, "overlap only applies to strategy=replace"),
    ({"id": TOKEN_ID, "max_age": "soon"}, "max_age: 'soon' is not a duration"),
    ({"name": "ci-dns", "id": TOKEN_ID, "strategy": "replace"}, "id cannot be used with strategy=replace"),
    ({"name": "ci-dns", "strategy": "replace", "overlap": "1 hour"}, "overlap: '1 hour' is not a duration"),
])
def test_bad_options_fail_before_any_request(client, capsys, args, message):
    result, out = run(args, client, capsys)
    assert result["failed"] is True
    assert result["msg"].startswith(message)
    assert client.method_calls == []


# ------------------------------------------------------------- replace: decisions
NOW = datetime.datetime(2026, 12, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)
POLICIES = [{"id": "p" * 32, "effect": "allow", "permission_groups": [{"id": "1" * 32, "name": "DNS Write"}],
             "resources": {"com.cloudflare.api.account.zone.*": "*"}}]


def api_token(token_id, name="app", issued_on="2026-01-01T00:00:00Z", **extra):
    body = {"id": token_id, "name": name, "status": "active", "issued_on": issued_on, "modified_on": issued_on,
            "policies": POLICIES, "condition": {"request_ip": {"in": ["192.0.2.0/24"]}}, "not_before": "2025-01-01T00:00:00Z"}
    body.update(extra)
    return body


def test_plan_one_current_token_is_replaced():
    current = api_token("a" * 32)
    plan = cf_token_roll.plan_replace([current, api_token("b" * 32, "other")], "app", NOW)
    assert plan == {"action": "create", "source": current, "predecessor": current}


def test_plan_max_age_uses_issued_on():
    young = api_token("a" * 32, issued_on="2026-11-30T12:00:00Z", modified_on="2020-01-01T00:00:00Z")
    assert cf_token_roll.plan_replace([young], "app", NOW, datetime.timedelta(days=2))["action"] == "none"
    assert cf_token_roll.plan_replace([young], "app", NOW, datetime.timedelta(hours=12))["action"] == "create"


def test_plan_running_overlap_means_finished_unless_max_age_says_due():
    successor = api_token("b" * 32, issued_on="2026-12-01T11:30:00Z")
    retired = api_token("a" * 32, name="app (retired 2026-12-01T11:30:05Z)", expires_on="2026-12-01T12:30:05Z")
    assert cf_token_roll.plan_replace([retired, successor], "app", NOW)["action"] == "none"
    assert cf_token_roll.plan_replace([retired, successor], "app", NOW, datetime.timedelta(minutes=10))["action"] == "create"
    ended = dict(retired, expires_on="2026-12-01T11:59:00Z", status="expired")
    assert cf_token_roll.plan_replace([ended, successor], "app", NOW)["action"] == "create"


def test_plan_two_tokens_of_the_name_are_an_interrupted_replacement():
    old = api_token("a" * 32)
    new = api_token("b" * 32, issued_on="2026-12-01T11:59:00Z", policies=[dict(POLICIES[0], id="q" * 32)])
    plan = cf_token_roll.plan_replace([new, old], "app", NOW, datetime.timedelta(days=365))
    assert plan == {"action": "resume", "predecessor": old, "successor": new}


def test_plan_two_unrelated_tokens_of_the_name_are_refused():
    old = api_token("a" * 32)
    other = api_token("b" * 32, issued_on="2026-12-01T11:59:00Z", condition={})
    assert "not a token and its successor" in cf_token_roll.plan_replace([old, other], "app", NOW)["error"]


def test_plan_three_tokens_of_the_name_are_refused():
    tokens = [api_token(c * 32, issued_on="2026-0%d-01T00:00:00Z" % i) for i, c in enumerate("abc", 1)]
    assert "3 tokens are named 'app'" in cf_token_roll.plan_replace(tokens, "app", NOW)["error"]


def test_plan_a_retired_token_without_successor_gets_one():
    retired = api_token("a" * 32, name="app (retired 2026-12-01T11:30:05Z)", expires_on="2026-12-01T12:30:05Z")
    plan = cf_token_roll.plan_replace([retired], "app", NOW)
    assert plan == {"action": "create", "source": retired, "predecessor": None}


def test_plan_refuses_disabled_and_missing():
    assert "is disabled" in cf_token_roll.plan_replace([api_token("a" * 32, status="disabled")], "app", NOW)["error"]
    assert "revoked" in cf_token_roll.plan_replace([api_token("a" * 32, status="revoked_leaked")], "app", NOW)["error"]
    assert cf_token_roll.plan_replace([], "app", NOW)["error"] == "no token named 'app' exists"


# ------------------------------------------------------- replace: the module, on a fake store
class Store:
    """Tokens with their values; clients bound to a value, as Cloudflare authenticates them."""

    def __init__(self, tokens):
        self.tokens = dict((t["id"], dict(t)) for t in tokens)
        self.writes = []
        self.counter = 0

    def client(self, api_token=None, **kwargs):
        return StoreClient(self, api_token)


class StoreClient:
    def __init__(self, store, value):
        self.store = store
        self.value = value

    def list_tokens(self, account_id=None):
        return [public(t) for t in self.store.tokens.values()]

    def get_token(self, token_id, account_id=None):
        t = self.store.tokens.get(token_id)
        return public(t) if t else None

    def _new_value(self):
        self.store.counter += 1
        return "%s-%d" % (NEW_SECRET, self.store.counter)

    def create_token(self, body, account_id=None):
        self.store.writes.append(("create", body))
        new_id = "%032x" % (len(self.store.tokens) + 0xc0ffee)
        token = dict(body, id=new_id, status="active", issued_on="2026-12-01T12:00:00Z", value=self._new_value())
        self.store.tokens[new_id] = token
        return dict(token)

    def roll_token(self, token_id, account_id=None):
        self.store.writes.append(("roll", token_id))
        self.store.tokens[token_id]["value"] = self._new_value()
        return self.store.tokens[token_id]["value"]

    def update_token(self, token_id, body, account_id=None):
        self.store.writes.append(("update", token_id, body))
        self.store.tokens[token_id].update(body)
        return public(self.store.tokens[token_id])

    def delete_token(self, token_id, account_id=None):
        self.store.writes.append(("delete", token_id))
        return self.store.tokens.pop(token_id, None) is not None

    def verify_token(self, account_id=None):
        for t in self.store.tokens.values():
            if t.get("value") == self.value:
                return {"id": t["id"], "status": t["status"]}
        raise CloudflareAuthError("Authentication failed.", "GET", "/user/tokens/verify", 401)


def public(token):
    return dict((k, v) for k, v in token.items() if k != "value")


def replace(store, capsys, check_mode=False, **args):
    args = dict({"name": "app", "strategy": "replace", "api_token": AUTH_SECRET, "_ansible_check_mode": check_mode}, **args)
    with patch_module_args(args), mock.patch.object(cloudflare_module, "CloudflareClient", side_effect=store.client), \
            mock.patch.object(cf_token_roll, "CloudflareClient", side_effect=store.client):
        with pytest.raises(SystemExit):
            cf_token_roll.main()
    out = capsys.readouterr().out
    return json.loads(out), out


def named(store, name="app"):
    return [t for t in store.tokens.values() if t["name"] == name]


def test_replace_creates_verifies_then_retires(capsys, tmp_path):
    store = Store([dict(api_token(TOKEN_ID), value="OLD-value")])
    path = tmp_path / "app.token"
    result, out = replace(store, capsys, value_path=str(path), overlap="2h")
    assert result["changed"] is True and result["action"] == "replaced" and result["verified"] is True
    kinds = [w[0] for w in store.writes]
    assert kinds == ["create", "update"]
    created = store.writes[0][1]
    assert created["name"] == "app" and created["not_before"] == "2025-01-01T00:00:00Z"
    assert created["condition"] == {"request_ip": {"in": ["192.0.2.0/24"]}}
    assert created["policies"] == [{"effect": "allow", "permission_groups": [{"id": "1" * 32}],
                                    "resources": {"com.cloudflare.api.account.zone.*": "*"}}]
    retired = store.tokens[TOKEN_ID]
    assert retired["name"].startswith("app (retired ") and retired["value"] == "OLD-value"
    left = cf_token_roll.parse_datetime(retired["expires_on"]) - datetime.datetime.now(datetime.timezone.utc)
    assert datetime.timedelta(hours=1, minutes=59) < left <= datetime.timedelta(hours=2)
    assert result["retired"]["id"] == TOKEN_ID and result["retired"]["deleted"] is False
    assert len(named(store)) == 1 and path.read_text() == named(store)[0]["value"]
    assert NEW_SECRET not in out and "OLD-value" not in out


def test_replace_with_overlap_zero_deletes_the_predecessor(capsys):
    store = Store([dict(api_token(TOKEN_ID), value="OLD-value")])
    result, out = replace(store, capsys, overlap="0")
    assert [w[0] for w in store.writes] == ["create", "delete"]
    assert TOKEN_ID not in store.tokens
    assert result["retired"]["deleted"] is True
    assert result["value"] == named(store)[0]["value"]


def test_replace_keeps_an_earlier_expiry_of_the_predecessor(capsys):
    soon = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    store = Store([dict(api_token(TOKEN_ID, expires_on=soon), value="OLD-value")])
    replace(store, capsys, overlap="1d")
    assert store.tokens[TOKEN_ID]["expires_on"] == soon


def test_replace_check_mode_reads_only_and_shows_the_plan(capsys):
    store = Store([dict(api_token(TOKEN_ID), value="OLD-value")])
    result, out = replace(store, capsys, check_mode=True, _ansible_diff=True)
    assert store.writes == []
    assert result["changed"] is True and result["action"] == "replaced" and result["value"] is None
    after = result["diff"]["after"]
    assert after["strategy"] == "replace"
    assert after["tokens"][0]["id"] == "(new token)"
    assert after["tokens"][1]["id"] == TOKEN_ID and after["tokens"][1]["name"].startswith("app (retired ")


def test_replace_that_does_not_verify_leaves_the_predecessor(capsys, tmp_path):
    store = Store([dict(api_token(TOKEN_ID), value="OLD-value")])
    with mock.patch.object(StoreClient, "verify_token", side_effect=CloudflareAuthError("no", "GET", "/verify", 401)):
        result, out = replace(store, capsys, value_path=str(tmp_path / "v"))
    assert result["failed"] is True and result["changed"] is True
    assert "did not verify" in result["msg"] and "still valid" in result["msg"]
    assert [w[0] for w in store.writes] == ["create"]
    assert store.tokens[TOKEN_ID]["name"] == "app"


def test_uncertain_create_says_a_rerun_finishes(capsys):
    store = Store([dict(api_token(TOKEN_ID), value="OLD-value")])
    error = CloudflareWriteUncertain("may or may not", "POST", "/user/tokens", 503)
    with mock.patch.object(StoreClient, "create_token", side_effect=error):
        result, out = replace(store, capsys)
    assert result["failed"] is True
    assert "Creating the successor of 'app' may or may not have happened" in result["msg"]
    assert "Run the task again" in result["msg"] and "HTTP 503" in result["msg"]
    assert store.tokens[TOKEN_ID]["name"] == "app"


def interrupted(successor_value="SUCCESSOR-value"):
    old = dict(api_token(TOKEN_ID), value="OLD-value")
    new = dict(api_token(OTHER_ID, issued_on="2026-12-01T11:00:00Z"), value=successor_value)
    return Store([old, new])


def test_resume_with_the_successor_value_in_the_file_only_retires(capsys, tmp_path):
    store = interrupted()
    path = tmp_path / "app.token"
    path.write_text("SUCCESSOR-value")
    result, out = replace(store, capsys, value_path=str(path))
    assert result["action"] == "resumed" and result["verified"] is True
    assert [w[0] for w in store.writes] == ["update"]
    assert store.writes[0][1] == TOKEN_ID
    assert path.read_text() == "SUCCESSOR-value"
    assert result["token"]["id"] == OTHER_ID


@pytest.mark.parametrize("stored", [None, "OLD-value", "garbage value", ""])
def test_resume_without_proof_of_delivery_rolls_the_successor_once(capsys, tmp_path, stored):
    store = interrupted()
    path = tmp_path / "app.token"
    if stored is not None:
        path.write_text(stored)
    result, out = replace(store, capsys, value_path=str(path))
    assert [w[:2] for w in store.writes] == [("roll", OTHER_ID), ("update", TOKEN_ID)]
    assert path.read_text() == store.tokens[OTHER_ID]["value"] != "SUCCESSOR-value"
    assert len(named(store)) == 1


def test_resume_without_value_path_rolls_and_returns_the_value(capsys):
    store = interrupted()
    result, out = replace(store, capsys)
    assert [w[0] for w in store.writes] == ["roll", "update"]
    assert result["value"] == store.tokens[OTHER_ID]["value"]


def test_resume_in_check_mode_writes_nothing(capsys, tmp_path):
    store = interrupted()
    result, out = replace(store, capsys, check_mode=True, value_path=str(tmp_path / "none"))
    assert store.writes == []
    assert result["action"] == "resumed"


def test_replace_not_due_writes_nothing(capsys):
    recent = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.123456Z")
    store = Store([dict(api_token(TOKEN_ID, issued_on=recent), value="OLD-value")])
    result, out = replace(store, capsys, max_age="30d")
    assert result["changed"] is False and result["action"] == "none"
    assert store.writes == []


def test_replace_refuses_a_token_not_valid_yet_when_verifying(capsys):
    store = Store([dict(api_token(TOKEN_ID, not_before="2099-01-01T00:00:00Z"), value="OLD-value")])
    result, out = replace(store, capsys)
    assert result["failed"] is True and "not valid before" in result["msg"]
    assert store.writes == []
