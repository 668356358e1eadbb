#!/usr/bin/python
# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: cf_token_info
short_description: List, look up and audit Cloudflare API tokens
version_added: 0.1.0
description:
  - Returns Cloudflare API tokens, without any secret, each with the number of days left before it expires.
  - Works on account-owned tokens when O(account_id) is set, on user-owned tokens otherwise.
  - Expired tokens are always read too (Cloudflare hides them from its list by default), so that an audit sees every token.
  - The filters O(id), O(name), O(status), O(expires_within), O(unused_for), O(min_age) and O(never_expires) are combined
    with AND; without any, every token is returned.
  - A token whose data the module cannot read (for example an unparsable date) is still returned as Cloudflare sent it,
    with RV(tokens[].expires_in_days), RV(tokens[].unused_days) and RV(tokens[].age_days) set to V(null) and a warning
    naming it; filters on dates skip it.
  - Built for audits, for example a nightly job that fails when a token is about to expire or has not been used for months.
    The module never changes anything and runs normally in check mode.
author:
  - tokenops.cloudflare contributors (@tokenops)
extends_documentation_fragment:
  - tokenops.cloudflare.connection
  - tokenops.cloudflare.attributes
  - tokenops.cloudflare.attributes.info_module
options:
  id:
    description:
      - Id of one token (32 lowercase hexadecimal characters), read with a single C(GET).
      - An id that Cloudflare does not know returns an empty RV(tokens) list, not a failure.
    type: str
  name:
    description:
      - Only tokens with exactly this name. Cloudflare allows duplicate names, so several tokens may match.
    type: str
  status:
    description:
      - Only tokens in one of these states.
      - V(active) tokens work; V(disabled) ones were switched off by their owner and can be switched on again.
      - A token whose RV(tokens[].expires_on) has passed counts as V(expired) even if Cloudflare still reports it V(active).
      - V(revoked) selects every status that begins with C(revoked), such as C(revoked (exposed)), which Cloudflare sets on
        a token it found leaked in public. Such a token cannot be switched on again; replace it with a new one.
    type: list
    elements: str
    choices: [active, disabled, expired, revoked]
  expires_within:
    description:
      - Only tokens whose expiry falls within this duration from now, such as V(14d), V(12h), V(2w) or V(1d12h)
        (a bare number is seconds).
      - Tokens that have already expired are included only when O(status) is not set or includes V(expired).
      - Tokens without an expiry never match.
    type: str
  unused_for:
    description:
      - Only tokens that have not been used for at least this duration (same format as O(expires_within)),
        including tokens that were never used.
    type: str
  min_age:
    description:
      - Only tokens issued at least this long ago (same format as O(expires_within)), judged by RV(tokens[].issued_on).
      - With O(unused_for), keeps a token created minutes ago from being reported as never used.
      - Tokens without an issue date are kept.
    type: str
  never_expires:
    description:
      - V(true) returns only tokens without an expiry date, V(false) only tokens with one.
    type: bool
  declarations:
    description:
      - Add to every returned token its RV(tokens[].declaration), the form M(tokenops.cloudflare.cf_token_set) accepts,
        to adopt an existing scope as code (see C(playbooks/export.yml)).
      - Off by default, so an audit that lists a whole account returns only what Cloudflare sent and the derived day
        counts. A declaration roughly doubles the size of each returned token, and naming zones in it may cost one
        listing of the zones.
    type: bool
    default: false
  verify:
    description:
      - Also describe the API token this task authenticates with, using Cloudflare's verify endpoint, in RV(verification).
      - Costs one more request. Requires O(api_token); the Global API Key has no token to verify.
      - With no other lookup option (O(id), O(name), O(status), O(expires_within), O(unused_for), O(min_age), O(never_expires)),
        only the verification is made, so a token that may not list tokens can still check itself (for example
        right after a rotation). RV(tokens) is then empty.
    type: bool
    default: false
notes:
  - Listing costs one C(GET) per 50 tokens and nothing else, whatever the filters (they are applied locally);
    O(id) costs exactly one C(GET). O(verify=true) adds one request.
  - Invalid options (a malformed O(id), a bad duration, an unknown O(status)) fail before any request is sent.
seealso:
  - module: tokenops.cloudflare.cf_token
  - module: tokenops.cloudflare.cf_token_roll
  - module: tokenops.cloudflare.cf_permission_group_info
  - name: Check-mode audits guide
    description: The audit filters, the shipped audit playbook and drift reports.
    link: https://github.com/tokenops/cloudflare/blob/main/docs/docsite/rst/check_mode_audits.rst
