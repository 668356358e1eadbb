# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every module of the collection shares: options, client set-up, error
reporting, token identity lookup and the one-time secret file."""

import os
import re
import tempfile

from ansible.module_utils.basic import AnsibleFallbackNotFound, AnsibleModule, missing_required_lib

from ansible_collections.tokenops.cloudflare.plugins.module_utils.cloudflare_api import (
    DEFAULT_BASE_URL,
    HAS_REQUESTS,
    PAGE_WORKERS,
    REQUESTS_IMPORT_ERROR,
    CloudflareClient,
    CloudflareError,
)
from ansible_collections.tokenops.cloudflare.plugins.module_utils.token_model import HEX32, InvalidToken, ResourceNames, public_token
from ansible_collections.tokenops.cloudflare.plugins.module_utils.token_plan import single_match


def env_fallback(*names):
    """The first of these environment variables that is set and not empty.

    AWX injects every input of a credential type, blank ones as empty strings;
    a blank account id must mean "no account", not an invalid one.
    """
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    raise AnsibleFallbackNotFound


def connection_argument_spec():
    return dict(
        api_token=dict(type="str", no_log=True, fallback=(env_fallback, ["CLOUDFLARE_API_TOKEN", "CLOUDFLARE_TOKEN"])),
        api_email=dict(type="str", fallback=(env_fallback, ["CLOUDFLARE_EMAIL"])),
        api_key=dict(type="str", no_log=True, fallback=(env_fallback, ["CLOUDFLARE_API_KEY"])),
        account_id=dict(type="str", fallback=(env_fallback, ["CLOUDFLARE_ACCOUNT_ID"])),
        base_url=dict(type="str", default=DEFAULT_BASE_URL, fallback=(env_fallback, ["CLOUDFLARE_BASE_URL"])),
        timeout=dict(type="float", default=30),
        validate_certs=dict(type="bool", default=True),
        retries=dict(type="int", default=4),
    )


class AmbiguousToken(Exception):
    """Several tokens carry the name that was asked for."""


class CloudflareModule:
    """An AnsibleModule with the collection's connection options and client."""

    def __init__(self, argument_spec, **kwargs):
        spec = connection_argument_spec()
        spec.update(argument_spec)
        self.module = AnsibleModule(argument_spec=spec, **kwargs)
        if not HAS_REQUESTS:
            self.module.fail_json(msg=missing_required_lib("requests"), exception=str(REQUESTS_IMPORT_ERROR))
        self.params = self.module.params
        self.check_mode = self.module.check_mode
        self._validate_connection()
        self.account_id = self.params["account_id"]
        self.client = CloudflareClient(
            base_url=self.params["base_url"],
            api_token=self.params["api_token"],
            api_email=self.params["api_email"],
            api_key=self.params["api_key"],
            timeout=self.params["timeout"],
            validate_certs=self.params["validate_certs"],
            retries=self.params["retries"],
            page_workers=page_workers(),
        )

    def _validate_connection(self):
        p = self.params
        if p["api_token"] and (p["api_key"] or p["api_email"]):
            self.fail("api_token and api_email/api_key are mutually exclusive: use one authentication method "
                      "(check the CLOUDFLARE_API_TOKEN, CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY environment variables too).")
        if not p["api_token"]:
            if p["api_key"] and not p["api_email"]:
                self.fail("api_key requires api_email (or CLOUDFLARE_EMAIL).")
            if p["api_email"] and not p["api_key"]:
                self.fail("api_email requires api_key (or CLOUDFLARE_API_KEY).")
            if not p["api_key"]:
                self.fail("No credentials: set api_token (or CLOUDFLARE_API_TOKEN), or api_email and api_key.")
        if p["account_id"] is not None and not HEX32.match(p["account_id"]):
            self.fail("account_id must be a 32-character lowercase hexadecimal Cloudflare account id, got %r." % p["account_id"])
        if not re.match(r"^https?://[^/\s]+", p["base_url"] or ""):
            self.fail("base_url must be an http(s) URL, got %r." % p["base_url"])
        if p["timeout"] <= 0:
            self.fail("timeout must be a positive number of seconds.")
        if p["retries"] < 0 or p["retries"] > 10:
            self.fail("retries must be between 0 and 10.")

    def fail(self, msg, **result):
        self.module.fail_json(msg=msg, **result)

    def exit(self, **result):
        self.module.exit_json(**result)

    def run(self, main):
        """Call ``main(self)`` and turn API errors into one clear failure."""
        try:
            main(self)
        except CloudflareError as exc:
            self.fail(str(exc), api_error=exc.to_dict())
        except AmbiguousToken as exc:
            self.fail(str(exc))

    # ------------------------------------------------------------ identity
    def find_token(self, token_id=None, name=None, tokens=None):
        """The token named by ``id`` or by a unique ``name`` (in ``tokens``, else a listing); None if absent.

        Duplicate names are an error raised before any write, since
        Cloudflare allows them and acting on one of them would be a guess.
        """
        if token_id:
            return self.client.get_token(token_id, self.account_id)
        if tokens is None:
            tokens = self.client.list_tokens(self.account_id)
        try:
            return single_match(tokens, name)
        except InvalidToken as exc:
            raise AmbiguousToken(str(exc))

    def deliver_secret(self, outcome, value, token, event, path=None):
        """Put a new secret where it was asked for: a value file (``path``, else value_path), else the top-level ``value``.

        Called right after the write that issued it; a file that cannot be
        written ends the task saying how to get a stored value, never with the secret.
        """
        path = path or self.params.get("value_path")
        if not path:
            outcome["value"] = value
            return
        try:
            outcome["value_path"] = self.store_secret(path, value)
        except (IOError, OSError) as exc:
            self.fail(secret_not_stored(token, event, path, exc), changed=True, token=public_token(token))

    def store_secret(self, path, value):
        """Write a secret file (mode 0600 unless the task's file options say otherwise); raises OSError."""
        path = write_secret_file(path, value)
        if "mode" in self.params:
            file_args = self.module.load_file_common_arguments(self.params, path=path)
            self.module.set_fs_attributes_if_different(file_args, False)
        return path

    def resource_names(self):
        """Zone and account names resolved through this task's client, each looked up once."""
        return ResourceNames(self._client_call("list_zones"), self._client_call("list_accounts"), account_id=self.account_id)

    def _client_call(self, method):
        # Looked up when a name needs it, so a client without the method fails only then.
        def call(**query):
            return getattr(self.client, method)(**query)
        return call

    def validate_token_id(self, option="id"):
        value = self.params.get(option)
        if value is not None and not HEX32.match(value):
            self.fail("%s must be a 32-character lowercase hexadecimal token id, got %r." % (option, value))


