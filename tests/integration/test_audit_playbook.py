# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/audit.yml run as an AWX nightly job would: ansible-playbook --check, credentials in the environment."""

import datetime
import os
import re
import urllib.request

import pytest

import cfemu
from playbook_runner import COLLECTION, run_playbook

AUDIT = os.path.join(COLLECTION, "playbooks", "audit.yml")


@pytest.fixture
def emu(empty_emu):
    # Credentials only: the sample tokens of the default seed are never used, which is exactly what the audit reports.
    # Every credential of the account is in use: the read-only one authenticates once.
    request = urllib.request.Request(empty_emu.base_url + "/user/tokens/verify",
                                     headers={"Authorization": "Bearer %s" % cfemu.READONLY_API_TOKEN})
    urllib.request.urlopen(request, timeout=30).close()
    return empty_emu


def rfc3339(delta):
    return (datetime.datetime.now(datetime.timezone.utc) + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def api_writes(emu):
    return [entry for entry in emu.requests() if entry["method"] != "GET"]


def test_clean_tokens_pass(emu, tmp_path):
    emu.clear_requests()
    result = run_playbook(AUDIT, emu, tmp_path, args=["--check"])
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    assert "No active token expires within 14 days or has been unused for 90 days." in result.stdout
    assert "failed=0" in result.stdout
    assert api_writes(emu) == []
    assert cfemu.USER_API_TOKEN not in result.stdout + result.stderr


def test_token_expiring_in_three_days_fails_the_job(emu, tmp_path):
    seeded = emu.admin.add_tokens("user", [{
        "name": "ci-deploy-expiring",
        "expires_on": rfc3339(datetime.timedelta(days=3)),
        "last_used_on": rfc3339(datetime.timedelta(hours=-1)),
    }])[0]
    emu.clear_requests()
    result = run_playbook(AUDIT, emu, tmp_path, args=["--check"])
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-5000:]
    assert "Token audit failed." in output
    assert "Token ci-deploy-expiring (%s) expires on %s" % (seeded["id"], seeded["expires_on"]) in output
    assert "tokenops-admin" not in output
    assert "tokenops-readonly" not in output
    assert seeded["value"] not in output
    assert cfemu.USER_API_TOKEN not in output
    assert api_writes(emu) == []


def test_token_unused_for_months_fails_the_job(emu, tmp_path):
    emu.admin.add_tokens("user", [{
        "name": "legacy-exporter",
        "issued_on": rfc3339(datetime.timedelta(days=-400)),
        "last_used_on": rfc3339(datetime.timedelta(days=-120)),
    }])
    result = run_playbook(AUDIT, emu, tmp_path, args=["--check"])
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-5000:]
    assert "Token legacy-exporter (" in output
    assert "was last used on" in output
    assert "expires on" not in output


def test_a_token_issued_minutes_ago_is_not_called_never_used(emu, tmp_path):
    emu.admin.add_tokens("user", [
        {"name": "just-created", "issued_on": rfc3339(datetime.timedelta(minutes=-5))},
        {"name": "old-never-used", "issued_on": rfc3339(datetime.timedelta(days=-30))},
    ])
    result = run_playbook(AUDIT, emu, tmp_path, args=["--check"])
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-5000:]
    assert "Token old-never-used (" in output and "was never used" in output
    assert "just-created" not in output
    # With the minimum age lowered to zero, the fresh one is judged too.
    result = run_playbook(AUDIT, emu, tmp_path, args=["--check"], extra_vars={"audit_min_age_days": 0})
    assert "Token just-created (" in result.stdout + result.stderr


def test_five_hundred_findings_stay_readable_and_are_printed_once(emu, tmp_path):
    old = rfc3339(datetime.timedelta(days=-200))
    specs = [{"name": "svc-%03d" % i, "issued_on": old} for i in range(500)]
    emu.admin.add_tokens("user", specs)
    result = run_playbook(AUDIT, emu, tmp_path, args=["--check"])
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-5000:]
    assert "500 active tokens were not used for 90 days or never used" in output
    assert "and 495 more." in output
    assert output.count("Token audit failed.") == 1
    # Only the first audit_show (5) findings are named, whichever they are in Cloudflare's order.
    assert len(set(re.findall(r"Token (svc-\d{3}) \(", output))) == 5 and len(output) < 20000


def test_a_revoked_token_is_reported_and_gets_no_write(emu, tmp_path):
    # Needs an emulator that seeds Cloudflare's "revoked (exposed)" status (a token found leaked).
    seeded = emu.admin.add_tokens("user", [{
        "name": "leaked-ci", "status": "revoked (exposed)", "last_used_on": rfc3339(datetime.timedelta(hours=-2)),
    }])[0]
    emu.clear_requests()
    result = run_playbook(AUDIT, emu, tmp_path, args=["--check"])
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-5000:]
    assert "1 token was revoked by Cloudflare and must be replaced" in output
    assert "Token leaked-ci (%s) is revoked (exposed)" % seeded["id"] in output
    assert api_writes(emu) == []
