# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The API client against the emulator over real HTTP, plus edge cases of a misbehaving server."""

import datetime
import email.utils
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


def faults(emu, *rules):
    emu.admin.set_faults(rules)


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
    emu.admin.add_bulk_tokens("user", 350 - len(before))
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
    # Cloudflare lists only recently expired tokens with include_expired=true.
    recently = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    emu.admin.add_tokens("user", [{"name": "old", "expires_on": recently}])
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


def test_create_refused_with_429_is_sent_again_after_retry_after(emu):
    body = new_body(emu, "after-429")
    faults(emu, {"method": "POST", "action": "status", "status": 429, "retry_after": 1, "times": 1})
    sleeps = []
    created = client(emu, sleeps=sleeps).create_token(body)
    assert created["value"]
    assert sleeps == [1.0]
    assert len(logged(emu, "POST")) == 2
    assert [t["name"] for t in client(emu).list_tokens()].count("after-429") == 1


def test_roll_refused_with_429_is_sent_again(emu):
    token = emu.admin.add_tokens("user", [{"name": "to-roll"}])[0]
    faults(emu, {"method": "PUT", "path": "/value$", "action": "status", "status": 429, "retry_after": 2, "times": 1})
    sleeps = []
    assert client(emu, sleeps=sleeps).roll_token(token["id"])
    assert sleeps == [2.0]
    assert len(logged(emu, "PUT", "/value")) == 2


def test_roll_is_sent_once_on_timeout(emu):
    token = emu.admin.add_tokens("user", [{"name": "to-roll"}])[0]
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
    text = str(info.value)
    assert "Permission denied" in text and "permission" in text and "credentials" not in text
    assert '"API Tokens Read/Write"' in text


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
    emu.admin.add_bulk_tokens("user", 200, "p-")
    faults(emu, {"method": "GET", "path": "^/user/tokens$", "action": "status", "status": 429, "every": 3, "times": 1})
    tokens = client(emu).list_tokens()
    assert len({t["id"] for t in tokens}) == len(tokens) >= 200


def paged_client(answer_for_page):
    """A client of a server that misbehaves in ways the emulator does not offer: ``answer_for_page(page)``."""
    c, _clock = scripted([None])
    c.session = PagedSession(lambda params: answer_for_page(int((params or {}).get("page", 1))))
    return c


def test_no_page_count_reads_until_a_short_page():
    c = paged_client(lambda page: ok([{"id": "%d-%d" % (page, i)} for i in range(50 if page < 3 else 7)], {}))
    assert len(c.list_tokens()) == 107
    assert len(c.session.sent) == 3


def test_a_server_that_never_stops_is_cut_off():
    c = paged_client(lambda page: ok([{"id": "%d-%d" % (page, i)} for i in range(50)], {"page": page}))
    assert len(c.list_tokens()) == 50 * api.MAX_PAGES
    assert len(c.session.sent) == api.MAX_PAGES


def test_absurd_total_pages_is_capped():
    c = paged_client(lambda page: ok([], {"page": page, "total_pages": 10 ** 9}))
    assert c.list_tokens() == []
    assert len(c.session.sent) == api.MAX_PAGES


def test_total_count_without_total_pages():
    c = paged_client(lambda page: ok([{"id": "%d-%d" % (page, i)} for i in range(50 if page < 3 else 1)],
                                     {"page": page, "per_page": 50, "total_count": 101}))
    assert len(c.list_tokens()) == 101
    assert len(c.session.sent) == 3


def groups_page(ids, **info):
    return ok([{"id": i * 32, "name": i, "scopes": []} for i in ids], info)


def test_permission_groups_in_one_answer_send_no_paging_parameters():
    c = paged_client(lambda page: groups_page("ab", total_pages=1))
    assert len(c.list_permission_groups(name="a", scope="s")) == 2
    assert c.session.params == [{"name": "a", "scope": "s"}]


def test_permission_groups_without_filters_send_no_query():
    c = paged_client(lambda page: groups_page("a"))
    c.list_permission_groups(account_id="c" * 32)
    assert c.session.params == [None]


def test_announced_permission_group_pages_are_all_read():
    pages = {1: "ab", 2: "cd", 3: "e"}
    c = paged_client(lambda page: groups_page(pages[page], page=page, per_page=2, total_pages=3))
    assert [g["name"] for g in c.list_permission_groups(scope="z")] == ["a", "b", "c", "d", "e"]
    assert sorted(c.session.params[1:], key=lambda p: p["page"]) == [{"scope": "z", "per_page": 2, "page": 2}, {"scope": "z", "per_page": 2, "page": 3}]


