# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only lookup: drive the emulator's admin API from inside a play, without a module run per call.

A uri task costs a module process (about half a second); the fault and
bad-input matrices need a few admin calls per case, so they use this instead.
"""

import os
import sys

from ansible.errors import AnsibleError
from ansible.plugins.lookup import LookupBase

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "emulator"))

from cfemu.client import AdminClient  # noqa: E402  pylint: disable=wrong-import-position

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


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        admin = AdminClient(self.get_option("url"))
        operation = terms[0] if terms else None
        if operation == "begin":
            admin.set_faults(self.get_option("rules"), latency=0)
        elif operation == "end":
            admin.clear_faults()
        elif operation != "seq":
            raise AnsibleError("cfemu_admin: unknown operation %r" % operation)
        return [admin.last_seq()]
