# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWX: the credential type in docs/awx, a job run the way AWX runs it (ansible-runner, credentials injected as
environment), and a project sync of this repository (collections/requirements.yml)."""

import os
import shutil
import stat
import subprocess
import sys

import pytest
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

import cfemu
from playbook_runner import COLLECTION

# The modules' own option table, imported from the collection under test.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(COLLECTION))))
from ansible_collections.tokenops.cloudflare.plugins.module_utils.cloudflare_module import (  # noqa: E402  pylint: disable=wrong-import-position
    ENVIRONMENT,
    connection_argument_spec,
)

BIN = os.path.dirname(sys.executable)
CREDENTIAL_TYPE = os.path.join(COLLECTION, "docs", "awx", "credential_type.yml")


@pytest.fixture(scope="module")
def credential_type():
    with open(CREDENTIAL_TYPE) as handle:
        return yaml.safe_load(handle)


def module_env_options():
    """{environment variable: (option, no_log)} for every connection option read from the environment."""
    found = {}
    for option, spec in connection_argument_spec().items():
        for name in ENVIRONMENT.get(option, ()):
            found[name] = (option, bool(spec.get("no_log")))
    return found


def inject(credential_type, inputs):
    """The environment AWX gives a job: every injector rendered, a blank input rendering as empty."""
    sandbox = ImmutableSandboxedEnvironment()
    given = dict((key, value) for key, value in inputs.items() if value)
    return dict((name, sandbox.from_string(template).render(**given)) for name, template in credential_type["injectors"]["env"].items())


def test_every_injected_variable_is_read_by_the_modules(credential_type):
    read = module_env_options()
    injected = set(credential_type["injectors"]["env"])
    assert injected <= set(read), "not read by any module: %s" % sorted(injected - set(read))
    # Each connection option that can come from the environment gets a way in (aliases such as CLOUDFLARE_TOKEN aside).
    options = set(option for option, _no_log in read.values())
    covered = set(read[name][0] for name in injected)
    assert covered == options


def test_secret_inputs_are_marked_secret(credential_type):
    read = module_env_options()
    fields = dict((field["id"], field) for field in credential_type["inputs"]["fields"])
    assert set(credential_type["inputs"].get("required", [])) <= set(fields)
    for name, template in credential_type["injectors"]["env"].items():
        used = [field for field in fields if "{{ %s " % field in template or "{{ %s}}" % field in template]
        assert len(used) == 1, (name, template)
        option, no_log = read[name]
        assert fields[used[0]]["id"] == option
        assert fields[used[0]].get("secret", False) is no_log, "%s must be secret: %s" % (used[0], no_log)
    assert fields["api_token"]["secret"] is True and fields["api_key"]["secret"] is True


def test_blank_base_url_falls_back_to_the_public_api(credential_type):
    env = inject(credential_type, {"api_token": "x", "account_id": "", "base_url": ""})
    assert env["CLOUDFLARE_BASE_URL"] == "https://api.cloudflare.com/client/v4"
    assert env["CLOUDFLARE_EMAIL"] == "" and env["CLOUDFLARE_API_KEY"] == ""


def private_data_dir(tmp_path, envvars):
    """An ansible-runner private data directory laid out as AWX lays out a job's."""
    pdd = tmp_path / "job"
    (pdd / "project").mkdir(parents=True)
    (pdd / "env").mkdir()
    (pdd / "inventory").mkdir()
    shutil.copy(os.path.join(COLLECTION, "playbooks", "demo.yml"), str(pdd / "project" / "demo.yml"))
    (pdd / "inventory" / "hosts").write_text("localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)
    (pdd / "env" / "envvars").write_text(yaml.safe_dump(envvars))
    os.chmod(str(pdd / "env" / "envvars"), stat.S_IRUSR | stat.S_IWUSR)
    return pdd


def test_demo_job_through_ansible_runner_with_injected_credentials(credential_type, emu, tmp_path):
    envvars = inject(credential_type, {
        "api_token": cfemu.ACCOUNT_API_TOKEN,
        "account_id": cfemu.ACCOUNT_ID,
        "base_url": emu.base_url,
    })
    envvars.update({
        "ANSIBLE_COLLECTIONS_PATH": os.path.dirname(os.path.dirname(os.path.dirname(COLLECTION))),
        "DEMO_DIR": str(tmp_path),
        "ANSIBLE_NOCOLOR": "1",
    })
    pdd = private_data_dir(tmp_path, envvars)
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(("CLOUDFLARE_", "ANSIBLE_")))
    env["PATH"] = BIN + os.pathsep + env.get("PATH", "")
    emu.clear_requests()

    result = subprocess.run([os.path.join(BIN, "ansible-runner"), "run", str(pdd), "-p", "demo.yml", "--ident", "demo"],
                            env=env, capture_output=True, text=True, timeout=600, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-8000:]
    artifacts = pdd / "artifacts" / "demo"
    assert (artifacts / "status").read_text().strip() == "successful"
    assert (artifacts / "rc").read_text().strip() == "0"

    account = "/accounts/%s/tokens" % cfemu.ACCOUNT_ID
    calls = [(r["method"], r["path"], r["auth"]) for r in emu.requests()]
    assert ("POST", account, "token") in calls
    assert any(method == "PUT" and path.startswith(account) and path.endswith("/value") for method, path, _auth in calls)
    assert any(method == "DELETE" and path.startswith(account) for method, path, _auth in calls)
    # What AWX would store as the job's output holds no credential.
    stored = (artifacts / "stdout").read_text()
    assert "demo-dns-editor" in stored
    assert cfemu.ACCOUNT_API_TOKEN not in stored and cfemu.ACCOUNT_API_TOKEN not in output


