# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: every task result, with the action that produced it, as JSON lines.

The secret-leak scan needs to know which module returned a value, which the
text output does not say. Results reach callbacks already censored by no_log.
"""

import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: tokenops_result_audit
type: aggregate
short_description: Record every task result with its action, for the test suite's secret scan
description:
  - Appends one JSON object per task result (and per loop item) to the file named by E(TOKENOPS_RESULT_AUDIT).
options: {}
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "tokenops_result_audit"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._path = os.environ.get("TOKENOPS_RESULT_AUDIT")

    def _record(self, event, result):
        if not self._path:
            return
        task = result.task
        record = {
            "event": event,
            "host": result.host.get_name(),
            "task": task.get_name(),
            "action": getattr(task, "resolved_action", None) or task.action,
            "result": result.result,
        }
        with open(self._path, "a") as handle:
            handle.write(json.dumps(record, default=str, sort_keys=True) + "\n")

    def v2_runner_on_ok(self, result):
        self._record("ok", result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record("failed", result)

    def v2_runner_on_skipped(self, result):
        self._record("skipped", result)

    def v2_runner_on_unreachable(self, result):
        self._record("unreachable", result)

    def v2_runner_item_on_ok(self, result):
        self._record("item_ok", result)

    def v2_runner_item_on_failed(self, result):
        self._record("item_failed", result)

    def v2_runner_item_on_skipped(self, result):
        self._record("item_skipped", result)