"""

EXAMPLES = r"""
- name: Every token of the authenticated user, expired ones included
  tokenops.cloudflare.cf_token_info:
  register: all_tokens

- name: One token by id (an unknown id gives an empty list)
  tokenops.cloudflare.cf_token_info:
    id: "{{ all_tokens.tokens[0].id }}"

- name: Every account-owned token called ci-dns-editor (names can repeat)
  tokenops.cloudflare.cf_token_info:
    account_id: "{{ lookup('ansible.builtin.env', 'CLOUDFLARE_ACCOUNT_ID') }}"
    name: ci-dns-editor

- name: Active tokens that never expire
  tokenops.cloudflare.cf_token_info:
    status: [active]
    never_expires: true

- name: Adopt the scope as code - every token with its declaration, which cf_token_set accepts as it is
  tokenops.cloudflare.cf_token_info:
    status: [active, disabled]
    declarations: true
  register: scope

- name: Converge the scope to those declarations (nothing to change)
  tokenops.cloudflare.cf_token_set:
    tokens: "{{ scope.tokens | map(attribute='declaration') | list }}"

- name: Check the credential this play runs with
  tokenops.cloudflare.cf_token_info:
    id: "{{ all_tokens.tokens[0].id }}"
    verify: true
  register: whoami

- name: Show when it stops working
  ansible.builtin.debug:
    msg: "Token {{ whoami.verification.id }} is {{ whoami.verification.status }}, expires {{ whoami.verification.expires_on or 'never' }}"

# Nightly audit (playbooks/audit.yml does this from one listing, run it with --check, for example
# as an AWX job template of type "Check"): fail the job if an active token expires within 14 days,
# has not been used for 90 days (a token issued less than a day ago is not judged yet) or was
# revoked by Cloudflare, giving a count and the first few names.
- name: Active tokens that expire within 14 days
  tokenops.cloudflare.cf_token_info:
    status: [active]
    expires_within: 14d
  register: audit_expiring

- name: Active tokens at least a day old and not used for 90 days
  tokenops.cloudflare.cf_token_info:
    status: [active]
    unused_for: 90d
    min_age: 1d
  register: audit_unused

- name: Tokens Cloudflare revoked, for example "revoked (exposed)" after a leak
  tokenops.cloudflare.cf_token_info:
    status: [revoked]
  register: audit_revoked

- name: Fail the job when a token needs attention
  ansible.builtin.assert:
    that:
      - audit_expiring.count == 0
      - audit_unused.count == 0
      - audit_revoked.count == 0
    fail_msg: >-
      Token audit failed: {{ audit_expiring.count }} expire within 14 days
      ({{ audit_expiring.tokens[:5] | map(attribute='name') | join(', ') }}),
      {{ audit_unused.count }} unused for 90 days ({{ audit_unused.tokens[:5] | map(attribute='name') | join(', ') }}),
      {{ audit_revoked.count }} revoked ({{ audit_revoked.tokens[:5] | map(attribute='name') | join(', ') }}).
    success_msg: No active token expires within 14 days or has been unused for 90 days, and none is revoked.
