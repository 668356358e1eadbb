# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit-test fixtures shared by every suite: a real emulator on 127.0.0.1."""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "emulator"))

import cfemu  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(scope="session")
def emulator():
    """One emulator for the whole session; prefer ``emu``, which resets it first."""
    with cfemu.Emulator(host="127.0.0.1", port=0) as running:
        yield running


@pytest.fixture
def emu(emulator):
    """The session emulator, back in its seed state (tokens, request log, faults)."""
    emulator.reset()
    yield emulator
