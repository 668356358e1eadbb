# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The official Cloudflare Python SDK (pinned in tests/requirements-test.txt) works against the emulator.

A client written against the real API must work unchanged here: list, get, create, update,
delete, verify and roll, for user-owned and account-owned tokens.
"""

import cloudflare
import pytest

import cfemu

ZONE_READ = {"effect": "allow", "permission_groups": [{"id": cfemu.group_id(cfemu.SCOPE_ZONE, "Zone Read")}],
             "resources": {"com.cloudflare.api.account.zone.*": "*"}}
CONDITION = {"request_ip": {"in": ["192.0.2.0/24"], "not_in": ["192.0.2.7/32"]}}


class Scope:
    """The SDK's user or account token resource, with account_id passed where the SDK needs it."""

    def __init__(self, emu, name):
        self.name = name
        self.token = cfemu.USER_API_TOKEN if name == "user" else cfemu.ACCOUNT_API_TOKEN
        self.store = "user" if name == "user" else "account:" + cfemu.ACCOUNT_ID
        self.prefix = "cfut_" if name == "user" else "cfat_"
        self.emu = emu
        self.client = self.make_client(self.token)

    def make_client(self, token):
        return cloudflare.Cloudflare(api_token=token, base_url=self.emu.base_url, max_retries=0, timeout=10)

    def resource(self, client=None):
        client = client or self.client
        return client.user.tokens if self.name == "user" else client.accounts.tokens

    def call(self, method, *args, client=None, resource=None, **kwargs):
        target = resource or self.resource(client)
        if self.name == "account":
            kwargs["account_id"] = cfemu.ACCOUNT_ID
        return getattr(target, method)(*args, **kwargs)


@pytest.fixture(params=["user", "account"])
def scope(request, emu):
    sdk = Scope(emu, request.param)
    yield sdk
    sdk.client.close()


def test_sdk_version_is_the_pinned_one():
    assert cloudflare.__version__.split(".")[0] == "5"


def test_list_pages_through_every_token(scope):
    seeded = scope.emu.tokens(scope.store)
    scope.emu.add_tokens(scope.store, [{"name": "sdk-bulk-%02d" % index} for index in range(60)])
    listed = list(scope.call("list", per_page=20, include_expired=True))
    stored = scope.emu.tokens(scope.store)
    assert [t.id for t in listed] == [t["id"] for t in stored]
    assert len(listed) == len(seeded) + 60
    assert all(t.status in ("active", "disabled", "expired") for t in listed)
    without_expired = list(scope.call("list", per_page=50))
    assert len(without_expired) == len([t for t in stored if t["status"] != "expired"]) < len(listed)


def test_create_get_update_verify_roll_delete(scope):
    created = scope.call("create", name="sdk-made", policies=[ZONE_READ], condition=CONDITION,
                         expires_on="2099-01-01T00:00:00Z")
    assert created.value.startswith(scope.prefix) and created.id
    fetched = scope.call("get", created.id)
    assert fetched.name == "sdk-made" and fetched.status == "active"
    assert fetched.condition.request_ip.in_ == ["192.0.2.0/24"] and fetched.condition.request_ip.not_in == ["192.0.2.7/32"]
    assert fetched.policies[0].permission_groups[0].meta.label == "zone_read"
    assert fetched.policies[0].permission_groups[0].meta.scopes == cfemu.SCOPE_ZONE

    # The SDK leaves condition out unless given: the stored condition stays.
    updated = scope.call("update", created.id, name="sdk-renamed", policies=[ZONE_READ], status="disabled")
    assert updated.name == "sdk-renamed" and updated.status == "disabled"
    assert updated.condition.request_ip.in_ == ["192.0.2.0/24"]
    scope.call("update", created.id, name="sdk-renamed", policies=[ZONE_READ], status="active")

    own = scope.make_client(created.value)
    verified = scope.call("verify", client=own)
    assert verified.id == created.id and verified.status == "active"

    scope.emu.clear_requests()
    rolled = scope.call("update", created.id, resource=scope.resource().value)
    assert isinstance(rolled, str) and rolled.startswith(scope.prefix) and rolled != created.value
    # The SDK sends the roll without a body.
    assert [(r["method"], r["body"], r["status"]) for r in scope.emu.requests()] == [("PUT", None, 200)]
    with pytest.raises(cloudflare.AuthenticationError):
        scope.call("verify", client=own)
    fresh = scope.make_client(rolled)
    assert scope.call("verify", client=fresh).id == created.id

    deleted = scope.call("delete", created.id)
    assert deleted.id == created.id
    with pytest.raises(cloudflare.NotFoundError):
        scope.call("get", created.id)
    own.close()
    fresh.close()


def test_permission_groups_and_errors(scope):
    groups = list(scope.call("list", resource=scope.resource().permission_groups, name="DNS Read"))
    assert [g.id for g in groups] == [cfemu.group_id(cfemu.SCOPE_ZONE, "DNS Read")]
    with pytest.raises(cloudflare.BadRequestError) as refused:
        scope.call("create", name="", policies=[ZONE_READ])
    assert refused.value.status_code == 400
    # A token that may not manage tokens: 403 (code 10000 "Authentication error"), a permission failure.
    weak = scope.call("create", name="weak", policies=[ZONE_READ])
    with pytest.raises(cloudflare.PermissionDeniedError) as denied:
        list(scope.call("list", client=scope.make_client(weak.value)))
    assert denied.value.status_code == 403 and "Authentication error" in str(denied.value)
