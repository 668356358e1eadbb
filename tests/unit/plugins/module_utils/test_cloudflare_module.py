# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection options against the environment, and the create that never loses a secret."""

import pytest

from ansible_collections.tokenops.cloudflare.plugins.module_utils import cloudflare_module as cm
from ansible_collections.tokenops.cloudflare.plugins.module_utils.cloudflare_api import (
    CloudflareRateLimited,
    CloudflareTransportError,
    CloudflareWriteUncertain,
)

TOKEN = "T" * 40
KEY = "K" * 37
ACCOUNT = "a" * 32
KEY_ENV = {"CLOUDFLARE_EMAIL": "ops@example.com", "CLOUDFLARE_API_KEY": KEY}


def params(**given):
    base = dict.fromkeys(("api_token", "api_email", "api_key", "account_id"))
    base.update(given)
    return base


# ------------------------------------------------------------------ precedence
def test_api_token_option_beats_global_key_in_the_environment():
    p = params(api_token=TOKEN)
    sources, problem = cm.resolve_connection(p, dict(KEY_ENV))
    assert problem is None
    assert (p["api_token"], p["api_email"], p["api_key"]) == (TOKEN, None, None)
    assert sources == {"api_token": "api_token"}


def test_api_email_and_key_options_beat_a_token_in_the_environment():
    p = params(api_email="me@example.com", api_key=KEY)
    _sources, problem = cm.resolve_connection(p, {"CLOUDFLARE_API_TOKEN": TOKEN})
    assert problem is None
    assert (p["api_token"], p["api_email"], p["api_key"]) == (None, "me@example.com", KEY)


def test_a_key_option_takes_the_missing_email_from_the_environment_not_the_token():
    p = params(api_key=KEY)
    sources, problem = cm.resolve_connection(p, {"CLOUDFLARE_API_TOKEN": TOKEN, "CLOUDFLARE_EMAIL": "env@example.com"})
    assert problem is None
    assert (p["api_token"], p["api_email"]) == (None, "env@example.com")
    assert sources["api_email"] == "CLOUDFLARE_EMAIL"


def test_both_methods_as_options_stay_an_error():
    _sources, problem = cm.resolve_connection(params(api_token=TOKEN, api_email="me@example.com", api_key=KEY), {})
    assert "mutually exclusive" in problem


def test_both_methods_in_the_environment_are_an_error_naming_the_variables():
    p = params()
    _sources, problem = cm.resolve_connection(p, dict(KEY_ENV, CLOUDFLARE_API_TOKEN=TOKEN))
    assert "CLOUDFLARE_API_TOKEN" in problem and "CLOUDFLARE_API_KEY" in problem
    assert TOKEN not in problem and KEY not in problem


@pytest.mark.parametrize("env, expected", [
    ({"CLOUDFLARE_API_TOKEN": TOKEN}, (TOKEN, None, None)),
    ({"CLOUDFLARE_TOKEN": TOKEN}, (TOKEN, None, None)),
    (dict(KEY_ENV, CLOUDFLARE_API_TOKEN=""), (None, "ops@example.com", KEY)),
])
def test_the_environment_fills_unset_credentials(env, expected):
    p = params()
    _sources, problem = cm.resolve_connection(p, env)
    assert problem is None
    assert (p["api_token"], p["api_email"], p["api_key"]) == expected


@pytest.mark.parametrize("option, env, expected", [
    ("", {"CLOUDFLARE_ACCOUNT_ID": ACCOUNT}, None),
    ("", {}, None),
    (None, {"CLOUDFLARE_ACCOUNT_ID": ACCOUNT}, ACCOUNT),
    (None, {"CLOUDFLARE_ACCOUNT_ID": ""}, None),
    ("b" * 32, {"CLOUDFLARE_ACCOUNT_ID": ACCOUNT}, "b" * 32),
])
def test_account_id_option_environment_and_empty_means_user_scope(option, env, expected):
    p = params(api_token=TOKEN, account_id=option)
    cm.resolve_connection(p, env)
    assert p["account_id"] == expected


# --------------------------------------------------------------- safe create
LOST = CloudflareWriteUncertain("The POST /user/tokens request may or may not have been applied", "POST", "/user/tokens", 503)
LOST.reason = "Cloudflare answered HTTP 503"
OLD = {"id": "0" * 32, "name": "ci", "status": "active"}


