# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The single place where tokens are validated, normalized and compared.

Cloudflare echoes a token back in its own shape: policies and permission
groups reordered, server-assigned policy ids, group ``name``/``meta`` added,
CIDRs rewritten, dates with or without fractional seconds. Both the desired
state and the API's answer are reduced to one canonical form here, so that a
second run of the same task finds nothing to change.
"""

import datetime
import difflib
import ipaddress
import json
import re

HEX32 = re.compile(r"^[0-9a-f]{32}$")
MAX_NAME_LENGTH = 120
SCOPE_ACCOUNT = "com.cloudflare.api.account"
SCOPE_ZONE = "com.cloudflare.api.account.zone"
SCOPE_USER = "com.cloudflare.api.user"
SCOPE_R2 = "com.cloudflare.edge.r2.bucket"
# Longest prefix first: a zone key also starts with the account prefix.
_RESOURCE_KEY = re.compile(
    r"^(?P<scope>com\.cloudflare\.api\.account\.zone|com\.cloudflare\.api\.account|com\.cloudflare\.api\.user"
    r"|com\.cloudflare\.edge\.r2\.bucket)\.(?P<target>[A-Za-z0-9_*-]+)$")
# A zone name: lowercase labels, at least two, as Cloudflare lists them.
_ZONE_NAME = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9_](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
MAX_CANDIDATES = 10
_DURATION = re.compile(r"(\d+)\s*([smhdw])")
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class InvalidToken(ValueError):
    """Desired state that Cloudflare would reject, or that makes no sense."""


# ------------------------------------------------------------------ datetimes
def parse_datetime(value, option="date"):
    """An aware UTC datetime from RFC 3339 text (``Z``, offsets, fractions) or a datetime."""
    if isinstance(value, datetime.datetime):
        parsed = value
    elif isinstance(value, datetime.date):
        parsed = datetime.datetime(value.year, value.month, value.day)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        if re.match(r"^\d{4}-\d{2}-\d{2}$", text):
            text += "T00:00:00"
        text = re.sub(r"[zZ]$", "+00:00", text.replace(" ", "T", 1))
        # fromisoformat wants 0, 3 or 6 fractional digits; Cloudflare may send others.
        match = re.match(r"^(.*T\d{2}:\d{2}:\d{2})\.(\d+)(.*)$", text)
        if match:
            text = "%s.%s%s" % (match.group(1), (match.group(2) + "000000")[:6], match.group(3))
        try:
            parsed = datetime.datetime.fromisoformat(text)
        except ValueError:
            raise InvalidToken("%s: %r is not an RFC 3339 date-time such as 2027-01-01T00:00:00Z." % (option, value))
    else:
        raise InvalidToken("%s: %r is not an RFC 3339 date-time such as 2027-01-01T00:00:00Z." % (option, value))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed.astimezone(datetime.timezone.utc)


def format_datetime(value):
    """Cloudflare's form, to the second: ``2027-01-01T00:00:00Z``."""
    return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def canonical_datetime(value, option="date"):
    if value in (None, ""):
        return None
    return format_datetime(parse_datetime(value, option))


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def parse_duration(value, option="duration"):
    """``30d``, ``12h``, ``2w``, ``1d12h`` or a number of seconds, as a timedelta."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.timedelta(seconds=value)
    text = str(value).strip().lower().replace(" ", "")
    if text.isdigit():
        return datetime.timedelta(seconds=int(text))
    parts = _DURATION.findall(text)
    if not parts or "".join("%s%s" % p for p in parts) != text:
        raise InvalidToken("%s: %r is not a duration such as 30d, 12h, 2w or 1d12h." % (option, value))
    return datetime.timedelta(seconds=sum(int(n) * _DURATION_UNITS[u] for n, u in parts))


# ---------------------------------------------------------------- conditions
def normalize_cidr(value, option="condition"):
    try:
        return str(ipaddress.ip_network(str(value).strip(), strict=False))
    except ValueError:
        raise InvalidToken("%s: %r is not a valid IPv4 or IPv6 CIDR." % (option, value))


def _cidr_sort_key(text):
    net = ipaddress.ip_network(text)
    return (net.version, net.network_address.packed, net.prefixlen)


def normalize_condition(condition, option="condition"):
    """``{}`` or ``{"request_ip": {"in": [...], "not_in": [...]}}``, CIDRs normalized and sorted."""
    if not condition:
        return {}
    if not isinstance(condition, dict) or set(condition) - {"request_ip"}:
        raise InvalidToken("%s: only request_ip is supported, got %r." % (option, sorted(condition) if isinstance(condition, dict) else condition))
    request_ip = condition.get("request_ip") or {}
    if not isinstance(request_ip, dict) or set(request_ip) - {"in", "not_in"}:
        raise InvalidToken("%s.request_ip: only 'in' and 'not_in' lists are supported." % option)
    result = {}
    for key in ("in", "not_in"):
        cidrs = request_ip.get(key) or []
        if isinstance(cidrs, str) or not isinstance(cidrs, list):
            raise InvalidToken("%s.request_ip.%s must be a list of CIDRs." % (option, key))
        if cidrs:
            unique = set(normalize_cidr(c, "%s.request_ip.%s" % (option, key)) for c in cidrs)
            result[key] = sorted(unique, key=_cidr_sort_key)
    return {"request_ip": result} if result else {}


# ----------------------------------------------------------------- resources
def normalize_resources(resources, option="resources"):
    """Validate Cloudflare's resource map (flat or one level nested) and return it key-sorted."""
    if not isinstance(resources, dict) or not resources:
        raise InvalidToken("%s must be a non-empty mapping such as {'com.cloudflare.api.account.zone.*': '*'}." % option)
    result = {}
    for key in sorted(resources):
        if not _RESOURCE_KEY.match(str(key)):
            raise InvalidToken("%s: %r is not a Cloudflare resource key (com.cloudflare.api.account.<id>, "
                               "com.cloudflare.api.account.zone.<id|*>, com.cloudflare.api.user.<id>)." % (option, key))
        value = resources[key]
        if isinstance(value, dict):
            nested = normalize_resources(value, "%s[%s]" % (option, key))
            if any(isinstance(v, dict) for v in nested.values()):
                raise InvalidToken("%s[%s]: resources nest one level deep at most." % (option, key))
            result[key] = nested
        elif value == "*":
            result[key] = "*"
        else:
            raise InvalidToken("%s[%s]: the value must be '*' or a nested mapping, got %r." % (option, key, value))
    return result


