# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared machinery of the reliability suite.

Every playbook of the suite runs at -vvv with --diff against emulators that use
credentials chosen for this session, and every run is recorded (stdout, stderr,
its files, the per-task results with the action that produced them), together
with every secret the emulators issued and their request logs. The secret scan
(test_secrets.py) then checks all of it.
"""

import datetime
import json
import os
import secrets
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
PLAYBOOKS = os.path.join(HERE, "playbooks")
for _extra in (os.path.join(TESTS, "lib"), os.path.join(TESTS, "emulator"), os.path.join(TESTS, "contract")):
    if _extra not in sys.path:
        sys.path.insert(0, _extra)

import cfemu  # noqa: E402  pylint: disable=wrong-import-position
import playbook_runner  # noqa: E402  pylint: disable=wrong-import-position

AUDIT_FILE = "task-results.jsonl"
# Files of a run that are inputs of the harness itself, not output of the playbook.
HARNESS_INPUTS = ("vars.json", "inventory.ini")
SECRET_ACTIONS = ("tokenops.cloudflare.cf_token", "tokenops.cloudflare.cf_token_roll")


def make_credentials():
    """Credentials for this session's emulators; random, so a hit can only come from this run."""
    return {
        "api_token": "relyUserAdmin" + secrets.token_urlsafe(24),
        "account_token": "relyAccountAdmin" + secrets.token_urlsafe(24),
        "api_email": "rely-%s@example.net" % secrets.token_hex(4),
        "api_key": "relykey" + secrets.token_hex(16),
    }


class Run:
    """One ansible-playbook run and where its output is."""

    def __init__(self, name, command_result, workdir):
        self.name = name
        self.returncode = command_result.returncode
        self.stdout = command_result.stdout
        self.stderr = command_result.stderr
        self.workdir = str(workdir)

    @property
    def audit_path(self):
        return os.path.join(self.workdir, AUDIT_FILE)

    def task_results(self):
        """The recorded task results: dicts with event, host, task, action, result."""
        if not os.path.exists(self.audit_path):
            return []
        with open(self.audit_path) as handle:
            return [json.loads(line) for line in handle if line.strip()]

    def recap(self):
        """{host: {ok: n, changed: n, ...}} from the PLAY RECAP."""
        recap = {}
        lines = self.stdout.split("PLAY RECAP")[-1].splitlines()[1:]
        for line in lines:
            if ":" not in line:
                continue
            host, _sep, counts = line.partition(":")
            fields = dict(item.split("=") for item in counts.split() if "=" in item)
            if fields:
                recap[host.strip()] = dict((key, int(value)) for key, value in fields.items())
        return recap

    def describe(self, tail=20000):
        return "%s (rc=%s)\n--- stdout (tail)\n%s\n--- stderr (tail)\n%s" % (
            self.name, self.returncode, self.stdout[-tail:], self.stderr[-5000:])