def test_a_normal_create_lists_first_only_without_known_ids(cloudflare):
    cloudflare.seed([OLD])
    token, recovered = cm.create_token(cloudflare.client(), {"name": "ci"})
    assert token["value"] == cloudflare.issued[0] and recovered is False
    assert cloudflare.kinds == ["list_tokens", "create_token"]
    cloudflare.calls = []
    cm.create_token(cloudflare.client(), {"name": "ci"}, ACCOUNT, known_ids={OLD["id"]})
    assert cloudflare.kinds == ["create_token"]


def test_a_lost_answer_whose_token_exists_is_rolled_once_and_delivered(cloudflare):
    cloudflare.seed([OLD]).fail("create_token", LOST, applied=True)
    token, recovered = cm.create_token(cloudflare.client(), {"name": "ci"}, known_ids=[OLD["id"]])
    assert recovered is True
    (created,) = [t for t in cloudflare.named("ci") if t["id"] != OLD["id"]]
    assert token["id"] == created["id"] and token["value"] == cloudflare.values[created["id"]] == cloudflare.issued[1]
    assert cloudflare.calls == [("create_token", {"name": "ci"}, None), ("list_tokens", None, True),
                                ("roll_token", created["id"], None)]


def test_a_lost_answer_with_no_new_token_says_nothing_was_created(cloudflare):
    cloudflare.seed([OLD]).fail("create_token", LOST)
    with pytest.raises(cm.CreateNotApplied) as info:
        cm.create_token(cloudflare.client(), {"name": "ci"}, known_ids=[OLD["id"]])
    assert "nothing was created" in str(info.value) and "safe to run the task again" in str(info.value)
    assert "HTTP 503" in str(info.value)
    assert cloudflare.called("roll_token") == []


def test_two_new_tokens_of_the_name_are_ambiguous_and_nothing_is_rolled(cloudflare):
    twin = dict(OLD, id="2" * 32)
    # The twin is new too: it is not among the ids known before the create.
    cloudflare.seed([OLD, twin]).fail("create_token", LOST, applied=True)
    with pytest.raises(cm.CreateUnresolved) as info:
        cm.create_token(cloudflare.client(), {"name": "ci"}, ACCOUNT, known_ids=[OLD["id"]])
    text = str(info.value)
    (created,) = [t for t in cloudflare.named("ci") if t["id"] not in (OLD["id"], twin["id"])]
    assert created["id"] in text and twin["id"] in text and "in account %s" % ACCOUNT in text
    assert "state=absent" in text and "cf_token_roll" in text
    assert cloudflare.called("roll_token") == []


def test_a_failed_roll_after_recovery_names_the_token_and_the_way_out(cloudflare):
    cloudflare.seed([OLD]).fail("create_token", LOST, applied=True)
    cloudflare.fail("roll_token", CloudflareRateLimited("Rate limited", "PUT", "/v", 429))
    with pytest.raises(cm.CreateUnresolved) as info:
        cm.create_token(cloudflare.client(), {"name": "ci"}, known_ids=[OLD["id"]])
    (created,) = [t for t in cloudflare.named("ci") if t["id"] != OLD["id"]]
    assert created["id"] in str(info.value) and "cf_token_roll id=%s" % created["id"] in str(info.value)


def test_a_failed_check_listing_says_the_token_may_exist(cloudflare):
    cloudflare.seed([OLD]).fail("create_token", LOST, applied=True)
    cloudflare.fail("list_tokens", CloudflareTransportError("Connection to h was refused", "GET", "/user/tokens"))
    with pytest.raises(cm.CreateUnresolved) as info:
        cm.create_token(cloudflare.client(), {"name": "ci"}, known_ids=[OLD["id"]])
    assert "may exist" in str(info.value) and "cf_token_info" in str(info.value)


def test_other_errors_of_the_post_pass_through_untouched(cloudflare):
    cloudflare.seed([OLD]).fail("create_token", CloudflareRateLimited("Rate limited", "POST", "/user/tokens", 429))
    with pytest.raises(CloudflareRateLimited):
        cm.create_token(cloudflare.client(), {"name": "ci"}, known_ids=[])
    assert cloudflare.kinds == ["create_token"]
