#!/usr/bin/python
# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: cf_permission_group_info
short_description: List the permission groups Cloudflare API tokens can be granted
version_added: 0.1.0
description:
  - Returns Cloudflare's permission groups (such as V(DNS Write) or V(Workers Scripts Write)) with their ids and scopes,
    for writing token policies or checking what a name stands for.
  - With O(account_id), lists the groups that account-owned tokens can use; otherwise those for user-owned tokens.
  - A group name is not unique. V(Analytics Read) and V(Logs Read), for example, exist once for zones
    (C(com.cloudflare.api.account.zone)) and once for accounts (C(com.cloudflare.api.account)), with different ids.
    Use O(scope) to pick one.
author:
  - tokenops.cloudflare contributors (@tokenops)
extends_documentation_fragment:
  - tokenops.cloudflare.connection
  - tokenops.cloudflare.attributes
  - tokenops.cloudflare.attributes.info_module
options:
  name:
    description:
      - Only groups with exactly this name (case-sensitive).
      - Sent to Cloudflare as a filter and checked again on the answer.
      - A name that matches no group of the catalog fails the task, suggesting the names that come closest
        (for example V(dns write) suggests V(DNS Write)). A name that exists, but not for O(scope), returns
        an empty RV(permission_groups).
    type: str
  scope:
    description:
      - Only groups that apply to this scope, for example V(com.cloudflare.api.account.zone) (zones),
        V(com.cloudflare.api.account) (accounts), V(com.cloudflare.api.user) (the user) or
        V(com.cloudflare.edge.r2.bucket) (R2 buckets).
      - Sent to Cloudflare as a filter and checked again on the answer.
    type: str
notes:
  - Usually one C(GET); more only when Cloudflare announces further pages. A O(name) that matches nothing
    costs one more C(GET), of the whole catalog, for the suggestions.
seealso:
  - module: tokenops.cloudflare.cf_token
  - module: tokenops.cloudflare.cf_token_info
  - name: Permission groups guide
    description: Writing policies with permission group names, and how names are resolved.
    link: https://github.com/tokenops/cloudflare/blob/main/docs/docsite/rst/permission_groups.rst
"""

EXAMPLES = r"""
- name: Find the id of "DNS Write" for a zone-scoped policy
  tokenops.cloudflare.cf_permission_group_info:
    name: DNS Write
    scope: com.cloudflare.api.account.zone
  register: dns_write

- name: Use it
  ansible.builtin.debug:
    msg: "DNS Write is {{ dns_write.permission_groups[0].id }}"

- name: '"Analytics Read" exists for zones and for accounts: two groups, two ids'
  tokenops.cloudflare.cf_permission_group_info:
    name: Analytics Read
  register: analytics

- name: Show both
  ansible.builtin.debug:
    msg: "{{ analytics.permission_groups | map(attribute='scopes') | list }}"

- name: The account-level one only
  tokenops.cloudflare.cf_permission_group_info:
    name: Analytics Read
    scope: com.cloudflare.api.account
  register: account_analytics

- name: Every group account-owned tokens can use
  tokenops.cloudflare.cf_permission_group_info:
    account_id: "{{ lookup('ansible.builtin.env', 'CLOUDFLARE_ACCOUNT_ID') }}"
  register: account_groups
"""

RETURN = r"""
permission_groups:
  description: The matching permission groups, sorted by name, then id.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Id of the group, as used in a token policy.
      type: str
    name:
      description: Name of the group.
      type: str
    scopes:
      description: The resource scopes the group applies to.
      type: list
      elements: str
    category:
      description: Cloudflare's grouping of the permission, when it gives one.
      type: str
      returned: when Cloudflare provides it
  sample:
    - id: 4755a26eedb94da69e1066d98aa820be
      name: DNS Write
      scopes: [com.cloudflare.api.account.zone]
      category: dns_and_zones
"""

from ansible_collections.tokenops.cloudflare.plugins.module_utils.cloudflare_module import CloudflareModule
from ansible_collections.tokenops.cloudflare.plugins.module_utils.token_model import did_you_mean

ARGUMENT_SPEC = dict(
    name=dict(type="str"),
    scope=dict(type="str"),
)


def shape(group):
    shown = {"id": group.get("id"), "name": group.get("name"), "scopes": list(group.get("scopes") or [])}
    if group.get("category") is not None:
        shown["category"] = group["category"]
    return shown


def select(groups, name=None, scope=None):
    """Exact-name and scope filtering (the API's own filters may be looser), sorted by name then id."""
    chosen = []
    for group in groups:
        if not isinstance(group, dict):
            continue
        if name is not None and group.get("name") != name:
            continue
        if scope is not None and scope not in (group.get("scopes") or []):
            continue
        chosen.append(shape(group))
    return sorted(chosen, key=lambda g: (str(g["name"] or ""), str(g["id"] or "")))


def run(module):
    p = module.params
    for option in ("name", "scope"):
        if p[option] is not None and not p[option].strip():
            module.fail("%s must not be empty." % option)
    groups = module.client.list_permission_groups(module.account_id, p["name"], p["scope"])
    chosen = select(groups, p["name"], p["scope"])
    if p["name"] is not None and not chosen:
        catalog = [g for g in module.client.list_permission_groups(module.account_id) if isinstance(g, dict)]
        if not any(g.get("name") == p["name"] for g in catalog):
            module.fail("No permission group for %s is named %r.%s" % (
                "account-owned tokens" if module.account_id else "user-owned tokens", p["name"],
                did_you_mean(p["name"], (g.get("name") for g in catalog))))
    module.exit(changed=False, permission_groups=chosen)


def main():
    module = CloudflareModule(ARGUMENT_SPEC, supports_check_mode=True)
    module.run(run)


if __name__ == "__main__":
    main()