def resource_scopes(resources):
    """The permission-group scopes a resource map implies (innermost keys win)."""
    scopes = set()
    for key, value in resources.items():
        if isinstance(value, dict):
            scopes |= resource_scopes(value)
        else:
            scopes.add(_RESOURCE_KEY.match(key).group("scope"))
    return scopes


# -------------------------------------------------------- permission groups
class PermissionGroups:
    """Permission-group names resolved to ids, with the catalog read at most once.

    ``known`` are the groups of the token being managed, as the API echoed them
    (with their scope in ``meta``): a name found there, unique for the scopes
    of its policy, needs no catalog read, so a converged task costs one request.
    With ``lister=None`` names are only checked for shape and kept as they are,
    which validates everything else before any request is sent.
    """

    def __init__(self, lister, known=None, _shared=None):
        self._lister = lister
        self._shared = _shared if _shared is not None else {}
        self._known = [g for g in known or [] if g.get("scopes")]

    def for_token(self, token):
        """The same resolver (one catalog read for all) knowing the groups ``token`` carries."""
        return PermissionGroups(self._lister, token_groups(token), self._shared)

    @property
    def _catalog(self):
        return self._shared.get("catalog")

    @property
    def catalog(self):
        if self._catalog is None:
            self._shared["catalog"] = list(self._lister())
        return self._catalog

    def resolve(self, entry, scopes, option):
        """The id for ``entry`` (a name, an id, or ``{id: ...}``/``{name: ...}``)."""
        if isinstance(entry, dict):
            if set(entry) - {"id", "name", "meta"}:
                raise InvalidToken("%s: a permission group is a name, an id, {id: ...} or {name: ...}; got %r." % (option, entry))
            if entry.get("id"):
                entry = entry["id"]
                if not HEX32.match(str(entry)):
                    raise InvalidToken("%s: permission group id %r is not 32 hexadecimal characters." % (option, entry))
                return entry
            entry = entry.get("name")
        if not isinstance(entry, str) or not entry.strip():
            raise InvalidToken("%s: permission group %r is neither a name nor an id." % (option, entry))
        if HEX32.match(entry):
            return entry
        if self._lister is None:
            return entry
        known = set(g["id"] for g in self._known if g.get("name") == entry and (not scopes or scopes & set(g["scopes"])))
        if len(known) == 1:
            return known.pop()
        matches = [g for g in self.catalog if g.get("name") == entry]
        if len(matches) > 1 and scopes:
            matches = [g for g in matches if scopes & set(g.get("scopes") or [])] or matches
        if not matches:
            raise InvalidToken("%s: unknown permission group %r.%s" % (
                option, entry, did_you_mean(entry, (g.get("name") for g in self.catalog))))
        if len(matches) > 1:
            raise InvalidToken("%s: permission group %r is ambiguous: %s. Use its id, or resources that imply one scope." % (
                option, entry, "; ".join("%s (scopes: %s)" % (g["id"], ", ".join(g.get("scopes") or [])) for g in matches)))
        return matches[0]["id"]

    def names(self):
        return dict((g["id"], g.get("name")) for g in self._catalog or [])


