# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Static catalog of permission groups, modelled on Cloudflare's public list.

Group ids are derived from scope and name so they are stable across runs and
processes; tests and playbooks can hard-code them or look them up by name.
"""

import hashlib

SCOPE_ACCOUNT = "com.cloudflare.api.account"
SCOPE_ZONE = "com.cloudflare.api.account.zone"
SCOPE_USER = "com.cloudflare.api.user"
SCOPE_R2 = "com.cloudflare.edge.r2.bucket"

ALL_SCOPES = (SCOPE_ACCOUNT, SCOPE_ZONE, SCOPE_USER, SCOPE_R2)
# Account-owned tokens cannot carry user-level permissions.
ACCOUNT_STORE_SCOPES = (SCOPE_ACCOUNT, SCOPE_ZONE, SCOPE_R2)

_GROUPS = (
    # (scope, name, category)
    (SCOPE_ZONE, "Zone Read", "dns_and_zones"),
    (SCOPE_ZONE, "Zone Write", "dns_and_zones"),
    (SCOPE_ZONE, "DNS Read", "dns_and_zones"),
    (SCOPE_ZONE, "DNS Write", "dns_and_zones"),
    (SCOPE_ZONE, "Zone Settings Read", "dns_and_zones"),
    (SCOPE_ZONE, "Zone Settings Write", "dns_and_zones"),
    (SCOPE_ZONE, "Cache Purge", "cache_and_performance"),
    (SCOPE_ZONE, "Page Rules Read", "rules_and_configuration"),
    (SCOPE_ZONE, "Page Rules Write", "rules_and_configuration"),
    (SCOPE_ZONE, "Firewall Services Read", "app_security"),
    (SCOPE_ZONE, "Firewall Services Write", "app_security"),
    (SCOPE_ZONE, "SSL and Certificates Read", "app_security"),
    (SCOPE_ZONE, "SSL and Certificates Write", "app_security"),
    (SCOPE_ZONE, "Workers Routes Read", "developer_platform"),
    (SCOPE_ZONE, "Workers Routes Write", "developer_platform"),
    (SCOPE_ZONE, "Load Balancers Read", "network_services"),
    (SCOPE_ZONE, "Load Balancers Write", "network_services"),
    (SCOPE_ZONE, "Analytics Read", "analytics_and_logs"),
    (SCOPE_ZONE, "Logs Read", "analytics_and_logs"),
    (SCOPE_ZONE, "Logs Write", "analytics_and_logs"),
    (SCOPE_ACCOUNT, "Account Settings Read", "account_and_billing"),
    (SCOPE_ACCOUNT, "Account Settings Write", "account_and_billing"),
    (SCOPE_ACCOUNT, "Billing Read", "account_and_billing"),
    (SCOPE_ACCOUNT, "Billing Write", "account_and_billing"),
    (SCOPE_ACCOUNT, "Account API Tokens Read", "account_and_billing"),
    (SCOPE_ACCOUNT, "Account API Tokens Write", "account_and_billing"),
    (SCOPE_ACCOUNT, "Workers Scripts Read", "developer_platform"),
    (SCOPE_ACCOUNT, "Workers Scripts Write", "developer_platform"),
    (SCOPE_ACCOUNT, "Workers KV Storage Read", "developer_platform"),
    (SCOPE_ACCOUNT, "Workers KV Storage Write", "developer_platform"),
    (SCOPE_ACCOUNT, "Workers R2 Storage Read", "developer_platform"),
    (SCOPE_ACCOUNT, "Workers R2 Storage Write", "developer_platform"),
    (SCOPE_ACCOUNT, "Pages Read", "developer_platform"),
    (SCOPE_ACCOUNT, "Pages Write", "developer_platform"),
    (SCOPE_ACCOUNT, "D1 Read", "developer_platform"),
    (SCOPE_ACCOUNT, "D1 Write", "developer_platform"),
    (SCOPE_ACCOUNT, "Load Balancing: Monitors and Pools Read", "network_services"),
    (SCOPE_ACCOUNT, "Load Balancing: Monitors and Pools Write", "network_services"),
    (SCOPE_ACCOUNT, "Access: Apps and Policies Read", "cloudflare_one_and_zero_trust"),
    (SCOPE_ACCOUNT, "Access: Apps and Policies Write", "cloudflare_one_and_zero_trust"),
    (SCOPE_ACCOUNT, "Analytics Read", "analytics_and_logs"),
    (SCOPE_ACCOUNT, "Logs Read", "analytics_and_logs"),
    (SCOPE_ACCOUNT, "Logs Write", "analytics_and_logs"),
    (SCOPE_USER, "API Tokens Read", "account_and_billing"),
    (SCOPE_USER, "API Tokens Write", "account_and_billing"),
    (SCOPE_USER, "User Details Read", "account_and_billing"),
    (SCOPE_USER, "User Details Write", "account_and_billing"),
    (SCOPE_USER, "Memberships Read", "account_and_billing"),
    (SCOPE_USER, "Memberships Write", "account_and_billing"),
    (SCOPE_R2, "Workers R2 Storage Bucket Item Read", "developer_platform"),
    (SCOPE_R2, "Workers R2 Storage Bucket Item Write", "developer_platform"),
)


def group_id(scope, name):
    """The stable id of the group called ``name`` in ``scope``."""
    return hashlib.md5((scope + "|" + name).encode("utf-8")).hexdigest()


# Public, read-only view: one dict per group, in catalog order.
PERMISSION_GROUPS = tuple(
    {"id": group_id(scope, name), "name": name, "scopes": [scope], "category": category}
    for scope, name, category in _GROUPS
)

_BY_ID = dict((group["id"], group) for group in PERMISSION_GROUPS)


def get(gid):
    """A copy of the group with id ``gid``, or None."""
    group = _BY_ID.get(gid)
    return None if group is None else _copy(group)


def find(name, scope=None, allowed_scopes=ALL_SCOPES):
    """First group named ``name`` usable with ``allowed_scopes`` (and in ``scope`` if given), or None.

    Names repeat across scopes ("Analytics Read" exists for zones and for
    accounts), so a caller that cares passes ``scope`` to disambiguate.
    """
    for group in PERMISSION_GROUPS:
        if group["name"] != name:
            continue
        if scope is not None and scope not in group["scopes"]:
            continue
        if any(s in allowed_scopes for s in group["scopes"]):
            return _copy(group)
    return None


def usable(gid, allowed_scopes):
    group = _BY_ID.get(gid)
    return group is not None and any(s in allowed_scopes for s in group["scopes"])


def listing(allowed_scopes, name=None, scope=None):
    """Groups usable with ``allowed_scopes``, filtered by exact ``name`` and by ``scope`` membership."""
    result = []
    for group in PERMISSION_GROUPS:
        if not any(s in allowed_scopes for s in group["scopes"]):
            continue
        if name is not None and group["name"] != name:
            continue
        if scope is not None and scope not in group["scopes"]:
            continue
        result.append(_copy(group))
    return result


def _copy(group):
    return dict(group, scopes=list(group["scopes"]))
