# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Integration harness: real ansible-playbook runs against the emulator on 127.0.0.1."""

import os
import subprocess
import sys

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTION = os.path.dirname(TESTS)
sys.path.insert(0, os.path.join(TESTS, "emulator"))

import cfemu  # noqa: E402  pylint: disable=wrong-import-position
from cfemu.fixtures import emu, emulator, empty_emu, empty_emulator  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import

TARGETS = os.path.join(TESTS, "integration", "targets")


def playbook_env(emu, **extra):
    """The environment a user's job would have: credentials in CLOUDFLARE_* variables."""
    env = dict(os.environ)
    for name in list(env):
        if name.startswith("CLOUDFLARE_"):
            del env[name]
    env.update({
        "CLOUDFLARE_BASE_URL": emu.base_url,
        "CLOUDFLARE_API_TOKEN": cfemu.USER_API_TOKEN,
        "ANSIBLE_ROLES_PATH": TARGETS + os.pathsep + os.path.join(COLLECTION, "roles"),
        "ANSIBLE_COLLECTIONS_PATH": os.path.dirname(os.path.dirname(os.path.dirname(COLLECTION))),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_STDOUT_CALLBACK": "default",
        "PYTHONWARNINGS": "ignore",
    })
    env.update(extra)
    return env


def target_vars(emu, output_dir):
    return {
        "cfemu_url": emu.url,
        "cf_account_id": cfemu.ACCOUNT_ID,
        "cf_other_account_id": cfemu.OTHER_ACCOUNT_ID,
        "cf_user_token": cfemu.USER_API_TOKEN,
        "cf_account_token": cfemu.ACCOUNT_API_TOKEN,
        "cf_readonly_token": cfemu.READONLY_API_TOKEN,
        "cf_api_email": cfemu.API_EMAIL,
        "cf_api_key": cfemu.API_KEY,
        "output_dir": str(output_dir),
    }


def write_inventory(directory):
    path = os.path.join(str(directory), "inventory.ini")
    with open(path, "w") as handle:
        handle.write('localhost ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}"\n')
    return path


def run_playbook(playbook, emu, tmp_path, args=(), env=None, extra_vars=None):
    """Run ansible-playbook; returns the CompletedProcess (stdout and stderr as text)."""
    import json

    output_dir = tmp_path / "output"
    output_dir.mkdir(exist_ok=True)
    variables = target_vars(emu, output_dir)
    variables.update(extra_vars or {})
    vars_file = tmp_path / "vars.json"
    vars_file.write_text(json.dumps(variables))
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", write_inventory(tmp_path),
               "-e", "@%s" % vars_file, str(playbook)] + list(args)
    return subprocess.run(command, env=env or playbook_env(emu), cwd=str(tmp_path), capture_output=True, text=True, timeout=900, check=False)
