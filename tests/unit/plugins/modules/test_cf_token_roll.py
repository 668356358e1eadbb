# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cf_token_roll on the fake Cloudflare: ordering of checks and requests, and where the secret may appear."""

import datetime
import os
import stat

import pytest

from ansible_collections.tokenops.cloudflare.plugins.module_utils import cloudflare_module
from ansible_collections.tokenops.cloudflare.plugins.module_utils.cloudflare_api import (
    CloudflareAuthError,
    CloudflareError,
    CloudflareWriteUncertain,
)
from ansible_collections.tokenops.cloudflare.plugins.modules import cf_token_roll

ACCOUNT = "0123456789abcdef0123456789abcdef"
TOKEN_ID = "ed17574386854bf78a67040be0a770b0"
OTHER_ID = "aa17574386854bf78a67040be0a770bb"
MISSING_ID = "bb17574386854bf78a67040be0a770cc"
AUTH_SECRET = "AUTHsecret-used-by-the-task-000000000000"


def token(token_id=TOKEN_ID, name="ci-dns", modified_on="2026-01-01T00:00:00Z"):
    return {"id": token_id, "name": name, "status": "active", "issued_on": "2026-01-01T00:00:00Z",
            "modified_on": modified_on, "policies": [], "condition": {}}


@pytest.fixture
def fake(cloudflare):
    """ci-dns (TOKEN_ID, last modified 2026-01-01) and other (OTHER_ID)."""
    return cloudflare.seed([token(), token(OTHER_ID, "other")])


@pytest.fixture
def run(fake_client, cloudflare):
    """Run the module as a task authenticated with AUTH_SECRET; returns (result, raw stdout)."""

    def run_module(args):
        result, _failed, _cloudflare = fake_client(cf_token_roll, dict(args, api_token=AUTH_SECRET))
        for made in cloudflare.made[1:]:
            # The verifying client authenticates with the new value alone.
            assert made["api_token"] == cloudflare.issued[-1]
        return result, cloudflare.stdout

    return run_module


def new_value(fake):
    return fake.values[TOKEN_ID]


def assert_no_secret(fake, out):
    assert not [value for value in fake.issued if value in out]
    assert AUTH_SECRET not in out


def test_roll_by_name_returns_value_once_and_fresh_metadata(fake, run):
    result, out = run({"name": "ci-dns"})
    assert result["changed"] is True
    assert result["value"] == new_value(fake) == fake.issued[0]
    assert out.count(new_value(fake)) == 1
    assert result["token"]["modified_on"] == fake.now
    assert "value" not in result["token"]
    assert fake.called("roll_token") == [("roll_token", TOKEN_ID, None)]
    assert result["diff"] == {
        "before": {"strategy": "roll", "id": TOKEN_ID, "name": "ci-dns", "value": "(current secret)"},
        "after": {"strategy": "roll", "id": TOKEN_ID, "name": "ci-dns", "value": "(new secret, not shown)"},
    }


def test_check_mode_sends_no_roll(fake, run):
    result, out = run({"id": TOKEN_ID, "_ansible_check_mode": True})
    assert result["changed"] is True
    assert result["value"] is None
    assert result["token"]["id"] == TOKEN_ID
    assert result["diff"]["after"]["value"] == "(new secret, not shown)"
    assert fake.calls == [("get_token", TOKEN_ID, None)]
    assert_no_secret(fake, out)


def test_value_path_is_validated_before_any_request(fake, run, tmp_path):
    missing = tmp_path / "missing" / "token"
    result, out = run({"name": "ci-dns", "value_path": str(missing)})
    assert result["failed"] is True
    assert "value_path" in result["msg"] and str(missing.parent) in result["msg"]
    assert fake.calls == []
    assert not missing.parent.exists()


def test_value_path_receives_secret_0600_and_result_omits_it(fake, run, tmp_path):
    path = tmp_path / "token"
    path.write_text("old value")
    result, out = run({"name": "ci-dns", "value_path": str(path)})
    assert result["changed"] is True
    assert result["value_path"] == str(path)
    assert "value" not in result
    assert path.read_text() == new_value(fake)
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o600
    assert_no_secret(fake, out)


def test_write_uncertain_message_is_about_rolls(fake, run):
    fake.fail("roll_token", CloudflareWriteUncertain(
        "The PUT request may or may not have been applied", "PUT", "/user/tokens/%s/value" % TOKEN_ID, 503))
    result, out = run({"id": TOKEN_ID})
    assert result["failed"] is True
    msg = result["msg"]
    assert "Rolling token %s ('ci-dns') may or may not have happened" % TOKEN_ID in msg
    assert "HTTP 503" in msg
    assert "modified_on" in msg and "2026-01-01T00:00:00Z" in msg
    assert "cf_token_info" in msg and "roll it again" in msg
    assert result["api_error"]["status"] == 503
    assert fake.kinds == ["get_token", "roll_token"]
    assert_no_secret(fake, out)


