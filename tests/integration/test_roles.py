# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The tokens and rotate roles, applied by a real ansible-playbook to the emulator."""

import os
import re
import stat

import requests

import cfemu
from playbook_runner import TESTS, job_env, run_playbook

ROLE_PLAYS = os.path.join(TESTS, "integration", "roles")
TOKENS_PLAY = os.path.join(ROLE_PLAYS, "tokens.yml")
ROTATE_PLAY = os.path.join(ROLE_PLAYS, "rotate.yml")

DNS_EDIT = [{"permission_groups": ["DNS Write", "Zone Read"], "resources": {"com.cloudflare.api.account.zone.*": "*"}}]


def seed(emu, names, scope="user"):
    return dict((t["name"], t) for t in emu.admin.add_tokens(scope, [{"name": n} for n in names]))


def tokens(emu, scope="user"):
    return emu.admin.tokens(scope)


def stored(emu, scope="user"):
    """The tokens as stored, minus the usage stamp that every authenticated read moves."""
    return [dict((k, v) for k, v in t.items() if k != "last_used_on") for t in tokens(emu, scope)]


def names(emu, scope="user"):
    return sorted(t["name"] for t in tokens(emu, scope))


def writes(emu):
    return [(r["method"], r["path"]) for r in emu.requests() if r["method"] != "GET"]


def verify_status(emu, value, account_id=None):
    path = "/accounts/%s/tokens/verify" % account_id if account_id else "/user/tokens/verify"
    return requests.get(emu.base_url + path, headers={"Authorization": "Bearer %s" % value}, timeout=30).status_code


def output_of(result):
    return result.stdout + result.stderr


def recap_ok(result, changed=None):
    text = output_of(result)
    assert result.returncode == 0, text[-8000:]
    assert "failed=0" in result.stdout
    if changed is not None:
        assert "changed=%d " % changed in result.stdout, result.stdout[-3000:]


def listed(result, label):
    """The names the role's report gives after ``label``, sorted."""
    match = re.search(r"%s: ([^.]*)\." % label, result.stdout)
    assert match, result.stdout[-3000:]
    return sorted(match.group(1).split(", "))


def declaration(tmp_path, **extra):
    """A user-scope declaration over the default seed plus the tokens seeded by the tests."""
    role_vars = {
        "cloudflare_tokens_value_dir": str(tmp_path / "values"),
        "cloudflare_tokens_exclusive": True,
        "cloudflare_tokens_protect": ["legacy-*"],
        "cloudflare_tokens": [
            {"name": "app-new", "policies": DNS_EDIT, "condition": {"request_ip": {"in": ["192.0.2.0/24"]}}},
            {"name": "keep-me", "expires_on": "2031-01-01T00:00:00Z"},
            {"name": "ci-dns-edit"},
            {"name": "never-existed", "state": "absent"},
        ],
    }
    role_vars.update(extra)
    return role_vars


# Default seed (user scope): tokenops-admin (the play's credential), tokenops-readonly, ci-dns-edit, legacy-disabled, old-expired.
SEEDED = ["keep-me", "stale-one", "stale-two", "legacy-keep"]
SURVIVORS = ["app-new", "ci-dns-edit", "keep-me", "legacy-disabled", "legacy-keep", "tokenops-admin"]
PRUNED = ["old-expired", "stale-one", "stale-two", "tokenops-readonly"]


def test_check_mode_audit_then_exclusive_apply_then_idempotent_rerun(emu, tmp_path):
    seeded = seed(emu, SEEDED)
    before = stored(emu)
    ids = dict((t["name"], t["id"]) for t in tokens(emu))

    # Check mode is an audit: it reports the drift and writes nothing, not even the value directory.
    emu.clear_requests()
    audit = run_playbook(TOKENS_PLAY, emu, tmp_path, args=["--check", "--diff"], extra_vars=declaration(tmp_path))
    recap_ok(audit)
    assert writes(emu) == []
    assert stored(emu) == before
    assert not (tmp_path / "values").exists()
    assert "Would create: app-new." in audit.stdout
    assert "Would update: keep-me (expires_on)." in audit.stdout
    assert listed(audit, "Would delete") == PRUNED
    assert re.search(r'^\+\s+"expires_on": "2031-01-01T00:00:00Z"', audit.stdout, re.M)

    # Exclusive mode deletes exactly the undeclared, unprotected tokens, and never the play's own credential.
    emu.clear_requests()
    result = run_playbook(TOKENS_PLAY, emu, tmp_path, env=stats_env(emu), extra_vars=declaration(tmp_path))
    recap_ok(result)
    assert names(emu) == SURVIVORS
    # AWX workflows get the outcome as stats.
    assert '"cloudflare_tokens_result"' in result.stdout.split("CUSTOM STATS", 1)[1]
    deleted = sorted(path.rsplit("/", 1)[1] for method, path in writes(emu) if method == "DELETE")
    assert deleted == sorted(ids[name] for name in PRUNED)
    assert listed(result, "Deleted") == PRUNED
    assert "Created: app-new." in result.stdout
    assert "Updated: keep-me (expires_on)." in result.stdout

    # The new token's secret went to its file only.
    value_file = tmp_path / "values" / "app-new.token"
    assert stat.S_IMODE(os.stat(str(value_file)).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(str(tmp_path / "values")).st_mode) == 0o700
    value = value_file.read_text()
    assert verify_status(emu, value) == 200
    for secret in [value, cfemu.USER_API_TOKEN] + [t["value"] for t in seeded.values()]:
        assert secret not in output_of(audit) + output_of(result)

    emu.clear_requests()
    again = run_playbook(TOKENS_PLAY, emu, tmp_path, extra_vars=declaration(tmp_path))
    recap_ok(again, changed=0)
    assert writes(emu) == []
    assert names(emu) == SURVIVORS