def test_blank_account_id_means_the_users_tokens(credential_type, emu, tmp_path):
    envvars = inject(credential_type, {"api_token": cfemu.USER_API_TOKEN, "account_id": "", "base_url": emu.base_url})
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith("CLOUDFLARE_"))
    env.update(envvars)
    env.update({"ANSIBLE_COLLECTIONS_PATH": os.path.dirname(os.path.dirname(os.path.dirname(COLLECTION))), "ANSIBLE_NOCOLOR": "1"})
    result = subprocess.run([os.path.join(BIN, "ansible"), "localhost", "-c", "local", "-i", "localhost,",
                             "-e", "ansible_python_interpreter=%s" % sys.executable,
                             "-m", "tokenops.cloudflare.cf_token_info", "-a", "verify=true"],
                            env=env, cwd=str(tmp_path), capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout[-3000:]
    assert '"status": "active"' in result.stdout


def test_project_sync_installs_this_checkout_for_the_shipped_playbooks(tmp_path):
    """AWX syncs a project by running ansible-galaxy on collections/requirements.yml in the project root;
    with this repository as the project, the shipped playbooks must then find the collection."""
    installed = tmp_path / "requirements_collections"
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith("ANSIBLE_"))
    env.update({"PATH": BIN + os.pathsep + env.get("PATH", ""), "ANSIBLE_NOCOLOR": "1"})
    sync = subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "-r", "collections/requirements.yml",
                           "--collections-path", str(installed)],
                          cwd=COLLECTION, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert sync.returncode == 0, sync.stdout[-3000:] + sync.stderr[-3000:]
    copy = installed / "ansible_collections" / "tokenops" / "cloudflare"
    with open(os.path.join(COLLECTION, "galaxy.yml")) as handle:
        version = yaml.safe_load(handle)["version"]
    assert '"version": "%s"' % version in (copy / "MANIFEST.json").read_text()
    # The requirements file itself is not collection content.
    assert not (copy / "collections").exists()
    # A job resolves the modules and roles of the playbooks from what the sync installed, and from nothing else:
    # the playbooks are copied out of the collection tree, as a project checkout holds them.
    project = tmp_path / "project"
    shutil.copytree(os.path.join(COLLECTION, "playbooks"), str(project / "playbooks"))
    env["ANSIBLE_COLLECTIONS_PATH"] = str(installed)
    for playbook in ("audit.yml", "rotate.yml", "export.yml"):
        check = subprocess.run([os.path.join(BIN, "ansible-playbook"), "--syntax-check", "-i", "localhost,", "playbooks/" + playbook],
                               cwd=str(project), env=env, capture_output=True, text=True, timeout=300, check=False)
        assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-3000:]
