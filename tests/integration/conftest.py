# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Integration harness: real ansible-playbook runs (tests/lib/playbook_runner.py) against the emulator on 127.0.0.1."""

import os
import sys

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(TESTS, "lib"), os.path.join(TESTS, "emulator")]

from cfemu.fixtures import emu, emulator, empty_emu, empty_emulator  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import
