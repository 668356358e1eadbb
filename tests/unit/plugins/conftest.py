# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one fake API of the plugin unit tests: an in-memory Cloudflare behind every CloudflareClient.

Modules run in-process through their real main(), AnsibleModule and JSON output; only the API
client is replaced. module_utils tests take a client of it with ``cloudflare.client()``. Tests of
the client's own HTTP use the emulator (the ``emu`` fixture) or a scripted session.
"""

import copy
import inspect
import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.tokenops.cloudflare.plugins.module_utils import cloudflare_module
from ansible_collections.tokenops.cloudflare.plugins.module_utils.cloudflare_api import CloudflareAuthError, CloudflareClient
from ansible_collections.tokenops.cloudflare.plugins.modules import cf_token_roll

# The credential a module runs with unless a test gives another, and the token it belongs to.
CREDENTIAL = "x" * 40
CREDENTIAL_ID = "f" * 32
WRITES = ("create_token", "update_token", "delete_token", "roll_token")
ENVIRONMENT = ("CLOUDFLARE_API_TOKEN", "CLOUDFLARE_TOKEN", "CLOUDFLARE_EMAIL", "CLOUDFLARE_API_KEY",
               "CLOUDFLARE_ACCOUNT_ID", "CLOUDFLARE_BASE_URL")


class FakeCloudflare:
    """Tokens, their secret values, zones, accounts and a permission-group catalog; records every API call.

    ``tokens`` are returned as stored (a test that puts a ``value`` key there gets a leaky API);
    ``values`` maps token ids to secrets, and a client authenticates as the token whose value it
    was built with, as Cloudflare's verify endpoint does; ``issued`` lists every value made here.
    ``calls`` holds one tuple per call: the method name, then its arguments bound to
    CloudflareClient's own signature (defaults filled in), so a module calling the client in a
    way the real one refuses fails here too.
    """

    catalog = [
        {"id": "1" * 32, "name": "DNS Write", "scopes": ["com.cloudflare.api.account.zone"]},
        {"id": "2" * 32, "name": "Zone Read", "scopes": ["com.cloudflare.api.account.zone"]},
    ]
    # The time of every write; tokens created here are issued then.
    now = "2026-12-01T12:00:00Z"

    def __init__(self):
        self.tokens = []
        self.zones = []
        self.accounts = []
        self.values = {CREDENTIAL_ID: CREDENTIAL}
        self.calls = []
        self.made = []
        self.issued = []
        self.stdout = None
        self._errors = {}
        self._answers = {}

    # ------------------------------------------------------------ test controls
    def seed(self, tokens):
        """Add tokens (dicts as the API shows them); a ``value`` key is the token's secret, kept apart."""
        for token in tokens:
            token = dict(token)
            if "value" in token:
                self.values[token["id"]] = token.pop("value")
            self.tokens.append(token)
        return self

    def fail(self, method, error, after=0, applied=False):
        """Every call of ``method`` after the first ``after`` ones raises ``error``.

        With ``applied`` the call takes effect first: a write whose answer was lost.
        """
        self._errors[method] = (error, after, applied)

    def answer(self, method, answer):
        """``method`` answers ``answer`` instead (and changes nothing)."""
        self._answers[method] = answer

    def called(self, method):
        return [call for call in self.calls if call[0] == method]

    @property
    def kinds(self):
        return [call[0] for call in self.calls]

    @property
    def writes(self):
        return [call for call in self.calls if call[0] in WRITES]

    def token(self, token_id):
        return next((t for t in self.tokens if t["id"] == token_id), None)

    def named(self, name):
        return [t for t in self.tokens if t["name"] == name]

    # ------------------------------------------------------------ the client side
    def client(self, **kwargs):
        """Stands in for the CloudflareClient class: the keyword arguments are kept in ``made``.

        Without arguments: a client authenticated with CREDENTIAL.
        """
        kwargs = kwargs or {"api_token": CREDENTIAL}
        self.made.append(kwargs)
        return FakeClient(self, kwargs.get("api_token"))

    def serve(self, credential, name, args, kwargs):
        bound = inspect.signature(getattr(CloudflareClient, name)).bind(None, *args, **kwargs)
        bound.apply_defaults()
        arguments = list(bound.arguments.values())[1:]
        self.calls.append((name,) + tuple(arguments))
        error, after, applied = self._errors.get(name, (None, 0, False))
        if error is not None and len(self.called(name)) > after:
            if applied:
                getattr(self, "api_" + name)(credential, *arguments)
            raise error
        if name in self._answers:
            return copy.deepcopy(self._answers[name])
        return copy.deepcopy(getattr(self, "api_" + name)(credential, *arguments))

    def _new_value(self):
        self.issued.append("SECRET-%03d-%s" % (len(self.issued) + 1, "v" * 33))
        return self.issued[-1]

    def api_list_tokens(self, credential, account_id, include_expired):
        return self.tokens

    def api_get_token(self, credential, token_id, account_id):
        return self.token(token_id)

    def api_list_permission_groups(self, credential, account_id, name, scope):
        return self.catalog

    def api_list_zones(self, credential, name, account_id):
        # Cloudflare's name filter: exact, or "contains:" a part.
        if name and name.startswith("contains:"):
            found = [z for z in self.zones if name[len("contains:"):] in z["name"]]
        else:
            found = [z for z in self.zones if not name or z["name"] == name]
        return [z for z in found if not account_id or z["account"]["id"] == account_id]

    def api_list_accounts(self, credential, name):
        return [a for a in self.accounts if not name or a["name"].lower() == name.lower()]

    def api_create_token(self, credential, body, account_id):
        token = dict(body, id="%032x" % (0xc0ffee + len(self.tokens)), status=body.get("status", "active"),
                     issued_on=self.now, modified_on=self.now)
        token["policies"] = [dict(p, id="p" * 32) for p in body.get("policies", [])]
        self.tokens.append(token)
        self.values[token["id"]] = self._new_value()
        return dict(token, value=self.values[token["id"]])

    def api_update_token(self, credential, token_id, body, account_id):
        token = self.token(token_id)
        token.update(body, modified_on=self.now)
        return token

    def api_delete_token(self, credential, token_id, account_id):
        found = self.token(token_id)
        self.tokens = [t for t in self.tokens if t["id"] != token_id]
        return found is not None

    def api_roll_token(self, credential, token_id, account_id):
        self.token(token_id)["modified_on"] = self.now
        self.values[token_id] = self._new_value()
        return self.values[token_id]

    def api_verify_token(self, credential, account_id):
        for token_id, value in self.values.items():
            if value == credential:
                token = self.token(token_id) or {"status": "active"}
                return {"id": token_id, "status": token["status"]}
        raise CloudflareAuthError("Authentication failed.", "GET", "/user/tokens/verify", 401)


