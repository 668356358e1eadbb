# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The API client against the emulator over real HTTP, plus edge cases of a misbehaving server."""

import json
import time

import pytest
import requests

import cfemu
from ansible_collections.tokenops.cloudflare.plugins.module_utils import cloudflare_api as api

ZONE_READ = {"permission_groups": [{"name": "Zone Read"}], "resources": {"com.cloudflare.api.account.zone.*": "*"}}


def client(emu, sleeps=None, **kwargs):
    kwargs.setdefault("api_token", cfemu.USER_API_TOKEN)
    record = sleeps.append if sleeps is not None else (lambda s: None)
    return api.CloudflareClient(base_url=emu.base_url, sleep=record, **kwargs)


def faults(emu, *rules, **extra):
    body = dict(extra, rules=list(rules))
    requests.post(emu.url + "/__emulator/faults", json=body, timeout=5).raise_for_status()


def seed(emu, scope="user", **body):
    response = requests.post(emu.url + "/__emulator/tokens", json=dict(body, scope=scope), timeout=30)
    response.raise_for_status()
    return response.json()["tokens"]


def logged(emu, method=None, path_part=""):
    return [r for r in emu.requests() if (method is None or r["method"] == method) and path_part in r["path"]]


def zone_read_id(emu):
    return client(emu).list_permission_groups(name="Zone Read", scope="com.cloudflare.api.account.zone")[0]["id"]


def new_body(emu, name="t"):
    return {"name": name, "policies": [{"effect": "allow", "permission_groups": [{"id": zone_read_id(emu)}],
                                        "resources": {"com.cloudflare.api.account.zone.*": "*"}}]}


def test_user_agent_and_bearer_auth(emu):
    c = client(emu)
    assert c.session.headers["User-Agent"].startswith("tokenops.cloudflare/")
    assert c.verify_token()["status"] == "active"


def test_seven_pages_take_seven_requests(emu):
    before = {t["id"] for t in client(emu).list_tokens()}
    seed(emu, count=350 - len(before), name_prefix="bulk-")
    emu_log_start = len(emu.requests())
    c = client(emu)
    tokens = c.list_tokens()
    lists = [r for r in emu.requests()[emu_log_start:] if r["path"] == "/user/tokens"]
    assert len(tokens) == 350
    assert len({t["id"] for t in tokens}) == 350
    assert len(lists) == 7
    assert sorted(int(r["query"]["page"]) for r in lists) == list(range(1, 8))
    assert all(r["query"]["per_page"] == "50" for r in lists)


def test_list_includes_expired_tokens_for_lookups(emu):
    seed(emu, tokens=[{"name": "old", "expires_on": "2020-01-01T00:00:00Z"}])
    names = [t["name"] for t in client(emu).list_tokens()]
    assert "old" in names
    assert "old" not in [t["name"] for t in client(emu).list_tokens(include_expired=False)]


def test_429_with_retry_after_is_waited_out(emu):
    faults(emu, {"method": "GET", "path": "^/user/tokens$", "action": "status", "status": 429, "retry_after": 1, "times": 1})
    sleeps = []
    c = client(emu, sleeps=sleeps)
    c._sleep = lambda s: (sleeps.append(s), time.sleep(s))
    assert isinstance(c.list_tokens(), list)
    assert sleeps == [1.0]
    assert len(logged(emu, "GET", "/user/tokens")) == 2


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_transient_5xx_on_reads_are_retried(emu, status):
    faults(emu, {"method": "GET", "path": "/verify", "action": "status", "status": status, "times": 2})
    sleeps = []
    assert client(emu, sleeps=sleeps).verify_token()["status"] == "active"
    assert len(sleeps) == 2
    assert all(0 <= s <= api.BACKOFF_CAP for s in sleeps)


def test_persistent_failure_gives_up_after_the_budget(emu):
    faults(emu, {"method": "GET", "path": "/verify", "action": "status", "status": 503})
    with pytest.raises(api.CloudflareTransportError) as info:
        client(emu, retries=2).verify_token()
    assert len(logged(emu, "GET", "/verify")) == 3
    assert "HTTP 503" in str(info.value) and "GET /user/tokens/verify" in str(info.value)


def test_post_answered_503_is_not_repeated(emu):
    body = new_body(emu)
    faults(emu, {"method": "POST", "action": "status", "status": 503, "after": True})
    with pytest.raises(api.CloudflareWriteUncertain) as info:
        client(emu).create_token(body)
    assert len(logged(emu, "POST")) == 1
    assert "may or may not have been applied" in str(info.value)


