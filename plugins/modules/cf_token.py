#!/usr/bin/python
# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: cf_token
short_description: Create, update and delete Cloudflare API tokens idempotently
version_added: 0.1.0
description:
  - Makes a Cloudflare API token match a declaration, by O(name) or by O(id).
  - Works on account-owned tokens when O(account_id) is set, on user-owned tokens otherwise.
  - Comparison is semantic, so Cloudflare's reordering of policies, permission groups, resources and
    CIDRs, its server-assigned policy ids and the names it adds to permission groups never cause a change.
    Options that are not set are not compared and are left as they are.
  - Updates use Cloudflare's full-object C(PUT), sent once, with the current token merged with the declared options.
  - The secret value of a new token is returned once, in RV(value), or written to O(value_path).
    Cloudflare never returns it again; use M(tokenops.cloudflare.cf_token_roll) to issue a new one.
author:
  - tokenops.cloudflare contributors (@tokenops)
extends_documentation_fragment:
  - tokenops.cloudflare.connection
  - tokenops.cloudflare.attributes
  - tokenops.cloudflare.attributes.actions
  - ansible.builtin.files
options:
  id:
    description:
      - Id of the token (32 hexadecimal characters).
      - With O(id), the token is that one; if O(name) is also set and differs, the token is renamed.
      - A token cannot be created by id; an unknown id with O(state=present) is an error.
      - With O(state=absent), a O(name) that differs from the token's is refused rather than guessed.
      - A rename onto a name that another token has is refused before anything is sent.
    type: str
  name:
    description:
      - Name of the token, at most 120 characters.
      - Without O(id), the token is found by name. No token of that name creates one (O(state=present));
        several tokens of that name is an error listing their ids, raised before anything is changed,
        since Cloudflare allows duplicate names.
    type: str
  state:
    description:
      - V(present) creates or updates the token, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  status:
    description:
      - V(active) or V(disabled). Left as it is when not set; a new token is active unless set to V(disabled)
        (which costs a second request, since the create call takes no status).
      - A token that Cloudflare revoked (status V(revoked (exposed)), a leaked value) cannot be changed; the task
        fails without sending anything and says how to replace it.
    type: str
    choices: [active, disabled]
  policies:
    description:
      - The complete list of access policies. Required to create a token.
      - Order does not matter, neither of policies nor of permission groups, resources or CIDRs.
    type: list
    elements: dict
    suboptions:
      effect:
        description: Whether the policy allows or denies the permission groups on the resources.
        type: str
        choices: [allow, deny]
        default: allow
      permission_groups:
        description:
          - Permission groups, each a name (V(DNS Write)), an id (32 hexadecimal characters), or a mapping
            with an C(id) or a C(name) key.
          - Names are looked up once per task with the permission-groups endpoint. A name that exists in
            several scopes (for example V(Analytics Read) for accounts and for zones) is resolved by the scope the
            policy's O(policies[].resources), O(policies[].zones) and O(policies[].accounts) imply; if that does not
            settle it, the task fails listing the candidates.
        type: list
        elements: raw
        required: true
      resources:
        description:
          - >-
            Cloudflare's resource map, flat (C({"com.cloudflare.api.account.zone.<zone id>": "*"})) or nested one level
            (C({"com.cloudflare.api.account.<account id>": {"com.cloudflare.api.account.zone.*": "*"}})).
          - Merged with the entries O(policies[].zones) and O(policies[].accounts) add; a key given both ways is one key.
          - Each policy needs at least one of O(policies[].resources), O(policies[].zones) and O(policies[].accounts).
        type: dict
      zones:
        description:
          - Zones the policy applies to, each a zone name (V(example.com)) or a zone id (32 hexadecimal characters).
            Each becomes the resource key C(com.cloudflare.api.account.zone.<zone id>) with the value C(*).
          - Names are looked up with the zones endpoint, once per distinct name per task, in O(account_id) when it is
            set; ids cost no request. The credentials need Zone Read on the zones named.
          - A name that matches no zone, or several (the same domain in two accounts, without O(account_id) to choose),
            fails the task before anything is changed, listing the candidates.
        type: list
        elements: str
      accounts:
        description:
          - Accounts the policy applies to, each an account name or an account id (32 hexadecimal characters).
            Each becomes the resource key C(com.cloudflare.api.account.<account id>) with the value C(*).
          - Names are looked up with the accounts endpoint, once per distinct name per task; the credentials need
            Account Settings Read on them. Ids cost no request.
        type: list
        elements: str
      id:
        description:
          - Ignored. Cloudflare assigns policy ids itself; accepting them lets policies returned by
            M(tokenops.cloudflare.cf_token_info) be passed back unchanged.
        type: str
  not_before:
    description:
      - Time before which the token is not valid, RFC 3339 (V(2027-01-01T00:00:00Z)); an empty string removes it.
    type: str
  expires_on:
    description:
      - Time at which the token expires, RFC 3339, after O(not_before). An empty string removes the expiry.
      - A time in the past is an error only when it would be sent. A token that already carries it is left
        as it is (Cloudflare reports it V(expired)) with a warning, so a check-mode audit still runs.
      - Mutually exclusive with O(expires_in).
    type: str
  expires_in:
    description:
      - Relative expiry, a duration such as V(90d), V(12h), V(2w) or V(1d12h).
      - A new token gets C(expires_on = now + expires_in). Later runs change nothing while more than
        O(renew_before) is left, and push C(expires_on) to C(now + expires_in) once less is left, so a
        scheduled run renews the token before it expires; a converged run sends nothing.
    type: str
  renew_before:
    description:
      - With O(expires_in), how long before the expiry a run pushes it out again.
      - Defaults to a third of O(expires_in).
    type: str
  condition:
    description:
      - Client IP restrictions. CIDRs are validated and normalized (V(192.0.2.7/24) becomes V(192.0.2.0/24));
        an empty mapping removes all conditions.
      - Cloudflare keeps a condition that an update does not mention, so every update sends the condition (an
        empty one to remove it) and checks the answer; if Cloudflare still keeps a removed condition, the task
        fails saying so, with the way out (recreate the token).
    type: dict
    suboptions:
      request_ip:
        description: Allowed (C(in)) and denied (C(not_in)) IPv4/IPv6 CIDR lists.
        type: dict
        suboptions:
          in:
            description: CIDRs the token may be used from.
            type: list
            elements: str
          not_in:
            description: CIDRs the token may not be used from.
            type: list
            elements: str
  value_path:
    description:
      - When the task creates the token, write its secret value to this file (mode C(0600), written atomically)
        instead of returning it in RV(value).
      - The directory must exist and be writable, and the file must not exist yet (it may hold another
        token's only copy) unless O(overwrite_value_path=true); this is checked before the token is created.
      - The file options O(mode), O(owner) and O(group) apply to it; without O(mode) it is C(0600).
      - When the token already exists its value cannot be read back; a missing file is then reported with
        a warning that says how to get a stored value (roll the token).
    type: path
  overwrite_value_path:
    description:
      - Allow the creation of a token to replace an existing file at O(value_path).
    type: bool
    default: false
notes:
  - A converged run by O(id) costs one C(GET); by O(name), one C(GET) per 50 tokens of the account or user.
    Permission groups are listed at most once, and not at all when every group is given by id or names
    only groups the token already has (Cloudflare echoes their names and scopes).
  - Before a token is created, the listing already read is checked against Cloudflare's quota (50 user-owned
    tokens per user, 500 account-owned tokens per account); a create that would pass it fails before the C(POST).
  - In check mode, permission-group ids that the token does not carry yet are checked against the catalog, so an
    unknown id is reported as an error rather than as a change that would be made.
  - M(tokenops.cloudflare.cf_token_set) converges every token of a scope in one task, with one listing.
  - Each zone or account name in O(policies[].zones) and O(policies[].accounts) costs one C(GET) per task, in check mode
    too; zone and account ids cost none.
