# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Command line: run the emulator in the foreground until SIGTERM or SIGINT."""

import argparse
import os
import signal
import sys
import tempfile
import threading

from .seed import SEEDS
from .server import Emulator


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
    return parser.parse_args(argv)


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
                        api_email=args.api_email, api_key=args.api_key)
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