@pytest.mark.parametrize("rule", [
    {"action": "status", "status": 429, "retry_after": 1},
    {"action": "status", "status": 500},
    {"action": "drop"},
    {"action": "malformed"},
    {"action": "html"},
])
def test_create_is_sent_once_whatever_the_fault(emu, rule):
    body = new_body(emu)
    faults(emu, dict(rule, method="POST"))
    with pytest.raises(api.CloudflareError):
        client(emu).create_token(body)
    assert len(logged(emu, "POST")) == 1


def test_roll_is_sent_once_on_timeout(emu):
    token = seed(emu, tokens=[{"name": "to-roll"}])[0]
    faults(emu, {"method": "PUT", "path": "/value$", "action": "timeout", "delay": 2})
    with pytest.raises(api.CloudflareWriteUncertain):
        client(emu, timeout=0.5).roll_token(token["id"])
    assert len(logged(emu, "PUT", "/value")) == 1


def test_update_is_retried_because_it_is_idempotent(emu):
    token = client(emu).create_token(new_body(emu, "u"))
    faults(emu, {"method": "PUT", "action": "status", "status": 502, "times": 1})
    body = new_body(emu, "u2")
    assert client(emu).update_token(token["id"], body)["name"] == "u2"
    assert len(logged(emu, "PUT")) == 2


def test_connection_reset_on_read_is_retried(emu):
    faults(emu, {"method": "GET", "path": "/verify", "action": "drop", "times": 1})
    assert client(emu).verify_token()["status"] == "active"


def test_bad_credentials_are_named_without_echoing_the_secret(emu):
    secret = "BadSecretValue-" + "x" * 25
    with pytest.raises(api.CloudflareAuthError) as info:
        client(emu, api_token=secret).list_tokens()
    text = str(info.value) + json.dumps(info.value.to_dict())
    assert "Authentication failed" in text and "api_token" in text
    assert secret not in text
    assert "HTTP 401" in text


def test_missing_permission_is_not_called_bad_credentials(emu):
    with pytest.raises(api.CloudflarePermissionError) as info:
        client(emu, api_token=cfemu.READONLY_API_TOKEN).create_token(new_body(emu))
    assert "Permission denied" in str(info.value) and "9109" in str(info.value)


def test_global_api_key_auth(emu):
    c = client(emu, api_token=None, api_email=cfemu.API_EMAIL, api_key=cfemu.API_KEY)
    assert any(t["name"] == "tokenops-account-admin" for t in c.list_tokens(cfemu.ACCOUNT_ID))


def test_account_scope_round_trip(emu):
    c = client(emu, api_token=cfemu.ACCOUNT_API_TOKEN)
    created = c.create_token(new_body(emu, "acct"), cfemu.ACCOUNT_ID)
    assert len(created["value"]) >= 40
    assert c.get_token(created["id"], cfemu.ACCOUNT_ID)["name"] == "acct"
    new_value = c.roll_token(created["id"], cfemu.ACCOUNT_ID)
    assert new_value != created["value"]
    assert c.verify_token(cfemu.ACCOUNT_ID)["status"] == "active"
    assert c.delete_token(created["id"], cfemu.ACCOUNT_ID) is True
    assert c.delete_token(created["id"], cfemu.ACCOUNT_ID) is False
    assert c.get_token(created["id"], cfemu.ACCOUNT_ID) is None
    assert all("/accounts/%s/tokens" % cfemu.ACCOUNT_ID in r["path"] for r in logged(emu, path_part="/accounts/"))


def test_envelope_error_in_a_200_is_a_failure(emu):
    faults(emu, {"method": "GET", "path": "/verify", "action": "envelope_error", "code": 1234, "message": "backend said no"})
    with pytest.raises(api.CloudflareError, match="1234: backend said no"):
        client(emu).verify_token()


def test_html_error_page_is_reported_not_parsed(emu):
    faults(emu, {"method": "GET", "path": "/verify", "action": "html", "status": 403})
    with pytest.raises(api.CloudflareError, match="not Cloudflare API JSON.*text/html"):
        client(emu).verify_token()


def test_concurrent_pages_fall_back_to_sequential_on_429(emu):
    seed(emu, count=200, name_prefix="p-")
    faults(emu, {"method": "GET", "path": "^/user/tokens$", "action": "status", "status": 429, "every": 3, "times": 1})
    tokens = client(emu).list_tokens()
    assert len({t["id"] for t in tokens}) == len(tokens) >= 200


class FakeResponse:
    def __init__(self, result, info, status=200):
        self.status_code = status
        self.headers = {"Content-Type": "application/json"}
        self._body = {"success": True, "errors": [], "messages": [], "result": result, "result_info": info}

    def json(self):
        return self._body


