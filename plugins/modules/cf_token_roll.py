#!/usr/bin/python
# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: cf_token_roll
short_description: Rotate the secret value of a Cloudflare API token
version_added: 0.1.0
description:
  - Gives an existing Cloudflare API token a new secret value (Cloudflare's "roll"). The old value stops
    working at once; the token keeps its id, name, policies, conditions and dates.
  - The token is chosen by O(id) or by a unique O(name). Works on account-owned tokens when O(account_id) is set,
    on user-owned tokens otherwise.
  - The new value is returned once, in RV(value), or written to O(value_path). Cloudflare never shows it again.
  - Every run that is not in check mode rolls the token, so the task always reports a change.
    Guard it with a condition (for example on the token's C(modified_on), read with
    M(tokenops.cloudflare.cf_token_info)) if it should not roll on every run.
  - The roll request is sent exactly once and never retried, since a second roll would invalidate the value
    issued by the first.
author:
  - tokenops.cloudflare contributors (@tokenops)
extends_documentation_fragment:
  - tokenops.cloudflare.connection
  - tokenops.cloudflare.attributes
  - tokenops.cloudflare.attributes.actions
attributes:
  check_mode:
    details:
      - In check mode the token is looked up but not rolled; the task reports a change and RV(value) is V(null).
  diff_mode:
    details:
      - The diff shows which token is rolled and that its value changes; it never contains a secret.
options:
  id:
    description:
      - Id of the token to roll (32 hexadecimal characters).
      - If O(name) is also set, it must be the name of that token, as a safeguard against rolling the wrong one.
    type: str
  name:
    description:
      - Name of the token to roll, when O(id) is not set.
      - Exactly one token may carry the name; several tokens of that name is an error listing their ids,
        raised before anything is changed, since Cloudflare allows duplicate names.
    type: str
  value_path:
    description:
      - Write the new secret value to this file (mode C(0600), written atomically) instead of returning it in RV(value).
      - The directory must exist and be writable; this is checked before the token is rolled, because a new value
        that cannot be stored is a lost credential.
      - An existing file is replaced.
    type: path
notes:
  - A roll by O(id) costs three requests (C(GET), C(PUT), C(GET)); by O(name), one C(GET) per 50 tokens of the
    account or user instead of the first C(GET).
  - If the request times out or Cloudflare answers with a server error, the task fails saying the roll may
    have happened. Check with M(tokenops.cloudflare.cf_token_info) whether C(modified_on) changed, or whether
    the old value still verifies, before rolling again.
  - Rolling the token that authenticates the task works, but the old value can no longer read the token
    afterwards; RV(token) then shows the token as it was before the roll and a warning says so.
seealso:
  - module: tokenops.cloudflare.cf_token
  - module: tokenops.cloudflare.cf_token_info
  - name: Token rotation guide
    description: Rolling, storing and verifying a new value, in a playbook and in AWX.
    link: https://github.com/tokenops/cloudflare/blob/main/docs/rotation.md
  - name: Roll a user API token (Cloudflare API)
    description: The C(PUT /user/tokens/{token_id}/value) endpoint this module calls.
    link: https://developers.cloudflare.com/api/resources/user/subresources/tokens/subresources/value/methods/update/
"""

EXAMPLES = r"""
- name: Roll a token and store the new value in a file only the owner can read
  tokenops.cloudflare.cf_token_roll:
    name: ci-dns-editor
    value_path: /etc/ci/cloudflare.token

- name: Roll an account-owned token by id and hand the value to a secret store
  tokenops.cloudflare.cf_token_roll:
    account_id: "{{ lookup('ansible.builtin.env', 'CLOUDFLARE_ACCOUNT_ID') }}"
    id: ed17574386854bf78a67040be0a770b0
  register: rolled
  no_log: true

- name: Check that the new value works
  tokenops.cloudflare.cf_token_info:
    api_token: "{{ rolled.value }}"
    account_id: "{{ lookup('ansible.builtin.env', 'CLOUDFLARE_ACCOUNT_ID') }}"
    verify: true
  register: check
  failed_when: check.verification.status != 'active'
  no_log: true
"""

RETURN = r"""
value:
  description:
    - The new secret value of the token. Returned ONCE; Cloudflare cannot show it again.
      Use C(no_log) on the task, or register it and hand it straight to a secret store.
    - V(null) in check mode.
  returned: when O(value_path) is not set
  type: str
value_path:
  description: The file the new secret value was written to.
  returned: when O(value_path) is set and the token was rolled
  type: str
  sample: /etc/ci/cloudflare.token
token:
  description:
    - The token, without any secret, read back after the roll (so C(modified_on) is the time of the roll).
    - In check mode, or when it cannot be read back, the token as it was before the roll.
  returned: always
  type: dict
  sample:
    id: ed17574386854bf78a67040be0a770b0
    name: ci-dns-editor
    status: active
    issued_on: "2026-01-10T08:00:00Z"
    modified_on: "2026-11-23T20:21:00Z"
    policies:
      - id: f267e341f3dd4697bd3b9f71dd96247f
        effect: allow
        permission_groups:
          - id: c8fed203ed3043cba015a93ad1616f1f
            name: Zone Read
        resources:
          com.cloudflare.api.account.zone.*: "*"
    condition: {}
"""

from ansible_collections.tokenops.cloudflare.plugins.module_utils.cloudflare_api import (
    CloudflareAuthError,
    CloudflareError,
    CloudflareWriteUncertain,
)
from ansible_collections.tokenops.cloudflare.plugins.module_utils.cloudflare_module import (
    CloudflareModule,
    check_secret_path,
)
from ansible_collections.tokenops.cloudflare.plugins.module_utils.token_model import public_token

ARGUMENT_SPEC = dict(
    id=dict(type="str"),
    name=dict(type="str"),
    value_path=dict(type="path"),
)

# Placeholders for the diff: it must show that the value changes without showing a value.
BEFORE_VALUE = "(current secret)"
AFTER_VALUE = "(new secret, not shown)"


def run(module):
    p = module.params
    module.validate_token_id()
    if not p["id"] and not (p["name"] or "").strip():
        module.fail("name must not be empty; set the name of the token to roll, or its id.")
    problem = check_secret_path(p["value_path"])
    if problem:
        module.fail(problem + " Nothing was rolled.")

    token = module.find_token(p["id"], p["name"])
    if token is None:
        module.fail("%s; nothing was rolled." % _missing(module))
    if p["id"] and p["name"] is not None and token.get("name") != p["name"]:
        module.fail("Token %s is named %r, not %r; nothing was rolled. Drop name or fix it."
                    % (token["id"], token.get("name"), p["name"]))

    identity = dict(id=token["id"], name=token.get("name"))
    diff = dict(before=dict(identity, value=BEFORE_VALUE), after=dict(identity, value=AFTER_VALUE))
    if module.check_mode:
        module.exit(changed=True, value=None, token=public_token(token), diff=diff)

    secret = _roll(module, token)
    outcome = dict(changed=True, diff=diff)
    # The secret is stored before anything else may fail: after the roll, the old value is gone.
    module.deliver_secret(outcome, secret, token, "rolled, so its old value no longer works")
    outcome["token"] = _read_back(module, token)
    module.exit(**outcome)


def _missing(module):
    where = "in account %s" % module.account_id if module.account_id else "among the user's tokens"
    if module.params["id"]:
        return "id: no token %s exists %s" % (module.params["id"], where)
    return "name: no token named %r exists %s" % (module.params["name"], where)


def _roll(module, token):
    try:
        result = module.client.roll_token(token["id"], module.account_id)
    except CloudflareWriteUncertain as exc:
        cause = "Cloudflare answered HTTP %s" % exc.status if exc.status else "no usable answer arrived"
        cause += " to %s %s" % (exc.method, exc.path)
        if exc.errors:
            cause += " (Cloudflare said: %s)" % "; ".join("%s: %s" % (e.get("code"), e.get("message")) for e in exc.errors)
        module.fail(
            "Rolling token %s (%r) may or may not have happened: %s. The request was not retried, because a second "
            "roll would invalidate the value issued by the first. To find out, look the token up with "
            "tokenops.cloudflare.cf_token_info and compare modified_on with %s (its value before this task), or verify "
            "the old value with cf_token_info verify=true: if the old value still works, nothing was rolled. "
            "If the token was rolled, its new value is lost: roll it again."
            % (token["id"], token.get("name"), cause, token.get("modified_on") or "the previous one"),
            api_error=exc.to_dict(), token=public_token(token))
    # Cloudflare answers with the bare value; accept an object carrying it as well.
    secret = result.get("value") if isinstance(result, dict) else result
    if not isinstance(secret, str) or not secret:
        module.fail("Token %s (%r) was probably rolled, but Cloudflare's answer carried no new value, so the old value "
                    "may no longer work and the new one is unknown. Roll it again." % (token["id"], token.get("name")),
                    changed=True, token=public_token(token))
    return secret


def _read_back(module, token):
    """The token after the roll, or as it was before if it cannot be read any more."""
    try:
        current = module.client.get_token(token["id"], module.account_id)
    except CloudflareAuthError:
        # The usual cause: the task authenticated with the very token it rolled, whose old value is now dead.
        module.module.warn("The token was rolled, but Cloudflare refused the credentials when it was read back, as it does "
                           "when a task rolls the token it authenticates with; 'token' shows it as it was before the roll.")
        return public_token(token)
    except CloudflareError as exc:
        module.module.warn("The token was rolled, but reading it back failed (%s); 'token' shows it as it was before "
                           "the roll." % exc)
        return public_token(token)
    if current is None:
        module.module.warn("The token was rolled but could not be found afterwards; 'token' shows it as it was before the roll.")
        return public_token(token)
    return public_token(current)


def main():
    module = CloudflareModule(
        ARGUMENT_SPEC,
        supports_check_mode=True,
        required_one_of=[("id", "name")],
    )
    module.run(run)


if __name__ == "__main__":
    main()
