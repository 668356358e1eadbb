# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``python -m cfemu``: starts, reports its port, answers, and stops cleanly on SIGTERM."""

import os
import signal
import subprocess
import sys
import time

import pytest
import requests

import cfemu

PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(cfemu.__file__)))


def start(tmp_path, *args):
    env = dict(os.environ, PYTHONPATH=PACKAGE_ROOT)
    return subprocess.Popen([sys.executable, "-m", "cfemu", "--host", "127.0.0.1", "--port", "0"] + list(args),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=str(tmp_path), text=True)


def wait_for(path, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            return int(open(path).read().strip())
        time.sleep(0.05)
    raise AssertionError("port file never appeared")


def test_cli_serves_and_stops_on_sigterm(tmp_path):
    port_file = str(tmp_path / "port")
    process = start(tmp_path, "--port-file", port_file, "--seed", "empty", "--api-key", "2" * 37)
    try:
        port = wait_for(port_file)
        assert cfemu.AdminClient("http://127.0.0.1:%d" % port).health() == {"ok": True}
        answer = requests.get("http://127.0.0.1:%d/client/v4/user/tokens" % port, timeout=5,
                              headers={"X-Auth-Email": cfemu.API_EMAIL, "X-Auth-Key": "2" * 37})
        assert [t["name"] for t in answer.json()["result"]] == ["tokenops-admin", "tokenops-readonly"]
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr
    assert stdout == "cfemu listening on http://127.0.0.1:%d\n" % port
    assert "2" * 37 not in stdout + stderr
    assert [name for name in os.listdir(str(tmp_path)) if name != "port"] == []


def test_cli_sigint_and_latency(tmp_path):
    process = start(tmp_path, "--latency", "0.05")
    try:
        line = process.stdout.readline()
        assert line.startswith("cfemu listening on http://127.0.0.1:")
        url = line.split(" on ", 1)[1].strip()
        started = time.monotonic()
        response = requests.get(url + "/client/v4/user/tokens/verify", timeout=5,
                                headers={"Authorization": "Bearer " + cfemu.USER_API_TOKEN})
        assert response.status_code == 200 and time.monotonic() - started >= 0.05
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0


def test_cli_lists_every_switch():
    env = dict(os.environ, PYTHONPATH=PACKAGE_ROOT)
    shown = subprocess.run([sys.executable, "-m", "cfemu", "--help"], capture_output=True, text=True, env=env, timeout=30, check=True)
    for name in cfemu.Emulator(seed="empty").settings():
        assert "--" + name.replace("_", "-") in shown.stdout


def test_cli_switches_reach_the_settings(tmp_path):
    port_file = str(tmp_path / "port")
    process = start(tmp_path, "--port-file", port_file, "--seed", "empty", "--no-condition-clear-on-empty",
                    "--enforce-conditions", "--permission-error-code", "9109", "--expired-window-days", "none",
                    "--user-token-quota", "7", "--account-token-quota", "none", "--rate-limit-requests", "20",
                    "--rate-limit-window", "2")
    try:
        port = wait_for(port_file)
        base = "http://127.0.0.1:%d" % port
        admin = cfemu.AdminClient(base)
        settings = admin.settings()
        assert settings == {"condition_clear_on_empty": False, "enforce_conditions": True, "permission_error_code": 9109,
                            "expired_window_days": None, "user_token_quota": 7, "account_token_quota": None,
                            "rate_limit_requests": 20, "rate_limit_window": 2}
        answer = requests.get(base + "/client/v4/user/tokens/verify", timeout=5, headers={"Authorization": "Bearer " + cfemu.USER_API_TOKEN})
        assert answer.headers["Ratelimit-Policy"] == '"default";q=20;w=2'
        # A reset goes back to the command line's settings, not to the defaults.
        admin.configure(user_token_quota=50)
        admin.reset()
        assert admin.settings()["user_token_quota"] == 7
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0


@pytest.mark.parametrize("args", [["--user-token-quota", "0"], ["--rate-limit-window", "-1"], ["--permission-error-code", "403"],
                                  ["--expired-window-days", "soon"]])
def test_cli_refuses_bad_switches(tmp_path, args):
    process = start(tmp_path, *args)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 2 and stdout == ""
    assert args[0] in stderr or args[0][2:].replace("-", "_") in stderr
