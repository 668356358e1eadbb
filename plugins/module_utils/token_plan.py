# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one planner for a declared token and for a declared set of tokens.

``plan_token`` is pure: the token as Cloudflare has it (or None) and the
declaration in, one ``TokenPlan`` out (what to send, what differs, a diff).
``cf_token`` plans one token, ``cf_token_set`` plans a whole scope with the
same function; both then apply updates and deletions with the functions at
the end of this file, and creations with ``CloudflareModule.create_token``,
which settles a create whose answer was lost.
"""

import re

from ansible_collections.tokenops.cloudflare.plugins.module_utils.token_model import (
    COMPARED,
    InvalidToken,
    PermissionGroups,
    canonical_token,
    declared_policy,
    desired_token,
    differences,
    display,
    format_datetime,
    group_names,
    merge,
    parse_datetime,
    parse_duration,
    request_body,
    resource_scopes,
    sorted_map,
    token_groups,
    utcnow,
    validate_name,
    HEX32,
    SCOPE_ZONE,
)

# Quotas Cloudflare enforces on the number of tokens in a scope.
USER_TOKEN_QUOTA = 50
ACCOUNT_TOKEN_QUOTA = 500
# The options of one declared token, shared by cf_token and every item of cf_token_set.
TOKEN_OPTIONS = ("id", "name", "state", "status", "policies", "not_before", "expires_on", "expires_in",
                 "renew_before", "condition", "value_path")
RENEW_BEFORE_FRACTION = 3


def is_revoked(status):
    """Cloudflare revokes leaked tokens and reports ``revoked (exposed)`` (or another ``revoked ...``)."""
    return str(status or "").startswith("revoked")


def quota_for(account_id):
    return ACCOUNT_TOKEN_QUOTA if account_id else USER_TOKEN_QUOTA


def safe_file_name(name):
    """The file name a token's value gets in a value directory."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", name) + ".token"


def declared(options):
    """One declaration with every option present and the empty suboptions Ansible adds removed."""
    item = dict((key, (options or {}).get(key)) for key in TOKEN_OPTIONS)
    item["state"] = item["state"] or "present"
    condition = item["condition"]
    if condition is not None and isinstance(condition, dict):
        request_ip = condition.get("request_ip")
        if isinstance(request_ip, dict):
            request_ip = dict((k, v) for k, v in request_ip.items() if v)
            condition = dict(condition, request_ip=request_ip)
            if not request_ip:
                del condition["request_ip"]
        item["condition"] = condition
    return item


def validate_declaration(item, option=""):
    """Check everything that needs no request; raises InvalidToken naming ``option`` (e.g. ``tokens[3]``)."""
    prefix = option + "." if option else ""
    try:
        if item["id"] is not None and not HEX32.match(str(item["id"])):
            raise InvalidToken("id must be a 32-character lowercase hexadecimal token id, got %r." % item["id"])
        if item["name"] is not None:
            validate_name(item["name"])
        if item["state"] not in ("present", "absent"):
            raise InvalidToken("state must be present or absent, got %r." % item["state"])
        if item["state"] == "absent":
            return
        if item["expires_in"] is not None:
            if item["expires_on"] is not None:
                raise InvalidToken("expires_in and expires_on are mutually exclusive.")
            if parse_duration(item["expires_in"], "expires_in").total_seconds() <= 0:
                raise InvalidToken("expires_in must be a positive duration.")
        if item["renew_before"] is not None:
            if item["expires_in"] is None:
                raise InvalidToken("renew_before requires expires_in.")
            if parse_duration(item["renew_before"], "renew_before") >= parse_duration(item["expires_in"]):
                raise InvalidToken("renew_before must be shorter than expires_in.")
        # Group names are only checked for shape here: resolving them costs a request.
        desired_token(item, PermissionGroups(None))
    except InvalidToken as exc:
        raise InvalidToken("%s%s" % (prefix, exc))


class TokenPlan:
    """What one declared token needs: ``action`` is create, update, delete or none."""

    def __init__(self, name, action="none", current=None, state=None, changes=(), before=None, after=None):
        self.name = name
        self.action = action
        self.current = current
        self.state = state
        self.changes = list(changes)
        self.before = before or {}
        self.after = after or {}
        self.expired = False
        self.revoked = None
        self.value_path = None

    @property
    def token_id(self):
        return (self.current or {}).get("id")

    @property
    def changed(self):
        return self.action != "none"

    def body(self):
        """The request body: a create carries no status; an update sends every field, cleared ones explicitly."""
        if self.action == "create":
            return request_body(dict(self.state, status=None))
        if self.action == "update":
            body = request_body(self.state)
            # Cloudflare keeps a condition or a date that a PUT does not mention: clear them by name.
            body["condition"] = self.state.get("condition") or {}
            for key in ("not_before", "expires_on"):
                if not self.state.get(key) and (canonical_token(self.current).get(key)):
                    body[key] = None
            return body
        return None

    def needs_disable(self):
        return self.action == "create" and self.state.get("status") == "disabled"

    def unapplied(self, answer):
        """Compared fields the API's answer to an update does not carry as sent."""
        got = canonical_token(answer)
        return [key for key in COMPARED if key != "status" and (self.state.get(key) or None) != (got.get(key) or None)]


