# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Command line: run the emulator in the foreground until SIGTERM or SIGINT."""

import argparse
import os
import signal
import sys
import tempfile
import threading

from . import settings as switches
from .seed import SEEDS
from .server import Emulator


def _optional(kind):
    """argparse type: a number, or "none" for no limit."""
    def parse(text):
        if text.strip().lower() in ("none", "null", "off"):
            return None
        try:
            return kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError("%r is not a number or none" % text) from None
    return parse


def add_setting_flags(parser):
    """One flag per behaviour switch (cfemu.settings), named after it; defaults are the emulator's."""
    group = parser.add_argument_group("behaviour switches (also settable with POST /__emulator/settings)")
    for name, (default, kind, text) in sorted(switches.SPECS.items()):
        flag = "--" + name.replace("_", "-")
        help_text = "%s (default: %s)" % (text, "none" if default is None else default)
        if kind == "bool":
            group.add_argument(flag, dest=name, action=argparse.BooleanOptionalAction, default=None, help=help_text)
        elif kind == "permission_code":
            group.add_argument(flag, dest=name, type=int, choices=switches.PERMISSION_CODES, default=None, help=help_text)
        elif kind == "optional_count":
            group.add_argument(flag, dest=name, type=_optional(int), default=argparse.SUPPRESS, metavar="N|none", help=help_text)
        elif kind == "optional_number":
            group.add_argument(flag, dest=name, type=_optional(float), default=argparse.SUPPRESS, metavar="N|none", help=help_text)
        else:
            group.add_argument(flag, dest=name, type=float, default=None, metavar="SECONDS", help=help_text)


def setting_changes(args):
    """The switches given on the command line (the others keep their defaults)."""
    changes = {}
    for name, (_default, kind, _text) in switches.SPECS.items():
        if not hasattr(args, name):
            continue
        value = getattr(args, name)
        if value is None and not kind.startswith("optional"):
            continue
        if isinstance(value, float) and value == int(value):
            value = int(value)
        changes[name] = value
    return changes


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m cfemu", description="Local Cloudflare API-token endpoint emulator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every API request")
    parser.add_argument("--seed", choices=SEEDS, default="default")
    parser.add_argument("--port-file", help="write the bound port number to this file once listening")
    parser.add_argument("--api-token", help="value of the seeded user token tokenops-admin")
    parser.add_argument("--account-token", help="value of the seeded account token tokenops-account-admin")
    parser.add_argument("--api-email", help="e-mail of the global API key")
    parser.add_argument("--api-key", help="the global API key")
    add_setting_flags(parser)
    args = parser.parse_args(argv)
    try:
        args.settings = switches.validate(setting_changes(args))
    except ValueError as error:
        parser.error(str(error))
    return args


def write_port_file(path, port):
    # Write-then-rename: a watcher never reads a half-written file.
    directory = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(prefix=".cfemu-port-", dir=directory)
    with os.fdopen(fd, "w") as handle:
        handle.write("%d\n" % port)
    os.replace(temporary, path)


def main(argv=None):
    args = parse_args(argv)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    emulator = Emulator(host=args.host, port=args.port, latency=args.latency, seed=args.seed,
                        api_token=args.api_token, account_token=args.account_token,
                        api_email=args.api_email, api_key=args.api_key, settings=args.settings)
    emulator.start()
    try:
        if args.port_file:
            write_port_file(args.port_file, emulator.port)
        sys.stdout.write("cfemu listening on %s\n" % emulator.url)
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