seealso:
  - module: tokenops.cloudflare.cf_token_set
  - module: tokenops.cloudflare.cf_token_info
  - module: tokenops.cloudflare.cf_token_roll
  - module: tokenops.cloudflare.cf_permission_group_info
  - name: Idempotency guide
    description: What is compared, what is ignored, and how an update is sent.
    link: https://github.com/tokenops/cloudflare/blob/main/docs/docsite/rst/idempotency.rst
  - name: Permission groups guide
    description: Permission groups, zones and accounts by name, and how names are resolved.
    link: https://github.com/tokenops/cloudflare/blob/main/docs/docsite/rst/permission_groups.rst
"""

EXAMPLES = r"""
- name: Token that may edit DNS in two zones, named as people name them (secret stored in a file)
  tokenops.cloudflare.cf_token:
    name: ci-dns-editor
    policies:
      - permission_groups: ["DNS Write", "Zone Read"]
        zones: [example.com, example.net]
    condition:
      request_ip:
        in: ["192.0.2.0/24", "2001:db8::/32"]
    expires_on: "2030-01-01T00:00:00Z"
    value_path: /tmp/ci-dns-editor.token

- name: Account-owned token for Workers deployments, limited to that account
  tokenops.cloudflare.cf_token:
    account_id: "{{ lookup('ansible.builtin.env', 'CLOUDFLARE_ACCOUNT_ID') }}"
    name: workers-deploy
    policies:
      - effect: allow
        permission_groups:
          # A mapping with a name; {id: <32 hexadecimal characters>} gives the id instead and costs no lookup.
          - name: Workers Scripts Write
        # Mapping keys are not templated: a key that contains a variable is built in Jinja.
        resources: "{{ {'com.cloudflare.api.account.' ~ lookup('ansible.builtin.env', 'CLOUDFLARE_ACCOUNT_ID'): '*'} }}"
  register: workers_token
  no_log: true

