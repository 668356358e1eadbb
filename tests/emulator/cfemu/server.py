# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP transport and the ``Emulator`` object that owns server, state and faults."""

import copy
import http.server
import json
import secrets
import socket
import struct
import threading
import time
import urllib.parse

from . import admin
from . import api
from . import seed as seeds
from .client import AdminClient
from .faults import Faults, Reply
from .model import format_precise, now
from .ratelimit import THROTTLED, credential_key
from .store import State


def _json_reply(status, payload):
    return Reply(status, json.dumps(payload).encode("utf-8"))


def _parsed_body(raw):
    if not raw:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # Handlers may be asleep in a "timeout" fault; stopping must not wait for them.
    block_on_close = False
    request_queue_size = 128

    def __init__(self, address, emulator):
        self.emulator = emulator
        super().__init__(address, _Handler)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, keep-alive clients stall ~40 ms per request.
    disable_nagle_algorithm = True
    server_version = "cloudflare"
    sys_version = ""

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Silence per-request stderr lines: the request log is the record."""

    def do_GET(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def do_PUT(self):
        self._dispatch()

    def do_DELETE(self):
        self._dispatch()

    def do_PATCH(self):
        self._dispatch()

    def do_OPTIONS(self):
        self._dispatch()

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self):
        emulator = self.server.emulator
        started = time.monotonic()
        split = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(split.path)
        query = dict(urllib.parse.parse_qsl(split.query, keep_blank_values=True))
        try:
            raw = self._read_body()
        except ValueError:
            self.close_connection = True
            self._send(_json_reply(400, api.failure([{"code": 6007, "message": "Malformed request body"}])))
            return
        if path == admin.ADMIN_PREFIX or path.startswith(admin.ADMIN_PREFIX + "/"):
            self._send(_json_reply(*admin.handle(emulator, self.command, path, query, raw)))
            return
        # pylint: disable-next=protected-access
        reply, fault, hold = emulator._serve_api(self.command, path, query, self.headers, raw,
                                                 client_ip=self.client_address[0])
        entry = {
            "ts": format_precise(now()),
            "method": self.command,
            "path": path[len(api.API_PREFIX):] if path.startswith(api.API_PREFIX + "/") else path,
            "query": query,
            "status": None if reply.drop else reply.status,
            "auth": api.auth_kind(self.headers),
            "body": _parsed_body(raw),
            "duration_ms": round((time.monotonic() - started) * 1000.0, 3),
            "fault": fault,
        }
        # Logged before answering, so a client that has its answer also sees the entry.
        emulator._record(entry)  # pylint: disable=protected-access
        emulator._notify(entry, reply)  # pylint: disable=protected-access
        emulator._sleep(hold)  # pylint: disable=protected-access
        self._send(reply)

    def _send(self, reply):
        try:
            if reply.drop:
                self._reset_connection()
                return
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            self.send_header("CF-RAY", secrets.token_hex(8) + "-LOC")
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)
        except (ConnectionError, OSError):
            self.close_connection = True

    def _reset_connection(self):
        # Linger 0 turns close() into a TCP RST: the client sees "connection reset", no response.
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()


class Emulator:
    """A Cloudflare API-token endpoint emulator serving HTTP on a background thread.

    ``seed`` is "default" (credentials plus sample tokens) or "empty"
    (credentials only). The keyword secrets override the seeded ones.
    ``settings``: changes to the behaviour switches (see ``cfemu.settings``), kept across resets.
    ``observer``: see ``observe``.
    """

    def __init__(self, host="127.0.0.1", port=0, latency=0.0, seed="default",
                 api_token=None, account_token=None, api_email=None, api_key=None, observer=None, settings=None):
        self.host = host
        self._observer = observer
        self.requested_port = port
        self.latency = float(latency or 0.0)
        self.credentials = {
            "api_token": api_token or seeds.USER_API_TOKEN,
            "account_token": account_token or seeds.ACCOUNT_API_TOKEN,
            "readonly_token": seeds.READONLY_API_TOKEN,
            "other_account_token": seeds.OTHER_ACCOUNT_API_TOKEN,
            "api_email": api_email or seeds.API_EMAIL,
            "api_key": api_key or seeds.API_KEY,
        }
        self._state = State(seed, self.credentials, settings)
        self._faults = Faults()
        self._server = None
        self._thread = None
        self._stopping = threading.Event()

    # lifecycle

    def start(self):
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server((self.host, self.requested_port), self)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="cfemu-server", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
        self._server = None
        self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def port(self):
        if self._server is None:
            raise RuntimeError("emulator is not running")
        return self._server.server_address[1]

    @property
    def url(self):
        return "http://%s:%d" % (self.host, self.port)

    @property
    def base_url(self):
        return self.url + api.API_PREFIX

    @property
    def admin(self):
        """A client of this emulator's admin endpoints over HTTP (what a separate process would use)."""
        return AdminClient(self.url)

    # state control, also reachable over HTTP under /__emulator

    def reset(self):
        """Back to the seed: tokens, request log, fault configuration (latency included),
        settings (to the constructor's) and rate-limit counters."""
        with self._state.lock:
            self._state.reset()
            self._faults.clear()

    def requests(self):
        with self._state.lock:
            return copy.deepcopy(self._state.log)

    def clear_requests(self):
        with self._state.lock:
            self._state.clear_log()

    def settings(self):
        """The behaviour switches in force."""
        with self._state.lock:
            return dict(self._state.settings)

    def configure(self, **changes):
        """Change behaviour switches until the next reset; ValueError names a bad one (nothing changes then)."""
        with self._state.lock:
            return self._state.configure(changes)

    def faults(self):
        with self._state.lock:
            return self._faults.describe()

    def set_faults(self, rules=None, latency=None):
        """Replace the fault configuration; ValueError when a rule is invalid (nothing changes then)."""
        with self._state.lock:
            self._faults.configure({"rules": rules or [], "latency": latency})
            return self._faults.describe()

    def clear_faults(self):
        with self._state.lock:
            self._faults.clear()

    def add_tokens(self, store_key, specs):
        """Insert tokens as-is (past dates allowed); returns them with their values. All or nothing."""
        with self._state.lock:
            tokens = [seeds.make_token(spec, store_key) for spec in specs]
            values = [token.value for token in tokens]
            if len(set(values)) != len(values) or any(self._state.find_by_value(v)[1] for v in values):
                raise ValueError("value: already in use")
            for token in tokens:
                self._state.add(store_key, token)
            return [token.render(with_value=True) for token in tokens]

    def tokens(self, store_key="user"):
        """Every token of a store, expired ones included, without values."""
        with self._state.lock:
            store = self._state.store(store_key)
            if store is None:
                raise ValueError("unknown store %r" % store_key)
            ordered = sorted(store.values(), key=lambda token: (token.issued_on, token.id))
            return [token.render() for token in ordered]

    def observe(self, observer):
        """Call ``observer(method, path, query, request_body, status, response_body, fault)`` for every API answer.

        In-process only and never logged: response bodies carry token values. ``path`` is
        without /client/v4; ``response_body`` is the decoded JSON, or None when the answer is
        not JSON (html and malformed faults) or there is none (``status`` None: dropped);
        ``fault`` is the fault action applied, or None. ``None`` removes the observer. It is
        called on the server's threads, before the client gets the answer; an exception it
        raises is swallowed so the client still gets its answer.
        """
        self._observer = observer

    # request path

    def _notify(self, entry, reply):
        observer = self._observer
        if observer is None:
            return
        response_body = None
        if not reply.drop and reply.content_type.startswith("application/json"):
            response_body = _parsed_body(reply.body)
        try:
            observer(entry["method"], entry["path"], copy.deepcopy(entry["query"]), copy.deepcopy(entry["body"]),
                     entry["status"], response_body, entry["fault"])
        except Exception:  # pylint: disable=broad-exception-caught
            pass

    def _record(self, entry):
        with self._state.lock:
            self._state.record(entry)

    def _sleep(self, seconds):
        if seconds and seconds > 0:
            self._stopping.wait(seconds)

    def _serve_api(self, method, path, query, headers, raw, client_ip="127.0.0.1"):
        """Answer one non-admin request; returns (Reply, fault action or None, seconds to hold the answer)."""
        with self._state.lock:
            latency = self._faults.latency if self._faults.latency is not None else self.latency
        self._sleep(latency)
        if not path.startswith(api.API_PREFIX + "/"):
            return _json_reply(404, api.failure([{"code": 7000, "message": "No route for that URI"}])), None, 0
        relative = path[len(api.API_PREFIX):]
        with self._state.lock:
            settings = self._state.settings
            allowed, limit_headers = self._state.ratelimit.count(
                credential_key(headers), settings["rate_limit_requests"], settings["rate_limit_window"])
        if not allowed:
            # Refused for the rest of the window: nothing is processed, no fault rule counts it.
            code, message = THROTTLED
            reply = _json_reply(429, api.failure([{"code": code, "message": message}]))
            reply.headers.update(limit_headers)
            return reply, None, 0
        reply, fault, hold = self._process(method, relative, query, headers, raw, client_ip)
        if not reply.drop:
            # Every answer carries the budget; a fault rule's own Retry-After wins.
            merged = dict(limit_headers)
            merged.update(reply.headers)
            reply.headers = merged
        return reply, fault, hold

    def _process(self, method, relative, query, headers, raw, client_ip):
        with self._state.lock:
            rule = self._faults.pick(method, relative)
        if rule is not None and not rule.after and rule.action != "timeout":
            return rule.reply(), rule.action, 0
        try:
            status, envelope = api.handle(self._state, api.Request(method, relative, query, headers, raw, client_ip=client_ip))
            reply = _json_reply(status, envelope)
        except Exception:  # pylint: disable=broad-exception-caught
            reply = _json_reply(500, api.failure([{"code": 10500, "message": "Internal Server Error"}]))
        if rule is None:
            return reply, None, 0
        if rule.action == "timeout":
            # A slow answer, not a lost request: the work is done (and logged) at once, only
            # the answer waits, so a client that gives up cannot tell whether it happened.
            return reply, rule.action, rule.delay
        return rule.reply(reply), rule.action, 0
