# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/export.yml writes declarations that the tokens role converges with zero writes."""

import os

import yaml

import cfemu
from playbook_runner import COLLECTION, TESTS, run_playbook

EXPORT = os.path.join(COLLECTION, "playbooks", "export.yml")
TOKENS_PLAY = os.path.join(TESTS, "integration", "roles", "tokens.yml")


def test_export_then_role_is_a_zero_write_round_trip(emu, tmp_path):
    path = tmp_path / "declared.yml"
    exported = run_playbook(EXPORT, emu, tmp_path, extra_vars={"export_path": str(path)})
    assert exported.returncode == 0, exported.stdout[-5000:]
    declared = yaml.safe_load(path.read_text())["cloudflare_tokens"]
    assert {"tokenops-admin", "ci-dns-edit", "legacy-disabled"} <= set(t["name"] for t in declared)
    assert all("value" not in t for t in declared)
    assert cfemu.USER_API_TOKEN not in path.read_text()
    emu.clear_requests()
    converged = run_playbook(TOKENS_PLAY, emu, tmp_path, args=["-e", "@%s" % path])
    assert converged.returncode == 0, converged.stdout[-5000:]
    assert "changed=0" in converged.stdout
    assert [r for r in emu.requests() if r["method"] != "GET"] == []