def test_unknown_token_fails_without_roll(fake, run):
    result, out = run({"name": "nope", "account_id": ACCOUNT})
    assert result["failed"] is True
    assert "no token named 'nope' exists in account %s" % ACCOUNT in result["msg"]
    assert fake.calls == [("list_tokens", ACCOUNT, True)]


def test_unknown_id_fails_without_roll(fake, run):
    result, out = run({"id": MISSING_ID})
    assert result["failed"] is True
    assert "no token %s exists" % MISSING_ID in result["msg"]
    assert fake.writes == []


def test_duplicate_names_fail_listing_ids(fake, run):
    fake.token(OTHER_ID)["name"] = "ci-dns"
    result, out = run({"name": "ci-dns"})
    assert result["failed"] is True
    assert TOKEN_ID in result["msg"] and OTHER_ID in result["msg"]
    assert fake.writes == []


def test_id_and_mismatching_name_refuse(fake, run):
    result, out = run({"id": TOKEN_ID, "name": "other"})
    assert result["failed"] is True
    assert "named 'ci-dns', not 'other'" in result["msg"]
    assert fake.writes == []


def test_invalid_id_fails_before_any_request(fake, run):
    result, out = run({"id": "not-an-id"})
    assert result["failed"] is True
    assert result["msg"].startswith("id must be")
    assert fake.calls == []


def test_empty_name_fails_before_any_request(fake, run):
    result, out = run({"name": " "})
    assert result["failed"] is True
    assert result["msg"].startswith("name must not be empty")
    assert fake.calls == []


def test_account_scope_is_passed_to_every_call(fake, run):
    result, out = run({"id": TOKEN_ID, "account_id": ACCOUNT})
    assert result["changed"] is True
    assert fake.calls == [("get_token", TOKEN_ID, ACCOUNT), ("roll_token", TOKEN_ID, ACCOUNT),
                          ("verify_token", ACCOUNT), ("get_token", TOKEN_ID, ACCOUNT)]


def test_failed_read_back_keeps_value_and_warns_without_secret(fake, run):
    fake.fail("get_token", CloudflareAuthError("Authentication failed.", "GET", "/user/tokens/x", 401), after=1)
    result, out = run({"id": TOKEN_ID})
    assert result["changed"] is True
    assert result["value"] == new_value(fake)
    assert out.count(new_value(fake)) == 1
    assert result["token"]["modified_on"] == "2026-01-01T00:00:00Z"
    # Warnings are structured objects since ansible-core 2.19.
    assert "refused the credentials when it was read back" in out


def test_other_read_back_errors_are_named_in_the_warning(fake, run):
    fake.fail("get_token", CloudflareError("Request rejected by Cloudflare.", "GET", "/user/tokens/x", 400), after=1)
    result, out = run({"id": TOKEN_ID})
    assert result["changed"] is True
    assert "reading it back failed (Request rejected by Cloudflare." in out
    assert out.count(new_value(fake)) == 1


def test_unwritable_value_path_after_roll_fails_without_secret(fake, run, tmp_path, monkeypatch):
    def full_disk(path, value):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cloudflare_module, "write_secret_file", full_disk)
    result, out = run({"id": TOKEN_ID, "value_path": str(tmp_path / "token")})
    assert result["failed"] is True
    assert result["changed"] is True
    assert "was rolled" in result["msg"] and "No space left on device" in result["msg"]
    assert fake.kinds[:2] == ["get_token", "roll_token"]
    assert_no_secret(fake, out)


def test_answer_without_value_fails_clearly(fake, run):
    fake.answer("roll_token", {})
    result, out = run({"id": TOKEN_ID})
    assert result["failed"] is True
    assert "carried no new value" in result["msg"]


# ----------------------------------------------------------- roll: verify, max_age
def test_roll_verifies_the_new_value_with_that_value(fake, run):
    result, out = run({"id": TOKEN_ID})
    assert result["verified"] is True
    assert fake.called("verify_token") == [("verify_token", None)]
    assert [made["api_token"] for made in fake.made] == [AUTH_SECRET, new_value(fake)]


def test_roll_that_does_not_verify_fails_but_keeps_the_value(fake, run):
    fake.fail("verify_token", CloudflareAuthError("Authentication failed.", "GET", "/user/tokens/verify", 401))
    result, out = run({"id": TOKEN_ID})
    assert result["failed"] is True and result["changed"] is True
    assert "did not verify: Cloudflare rejected it" in result["msg"]
    assert result["value"] == new_value(fake)
    assert new_value(fake) not in result["msg"]


