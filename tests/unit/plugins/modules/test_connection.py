# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection options of every module, run through a real AnsibleModule."""

import pytest


from ansible_collections.tokenops.cloudflare.plugins.module_utils import cloudflare_module
from ansible_collections.tokenops.cloudflare.plugins.module_utils.token_model import InvalidToken
from ansible_collections.tokenops.cloudflare.plugins.modules import cf_token_info

TOKEN = "T" * 40
KEY = "K" * 37


@pytest.fixture
def run_info(fake_client, monkeypatch):
    """Run cf_token_info with exactly ``args`` and ``env``; returns (result, failed, client keyword arguments)."""

    def run(args, env):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        result, failed, client = fake_client(cf_token_info, dict({"api_token": None}, **args))
        run.calls = client.calls
        return result, failed, client.made[0] if client.made else {}

    return run


def test_token_option_wins_over_global_key_environment(run_info):
    result, failed, made = run_info({"api_token": TOKEN}, {"CLOUDFLARE_EMAIL": "ops@example.com", "CLOUDFLARE_API_KEY": KEY})
    assert not failed, result
    assert (made["api_token"], made["api_email"], made["api_key"]) == (TOKEN, None, None)


def test_global_key_options_win_over_token_environment(run_info):
    result, failed, made = run_info({"api_email": "me@example.com", "api_key": KEY}, {"CLOUDFLARE_API_TOKEN": TOKEN})
    assert not failed, result
    assert (made["api_token"], made["api_email"], made["api_key"]) == (None, "me@example.com", KEY)


def test_both_methods_as_options_fail_before_any_client(run_info):
    result, failed, made = run_info({"api_token": TOKEN, "api_email": "me@example.com", "api_key": KEY}, {})
    assert failed and "mutually exclusive" in result["msg"] and made == {}


def test_empty_account_id_option_means_user_scope(run_info):
    result, failed, made = run_info({"api_token": TOKEN, "account_id": ""}, {"CLOUDFLARE_ACCOUNT_ID": "a" * 32})
    assert not failed, result
    assert run_info.calls == [("list_tokens", None, True)]
    result, failed, made = run_info({"api_token": TOKEN}, {"CLOUDFLARE_ACCOUNT_ID": "a" * 32})
    assert not failed, result
    assert run_info.calls == [("list_tokens", "a" * 32, True)]


def test_secrets_from_the_environment_are_no_log_values(run_info, monkeypatch):
    # AnsibleModule masks no_log values in its output; one read from the environment must be among them.
    seen = {}
    real = cloudflare_module.CloudflareModule._validate_connection

    def spy(self):
        seen["no_log"] = set(self.module.no_log_values)
        return real(self)

    monkeypatch.setattr(cloudflare_module.CloudflareModule, "_validate_connection", spy)
    result, failed, made = run_info({}, {"CLOUDFLARE_EMAIL": "ops@example.com", "CLOUDFLARE_API_KEY": KEY})
    assert not failed, result
    assert KEY in seen["no_log"] and made["api_key"] == KEY


def test_a_bad_max_retry_wait_is_refused(run_info):
    result, failed, made = run_info({"api_token": TOKEN, "max_retry_wait": -1}, {})
    assert failed and "max_retry_wait" in result["msg"] and made == {}


def test_run_turns_invalid_token_into_one_line(fake_client, monkeypatch):
    def broken(module):
        raise InvalidToken("condition: only request_ip is supported,\n got ['request.ip'].")

    monkeypatch.setattr(cf_token_info, "run", broken)
    result, failed, _client = fake_client(cf_token_info, {})
    assert failed
    assert result["msg"] == "condition: only request_ip is supported, got ['request.ip']."