# ------------------------------------------------------- zones and accounts
def _refusal(exc):
    """``HTTP 403; Cloudflare said: ...`` for an API error that is a 403, else None."""
    if getattr(exc, "status", None) != 403:
        return None
    said = "; ".join("%s: %s" % (e.get("code"), e.get("message")) for e in getattr(exc, "errors", None) or [] if isinstance(e, dict))
    return "HTTP 403" + ("; Cloudflare said: " + said if said else "")


class ResourceNames:
    """Zone and account names in policies resolved to ids, each distinct name looked up once per task.

    ``zone_lister(name=..., account_id=...)`` and ``account_lister(name=...)``
    list what the credentials may read (the client's ``list_zones`` and
    ``list_accounts``). Ids never cost a request. With a lister ``None`` that
    kind is only checked for shape and names stay as they are (never sent),
    which validates everything else before any request. ``account_id`` is the
    account whose tokens are managed: zone names are looked up in it only.
    """

    def __init__(self, zone_lister=None, account_lister=None, account_id=None):
        self._zone_lister = zone_lister
        self._account_lister = account_lister
        self.account_id = account_id
        self._zones = {}
        self._accounts = {}

    def _read(self, cache, key, lister, what, option):
        if key not in cache:
            try:
                cache[key] = list(lister())
            except Exception as exc:
                refusal = _refusal(exc)
                if refusal is None:
                    raise
                raise InvalidToken("%s: cannot look up %s: these credentials may not list %s (%s). %s" % (
                    option, what[0], what[1], refusal, what[2]))
        return cache[key]

    def zone(self, entry, option):
        """The zone id for ``entry``, a zone name or a 32-character zone id."""
        if not isinstance(entry, str) or not entry.strip():
            raise InvalidToken("%s: a zone is a name such as example.com or a 32-character zone id, got %r." % (option, entry))
        name = entry.strip().lower().rstrip(".")
        if HEX32.match(entry.strip()):
            return entry.strip()
        if not _ZONE_NAME.match(name):
            raise InvalidToken("%s: %r is neither a zone name such as example.com nor a 32-character zone id." % (option, entry))
        if self._zone_lister is None:
            return name
        where = " in account %s" % self.account_id if self.account_id else ""
        what = ("zone %r" % name, "zones", "This needs Zone Read on the zones you name, or use zone ids.")
        found = self._read(self._zones, name, lambda: self._zone_lister(name=name, account_id=self.account_id), what, option)
        matches = [z for z in found if str(z.get("name", "")).lower() == name and self._in_account(z)]
        if len(matches) == 1:
            return matches[0]["id"]
        if matches:
            raise InvalidToken(
                "%s: zone name %r is ambiguous: %d zones carry it (%s). Use the zone id of the one you mean, or set "
                "account_id to manage the tokens of that account." % (option, name, len(matches), _zone_list(matches)))
        near = self._similar_zones(name, what, option)
        raise InvalidToken("%s: no zone named %r%s is visible to these credentials (they need Zone Read on it). %s" % (
            option, name, where, "Zones with similar names: %s." % _zone_list(near) if near else
            "No zone with a similar name is visible either."))

    def _in_account(self, zone):
        return not self.account_id or (zone.get("account") or {}).get("id") == self.account_id

    def _similar_zones(self, name, what, option):
        # The longest label but the last (example in www.example.co): typos in the suffix and subdomains still match.
        labels = name.split(".")
        core = max(labels[:-1] or labels, key=len)
        found = self._read(self._zones, "contains:" + core,
                           lambda: self._zone_lister(name="contains:" + core, account_id=self.account_id), what, option)
        return [z for z in found if self._in_account(z)][:MAX_CANDIDATES]

    def account(self, entry, option):
        """The account id for ``entry``, an account name or a 32-character account id."""
        if not isinstance(entry, str) or not entry.strip():
            raise InvalidToken("%s: an account is a name or a 32-character account id, got %r." % (option, entry))
        name = entry.strip()
        if HEX32.match(name) or self._account_lister is None:
            return name
        what = ("account %r" % name, "accounts", "This needs Account Settings Read on the accounts you name, or use account ids.")
        found = self._read(self._accounts, name.lower(), lambda: self._account_lister(name=name), what, option)
        matches = [a for a in found if str(a.get("name", "")).lower() == name.lower()]
        if len(matches) == 1:
            return matches[0]["id"]
        if matches:
            raise InvalidToken("%s: account name %r is ambiguous: %d accounts carry it (ids: %s). Use the account id." % (
                option, name, len(matches), ", ".join(sorted(a["id"] for a in matches))))
        visible = self._read(self._accounts, None, lambda: self._account_lister(name=None), what, option)
        raise InvalidToken("%s: no account named %r is visible to these credentials. %s" % (
            option, name, "Accounts they can read: %s." % ", ".join(
                "%s (%s)" % (a.get("name"), a.get("id")) for a in visible[:MAX_CANDIDATES]) if visible else
            "They can read no account."))