def page_workers():
    """How many list pages are read at once; CLOUDFLARE_PAGE_WORKERS=1 reads them one after another."""
    try:
        return min(8, max(1, int(os.environ.get("CLOUDFLARE_PAGE_WORKERS", PAGE_WORKERS))))
    except ValueError:
        return PAGE_WORKERS


def secret_not_stored(token, event, path, exc):
    return ("Token %s (%r) was %s, but its new value could not be written to %s: %s. Cloudflare will not show "
            "the value again: fix the path, then roll the token with tokenops.cloudflare.cf_token_roll to get a "
            "value that is stored." % (token["id"], token.get("name"), event, path, exc.strerror or type(exc).__name__))


def check_secret_path(path, keep_existing=False, option="value_path"):
    """Reason why a secret cannot be stored at ``path``, or None.

    Called before the request that creates the secret: a value that cannot
    be stored is a lost credential. With ``keep_existing``, a file already
    there is a reason too: it may hold another token's only copy.
    """
    if not path:
        return None
    path = os.path.abspath(os.path.expanduser(path))
    parent = os.path.dirname(path)
    if not os.path.isdir(parent):
        return "%s: directory %s does not exist." % (option, parent)
    if os.path.isdir(path):
        return "%s: %s is a directory." % (option, path)
    if keep_existing and os.path.lexists(path):
        return ("%s: %s already exists and may hold another token's value; move it away, or set "
                "overwrite_value_path=true to replace it." % (option, path))
    # os.access() answers yes to root everywhere, /proc included: only a real file proves it.
    try:
        fd, probe = tempfile.mkstemp(prefix=".cf-token-probe-", dir=parent)
        os.close(fd)
        os.unlink(probe)
    except (IOError, OSError) as exc:
        return "%s: cannot create files in directory %s (%s)." % (option, parent, exc.strerror or type(exc).__name__)
    return None


def write_secret_file(path, value):
    """Write ``value`` to ``path`` atomically, readable by the owner only."""
    path = os.path.abspath(os.path.expanduser(path))
    fd, tmp = tempfile.mkstemp(prefix=".cf-token-", dir=os.path.dirname(path))
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(value)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path
