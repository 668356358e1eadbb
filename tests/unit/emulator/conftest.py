# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small HTTP helper for the emulator tests; every JSON answer is checked against the v4 envelope."""

import pytest
import requests

import cfemu

ZONE_ALL = {"com.cloudflare.api.account.zone.*": "*"}


def gid(name, scope=cfemu.SCOPE_ZONE):
    return cfemu.group_id(scope, name)


def policy(*names, **kwargs):
    """An allow policy with the named groups (zone scope unless ``scope`` is given)."""
    scope = kwargs.pop("scope", cfemu.SCOPE_ZONE)
    body = {"effect": kwargs.pop("effect", "allow"),
            "permission_groups": [{"id": gid(name, scope)} for name in names],
            "resources": kwargs.pop("resources", dict(ZONE_ALL))}
    assert not kwargs
    return body


def token_body(name="t", **extra):
    body = {"name": name, "policies": [policy("Zone Read")]}
    body.update(extra)
    return body


def _check_messages(items):
    assert isinstance(items, list)
    for item in items:
        assert isinstance(item["code"], int) and item["code"] >= 1000
        assert isinstance(item["message"], str) and item["message"]
        assert set(item) <= {"code", "message", "type", "error_chain"}
        _check_messages(item.get("error_chain", []))


def check_envelope(response):
    """The rules of the Cloudflare envelope that every emulator answer must follow."""
    assert response.headers["Content-Type"].startswith("application/json")
    assert int(response.headers["Content-Length"]) == len(response.content)
    body = response.json()
    assert set(body) <= {"success", "errors", "messages", "result", "result_info"}
    _check_messages(body["errors"])
    _check_messages(body["messages"])
    if response.status_code < 300:
        assert body["success"] is True and body["errors"] == []
        assert "result" in body
    else:
        assert body["success"] is False and body["result"] is None and body["errors"]
    if "result_info" in body:
        assert isinstance(body["result"], list)
        for key in ("page", "per_page", "count", "total_count", "total_pages"):
            assert isinstance(body["result_info"][key], int)
    return body


class CF:
    """Talks to one emulator over a keep-alive session; also carries the body-building helpers."""

    gid = staticmethod(gid)
    policy = staticmethod(policy)
    token_body = staticmethod(token_body)
    check_envelope = staticmethod(check_envelope)

    def __init__(self, emu):
        self.emu = emu
        self.session = requests.Session()

    def call(self, method, path, token=cfemu.USER_API_TOKEN, headers=None, check=True, **kwargs):
        sent = {"Authorization": "Bearer " + token} if token else {}
        sent.update(headers or {})
        kwargs.setdefault("timeout", 10)
        response = self.session.request(method, self.emu.base_url + path, headers=sent, **kwargs)
        if check:
            check_envelope(response)
        return response

    def account(self, method, path="", account_id=cfemu.ACCOUNT_ID, token=cfemu.ACCOUNT_API_TOKEN, **kwargs):
        return self.call(method, "/accounts/%s/tokens%s" % (account_id, path), token=token, **kwargs)

    def user(self, method, path="", token=cfemu.USER_API_TOKEN, **kwargs):
        return self.call(method, "/user/tokens" + path, token=token, **kwargs)

    def admin(self, method, path, **kwargs):
        """The raw HTTP answer of an admin endpoint, for tests of the admin API itself."""
        kwargs.setdefault("timeout", 30)
        return requests.request(method, self.emu.url + "/__emulator" + path, **kwargs)

    def seed(self, scope="user", count=None, name_prefix="bulk-", tokens=None):
        if tokens is not None:
            return self.emu.admin.add_tokens(scope, tokens)
        return self.emu.admin.add_bulk_tokens(scope, count, name_prefix)

    def stored(self, scope="user"):
        return self.emu.admin.tokens(scope)

    def faults(self, *rules, **extra):
        return self.emu.admin.set_faults(rules, **extra)

    def configure(self, **changes):
        """Change behaviour switches through the admin API (the fixture's reset restores them)."""
        return self.emu.admin.configure(**changes)

    def close(self):
        self.session.close()


@pytest.fixture
def cf(emu):
    helper = CF(emu)
    yield helper
    helper.close()
