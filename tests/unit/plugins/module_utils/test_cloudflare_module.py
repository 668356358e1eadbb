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
class Client:
    """Scripted create/list/roll; records calls."""

    def __init__(self, before=(), create=None, after=None, roll="ROLLED-" + "r" * 33, list_error=None):
        self.before = [dict(t) for t in before]
        self.after = after
        self.create = create
        self.roll = roll
        self.list_error = list_error
        self.calls = []

    def list_tokens(self, account_id=None, include_expired=True):
        self.calls.append(("list_tokens", account_id))
        created = any(c[0] == "create_token" for c in self.calls)
        if self.list_error and created:
            raise self.list_error
        if created and self.after is not None:
            return [dict(t) for t in self.after]
        return [dict(t) for t in self.before]

    def create_token(self, body, account_id=None):
        self.calls.append(("create_token", body["name"]))
        if isinstance(self.create, Exception):
            raise self.create
        return dict(id="c" * 32, name=body["name"], value="NEW-" + "v" * 36)

    def roll_token(self, token_id, account_id=None):
        self.calls.append(("roll_token", token_id))
        if isinstance(self.roll, Exception):
            raise self.roll
        return self.roll


LOST = CloudflareWriteUncertain("The POST /user/tokens request may or may not have been applied", "POST", "/user/tokens", 503)
LOST.reason = "Cloudflare answered HTTP 503"
OLD = {"id": "0" * 32, "name": "ci"}
NEW = {"id": "1" * 32, "name": "ci", "status": "active"}


def test_a_normal_create_lists_first_only_without_known_ids():
    c = Client(before=[OLD])
    token, recovered = cm.create_token(c, {"name": "ci"})
    assert token["value"].startswith("NEW-") and recovered is False
    assert [x[0] for x in c.calls] == ["list_tokens", "create_token"]
    c = Client(before=[OLD])
    cm.create_token(c, {"name": "ci"}, ACCOUNT, known_ids={OLD["id"]})
    assert [x[0] for x in c.calls] == ["create_token"]


def test_a_lost_answer_whose_token_exists_is_rolled_once_and_delivered():
    c = Client(before=[OLD], create=LOST, after=[OLD, NEW])
    token, recovered = cm.create_token(c, {"name": "ci"}, known_ids=[OLD["id"]])
    assert recovered is True
    assert token["id"] == NEW["id"] and token["value"] == "ROLLED-" + "r" * 33
    assert c.calls == [("create_token", "ci"), ("list_tokens", None), ("roll_token", NEW["id"])]


def test_a_lost_answer_with_no_new_token_says_nothing_was_created():
    c = Client(before=[OLD], create=LOST, after=[OLD])
    with pytest.raises(cm.CreateNotApplied) as info:
        cm.create_token(c, {"name": "ci"}, known_ids=[OLD["id"]])
    assert "nothing was created" in str(info.value) and "safe to run the task again" in str(info.value)
    assert "HTTP 503" in str(info.value)
    assert not [x for x in c.calls if x[0] == "roll_token"]


def test_two_new_tokens_of_the_name_are_ambiguous_and_nothing_is_rolled():
    twin = dict(NEW, id="2" * 32)
    c = Client(before=[OLD], create=LOST, after=[OLD, NEW, twin])
    with pytest.raises(cm.CreateUnresolved) as info:
        cm.create_token(c, {"name": "ci"}, ACCOUNT, known_ids=[OLD["id"]])
    text = str(info.value)
    assert NEW["id"] in text and twin["id"] in text and "in account %s" % ACCOUNT in text
    assert "state=absent" in text and "cf_token_roll" in text
    assert not [x for x in c.calls if x[0] == "roll_token"]


def test_a_failed_roll_after_recovery_names_the_token_and_the_way_out():
    c = Client(before=[OLD], create=LOST, after=[OLD, NEW], roll=CloudflareRateLimited("Rate limited", "PUT", "/v", 429))
    with pytest.raises(cm.CreateUnresolved) as info:
        cm.create_token(c, {"name": "ci"}, known_ids=[OLD["id"]])
    assert NEW["id"] in str(info.value) and "cf_token_roll id=%s" % NEW["id"] in str(info.value)


def test_a_failed_check_listing_says_the_token_may_exist():
    c = Client(before=[OLD], create=LOST, list_error=CloudflareTransportError("Connection to h was refused", "GET", "/user/tokens"))
    with pytest.raises(cm.CreateUnresolved) as info:
        cm.create_token(c, {"name": "ci"}, known_ids=[OLD["id"]])
    assert "may exist" in str(info.value) and "cf_token_info" in str(info.value)


def test_other_errors_of_the_post_pass_through_untouched():
    refused = CloudflareRateLimited("Rate limited", "POST", "/user/tokens", 429)
    c = Client(before=[OLD], create=refused)
    with pytest.raises(CloudflareRateLimited):
        cm.create_token(c, {"name": "ci"}, known_ids=[])
    assert [x[0] for x in c.calls] == ["create_token"]
