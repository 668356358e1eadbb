# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a module's main() in-process with a fake API client."""

import json

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.tokenops.cloudflare.plugins.module_utils import cloudflare_module


class ModuleExit(Exception):
    def __init__(self, result, failed):
        super().__init__(json.dumps(result, default=str))
        self.result = result
        self.failed = failed


def _exit_json(self, **result):
    raise ModuleExit(result, False)


def _fail_json(self, msg, **result):
    result["msg"] = msg
    raise ModuleExit(result, True)


class FakeClient:
    """In-memory stand-in for CloudflareClient that records every call."""

    catalog = [
        {"id": "1" * 32, "name": "DNS Write", "scopes": ["com.cloudflare.api.account.zone"]},
        {"id": "2" * 32, "name": "Zone Read", "scopes": ["com.cloudflare.api.account.zone"]},
    ]

    auth_method = "api_token"

    def __init__(self, tokens=()):
        self.tokens = [dict(t) for t in tokens]
        self.calls = []

    @property
    def writes(self):
        return [c for c in self.calls if c[0] in ("create_token", "update_token", "delete_token", "roll_token")]

    def list_tokens(self, account_id=None, include_expired=True):
        self.calls.append(("list_tokens", account_id))
        return [dict(t) for t in self.tokens]

    def get_token(self, token_id, account_id=None):
        self.calls.append(("get_token", token_id))
        return next((dict(t) for t in self.tokens if t["id"] == token_id), None)

    def list_permission_groups(self, account_id=None, name=None, scope=None):
        self.calls.append(("list_permission_groups", account_id))
        return list(self.catalog)

    def create_token(self, body, account_id=None):
        self.calls.append(("create_token", body))
        token = dict(body, id="c" * 32, status="active", value="SECRET-" + "v" * 33)
        token["policies"] = [dict(p, id="p" * 32) for p in body["policies"]]
        self.tokens.append(token)
        return dict(token)

    def update_token(self, token_id, body, account_id=None):
        self.calls.append(("update_token", token_id, body))
        token = dict(body, id=token_id)
        token.setdefault("status", "active")
        return token

    def delete_token(self, token_id, account_id=None):
        self.calls.append(("delete_token", token_id))
        self.tokens = [t for t in self.tokens if t["id"] != token_id]
        return True

    def roll_token(self, token_id, account_id=None):
        self.calls.append(("roll_token", token_id))
        return "ROLLED-" + "r" * 33

    def verify_token(self, account_id=None):
        self.calls.append(("verify_token", account_id))
        return {"id": "f" * 32, "status": "active"}


@pytest.fixture
def fake_client(monkeypatch):
    """Patch module plumbing; returns a function that runs a module and returns (result, failed, client).

    ``client.made`` holds the keyword arguments the module built its client with (None if it built none).
    """
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", _exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", _fail_json)

    def run(module, args, tokens=(), check_mode=False):
        client = FakeClient(tokens)
        client.made = None

        def factory(**kwargs):
            client.made = kwargs
            return client

        monkeypatch.setattr(cloudflare_module, "CloudflareClient", factory)
        params = dict({"api_token": "x" * 40, "_ansible_check_mode": check_mode}, **args)
        with patch_module_args(params):
            with pytest.raises(ModuleExit) as info:
                module.main()
        return info.value.result, info.value.failed, client

    return run