"""

RETURN = r"""
tokens:
  description:
    - The matching tokens in the order Cloudflare lists them, each as Cloudflare returns it (never with a secret value),
      plus RV(tokens[].expires_in_days).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Token id.
      type: str
    name:
      description: Token name.
      type: str
    status:
      description:
        - V(active), V(disabled) or V(expired), as Cloudflare reports it, or a status beginning with C(revoked)
          such as C(revoked (exposed)) for a token Cloudflare deactivated because it was found leaked.
      type: str
    issued_on:
      description: When the token was created.
      type: str
    modified_on:
      description: When the token was last changed.
      type: str
    last_used_on:
      description: When the token was last used; V(null) or absent if never.
      type: str
    not_before:
      description: Time before which the token is not valid, if any.
      type: str
    expires_on:
      description: Expiry time, if any.
      type: str
    policies:
      description: Access policies, with permission groups by id and name.
      type: list
      elements: dict
    condition:
      description: Client IP restrictions.
      type: dict
    expires_in_days:
      description:
        - Days from now until RV(tokens[].expires_on), with two decimals; negative once expired; V(null) when the token never expires.
      type: float
    unused_days:
      description:
        - Days since RV(tokens[].last_used_on), with two decimals (never negative); V(null) when the token was never used.
        - With RV(tokens[].expires_in_days), one listing serves several audit conditions filtered in the playbook.
      type: float
    declaration:
      description:
        - The token as an item of O(tokenops.cloudflare.cf_token_set#module:tokens) (C(id), C(name), C(status),
          C(policies), dates, C(condition)), with permission groups by name where the name resolves back to the same
          id, by id otherwise; whole zones and accounts in C(zones) and C(accounts), zones by name where these
          credentials may read them (one listing of the zones, only when a token names a zone by id), by id otherwise.
        - Feeding C(tokens | map(attribute='declaration') | list) to M(tokenops.cloudflare.cf_token_set) changes
          nothing, so an existing scope is adopted in one command (see C(playbooks/export.yml)).
      returned: when O(declarations=true)
      type: dict
    age_days:
      description:
        - Days since RV(tokens[].issued_on), with two decimals (never negative); V(null) without an issue date.
      type: float
  sample:
    - id: ed17574386854bf78a67040be0a770b0
      name: ci-dns-editor
      status: active
      issued_on: "2026-01-10T08:00:00Z"
      modified_on: "2026-01-10T08:00:00Z"
      last_used_on: "2026-11-20T03:14:15.926535Z"
      expires_on: "2026-12-01T00:00:00Z"
      expires_in_days: 7.5
      unused_days: 3.2
      age_days: 317.2
      policies:
        - id: f267e341f3dd4697bd3b9f71dd96247f
          effect: allow
          permission_groups:
            - id: 4755a26eedb94da69e1066d98aa820be
              name: DNS Write
          resources:
            com.cloudflare.api.account.zone.*: "*"
      condition: {}
count:
  description: Number of tokens in RV(tokens).
  returned: always
  type: int
  sample: 1
verification:
  description: The API token this task authenticated with, as Cloudflare's verify endpoint describes it.
  returned: when O(verify=true)
  type: dict
  contains:
    id:
      description: Id of the token in use.
      type: str
    status:
      description: Its status, V(active) when the call succeeded.
      type: str
    not_before:
      description: Time before which it is not valid, or V(null).
      type: str
    expires_on:
      description: Its expiry time, or V(null).
      type: str
  sample:
    id: ed17574386854bf78a67040be0a770b0
    status: active
    not_before: null
    expires_on: "2027-01-01T00:00:00Z"
"""

from ansible_collections.tokenops.cloudflare.plugins.module_utils.cloudflare_module import CloudflareModule
from ansible_collections.tokenops.cloudflare.plugins.module_utils.token_plan import declaration, is_revoked, zone_ids_in
from ansible_collections.tokenops.cloudflare.plugins.module_utils.token_model import (
    InvalidToken,
    expires_in_days,
    parse_datetime,
    parse_duration,
    public_token,
    utcnow,
)

STATUSES = ["active", "disabled", "expired", "revoked"]
VERIFICATION_KEYS = ("id", "status", "not_before", "expires_on")

ARGUMENT_SPEC = dict(
    id=dict(type="str"),
    name=dict(type="str"),
    status=dict(type="list", elements="str", choices=STATUSES),
    expires_within=dict(type="str"),
    unused_for=dict(type="str"),
    min_age=dict(type="str"),
    never_expires=dict(type="bool"),
    declarations=dict(type="bool", default=False),
    verify=dict(type="bool", default=False),
)


def build_filters(params):
    """The audit filters from module options, validated; raises InvalidToken naming the option."""
    filters = {
        "name": params.get("name"),
        "status": set(params["status"]) if params.get("status") else None,
        "expires_within": None,
        "unused_for": None,
        "min_age": None,
        "never_expires": params.get("never_expires"),
    }
    for option in ("expires_within", "unused_for", "min_age"):
        value = params.get(option)
        if value is not None:
            filters[option] = parse_duration(value, option)
    return filters


def _date(token, key):
    value = token.get(key)
    if value in (None, ""):
        return None
    return parse_datetime(value, "%s of token %s" % (key, token.get("id")))


def effective_status(token, now):
    """Cloudflare's status, except that a token past its expiry is expired even if still reported active."""
    status = token.get("status")
    expires = _date(token, "expires_on")
    if status == "active" and expires is not None and expires <= now:
        return "expired"
    return status


def status_matches(status, wanted):
    """``revoked`` stands for every status beginning with it, such as ``revoked (exposed)``."""
    return status in wanted or ("revoked" in wanted and is_revoked(status))