def relative_expiry(item, current, now):
    """``expires_on`` for ``expires_in``/``renew_before``: kept while more than renew_before is left."""
    if item.get("expires_in") is None:
        return item.get("expires_on")
    lifetime = parse_duration(item["expires_in"], "expires_in")
    renew = parse_duration(item["renew_before"], "renew_before") if item.get("renew_before") is not None \
        else lifetime / RENEW_BEFORE_FRACTION
    existing = (current or {}).get("expires_on")
    if existing:
        left = parse_datetime(existing) - now
        if left > renew:
            return existing
    return format_datetime((now + lifetime).replace(microsecond=0))


def plan_token(item, current, groups, now=None, resources=None):
    """Plan one declared token against the token Cloudflare has (or None).

    Pure apart from the resolution of permission-group names (``groups``) and of
    zone and account names (``resources``, a ResourceNames), which cache what they read.
    Raises InvalidToken for a declaration that cannot be carried out.
    """
    now = now or utcnow()
    name = item.get("name") or (current or {}).get("name")
    if item["state"] == "absent":
        if current is None:
            return TokenPlan(name)
        return TokenPlan(name, "delete", current, before=display(canonical_token(current), group_names(current)))
    if current is not None and is_revoked(current.get("status")):
        plan = TokenPlan(name, current=current)
        plan.revoked = current.get("status")
        return plan
    wanted = dict(item, expires_on=relative_expiry(item, current, now))
    desired = desired_token(wanted, groups, now, resource_names=resources)
    shown = dict(group_names(current))
    shown.update(groups.names())
    if current is None:
        if item.get("id"):
            raise InvalidToken("id: no token %s exists; a token cannot be created by id, set name instead." % item["id"])
        if desired["policies"] is None:
            raise InvalidToken("policies is required to create token %r." % name)
        state = merge(None, desired)
        _refuse_past_expiry(state, now)
        return TokenPlan(name, "create", None, state, ["state"], {}, display(state, shown))
    canonical = canonical_token(current)
    state = merge(canonical, desired)
    changes = differences(canonical, state)
    plan = TokenPlan(name, "update" if changes else "none", current, state, changes,
                     display(canonical, shown), display(state, shown))
    if changes:
        _refuse_past_expiry(state, now)
    elif state.get("expires_on") and parse_datetime(state["expires_on"]) <= now:
        plan.expired = True
    return plan


def _refuse_past_expiry(state, now):
    if state.get("expires_on") and parse_datetime(state["expires_on"]) <= now:
        raise InvalidToken("expires_on %s is in the past; declare a later expires_on (or expires_in) to change this token."
                           % state["expires_on"])


def unknown_group_ids(plans, groups):
    """Permission-group ids that plans would send and the catalog does not know (reads the catalog once)."""
    wanted = set()
    for plan in plans:
        if plan.action in ("create", "update"):
            carried = set(group_names(plan.current))
            for policy in plan.state["policies"] or []:
                wanted.update(g for g in policy["permission_groups"] if g not in carried)
    if not wanted:
        return []
    known = set(g.get("id") for g in groups.catalog)
    return sorted(wanted - known)


def rename_conflicts(plans, tokens):
    """Renames onto a name that another token of the scope keeps after the run."""
    leaving = set(p.token_id for p in plans if p.action == "delete" or (p.action == "update" and "name" in p.changes))
    taken = {}
    for token in tokens:
        if token.get("id") not in leaving:
            taken.setdefault(token.get("name"), token.get("id"))
    conflicts = []
    for plan in plans:
        if plan.action == "update" and "name" in plan.changes and plan.state["name"] in taken:
            conflicts.append("%s -> %r (taken by %s)" % (plan.current.get("name"), plan.state["name"], taken[plan.state["name"]]))
    return conflicts


def check_quota(tokens, plans, account_id):
    """Refuse creates that would take the scope past Cloudflare's token quota."""
    limit = quota_for(account_id)
    creates = sum(1 for p in plans if p.action == "create")
    deletes = sum(1 for p in plans if p.action == "delete")
    after = len(tokens) + creates - deletes
    if creates and after > limit:
        raise InvalidToken("Creating %d token(s) would make %d tokens in %s; Cloudflare allows at most %d. Nothing was changed."
                           % (creates, after, "account %s" % account_id if account_id else "this user's scope", limit))