- name: Account-owned token; zone names are looked up in that account only
  tokenops.cloudflare.cf_token:
    account_id: "{{ lookup('ansible.builtin.env', 'CLOUDFLARE_ACCOUNT_ID') }}"
    name: cache-purge
    policies:
      - permission_groups: ["Cache Purge"]
        zones: [example.com]
  register: purge_token
  no_log: true

- name: Read-only analytics for every zone (resources by key still work)
  tokenops.cloudflare.cf_token:
    name: analytics-reader
    policies:
      - permission_groups: ["Analytics Read"]
        resources:
          com.cloudflare.api.account.zone.*: "*"
  register: analytics_token
  no_log: true

- name: Disable a token without touching anything else
  tokenops.cloudflare.cf_token:
    name: ci-dns-editor
    status: disabled

- name: Remove a token
  tokenops.cloudflare.cf_token:
    name: ci-dns-editor
    state: absent
"""

RETURN = r"""
token:
  description:
    - The token after the task, as Cloudflare returns it, without any secret.
    - V(null) after a deletion, and in check mode when the token would be created.
  returned: always
  type: dict
  sample:
    id: ed17574386854bf78a67040be0a770b0
    name: ci-dns-editor
    status: active
    issued_on: "2026-11-23T20:21:00.123456Z"
    modified_on: "2026-11-23T20:21:00.123456Z"
    expires_on: "2030-01-01T00:00:00Z"
    policies:
      - id: f267e341f3dd4697bd3b9f71dd96247f
        effect: allow
        permission_groups:
          - id: c8fed203ed3043cba015a93ad1616f1f
            name: Zone Read
        resources:
          com.cloudflare.api.account.zone.*: "*"
    condition: {}
value:
  description:
    - The secret value of the token. Returned ONCE, only by the task that creates the token, and only when
      O(value_path) is not set. Cloudflare cannot show it again. Use C(no_log) on the task or register it and
      hand it straight to a secret store.
    - V(null) in check mode.
  returned: when the token is created and O(value_path) is not set
  type: str
value_path:
  description: The file the new secret value was written to.
  returned: when the token is created and O(value_path) is set
  type: str
changes:
  description: The compared fields that differ (or differed) from the declaration.
  returned: always
  type: list
  elements: str
  sample: [policies, expires_on]
