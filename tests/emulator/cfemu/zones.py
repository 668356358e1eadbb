# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``GET /zones`` and ``GET /accounts``: the directory that names in token policies resolve against.

Shapes follow Cloudflare's public SDK (cloudflare-python ``zones.list`` and
``accounts.list``, see the README): the ``name`` filter with its operators,
``account.id``/``account.name``, paging with ``result_info``. Authentication
is the token endpoints' own; a token lists the zones on which it holds Zone
Read or Zone Write, and the accounts on which it holds Account Settings Read
or Write. With none of those at all the answer is 403.
"""

import datetime
import hashlib
import math
import re

from . import api
from . import catalog
from . import seed as seeds
from .model import HEX32, ApiError, format_precise, new_id

ACCOUNT_NAMES = {seeds.ACCOUNT_ID: "Example Account", seeds.OTHER_ACCOUNT_ID: "Other Account"}
# Default seed: two zones of ACCOUNT_ID, and example.com again in OTHER_ACCOUNT_ID (a name in two accounts).
DEFAULT_ZONES = (
    ("example.com", seeds.ACCOUNT_ID),
    ("example.net", seeds.ACCOUNT_ID),
    ("example.com", seeds.OTHER_ACCOUNT_ID),
)

_ZONE_LIST = frozenset(catalog.group_id(catalog.SCOPE_ZONE, n) for n in ("Zone Read", "Zone Write"))
_ACCOUNT_LIST = frozenset(catalog.group_id(catalog.SCOPE_ACCOUNT, n) for n in ("Account Settings Read", "Account Settings Write"))
_ZONE_KEY = catalog.SCOPE_ZONE + "."
_ACCOUNT_KEY = catalog.SCOPE_ACCOUNT + "."
_DOMAIN = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
_OPERATORS = ("equal", "not_equal", "starts_with", "ends_with", "contains",
              "starts_with_case_sensitive", "ends_with_case_sensitive", "contains_case_sensitive")
_ROUTES = {"/zones": "zones", "/accounts": "accounts"}
_CREATED = datetime.datetime(2024, 1, 1, 8, 0, 0, tzinfo=datetime.timezone.utc)


def zone_id(name, account_id):
    """The stable id of the seeded zone ``name`` in ``account_id``."""
    return hashlib.md5(("zone|%s|%s" % (account_id, name)).encode("utf-8")).hexdigest()


class Directory:
    """Accounts and zones; reset with the rest of the state."""

    def __init__(self, seed):
        self.accounts = {}
        self.zones = {}
        for account_id in seeds.ACCOUNT_IDS:
            self.add_account({"id": account_id, "name": ACCOUNT_NAMES[account_id]})
        if seed != "empty":
            for name, account_id in DEFAULT_ZONES:
                self.add_zone({"name": name, "account_id": account_id})

    def add_account(self, spec):
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str) or not spec["name"].strip():
            raise ValueError("accounts: each needs a non-empty name")
        account_id = spec.get("id") or new_id()
        if not isinstance(account_id, str) or not HEX32.match(account_id) or account_id in self.accounts:
            raise ValueError("accounts: id %r is not 32 lowercase hexadecimal characters, or is in use" % (account_id,))
        account = {"id": account_id, "name": spec["name"], "type": "standard", "created_on": format_precise(_CREATED),
                   "settings": {"enforce_twofactor": False, "default_nameservers": "cloudflare.standard",
                                "use_account_custom_ns_by_default": False, "abuse_contact_email": None}}
        self.accounts[account_id] = account
        return account

    def add_zone(self, spec):
        if not isinstance(spec, dict):
            raise ValueError("zones: each must be an object")
        name = spec.get("name")
        if not isinstance(name, str) or not _DOMAIN.match(name):
            raise ValueError("zones: name %r is not a lowercase domain name" % (name,))
        account_id = spec.get("account_id", seeds.ACCOUNT_ID)
        if account_id not in self.accounts:
            raise ValueError("zones: account_id %r is not a known account" % (account_id,))
        if any(z["name"] == name and z["account"]["id"] == account_id for z in self.zones.values()):
            raise ValueError("zones: %s already exists in account %s" % (name, account_id))
        identifier = spec.get("id") or zone_id(name, account_id)
        if not isinstance(identifier, str) or not HEX32.match(identifier) or identifier in self.zones:
            raise ValueError("zones: id %r is not 32 lowercase hexadecimal characters, or is in use" % (identifier,))
        status = spec.get("status", "active")
        if status not in ("initializing", "pending", "active", "moved"):
            raise ValueError("zones: status must be initializing, pending, active or moved")
        stamp = format_precise(_CREATED)
        zone = {
            "id": identifier, "name": name, "status": status, "paused": False, "type": "full", "development_mode": 0,
            "name_servers": ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"],
            "original_name_servers": None, "original_registrar": None, "original_dnshost": None,
            "created_on": stamp, "modified_on": stamp, "activated_on": stamp if status == "active" else None,
            "meta": {"step": 2, "custom_certificate_quota": 0, "page_rule_quota": 3, "phishing_detected": False},
            "owner": {"id": None, "type": "organization", "name": self.accounts[account_id]["name"]},
            "account": {"id": account_id, "name": self.accounts[account_id]["name"]},
            "permissions": [], "plan": {"id": "0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee", "name": "Free Website", "price": 0,
                                        "currency": "USD", "frequency": "", "is_subscribed": False,
                                        "can_subscribe": False, "legacy_id": "free", "legacy_discount": False,
                                        "externally_managed": False},
        }
        self.zones[identifier] = zone
        return zone


def directory(state):
    """The state's directory, created on first use (``State.reset`` replaces it)."""
    if getattr(state, "directory", None) is None:
        state.directory = Directory(state.seed)
    return state.directory


