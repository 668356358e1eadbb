# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Request-body validation and normalisation for token create/update.

Normalisation deliberately mimics what Cloudflare does to a stored token, so
clients that compare "what I sent" with "what I got back" naively will see
differences: policies and permission groups come back in a canonical order
rather than the order sent, resource keys are sorted, CIDRs are normalised,
and every group gains ``name`` and ``meta``.
"""

import hashlib
import ipaddress
import json
import re

from . import catalog
from .model import ApiError, new_id, now, parse_date

MAX_NAME = 120

CODE_MALFORMED_JSON = 6007
CODE_NAME = 1001
CODE_POLICIES = 1002
CODE_CONDITION = 1004
CODE_DATES = 1005
CODE_STATUS = 1006

_RESOURCE_KEYS = (
    re.compile(r"^com\.cloudflare\.api\.account\.([0-9a-f]{32}|\*)$"),
    re.compile(r"^com\.cloudflare\.api\.account\.zone\.([0-9a-f]{32}|\*)$"),
    re.compile(r"^com\.cloudflare\.api\.user\.[0-9a-f]{32}$"),
    re.compile(r"^com\.cloudflare\.edge\.r2\.bucket\.[A-Za-z0-9_.*-]+$"),
)


def bad_request(code, message):
    return ApiError(400, code, message)


def parse_json_object(raw, allow_empty=False):
    """The request body as a dict; 400/6007 when it is not a JSON object (``allow_empty``: no body is {})."""
    if allow_empty and not (raw or b"").strip():
        return {}
    try:
        body = json.loads(raw.decode("utf-8")) if raw else None
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        raise bad_request(CODE_MALFORMED_JSON, "Malformed JSON in request body")
    return body


def check_name(body):
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise bad_request(CODE_NAME, "name: a non-empty string is required")
    if len(name) > MAX_NAME:
        raise bad_request(CODE_NAME, "name: must be at most %d characters" % MAX_NAME)
    return name


def render_group(group):
    # Today's shape of meta (the 2026 spec's example): a label and the group's scope.
    label = re.sub(r"[^a-z0-9]+", "_", group["name"].lower()).strip("_")
    return {"id": group["id"], "name": group["name"], "meta": {"label": label, "scopes": group["scopes"][0]}}


def _check_resources(resources, where, nested=False):
    if not isinstance(resources, dict) or not resources:
        raise bad_request(CODE_POLICIES, "%s: must be a non-empty object" % where)
    normalised = {}
    for key in sorted(resources):
        value = resources[key]
        if not any(pattern.match(key) for pattern in _RESOURCE_KEYS):
            raise bad_request(CODE_POLICIES, "%s: invalid resource name %r" % (where, key))
        if value == "*":
            normalised[key] = "*"
        elif isinstance(value, dict) and not nested:
            normalised[key] = _check_resources(value, "%s[%r]" % (where, key), nested=True)
        else:
            raise bad_request(CODE_POLICIES, "%s[%r]: value must be \"*\" or an object of resources" % (where, key))
    return normalised


def _check_policy(policy, where, allowed_scopes):
    if not isinstance(policy, dict):
        raise bad_request(CODE_POLICIES, "%s: must be an object" % where)
    effect = policy.get("effect")
    if effect not in ("allow", "deny"):
        raise bad_request(CODE_POLICIES, "%s.effect: must be 'allow' or 'deny'" % where)
    groups = policy.get("permission_groups")
    if not isinstance(groups, list) or not groups:
        raise bad_request(CODE_POLICIES, "%s.permission_groups: a non-empty list is required" % where)
    rendered = {}
    for index, entry in enumerate(groups):
        gid = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(gid, str) or not catalog.usable(gid, allowed_scopes):
            raise bad_request(CODE_POLICIES, "%s.permission_groups[%d].id: unknown permission group %r for this token scope"
                              % (where, index, gid))
        rendered[gid] = render_group(catalog.get(gid))
    resources = _check_resources(policy.get("resources"), where + ".resources")
    return {
        "effect": effect,
        # Duplicates collapse and the order becomes the server's, not the client's.
        "permission_groups": [rendered[gid] for gid in sorted(rendered)],
        "resources": resources,
    }


def _canonical_rank(policy):
    material = json.dumps([policy["effect"], [g["id"] for g in policy["permission_groups"]], policy["resources"]],
                          sort_keys=True)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def check_policies(body, allowed_scopes):
    policies = body.get("policies")
    if not isinstance(policies, list) or not policies:
        raise bad_request(CODE_POLICIES, "policies: a non-empty list is required")
    checked = [_check_policy(policy, "policies[%d]" % index, allowed_scopes) for index, policy in enumerate(policies)]
    # A content-derived order: deterministic, independent of the order sent.
    checked.sort(key=_canonical_rank)
    return [dict(policy, id=new_id()) for policy in checked]


def _check_cidrs(values, where):
    if not isinstance(values, list):
        raise bad_request(CODE_CONDITION, "%s: must be a list of CIDRs" % where)
    result = []
    for value in values:
        try:
            if not isinstance(value, str):
                raise ValueError(value)
            result.append(str(ipaddress.ip_network(value, strict=False)))
        except ValueError:
            raise bad_request(CODE_CONDITION, "%s: invalid CIDR %r" % (where, value)) from None
    return result


def check_condition(body):
    condition = body.get("condition")
    if condition is None:
        return {}
    if not isinstance(condition, dict):
        raise bad_request(CODE_CONDITION, "condition: must be an object")
    request_ip = condition.get("request_ip")
    if request_ip is None:
        return {}
    if not isinstance(request_ip, dict):
        raise bad_request(CODE_CONDITION, "condition.request_ip: must be an object")
    rendered = {}
    for key in ("in", "not_in"):
        if request_ip.get(key) is not None:
            cidrs = _check_cidrs(request_ip[key], "condition.request_ip.%s" % key)
            if cidrs:
                rendered[key] = cidrs
    return {"request_ip": rendered} if rendered else {}


def _date(body, field):
    value = body.get(field)
    if value is None:
        return None
    try:
        return parse_date(value).replace(microsecond=0)
    except ValueError:
        raise bad_request(CODE_DATES, "%s: must be an RFC 3339 date-time such as 2030-01-01T00:00:00Z" % field) from None


def check_dates(body):
    not_before = _date(body, "not_before")
    expires_on = _date(body, "expires_on")
    if expires_on is not None:
        if expires_on <= now():
            raise bad_request(CODE_DATES, "expires_on: must be in the future")
        if not_before is not None and expires_on <= not_before:
            raise bad_request(CODE_DATES, "expires_on: must be later than not_before")
    return not_before, expires_on


def check_status(body):
    """The requested status, or None to keep the current one."""
    status = body.get("status")
    if status is None:
        return None
    if status not in ("active", "disabled"):
        raise bad_request(CODE_STATUS, "status: must be 'active' or 'disabled'")
    return status


def _check_no_policy_ids(body):
    policies = body.get("policies")
    if isinstance(policies, list) and any(isinstance(p, dict) and p.get("id") is not None for p in policies):
        raise bad_request(CODE_NAME, "Reusing existing policies is not supported by token creation")


def check_token_body(raw, allowed_scopes, update=False):
    """Validate a create/update body; returns the normalised fields or raises ApiError.

    On update, ``condition`` is None when the body has no condition (or null): keep the
    stored one. Dates absent or null are None: cleared.
    """
    body = parse_json_object(raw)
    fields = {"name": check_name(body)}
    if not update:
        _check_no_policy_ids(body)
    fields["policies"] = check_policies(body, allowed_scopes)
    fields["not_before"], fields["expires_on"] = check_dates(body)
    if update and body.get("condition") is None:
        fields["condition"] = None
    else:
        fields["condition"] = check_condition(body)
    if update:
        fields["status"] = check_status(body)
    return fields