def _zone_list(zones):
    return "; ".join("%s: %s (account %s%s)" % (
        z.get("name"), z.get("id"), (z.get("account") or {}).get("id"),
        " %r" % z["account"]["name"] if (z.get("account") or {}).get("name") else "") for z in zones)


def _named(value, option, kind):
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, list):
        raise InvalidToken("%s must be a list of %s names or ids." % (option, kind))
    return value


def _add_resource(resources, key, option):
    if resources.get(key, "*") != "*":
        raise InvalidToken("%s: %s is given in resources as %r and by name as '*'; give it one way." % (option, key, resources[key]))
    resources[key] = "*"


def name_map(items, account_id=None):
    """id -> name for zones or accounts as the API listed them, keeping only names that resolve back to that id.

    A name several items share (the same domain in two accounts) only round-trips by id, so it is left out;
    with ``account_id``, zones of other accounts are ignored, as resolution ignores them.
    """
    chosen = [i for i in items or [] if not account_id or (i.get("account") or {"id": account_id}).get("id") == account_id]
    counts = {}
    for item in chosen:
        key = str(item.get("name", "")).lower()
        counts[key] = counts.get(key, 0) + 1
    return dict((i["id"], i["name"]) for i in chosen if i.get("name") and counts[str(i["name"]).lower()] == 1)


