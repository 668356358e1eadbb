# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the reliability suite: session credentials, recorded emulators and the integration run."""

import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import reliability_harness as harness  # noqa: E402  pylint: disable=wrong-import-position
import playbook_runner  # noqa: E402  pylint: disable=wrong-import-position,wrong-import-order

# Integration targets are independent (one emulator each), so two run side by side.
INTEGRATION_WORKERS = int(os.environ.get("TOKENOPS_RELIABILITY_WORKERS", "2"))


@pytest.fixture(scope="session")
def audit():
    recorder = harness.Audit(harness.make_credentials())
    # The terminal summary prints what the checks counted.
    harness.SESSION_STATS = recorder.stats
    return recorder


@pytest.fixture
def emulators(audit):
    """Factory: ``emulators(label, seed="default")`` starts a recorded emulator, stopped after the test."""
    started = []

    def start(label, seed="default"):
        emu = audit.emulator(label, seed=seed)
        started.append((label, emu))
        return emu

    yield start
    for label, emu in started:
        audit.snapshot(emu, label)
        emu.stop()


@pytest.fixture(scope="session")
def integration_suite(audit, tmp_path_factory):
    """Every integration target, run once at -vvv --diff against its own recorded emulator.

    Returns {target: Run}. The secret scan and the API contract check both read this run.
    """

    def run_target(target):
        label = "integration:" + target
        emu = audit.emulator(label)
        try:
            workdir = tmp_path_factory.mktemp("integration-" + target)
            playbook = playbook_runner.write_target_playbook(workdir, target)
            return target, audit.play(label, playbook, emu, workdir)
        finally:
            audit.snapshot(emu, label)
            emu.stop()

    with ThreadPoolExecutor(max_workers=max(1, INTEGRATION_WORKERS)) as pool:
        runs = dict(pool.map(run_target, playbook_runner.integration_targets()))
    return runs


# The secret scan and the contract check read what the whole session recorded: run them last.
LAST = ("test_contract.py", "test_secrets.py")


def pytest_collection_modifyitems(session, config, items):
    del session, config
    items.sort(key=lambda item: LAST.index(item.fspath.basename) + 1 if item.fspath.basename in LAST else 0)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    del exitstatus, config
    stats = getattr(harness, "SESSION_STATS", None)
    if stats:
        terminalreporter.write_sep("-", "reliability counts")
        for name, values in sorted(stats.items()):
            terminalreporter.write_line("%s: %s" % (name, json.dumps(values, sort_keys=True)))
