# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cf_token_roll through the ansible-playbook CLI: --diff and -v show what is rolled, never a secret."""

import os
import stat

import cfemu
from playbook_runner import COLLECTION, run_playbook

ROLL_TO_FILE = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Roll into a file
      tokenops.cloudflare.cf_token_roll:
        name: cli-roll
        value_path: "{{ value_path }}"
"""

ROLL_BY_ID = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Roll by id
      tokenops.cloudflare.cf_token_roll:
        id: "{{ token_id }}"
"""


def seed(emu, name):
    return emu.admin.add_tokens("user", [{"name": name}])[0]


def rolls(emu):
    return [r for r in emu.requests() if r["method"] == "PUT" and r["path"].endswith("/value")]


def test_diff_and_verbose_output_show_no_secret(emu, tmp_path):
    old = seed(emu, "cli-roll")
    value_file = tmp_path / "cli-roll.token"
    playbook = tmp_path / "roll.yml"
    playbook.write_text(ROLL_TO_FILE)

    result = run_playbook(playbook, emu, tmp_path, args=["--diff", "-v"], extra_vars={"value_path": str(value_file)})
    output = result.stdout + result.stderr
    assert result.returncode == 0, output

    new = value_file.read_text()
    assert new and new != old["value"]
    assert new not in output
    assert old["value"] not in output
    assert cfemu.USER_API_TOKEN not in output
    assert '-    "value": "(current secret)"' in output
    assert '+    "value": "(new secret, not shown)"' in output
    assert old["id"] in output
    assert len(rolls(emu)) == 1


def test_check_diff_shows_the_change_and_sends_no_roll(emu, tmp_path):
    old = seed(emu, "cli-check")
    playbook = tmp_path / "roll.yml"
    playbook.write_text(ROLL_BY_ID)

    result = run_playbook(playbook, emu, tmp_path, args=["--check", "--diff", "-v"], extra_vars={"token_id": old["id"]})
    output = result.stdout + result.stderr
    assert result.returncode == 0, output

    assert "changed=1" in output
    assert '+    "value": "(new secret, not shown)"' in output
    assert old["value"] not in output
    assert cfemu.USER_API_TOKEN not in output
    assert rolls(emu) == []


def test_shipped_rotate_playbook_rolls_stores_and_verifies(emu, tmp_path):
    old = seed(emu, "cli-rotate")
    value_file = tmp_path / "cli-rotate.token"
    playbook = os.path.join(COLLECTION, "playbooks", "rotate.yml")

    result = run_playbook(playbook, emu, tmp_path, args=["--diff", "-v"],
                          extra_vars={"rotate_token_name": "cli-rotate", "rotate_value_path": str(value_file)})
    output = result.stdout + result.stderr
    assert result.returncode == 0, output

    new = value_file.read_text()
    assert new and new != old["value"]
    assert stat.S_IMODE(os.stat(str(value_file)).st_mode) == 0o600
    assert new not in output and old["value"] not in output
    assert "cli-rotate (%s) has a new value in %s, and it works." % (old["id"], value_file) in output
    assert len(rolls(emu)) == 1
    verify = [r for r in emu.requests() if r["path"] == "/user/tokens/verify"]
    assert len(verify) == 1 and verify[0]["status"] == 200
