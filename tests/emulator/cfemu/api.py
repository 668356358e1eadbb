# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Cloudflare v4 API-token endpoints: routing, authentication, authorization and handlers.

Everything here is transport-free: ``handle`` takes an already-read request
and returns ``(status, envelope)``; the HTTP layer adds faults and logging.
"""

import datetime
import hmac
import ipaddress
import math
import re

from . import catalog
from . import seed as seeds
from . import zones
from .model import HEX32, REVOKED_EXPOSED, ApiError, Token, new_value, now
from .validation import CODE_NAME, CODE_STATUS, check_token_body, parse_json_object

API_PREFIX = "/client/v4"

_PATH = re.compile(r"^/(?:user|accounts/(?P<account_id>[^/]*))/tokens(?P<rest>(?:/.*)?)$")
# Literal segments first: "verify" and "permission_groups" are not token ids.
_ROUTES = (
    (re.compile(r"^$"), "collection"),
    (re.compile(r"^/verify$"), "verify"),
    (re.compile(r"^/permission_groups$"), "permission_groups"),
    (re.compile(r"^/(?P<token_id>[^/]*)$"), "token"),
    (re.compile(r"^/(?P<token_id>[^/]*)/value$"), "value"),
)
# A token68-style credential; anything else in a Bearer header is a format error.
_BEARER = re.compile(r"^[Bb][Ee][Aa][Rr][Ee][Rr] +([A-Za-z0-9._~+/=-]+) *$")

_READ_GROUP = {
    "user": catalog.group_id(catalog.SCOPE_USER, "API Tokens Read"),
    "account": catalog.group_id(catalog.SCOPE_ACCOUNT, "Account API Tokens Read"),
}
_WRITE_GROUP = {
    "user": catalog.group_id(catalog.SCOPE_USER, "API Tokens Write"),
    "account": catalog.group_id(catalog.SCOPE_ACCOUNT, "Account API Tokens Write"),
}

DEFAULT_PER_PAGE = 20
MIN_PER_PAGE = 5
MAX_PER_PAGE = 50

VERIFIED = {"code": 10000, "message": "This API Token is valid and active", "type": None}
_PERMISSION_ERRORS = {10000: "Authentication error", 9109: "Unauthorized to access requested resource"}


def success(result, result_info=None, messages=None):
    body = {"success": True, "errors": [], "messages": list(messages or []), "result": result}
    if result_info is not None:
        body["result_info"] = result_info
    return body


def failure(errors):
    return {"success": False, "errors": errors, "messages": [], "result": None}


class Principal:
    """Who is calling: the global API key holder, or one token from one store."""

    def __init__(self, kind, store_key=None, token=None):
        self.kind = kind
        self.store_key = store_key
        self.token = token


class Request:
    """What ``handle`` needs from an HTTP request. ``path`` is relative to /client/v4."""

    def __init__(self, method, path, query, headers, body, client_ip="127.0.0.1"):
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.client_ip = client_ip
        self.account_id = None
        self.token_id = None
        self.store_key = None
        self.principal = None


def auth_kind(headers):
    """How a request tried to authenticate, for the request log (never the credential itself)."""
    if headers.get("Authorization") is not None:
        return "token"
    if headers.get("X-Auth-Key") is not None or headers.get("X-Auth-Email") is not None:
        return "key"
    return "none"


def handle(state, request):
    """Serve one API request; returns (HTTP status, envelope dict)."""
    if zones.serves(request.path):
        return zones.handle(state, request)
    try:
        handler = _route(request)
        with state.lock:
            request.principal = _authenticate(state, request.headers, request.client_ip)
            if handler is not _verify:
                _authorize(state, request)
            return 200, handler(state, request)
    except ApiError as error:
        return error.status, failure(error.errors)


def _route(request):
    match = _PATH.match(request.path)
    rest = match.group("rest").rstrip("/") if match else None
    route = None
    params = {}
    if match:
        for pattern, name in _ROUTES:
            found = pattern.match(rest)
            if found:
                route, params = name, found.groupdict()
                break
    if route is None:
        raise ApiError(404, 7000, "No route for that URI")
    handler = _HANDLERS[route].get(request.method)
    if handler is None:
        raise ApiError(405, 10405, "Method not allowed")
    request.account_id = match.group("account_id")
    request.token_id = params.get("token_id")
    for identifier in (request.account_id, request.token_id):
        if identifier is not None and not HEX32.match(identifier):
            raise ApiError(400, 7003, "Could not route to %s%s, perhaps your object identifier is invalid?"
                           % (API_PREFIX, request.path))
    if request.account_id is None:
        request.store_key = seeds.USER_STORE
    else:
        request.store_key = seeds.account_store(request.account_id)
    return handler


def _location_allowed(condition, address):
    """Whether ``condition.request_ip`` lets a request from ``address`` through."""
    request_ip = (condition or {}).get("request_ip") or {}
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False

    def within(cidrs):
        return any(ip.version == net.version and ip in net for net in (ipaddress.ip_network(c) for c in cidrs))

    if request_ip.get("not_in") and within(request_ip["not_in"]):
        return False
    return not request_ip.get("in") or within(request_ip["in"])


def _authenticate(state, headers, client_ip="127.0.0.1"):
    authorization = headers.get("Authorization")
    if authorization is not None:
        match = _BEARER.match(authorization)
        if not match:
            raise ApiError(400, 6003, "Invalid request headers", (6111, "Invalid format for Authorization header"))
        store_key, token = state.find_by_value(match.group(1))
        if token is None or not token.authenticates():
            raise ApiError(401, 1000, "Invalid API Token")
        if state.settings["enforce_conditions"] and not _location_allowed(token.condition, client_ip):
            raise ApiError(403, 9109, "Cannot use the access token from location: %s" % client_ip)
        token.last_used_on = now()
        return Principal("token", store_key, token)
    email = headers.get("X-Auth-Email")
    key = headers.get("X-Auth-Key")
    if not email or not key:
        raise ApiError(401, 9106, "Missing X-Auth-Key, X-Auth-Email or Authorization headers")
    known_email = state.credentials["api_email"]
    known_key = state.credentials["api_key"]
    if email.strip().lower() != known_email.lower() or not hmac.compare_digest(key.strip().encode(), known_key.encode()):
        raise ApiError(401, 9103, "Unknown X-Auth-Key or X-Auth-Email")
    return Principal("key")


def _forbidden():
    return ApiError(403, 9109, "Unauthorized to access requested resource")


def _permission_denied(state):
    """A valid token without the permission: 403, with the code the settings choose (10000 or 9109)."""
    code = state.settings["permission_error_code"]
    return ApiError(403, code, _PERMISSION_ERRORS[code])


def _covers(resources, resource):
    return resource is None or any(key == resource or key == "com.cloudflare.api.account.*" for key in resources)


def _grants(token, wanted, resource=None):
    """Allow policies grant one of ``wanted`` (on ``resource`` if given) and no deny policy takes it away."""
    allowed = denied = False
    for policy in token.policies:
        ids = set(group["id"] for group in policy["permission_groups"])
        if ids & wanted and _covers(policy["resources"], resource):
            if policy["effect"] == "deny":
                denied = True
            else:
                allowed = True
    return allowed and not denied


def _authorize(state, request):
    principal = request.principal
    if principal.kind == "key":
        if state.store(request.store_key) is None:
            raise _forbidden()
        return
    family = "user" if request.account_id is None else "account"
    if family == "user" and principal.store_key != seeds.USER_STORE:
        raise ApiError(400, CODE_NAME, "User API Tokens endpoint does not support account owned tokens.")
    wanted = {_WRITE_GROUP[family]}
    if request.method == "GET":
        wanted.add(_READ_GROUP[family])
    if state.store(request.store_key) is None:
        raise _permission_denied(state)
    if principal.store_key == request.store_key:
        if _grants(principal.token, wanted):
            return
    elif principal.store_key == seeds.USER_STORE and _grants(principal.token, wanted,
                                                             "com.cloudflare.api.account." + request.account_id):
        # A user token holding Account API Tokens Read/Write on this account manages its tokens.
        return
    raise _permission_denied(state)


def _find(state, request):
    token = state.store(request.store_key).get(request.token_id)
    if token is None:
        raise ApiError(404, 1003, "Invalid or unknown token id")
    return token


def _int(text, default):
    try:
        number = float(text)
    except (TypeError, ValueError):
        return default
    return int(number) if math.isfinite(number) else default


def _list(state, request):
    query = request.query
    page = max(1, _int(query.get("page"), 1))
    per_page = min(MAX_PER_PAGE, max(MIN_PER_PAGE, _int(query.get("per_page"), DEFAULT_PER_PAGE)))
    descending = str(query.get("direction", "asc")).lower() == "desc"
    # Cloudflare hides expired tokens from listings unless asked; clients that
    # look a token up by name in the list must pass include_expired=true.
    # and then only the recently expired ones (the 2026 spec: "active, disabled, and recently-expired").
    include_expired = str(query.get("include_expired", "false")).lower() == "true"
    moment = now()
    window = state.settings["expired_window_days"]
    oldest = None if window is None else moment - datetime.timedelta(days=window)

    def listed(token):
        if token.effective_status(moment) != "expired":
            return True
        return include_expired and (oldest is None or token.expired_at(moment) >= oldest)

    tokens = [token for token in state.store(request.store_key).values() if listed(token)]
    tokens.sort(key=lambda token: (token.issued_on, token.id), reverse=descending)
    start = (page - 1) * per_page
    chunk = tokens[start:start + per_page]
    info = {
        "page": page,
        "per_page": per_page,
        "count": len(chunk),
        "total_count": len(tokens),
        "total_pages": int(math.ceil(len(tokens) / float(per_page))),
    }
    return success([token.render() for token in chunk], info)


def _check_quota(state, request):
    """Creating past the quota fails; every token of the store counts, seeded and expired ones too."""
    user_store = request.store_key == seeds.USER_STORE
    quota = state.settings["user_token_quota" if user_store else "account_token_quota"]
    if quota is not None and len(state.store(request.store_key)) >= quota:
        owner = "user" if user_store else "account"
        raise ApiError(400, CODE_NAME, "Quota exceeded: a %s can own at most %d API tokens" % (owner, quota))


def _unused_value(state, store_key):
    value = new_value(seeds.value_prefix(store_key))
    while state.find_by_value(value)[1] is not None:
        value = new_value(seeds.value_prefix(store_key))
    return value


def _create(state, request):
    fields = check_token_body(request.body, seeds.allowed_scopes(request.store_key))
    _check_quota(state, request)
    token = Token(name=fields["name"], policies=fields["policies"], condition=fields["condition"],
                  not_before=fields["not_before"], expires_on=fields["expires_on"],
                  value=_unused_value(state, request.store_key))
    state.add(request.store_key, token)
    return success(token.render(with_value=True))


def _get(state, request):
    return success(_find(state, request).render())


def _refuse_revoked(token):
    if token.status == REVOKED_EXPOSED:
        raise ApiError(400, CODE_STATUS, "status: this token is revoked (exposed) and cannot be changed; "
                                         "delete it and create a new one")


def _update(state, request):
    token = _find(state, request)
    fields = check_token_body(request.body, seeds.allowed_scopes(request.store_key), update=True)
    _refuse_revoked(token)
    # Omitted dates are cleared; an omitted condition is kept, and an empty one cleared unless the
    # settings keep it (real tokens could not lose an IP restriction that way).
    token.name = fields["name"]
    token.policies = fields["policies"]
    token.not_before = fields["not_before"]
    token.expires_on = fields["expires_on"]
    if fields["condition"] is not None and (fields["condition"] or state.settings["condition_clear_on_empty"]):
        token.condition = fields["condition"]
    if fields["status"] is not None:
        token.status = fields["status"]
    token.modified_on = now()
    return success(token.render())


def _delete(state, request):
    token = _find(state, request)
    state.remove(request.store_key, token.id)
    return success({"id": token.id})


def _roll(state, request):
    token = _find(state, request)
    # The official Python SDK (5.x) sends no body at all.
    parse_json_object(request.body, allow_empty=True)
    _refuse_revoked(token)
    value = _unused_value(state, request.store_key)
    state.change_value(request.store_key, token, value)
    token.modified_on = now()
    return success(value)


def _verify(state, request):
    principal = request.principal
    if principal.kind != "token":
        raise ApiError(400, 6003, "Invalid request headers",
                       (6111, "Token verification needs an API token in the Authorization header, not X-Auth-Key/X-Auth-Email"))
    if principal.store_key != request.store_key:
        # A user token verified on an account route, or a token of another account.
        raise ApiError(401, 1000, "Invalid API Token")
    return success(principal.token.render_verify(), messages=[VERIFIED])


def _permission_groups(state, request):
    del state
    groups = catalog.listing(seeds.allowed_scopes(request.store_key),
                             name=request.query.get("name"), scope=request.query.get("scope"))
    info = {"page": 1, "per_page": max(1, len(groups)), "count": len(groups), "total_count": len(groups), "total_pages": 1}
    return success(groups, info)


_HANDLERS = {
    "collection": {"GET": _list, "POST": _create},
    "verify": {"GET": _verify},
    "permission_groups": {"GET": _permission_groups},
    "token": {"GET": _get, "PUT": _update, "DELETE": _delete},
    "value": {"PUT": _roll},
}
