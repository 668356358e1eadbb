# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""pytest fixtures for test suites: one real emulator per session, reset for every test.

Import them into a conftest.py; the emulator itself does not need pytest.
"""

import pytest

from .server import Emulator


@pytest.fixture(scope="session")
def emulator():
    """One emulator with the default seed for the whole session; prefer ``emu``, which resets it first."""
    with Emulator(host="127.0.0.1", port=0) as running:
        yield running


@pytest.fixture
def emu(emulator):  # pylint: disable=redefined-outer-name
    """The session emulator, back in its seed state (tokens, request log, faults)."""
    emulator.reset()
    yield emulator


@pytest.fixture(scope="session")
def empty_emulator():
    """An emulator seeded with the credentials only, no sample tokens; prefer ``empty_emu``."""
    with Emulator(host="127.0.0.1", port=0, seed="empty") as running:
        yield running


@pytest.fixture
def empty_emu(empty_emulator):  # pylint: disable=redefined-outer-name
    """The credentials-only emulator, reset."""
    empty_emulator.reset()
    yield empty_emulator
