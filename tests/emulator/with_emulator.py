# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a command against a freshly started local Cloudflare emulator, then stop it.

    python tests/emulator/with_emulator.py [--latency S] [--account] -- COMMAND...

The command gets the environment a job would get from an AWX credential:
CLOUDFLARE_BASE_URL and CLOUDFLARE_API_TOKEN (the seeded user token), plus
CLOUDFLARE_ACCOUNT_ID with --account, and CFEMU_URL for the admin endpoints.
"""

import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cfemu  # noqa: E402  pylint: disable=wrong-import-position


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every API response")
    parser.add_argument("--account", action="store_true", help="also export CLOUDFLARE_ACCOUNT_ID and use the account token")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("a command is required after --")
    with cfemu.Emulator(host="127.0.0.1", port=0, latency=args.latency) as emu:
        env = dict(os.environ, CLOUDFLARE_BASE_URL=emu.base_url, CFEMU_URL=emu.url,
                   CLOUDFLARE_API_TOKEN=cfemu.ACCOUNT_API_TOKEN if args.account else cfemu.USER_API_TOKEN)
        env.pop("CLOUDFLARE_ACCOUNT_ID", None)
        if args.account:
            env["CLOUDFLARE_ACCOUNT_ID"] = cfemu.ACCOUNT_ID
        print("Cloudflare emulator on %s" % emu.url, flush=True)
        return subprocess.call(command, env=env)


if __name__ == "__main__":
    sys.exit(main())
