#!/usr/bin/python
# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: cf_token_set
short_description: Converge a whole scope of Cloudflare API tokens in one task
version_added: 1.0.0
description:
  - Makes the API tokens of one scope (the authenticated user's, or an account's when O(account_id) is set)
    match a list of declarations, in one task, with one listing of the scope.
  - Each item of O(tokens) takes the token options of M(tokenops.cloudflare.cf_token) and is planned by the same
    planner, so an item behaves exactly as the same M(tokenops.cloudflare.cf_token) task would.
  - Every item is validated, and every token it names is looked up, before the first write; one bad item means
    that nothing is written, and the message names the item and the option.
  - With O(exclusive=true), the tokens of the scope that are not declared are deleted, except the token the task
    authenticates with and the names matching O(protect); O(max_deletions) guards against a declaration that
    lost its items.
  - The secret of a created token goes to a file (O(tokens[].value_path) or O(value_dir)), never to the result.
  - The role C(tokenops.cloudflare.tokens) wraps this module for a play's variables.
author:
  - tokenops.cloudflare contributors (@tokenops)
extends_documentation_fragment:
  - tokenops.cloudflare.connection
  - tokenops.cloudflare.attributes
  - tokenops.cloudflare.attributes.actions
  - ansible.builtin.files
options:
  tokens:
    description:
      - The declared tokens. Options that an item does not set are not compared and are left as they are.
      - Names (and ids) must be unique within the list.
      - The output RV(tokenops.cloudflare.cf_token_info#module:tokens[].declaration) of
        M(tokenops.cloudflare.cf_token_info) (with O(tokenops.cloudflare.cf_token_info#module:declarations=true)) is
        accepted as it is, so an existing scope can be adopted with zero writes.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Name of the token, as O(tokenops.cloudflare.cf_token#module:name).
        type: str
        required: true
      id:
        description:
          - The token is this one (32 hexadecimal characters). A different O(tokens[].name) renames it, keeping
            its id and its secret.
        type: str
      state:
        description: V(absent) deletes the token.
        type: str
        choices: [present, absent]
        default: present
      status:
        description: V(active) or V(disabled), as O(tokenops.cloudflare.cf_token#module:status).
        type: str
        choices: [active, disabled]
      policies:
        description:
          - The complete list of access policies, as O(tokenops.cloudflare.cf_token#module:policies). Required to create
            a token.
        type: list
        elements: dict
        suboptions:
          effect:
            description: V(allow) or V(deny).
            type: str
            choices: [allow, deny]
            default: allow
          permission_groups:
            description: Permission groups by name, by id, or as C({id:}) / C({name:}) mappings.
            type: list
            elements: raw
            required: true
          resources:
            description: Cloudflare's resource map, flat or nested one level.
            type: dict
          zones:
            description:
              - Zone names or ids, as O(tokenops.cloudflare.cf_token#module:policies[].zones). Each distinct name is
                looked up once for the whole set.
            type: list
            elements: str
          accounts:
            description: Account names or ids, as O(tokenops.cloudflare.cf_token#module:policies[].accounts).
            type: list
            elements: str
          id:
            description: Ignored (Cloudflare assigns policy ids).
            type: str
      not_before:
        description: RFC 3339 time before which the token is not valid; an empty string removes it.
        type: str
      expires_on:
        description:
          - RFC 3339 expiry time; an empty string removes it. Mutually exclusive with O(tokens[].expires_in).
          - A time in the past is an error only when it would be sent; a token that already carries it is listed in
            RV(expired) and the rest of the set is processed.
        type: str
      expires_in:
        description: Relative expiry, as O(tokenops.cloudflare.cf_token#module:expires_in).
        type: str
      renew_before:
        description: As O(tokenops.cloudflare.cf_token#module:renew_before); defaults to a third of O(tokens[].expires_in).
        type: str
      condition:
        description: Client IP restrictions (C(request_ip) with C(in)/C(not_in) CIDR lists); V({}) removes them.
        type: dict
        suboptions:
          request_ip:
            description: Allowed (C(in)) and denied (C(not_in)) CIDR lists.
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
          - File for the secret value if the task creates this token (written atomically; mode C(0600) unless O(mode)
            is set). Overrides O(value_dir) for this item.
        type: path
  exclusive:
    description:
      - Delete every token of the scope that is not declared (expired and disabled ones included), except the token
        the task authenticates with (found with the verify endpoint) and the names matching O(protect).
      - Refused when O(tokens) is empty.
    type: bool
    default: false
  protect:
    description:
      - Regular expressions (Python syntax, matched against the whole name) of token names that O(exclusive) never
        deletes.
    type: list
    elements: str
    default: []
  max_deletions:
    description:
      - More deletions than this (explicit V(absent) items and O(exclusive) deletions together) fail before any
        write, listing what would have been deleted.
      - The default, V(10), stops a mistyped or empty declaration from wiping a scope; raise it for a deliberate
        clean-up.
    type: int
    default: 10
  value_dir:
    description:
      - Directory for the secret values of created tokens whose item has no O(tokens[].value_path),
        named C(<value_dir>/<name>.token), with characters other than letters, digits, C(.), C(_) and C(-) replaced
        by C(_). It must exist.
      - A token that would be created with neither is an error before any write. In check mode, a value file that
        could not be written (a directory still to be made, say) is a warning, so that an audit still reports.
    type: path
  overwrite_value_path:
    description:
      - Allow a created token's value to replace an existing file. Without it, an existing file is an error before
        any write, since it may hold another token's only copy.
    type: bool
    default: false
notes:
  - 'Cost: one listing of the scope (one C(GET) per 50 tokens, fetched in parallel), at most one permission-group catalog
    read (only when a name is not carried by the token already), one verify when O(exclusive=true), then only the writes.
    Updates and deletions run four at a time; creations one at a time, never resent once they may have arrived.'
  - Before anything is written, the creations are checked against Cloudflare's quota (50 user-owned tokens per user,
    500 account-owned tokens per account) and renames against the names that stay in the scope.
  - Tokens revoked by Cloudflare (status C(revoked (exposed))) get no write; they are listed in RV(revoked).
seealso:
  - module: tokenops.cloudflare.cf_token
  - module: tokenops.cloudflare.cf_token_info
  - name: Token sets guide
    description: Declaring a whole scope, its cost, exclusive mode and its guards, adopting an existing scope.
    link: https://github.com/tokenops/cloudflare/blob/main/docs/docsite/rst/token_sets.rst
"""

EXAMPLES = r"""
- name: Every token of the account, declared in one task (new secrets go to files in value_dir)
  tokenops.cloudflare.cf_token_set:
    account_id: "{{ lookup('ansible.builtin.env', 'CLOUDFLARE_ACCOUNT_ID') }}"
    value_dir: /etc/cloudflare-tokens
    tokens:
      - name: ci-dns-editor
        policies:
          - permission_groups: ["DNS Write", "Zone Read"]
            resources:
              com.cloudflare.api.account.zone.*: "*"
        expires_in: 90d
        renew_before: 30d
      - name: example-by-id
        state: absent

- name: Read the scope; with declarations, every token comes with its declaration
  tokenops.cloudflare.cf_token_info:
    declarations: true
  register: existing

- name: Adopt the scope as it is (reports no change), deleting nothing but what is not listed
  tokenops.cloudflare.cf_token_set:
    tokens: "{{ existing.tokens | map(attribute='declaration') | list }}"
    exclusive: true
    protect: ["^break-glass-"]
    max_deletions: 20
"""

RETURN = r"""
created:
  description: Names of the tokens created (or that would be, in check mode).
  returned: always
  type: list
  elements: str
updated:
  description: Names of the tokens updated, each with the fields that differed.
  returned: always
  type: dict
  sample: {ci-dns-editor: [policies, expires_on]}
renamed:
  description: Old name to new name, for the tokens renamed by id.
  returned: always
  type: dict
deleted:
  description: Names of the tokens deleted.
  returned: always
  type: list
  elements: str
unchanged:
  description: Names of the declared tokens that already matched (and V(absent) items that had no token).
  returned: always
  type: list
  elements: str
expired:
  description: Declared tokens that carry their declared, past C(expires_on); nothing is sent for them.
  returned: always
  type: list
  elements: str
revoked:
  description: Declared tokens that Cloudflare revoked; nothing is sent for them. Replace them.
  returned: always
  type: list
  elements: str
missing_values:
  description:
    - Declared tokens that exist although the file their value would be stored in does not; roll them with
      M(tokenops.cloudflare.cf_token_roll) to get a stored value.
  returned: always
  type: list
  elements: str
recovered:
  description:
    - Created tokens whose create answer was lost; each was found by name in a fresh listing and rolled once, so
      the value stored is its only working one.
  returned: always
  type: list
  elements: str
value_paths:
  description: The file each created token's secret was written to, by name.
  returned: always
  type: dict
tokens:
  description: The declared tokens after the task, as Cloudflare returns them, without any secret.
  returned: always
  type: list
  elements: dict
"""

import os
import re
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.tokenops.cloudflare.plugins.module_utils.cloudflare_api import CloudflareError
from ansible_collections.tokenops.cloudflare.plugins.module_utils.cloudflare_module import (
    CloudflareModule,
    check_secret_path,
    secret_not_stored,
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
    missing_value_warning,
    plan_token,
    rename_conflicts,
    safe_file_name,
    single_match,
    token_argument_spec,
    unknown_group_ids,
    validate_declaration,
    TokenPlan,
)

WRITE_WORKERS = 4
LISTED = 5


def _item_spec():
    spec = token_argument_spec()
    spec["name"] = dict(type="str", required=True)
    return spec


ARGUMENT_SPEC = dict(
    tokens=dict(type="list", elements="dict", required=True, no_log=False, options=_item_spec()),
    exclusive=dict(type="bool", default=False),
    protect=dict(type="list", elements="str", default=[]),
    max_deletions=dict(type="int", default=10),
    value_dir=dict(type="path"),
    overwrite_value_path=dict(type="bool", default=False),
)


def some(names, limit=LISTED):
    """A readable list at any scale: the first few names and how many more."""
    names = list(names)
    shown = ", ".join(names[:limit])
    return shown + (" and %d more" % (len(names) - limit) if len(names) > limit else "")


def label(index, item):
    return "tokens[%d] (%s)" % (index, item.get("name") or item.get("id"))


def validate(module, items):
    p = module.params
    if p["exclusive"] and not items:
        module.fail("exclusive=true with an empty tokens list would delete every token of the scope; refused. "
                    "Declare the tokens to keep.")
    if p["max_deletions"] < 0:
        module.fail("max_deletions must be 0 or more, got %d." % p["max_deletions"])
    protect = []
    for pattern in p["protect"]:
        try:
            protect.append(re.compile(pattern))
        except re.error as exc:
            module.fail("protect: %r is not a regular expression (%s)." % (pattern, exc))
    errors = []
    seen = {}
    for index, item in enumerate(items):
        try:
            validate_declaration(item, label(index, item))
        except InvalidToken as exc:
            errors.append(str(exc))
        for key in ("name", "id"):
            if item[key] is not None:
                if (key, item[key]) in seen:
                    errors.append("%s.%s: %r is declared by %s too." % (label(index, item), key, item[key], seen[(key, item[key])]))
                seen.setdefault((key, item[key]), label(index, item))
    if errors:
        module.fail(summary(errors))
    return protect


def summary(errors):
    text = " ".join(errors[:LISTED])
    if len(errors) > LISTED:
        text += " And %d more problem(s)." % (len(errors) - LISTED)
    return text + " Nothing was changed."


def match(module, items, listing):
    """The token each item names, from the one listing (a by-id item outside it costs one GET)."""
    by_id = dict((t.get("id"), t) for t in listing)
    currents = []
    errors = []
    claimed = {}
    for index, item in enumerate(items):
        try:
            if item["id"]:
                current = by_id.get(item["id"]) or module.client.get_token(item["id"], module.account_id)
            else:
                current = single_match(listing, item["name"])
        except InvalidToken as exc:
            errors.append("%s: %s" % (label(index, item), exc))
            current = None
        if current is not None:
            if current["id"] in claimed:
                errors.append("%s and %s both name token %s." % (claimed[current["id"]], label(index, item), current["id"]))
            claimed[current["id"]] = label(index, item)
        currents.append(current)
    if errors:
        module.fail(summary(errors))
    return currents


def authenticating_token_id(module):
    """The id of the token the task runs with, when it belongs to this scope."""
    if module.client.auth_method != "api_token":
        return None
    try:
        return module.client.verify_token(module.account_id).get("id")
    except CloudflareError as exc:
        # A credential from another scope (a user token managing an account) is not in this listing anyway.
        if exc.status in (400, 401):
            return None
        raise


def run(module):
    p = module.params
    items = [declared(t) for t in p["tokens"]]
    protect = validate(module, items)

    listing = module.client.list_tokens(module.account_id)
    currents = match(module, items, listing)
    groups = PermissionGroups(lambda: module.client.list_permission_groups(module.account_id))
    # One resolver for the whole set: each zone or account name is looked up once per task.
    resources = module.resource_names()
    plans = []
    errors = []
    for index, (item, current) in enumerate(zip(items, currents)):
        try:
            plans.append(plan_token(item, current, groups.for_token(current), resources=resources))
        except InvalidToken as exc:
            errors.append("%s: %s" % (label(index, item), exc))
    if errors:
        module.fail(summary(errors))

    if p["exclusive"]:
        keep = set(t["id"] for t in currents if t)
        keep.add(authenticating_token_id(module))
        for token in listing:
            if token["id"] not in keep and not any(rx.fullmatch(token.get("name") or "") for rx in protect):
                plans.append(TokenPlan(token.get("name"), "delete", token))
    refuse_before_write(module, items, plans, listing, groups)

    report = Report(module, items, plans)
    if not module.check_mode:
        apply(module, plans, listing, report)
    report.exit()


def refuse_before_write(module, items, plans, listing, groups):
    p = module.params
    deletions = [pl for pl in plans if pl.action == "delete"]
    if len(deletions) > p["max_deletions"]:
        module.fail("%d tokens would be deleted, more than max_deletions=%d: %s. Nothing was changed. Check the "
                    "declaration, or raise max_deletions for a deliberate clean-up."
                    % (len(deletions), p["max_deletions"], some(sorted(pl.name or pl.token_id for pl in deletions), 20)))
    conflicts = rename_conflicts(plans, listing)
    if conflicts:
        module.fail("Renames onto names that other tokens keep: %s. Nothing was changed." % some(conflicts))
    try:
        check_quota(listing, plans, module.account_id)
    except InvalidToken as exc:
        module.fail(str(exc))
    destinations = {}
    errors = []
    for index, (item, plan) in enumerate(zip(items, plans)):
        if plan.action != "create":
            continue
        path = item["value_path"] or (os.path.join(p["value_dir"], safe_file_name(item["name"])) if p["value_dir"] else None)
        if not path:
            errors.append("%s: the token would be created, but it has no value_path and value_dir is not set: Cloudflare "
                          "shows a new token's secret once, and this module only writes it to a file." % label(index, item))
            continue
        path = os.path.abspath(path)
        problem = check_secret_path(path, keep_existing=not p["overwrite_value_path"])
        if problem and module.check_mode:
            # An audit still reports the drift; the run that would create the token refuses.
            module.module.warn("%s: %s" % (label(index, item), problem))
        elif problem:
            errors.append("%s: %s" % (label(index, item), problem))
        if path in destinations:
            errors.append("%s: value file %s is the one of %s too." % (label(index, item), path, destinations[path]))
        destinations[path] = label(index, item)
        plan.value_path = path
    if module.check_mode:
        unknown = unknown_group_ids(plans, groups)
        if unknown:
            errors.append("policies: unknown permission group id(s) %s; Cloudflare would refuse them." % ", ".join(unknown))
    if errors:
        module.fail(summary(errors))


class Report:
    """What the task did (or would do), built as plans are applied."""

    def __init__(self, module, items, plans):
        self.module = module
        self.items = items
        self.plans = plans
        self.after = {}
        self.failures = []
        self.recovered = []
        self.value_paths = {}
        for plan in plans:
            if plan.revoked:
                module.module.warn("Token %r has status %r: Cloudflare revoked it and it cannot be changed; nothing was "
                                   "sent. Replace it (tokenops.cloudflare.cf_token_roll strategy=replace)." % (plan.name, plan.revoked))
        kept = [(item, plan) for item, plan in zip(items, plans) if plan.current and item["state"] == "present"]
        self.missing_values = [plan.name for item, plan in kept if item["value_path"] and not os.path.exists(item["value_path"])]
        for item, plan in zip(items, plans):
            if plan.name in self.missing_values:
                module.module.warn(missing_value_warning(plan.name, item["value_path"]))

    def exit(self):
        result = self.result()
        if self.failures:
            self.module.fail(summary_of_failures(self.failures), **result)
        self.module.exit(**result)

    def result(self):
        done = self.plans if self.module.check_mode else [pl for pl in self.plans if id(pl) in self.after]
        declared_plans = self.plans[:len(self.items)]
        result = dict(
            changed=any(pl.changed for pl in done),
            created=[pl.name for pl in done if pl.action == "create"],
            updated=dict((pl.state["name"], pl.changes) for pl in done if pl.action == "update"),
            renamed=dict((pl.current["name"], pl.state["name"]) for pl in done
                         if pl.action == "update" and "name" in pl.changes),
            deleted=[pl.name or pl.token_id for pl in done if pl.action == "delete"],
            unchanged=[pl.name for pl in declared_plans if pl.action == "none"],
            expired=[pl.name for pl in declared_plans if pl.expired],
            revoked=[pl.name for pl in declared_plans if pl.revoked],
            missing_values=self.missing_values,
            value_paths=self.value_paths,
            recovered=self.recovered,
            tokens=[public_token(self.after.get(id(pl)) or pl.current) for item, pl in zip(self.items, declared_plans)
                    if item["state"] == "present" and (self.after.get(id(pl)) or pl.current)],
        )
        changed = [pl for pl in done if pl.changed]
        result["diff"] = dict(before=dict((pl.name, pl.before) for pl in changed),
                              after=dict((pl.name, pl.after) for pl in changed))
        return result


def summary_of_failures(failures):
    return "%d write(s) failed: %s The other changes were made; run the task again to finish." % (
        len(failures), " ".join(failures[:LISTED]) + (" And %d more." % (len(failures) - LISTED) if len(failures) > LISTED else ""))


def apply(module, plans, listing, report):
    """Deletions and updates (idempotent) four at a time, then creations one at a time."""
    parallel = [pl for pl in plans if pl.action in ("delete", "update")]
    if parallel:
        with ThreadPoolExecutor(max_workers=min(WRITE_WORKERS, len(parallel))) as pool:
            futures = [(pl, pool.submit(apply_one, module, pl)) for pl in parallel]
            for plan, future in futures:
                try:
                    report.after[id(plan)] = future.result()
                except (CloudflareError, NotApplied) as exc:
                    report.failures.append("%s %r: %s" % (plan.action, plan.name, exc))
                    if isinstance(exc, NotApplied):
                        report.after[id(plan)] = None
    known_ids = set(t["id"] for t in listing)
    for plan in plans:
        if plan.action == "create":
            try:
                create(module, plan, report, known_ids)
            except CloudflareError as exc:
                report.failures.append("create %r: %s" % (plan.name, exc))


def apply_one(module, plan):
    if plan.action == "delete":
        apply_delete(module.client, plan, module.account_id)
        return None
    return apply_update(module.client, plan, module.account_id)


def create(module, plan, report, known_ids):
    created, recovered = module.create_token(plan.body(), known_ids=known_ids)
    known_ids.add(created["id"])
    token = public_token(created)
    if recovered:
        report.recovered.append(plan.name)
    report.after[id(plan)] = token
    # The value is stored before anything else can fail.
    try:
        report.value_paths[plan.name] = module.store_secret(plan.value_path, created.get("value"))
    except (IOError, OSError) as exc:
        report.failures.append(secret_not_stored(token, "created", plan.value_path, exc))
        return
    if plan.needs_disable():
        report.after[id(plan)] = public_token(module.client.update_token(created["id"], disable_body(created), module.account_id))


def main():
    module = CloudflareModule(ARGUMENT_SPEC, supports_check_mode=True, add_file_common_args=True)
    module.run(run)


if __name__ == "__main__":
    main()