def test_fail_on_drift_turns_a_check_run_into_an_alarm(emu, tmp_path):
    seed(emu, ["keep-me"])
    emu.clear_requests()
    role_vars = declaration(tmp_path, cloudflare_tokens_fail_on_drift=True, cloudflare_tokens_exclusive=False)
    role_vars["cloudflare_tokens"] = role_vars["cloudflare_tokens"][:2]
    alarm = run_playbook(TOKENS_PLAY, emu, tmp_path, args=["--check"], extra_vars=role_vars)
    assert alarm.returncode != 0
    assert "Cloudflare API tokens differ from the declaration: app-new, keep-me. Run without --check" in output_of(alarm)
    assert writes(emu) == []


def test_a_created_value_needs_a_file_before_any_request(emu, tmp_path):
    emu.clear_requests()
    role_vars = {"cloudflare_tokens": [{"name": "no-home", "policies": DNS_EDIT}, {"name": "gone", "state": "absent"}]}
    result = run_playbook(TOKENS_PLAY, emu, tmp_path, extra_vars=role_vars)
    assert result.returncode != 0
    assert "tokens[0] (no-home): the token would be created, but it has no value_path and value_dir is not set" in output_of(result)
    assert writes(emu) == []


def test_account_scope_with_role_connection_variables_keeps_the_credential(emu, tmp_path):
    # The environment carries the user token; the role's variables must win and select the account.
    role_vars = {
        "cloudflare_api_token": cfemu.ACCOUNT_API_TOKEN,
        "cloudflare_account_id": cfemu.ACCOUNT_ID,
        "cloudflare_tokens_exclusive": True,
        "cloudflare_tokens": [{"name": "tokenops-account-admin"}],
    }
    scope = "account:%s" % cfemu.ACCOUNT_ID
    assert "workers-deploy" in names(emu, scope)
    result = run_playbook(TOKENS_PLAY, emu, tmp_path, extra_vars=role_vars)
    recap_ok(result)
    assert names(emu, scope) == ["tokenops-account-admin"]
    assert "tokenops-admin" in names(emu)
    assert cfemu.ACCOUNT_API_TOKEN not in output_of(result)


def test_exclusive_mode_with_the_global_api_key_relies_on_protected_names(emu, tmp_path):
    # The Global API Key is no token: there is no credential token to spare, only protected names.
    env = job_env(emu, CLOUDFLARE_EMAIL=cfemu.API_EMAIL, CLOUDFLARE_API_KEY=cfemu.API_KEY, CLOUDFLARE_ACCOUNT_ID=cfemu.ACCOUNT_ID)
    del env["CLOUDFLARE_API_TOKEN"]
    scope = "account:%s" % cfemu.ACCOUNT_ID
    role_vars = {"cloudflare_tokens_exclusive": True, "cloudflare_tokens_protect": ["tokenops-*"],
                 "cloudflare_tokens": [{"name": "tokenops-account-admin"}]}
    result = run_playbook(TOKENS_PLAY, emu, tmp_path, env=env, extra_vars=role_vars)
    recap_ok(result)
    assert names(emu, scope) == ["tokenops-account-admin"]
    assert listed(result, "Deleted") == ["expired-account-token", "workers-deploy"]
    assert cfemu.API_KEY not in output_of(result)


