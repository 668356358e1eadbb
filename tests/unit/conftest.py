# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit-test fixtures shared by every suite: a real emulator on 127.0.0.1."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "emulator"))

from cfemu.fixtures import emu, emulator  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import
