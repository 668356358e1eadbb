# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The behaviour switches: admin API, Python API and constructor; validation; reset restores them."""

import pytest
import requests

import cfemu

DEFAULTS = {
    "condition_clear_on_empty": True,
    "enforce_conditions": False,
    "permission_error_code": 10000,
    "expired_window_days": 30,
    "user_token_quota": 50,
    "account_token_quota": 500,
    "rate_limit_requests": 1200,
    "rate_limit_window": 300,
}


def test_defaults(cf):
    assert cf.admin("GET", "/settings").json() == {"settings": DEFAULTS}
    assert cf.emu.settings() == DEFAULTS


def test_partial_change_and_reset(cf):
    changed = cf.configure(enforce_conditions=True, rate_limit_requests=20, rate_limit_window=2)
    assert changed == dict(DEFAULTS, enforce_conditions=True, rate_limit_requests=20, rate_limit_window=2)
    # A second change keeps the first.
    assert cf.configure(user_token_quota=None) == dict(changed, user_token_quota=None)
    assert cf.admin("GET", "/settings").json()["settings"] == dict(changed, user_token_quota=None)
    assert cf.admin("POST", "/reset").status_code == 200
    assert cf.emu.settings() == DEFAULTS


@pytest.mark.parametrize("body", [
    {"nonsense": 1},
    {"condition_clear_on_empty": "no"},
    {"enforce_conditions": 1},
    {"permission_error_code": 403},
    {"permission_error_code": True},
    {"expired_window_days": -1},
    {"expired_window_days": "30"},
    {"user_token_quota": 0},
    {"account_token_quota": 2.5},
    {"rate_limit_requests": False},
    {"rate_limit_window": 0},
    {"rate_limit_window": None},
    {"rate_limit_requests": 10, "rate_limit_window": -5},
])
def test_bad_settings_are_refused_and_change_nothing(cf, body):
    response = cf.admin("POST", "/settings", json=body)
    assert response.status_code == 400
    assert any(name in response.json()["error"] for name in body)
    assert cf.emu.settings() == DEFAULTS
    with pytest.raises(ValueError):
        cf.emu.configure(**body)
    assert cf.emu.settings() == DEFAULTS


def test_admin_settings_methods(cf):
    assert cf.admin("DELETE", "/settings").status_code == 405
    assert cf.admin("POST", "/settings", data="[1]").status_code == 400


def test_constructor_settings_survive_reset():
    with cfemu.Emulator(seed="empty", settings={"permission_error_code": 9109, "rate_limit_requests": None}) as emu:
        expected = dict(DEFAULTS, permission_error_code=9109, rate_limit_requests=None)
        assert emu.settings() == expected
        emu.configure(permission_error_code=10000)
        emu.reset()
        assert emu.settings() == expected
        response = requests.post(emu.base_url + "/user/tokens", timeout=10, json={"name": "x", "policies": []},
                                 headers={"Authorization": "Bearer " + cfemu.READONLY_API_TOKEN})
        assert response.status_code == 403 and response.json()["errors"][0]["code"] == 9109
        assert "Ratelimit" not in response.headers
    with pytest.raises(ValueError):
        cfemu.Emulator(settings={"user_token_quota": -1})