# ------------------------------------------------------------------- API side
def serves(path):
    """Whether ``path`` (relative to /client/v4) is one of these endpoints."""
    return (path.rstrip("/") or "/") in _ROUTES


def handle(state, request):
    """Serve GET /zones or GET /accounts; returns (HTTP status, envelope)."""
    try:
        route = _ROUTES[request.path.rstrip("/")]
        if request.method != "GET":
            raise ApiError(405, 10405, "Method not allowed")
        with state.lock:
            # The token endpoints' authentication, unchanged (and so last_used_on too).
            request.principal = api._authenticate(state, request.headers)  # pylint: disable=protected-access
            if route == "zones":
                return 200, _list_zones(state, request)
            return 200, _list_accounts(state, request)
    except ApiError as error:
        return error.status, api.failure(error.errors)


def _covers(resources, zone=None, account_id=None):
    """Whether a policy's resources reach ``zone`` (a zone object) or the account ``account_id``."""
    for key, value in (resources or {}).items():
        if zone is not None:
            if key in (_ZONE_KEY + zone["id"], _ZONE_KEY + "*"):
                return True
            if key in (_ACCOUNT_KEY + zone["account"]["id"], _ACCOUNT_KEY + "*"):
                if value == "*" or isinstance(value, dict) and (_ZONE_KEY + zone["id"] in value or _ZONE_KEY + "*" in value):
                    return True
        elif key in (_ACCOUNT_KEY + account_id, _ACCOUNT_KEY + "*"):
            return True
    return False


def _visible(principal, items, groups, account_of, reach):
    """The items a principal may list; 403 when its token holds none of ``groups`` at all.

    ``reach(item)`` gives the ``_covers`` keywords that name the item.
    """
    if principal.kind == "key":
        return items
    relevant = [p for p in principal.token.policies if set(g["id"] for g in p["permission_groups"]) & groups]
    if not any(p["effect"] == "allow" for p in relevant):
        raise ApiError(403, 9109, "Unauthorized to access requested resource")
    if principal.store_key != seeds.USER_STORE:
        # Account-owned tokens see their own account only.
        owner = principal.store_key.split(":", 1)[1]
        items = [item for item in items if account_of(item) == owner]
    visible = []
    for item in items:
        allowed = any(p["effect"] == "allow" and _covers(p["resources"], **reach(item)) for p in relevant)
        denied = any(p["effect"] == "deny" and _covers(p["resources"], **reach(item)) for p in relevant)
        if allowed and not denied:
            visible.append(item)
    return visible


def _matches(value, wanted):
    """Cloudflare's name filter: ``[operator:]text``, case-insensitive unless the operator says otherwise."""
    operator, text = "equal", wanted
    if ":" in wanted and wanted.split(":", 1)[0] in _OPERATORS:
        operator, text = wanted.split(":", 1)
    value = value or ""
    if not operator.endswith("_case_sensitive"):
        value, text = value.lower(), text.lower()
    base = operator.replace("_case_sensitive", "")
    return {
        "equal": value == text,
        "not_equal": value != text,
        "starts_with": value.startswith(text),
        "ends_with": value.endswith(text),
        "contains": text in value,
    }[base]