def test_tokens_role_refuses_a_missing_declaration_and_guards_mass_deletion(emu, tmp_path):
    # A misspelt variable name leaves cloudflare_tokens undefined: the role's argument spec stops it.
    typo = run_playbook(TOKENS_PLAY, emu, tmp_path, extra_vars={"cloudflare_token": [], "cloudflare_tokens_exclusive": True})
    assert typo.returncode != 0 and "cloudflare_tokens" in output_of(typo)
    seed(emu, ["bulk-%02d" % i for i in range(12)])
    emu.clear_requests()
    guarded = run_playbook(TOKENS_PLAY, emu, tmp_path, extra_vars={"cloudflare_tokens": [{"name": "ci-dns-edit"}],
                                                                   "cloudflare_tokens_exclusive": True})
    assert guarded.returncode != 0 and "more than max_deletions=10" in output_of(guarded)
    assert writes(emu) == []


def rotate_vars(tmp_path, *token_names, **item):
    return {"cloudflare_rotate_tokens": [dict({"name": n, "value_path": str(tmp_path / ("%s.token" % n))}, **item) for n in token_names]}


def stats_env(emu):
    return job_env(emu, ANSIBLE_SHOW_CUSTOM_STATS="1")


def test_rotate_stores_new_values_that_work_and_kills_the_old_ones(emu, tmp_path):
    seeded = seed(emu, ["rotate-a", "rotate-b"])
    result = run_playbook(ROTATE_PLAY, emu, tmp_path, env=stats_env(emu), extra_vars=rotate_vars(tmp_path, "rotate-a", "rotate-b"))
    recap_ok(result, changed=2)
    # The module verified each value itself: no controller-side lookup, one verify per token.
    verifies = [r for r in emu.requests() if r["path"].endswith("/verify")]
    assert len(verifies) == 2
    for name, old in seeded.items():
        value_file = tmp_path / ("%s.token" % name)
        assert stat.S_IMODE(os.stat(str(value_file)).st_mode) == 0o600
        new = value_file.read_text()
        assert new != old["value"]
        assert verify_status(emu, new) == 200
        assert verify_status(emu, old["value"]) == 401
        assert new not in output_of(result) and old["value"] not in output_of(result)
        assert "%s (%s) was rolled; its new value is in %s and verified." % (name, old["id"], value_file) in result.stdout
    assert "CUSTOM STATS" in result.stdout and '"cloudflare_rotate_rotated"' in result.stdout
    assert seeded["rotate-a"]["id"] in result.stdout.split("CUSTOM STATS", 1)[1]


def test_rotate_preflight_rolls_nothing_when_a_name_is_unknown(emu, tmp_path):
    seeded = seed(emu, ["rotate-a", "rotate-c"])
    result = run_playbook(ROTATE_PLAY, emu, tmp_path,
                          extra_vars=rotate_vars(tmp_path, "rotate-a", "rotate-missing", "rotate-typo", "rotate-c"))
    text = output_of(result)
    assert result.returncode != 0
    assert "Nothing was rotated: 2 of 4 tokens cannot be." in text
    assert "rotate-missing: name: no token named 'rotate-missing' exists" in text
    assert "rotate-typo: name: no token named 'rotate-typo' exists" in text
    assert writes(emu) == []
    for token in seeded.values():
        assert verify_status(emu, token["value"]) == 200
    assert not (tmp_path / "rotate-a.token").exists()


def test_rotate_refuses_disabled_tokens_before_any_write(emu, tmp_path):
    emu.admin.add_tokens("user", [{"name": "rotate-a"}, {"name": "rotate-off", "status": "disabled"}])
    emu.clear_requests()
    result = run_playbook(ROTATE_PLAY, emu, tmp_path, extra_vars=rotate_vars(tmp_path, "rotate-a", "rotate-off", "legacy-disabled"))
    text = output_of(result)
    assert result.returncode != 0
    assert "Nothing was rotated: 2 of 3 tokens cannot be. Not active: rotate-off is disabled, legacy-disabled is disabled." in text
    assert writes(emu) == []