class FakeClient:
    """One client, bound to the credential it was built with; its API methods are FakeCloudflare's."""

    def __init__(self, cloudflare, credential):
        self._cloudflare = cloudflare
        self._credential = credential
        self.auth_method = "api_token" if credential else "api_key"

    def __getattr__(self, name):
        if not hasattr(FakeCloudflare, "api_" + name):
            raise AttributeError("the fake Cloudflare has no %s" % name)
        return lambda *args, **kwargs: self._cloudflare.serve(self._credential, name, args, kwargs)


@pytest.fixture
def cloudflare(monkeypatch):
    """A FakeCloudflare behind every client a module builds, with no CLOUDFLARE_* variable set."""
    fake = FakeCloudflare()
    monkeypatch.setattr(cloudflare_module, "CloudflareClient", fake.client)
    # cf_token_roll verifies a new value with a client of its own.
    monkeypatch.setattr(cf_token_roll, "CloudflareClient", fake.client)
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    return fake


@pytest.fixture
def fake_client(cloudflare, capsys):
    """``run(module, args, tokens=None, check_mode=False)``: (result, failed, the FakeCloudflare).

    The module runs with ``args`` (api_token CREDENTIAL unless given); with ``tokens`` the fake holds
    just those, else what it held (seeded, or left by an earlier run). ``calls`` and ``made`` are
    the run's own; its raw output is in ``cloudflare.stdout``.
    """

    def run(module, args, tokens=None, check_mode=False):
        if tokens is not None:
            cloudflare.tokens = []
            cloudflare.seed(tokens)
        cloudflare.calls, cloudflare.made = [], []
        params = dict({"api_token": CREDENTIAL, "_ansible_check_mode": check_mode}, **args)
        with patch_module_args(params):
            with pytest.raises(SystemExit):
                module.main()
        cloudflare.stdout = capsys.readouterr().out
        result = json.loads(cloudflare.stdout)
        return result, bool(result.get("failed")), cloudflare

    return run