def _page(items, query):
    page = max(1, api._int(query.get("page"), 1))  # pylint: disable=protected-access
    per_page = min(api.MAX_PER_PAGE, max(api.MIN_PER_PAGE, api._int(query.get("per_page"), api.DEFAULT_PER_PAGE)))  # pylint: disable=protected-access
    chunk = items[(page - 1) * per_page:page * per_page]
    info = {"page": page, "per_page": per_page, "count": len(chunk), "total_count": len(items),
            "total_pages": int(math.ceil(len(items) / float(per_page)))}
    return api.success(chunk, info)


def _list_zones(state, request):
    query = request.query
    zones = _visible(request.principal, list(directory(state).zones.values()), _ZONE_LIST,
                     lambda zone: zone["account"]["id"], lambda zone: {"zone": zone})
    tests = []
    if query.get("name"):
        tests.append(lambda zone: _matches(zone["name"], query["name"]))
    if query.get("account.id"):
        tests.append(lambda zone: zone["account"]["id"] == query["account.id"])
    if query.get("account.name"):
        tests.append(lambda zone: _matches(zone["account"]["name"], query["account.name"]))
    if query.get("status"):
        tests.append(lambda zone: zone["status"] == query["status"])
    combine = any if str(query.get("match", "all")).lower() == "any" else all
    zones = [zone for zone in zones if not tests or combine(test(zone) for test in tests)]
    order = query.get("order") if query.get("order") in ("name", "status", "account.id", "account.name") else "name"
    zones.sort(key=lambda zone: (zone["account"][order[8:]] if order.startswith("account.") else zone[order],
                                 zone["name"], zone["id"]),
               reverse=str(query.get("direction", "asc")).lower() == "desc")
    return _page([dict(zone) for zone in zones], query)


def _list_accounts(state, request):
    query = request.query
    accounts = _visible(request.principal, list(directory(state).accounts.values()), _ACCOUNT_LIST,
                        lambda account: account["id"], lambda account: {"account_id": account["id"]})
    if query.get("name"):
        accounts = [a for a in accounts if a["name"].lower() == query["name"].lower()]
    accounts.sort(key=lambda account: (account["name"], account["id"]),
                  reverse=str(query.get("direction", "asc")).lower() == "desc")
    return _page([dict(account) for account in accounts], query)


# ----------------------------------------------------------------- admin side
def _add_all(emulator, body, key, add):
    specs = body.get(key)
    if not isinstance(specs, list) or not specs:
        raise ValueError("%s: must be a non-empty list of objects" % key)
    state = emulator._state  # pylint: disable=protected-access
    with state.lock:
        current = directory(state)
        # All or nothing: seed a copy, then swap it in.
        trial = Directory("empty")
        trial.accounts = dict(current.accounts)
        trial.zones = dict(current.zones)
        added = [add(trial, spec) for spec in specs]
        state.directory = trial
        return {key: added}


def admin_seed_zones(emulator, query, body):
    """POST /__emulator/zones ``{"zones": [{name, account_id?, id?, status?}, ...]}``."""
    del query
    try:
        return _add_all(emulator, body, "zones", Directory.add_zone)
    except ValueError as error:
        raise _admin_error(error) from None


def admin_seed_accounts(emulator, query, body):
    """POST /__emulator/accounts ``{"accounts": [{name, id?}, ...]}``: accounts for zones and names only."""
    del query
    try:
        return _add_all(emulator, body, "accounts", Directory.add_account)
    except ValueError as error:
        raise _admin_error(error) from None


def admin_list_zones(emulator, query, body):
    del query, body
    state = emulator._state  # pylint: disable=protected-access
    with state.lock:
        return {"zones": sorted(directory(state).zones.values(), key=lambda z: (z["name"], z["account"]["id"]))}


def admin_list_accounts(emulator, query, body):
    del query, body
    state = emulator._state  # pylint: disable=protected-access
    with state.lock:
        return {"accounts": sorted(directory(state).accounts.values(), key=lambda a: (a["name"], a["id"]))}


def _admin_error(error):
    from .admin import AdminError  # pylint: disable=import-outside-toplevel
    return AdminError(400, str(error))


ADMIN_ROUTES = {
    "/zones": {"GET": admin_list_zones, "POST": admin_seed_zones},
    "/accounts": {"GET": admin_list_accounts, "POST": admin_seed_accounts},
}