class FakeSession:
    """A server that misbehaves in ways the emulator does not offer."""

    def __init__(self, pages):
        self.pages = pages
        self.calls = 0
        self.params = []
        self.headers = {}

    def request(self, method, url, params=None, **kwargs):
        self.calls += 1
        self.params.append(params)
        return self.pages(int((params or {}).get("page", 1)), self.calls)


def fake_client(pages):
    c = api.CloudflareClient(base_url="http://127.0.0.1:9", api_token="t" * 40, sleep=lambda s: None)
    c.session = FakeSession(pages)
    return c


def test_no_page_count_reads_until_a_short_page():
    c = fake_client(lambda page, n: FakeResponse([{"id": "%d-%d" % (page, i)} for i in range(50 if page < 3 else 7)], {}))
    assert len(c.list_tokens()) == 107
    assert c.session.calls == 3


def test_a_server_that_never_stops_is_cut_off():
    c = fake_client(lambda page, n: FakeResponse([{"id": "%d-%d" % (page, i)} for i in range(50)], {"page": page}))
    assert len(c.list_tokens()) == 50 * api.MAX_PAGES
    assert c.session.calls == api.MAX_PAGES


def test_absurd_total_pages_is_capped():
    c = fake_client(lambda page, n: FakeResponse([], {"page": page, "total_pages": 10 ** 9}))
    assert c.list_tokens() == []
    assert c.session.calls == api.MAX_PAGES


def test_total_count_without_total_pages():
    c = fake_client(lambda page, n: FakeResponse([{"id": "%d-%d" % (page, i)} for i in range(50 if page < 3 else 1)],
                                                 {"page": page, "per_page": 50, "total_count": 101}))
    assert len(c.list_tokens()) == 101
    assert c.session.calls == 3


def groups_page(ids, **info):
    return FakeResponse([{"id": i * 32, "name": i, "scopes": []} for i in ids], info)


def test_permission_groups_in_one_answer_send_no_paging_parameters():
    c = fake_client(lambda page, n: groups_page("ab", total_pages=1))
    assert len(c.list_permission_groups(name="a", scope="s")) == 2
    assert c.session.params == [{"name": "a", "scope": "s"}]


def test_permission_groups_without_filters_send_no_query():
    c = fake_client(lambda page, n: groups_page("a"))
    c.list_permission_groups(account_id="c" * 32)
    assert c.session.params == [None]


def test_announced_permission_group_pages_are_all_read():
    pages = {1: "ab", 2: "cd", 3: "e"}
    c = fake_client(lambda page, n: groups_page(pages[page], page=page, per_page=2, total_pages=3))
    assert [g["name"] for g in c.list_permission_groups(scope="z")] == ["a", "b", "c", "d", "e"]
    assert sorted(c.session.params[1:], key=lambda p: p["page"]) == [{"scope": "z", "per_page": 2, "page": 2}, {"scope": "z", "per_page": 2, "page": 3}]


def test_a_server_ignoring_page_is_deduplicated_and_bounded():
    c = fake_client(lambda page, n: groups_page("a", total_pages=50))
    assert len(c.list_permission_groups()) == 1
    assert c.session.calls == 50


def test_list_zones_filters_and_follows_pages(emu):
    zones = [{"name": "z%02d.example" % i, "account_id": cfemu.OTHER_ACCOUNT_ID} for i in range(60)]
    requests.post(emu.url + "/__emulator/zones", json={"zones": zones}, timeout=30).raise_for_status()
    emu.clear_requests()
    c = client(emu)
    assert sorted(z["account"]["id"] for z in c.list_zones(name="example.com")) == sorted([cfemu.ACCOUNT_ID, cfemu.OTHER_ACCOUNT_ID])
    assert [z["account"]["id"] for z in c.list_zones(name="example.com", account_id=cfemu.ACCOUNT_ID)] == [cfemu.ACCOUNT_ID]
    assert len(c.list_zones(name="ends_with:.example", account_id=cfemu.OTHER_ACCOUNT_ID)) == 60
    queries = [r["query"] for r in logged(emu, "GET", "/zones")]
    assert queries[1] == {"name": "example.com", "account.id": cfemu.ACCOUNT_ID, "per_page": "50", "page": "1"}
    assert sorted(q["page"] for q in queries[2:]) == ["1", "2"]


def test_list_accounts_and_a_refusal(emu):
    assert [a["name"] for a in client(emu).list_accounts()] == ["Example Account", "Other Account"]
    assert [a["id"] for a in client(emu).list_accounts(name="Other Account")] == [cfemu.OTHER_ACCOUNT_ID]
    with pytest.raises(api.CloudflareError) as info:
        client(emu, api_token=cfemu.READONLY_API_TOKEN).list_zones(name="example.net")
    assert info.value.status == 403
