# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The per-credential rate limit: 1,200 requests per 300 s by default, Ratelimit headers, 429 with Retry-After."""

import re
import time

import pytest
import requests

import cfemu

KEY_HEADERS = {"X-Auth-Email": cfemu.API_EMAIL, "X-Auth-Key": cfemu.API_KEY}
THROTTLED = [{"code": 971, "message": "Please wait and consider throttling your request speed"}]


def budget(response):
    """(remaining, seconds left) from the Ratelimit header, e.g. "default";r=1199;t=300."""
    match = re.match(r'^"default";r=(\d+);t=(\d+)$', response.headers["Ratelimit"])
    assert match, response.headers["Ratelimit"]
    return int(match.group(1)), int(match.group(2))


def test_default_budget_is_1200_per_300_seconds(cf):
    first = cf.user("GET", "/verify")
    assert first.headers["Ratelimit-Policy"] == '"default";q=1200;w=300'
    assert budget(first) == (1199, 300)
    assert "Retry-After" not in first.headers
    assert budget(cf.user("GET"))[0] == 1198
    # Each credential has its own budget; failures count too.
    assert budget(cf.account("GET"))[0] == 1199
    assert budget(cf.user("GET", token=None, headers=KEY_HEADERS))[0] == 1199
    refused = cf.user("GET", token="x" * 40)
    assert refused.status_code == 401 and budget(refused)[0] == 1199
    assert budget(cf.user("GET", token="x" * 40))[0] == 1198


def test_default_limit_refuses_request_1201(cf):
    session = requests.Session()
    url = cf.emu.base_url + "/user/tokens/verify"
    headers = {"Authorization": "Bearer " + cfemu.READONLY_API_TOKEN}
    statuses = [session.get(url, headers=headers, timeout=10).status_code for attempt in range(1200)]
    assert statuses == [200] * 1200
    refused = session.get(url, headers=headers, timeout=10)
    session.close()
    assert refused.status_code == 429 and refused.json()["errors"] == THROTTLED
    remaining, seconds = budget(refused)
    assert remaining == 0 and 200 <= seconds <= 300
    assert refused.headers["Retry-After"] == str(seconds)
    # Another credential is not affected.
    assert cf.user("GET", "/verify").status_code == 200


def test_settable_window_refuses_then_recovers(cf):
    cf.configure(rate_limit_requests=5, rate_limit_window=1.5)
    cf.emu.clear_requests()
    answers = [cf.user("GET", "/verify") for attempt in range(5)]
    assert [budget(a)[0] for a in answers] == [4, 3, 2, 1, 0]
    assert answers[0].headers["Ratelimit-Policy"] == '"default";q=5;w=1.5'
    before = cf.stored()
    refused = cf.user("POST", json=cf.token_body("refused"), check=False)
    assert refused.status_code == 429 and refused.json()["errors"] == THROTTLED
    assert refused.headers["Retry-After"] in ("1", "2")
    # A refusal: nothing was applied, and it is logged like any answer.
    assert [t["id"] for t in cf.stored()] == [t["id"] for t in before]
    assert [(r["method"], r["status"]) for r in cf.emu.requests()][-1] == ("POST", 429)
    assert cf.user("GET", check=False).status_code == 429
    time.sleep(1.6)
    again = cf.user("GET", "/verify")
    assert again.status_code == 200 and budget(again)[0] == 4


def test_admin_calls_never_count_and_reset_clears(cf):
    cf.configure(rate_limit_requests=3, rate_limit_window=60)
    for attempt in range(3):
        cf.user("GET", "/verify")
    for attempt in range(10):
        assert cf.admin("GET", "/health").status_code == 200
        assert "Ratelimit" not in cf.admin("GET", "/settings").headers
    assert cf.user("GET", "/verify", check=False).status_code == 429
    assert cf.admin("POST", "/reset").status_code == 200
    # Back to the defaults with fresh counters.
    assert budget(cf.user("GET", "/verify")) == (1199, 300)


def test_changing_the_limit_starts_windows_afresh(cf):
    for attempt in range(3):
        cf.user("GET", "/verify")
    cf.configure(rate_limit_requests=2, rate_limit_window=60)
    assert budget(cf.user("GET", "/verify"))[0] == 1
    cf.configure(condition_clear_on_empty=False)
    assert budget(cf.user("GET", "/verify"))[0] == 0


def test_rate_limit_can_be_switched_off(cf):
    cf.configure(rate_limit_requests=None)
    for attempt in range(30):
        response = cf.user("GET", "/verify")
        assert response.status_code == 200
        assert "Ratelimit" not in response.headers and "Ratelimit-Policy" not in response.headers


@pytest.mark.parametrize("rule,status", [({"action": "status", "status": 503}, 503),
                                         ({"action": "status", "status": 429, "retry_after": 7}, 429),
                                         ({"action": "html"}, 502),
                                         ({"action": "status", "status": 500, "after": True}, 500)])
def test_fault_answers_carry_the_headers(cf, rule, status):
    cf.faults(dict(rule, path="/verify$", times=1))
    response = cf.user("GET", "/verify", check=False)
    assert response.status_code == status
    assert budget(response) == (1199, 300)
    if "retry_after" in rule:
        assert response.headers["Retry-After"] == "7"
    else:
        assert "Retry-After" not in response.headers


def test_rate_limited_requests_do_not_reach_fault_rules(cf):
    cf.configure(rate_limit_requests=1, rate_limit_window=60)
    cf.faults({"path": "/verify$", "action": "status", "status": 500, "times": 2})
    assert cf.user("GET", "/verify", check=False).status_code == 500
    assert cf.user("GET", "/verify", check=False).status_code == 429
    rule = cf.admin("GET", "/faults").json()["rules"][0]
    assert rule["matched"] == 1 and rule["applied"] == 1
