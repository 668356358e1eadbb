# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection as users get it: galaxy tarball, installed copy, execution environment build context."""

import os
import subprocess
import sys
import tarfile

import pytest
import yaml

import playbook_runner
from playbook_runner import COLLECTION, job_env

BIN = os.path.dirname(sys.executable)
JUNK = (".venv/", ".ci/", ".git/", ".pytest_cache/", "__pycache__", "tests/output", ".benchmarks/", ".ansible/")
SHIPPED = (
    "MANIFEST.json", "FILES.json", "requirements.txt", "meta/runtime.yml", "meta/execution-environment.yml",
    "plugins/modules/cf_token.py", "plugins/modules/cf_token_info.py", "plugins/modules/cf_token_roll.py",
    "plugins/modules/cf_permission_group_info.py", "plugins/module_utils/cloudflare_api.py",
    "roles/tokens/meta/argument_specs.yml", "roles/rotate/meta/argument_specs.yml", "playbooks/demo.yml",
    "docs/awx/credential_type.yml", "docs/docsite/extra-docs.yml",
)


def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False, **kwargs)
    assert result.returncode == 0, "%s failed:\n%s\n%s" % (" ".join(command), result.stdout[-5000:], result.stderr[-5000:])
    return result


def tool_env(**extra):
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get("PATH", ""), ANSIBLE_NOCOLOR="1")
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The collection built with ansible-galaxy and installed from the tarball into a fresh path."""
    root = tmp_path_factory.mktemp("packaging")
    dist = root / "dist"
    run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path", str(dist), COLLECTION], env=tool_env())
    tarballs = list(dist.glob("tokenops-cloudflare-*.tar.gz"))
    assert len(tarballs) == 1, tarballs
    installed = root / "installed"
    run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--offline", "-p", str(installed), str(tarballs[0])],
        env=tool_env(ANSIBLE_COLLECTIONS_PATH=str(installed)))
    return {"root": root, "tarball": tarballs[0], "installed": installed}


def test_tarball_ships_the_collection_and_no_junk(built):
    with tarfile.open(str(built["tarball"])) as archive:
        members = archive.getnames()
    junk = [m for m in members if any(part in m + "/" for part in JUNK) or m.endswith((".pyc", ".tar.gz"))]
    assert junk == []
    missing = [path for path in SHIPPED if path not in members]
    assert missing == []
    installed = built["installed"] / "ansible_collections" / "tokenops" / "cloudflare"
    assert (installed / "MANIFEST.json").is_file()


def test_demo_runs_from_the_installed_collection(built, emu, tmp_path):
    installed = str(built["installed"])
    env = job_env(emu, ANSIBLE_COLLECTIONS_PATH=installed, ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
                  ANSIBLE_ROLES_PATH=str(tmp_path), DEMO_DIR=str(tmp_path), PATH=tool_env()["PATH"])
    # ansible-doc names the directory a role comes from: it must be the installed copy.
    doc = run([os.path.join(BIN, "ansible-doc"), "-t", "role", "tokenops.cloudflare.tokens"], env=env, cwd=str(tmp_path))
    assert os.path.join(installed, "ansible_collections", "tokenops", "cloudflare") in doc.stdout

    emu.clear_requests()
    # Run by its collection name, so the playbook itself comes from the installed copy too.
    result = playbook_runner.run("tokenops.cloudflare.demo", tmp_path, env, timeout=300)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-3000:]
    assert "failed=0" in result.stdout
    calls = [(r["method"], r["path"]) for r in emu.requests()]
    assert ("POST", "/user/tokens") in calls
    assert any(method == "PUT" and path.endswith("/value") for method, path in calls)
    assert any(method == "DELETE" for method, path in calls)


def test_execution_environment_build_context(built, tmp_path):
    # ansible-builder reads meta/execution-environment.yml of every installed collection.
    introspect = run([os.path.join(BIN, "ansible-builder"), "introspect", str(built["installed"])], env=tool_env())
    with open(os.path.join(COLLECTION, "requirements.txt")) as handle:
        floor = [line.strip() for line in handle if line.strip().startswith("requests")][0]
    assert floor in introspect.stdout, introspect.stdout
    assert "tokenops.cloudflare" in introspect.stdout, introspect.stdout

    definition = tmp_path / "execution-environment.yml"
    definition.write_text(yaml.safe_dump({
        "version": 3,
        "images": {"base_image": {"name": "quay.io/ansible/awx-ee:latest"}},
        "dependencies": {
            "ansible_core": {"package_pip": "ansible-core>=2.19,<2.20"},
            "ansible_runner": {"package_pip": "ansible-runner"},
            "galaxy": {"collections": [{"name": "collections/%s" % built["tarball"].name, "type": "file"}]},
        },
        "additional_build_files": [{"src": str(built["tarball"]), "dest": "collections"}],
    }))
    context = tmp_path / "context"
    run([os.path.join(BIN, "ansible-builder"), "create", "-f", str(definition), "-c", str(context), "--output-filename", "Dockerfile"],
        env=tool_env(), cwd=str(tmp_path))
    dockerfile = (context / "Dockerfile").read_text()
    assert "quay.io/ansible/awx-ee:latest" in dockerfile
    assert "ansible-galaxy collection install" in dockerfile
    assert (context / "_build" / "collections" / built["tarball"].name).is_file()
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    assert requirements["collections"][0]["name"] == "collections/%s" % built["tarball"].name
