#!/usr/bin/python
# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: cf_token_roll
short_description: Rotate the secret value of a Cloudflare API token, by roll or by replacement with an overlap
version_added: 0.1.0
description:
  - Gives a Cloudflare API token a new secret value, in one of two ways chosen by O(strategy).
  - V(roll) (the default) is Cloudflare's roll. The token keeps its id, name, policies, condition and dates; only the
    value and C(modified_on) change. The old value stops working at once, so every consumer fails until it has
    the new one.
  - V(replace) rotates without that gap. It creates a successor with the same name, policies, condition,
    C(not_before) and C(expires_on), delivers its value, verifies it (O(verify)), and only then retires the
    predecessor. The predecessor is renamed C(<name> (retired <UTC time>)) and its C(expires_on) is set to
    O(overlap) from now (or kept, if it expired earlier), so its value keeps working for the overlap and
    Cloudflare itself ends it. With O(overlap=0) the predecessor is deleted once the successor verified.
  - The token is chosen by O(id) or by a unique O(name) for V(roll), by O(name) for V(replace). Works on account-owned
    tokens when O(account_id) is set, on user-owned tokens otherwise.
  - The new value is returned once, in RV(value), or written to O(value_path). Cloudflare never shows it again.
  - Without O(max_age), every run rotates (except that V(replace) does not start again while the overlap of its
    last replacement runs). With O(max_age), a run rotates only when the value is older than that, so a scheduled
    job can run often and rotate when due.
  - No write that may have been applied is ever sent again. V(replace) is safe to run again after a failure at any
    step; see the notes.
author:
  - tokenops.cloudflare contributors (@tokenops)
extends_documentation_fragment:
  - tokenops.cloudflare.connection
  - tokenops.cloudflare.attributes
  - tokenops.cloudflare.attributes.actions
attributes:
  check_mode:
    details:
      - In check mode the token is looked up (and, for an interrupted replacement, the value in O(value_path) verified),
        but nothing is written; the task reports the change it would make, and RV(value) is V(null).
  diff_mode:
    details:
      - The diff names the strategy and shows the tokens before and after (ids, names, and for V(replace) the
        retirement name and C(expires_on)), with placeholders where the value changes; it never contains a secret.
options:
  id:
    description:
      - Id of the token to roll (32 hexadecimal characters).
      - If O(name) is also set, it must be the name of that token, as a safeguard against rolling the wrong one.
      - Not with O(strategy=replace), which gives the token a new id at every replacement.
    type: str
  name:
    description:
      - Name of the token to rotate, when O(id) is not set. Required with O(strategy=replace).
      - With O(strategy=roll), exactly one token may carry the name; several tokens of that name is an error listing
        their ids, raised before anything is changed, since Cloudflare allows duplicate names.
      - With O(strategy=replace), two tokens of the name with the same policies, condition and dates are an
        interrupted replacement, which the task finishes (see the notes). Any other set of duplicates is an error.
    type: str
  strategy:
    description:
      - V(roll) gives the token a new value in place; the old value stops working at once.
      - V(replace) creates a successor token under the same name and retires the old token after O(overlap).
    type: str
    choices: [roll, replace]
    default: roll
  overlap:
    description:
      - With O(strategy=replace), how long the predecessor's value keeps working after its successor verified, as a
        duration such as V(1h), V(30m), V(2d) or V(1d12h), or a number of seconds. Default V(1h).
      - The predecessor is renamed and gets C(expires_on) set to now plus the overlap, unless it expires earlier
        already. V(0) deletes it instead.
      - Choose it longer than the time your consumers need to pick up the new value (the interval at which they
        reread their secret store, plus a margin).
      - Not with O(strategy=roll), which has no overlap.
    type: str
  max_age:
    description:
      - Rotate only when the current value is older than this duration (V(30d), V(12h), V(2w), or seconds);
        otherwise the task changes nothing, reports no change and sends no write.
      - For O(strategy=replace), the age is the time since the current token's C(issued_on), which is exactly the age
        of its value, since a replacement issues a new token.
      - For O(strategy=roll), the age is the time since the token's C(modified_on), which Cloudflare moves when the
        token is rolled, but also when it is updated (for example by M(tokenops.cloudflare.cf_token)); an update
        postpones the next roll.
      - An interrupted replacement is finished whatever its age.
    type: str
  verify:
    description:
      - Check the new value with Cloudflare's verify endpoint, authenticating with that value alone, from the host
        that runs the task. It must verify as the rotated token, with status C(active).
      - With O(strategy=replace), the predecessor is retired only after the successor's value verified.
      - A token that is not C(active), or not valid yet (C(not_before) in the future), is refused before any write,
        since its new value could not verify.
      - Set V(false) when the token's IP condition does not allow the host that runs the task.
    type: bool
    default: true
  value_path:
    description:
      - Write the new secret value to this file (mode C(0600), written atomically) instead of returning it in RV(value).
      - The directory must exist and be writable; this is checked before the token is rolled, because a new value
        that cannot be stored is a lost credential.
      - An existing file is replaced.
      - With O(strategy=replace), a rerun after an interruption reads this file. If it holds a value that verifies as
        the successor's, that value was delivered and the successor is not rolled again.
    type: path