def test_roll_verifying_as_another_token_fails(fake, run):
    fake.answer("verify_token", {"id": OTHER_ID, "status": "active"})
    result, out = run({"id": TOKEN_ID})
    assert result["failed"] is True
    assert "verifies as token %s, not %s" % (OTHER_ID, TOKEN_ID) in result["msg"]


def test_roll_of_a_disabled_token_with_verify_is_refused_before_the_roll(fake, run):
    fake.token(TOKEN_ID)["status"] = "disabled"
    result, out = run({"id": TOKEN_ID})
    assert result["failed"] is True
    assert "is disabled" in result["msg"] and "verify=false" in result["msg"]
    assert fake.writes == []


def test_roll_not_due_under_max_age_sends_no_write(fake, run):
    fake.token(TOKEN_ID)["modified_on"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    result, out = run({"id": TOKEN_ID, "max_age": "30d"})
    assert result["changed"] is False
    assert result["action"] == "none"
    assert result["value"] is None
    assert fake.writes == []


def test_roll_due_under_max_age_counts_from_modified_on(fake, run):
    result, out = run({"id": TOKEN_ID, "max_age": "1d"})
    assert result["changed"] is True and result["action"] == "rolled"
    assert fake.writes == [("roll_token", TOKEN_ID, None)]


@pytest.mark.parametrize("args, message", [
    ({"id": TOKEN_ID, "overlap": "1h"}, "overlap only applies to strategy=replace"),
    ({"id": TOKEN_ID, "max_age": "soon"}, "max_age: 'soon' is not a duration"),
    ({"name": "ci-dns", "id": TOKEN_ID, "strategy": "replace"}, "id cannot be used with strategy=replace"),
    ({"name": "ci-dns", "strategy": "replace", "overlap": "1 hour"}, "overlap: '1 hour' is not a duration"),
])
def test_bad_options_fail_before_any_request(fake, run, args, message):
    result, out = run(args)
    assert result["failed"] is True
    assert result["msg"].startswith(message)
    assert fake.calls == []


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


# ------------------------------------------------------- replace: the module, on the fake Cloudflare
@pytest.fixture
def replace(fake_client, cloudflare):
    """``replace(*tokens, check_mode=False, **args)``: run strategy=replace for 'app' on just ``tokens``."""

    def run_module(*tokens, check_mode=False, **args):
        args = dict({"name": "app", "strategy": "replace", "api_token": AUTH_SECRET}, **args)
        result, _failed, _cloudflare = fake_client(cf_token_roll, args, tokens, check_mode)
        return result, cloudflare.stdout

    return run_module


def app_value(fake):
    """The secret of the one token named 'app'."""
    (current,) = fake.named("app")
    return fake.values[current["id"]]


def test_replace_creates_verifies_then_retires(cloudflare, replace, tmp_path):
    path = tmp_path / "app.token"
    result, out = replace(dict(api_token(TOKEN_ID), value="OLD-value"), value_path=str(path), overlap="2h")
    assert result["changed"] is True and result["action"] == "replaced" and result["verified"] is True
    assert [w[0] for w in cloudflare.writes] == ["create_token", "update_token"]
    created = cloudflare.writes[0][1]
    assert created["name"] == "app" and created["not_before"] == "2025-01-01T00:00:00Z"
    assert created["condition"] == {"request_ip": {"in": ["192.0.2.0/24"]}}
    assert created["policies"] == [{"effect": "allow", "permission_groups": [{"id": "1" * 32}],
                                    "resources": {"com.cloudflare.api.account.zone.*": "*"}}]
    retired = cloudflare.token(TOKEN_ID)
    assert retired["name"].startswith("app (retired ") and cloudflare.values[TOKEN_ID] == "OLD-value"
    left = cf_token_roll.parse_datetime(retired["expires_on"]) - datetime.datetime.now(datetime.timezone.utc)
    assert datetime.timedelta(hours=1, minutes=59) < left <= datetime.timedelta(hours=2)
    assert result["retired"]["id"] == TOKEN_ID and result["retired"]["deleted"] is False
    assert path.read_text() == app_value(cloudflare) == cloudflare.issued[0]
    assert cloudflare.issued[0] not in out and "OLD-value" not in out


def test_replace_with_overlap_zero_deletes_the_predecessor(cloudflare, replace):
    result, out = replace(dict(api_token(TOKEN_ID), value="OLD-value"), overlap="0")
    assert [w[0] for w in cloudflare.writes] == ["create_token", "delete_token"]
    assert cloudflare.token(TOKEN_ID) is None
    assert result["retired"]["deleted"] is True
    assert result["value"] == app_value(cloudflare)


def test_replace_keeps_an_earlier_expiry_of_the_predecessor(cloudflare, replace):
    soon = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    replace(dict(api_token(TOKEN_ID, expires_on=soon), value="OLD-value"), overlap="1d")
    assert cloudflare.token(TOKEN_ID)["expires_on"] == soon


def test_replace_check_mode_reads_only_and_shows_the_plan(cloudflare, replace):
    result, out = replace(dict(api_token(TOKEN_ID), value="OLD-value"), check_mode=True, _ansible_diff=True)
    assert cloudflare.writes == []
    assert result["changed"] is True and result["action"] == "replaced" and result["value"] is None
    after = result["diff"]["after"]
    assert after["strategy"] == "replace"
    assert after["tokens"][0]["id"] == "(new token)"
    assert after["tokens"][1]["id"] == TOKEN_ID and after["tokens"][1]["name"].startswith("app (retired ")


def test_replace_that_does_not_verify_leaves_the_predecessor(cloudflare, replace, tmp_path):
    cloudflare.fail("verify_token", CloudflareAuthError("no", "GET", "/verify", 401))
    result, out = replace(dict(api_token(TOKEN_ID), value="OLD-value"), value_path=str(tmp_path / "v"))
    assert result["failed"] is True and result["changed"] is True
    assert "did not verify" in result["msg"] and "still valid" in result["msg"]
    assert [w[0] for w in cloudflare.writes] == ["create_token"]
    assert cloudflare.token(TOKEN_ID)["name"] == "app"


def test_uncertain_create_says_a_rerun_finishes(cloudflare, replace):
    cloudflare.fail("create_token", CloudflareWriteUncertain("may or may not", "POST", "/user/tokens", 503))
    result, out = replace(dict(api_token(TOKEN_ID), value="OLD-value"))
    assert result["failed"] is True
    assert "Creating the successor of 'app' may or may not have happened" in result["msg"]
    assert "Run the task again" in result["msg"] and "HTTP 503" in result["msg"]
    assert cloudflare.token(TOKEN_ID)["name"] == "app"


# The predecessor and the successor a replacement left behind when it was interrupted.
INTERRUPTED = (dict(api_token(TOKEN_ID), value="OLD-value"),
               dict(api_token(OTHER_ID, issued_on="2026-12-01T11:00:00Z"), value="SUCCESSOR-value"))


def test_resume_with_the_successor_value_in_the_file_only_retires(cloudflare, replace, tmp_path):
    path = tmp_path / "app.token"
    path.write_text("SUCCESSOR-value")
    result, out = replace(*INTERRUPTED, value_path=str(path))
    assert result["action"] == "resumed" and result["verified"] is True
    assert [w[:2] for w in cloudflare.writes] == [("update_token", TOKEN_ID)]
    assert path.read_text() == "SUCCESSOR-value"
    assert result["token"]["id"] == OTHER_ID


@pytest.mark.parametrize("stored", [None, "OLD-value", "garbage value", ""])
def test_resume_without_proof_of_delivery_rolls_the_successor_once(cloudflare, replace, tmp_path, stored):
    path = tmp_path / "app.token"
    if stored is not None:
        path.write_text(stored)
    result, out = replace(*INTERRUPTED, value_path=str(path))
    assert [w[:2] for w in cloudflare.writes] == [("roll_token", OTHER_ID), ("update_token", TOKEN_ID)]
    assert path.read_text() == cloudflare.values[OTHER_ID] == cloudflare.issued[0]
    assert len(cloudflare.named("app")) == 1


def test_resume_without_value_path_rolls_and_returns_the_value(cloudflare, replace):
    result, out = replace(*INTERRUPTED)
    assert [w[0] for w in cloudflare.writes] == ["roll_token", "update_token"]
    assert result["value"] == cloudflare.values[OTHER_ID] == cloudflare.issued[0]


def test_resume_in_check_mode_writes_nothing(cloudflare, replace, tmp_path):
    result, out = replace(*INTERRUPTED, check_mode=True, value_path=str(tmp_path / "none"))
    assert cloudflare.writes == []
    assert result["action"] == "resumed"


def test_replace_not_due_writes_nothing(cloudflare, replace):
    recent = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.123456Z")
    result, out = replace(dict(api_token(TOKEN_ID, issued_on=recent), value="OLD-value"), max_age="30d")
    assert result["changed"] is False and result["action"] == "none"
    assert cloudflare.writes == []


def test_replace_refuses_a_token_not_valid_yet_when_verifying(cloudflare, replace):
    result, out = replace(dict(api_token(TOKEN_ID, not_before="2099-01-01T00:00:00Z"), value="OLD-value"))
    assert result["failed"] is True and "not valid before" in result["msg"]
    assert cloudflare.writes == []
