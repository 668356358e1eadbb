# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator of one ansible-test run: started by the first target that needs it, reused by the others.

    python cfemu_service.py

prints one JSON object: the emulator's url, whether this call started it, and the seeded account ids and
credentials (public, fake values). The emulator runs detached and stops by itself once the process it
serves has ended: the ansible-test run above this call (or, outside ansible-test, the ansible-playbook
run), checked twice a second. Its state file, named after that process, is how the next target finds it.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

WAIT_FOR_START = 20
POLL = 0.5


def emulator_dir():
    """tests/emulator of the collection this file belongs to (ansible-test runs a copy inside tests/output)."""
    directory = os.path.dirname(os.path.abspath(__file__))
    while True:
        candidate = os.path.join(directory, "tests", "emulator")
        if os.path.isfile(os.path.join(candidate, "cfemu", "__init__.py")):
            return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            raise SystemExit("tests/emulator/cfemu not found above %s" % __file__)
        directory = parent


def parent_and_command(pid):
    output = subprocess.run(["ps", "-o", "ppid=", "-o", "args=", "-p", str(pid)], capture_output=True, text=True, check=False).stdout
    ppid, _sep, command = output.strip().partition(" ")
    return (int(ppid), command) if ppid.isdigit() else (0, "")


def run_owner():
    """The pid whose end ends the emulator: the nearest ansible-test above us, else the outermost ansible-playbook."""
    pid, playbook = os.getppid(), None
    while pid > 1:
        ppid, command = parent_and_command(pid)
        words = [os.path.basename(word) for word in command.split()[:3]]
        if "ansible-test" in words:
            return pid
        if "ansible-playbook" in words:
            playbook = pid
        pid = ppid
    return playbook or os.getppid()


def state_path(owner):
    directory = os.path.join(tempfile.gettempdir(), "tokenops-cfemu-%d" % os.getuid())
    os.makedirs(directory, mode=0o700, exist_ok=True)
    return os.path.join(directory, "%d.json" % owner)


def read_state(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def healthy(url):
    try:
        with urllib.request.urlopen(url + "/__emulator/health", timeout=2) as answer:
            return json.load(answer).get("ok") is True
    except (OSError, ValueError):
        return False


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def ensure():
    owner = run_owner()
    path = state_path(owner)
    state = read_state(path)
    started = False
    if not (state and healthy(state["url"])):
        if os.path.exists(path):
            os.unlink(path)
        with open(os.devnull, "rb") as devnull_in, open(path + ".log", "ab") as log:
            subprocess.Popen([sys.executable, os.path.abspath(__file__), "serve", str(owner), path],  # pylint: disable=consider-using-with
                             stdin=devnull_in, stdout=log, stderr=log, start_new_session=True, close_fds=True)
        deadline = time.monotonic() + WAIT_FOR_START
        while not (state and healthy(state["url"])):
            if time.monotonic() > deadline:
                raise SystemExit("the emulator did not start within %ds; see %s.log" % (WAIT_FOR_START, path))
            time.sleep(0.1)
            state = read_state(path)
        started = True
    sys.path.insert(0, emulator_dir())
    import cfemu  # pylint: disable=import-outside-toplevel
    print(json.dumps({
        "url": state["url"],
        "started": started,
        "pid": state["pid"],
        "owner": owner,
        "account_id": cfemu.ACCOUNT_ID,
        "other_account_id": cfemu.OTHER_ACCOUNT_ID,
        "user_token": cfemu.USER_API_TOKEN,
        "account_token": cfemu.ACCOUNT_API_TOKEN,
        "readonly_token": cfemu.READONLY_API_TOKEN,
        "api_email": cfemu.API_EMAIL,
        "api_key": cfemu.API_KEY,
    }))


def serve(owner, path):
    sys.path.insert(0, emulator_dir())
    import cfemu  # pylint: disable=import-outside-toplevel
    emulator = cfemu.Emulator(host="127.0.0.1", port=0).start()
    try:
        fd, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".cfemu-state-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"url": emulator.url, "pid": os.getpid(), "owner": owner}, handle)
        os.replace(temporary, path)
        while alive(owner):
            time.sleep(POLL)
    finally:
        emulator.stop()
        if (read_state(path) or {}).get("pid") == os.getpid():
            os.unlink(path)
            if os.path.exists(path + ".log") and not os.path.getsize(path + ".log"):
                os.unlink(path + ".log")


def main(argv):
    if argv[:1] == ["serve"]:
        serve(int(argv[1]), argv[2])
    else:
        ensure()


if __name__ == "__main__":
    main(sys.argv[1:])
