# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    """Attribute documentation shared by the modules."""

    DOCUMENTATION = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/tokenops.cloudflare.cloudflare) in C(module_defaults) to set connection options once.
    support: full
    membership:
      - tokenops.cloudflare.cloudflare
"""

    ACTIONS = r"""
options: {}
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying Cloudflare.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in C(check_mode)), when in diff mode.
    support: full
"""

    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    description: This module never changes anything; it runs normally in C(check_mode).
    support: full
    details:
      - This action does not modify state.
  diff_mode:
    description: Nothing changes, so there is no diff to show.
    support: N/A
    details:
      - This action does not modify state.
"""
