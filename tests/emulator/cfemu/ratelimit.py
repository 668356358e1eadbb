# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cloudflare's per-credential API rate limit: a fixed window per credential, headers on every answer.

Cloudflare documents 1,200 requests per five minutes per user or account token; past it, every
call is refused with 429 until the window ends, and answers carry ``Ratelimit`` and
``Ratelimit-Policy`` headers (``"default";r=<remaining>;t=<seconds>`` and
``"default";q=<quota>;w=<window>``), plus ``Retry-After`` on a refusal.
"""

import hashlib
import math
import time

THROTTLED = (971, "Please wait and consider throttling your request speed")
POLICY_NAME = '"default"'


def credential_key(headers):
    """Which credential a request presented, as a digest: secrets are never kept in clear."""
    authorization = headers.get("Authorization")
    if authorization is not None:
        material = "token:" + authorization.strip()
    elif headers.get("X-Auth-Email") is not None or headers.get("X-Auth-Key") is not None:
        material = "key:" + (headers.get("X-Auth-Email") or "").strip().lower()
    else:
        material = "none"
    return hashlib.sha256(material.encode("utf-8", "replace")).hexdigest()


class RateLimiter:
    """Counters per credential. Callers serialise access (the emulator holds its state lock)."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._windows = {}

    def clear(self):
        self._windows = {}

    def count(self, key, limit, window):
        """Count one request; returns (allowed, headers) for its answer. ``limit`` None: no limit, no headers."""
        if limit is None:
            return True, {}
        moment = self._clock()
        started, used = self._windows.get(key, (None, 0))
        if started is None or moment >= started + window:
            started, used = moment, 0
        used += 1
        self._windows[key] = (started, used)
        # Whole seconds until the window ends, rounded up (a float sum would round 300 up to 301).
        seconds = max(1, int(math.ceil(window - (moment - started) - 1e-9)))
        window_text = str(int(window)) if window == int(window) else str(window)
        headers = {
            "Ratelimit": "%s;r=%d;t=%d" % (POLICY_NAME, max(0, limit - used), seconds),
            "Ratelimit-Policy": "%s;q=%d;w=%s" % (POLICY_NAME, limit, window_text),
        }
        if used > limit:
            headers["Retry-After"] = str(seconds)
            return False, headers
        return True, headers
