# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Responses of every operation validated against Cloudflare's OpenAPI description.

The description is the copy vendored in tests/contract/openapi (see the README
there); CFEMU_OPENAPI_SPEC may name another copy of ``tokens.openapi.json``.
"""

import json
import os

import pytest

import cfemu

VENDORED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "contract", "openapi", "tokens.openapi.json")
SPEC = os.environ.get("CFEMU_OPENAPI_SPEC") or os.path.normpath(VENDORED)


def load_spec():
    assert os.path.isfile(SPEC), "no OpenAPI description at %s" % SPEC
    validator = pytest.importorskip("openapi_schema_validator")
    with open(SPEC) as handle:
        return json.load(handle), validator


def resolve(node, spec):
    """Inline every $ref so each response schema validates on its own."""
    if isinstance(node, dict):
        if "$ref" in node:
            target = spec
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            return resolve(target, spec)
        return dict((key, resolve(value, spec)) for key, value in node.items())
    if isinstance(node, list):
        return [resolve(item, spec) for item in node]
    return node


def test_every_operation_matches_the_spec(cf):
    spec, validator = load_spec()
    user = cfemu.USER_API_TOKEN
    created = cf.user("POST", json=cf.token_body("schema", expires_on="2099-01-01T00:00:00Z",
                                                 condition={"request_ip": {"in": ["10.0.0.0/8"]}})).json()["result"]
    account_created = cf.account("POST", json=cf.token_body("schema")).json()["result"]
    tid, aid, atid = created["id"], cfemu.ACCOUNT_ID, account_created["id"]
    missing = "f" * 32
    calls = [
        ("/user/tokens", "get", "", None, user),
        ("/user/tokens", "post", "", cf.token_body("s2"), user),
        ("/user/tokens", "post", "", {"name": ""}, user),
        ("/user/tokens/{token_id}", "get", "/" + tid, None, user),
        ("/user/tokens/{token_id}", "get", "/" + missing, None, user),
        ("/user/tokens/{token_id}", "put", "/" + tid, cf.token_body("s3"), user),
        ("/user/tokens/verify", "get", "/verify", None, user),
        ("/user/tokens/verify", "get", "/verify", None, "y" * 40),
        ("/user/tokens/permission_groups", "get", "/permission_groups", None, user),
        ("/user/tokens/{token_id}/value", "put", "/%s/value" % tid, {}, user),
        ("/user/tokens/{token_id}", "delete", "/" + tid, None, user),
        ("/user/tokens/{token_id}", "delete", "/" + tid, None, user),
        ("/accounts/{account_id}/tokens", "get", "", None, cfemu.ACCOUNT_API_TOKEN),
        ("/accounts/{account_id}/tokens", "post", "", cf.token_body("s4"), cfemu.ACCOUNT_API_TOKEN),
        ("/accounts/{account_id}/tokens", "get", "", None, cfemu.READONLY_API_TOKEN),
        ("/accounts/{account_id}/tokens/{token_id}", "get", "/" + atid, None, cfemu.ACCOUNT_API_TOKEN),
        ("/accounts/{account_id}/tokens/{token_id}", "put", "/" + atid, cf.token_body("s5"), cfemu.ACCOUNT_API_TOKEN),
        ("/accounts/{account_id}/tokens/verify", "get", "/verify", None, cfemu.ACCOUNT_API_TOKEN),
        ("/accounts/{account_id}/tokens/permission_groups", "get", "/permission_groups", None, cfemu.ACCOUNT_API_TOKEN),
        ("/accounts/{account_id}/tokens/{token_id}/value", "put", "/%s/value" % atid, {}, cfemu.ACCOUNT_API_TOKEN),
        ("/accounts/{account_id}/tokens/{token_id}", "delete", "/" + atid, None, cfemu.ACCOUNT_API_TOKEN),
    ]
    checked = set()
    for template, method, suffix, body, token in calls:
        if template.startswith("/user"):
            response = cf.user(method.upper(), suffix, token=token, json=body)
        else:
            response = cf.account(method.upper(), suffix, account_id=aid, token=token, json=body)
        responses = spec["paths"][template][method]["responses"]
        if response.status_code == 200:
            schema = responses["200"]["content"]["application/json"]["schema"]
        else:
            # The 4XX schemas are allOf(success schema, failure schema) and the two demand
            # success true and false at once, so no body can satisfy both; the failure
            # half is the contract that matters.
            schema = responses["4XX"]["content"]["application/json"]["schema"]["allOf"][-1]
            assert schema["$ref"].endswith("/iam_api-response-common-failure")
        schema = resolve(schema, spec)
        validator.validate(response.json(), schema, cls=validator.OAS30Validator)
        checked.add((template, method))
    assert checked == set((path, method) for path, item in spec["paths"].items() for method in item)