# ------------------------------------------------------------------- apply
class NotApplied(Exception):
    """Cloudflare answered an update without carrying some declared fields."""


def apply_update(client, plan, account_id):
    """Send the one full-object PUT and check that Cloudflare applied it."""
    answer = client.update_token(plan.token_id, plan.body(), account_id)
    missing = plan.unapplied(answer)
    if missing:
        raise NotApplied(
            "Cloudflare accepted the update of token %s (%r) but did not apply %s. This API keeps such a field once "
            "set: recreate the token (state: absent, then present; or tokenops.cloudflare.cf_token_roll "
            "strategy=replace) to get it without." % (plan.token_id, plan.name, ", ".join(missing)))
    return answer


def apply_delete(client, plan, account_id):
    client.delete_token(plan.token_id, account_id)


def disable_body(token):
    return request_body(dict(canonical_token(token), status="disabled"))


def token_argument_spec():
    """The options of one declared token: cf_token's top level and each item of cf_token_set's ``tokens``."""
    return dict(
        id=dict(type="str"),
        name=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        status=dict(type="str", choices=["active", "disabled"]),
        policies=dict(type="list", elements="dict", options=dict(
            effect=dict(type="str", default="allow", choices=["allow", "deny"]),
            permission_groups=dict(type="list", elements="raw", required=True),
            resources=dict(type="dict"),
            zones=dict(type="list", elements="str"),
            accounts=dict(type="list", elements="str"),
            id=dict(type="str"),
        )),
        not_before=dict(type="str"),
        expires_on=dict(type="str"),
        expires_in=dict(type="str"),
        renew_before=dict(type="str"),
        condition=dict(type="dict", options=dict(
            request_ip=dict(type="dict", options={
                "in": dict(type="list", elements="str"),
                "not_in": dict(type="list", elements="str"),
            }),
        )),
        value_path=dict(type="path"),
    )


def single_match(tokens, name):
    """The one token called ``name``, or None; several is an error raised before any write."""
    matches = [t for t in tokens if t.get("name") == name]
    if len(matches) > 1:
        raise InvalidToken("%d tokens are named %r (ids: %s); use id to choose one. Nothing was changed."
                           % (len(matches), name, ", ".join(sorted(t["id"] for t in matches))))
    return matches[0] if matches else None


def missing_value_warning(name, path):
    return ("Token %r exists, but its value_path %s does not: its value was never stored there or was removed. "
            "Roll it with tokenops.cloudflare.cf_token_roll (value_path=%s) to get a value that is stored." % (name, path, path))


class _NeedsCatalog(Exception):
    pass


def _no_catalog():
    raise _NeedsCatalog()


def declaration(token, zone_names=None):
    """A declaration of ``token`` that cf_token_set accepts as it is and finds nothing to change in.

    Permission groups are named where the name resolves back to the same id from
    what the token itself carries (no catalog read), by id otherwise. Whole-zone
    and whole-account resources become ``zones``/``accounts``, zones by name where
    ``zone_names`` (id -> name, see ``token_model.name_map``) has one.
    """
    resolver = PermissionGroups(_no_catalog, token_groups(token))
    policies = []
    for policy in token.get("policies") or []:
        resources = sorted_map(policy.get("resources") or {})
        try:
            scopes = resource_scopes(resources)
        except AttributeError:  # a resource key of a kind this collection does not know
            scopes = set()
        entries = []
        for group in policy.get("permission_groups") or []:
            entry = group.get("id")
            if group.get("name"):
                try:
                    if resolver.resolve(group["name"], scopes, "permission_groups") == group.get("id"):
                        entry = group["name"]
                except (_NeedsCatalog, InvalidToken):
                    pass
            entries.append(entry)
        policies.append(declared_policy({"effect": policy.get("effect", "allow"), "permission_groups": sorted(entries),
                                         "resources": resources}, zone_names))
    result = {"id": token.get("id"), "name": token.get("name")}
    if token.get("status") in ("active", "disabled"):
        result["status"] = token["status"]
    result["policies"] = policies
    for key in ("not_before", "expires_on"):
        if token.get(key):
            result[key] = token[key]
    result["condition"] = token.get("condition") or {}
    return result


def zone_ids_in(tokens):
    """Whether any policy of ``tokens`` names a zone by id (then zone names are worth a lookup)."""
    for token in tokens:
        for policy in token.get("policies") or []:
            if any(key.startswith(SCOPE_ZONE + ".") and HEX32.match(key[len(SCOPE_ZONE) + 1:]) for key in policy.get("resources") or {}):
                return True
    return False
