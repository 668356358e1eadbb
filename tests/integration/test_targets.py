# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every integration target, run as a role by a real ansible-playbook against a fresh emulator."""

import os

import pytest

from conftest import TARGETS, run_playbook


def targets():
    names = []
    for name in sorted(os.listdir(TARGETS)):
        if name.startswith("setup_") or not os.path.isfile(os.path.join(TARGETS, name, "tasks", "main.yml")):
            continue
        names.append(name)
    return names


@pytest.mark.parametrize("target", targets())
def test_target(target, emu, tmp_path):
    playbook = tmp_path / "target.yml"
    playbook.write_text("- hosts: localhost\n  gather_facts: false\n  roles:\n    - %s\n" % target)
    result = run_playbook(playbook, emu, tmp_path)
    assert result.returncode == 0, "%s failed:\n%s\n%s" % (target, result.stdout[-20000:], result.stderr[-5000:])
    assert "failed=0" in result.stdout