"""

import os

from ansible_collections.tokenops.cloudflare.plugins.module_utils.cloudflare_api import CloudflareError
from ansible_collections.tokenops.cloudflare.plugins.module_utils.cloudflare_module import (
    CloudflareModule,
    check_secret_path,
)
from ansible_collections.tokenops.cloudflare.plugins.module_utils.token_model import (
    InvalidToken,
    PermissionGroups,
    public_token,
)
from ansible_collections.tokenops.cloudflare.plugins.module_utils.token_plan import (
    NotApplied,
    apply_delete,
    apply_update,
    check_quota,
    declared,
    disable_body,
    plan_token,
    rename_conflicts,
    token_argument_spec,
    missing_value_warning,
    unknown_group_ids,
    validate_declaration,
)

ARGUMENT_SPEC = dict(token_argument_spec(), overwrite_value_path=dict(type="bool", default=False))


def run(module):
    p = module.params
    item = declared(p)
    try:
        validate_declaration(item)
    except InvalidToken as exc:
        module.fail(str(exc))
    if item["state"] == "present":
        problem = check_secret_path(p["value_path"])
        if problem:
            module.fail(problem)

    listing = None if p["id"] else module.client.list_tokens(module.account_id)
    token = module.find_token(p["id"], p["name"], listing)
    if item["state"] == "absent" and token and p["name"] and token.get("name") != p["name"]:
        module.fail("Token %s is named %r, not %r: refusing to delete it. Give id alone, or the name it has. Nothing was changed."
                    % (token["id"], token.get("name"), p["name"]))
    groups = PermissionGroups(lambda: module.client.list_permission_groups(module.account_id)).for_token(token)
    try:
        plan = plan_token(item, token, groups, resources=module.resource_names())
        refuse_before_write(module, plan, listing, groups)
    except InvalidToken as exc:
        module.fail(str(exc))
    if plan.expired:
        module.module.warn("Token %r expired on %s, as declared; nothing was sent. Declare a later expires_on (or expires_in) "
                           "to renew it." % (plan.name, plan.state["expires_on"]))
    if token and p["value_path"] and item["state"] == "present" and not os.path.exists(p["value_path"]):
        module.module.warn(missing_value_warning(plan.name, p["value_path"]))

    outcome = dict(changed=plan.changed, token=public_token(token), changes=plan.changes,
                   diff=dict(before=plan.before, after=plan.after))
    if plan.action == "none" or module.check_mode:
        if plan.action == "create":
            outcome.update(token=None, value=None)
        elif plan.action == "delete":
            outcome["token"] = None
        module.exit(**outcome)
    if plan.action == "delete":
        apply_delete(module.client, plan, module.account_id)
        outcome["token"] = None
    elif plan.action == "update":
        try:
            outcome["token"] = public_token(apply_update(module.client, plan, module.account_id))
        except NotApplied as exc:
            module.fail(str(exc), changed=True, token=outcome["token"])
    else:
        create(module, plan, outcome, listing)
    module.exit(**outcome)


def refuse_before_write(module, plan, listing, groups):
    """The checks that need what was read, made before anything is sent."""
    if plan.revoked:
        raise InvalidToken("Token %s (%r) has status %r: Cloudflare revoked it, most likely because its value leaked, and it "
                           "cannot be reactivated. Nothing was sent. Delete it (state=absent) and declare a new one, or "
                           "replace it with tokenops.cloudflare.cf_token_roll strategy=replace."
                           % (plan.token_id, plan.name, plan.revoked))
    if plan.action == "update" and "name" in plan.changes:
        if listing is None:
            listing = module.client.list_tokens(module.account_id)
        conflicts = rename_conflicts([plan], listing)
        if conflicts:
            raise InvalidToken("name: cannot rename %s: another token has that name. Nothing was changed." % conflicts[0])
    if plan.action == "create":
        check_quota(listing, [plan], module.account_id)
        problem = check_secret_path(module.params["value_path"], keep_existing=not module.params["overwrite_value_path"])
        if problem:
            raise InvalidToken(problem)
    if module.check_mode:
        unknown = unknown_group_ids([plan], groups)
        if unknown:
            raise InvalidToken("policies: unknown permission group id(s) %s; Cloudflare would refuse this token." % ", ".join(unknown))


def create(module, plan, outcome, listing):
    created, recovered = module.create_token(plan.body(), known_ids=set(t["id"] for t in listing))
    secret = created.get("value")
    outcome["token"] = public_token(created)
    if recovered:
        module.module.warn("Cloudflare's answer to the create was lost; token %s was found created and rolled once, so "
                           "the value delivered is its only working one." % created["id"])
    # The value is delivered first: nothing that fails afterwards may lose it.
    module.deliver_secret(outcome, secret, outcome["token"], "created")
    if plan.needs_disable():
        try:
            outcome["token"] = public_token(module.client.update_token(
                created["id"], disable_body(created), module.account_id))
        except CloudflareError as exc:
            outcome.update(failed=True, msg="Token %s (%r) was created and its value delivered, but disabling it failed: %s "
                           "Run the task again to disable it." % (created["id"], created.get("name"), exc))


def main():
    module = CloudflareModule(
        ARGUMENT_SPEC,
        supports_check_mode=True,
        required_one_of=[("id", "name")],
        add_file_common_args=True,
    )
    module.run(run)


if __name__ == "__main__":
    main()
