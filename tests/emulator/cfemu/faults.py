# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fault injection: rules that make the API misbehave the way real networks and proxies do."""

import http
import json
import re

ACTIONS = ("status", "drop", "malformed", "html", "timeout", "envelope_error")
_DEFAULT_STATUS = {"status": 503, "html": 502, "envelope_error": 200}
_THROTTLED = (971, "Please wait and consider throttling your request speed")

_HTML_PAGE = """<html>
<head><title>{status} {phrase}</title></head>
<body>
<center><h1>{status} {phrase}</h1></center>
<hr><center>cloudflare</center>
</body>
</html>
"""


class Reply:
    """What goes on the wire: status, headers and body, or an abrupt reset when ``drop``."""

    def __init__(self, status=200, body=b"", content_type="application/json", headers=None, drop=False):
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = dict(headers or {})
        self.drop = drop


def _number(rule, key, default=None, integer=False, minimum=0):
    value = rule.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("%s: must be a number" % key)
    try:
        number = int(value) if integer else float(value)
    except (TypeError, ValueError):
        raise ValueError("%s: must be a number" % key) from None
    if integer and float(value) != number:
        raise ValueError("%s: must be an integer" % key)
    if number < minimum:
        raise ValueError("%s: must be at least %s" % (key, minimum))
    return number


def _flag(value):
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


class Rule:
    """One fault rule; ``matched`` and ``applied`` count requests so ``every`` and ``times`` work."""

    def __init__(self, spec):
        if not isinstance(spec, dict):
            raise ValueError("each rule must be an object")
        self.action = spec.get("action")
        if self.action not in ACTIONS:
            raise ValueError("action: must be one of %s" % ", ".join(ACTIONS))
        self.method = spec.get("method")
        if self.method is not None:
            self.method = str(self.method).upper()
        self.path = spec.get("path")
        try:
            self._path = re.compile(self.path) if self.path is not None else None
        except (re.error, TypeError) as error:
            raise ValueError("path: invalid regular expression: %s" % error) from None
        self.status = _number(spec, "status", _DEFAULT_STATUS.get(self.action, 503), integer=True, minimum=100)
        if self.status > 599:
            raise ValueError("status: must be an HTTP status code")
        self.retry_after = _number(spec, "retry_after")
        self.code = _number(spec, "code", integer=True, minimum=1000)
        self.message = spec.get("message")
        self.times = _number(spec, "times", integer=True, minimum=1)
        self.every = _number(spec, "every", integer=True, minimum=1)
        self.delay = _number(spec, "delay", 10)
        self.after = _flag(spec.get("after", False))
        self.matched = 0
        self.applied = 0

    def describe(self):
        return {
            "method": self.method, "path": self.path, "action": self.action, "status": self.status,
            "retry_after": self.retry_after, "code": self.code, "message": self.message, "times": self.times,
            "every": self.every, "delay": self.delay, "after": self.after,
            "matched": self.matched, "applied": self.applied,
        }

    def matches(self, method, path):
        if self.method is not None and self.method != method:
            return False
        return self._path is None or self._path.search(path) is not None

    def _error(self, default):
        code = self.code if self.code is not None else default[0]
        message = self.message if self.message is not None else default[1]
        return [{"code": code, "message": str(message)}]

    def _headers(self):
        if self.retry_after is None:
            return {}
        seconds = self.retry_after
        return {"Retry-After": str(int(seconds)) if seconds == int(seconds) else str(seconds)}

    def reply(self, real=None):
        """The faulty answer. ``real`` is the genuine Reply when the request was processed first."""
        if self.action == "drop":
            return Reply(drop=True)
        if self.action == "timeout":
            return real
        if self.action == "malformed":
            source = real.body if real is not None and real.body else (
                b'{"success": true, "errors": [], "messages": [], "result": {"id": "0123456789abcdef"}}')
            return Reply(200, source[:max(1, len(source) // 2)], headers=self._headers())
        if self.action == "html":
            phrase = _phrase(self.status)
            page = _HTML_PAGE.format(status=self.status, phrase=phrase).encode("utf-8")
            return Reply(self.status, page, content_type="text/html; charset=UTF-8", headers=self._headers())
        if self.action == "envelope_error":
            errors = self._error((10001, "Service error, please try again"))
        elif self.status == 429:
            errors = self._error(_THROTTLED)
        else:
            # 10000 + status keeps codes above 1000 and recognisable (10503 for a 503).
            errors = self._error((10000 + self.status, _phrase(self.status)))
        body = {"success": False, "errors": errors, "messages": [], "result": None}
        return Reply(self.status, json.dumps(body).encode("utf-8"), headers=self._headers())


def _phrase(status):
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class Faults:
    """The active fault configuration. Callers serialise access (the emulator holds its state lock)."""

    def __init__(self):
        self.latency = None
        self.rules = []

    def configure(self, body):
        """Replace the configuration from an admin request body; ValueError on bad input."""
        if not isinstance(body, dict):
            raise ValueError("body must be an object")
        rules = body.get("rules") or []
        if not isinstance(rules, list):
            raise ValueError("rules: must be a list")
        parsed = [Rule(spec) for spec in rules]
        latency = _number(body, "latency")
        self.rules = parsed
        self.latency = latency

    def clear(self):
        self.latency = None
        self.rules = []

    def describe(self):
        return {"latency": self.latency, "rules": [rule.describe() for rule in self.rules]}

    def pick(self, method, path):
        """The rule that fires for this request, if any; every matching rule counts the request."""
        chosen = None
        for rule in self.rules:
            if not rule.matches(method, path):
                continue
            rule.matched += 1
            if chosen is not None:
                continue
            if rule.times is not None and rule.applied >= rule.times:
                continue
            if rule.every is not None and rule.matched % rule.every:
                continue
            rule.applied += 1
            chosen = rule
        return chosen
