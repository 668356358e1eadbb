# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Token records, Cloudflare-style timestamps and the API error type."""

import copy
import datetime
import re
import secrets
import string
import uuid
import zlib

UTC = datetime.timezone.utc

# RFC 3339 date-time: the server is strict here because Cloudflare rejects
# loose formats such as "2030-01-01" or "2030-01-01 00:00:00".
_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$"
)

HEX32 = re.compile(r"^[0-9a-f]{32}$")


REVOKED_EXPOSED = "revoked (exposed)"
USER_VALUE_PREFIX = "cfut_"
ACCOUNT_VALUE_PREFIX = "cfat_"
_VALUE_ALPHABET = string.ascii_letters + string.digits


class ApiError(Exception):
    """An error answered with the Cloudflare envelope: ``success: false``, ``result: null``.

    ``chain`` entries, (code, message) pairs, become the error's ``error_chain``: Cloudflare
    nests the detail of an error there (6003 "Invalid request headers" carries 6111).
    """

    def __init__(self, status, code, message, *chain):
        super().__init__(message)
        self.status = status
        error = {"code": code, "message": message}
        if chain:
            error["error_chain"] = [{"code": extra_code, "message": extra_message} for extra_code, extra_message in chain]
        self.errors = [error]


def now():
    return datetime.datetime.now(UTC)


def parse_date(text):
    """Parse an RFC 3339 string to an aware UTC datetime; ValueError when it is not one."""
    if not isinstance(text, str) or not _RFC3339.match(text):
        raise ValueError(text)
    text = text.upper()
    fraction = re.search(r"\.(\d+)", text)
    if fraction and len(fraction.group(1)) > 6:
        # datetime keeps microseconds only; nanosecond input is legal RFC 3339.
        text = text.replace(fraction.group(0), "." + fraction.group(1)[:6])
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def format_date(moment):
    """Second precision, as Cloudflare returns not_before/expires_on."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_precise(moment):
    """Microsecond precision, as Cloudflare returns issued_on/modified_on."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_id():
    return uuid.uuid4().hex


def new_value(prefix=USER_VALUE_PREFIX):
    """A token secret in Cloudflare's scannable format: prefix, 40 letters and digits, 8 hex of checksum.

    The checksum here is a CRC-32 of prefix and body; Cloudflare does not publish its own.
    """
    body = "".join(secrets.choice(_VALUE_ALPHABET) for _position in range(40))
    return "%s%s%08x" % (prefix, body, zlib.crc32((prefix + body).encode("ascii")))


class Token:
    """One API token as the server stores it.

    ``policies`` and ``condition`` are kept in their response form (already
    normalised and reordered) so every read returns the same bytes.
    """

    def __init__(self, name, policies, condition=None, value=None, status="active",
                 issued_on=None, not_before=None, expires_on=None, last_used_on=None):
        moment = issued_on or now()
        self.id = new_id()
        self.name = name
        self.status = status
        self.issued_on = moment
        self.modified_on = moment
        self.last_used_on = last_used_on
        self.not_before = not_before
        self.expires_on = expires_on
        self.policies = policies
        self.condition = condition or {}
        self.value = value or new_value()

    def effective_status(self, at=None):
        # A revoked token stays revoked whatever its dates say.
        if self.status in ("expired", REVOKED_EXPOSED):
            return self.status
        if self.expires_on is not None and self.expires_on <= (at or now()):
            return "expired"
        return self.status

    def expired_at(self, at=None):
        """When an expired token expired: its expires_on, else (status set to expired) its last change."""
        if self.expires_on is not None and self.expires_on <= (at or now()):
            return self.expires_on
        return self.modified_on

    def authenticates(self, at=None):
        """Whether a request bearing this token's value is accepted right now."""
        at = at or now()
        if self.effective_status(at) != "active":
            return False
        return self.not_before is None or self.not_before <= at

    def render(self, with_value=False):
        body = {
            "id": self.id,
            "name": self.name,
            "status": self.effective_status(),
            "issued_on": format_precise(self.issued_on),
            "modified_on": format_precise(self.modified_on),
            "last_used_on": None if self.last_used_on is None else format_precise(self.last_used_on),
        }
        if self.not_before is not None:
            body["not_before"] = format_date(self.not_before)
        if self.expires_on is not None:
            body["expires_on"] = format_date(self.expires_on)
        body["policies"] = copy.deepcopy(self.policies)
        body["condition"] = copy.deepcopy(self.condition)
        if with_value:
            body["value"] = self.value
        return body

    def render_verify(self):
        body = {"id": self.id, "status": self.effective_status()}
        if self.not_before is not None:
            body["not_before"] = format_date(self.not_before)
        if self.expires_on is not None:
            body["expires_on"] = format_date(self.expires_on)
        return body
