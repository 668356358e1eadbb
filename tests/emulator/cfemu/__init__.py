# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cfemu: a local emulator of Cloudflare's v4 API-token endpoints.

    from cfemu import Emulator, USER_API_TOKEN
    with Emulator(port=0) as emu:
        ...  # talk HTTP to emu.base_url
"""

from .catalog import (
    PERMISSION_GROUPS,
    SCOPE_ACCOUNT,
    SCOPE_R2,
    SCOPE_USER,
    SCOPE_ZONE,
    group_id,
)
from .seed import (
    ACCOUNT_API_TOKEN,
    ACCOUNT_ID,
    API_EMAIL,
    API_KEY,
    OTHER_ACCOUNT_API_TOKEN,
    OTHER_ACCOUNT_ID,
    READONLY_API_TOKEN,
    USER_API_TOKEN,
    USER_ID,
)
from .client import AdminClient, AdminError
from .server import Emulator

__all__ = [
    "ACCOUNT_API_TOKEN",
    "ACCOUNT_ID",
    "AdminClient",
    "AdminError",
    "API_EMAIL",
    "API_KEY",
    "Emulator",
    "OTHER_ACCOUNT_API_TOKEN",
    "OTHER_ACCOUNT_ID",
    "PERMISSION_GROUPS",
    "READONLY_API_TOKEN",
    "SCOPE_ACCOUNT",
    "SCOPE_R2",
    "SCOPE_USER",
    "SCOPE_ZONE",
    "USER_API_TOKEN",
    "USER_ID",
    "group_id",
]
