# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one client of the emulator's /__emulator admin endpoints (the server side is admin.py).

Method names and answers follow the Emulator's in-process methods (reset, requests, faults,
settings, tokens), so code written for one works with the other. ``Emulator.admin`` gives a
client for a running emulator; ``AdminClient(url)`` one for an emulator of another process.
Standard library only: Ansible plugins and scripts use it too.
"""

import json
import urllib.error
import urllib.parse
import urllib.request

from .admin import ADMIN_PREFIX, AdminError
from .seed import USER_STORE


class AdminClient:
    def __init__(self, url, timeout=30):
        self.url = url.rstrip("/")
        self.timeout = timeout

    def call(self, method, path, body=None, query=None):
        """One admin request; the decoded answer, or AdminError (status and the server's message)."""
        url = self.url + ADMIN_PREFIX + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # nosec - a local test emulator
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            try:
                message = json.loads(error.read().decode("utf-8")).get("error")
            except (ValueError, AttributeError):
                message = None
            raise AdminError(error.code, "%s %s%s: HTTP %d: %s" % (
                method, ADMIN_PREFIX, path, error.code, message or error.reason)) from None

    def health(self):
        return self.call("GET", "/health")

    def reset(self):
        """Back to the seed: tokens, request log, faults, settings and rate-limit counters."""
        self.call("POST", "/reset")

    def requests(self, since=None):
        """The request log, oldest first; with ``since``, only the entries after that ``seq``."""
        return self.call("GET", "/requests", query=None if since is None else {"since": since})["requests"]

    def last_seq(self):
        """The ``seq`` of the newest request-log entry, 0 when the log is empty."""
        entries = self.requests()
        return entries[-1]["seq"] if entries else 0

    def clear_requests(self):
        self.call("DELETE", "/requests")

    def settings(self):
        return self.call("GET", "/settings")["settings"]

    def configure(self, **changes):
        """Change behaviour switches until the next reset; returns the settings in force."""
        return self.call("POST", "/settings", changes)["settings"]

    def faults(self):
        return self.call("GET", "/faults")

    def set_faults(self, rules=None, latency=None):
        """Replace the fault configuration; returns it as the emulator describes it."""
        return self.call("POST", "/faults", {"rules": list(rules or []), "latency": latency})

    def clear_faults(self):
        return self.call("DELETE", "/faults")

    def add_tokens(self, store_key, specs):
        """Insert tokens (``store_key`` "user" or "account:<id>"); returns them with their values."""
        return self.call("POST", "/tokens", {"scope": store_key, "tokens": list(specs)})["tokens"]

    def add_bulk_tokens(self, store_key, count, name_prefix="bulk-"):
        """Insert ``count`` tokens named ``name_prefix`` and a number, issued a microsecond apart."""
        return self.call("POST", "/tokens", {"scope": store_key, "count": count, "name_prefix": name_prefix})["tokens"]

    def tokens(self, store_key=USER_STORE):
        """Every token of a store, expired ones included, without values."""
        return self.call("GET", "/tokens", query={"scope": store_key})["tokens"]

    def add_zones(self, zones):
        """Add zones (dicts with name and optionally account_id, id, status); all or nothing."""
        return self.call("POST", "/zones", {"zones": list(zones)})["zones"]

    def zones(self):
        return self.call("GET", "/zones")["zones"]

    def add_accounts(self, accounts):
        return self.call("POST", "/accounts", {"accounts": list(accounts)})["accounts"]

    def accounts(self):
        return self.call("GET", "/accounts")["accounts"]
