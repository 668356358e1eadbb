# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unauthenticated control endpoints under /__emulator, for tests, fault drills and the demo.

Answers are plain JSON (not the Cloudflare envelope); errors are ``{"error": "..."}``.
"""

import datetime
import json

from . import seed as seeds
from . import zones
from .model import ApiError, now

ADMIN_PREFIX = "/__emulator"
MAX_BULK = 10000


class AdminError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def handle(emulator, method, path, query, raw_body):
    """Serve one admin request; returns (HTTP status, JSON-able dict)."""
    routes = {
        "/health": {"GET": _health},
        "/reset": {"POST": _reset},
        "/requests": {"GET": _requests, "DELETE": _clear_requests},
        "/faults": {"GET": _faults, "POST": _set_faults, "DELETE": _clear_faults},
        "/settings": {"GET": _settings, "POST": _configure},
        "/tokens": {"GET": _list_tokens, "POST": _seed_tokens},
    }
    routes.update(zones.ADMIN_ROUTES)
    endpoint = routes.get(path[len(ADMIN_PREFIX):].rstrip("/"))
    try:
        if endpoint is None:
            raise AdminError(404, "unknown admin endpoint %s" % path)
        handler = endpoint.get(method)
        if handler is None:
            raise AdminError(405, "method %s not allowed on %s" % (method, path))
        body = None
        if method == "POST":
            body = _json(raw_body)
        return 200, handler(emulator, query, body)
    except AdminError as error:
        return error.status, {"error": str(error)}


def _json(raw):
    if not raw:
        return {}
    try:
        body = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise AdminError(400, "request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise AdminError(400, "request body must be a JSON object")
    return body


def _health(emulator, query, body):
    del emulator, query, body
    return {"ok": True}


def _reset(emulator, query, body):
    del query, body
    emulator.reset()
    return {"ok": True}


def _requests(emulator, query, body):
    del body
    entries = emulator.requests()
    since = query.get("since")
    if since is not None:
        try:
            since = int(since)
        except ValueError:
            raise AdminError(400, "since: must be an integer") from None
        entries = [entry for entry in entries if entry["seq"] > since]
    return {"requests": entries}


def _clear_requests(emulator, query, body):
    del query, body
    emulator.clear_requests()
    return {"ok": True}


def _faults(emulator, query, body):
    del query, body
    return emulator.faults()


def _set_faults(emulator, query, body):
    del query
    try:
        return emulator.set_faults(rules=body.get("rules"), latency=body.get("latency"))
    except ValueError as error:
        raise AdminError(400, str(error)) from None


def _clear_faults(emulator, query, body):
    del query, body
    emulator.clear_faults()
    return emulator.faults()


def _settings(emulator, query, body):
    del query, body
    return {"settings": emulator.settings()}


def _configure(emulator, query, body):
    del query
    try:
        return {"settings": emulator.configure(**body)}
    except ValueError as error:
        raise AdminError(400, str(error)) from None


def _store_key(scope):
    if scope == seeds.USER_STORE:
        return scope
    if isinstance(scope, str) and scope.startswith("account:") and scope[len("account:"):] in seeds.ACCOUNT_IDS:
        return scope
    raise AdminError(400, "scope: must be 'user' or 'account:<id>' with a seeded account id (%s)" % ", ".join(seeds.ACCOUNT_IDS))


def _list_tokens(emulator, query, body):
    del body
    store_key = _store_key(query.get("scope", seeds.USER_STORE))
    return {"tokens": emulator.tokens(store_key)}


def bulk_specs(count, prefix):
    """Specs for ``count`` tokens issued a microsecond apart, oldest first, all in the past."""
    base = now()
    return [{"name": "%s%03d" % (prefix, index + 1),
             "issued_on": (base - datetime.timedelta(microseconds=count - index)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
            for index in range(count)]


def _seed_tokens(emulator, query, body):
    del query
    store_key = _store_key(body.get("scope", seeds.USER_STORE))
    if body.get("tokens") is not None:
        specs = body["tokens"]
        if not isinstance(specs, list) or not all(isinstance(spec, dict) for spec in specs):
            raise AdminError(400, "tokens: must be a list of objects")
    else:
        count = body.get("count")
        if isinstance(count, str) and count.strip().isdigit():
            count = int(count)
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_BULK:
            raise AdminError(400, "give tokens (a list) or count (1..%d)" % MAX_BULK)
        specs = bulk_specs(count, str(body.get("name_prefix", "bulk-")))
    try:
        return {"tokens": emulator.add_tokens(store_key, specs)}
    except ApiError as error:
        raise AdminError(400, "; ".join(e["message"] for e in error.errors)) from None
    except ValueError as error:
        raise AdminError(400, str(error)) from None
