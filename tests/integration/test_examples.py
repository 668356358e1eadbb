# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every module's EXAMPLES, run as written by ansible-playbook against the emulator.

Examples are documentation users paste; this keeps them working. Only two things are adapted:
file paths in value_path and value_dir (they point at illustrative locations such as /etc/ci) are moved into the
test's directory, and a literal token id is replaced by the id of a token seeded for it.
"""

import ast
import datetime
import glob
import json
import os
import re

import pytest
import yaml

import cfemu
from cfemu.zones import DEFAULT_ZONES
from playbook_runner import COLLECTION, job_env, run_playbook

MODULES = sorted(glob.glob(os.path.join(COLLECTION, "plugins", "modules", "*.py")))
TOKEN_ID = re.compile(r"^[0-9a-f]{32}$")


def module_docs(path):
    """DOCUMENTATION, EXAMPLES and RETURN of a module, read without importing it."""
    with open(path) as handle:
        tree = ast.parse(handle.read(), path)
    docs = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            if node.targets[0].id in ("DOCUMENTATION", "EXAMPLES", "RETURN"):
                docs[node.targets[0].id] = node.value.value
    return docs


@pytest.fixture
def emu(empty_emu):
    # Credentials only, so that an audit example meets no token it would rightly complain about.
    return empty_emu


def seed_account_tokens(emu):
    """Tokens the examples refer to, recently used like any token in service."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    specs = [{"name": name, "last_used_on": now,
              "policies": [{"permission_groups": [{"name": "DNS Write"}, {"name": "Zone Read"}],
                            "resources": {"com.cloudflare.api.account.zone.*": "*"}}]}
             for name in ("ci-dns-editor", "example-by-id")]
    seeded = emu.admin.add_tokens("account:%s" % cfemu.ACCOUNT_ID, specs)
    # The zones the examples name, as the default seed has them.
    emu.admin.add_zones({"name": name, "account_id": account} for name, account in DEFAULT_ZONES)
    return dict((t["name"], t) for t in seeded)


def adapt(task, files_dir, token_id):
    task = dict(task)
    for key, args in task.items():
        if key.startswith("tokenops.cloudflare.") and isinstance(args, dict):
            args = dict(args)
            if isinstance(args.get("value_path"), str):
                args["value_path"] = os.path.join(files_dir, os.path.basename(args["value_path"]))
            if isinstance(args.get("value_dir"), str):
                args["value_dir"] = files_dir
            if isinstance(args.get("id"), str) and TOKEN_ID.match(args["id"]):
                args["id"] = token_id
            task[key] = args
    return task


def module_names():
    return [os.path.basename(path)[:-3] for path in MODULES]


def test_every_module_has_examples():
    assert module_names(), "no modules found"
    for path in MODULES:
        tasks = yaml.safe_load(module_docs(path).get("EXAMPLES") or "null")
        assert isinstance(tasks, list) and tasks, "%s has no EXAMPLES" % path
        assert all("name" in task for task in tasks), "%s: every example task needs a name" % path


@pytest.mark.parametrize("module", module_names())
def test_examples_run_as_written(module, emu, tmp_path):
    seeded = seed_account_tokens(emu)
    files_dir = tmp_path / "files"
    files_dir.mkdir()
    tasks = yaml.safe_load(module_docs(os.path.join(COLLECTION, "plugins", "modules", module + ".py"))["EXAMPLES"])
    play = [{"name": "EXAMPLES of %s" % module, "hosts": "localhost", "gather_facts": False,
             "tasks": [adapt(task, str(files_dir), seeded["example-by-id"]["id"]) for task in tasks]}]
    playbook = tmp_path / "examples.yml"
    playbook.write_text(json.dumps(play, indent=1))
    # The account credential and account id an AWX credential would inject, so that both the examples
    # that name account_id and those that rely on the environment work on the same account.
    env = job_env(emu, CLOUDFLARE_API_TOKEN=cfemu.ACCOUNT_API_TOKEN, CLOUDFLARE_ACCOUNT_ID=cfemu.ACCOUNT_ID)

    result = run_playbook(playbook, emu, tmp_path, env=env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-10000:]
    assert "failed=0" in result.stdout
    assert cfemu.ACCOUNT_API_TOKEN not in output
    for token in seeded.values():
        assert token["value"] not in output
    for stored in files_dir.iterdir():
        assert stored.read_text() not in output