def test_a_server_ignoring_page_is_deduplicated_and_bounded():
    c = paged_client(lambda page: groups_page("a", total_pages=50))
    assert len(c.list_permission_groups()) == 1
    assert len(c.session.sent) == 50


def test_list_zones_filters_and_follows_pages(emu):
    zones = [{"name": "z%02d.example" % i, "account_id": cfemu.OTHER_ACCOUNT_ID} for i in range(60)]
    emu.admin.add_zones(zones)
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
# ---------------------------------------------------------------- diagnosis, rate limits, transport


class Reply:
    """One HTTP answer of a scripted server."""

    def __init__(self, status=200, body=None, headers=None, text=False):
        self.status_code = status
        self.headers = dict({"Content-Type": "text/html" if text else "application/json"}, **(headers or {}))
        self._body = body

    def json(self):
        if self._body is None:
            raise ValueError("no JSON")
        return self._body


def ok(result, info=None, headers=None):
    return Reply(200, {"success": True, "errors": [], "messages": [], "result": result, "result_info": info or {}}, headers)


def failure(status, code, message, headers=None, **extra):
    return Reply(status, {"success": False, "errors": [dict(extra, code=code, message=message)], "messages": [], "result": None}, headers)


class ScriptedSession:
    """Answers in order (a callable answer may raise); records each request."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.sent = []
        self.headers = {}

    def request(self, method, url, params=None, **kwargs):
        self.sent.append((method, url.split("/client/v4", 1)[-1], params))
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return answer() if callable(answer) else answer


class FakeClock:
    def __init__(self, start=1800000000.0):
        self.now = start
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def scripted(answers, base_url="https://api.example.test/client/v4", clock=None, **kwargs):
    clock = clock or FakeClock()
    kwargs.setdefault("api_token", "t" * 40)
    c = api.CloudflareClient(base_url=base_url, sleep=clock.sleep, clock=clock, **kwargs)
    c.session = ScriptedSession(answers)
    return c, clock


def token_result(name="n"):
    return {"id": "a" * 32, "name": name, "value": "v" * 40}


def test_403_code_10000_is_a_permission_problem_named_for_user_tokens():
    c, _clock = scripted([failure(403, 10000, "Authentication error")])
    with pytest.raises(api.CloudflarePermissionError) as info:
        c.list_tokens()
    text = str(info.value)
    assert text.startswith("Permission denied. (GET /user/tokens, HTTP 403.) Cloudflare said: 10000: Authentication error. ")
    assert '"API Tokens Read/Write"' in text and "Account API Tokens" not in text
    assert "credentials" not in text and ".." not in text


def test_403_code_10000_on_account_tokens_names_the_account_permission():
    c, _clock = scripted([failure(403, 10000, "Authentication error")])
    with pytest.raises(api.CloudflarePermissionError) as info:
        c.create_token({"name": "x"}, account_id="b" * 32)
    assert '"Account API Tokens Read/Write"' in str(info.value)
    assert "credentials" not in str(info.value)


def test_401_stays_bad_credentials():
    c, _clock = scripted([failure(401, 10000, "Authentication error")])
    with pytest.raises(api.CloudflareAuthError) as info:
        c.verify_token()
    assert "rejected the credentials" in str(info.value)


def test_ip_condition_refusal_says_so():
    c, _clock = scripted([failure(403, 9109, "Cannot use the access token from location: 192.0.2.7")])
    with pytest.raises(api.CloudflarePermissionError) as info:
        c.list_tokens()
    text = str(info.value)
    assert "IP condition" in text and "condition.request_ip" in text and "192.0.2.7" in text


def test_account_owned_token_on_user_endpoints_hints_account_id():
    c, _clock = scripted([failure(400, 1001, "Invalid request")])
    with pytest.raises(api.CloudflareError) as info:
        c.list_tokens()
    assert "set account_id" in str(info.value)
    c, _clock = scripted([failure(400, 1001, "Invalid request")])
    with pytest.raises(api.CloudflareError) as info:
        c.list_tokens(account_id="b" * 32)
    assert "account_id" not in str(info.value)


def test_error_chain_is_part_of_the_sentence():
    c, _clock = scripted([failure(400, 1001, "Invalid request.", error_chain=[{"code": 1002, "message": "name too long"}])])
    with pytest.raises(api.CloudflareError) as info:
        c.update_token("a" * 32, {"name": "x"}, account_id="b" * 32)
    assert "Cloudflare said: 1001: Invalid request (1002: name too long)." in str(info.value)


def test_a_base_url_without_client_v4_gets_a_hint():
    c, _clock = scripted([Reply(404, None, text=True)], base_url="https://api.cloudflare.com")
    with pytest.raises(api.CloudflareTransportError) as info:
        c.list_tokens()
    assert "does not end with /client/v4" in str(info.value)
    c, _clock = scripted([Reply(404, None, text=True)])
    with pytest.raises(api.CloudflareTransportError) as info:
        c.list_tokens()
    assert "/client/v4;" not in str(info.value)


def raising(exc):
    def answer():
        raise exc
    return answer


@pytest.mark.parametrize("exc, words", [
    (requests.exceptions.ConnectionError("HTTPSConnectionPool: Max retries exceeded (Caused by NameResolutionError("
                                         "\"Failed to resolve 'api.example.test' ([Errno -2] Name or service not known)\"))"),
     "Could not resolve the host name api.example.test"),
    (requests.exceptions.ConnectionError("Max retries exceeded (Caused by NewConnectionError('[Errno 111] Connection refused'))"),
     "Connection to api.example.test was refused"),
    (requests.exceptions.ConnectTimeout("connect timeout"), "Timed out connecting to api.example.test"),
    (requests.exceptions.ReadTimeout("read timed out"), "No answer arrived within 30 seconds"),
])
def test_transport_errors_say_what_failed_and_how_often(exc, words):
    c, clock = scripted([raising(exc)], retries=2)
    with pytest.raises(api.CloudflareTransportError) as info:
        c.list_tokens()
    text = str(info.value)
    assert words in text
    assert "Gave up after 3 attempts." in text
    assert len(c.session.sent) == 3 and len(clock.sleeps) == 2


def test_a_single_attempt_is_counted_too():
    c, _clock = scripted([raising(requests.exceptions.ConnectionError("[Errno 111] Connection refused"))], retries=0)
    with pytest.raises(api.CloudflareTransportError) as info:
        c.verify_token()
    assert str(info.value).endswith("(1 attempt.)")


def test_a_read_timeout_on_create_is_uncertain_and_sent_once():
    c, _clock = scripted([raising(requests.exceptions.ReadTimeout("read timed out"))])
    with pytest.raises(api.CloudflareWriteUncertain) as info:
        c.create_token({"name": "x"})
    assert len(c.session.sent) == 1
    assert "sent once and not retried" in str(info.value)


def test_429_on_create_honours_retry_after_then_succeeds():
    c, clock = scripted([failure(429, 971, "Please wait and consider throttling your request speed", {"Retry-After": "7"}),
                         ok(token_result())])
    assert c.create_token({"name": "n"})["value"]
    assert clock.sleeps == [7.0]
    assert [s[0] for s in c.session.sent] == ["POST", "POST"]


def test_429_without_retry_after_uses_the_ratelimit_reset_then_backoff():
    c, clock = scripted([failure(429, 971, "slow down", {"Ratelimit": '"default";r=0;t=12'}), ok(token_result())])
    c.create_token({"name": "n"})
    assert clock.sleeps == [12.0]
    c, clock = scripted([failure(429, 971, "slow down"), ok(token_result())])
    c.create_token({"name": "n"})
    assert len(clock.sleeps) == 1 and 0 <= clock.sleeps[0] <= api.BACKOFF_BASE


def test_only_429_resends_a_create():
    c, clock = scripted([failure(503, 10503, "Service Unavailable"), ok(token_result())])
    with pytest.raises(api.CloudflareWriteUncertain):
        c.create_token({"name": "n"})
    assert len(c.session.sent) == 1 and clock.sleeps == []


def test_a_long_retry_after_fails_at_once_saying_when():
    c, clock = scripted([failure(429, 971, "slow down", {"Retry-After": "300"}), ok(token_result())])
    with pytest.raises(api.CloudflareRateLimited) as info:
        c.roll_token("a" * 32)
    text = str(info.value)
    assert clock.sleeps == [] and len(c.session.sent) == 1
    assert "300 seconds" in text and "max_retry_wait (60 seconds)" in text
    assert "after 2027-01-15T08:05:00Z" in text   # the fake clock's 1800000000 + 300
    assert info.value.retry_at.isoformat() == "2027-01-15T08:05:00+00:00"


def test_max_retry_wait_is_the_bound():
    c, clock = scripted([failure(429, 971, "slow down", {"Retry-After": "300"}), ok(token_result())], max_retry_wait=600)
    assert c.roll_token("a" * 32)
    assert clock.sleeps == [300.0]


def test_retry_after_as_an_http_date():
    clock = FakeClock()
    when = email.utils.formatdate(clock.now + 5, usegmt=True)
    c, clock = scripted([failure(429, 971, "slow down", {"Retry-After": when}), ok([])], clock=clock)
    c.list_tokens()
    assert clock.sleeps == [5.0]


def test_429_until_the_budget_is_spent_says_when_to_retry():
    c, clock = scripted([failure(429, 971, "slow down", {"Retry-After": "10"})], retries=2)
    with pytest.raises(api.CloudflareRateLimited) as info:
        c.create_token({"name": "n"})
    assert clock.sleeps == [10.0, 10.0]
    assert "Gave up after 3 attempts." in str(info.value) and "run the task again" in str(info.value)


@pytest.mark.parametrize("headers, expected", [
    ({"Ratelimit": '"default";r=5;t=30', "Ratelimit-Policy": '"default";q=1200;w=300'},
     {"remaining": 5.0, "reset": 30.0, "quota": 1200.0}),
    ({"ratelimit": "limit=1200, remaining=800, reset=4"}, {"remaining": 800.0, "reset": 4.0, "quota": 1200.0}),
    ({}, {"remaining": None, "reset": None, "quota": None}),
])
def test_rate_limit_headers_are_read(headers, expected):
    assert api.parse_rate_limit(headers) == expected


def paged(total, headers):
    def answer_for(params):
        page = int((params or {}).get("page", 1))
        return ok([{"id": "%d-%d" % (page, i)} for i in range(50)], {"page": page, "per_page": 50, "total_pages": total}, headers)
    return answer_for


class PagedSession(ScriptedSession):
    def __init__(self, answer_for):
        super().__init__([None])
        self.answer_for = answer_for

    def request(self, method, url, params=None, **kwargs):
        self.sent.append((method, url, params))
        return self.answer_for(params)

    @property
    def params(self):
        return [params for _method, _url, params in self.sent]


def test_a_low_rate_limit_budget_reads_pages_one_at_a_time(monkeypatch):
    used = []
    monkeypatch.setattr(api, "ThreadPoolExecutor", lambda **kw: used.append(kw) or pytest.fail("pool used"))
    c, clock = scripted([None])
    c.session = PagedSession(paged(6, {"Ratelimit": '"default";r=8;t=20', "Ratelimit-Policy": '"default";q=1200;w=300'}))
    assert len(c.list_tokens()) == 300
    assert [int(p["page"]) for _method, _url, p in c.session.sent] == [1, 2, 3, 4, 5, 6]
    assert used == [] and clock.sleeps == []


def test_an_ample_budget_keeps_parallel_pages(monkeypatch):
    real = api.ThreadPoolExecutor
    used = []
    monkeypatch.setattr(api, "ThreadPoolExecutor", lambda **kw: used.append(kw["max_workers"]) or real(**kw))
    c, _clock = scripted([None])
    # More pages after the first than workers, so the pool is as wide as the client allows.
    pages = api.PAGE_WORKERS + 3
    c.session = PagedSession(paged(pages, {"Ratelimit": '"default";r=900;t=20', "Ratelimit-Policy": '"default";q=1200;w=300'}))
    assert len(c.list_tokens()) == 50 * pages
    assert used == [api.PAGE_WORKERS]


def test_a_spent_budget_waits_for_the_window_before_the_next_page():
    c, clock = scripted([None])
    c.session = PagedSession(paged(3, {"Ratelimit": '"default";r=0;t=9'}))
    assert len(c.list_tokens()) == 150
    assert clock.sleeps == [9.0, 9.0]


def test_user_agent_names_the_version_of_galaxy_yml():
    import os  # pylint: disable=import-outside-toplevel

    import yaml  # pylint: disable=import-outside-toplevel

    galaxy = os.path.join(os.path.dirname(os.path.abspath(api.__file__)), "..", "..", "galaxy.yml")
    with open(galaxy) as handle:
        version = yaml.safe_load(handle)["version"]
    assert api.COLLECTION_VERSION == version
    assert api.USER_AGENT.startswith("tokenops.cloudflare/%s " % version)