def declared_policy(policy, zone_names=None, account_names=None):
    """A canonical policy written as a person declares it: each ``zone.<id>: '*'`` entry in ``zones`` and each
    ``account.<id>: '*'`` in ``accounts``, by name where the map knows one, by id otherwise; the rest stays
    in ``resources``. Normalizing the result gives the policy back."""
    zone_names = zone_names or {}
    account_names = account_names or {}
    resources = {}
    zones = []
    accounts = []
    for key, value in sorted((policy.get("resources") or {}).items()):
        match = _RESOURCE_KEY.match(key)
        target = match.group("target") if match else None
        if value == "*" and match and match.group("scope") == SCOPE_ZONE and HEX32.match(target):
            zones.append(zone_names.get(target, target))
        elif value == "*" and match and match.group("scope") == SCOPE_ACCOUNT and HEX32.match(target):
            accounts.append(account_names.get(target, target))
        else:
            resources[key] = value
    declared = {"effect": policy.get("effect", "allow"), "permission_groups": list(policy.get("permission_groups") or [])}
    if resources:
        declared["resources"] = resources
    if zones:
        declared["zones"] = zones
    if accounts:
        declared["accounts"] = accounts
    return declared


def suggest_names(name, candidates, limit=5):
    """Up to ``limit`` names among ``candidates`` that ``name`` may have meant.

    Names containing it (any case) come first, sorted; then names spelled alike.
    """
    names = sorted(set(c for c in candidates if isinstance(c, str) and c))
    near = [n for n in names if name.lower() in n.lower()]
    lowered = dict((n.lower(), n) for n in names)
    for close in difflib.get_close_matches(name.lower(), list(lowered), n=limit, cutoff=0.6):
        if lowered[close] not in near:
            near.append(lowered[close])
    return near[:limit]


def did_you_mean(name, candidates):
    """`` Did you mean: A, B?`` for the suggestions of suggest_names(), or an empty string."""
    near = suggest_names(name, candidates)
    return " Did you mean: %s?" % ", ".join(near) if near else ""


# ------------------------------------------------------------------ policies
def normalize_policy(policy, groups, option, resource_names=None):
    if not isinstance(policy, dict):
        raise InvalidToken("%s must be a mapping with permission_groups and resources, zones or accounts." % option)
    unknown = set(policy) - {"effect", "permission_groups", "resources", "zones", "accounts", "id"}
    if unknown:
        raise InvalidToken("%s: unknown key(s) %s." % (option, ", ".join(sorted(unknown))))
    names = resource_names or ResourceNames()
    effect = policy.get("effect") or "allow"
    if effect not in ("allow", "deny"):
        raise InvalidToken("%s.effect must be allow or deny, got %r." % (option, effect))
    zones = _named(policy.get("zones"), option + ".zones", "zone")
    accounts = _named(policy.get("accounts"), option + ".accounts", "account")
    given = policy.get("resources")
    if given in (None, {}) and not zones and not accounts:
        raise InvalidToken("%s needs resources, zones or accounts (at least one), such as zones: [example.com] or "
                           "resources: {'com.cloudflare.api.account.zone.*': '*'}." % option)
    resources = normalize_resources(given, option + ".resources") if given not in (None, {}) else {}
    scopes = resource_scopes(resources) | ({SCOPE_ZONE} if zones else set()) | ({SCOPE_ACCOUNT} if accounts else set())
    entries = policy.get("permission_groups")
    if not isinstance(entries, list) or not entries:
        raise InvalidToken("%s.permission_groups must be a non-empty list." % option)
    for index, entry in enumerate(zones):
        where = "%s.zones[%d]" % (option, index)
        _add_resource(resources, SCOPE_ZONE + "." + names.zone(entry, where), where)
    for index, entry in enumerate(accounts):
        where = "%s.accounts[%d]" % (option, index)
        _add_resource(resources, SCOPE_ACCOUNT + "." + names.account(entry, where), where)
    ids = sorted(set(groups.resolve(e, scopes, "%s.permission_groups[%d]" % (option, i)) for i, e in enumerate(entries)))
    return {"effect": effect, "permission_groups": ids, "resources": sorted_map(resources)}


def _policy_sort_key(policy):
    return json.dumps(policy, sort_keys=True)


