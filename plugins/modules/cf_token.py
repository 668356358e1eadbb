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
options:
  id:
    description:
      - Id of the token (32 hexadecimal characters).
      - With O(id), the token is that one; if O(name) is also set and differs, the token is renamed.
      - A token cannot be created by id; an unknown id with O(state=present) is an error.
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
      - Time at which the token expires, RFC 3339; must be in the future and after O(not_before).
        An empty string removes the expiry.
    type: str
  condition:
    description:
      - Client IP restrictions. CIDRs are validated and normalized (V(192.0.2.7/24) becomes V(192.0.2.0/24));
        an empty mapping removes all conditions.
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
      - The directory must exist and be writable; this is checked before the token is created.
      - Ignored when the token already exists (its value cannot be read back).
    type: path
notes:
  - A converged run by O(id) costs one C(GET); by O(name), one C(GET) per 50 tokens of the account or user.
    Permission groups are listed at most once, and not at all when every group is given by id or names
    only groups the token already has (Cloudflare echoes their names and scopes).
  - Each zone or account name in O(policies[].zones) and O(policies[].accounts) costs one C(GET) per task, in check mode
    too; zone and account ids cost none.
seealso:
  - module: tokenops.cloudflare.cf_token_info
  - module: tokenops.cloudflare.cf_token_roll
  - module: tokenops.cloudflare.cf_permission_group_info
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

- name: Account-owned token for Workers deployments, permission groups by id
  tokenops.cloudflare.cf_token:
    account_id: "{{ lookup('ansible.builtin.env', 'CLOUDFLARE_ACCOUNT_ID') }}"
    name: workers-deploy
    policies:
      - effect: allow
        permission_groups:
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

from ansible_collections.tokenops.cloudflare.plugins.module_utils.cloudflare_api import CloudflareError
from ansible_collections.tokenops.cloudflare.plugins.module_utils.cloudflare_module import (
    CloudflareModule,
    check_secret_path,
)
from ansible_collections.tokenops.cloudflare.plugins.module_utils.token_model import (
    InvalidToken,
    PermissionGroups,
    ResourceNames,
    canonical_token,
    desired_token,
    differences,
    display,
    group_names,
    merge,
    public_token,
    request_body,
    token_groups,
    validate_name,
)

ARGUMENT_SPEC = dict(
    id=dict(type="str"),
    name=dict(type="str"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    status=dict(type="str", choices=["active", "disabled"]),
    policies=dict(type="list", elements="dict", options=dict(
        effect=dict(type="str", default="allow", choices=["allow", "deny"]),
        permission_groups=dict(type="list", elements="raw", required=True),
        resources=dict(type="dict"),
        zones=dict(type="list", elements="str"),
        accounts=dict(type="list", elements="str"),
        id=dict(type="str"),
    )),
    not_before=dict(type="str"),
    expires_on=dict(type="str"),
    condition=dict(type="dict", options=dict(
        request_ip=dict(type="dict", options={
            "in": dict(type="list", elements="str"),
            "not_in": dict(type="list", elements="str"),
        }),
    )),
    value_path=dict(type="path"),
)


def run(module):
    p = module.params
    module.validate_token_id()
    try:
        if p["name"] is not None:
            validate_name(p["name"])
        if p["state"] == "present":
            # Everything but group names is checked before the first request.
            desired_token(_declared(p), PermissionGroups(None))
    except InvalidToken as exc:
        module.fail(str(exc))
    if p["state"] == "present":
        problem = check_secret_path(p["value_path"])
        if problem:
            module.fail(problem)

    token = module.find_token(p["id"], p["name"])
    groups = PermissionGroups(lambda: module.client.list_permission_groups(module.account_id), known=token_groups(token))
    names = ResourceNames(_lister(module, "list_zones"), _lister(module, "list_accounts"), account_id=module.account_id)
    desired = None
    if p["state"] == "present":
        try:
            desired = desired_token(_declared(p), groups, resource_names=names)
        except InvalidToken as exc:
            module.fail(str(exc))
    if p["state"] == "absent":
        absent(module, token)
    elif token is None:
        if p["id"]:
            module.fail("id: no token %s exists%s; a token cannot be created by id, set name instead."
                        % (p["id"], " in account %s" % module.account_id if module.account_id else ""))
        create(module, desired, groups)
    else:
        update(module, token, desired, groups)


def _lister(module, method):
    """A client list method, looked up only when a name needs it."""
    def call(**query):
        return getattr(module.client, method)(**query)
    return call


def _declared(params):
    declared = dict(params)
    if params["condition"] is not None:
        # Suboptions arrive with None for the lists that were not given.
        request_ip = dict((k, v) for k, v in (params["condition"].get("request_ip") or {}).items() if v)
        declared["condition"] = {"request_ip": request_ip} if request_ip else {}
    return declared


def absent(module, token):
    if token is None:
        module.exit(changed=False, token=None, changes=[], diff=dict(before={}, after={}))
    before = display(canonical_token(token), group_names(token))
    if not module.check_mode:
        module.client.delete_token(token["id"], module.account_id)
    module.exit(changed=True, token=None, changes=["state"], diff=dict(before=before, after={}))


def create(module, desired, groups):
    if desired["policies"] is None:
        module.fail("policies is required to create token %r." % module.params["name"])
    state = merge(None, desired)
    names = groups.names()
    diff = dict(before={}, after=display(state, names))
    if module.check_mode:
        module.exit(changed=True, token=None, value=None, changes=["state"], diff=diff)
    created = module.client.create_token(request_body(dict(state, status=None)), module.account_id)
    secret = created.get("value")
    result = public_token(created)
    # The value is delivered first: nothing that fails afterwards may lose it.
    outcome = dict(changed=True, token=result, changes=["state"], diff=diff)
    module.deliver_secret(outcome, secret, result, "created")
    if state["status"] == "disabled":
        try:
            outcome["token"] = module.client.update_token(
                result["id"], request_body(dict(canonical_token(result), status="disabled")), module.account_id)
        except CloudflareError as exc:
            outcome.update(failed=True, msg="Token %s (%r) was created and its value delivered, but disabling it failed: %s "
                           "Run the task again to disable it." % (result["id"], result.get("name"), exc))
    module.exit(**outcome)


def update(module, token, desired, groups):
    current = canonical_token(token)
    state = merge(current, desired)
    changes = differences(current, state)
    names = group_names(token)
    names.update(groups.names())
    diff = dict(before=display(current, names), after=display(state, names))
    if not changes:
        module.exit(changed=False, token=public_token(token), changes=[], diff=diff)
    result = public_token(token)
    if not module.check_mode:
        result = module.client.update_token(token["id"], request_body(state), module.account_id)
    module.exit(changed=True, token=result, changes=changes, diff=diff)


def main():
    module = CloudflareModule(
        ARGUMENT_SPEC,
        supports_check_mode=True,
        required_one_of=[("id", "name")],
    )
    module.run(run)


if __name__ == "__main__":
    main()
