# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Seeded accounts, credentials and tokens.

All secrets here are deliberately fake-looking and public: they exist so
tests and the demo can authenticate against a local emulator.
"""

import datetime

from . import catalog
from .model import ACCOUNT_VALUE_PREFIX, REVOKED_EXPOSED, USER_VALUE_PREFIX, Token, UTC, format_date, new_value, now, parse_date
from .validation import check_condition, check_policies

ACCOUNT_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
OTHER_ACCOUNT_ID = "0f9e8d7c6b5a49382716f5e4d3c2b1a0"
ACCOUNT_IDS = (ACCOUNT_ID, OTHER_ACCOUNT_ID)
USER_ID = "c0ffee00c0ffee00c0ffee00c0ffee00"

API_EMAIL = "admin@example.com"
API_KEY = "feedfacefeedfacefeedfacefeedfacec0ffe"
USER_API_TOKEN = "cfemu_FAKE_user_admin_token_000000000001"
READONLY_API_TOKEN = "cfemu_FAKE_user_readonly_token_000000001"
ACCOUNT_API_TOKEN = "cfemu_FAKE_account_admin_token_000000001"
OTHER_ACCOUNT_API_TOKEN = "cfemu_FAKE_other_account_token_000000001"

SEEDS = ("default", "empty")

USER_STORE = "user"


def account_store(account_id):
    return "account:" + account_id


SEED_STATUSES = ("active", "disabled", "expired", REVOKED_EXPOSED)


def value_prefix(store_key):
    """New and rolled values carry cfut_ (user-owned) or cfat_ (account-owned)."""
    return USER_VALUE_PREFIX if store_key == USER_STORE else ACCOUNT_VALUE_PREFIX


def allowed_scopes(store_key):
    return catalog.ALL_SCOPES if store_key == USER_STORE else catalog.ACCOUNT_STORE_SCOPES


def _default_resources(group, store_key):
    scope = group["scopes"][0]
    if scope == catalog.SCOPE_USER:
        return {"com.cloudflare.api.user." + USER_ID: "*"}
    if scope == catalog.SCOPE_ZONE:
        return {"com.cloudflare.api.account.zone.*": "*"}
    owner = store_key.split(":", 1)[1] if store_key != USER_STORE else "*"
    return {"com.cloudflare.api.account." + owner: "*"}


def resolve_policies(policies, store_key):
    """Seeding-friendly policies: groups by id or by name (optionally with scope), resources optional.

    Returns server-form policies; raises ApiError (status 400) when a group
    cannot be resolved or the result is invalid.
    """
    scopes = allowed_scopes(store_key)
    if policies is None:
        policies = [{"permission_groups": [{"name": "Zone Read"}]}]
    resolved = []
    for policy in policies if isinstance(policies, list) else [policies]:
        policy = dict(policy) if isinstance(policy, dict) else {}
        groups = []
        first = None
        for entry in policy.get("permission_groups") or []:
            entry = entry if isinstance(entry, dict) else {}
            group = catalog.get(entry["id"]) if isinstance(entry.get("id"), str) else None
            if group is None and isinstance(entry.get("name"), str):
                group = catalog.find(entry["name"], entry.get("scope"), scopes)
            groups.append({"id": group["id"] if group else entry.get("id", entry.get("name"))})
            first = first or group
        policy["permission_groups"] = groups
        policy.setdefault("effect", "allow")
        if "resources" not in policy and first is not None:
            policy["resources"] = _default_resources(first, store_key)
        resolved.append(policy)
    return check_policies({"policies": resolved}, scopes)


def _when(text):
    return parse_date(text) if text else None


def make_token(spec, store_key):
    """Build a Token from a seeding spec; dates may lie in the past (expired seeds are the point)."""
    status = spec.get("status", "active")
    if status not in SEED_STATUSES:
        raise ValueError("status must be one of %s" % ", ".join(SEED_STATUSES))
    name = spec.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError("name: a non-empty string is required")
    value = spec.get("value")
    if value is not None and (not isinstance(value, str) or not value or any(c.isspace() for c in value)):
        raise ValueError("value: a non-empty string without whitespace is required")
    token = Token(
        name=name,
        policies=resolve_policies(spec.get("policies"), store_key),
        condition=check_condition(spec),
        value=value or new_value(value_prefix(store_key)),
        status=status,
        issued_on=_when(spec.get("issued_on")),
        not_before=_when(spec.get("not_before")),
        expires_on=_when(spec.get("expires_on")),
        last_used_on=_when(spec.get("last_used_on")),
    )
    if spec.get("modified_on"):
        token.modified_on = parse_date(spec["modified_on"])
    return token


def _fixed(day, hour=9):
    return datetime.datetime(2024, 1, day, hour, 30, 0, 123456, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _days_ago(days):
    # Expired samples expired recently, so include_expired=true still lists them.
    return format_date(now() - datetime.timedelta(days=days))


def seed_specs(seed, credentials):
    """(store key, token spec) pairs for a seed; credentials tokens come first and exist in every seed."""
    user_admin = [{"name": "API Tokens Write"}]
    # Managing credentials may also read zones and accounts, so names in policies resolve.
    directory_read = [{"permission_groups": [{"name": "Zone Read"}]},
                      {"permission_groups": [{"name": "Account Settings Read"}]}]
    specs = [
        (USER_STORE, {"name": "tokenops-admin", "value": credentials["api_token"], "issued_on": _fixed(2),
                      "policies": [{"permission_groups": user_admin}] + directory_read}),
        (USER_STORE, {"name": "tokenops-readonly", "value": credentials["readonly_token"], "issued_on": _fixed(3),
                      "policies": [{"permission_groups": [{"name": "API Tokens Read"}]}]}),
        (account_store(ACCOUNT_ID), {"name": "tokenops-account-admin", "value": credentials["account_token"],
                                     "issued_on": _fixed(2),
                                     "policies": [{"permission_groups": [{"name": "Account API Tokens Write"}]}] + directory_read}),
        (account_store(OTHER_ACCOUNT_ID), {"name": "tokenops-other-account-admin", "value": credentials["other_account_token"],
                                           "issued_on": _fixed(2),
                                           "policies": [{"permission_groups": [{"name": "Account API Tokens Write"}]}] + directory_read}),
    ]
    if seed == "empty":
        return specs
    dns_edit = [{"permission_groups": [{"name": "DNS Write"}, {"name": "Zone Read"}],
                 "resources": {"com.cloudflare.api.account.zone.*": "*"}}]
    specs += [
        (USER_STORE, {"name": "ci-dns-edit", "issued_on": _fixed(10), "policies": dns_edit,
                      "expires_on": "2035-01-01T00:00:00Z",
                      "condition": {"request_ip": {"in": ["192.0.2.0/24"]}}}),
        (USER_STORE, {"name": "legacy-disabled", "status": "disabled", "issued_on": _fixed(11)}),
        (USER_STORE, {"name": "old-expired", "issued_on": _fixed(12), "expires_on": _days_ago(7)}),
        (account_store(ACCOUNT_ID), {"name": "workers-deploy", "issued_on": _fixed(10),
                                     "policies": [{"permission_groups": [{"name": "Workers Scripts Write"},
                                                                         {"name": "Workers KV Storage Write"}]}]}),
        (account_store(ACCOUNT_ID), {"name": "expired-account-token", "issued_on": _fixed(11),
                                     "expires_on": _days_ago(12)}),
        (account_store(OTHER_ACCOUNT_ID), {"name": "other-analytics", "issued_on": _fixed(10),
                                           "policies": [{"permission_groups": [{"name": "Analytics Read",
                                                                                "scope": catalog.SCOPE_ACCOUNT}]}]}),
    ]
    return specs
