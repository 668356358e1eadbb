# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a real ansible-playbook against an emulator the way a user's job runs: the runner of every suite.

tests/integration, tests/reliability and benchmarks/run.py use it. Import it with tests/lib and
tests/emulator on sys.path (their conftest.py, or the script, puts both there).
"""

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile

import cfemu

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTION = os.path.dirname(TESTS)
TARGETS = os.path.join(TESTS, "integration", "targets")
INVENTORY = 'localhost ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}"\n'

_linked_collections = []


def ansible_playbook():
    """The ansible-playbook of this interpreter's environment, else the first on PATH."""
    found = shutil.which("ansible-playbook", path=os.path.dirname(sys.executable)) or shutil.which("ansible-playbook")
    if not found:
        raise RuntimeError("ansible-playbook not found next to %s nor on PATH" % sys.executable)
    return found


def collections_path():
    """A directory for ANSIBLE_COLLECTIONS_PATH in which tokenops.cloudflare is this checkout.

    A staged .../ansible_collections/tokenops/cloudflare tree is used as it is; a plain checkout
    gets a private directory (removed at exit) with a link to it.
    """
    parts = COLLECTION.rstrip(os.sep).split(os.sep)
    if parts[-3:-2] == ["ansible_collections"] and parts[-2:] == ["tokenops", "cloudflare"]:
        return os.sep.join(parts[:-3]) or os.sep
    if not _linked_collections:
        scratch = tempfile.mkdtemp(prefix="tokenops-collections-")
        atexit.register(shutil.rmtree, scratch, True)
        os.makedirs(os.path.join(scratch, "ansible_collections", "tokenops"))
        os.symlink(COLLECTION, os.path.join(scratch, "ansible_collections", "tokenops", "cloudflare"))
        _linked_collections.append(scratch)
    return _linked_collections[0]


def job_env(emu, **extra):
    """The environment a user's job would have: credentials in CLOUDFLARE_* variables (the seeded user token).

    No CLOUDFLARE_* or ANSIBLE_* variable of the calling process gets through; ``extra`` adds or overrides.
    """
    env = dict((name, value) for name, value in os.environ.items() if not name.startswith(("CLOUDFLARE_", "ANSIBLE_")))
    env.update({
        "CLOUDFLARE_BASE_URL": emu.base_url,
        "CLOUDFLARE_API_TOKEN": cfemu.USER_API_TOKEN,
        "ANSIBLE_ROLES_PATH": TARGETS + os.pathsep + os.path.join(COLLECTION, "roles"),
        "ANSIBLE_COLLECTIONS_PATH": collections_path(),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_STDOUT_CALLBACK": "default",
        "PYTHONWARNINGS": "ignore",
    })
    env.update(extra)
    return env


def integration_targets():
    """The names of the integration targets a playbook can run as roles (setup_* ones are their helpers)."""
    return [name for name in sorted(os.listdir(TARGETS))
            if not name.startswith("setup_") and os.path.isfile(os.path.join(TARGETS, name, "tasks", "main.yml"))]


def write_target_playbook(directory, target):
    """A playbook that applies integration target ``target`` as a role on localhost; returns its path."""
    path = os.path.join(str(directory), "target.yml")
    with open(path, "w") as handle:
        handle.write("- hosts: localhost\n  gather_facts: false\n  roles:\n    - %s\n" % target)
    return path


def target_vars(emu, output_dir):
    """The variables the integration targets expect (what setup_emulator provides under ansible-test)."""
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
    """A localhost inventory that runs modules with ansible-playbook's own interpreter; returns its path."""
    path = os.path.join(str(directory), "inventory.ini")
    with open(path, "w") as handle:
        handle.write(INVENTORY)
    return path


def run(playbook, workdir, env, args=(), extra_vars=None, timeout=900):
    """ansible-playbook on localhost with ``extra_vars`` (a vars file), from ``workdir``; the CompletedProcess, as text."""
    workdir = str(workdir)
    vars_file = os.path.join(workdir, "vars.json")
    with open(vars_file, "w") as handle:
        json.dump(extra_vars or {}, handle)
    command = [ansible_playbook(), "-i", write_inventory(workdir), "-e", "@" + vars_file, str(playbook)] + list(args)
    return subprocess.run(command, env=env, cwd=workdir, capture_output=True, text=True, timeout=timeout, check=False)


def run_playbook(playbook, emu, tmp_path, args=(), env=None, extra_vars=None):
    """``run`` with the target variables of ``emu`` (output_dir is tmp_path/output), then ``extra_vars``."""
    output_dir = os.path.join(str(tmp_path), "output")
    os.makedirs(output_dir, exist_ok=True)
    variables = target_vars(emu, output_dir)
    variables.update(extra_vars or {})
    return run(playbook, tmp_path, env or job_env(emu), args=args, extra_vars=variables)