def test_rotate_replace_with_overlap_then_max_age_rerun_writes_nothing(emu, tmp_path):
    seeded = dict((t["name"], t) for t in emu.admin.add_tokens("user", [
        {"name": "rotate-r", "issued_on": "2024-01-01T00:00:00Z"}, {"name": "rotate-s"}]))
    role_vars = rotate_vars(tmp_path, "rotate-r", strategy="replace", overlap="30m", max_age="30d")
    role_vars["cloudflare_rotate_tokens"].append({"name": "rotate-s", "value_path": str(tmp_path / "rotate-s.token"), "max_age": "30d"})
    result = run_playbook(ROTATE_PLAY, emu, tmp_path, env=stats_env(emu), extra_vars=role_vars)
    # rotate-r was issued in 2024 and is due; rotate-s was just issued and is not.
    recap_ok(result, changed=1)
    current = [t for t in tokens(emu) if t["name"] == "rotate-r"]
    assert len(current) == 1 and current[0]["id"] != seeded["rotate-r"]["id"]
    new = (tmp_path / "rotate-r.token").read_text()
    assert verify_status(emu, new) == 200
    assert verify_status(emu, seeded["rotate-r"]["value"]) == 200
    assert verify_status(emu, seeded["rotate-s"]["value"]) == 200
    assert "rotate-r (%s) was replaced" % current[0]["id"] in result.stdout
    assert "The old token %s keeps working until" % seeded["rotate-r"]["id"] in result.stdout
    assert "rotate-s (%s) is not due" % seeded["rotate-s"]["id"] in result.stdout
    assert seeded["rotate-r"]["id"] in result.stdout.split("CUSTOM STATS", 1)[1]

    emu.clear_requests()
    again = run_playbook(ROTATE_PLAY, emu, tmp_path, extra_vars=role_vars)
    recap_ok(again, changed=0)
    assert writes(emu) == []

    emu.clear_requests()
    audit = run_playbook(ROTATE_PLAY, emu, tmp_path, args=["--check"], extra_vars=rotate_vars(tmp_path, "rotate-r", strategy="replace"))
    recap_ok(audit)
    assert writes(emu) == []


def test_rotate_stops_at_a_failed_rotation_and_names_what_was_rotated(emu, tmp_path):
    seeded = seed(emu, ["rotate-a", "rotate-b", "rotate-c"])
    emu.set_faults(rules=[{"method": "PUT", "path": "%s/value$" % seeded["rotate-b"]["id"], "action": "status", "status": 503, "after": True}])
    result = run_playbook(ROTATE_PLAY, emu, tmp_path, env=stats_env(emu), extra_vars=rotate_vars(tmp_path, "rotate-a", "rotate-b", "rotate-c"))
    emu.clear_faults()
    text = output_of(result)
    assert result.returncode != 0
    assert "Rotation stopped at rotate-b: Rolling token %s ('rotate-b') may or may not have happened" % seeded["rotate-b"]["id"] in text
    assert "Already rotated, with their new values stored: rotate-a. Not attempted: rotate-c." in text
    rolls = [path for method, path in writes(emu) if method == "PUT" and path.endswith("/value")]
    assert rolls == ["/user/tokens/%s/value" % seeded[n]["id"] for n in ("rotate-a", "rotate-b")]
    assert verify_status(emu, seeded["rotate-c"]["value"]) == 200
    assert verify_status(emu, (tmp_path / "rotate-a.token").read_text()) == 200
    assert not (tmp_path / "rotate-c.token").exists()
    # What was rotated before the failure is still published.
    assert seeded["rotate-a"]["id"] in text.split("CUSTOM STATS", 1)[1]


def faults(emu, *rules):
    emu.admin.set_faults(rules)


def test_tokens_role_passes_retries_timeout_and_validate_certs_through(emu, tmp_path):
    faults(emu, {"method": "GET", "path": "^/user/tokens$", "action": "status", "status": 503, "times": 1})
    emu.clear_requests()
    role_vars = {"cloudflare_tokens": [{"name": "gone", "state": "absent"}],
                 "cloudflare_retries": 0, "cloudflare_timeout": 5, "cloudflare_validate_certs": False}
    result = run_playbook(TOKENS_PLAY, emu, tmp_path, extra_vars=role_vars)
    assert result.returncode != 0
    assert "HTTP 503" in output_of(result)
    assert len([r for r in emu.requests() if r["path"] == "/user/tokens"]) == 1
    # The same fault with the modules' default of 4 retries is waited out.
    faults(emu, {"method": "GET", "path": "^/user/tokens$", "action": "status", "status": 503, "times": 1})
    recap_ok(run_playbook(TOKENS_PLAY, emu, tmp_path, extra_vars={"cloudflare_tokens": [{"name": "gone", "state": "absent"}]}))


def test_rotate_role_passes_the_timeout_through(emu, tmp_path):
    seed(emu, ["rotate-slow"])
    faults(emu, {"method": "GET", "path": "^/user/tokens$", "action": "timeout", "delay": 3})
    role_vars = dict(rotate_vars(tmp_path, "rotate-slow"), cloudflare_timeout=0.5, cloudflare_retries=1)
    result = run_playbook(ROTATE_PLAY, emu, tmp_path, extra_vars=role_vars)
    text = output_of(result)
    assert result.returncode != 0
    assert "No answer arrived within 0.5 seconds" in text and "Gave up after 2 attempts." in text
    assert not [path for method, path in writes(emu) if path.endswith("/value")]
