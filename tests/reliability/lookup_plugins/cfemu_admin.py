# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only lookup: drive the emulator's admin API from inside a play, without a module run per call.

A uri task costs a module process (about half a second); the fault and
bad-input matrices need a few admin calls per case, so they use this instead.
"""

import json
import urllib.request

from ansible.errors import AnsibleError
from ansible.plugins.lookup import LookupBase

DOCUMENTATION = r"""
name: cfemu_admin
short_description: Call the cfemu emulator's admin endpoints (test suite only)
description:
  - V(seq) returns the sequence number of the newest request-log entry (0 when the log is empty).
  - V(begin) installs O(rules) as the fault configuration, then returns V(seq).
  - V(end) clears the fault configuration, then returns V(seq).
options:
  _terms:
    description: The operation, V(seq), V(begin) or V(end).
    required: true
  url:
    description: The emulator's URL, without /client/v4.
    required: true
  rules:
    description: Fault rules for V(begin).
    type: list
    default: []
"""


def _call(method, url, body=None):
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:  # nosec - a local test emulator
        return json.loads(response.read().decode("utf-8"))


def _last_seq(url):
    entries = _call("GET", url + "/__emulator/requests")["requests"]
    return entries[-1]["seq"] if entries else 0


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        url = self.get_option("url").rstrip("/")
        operation = terms[0] if terms else None
        if operation == "begin":
            _call("POST", url + "/__emulator/faults", {"rules": self.get_option("rules") or [], "latency": 0})
        elif operation == "end":
            _call("DELETE", url + "/__emulator/faults")
        elif operation != "seq":
            raise AnsibleError("cfemu_admin: unknown operation %r" % operation)
        return [_last_seq(url)]