def normalize_policies(policies, groups, option="policies", resource_names=None):
    if not isinstance(policies, list) or not policies:
        raise InvalidToken("%s must be a non-empty list of policies." % option)
    normalized = [normalize_policy(p, groups, "%s[%d]" % (option, i), resource_names) for i, p in enumerate(policies)]
    return sorted(normalized, key=_policy_sort_key)


def api_policies(policies):
    """Canonical policies of a token as the API returns it (ids and names dropped)."""
    result = []
    for policy in policies or []:
        result.append({
            "effect": policy.get("effect", "allow"),
            "permission_groups": sorted(set(g["id"] for g in policy.get("permission_groups") or [])),
            "resources": sorted_map(policy.get("resources") or {}),
        })
    return sorted(result, key=_policy_sort_key)


def sorted_map(value):
    if isinstance(value, dict):
        return dict((k, sorted_map(value[k])) for k in sorted(value))
    return value


# -------------------------------------------------------------------- tokens
COMPARED = ("name", "status", "policies", "not_before", "expires_on", "condition")


def canonical_token(token):
    """The comparable state of a token from the API."""
    return {
        "name": token.get("name"),
        "status": token.get("status"),
        "policies": api_policies(token.get("policies")),
        "not_before": canonical_datetime(token.get("not_before")),
        "expires_on": canonical_datetime(token.get("expires_on")),
        "condition": normalize_condition(token.get("condition")),
    }


def validate_name(name, option="name"):
    if not isinstance(name, str) or not name.strip():
        raise InvalidToken("%s must be a non-empty string." % option)
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidToken("%s is %d characters long; Cloudflare allows at most %d." % (option, len(name), MAX_NAME_LENGTH))
    return name


def desired_token(params, groups, now=None, resource_names=None):
    """Canonical desired state from module options; options left unset are None (not compared).

    ``resource_names`` resolves zone and account names in policies (a ``ResourceNames``); without it
    names are only checked for shape.
    """
    now = now or utcnow()
    desired = dict.fromkeys(COMPARED)
    if params.get("name") is not None:
        desired["name"] = validate_name(params["name"])
    desired["status"] = params.get("status")
    if params.get("policies") is not None:
        desired["policies"] = normalize_policies(params["policies"], groups, resource_names=resource_names)
    for key in ("not_before", "expires_on"):
        value = params.get(key)
        if value is not None:
            # An empty string asks for no date at all.
            desired[key] = canonical_datetime(value, key) or ""
    if params.get("condition") is not None:
        desired["condition"] = normalize_condition(params["condition"])
    # A past expires_on is refused by the planner, and only when it would be sent.
    if desired["expires_on"]:
        expires = parse_datetime(desired["expires_on"])
        if desired["not_before"] and parse_datetime(desired["not_before"]) >= expires:
            raise InvalidToken("expires_on %s must be after not_before %s." % (desired["expires_on"], desired["not_before"]))
    return desired


def merge(current, desired):
    """The full state to send: the current token with every option that was set applied."""
    merged = dict(current) if current else dict.fromkeys(COMPARED)
    for key in COMPARED:
        if desired.get(key) is not None:
            merged[key] = desired[key] or None if key in ("not_before", "expires_on") else desired[key]
    if current and current.get("status") == "expired" and desired.get("status") is None:
        # "expired" is derived by Cloudflare, never sent.
        merged["status"] = None
    return merged


def differences(current, merged):
    """Names of the compared fields whose canonical values differ."""
    changed = []
    for key in COMPARED:
        if key == "status" and (merged.get(key) is None or current.get(key) == "expired" and merged.get(key) == "active"):
            continue
        if current.get(key) != merged.get(key):
            changed.append(key)
    return changed


def request_body(state):
    """Cloudflare's create/update payload for a canonical state."""
    body = {
        "name": state["name"],
        "policies": [
            {"effect": p["effect"], "permission_groups": [{"id": g} for g in p["permission_groups"]], "resources": p["resources"]}
            for p in state["policies"]
        ],
    }
    if state.get("status") in ("active", "disabled"):
        body["status"] = state["status"]
    for key in ("not_before", "expires_on"):
        if state.get(key):
            body[key] = state[key]
    if state.get("condition"):
        body["condition"] = state["condition"]
    return body