class Audit:
    """Everything the secret scan and the contract check need, gathered over the session."""

    def __init__(self, credentials):
        self.credentials = dict(credentials)
        self.lock = threading.Lock()
        self.extra_secrets = {}
        self.issued = set()
        self.logs = {}
        self._seen = {}
        self.observations = {}
        self.runs = []
        self.stats = {}

    # ---------------------------------------------------------- emulators
    def emulator(self, label, seed="default"):
        """A started emulator with this session's credentials, observed and recorded under ``label``."""
        emu = cfemu.Emulator(host="127.0.0.1", port=0, seed=seed, **self.credentials)
        self.attach(emu, label)
        return emu.start()

    def attach(self, emu, label):
        with self.lock:
            self.logs.setdefault(label, [])
            self.observations.setdefault(label, [])
        emu.observe(lambda *event: self._observed(label, event))
        add_tokens, clear_requests, reset = emu.add_tokens, emu.clear_requests, emu.reset

        # Instance attributes shadow the methods, so admin HTTP calls go through these too.
        def recording_add_tokens(store_key, specs):
            tokens = add_tokens(store_key, specs)
            with self.lock:
                self.issued.update(token["value"] for token in tokens)
            return tokens

        def recording_clear_requests():
            self.snapshot(emu, label)
            clear_requests()

        def recording_reset():
            self.snapshot(emu, label)
            reset()
            # A reset numbers the log from 1 again.
            with self.lock:
                self._seen[label] = 0

        emu.add_tokens = recording_add_tokens
        emu.clear_requests = recording_clear_requests
        emu.reset = recording_reset

    def snapshot(self, emu, label):
        """Keep the request-log entries not kept yet (resets and targets clear the log)."""
        entries = emu.requests()
        with self.lock:
            fresh = [entry for entry in entries if entry["seq"] > self._seen.get(label, 0)]
            self.logs[label].extend(fresh)
            if entries:
                self._seen[label] = entries[-1]["seq"]

    def _observed(self, label, event):
        method, path, _query, _body, status, answer, _fault = event
        value = None
        if status == 200 and isinstance(answer, dict) and isinstance(answer.get("result"), (dict, str)):
            result = answer["result"]
            if method == "POST" and path.endswith("/tokens") and isinstance(result, dict):
                value = result.get("value")
            elif method == "PUT" and path.endswith("/value"):
                value = result if isinstance(result, str) else result.get("value")
        with self.lock:
            self.observations[label].append(event)
            if value:
                self.issued.add(value)

    def add_secret(self, name, value):
        """A credential a test hands to a module (a wrong key, a bad token) that must not leak either."""
        with self.lock:
            self.extra_secrets[name] = value

    def secret_values(self):
        """{value: what it is} for every secret of the session."""
        values = {}
        for name in ("api_token", "account_token", "api_key"):
            values[self.credentials[name]] = "credential %s" % name
        for name, value in ((name, getattr(cfemu, name)) for name in ("READONLY_API_TOKEN", "OTHER_ACCOUNT_API_TOKEN")):
            values[value] = "seeded credential %s" % name
        for name, value in self.extra_secrets.items():
            values[value] = name
        with self.lock:
            for value in self.issued:
                values.setdefault(value, "issued token value")
        return values

    # ---------------------------------------------------------------- runs
    def play(self, name, playbook, emu, workdir, args=(), extra_vars=None, env=None, inventory=None):
        """ansible-playbook at -vvv --diff with this session's credentials; the run is recorded."""
        workdir.mkdir(parents=True, exist_ok=True)
        variables = {
            "cf_user_token": self.credentials["api_token"],
            "cf_account_token": self.credentials["account_token"],
            "cf_api_email": self.credentials["api_email"],
            "cf_api_key": self.credentials["api_key"],
        }
        variables.update(extra_vars or {})
        environment = playbook_runner.job_env(
            emu,
            CLOUDFLARE_API_TOKEN=self.credentials["api_token"],
            ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, "callback_plugins"),
            ANSIBLE_CALLBACKS_ENABLED="tokenops_result_audit",
            ANSIBLE_LOOKUP_PLUGINS=os.path.join(HERE, "lookup_plugins"),
            ANSIBLE_DEPRECATION_WARNINGS="0",
            TOKENOPS_RESULT_AUDIT=os.path.join(str(workdir), AUDIT_FILE),
        )
        environment.update(env or {})
        command_args = ["-vvv", "--diff"] + list(args)
        if inventory:
            command_args = ["-i", str(inventory)] + command_args
        result = playbook_runner.run_playbook(playbook, emu, workdir, args=command_args, env=environment, extra_vars=variables)
        run = Run(name, result, workdir)
        with self.lock:
            self.runs.append(run)
        return run


def parse_ts(text):
    """A request-log timestamp as a datetime."""
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")


def requests_between(entries, start, end):
    return [entry for entry in entries if start < entry["seq"] <= end]


def python_interpreter():
    return sys.executable


def write_json(path, data):
    with open(str(path), "w") as handle:
        json.dump(data, handle, indent=1, sort_keys=True)
    return str(path)