notes:
  - A roll by O(id) costs four requests (C(GET), C(PUT), the verification C(GET), C(GET)); by O(name), one C(GET) per 50
    tokens of the account or user instead of the first C(GET). A replacement lists the tokens, then sends C(POST),
    the verification C(GET), and one C(PUT) (or C(DELETE) with O(overlap=0)).
  - If a roll request times out or Cloudflare answers with a server error, the task fails saying the
    roll may have happened. Check with M(tokenops.cloudflare.cf_token_info) whether C(modified_on) changed, or whether
    the old value still verifies, before rolling again.
  - "Crash safety of O(strategy=replace): every step is safe to run again. A run that stopped after creating the successor
    leaves two tokens of the name; the next run takes the newer (by C(issued_on)) as the successor, checks whether
    O(value_path) holds a value that verifies as the successor's, rolls the successor once if not (without O(value_path)
    it cannot know, so it always does) and delivers that value, then retires the older one. A run that stopped after the
    retirement left one token and a retired one whose overlap runs: that replacement is finished. A retired token
    without a successor is given one. The create request is sent once and never retried."
  - With O(strategy=replace) and no O(max_age), a run while a retired predecessor's overlap runs changes nothing;
    once the overlap is over, the next run replaces again. With O(overlap=0) there is no such marker, so use O(max_age)
    for jobs that may be run again.
  - Retired tokens stay listed, with status C(expired), once their overlap ended; delete them with
    M(tokenops.cloudflare.cf_token) O(tokenops.cloudflare.cf_token#module:state=absent) or the exclusive mode of the C(tokenops.cloudflare.tokens) role.
  - Rolling the token that authenticates the task works, but the old value can no longer read the token
    afterwards; RV(token) then shows the token as it was before the roll and a warning says so.
seealso:
  - module: tokenops.cloudflare.cf_token
  - module: tokenops.cloudflare.cf_token_info
  - name: Token rotation guide
    description: Both strategies, choosing an overlap, scheduled rotation in AWX, and handing the value to a secret store.
    link: https://github.com/tokenops/cloudflare/blob/main/docs/docsite/rst/rotation.rst
  - name: Roll a user API token (Cloudflare API)
    description: The C(PUT /user/tokens/{token_id}/value) endpoint this module calls.
    link: https://developers.cloudflare.com/api/resources/user/subresources/tokens/subresources/value/methods/update/
"""

EXAMPLES = r"""
- name: Roll a token and store the new value in a file only the owner can read
  tokenops.cloudflare.cf_token_roll:
    name: ci-dns-editor
    value_path: /etc/ci/cloudflare.token

- name: Replace a token, keeping the old value valid for two hours, once it is older than 30 days
  tokenops.cloudflare.cf_token_roll:
    name: ci-dns-editor
    strategy: replace
    overlap: 2h
    max_age: 30d
    value_path: /etc/ci/cloudflare.token
  register: replaced

- name: Say what happened
  ansible.builtin.debug:
    msg: >-
      {{ replaced.action }}: {{ replaced.token.name }} is now {{ replaced.token.id }}
      {{ '; the old token ' ~ replaced.retired.id ~ ' expires at ' ~ replaced.retired.expires_on
         if replaced.retired and not replaced.retired.deleted else '' }}

- name: Roll an account-owned token by id and hand the value to a secret store
  tokenops.cloudflare.cf_token_roll:
    account_id: "{{ lookup('ansible.builtin.env', 'CLOUDFLARE_ACCOUNT_ID') }}"
    id: ed17574386854bf78a67040be0a770b0
  register: rolled
  no_log: true
"""

RETURN = r"""
action:
  description:
    - What the task did (in check mode, would do). V(rolled) (O(strategy=roll)), V(replaced) (a successor was created
      and the predecessor retired), V(resumed) (an interrupted replacement was finished), or V(none) (not due, see
      O(max_age), or the last replacement's overlap still runs).
  returned: always
  type: str
  sample: replaced
value:
  description:
    - The new secret value of the token. Returned ONCE; Cloudflare cannot show it again.
      Use C(no_log) on the task, or register it and hand it straight to a secret store.
    - V(null) in check mode and when nothing was rotated.
  returned: when O(value_path) is not set
  type: str
value_path:
  description: The file the new secret value was written to (or, for a resumed replacement, already held it).
  returned: when O(value_path) is set and a value was delivered
  type: str
  sample: /etc/ci/cloudflare.token
verified:
  description: Whether the new value was verified by this run (see O(verify)).
  returned: always
  type: bool
token:
  description:
    - The token, without any secret. After a roll, read back (so C(modified_on) is the time of the roll); after a
      replacement, the successor.
    - In check mode, when nothing was rotated, or when it cannot be read back, the token as it was.
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
retired:
  description:
    - With O(strategy=replace), the predecessor, without any secret, as retired by this run (renamed, with the
      C(expires_on) that ends its overlap) and C(deleted=false); or as it was before it was deleted (O(overlap=0)),
      with C(deleted=true).
    - V(null) for rolls, in check mode and when nothing was rotated.
  returned: always
  type: dict
  sample:
    id: 3f0e6c7b2a9d4e1f8c5b7a6d9e0f1a2b
    name: ci-dns-editor (retired 2026-12-01T21:00:00Z)
    status: active
    expires_on: "2026-12-01T23:00:00Z"
    deleted: false
"""

from ansible_collections.tokenops.cloudflare.plugins.module_utils.cloudflare_api import (
    CloudflareAuthError,
    CloudflareClient,
    CloudflareError,
    CloudflareWriteUncertain,
)
from ansible_collections.tokenops.cloudflare.plugins.module_utils.cloudflare_module import (
    CloudflareModule,
    check_secret_path,
)
from ansible_collections.tokenops.cloudflare.plugins.module_utils.token_model import (
    InvalidToken,
    format_datetime,
    parse_datetime,
    parse_duration,
    public_token,
    retired_from,
    retired_name,
    retirement_body,
    same_content,
    successor_body,
    token_age,
    utcnow,
)

ARGUMENT_SPEC = dict(
    id=dict(type="str"),
    name=dict(type="str"),
    value_path=dict(type="path"),
    strategy=dict(type="str", default="roll", choices=["roll", "replace"]),
    overlap=dict(type="str"),
    max_age=dict(type="str"),
    verify=dict(type="bool", default=True),
)

DEFAULT_OVERLAP = "1h"
# Placeholders for the diff: it must show that the value changes without showing a value.
BEFORE_VALUE = "(current secret)"
AFTER_VALUE = "(new secret, not shown)"
NEW_ID = "(new token)"


def run(module):
    p = module.params
    module.validate_token_id()
    if not p["id"] and not (p["name"] or "").strip():
        module.fail("name must not be empty; set the name of the token to roll, or its id.")
    try:
        max_age = parse_duration(p["max_age"], "max_age") if p["max_age"] is not None else None
        overlap = parse_duration(p["overlap"] if p["overlap"] is not None else DEFAULT_OVERLAP, "overlap")
    except InvalidToken as exc:
        module.fail(str(exc) + " Nothing was changed.")
    if p["strategy"] == "replace":
        if p["id"]:
            module.fail("id cannot be used with strategy=replace: a replacement gives the token a new id, so only its "
                        "name identifies it from one run to the next. Set name instead; nothing was changed.")
    elif p["overlap"] is not None:
        module.fail("overlap only applies to strategy=replace: a roll ends the old value at once. Nothing was changed.")
    problem = check_secret_path(p["value_path"])
    if problem:
        module.fail(problem + " Nothing was changed.")

    now = utcnow()
    if p["strategy"] == "replace":
        run_replace(module, now, max_age, overlap)
    else:
        run_roll(module, now, max_age)


# ------------------------------------------------------------------- roll
def run_roll(module, now, max_age):
    p = module.params
    token = module.find_token(p["id"], p["name"])
    if token is None:
        module.fail("%s; nothing was rolled." % _missing(module))
    if p["id"] and p["name"] is not None and token.get("name") != p["name"]:
        module.fail("Token %s is named %r, not %r; nothing was rolled. Drop name or fix it."
                    % (token["id"], token.get("name"), p["name"]))
    _check_verifiable(module, token, now, "nothing was rolled")

    identity = dict(strategy="roll", id=token["id"], name=token.get("name"))
    if not is_due(token, "modified_on", max_age, now):
        same = dict(identity, value=BEFORE_VALUE)
        module.exit(changed=False, action="none", value=None, token=public_token(token), retired=None, verified=False,
                    diff=dict(before=same, after=same))
    diff = dict(before=dict(identity, value=BEFORE_VALUE), after=dict(identity, value=AFTER_VALUE))
    if module.check_mode:
        module.exit(changed=True, action="rolled", value=None, token=public_token(token), retired=None, verified=False,
                    diff=diff)

    secret = _roll(module, token)
    outcome = dict(changed=True, action="rolled", retired=None, verified=False, diff=diff)
    # The secret is stored before anything else may fail: after the roll, the old value is gone.
    module.deliver_secret(outcome, secret, token, "rolled, so its old value no longer works")
    if p["verify"]:
        problem = check_new_value(module, secret, token)
        if problem:
            module.fail("Token %s (%r) was rolled and its new value %s, but that value did not verify: %s. The old value "
                        "no longer works." % (token["id"], token.get("name"), _where(outcome), problem),
                        token=public_token(token), **outcome)
        outcome["verified"] = True
    outcome["token"] = _read_back(module, token)
    module.exit(**outcome)


def _missing(module):
    where = "in account %s" % module.account_id if module.account_id else "among the user's tokens"
    if module.params["id"]:
        return "id: no token %s exists %s" % (module.params["id"], where)
    return "name: no token named %r exists %s" % (module.params["name"], where)


def _roll(module, token, rerun=None):
    try:
        result = module.client.roll_token(token["id"], module.account_id)
    except CloudflareWriteUncertain as exc:
        module.fail(
            "Rolling token %s (%r) may or may not have happened: %s. The request was not retried, because a second "
            "roll would invalidate the value issued by the first. %s"
            % (token["id"], token.get("name"), _cause(exc), rerun or (
                "To find out, look the token up with tokenops.cloudflare.cf_token_info and compare modified_on with %s "
                "(its value before this task), or verify the old value with cf_token_info verify=true: if the old value "
                "still works, nothing was rolled. If the token was rolled, its new value is lost: roll it again."
                % (token.get("modified_on") or "the previous one"))),
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


# ---------------------------------------------------------------- replace
def plan_replace(tokens, name, now, max_age=None):
    """What a replacement of the token ``name`` has to do, from the listed tokens alone.

    Returns a dict with ``action``:
    ``none`` (``token`` is current and not due), ``create`` (a successor of ``source``
    is to be created; ``predecessor`` is the token to retire afterwards, None when
    ``source`` was already retired) or ``resume`` (``successor`` exists next to the
    not yet retired ``predecessor``); or with ``error``, a reason to change nothing.
    """
    current = sorted((t for t in tokens if t.get("name") == name), key=_issued)
    retired = sorted((t for t in tokens if retired_from(t.get("name"), name) and _running(t, now)), key=_issued)
    ids = ", ".join(t["id"] for t in current)
    if len(current) > 2:
        return dict(error="%d tokens are named %r (ids: %s); a replacement leaves at most two for a moment, so these "
                          "are not one interrupted replacement. Rename or delete the extra ones." % (len(current), name, ids))
    inactive = [t for t in current if t.get("status") != "active"]
    if inactive:
        return dict(error="token %s (%r) is %s; only an active token can be replaced."
                          % (inactive[0]["id"], name, inactive[0].get("status")))
    if len(current) == 2:
        predecessor, successor = current
        if not same_content(predecessor, successor):
            return dict(error="2 tokens are named %r (ids: %s) with different policies, condition or dates, so they are "
                              "not a token and its successor. Rename one of them." % (name, ids))
        return dict(action="resume", predecessor=predecessor, successor=successor)
    if len(current) == 1:
        token = current[0]
        if max_age is not None:
            due = is_due(token, "issued_on", max_age, now)
        else:
            # A replacement whose predecessor is still in its overlap is finished, not to be repeated.
            due = not retired
        if not due:
            return dict(action="none", token=token, retired=retired[-1] if retired else None)
        return dict(action="create", source=token, predecessor=token)
    if retired:
        # Retired, but its successor is gone: give it one, from the newest retired token.
        return dict(action="create", source=retired[-1], predecessor=None)
    return dict(error="no token named %r exists" % name)


def _issued(token):
    return (token.get("issued_on") or "", token.get("id") or "")


def _running(token, now):
    """A retired token whose overlap still runs: active and not yet expired."""
    if token.get("status") != "active":
        return False
    return not token.get("expires_on") or parse_datetime(token["expires_on"]) > now


def is_due(token, field, max_age, now):
    """Whether the token's value is older than ``max_age`` (always, without max_age)."""
    if max_age is None:
        return True
    age = token_age(token, field, now)
    return age is None or age > max_age


def run_replace(module, now, max_age, overlap):
    p = module.params
    name = p["name"]
    where = " in account %s" % module.account_id if module.account_id else " among the user's tokens"
    plan = plan_replace(module.client.list_tokens(module.account_id), name, now, max_age)
    if plan.get("error"):
        module.fail("name: %s%s; nothing was changed." % (plan["error"], where))
    if plan["action"] == "none":
        shown = dict(strategy="replace", tokens=[_shown(plan["token"], BEFORE_VALUE)])
        module.exit(changed=False, action="none", value=None, token=public_token(plan["token"]), retired=None,
                    verified=False, diff=dict(before=shown, after=shown))
    successor = plan.get("successor")
    predecessor = plan.get("predecessor")
    _check_verifiable(module, successor or plan["source"], now, "nothing was changed")
    retire_at = now + overlap
    # An interrupted replacement: the successor's value counts as delivered only when value_path proves it.
    stored = bool(successor) and _stored_value_belongs_to(module, successor)
    diff = _replace_diff(plan, name, now, retire_at, overlap, rolls=not stored)
    action = "resumed" if successor else "replaced"
    if module.check_mode:
        module.exit(changed=True, action=action, value=None, token=public_token(successor or plan["source"]),
                    retired=None, verified=False, diff=diff)

    outcome = dict(changed=True, action=action, retired=None, verified=False, diff=diff)
    secret = None
    if successor:
        if stored:
            successor = public_token(successor)
            outcome.update(value_path=p["value_path"], verified=True)
        else:
            # Whether its value reached anyone cannot be told: give it one that is delivered now.
            secret = _roll(module, successor, rerun=_RERUN % dict(name=name))
            module.deliver_secret(outcome, secret, successor, "rolled")
            successor = _read_back(module, successor)
    else:
        if plan["source"].get("name") != name:
            module.module.warn("%r had no current token, only the retired %s; its successor was created from it without "
                               "an expiry date, since retirement replaced the one it had. Set expires_on with "
                               "tokenops.cloudflare.cf_token if it needs one." % (name, plan["source"]["id"]))
        created = create_successor(module, plan["source"], name)
        secret = created.get("value")
        successor = public_token(created)
        if not isinstance(secret, str) or not secret:
            module.fail("Successor %s of %r was created, but Cloudflare's answer carried no value. %s"
                        % (successor.get("id"), name, _RERUN % dict(name=name)), changed=True, token=successor)
        module.deliver_secret(outcome, secret, successor, "created")
    outcome["token"] = successor

    if secret is not None and p["verify"]:
        problem = check_new_value(module, secret, successor)
        if problem:
            module.fail("Successor %s of %r was created and its value %s, but that value did not verify: %s. The "
                        "predecessor was left as it is, still valid. %s"
                        % (successor["id"], name, _where(outcome), problem, _RERUN % dict(name=name)), **outcome)
        outcome["verified"] = True

    if predecessor or overlap.total_seconds() == 0:
        outcome["retired"] = retire(module, predecessor or plan["source"], name, now, retire_at, overlap, outcome)
    else:
        # The token copied was already retired by an earlier run; its overlap keeps running as it was.
        outcome["retired"] = dict(public_token(plan["source"]), deleted=False)
    module.exit(**outcome)


_RERUN = ("Running the task again finishes the replacement of %(name)r: it finds the successor next to its predecessor, "
          "gives the successor a new value once unless value_path already holds a value that verifies as the "
          "successor's, and retires the predecessor; no second successor is created.")


def create_successor(module, source, name):
    """Create the successor of ``source``; the one create request of a replacement, never retried."""
    # A retired source carries its overlap's end as expires_on, not the date it had before.
    body = successor_body(source, name, expires=source.get("name") == name)
    try:
        return module.client.create_token(body, module.account_id)
    except CloudflareWriteUncertain as exc:
        module.fail("Creating the successor of %r may or may not have happened: %s. It was not retried, to avoid a "
                    "second successor. The current token %s is unchanged and still valid. Run the task again: if a "
                    "successor was created, it is found next to the current token (two tokens named %r), given a new "
                    "value once and delivered, then the current token is retired; if none was created, one is created."
                    % (name, _cause(exc), source["id"], name), api_error=exc.to_dict(), token=public_token(source))


def retire(module, token, name, now, retire_at, overlap, outcome):
    """End the predecessor: delete it (overlap 0) or rename it and let it expire at ``retire_at``."""
    try:
        if overlap.total_seconds() == 0:
            module.client.delete_token(token["id"], module.account_id)
            return dict(public_token(token), deleted=True)
        body = retirement_body(token, retired_name(name, now), retire_at)
        return dict(public_token(module.client.update_token(token["id"], body, module.account_id)), deleted=False)
    except CloudflareError as exc:
        module.fail("The successor %s of %r has its value (%s%s), but retiring the predecessor %s failed: %s Run the "
                    "task again to retire it; no second successor is created."
                    % (outcome["token"]["id"], name, _where(outcome), ", verified" if outcome["verified"] else "",
                       token["id"], exc), api_error=exc.to_dict(), **outcome)


def _replace_diff(plan, name, now, retire_at, overlap, rolls):
    """Before: the token(s) of the name. After: the successor, and the predecessor as retired (none with overlap 0)."""
    successor = plan.get("successor")
    predecessor = plan.get("predecessor")
    old = predecessor or plan["source"]
    before = [_shown(old, BEFORE_VALUE)] + ([_shown(successor, BEFORE_VALUE)] if successor else [])
    if successor:
        after = [_shown(successor, AFTER_VALUE if rolls else BEFORE_VALUE)]
    else:
        after = [dict(_shown(plan["source"], AFTER_VALUE), id=NEW_ID, name=name)]
        if plan["source"].get("name") != name:
            after[0].pop("expires_on", None)
    if overlap.total_seconds() != 0:
        if predecessor:
            expires = retirement_body(predecessor, name, retire_at).get("expires_on")
            after.append(dict(_shown(predecessor, BEFORE_VALUE), name=retired_name(name, now), expires_on=expires))
        else:
            after.append(_shown(old, BEFORE_VALUE))
    return dict(before=dict(strategy="replace", tokens=before), after=dict(strategy="replace", tokens=after))


def _shown(token, value):
    shown = dict(id=token["id"], name=token.get("name"), value=value)
    if token.get("expires_on"):
        shown["expires_on"] = format_datetime(parse_datetime(token["expires_on"]))
    return shown


# ------------------------------------------------------------ verification
def value_client(module, value):
    """A client that authenticates with ``value`` alone, for the verify endpoint."""
    p = module.params
    return CloudflareClient(base_url=p["base_url"], api_token=value, timeout=p["timeout"],
                            validate_certs=p["validate_certs"], retries=p["retries"], page_workers=1)


def verification_of(module, value):
    """Cloudflare's verification of ``value`` (id, status), or None when Cloudflare does not accept it."""
    try:
        return value_client(module, value).verify_token(module.account_id)
    except CloudflareAuthError:
        return None


def check_new_value(module, value, token):
    """Why the new value does not prove to be ``token``'s active value, or None."""
    try:
        verification = verification_of(module, value)
    except CloudflareError as exc:
        return "verifying it failed (%s)" % exc
    if verification is None:
        return "Cloudflare rejected it"
    if verification.get("id") != token["id"]:
        return "it verifies as token %s, not %s" % (verification.get("id"), token["id"])
    if verification.get("status") != "active":
        return "Cloudflare reports it as %s" % verification.get("status")
    return None


def _stored_value_belongs_to(module, token):
    """Whether value_path holds an active value of ``token`` (read on the host that runs the task)."""
    path = module.params["value_path"]
    if not path:
        return False
    try:
        with open(path) as handle:
            stored = handle.read().strip()
    except (IOError, OSError):
        return False
    if not stored or any(c.isspace() for c in stored):
        return False
    try:
        verification = verification_of(module, stored)
    except CloudflareError as exc:
        module.fail("Could not check whether %s holds the value of successor %s (%s); nothing was changed. Run the task "
                    "again." % (path, token["id"], exc), api_error=exc.to_dict())
    return bool(verification) and verification.get("id") == token["id"] and verification.get("status") == "active"


def _check_verifiable(module, token, now, nothing):
    """Refuse, before any write, a token whose new value could not verify."""
    if not module.params["verify"]:
        return
    if token.get("status") != "active":
        module.fail("Token %s (%r) is %s, so a new value of it cannot verify; %s. Set verify=false to %s it anyway."
                    % (token["id"], token.get("name"), token.get("status"), nothing,
                       "roll" if module.params["strategy"] == "roll" else "replace"), token=public_token(token))
    if token.get("not_before") and parse_datetime(token["not_before"]) > now:
        module.fail("Token %s (%r) is not valid before %s, so a new value of it cannot verify yet; %s. Set verify=false "
                    "to go ahead without verification." % (token["id"], token.get("name"), token["not_before"], nothing),
                    token=public_token(token))


def _where(outcome):
    return "was written to %s" % outcome["value_path"] if outcome.get("value_path") else "is in 'value'"


def _cause(exc):
    cause = "Cloudflare answered HTTP %s" % exc.status if exc.status else "no usable answer arrived"
    cause += " to %s %s" % (exc.method, exc.path)
    if exc.errors:
        cause += " (Cloudflare said: %s)" % "; ".join("%s: %s" % (e.get("code"), e.get("message")) for e in exc.errors)
    return cause


def main():
    module = CloudflareModule(
        ARGUMENT_SPEC,
        supports_check_mode=True,
        required_one_of=[("id", "name")],
        required_if=[("strategy", "replace", ("name",))],
    )
    module.run(run)


if __name__ == "__main__":
    main()