def display(state, names):
    """A readable copy of a canonical state for diffs: groups shown by name and id."""
    if not state:
        return {}
    shown = dict((k, v) for k, v in state.items() if v not in (None, ""))
    if state.get("policies"):
        shown["policies"] = [
            dict(p, permission_groups=sorted(
                ({"id": g, "name": names.get(g)} for g in p["permission_groups"]),
                key=lambda g: (g["name"] or "", g["id"])))
            for p in state["policies"]
        ]
    return shown


def token_groups(token):
    """The permission groups a token carries, with the scope the API echoes in their ``meta``."""
    groups = []
    for policy in (token or {}).get("policies") or []:
        for group in policy.get("permission_groups") or []:
            meta = group.get("meta") if isinstance(group.get("meta"), dict) else {}
            # Cloudflare has echoed the scope both as {"key": "scopes", "value": s} and as {"scopes": s}.
            scope = meta.get("value") if meta.get("key") == "scopes" else meta.get("scopes")
            if group.get("id") and group.get("name") and isinstance(scope, str) and scope:
                groups.append({"id": group["id"], "name": group["name"], "scopes": [scope]})
    return groups


def group_names(*tokens):
    """Permission-group names as the API echoed them in token objects."""
    names = {}
    for token in tokens:
        for policy in (token or {}).get("policies") or []:
            for group in policy.get("permission_groups") or []:
                if group.get("name"):
                    names[group["id"]] = group["name"]
    return names


def public_token(token):
    """A token object without its secret value."""
    if token is None:
        return None
    return dict((k, v) for k, v in token.items() if k != "value")


def expires_in_days(token, now=None):
    if not token.get("expires_on"):
        return None
    delta = parse_datetime(token["expires_on"]) - (now or utcnow())
    return round(delta.total_seconds() / 86400.0, 2)


# ------------------------------------------------------------- replacement
RETIRED_NAME = re.compile(r"^(?P<name>.*) \(retired (?P<at>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)\)$", re.S)


def retired_name(name, at):
    """The name a replaced token carries while its overlap runs: ``<name> (retired <UTC time>)``.

    The name is shortened so that the result fits Cloudflare's name limit.
    """
    suffix = " (retired %s)" % format_datetime(at)
    return name[:MAX_NAME_LENGTH - len(suffix)] + suffix


def retired_from(candidate, name):
    """The retirement time if ``candidate`` is ``retired_name(name, ...)``, else None."""
    match = RETIRED_NAME.match(candidate or "")
    if not match:
        return None
    try:
        at = parse_datetime(match.group("at"))
    except InvalidToken:
        return None
    return at if retired_name(name, at) == candidate else None


def successor_body(token, name=None, expires=True):
    """Create payload for a copy of ``token``: same policies, condition, not_before and (with ``expires``)
    expires_on, under ``name`` (default: the token's own)."""
    state = dict(canonical_token(token), status=None)
    if name is not None:
        state["name"] = name
    if not expires:
        state["expires_on"] = None
    return request_body(state)


def retirement_body(token, name, expires_on):
    """Update payload that renames ``token`` and makes it expire at ``expires_on`` (or earlier, if it already did)."""
    state = canonical_token(token)
    current = state["expires_on"] and parse_datetime(state["expires_on"])
    if not current or expires_on < current:
        state["expires_on"] = format_datetime(expires_on)
    state["name"] = name
    if state["status"] not in ("active", "disabled"):
        state["status"] = None
    return request_body(state)


def same_content(first, second):
    """Whether two API tokens grant the same: policies, condition, not_before and expires_on."""
    a, b = canonical_token(first), canonical_token(second)
    return all(a[key] == b[key] for key in ("policies", "condition", "not_before", "expires_on"))


def token_age(token, field="issued_on", now=None):
    """How long ago ``field`` (issued_on or modified_on, falling back to issued_on) was, as a timedelta; None if unknown."""
    stamp = token.get(field) or token.get("issued_on")
    if not stamp:
        return None
    return (now or utcnow()) - parse_datetime(stamp)