def matches(token, filters, now):
    """Whether ``token`` passes every filter that is set; raises InvalidToken on an unreadable date."""
    if filters["name"] is not None and token.get("name") != filters["name"]:
        return False
    if filters["status"] is not None and not status_matches(effective_status(token, now), filters["status"]):
        return False
    expires = _date(token, "expires_on")
    if filters["never_expires"] is not None and filters["never_expires"] != (expires is None):
        return False
    if filters["expires_within"] is not None:
        if expires is None or expires > now + filters["expires_within"]:
            return False
        # An already-expired token is only interesting when expired tokens were not ruled out.
        if expires <= now and filters["status"] is not None and "expired" not in filters["status"]:
            return False
    if filters["unused_for"] is not None:
        last_used = _date(token, "last_used_on")
        if last_used is not None and last_used > now - filters["unused_for"]:
            return False
    if filters["min_age"] is not None:
        issued = _date(token, "issued_on")
        if issued is not None and issued > now - filters["min_age"]:
            return False
    return True


def _days_since(token, key, now):
    when = _date(token, key)
    if when is None:
        return None
    # A clock a little ahead of Cloudflare's must not give negative days (or -0.0).
    return max(0.0, round((now - when).total_seconds() / 86400.0, 2)) + 0.0


def unused_days(token, now):
    """Days since the token was last used, or None when it never was."""
    return _days_since(token, "last_used_on", now)


def age_days(token, now):
    """Days since the token was issued, or None without an issue date."""
    return _days_since(token, "issued_on", now)


DATE_FILTERS = ("expires_within", "unused_for", "min_age", "never_expires")


def select(tokens, filters, now, problems=None, zone_names=None, declarations=False):
    """The public form of the tokens that pass the filters, each with its derived day counts
    (and with ``declarations``, its declaration, zones named from ``zone_names``).

    A token with data that cannot be read is kept as Cloudflare sent it, derived fields None, when no
    date filter is set and its name and status pass; ``(token, reason)`` is appended to ``problems``.
    """
    selected = []
    for token in tokens:
        if not isinstance(token, dict) or not token:
            continue
        try:
            if not matches(token, filters, now):
                continue
            derived = {"expires_in_days": expires_in_days(token, now), "unused_days": unused_days(token, now),
                       "age_days": age_days(token, now)}
        except InvalidToken as exc:
            if problems is not None:
                problems.append((token, str(exc)))
            if any(filters[key] is not None for key in DATE_FILTERS):
                continue
            if filters["name"] is not None and token.get("name") != filters["name"]:
                continue
            if filters["status"] is not None and not status_matches(token.get("status"), filters["status"]):
                continue
            derived = {"expires_in_days": None, "unused_days": None, "age_days": None}
        shown = public_token(token)
        shown.update(derived)
        if declarations:
            shown["declaration"] = declaration(token, zone_names)
        selected.append(shown)
    return selected


def verification(result):
    result = result or {}
    return dict((key, result.get(key)) for key in VERIFICATION_KEYS)


def run(module):
    p = module.params
    module.validate_token_id()
    try:
        filters = build_filters(p)
    except InvalidToken as exc:
        module.fail(str(exc))
    if p["verify"] and not p["api_token"]:
        module.fail("verify needs api_token: Cloudflare's verify endpoint describes an API token, "
                    "and api_email/api_key authentication uses none.")

    now = utcnow()
    lookups = ("id", "name", "status", "expires_within", "unused_for", "min_age", "never_expires")
    if p["verify"] and all(p[option] is None for option in lookups):
        verified = verification(module.client.verify_token(module.account_id))
        module.exit(changed=False, tokens=[], count=0, verification=verified)
    if p["id"]:
        token = module.client.get_token(p["id"], module.account_id)
        found = [token] if token else []
    else:
        found = module.client.list_tokens(module.account_id, include_expired=True)
    problems = []
    # Zone names in declarations cost one listing of the zones, and only when a token names a zone by id.
    zone_names = module.zone_names() if p["declarations"] and zone_ids_in(found) else None
    tokens = select(found, filters, now, problems, zone_names, p["declarations"])
    for token, reason in problems:
        module.warn("Token %s (%r) has data this module cannot read (%s); it is returned as Cloudflare sent it, "
                    "without expires_in_days, unused_days and age_days, and date filters skip it."
                    % (token.get("id"), token.get("name"), reason))

    result = dict(changed=False, tokens=tokens, count=len(tokens))
    if p["verify"]:
        result["verification"] = verification(module.client.verify_token(module.account_id))
    module.exit(**result)


def main():
    module = CloudflareModule(ARGUMENT_SPEC, supports_check_mode=True)
    module.run(run)


if __name__ == "__main__":
    main()
