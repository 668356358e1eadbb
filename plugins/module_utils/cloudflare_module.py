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
    RETRY_AFTER_CAP,
    CloudflareClient,
    CloudflareError,
    CloudflareWriteUncertain,
)
from ansible_collections.tokenops.cloudflare.plugins.module_utils.token_model import HEX32, InvalidToken, ResourceNames, name_map, public_token
from ansible_collections.tokenops.cloudflare.plugins.module_utils.token_plan import single_match

# Connection options read from the environment when the task does not set them, first name first.
# They are resolved by resolve_connection(), not by AnsibleModule fallbacks, because an option given
# to the task must beat the environment across authentication methods.
ENVIRONMENT = {
    "api_token": ("CLOUDFLARE_API_TOKEN", "CLOUDFLARE_TOKEN"),
    "api_email": ("CLOUDFLARE_EMAIL",),
    "api_key": ("CLOUDFLARE_API_KEY",),
    "account_id": ("CLOUDFLARE_ACCOUNT_ID",),
    "base_url": ("CLOUDFLARE_BASE_URL",),
}


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
        api_token=dict(type="str", no_log=True),
        api_email=dict(type="str"),
        api_key=dict(type="str", no_log=True),
        account_id=dict(type="str"),
        base_url=dict(type="str", default=DEFAULT_BASE_URL, fallback=(env_fallback, list(ENVIRONMENT["base_url"]))),
        timeout=dict(type="float", default=30),
        validate_certs=dict(type="bool", default=True),
        retries=dict(type="int", default=4),
        max_retry_wait=dict(type="float", default=RETRY_AFTER_CAP),
    )


def _from_env(option, environ):
    for name in ENVIRONMENT[option]:
        if environ.get(name):
            return environ[name], name
    return None, None


def resolve_connection(params, environ=None):
    """Fill the credentials and account from the environment where the task left them unset.

    Options given to the task win: an ``api_token`` option ignores CLOUDFLARE_EMAIL/CLOUDFLARE_API_KEY,
    and ``api_email``/``api_key`` options ignore CLOUDFLARE_API_TOKEN. With no credential option, the
    environment must name one method. An empty ``account_id`` (option or variable) means user scope.
    Changes ``params`` in place and returns ``(sources, problem)``: where each credential came from
    (option name or variable name) and a sentence when the credentials are contradictory, else None.
    """
    environ = os.environ if environ is None else environ
    sources = dict((k, k) for k in ("api_token", "api_email", "api_key") if params.get(k))
    given_token = bool(params.get("api_token"))
    given_key = bool(params.get("api_email") or params.get("api_key"))
    problem = None
    if given_token and given_key:
        problem = "api_token and api_email/api_key are mutually exclusive: set one authentication method."
    elif given_key:
        for option in ("api_email", "api_key"):
            if not params.get(option):
                params[option], sources[option] = _from_env(option, environ)
        params["api_token"] = None
    elif not given_token:
        token, token_var = _from_env("api_token", environ)
        email, email_var = _from_env("api_email", environ)
        key, key_var = _from_env("api_key", environ)
        if token and (email or key):
            problem = ("The environment sets both %s and %s: set one authentication method, or set api_token or "
                       "api_email/api_key on the task to choose." % (token_var, " and ".join(v for v in (email_var, key_var) if v)))
        params["api_token"], sources["api_token"] = token, token_var
        params["api_email"], sources["api_email"] = email, email_var
        params["api_key"], sources["api_key"] = key, key_var
    else:
        params["api_email"] = params["api_key"] = None
    if params.get("account_id") is None:
        params["account_id"] = _from_env("account_id", environ)[0]
    if not params.get("account_id"):
        params["account_id"] = None
    return dict((k, v) for k, v in sources.items() if v), problem


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
        self.credential_sources, problem = resolve_connection(self.params)
        for option in ("api_token", "api_key"):
            if self.params.get(option):
                # Values read from the environment are secrets too: keep them out of every output.
                self.module.no_log_values.add(self.params[option])
        if problem:
            self.fail(problem)
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
            max_retry_wait=self.params["max_retry_wait"],
        )

    def _validate_connection(self):
        p = self.params
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
        if p["max_retry_wait"] < 0 or p["max_retry_wait"] > 3600:
            self.fail("max_retry_wait must be between 0 and 3600 seconds.")

    def fail(self, msg, **result):
        self.module.fail_json(msg=msg, **result)

    def exit(self, **result):
        self.module.exit_json(**result)

    def warn(self, msg):
        self.module.warn(msg)

    def run(self, main):
        """Call ``main(self)`` and turn API errors and unreadable data into one clear failure, never a traceback."""
        try:
            main(self)
        except CloudflareError as exc:
            self.fail(str(exc), api_error=exc.to_dict())
        except AmbiguousToken as exc:
            self.fail(str(exc))
        except InvalidToken as exc:
            # Raised by token_model for options it refuses and for API data it cannot read
            # (an unknown condition key, an unparsable date): either way a one-line failure.
            self.fail(_one_line(str(exc)))

    def create_token(self, body, known_ids=None):
        """create_token() on this module's client and scope."""
        return create_token(self.client, body, self.account_id, known_ids)

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

    def zone_names(self):
        """Zone id -> name for the zones these credentials may read (names that resolve back only); {} if none."""
        try:
            return name_map(self.client.list_zones(account_id=self.account_id), self.account_id)
        except CloudflareError as exc:
            if exc.status in (400, 403):
                return {}
            raise

    def _client_call(self, method):
        # Looked up when a name needs it, so a client without the method fails only then.
        def call(**query):
            return getattr(self.client, method)(**query)
        return call

    def validate_token_id(self, option="id"):
        value = self.params.get(option)
        if value is not None and not HEX32.match(value):
            self.fail("%s must be a 32-character lowercase hexadecimal token id, got %r." % (option, value))


class CreateNotApplied(CloudflareError):
    """A create whose answer was lost, and a fresh listing shows it did not happen: safe to run again."""


class CreateUnresolved(CloudflareError):
    """A create whose answer was lost and whose outcome could not be settled safely."""


def _one_line(text):
    return " ".join(str(text).split())


def create_token(client, body, account_id=None, known_ids=None):
    """Create a token and return ``(token, recovered)``; the token carries its secret ``value``.

    ``body`` is the POST payload (it must have a ``name``); ``account_id`` selects account-owned
    tokens. ``known_ids`` are the ids of every token of the scope listed before this call (a set or
    any iterable); when None, the scope is listed here first, which costs one listing.

    The POST is sent again only when Cloudflare refused it (HTTP 429, inside the client). When its
    outcome is unknown (timeout, connection reset, 5xx: CloudflareWriteUncertain), it is never sent
    again; instead the scope is listed and the name looked up among tokens that were not in
    ``known_ids``:

    - exactly one such token: it was created, but its value reached no one, so it is rolled once
      (``roll_token``; only a 429 makes the client send that again) and returned with the new value,
      and ``recovered`` is True;
    - none: CreateNotApplied, saying nothing was created and the task is safe to run again;
    - several, or a listing or roll that fails: CreateUnresolved, saying what exists and how to settle it.

    ``recovered`` is False when the POST answered normally.
    """
    name = body.get("name")
    if known_ids is None:
        known_ids = [t.get("id") for t in client.list_tokens(account_id)]
    known = set(known_ids)
    try:
        return client.create_token(body, account_id), False
    except CloudflareWriteUncertain as lost:
        cause = lost
    where = "in account %s" % account_id if account_id else "among the user's tokens"
    try:
        after = client.list_tokens(account_id)
    except CloudflareError as exc:
        raise CreateUnresolved(
            "Creating token %r got no answer that can be trusted (%s), and listing the tokens to check failed too (%s). The token may "
            "exist without anyone holding its value. Look for tokens named %r %s (tokenops.cloudflare.cf_token_info name=%s): "
            "if one exists, roll it (tokenops.cloudflare.cf_token_roll) to get a value; if none, run again"
            % (name, cause.reason, exc.message, name, where, name), cause.method, cause.path, cause.status, cause.errors)
    new = [t for t in after if t.get("name") == name and t.get("id") not in known]
    if not new:
        raise CreateNotApplied(
            "Creating token %r got no answer that can be trusted (%s), and a fresh listing shows no new token of that name: nothing was "
            "created, so it is safe to run the task again" % (name, cause.reason), cause.method, cause.path, cause.status, cause.errors)
    if len(new) > 1:
        ids = sorted(t.get("id") for t in new)
        raise CreateUnresolved(
            "Creating token %r got no answer that can be trusted (%s), and %d new tokens of that name now exist %s (ids: %s), so it is "
            "not known which one this task created and nobody holds their values. Keep one: delete the others "
            "(tokenops.cloudflare.cf_token id=<id> state=absent), then roll the one you keep (tokenops.cloudflare.cf_token_roll "
            "id=<id>) to get its value" % (name, cause.reason, len(new), where, ", ".join(ids)),
            cause.method, cause.path, cause.status, cause.errors)
    token = new[0]
    try:
        value = client.roll_token(token["id"], account_id)
    except CloudflareError as exc:
        raise CreateUnresolved(
            "Token %r (%s) was created although its answer was lost, and rolling it to get a value nobody has seen failed "
            "(%s). Roll it with tokenops.cloudflare.cf_token_roll id=%s to get its value"
            % (name, token["id"], exc.message, token["id"]), exc.method, exc.path, exc.status, exc.errors)
    if not isinstance(value, str) or not value:
        raise CreateUnresolved(
            "Token %r (%s) was created although its answer was lost, and rolling it returned no value. Roll it with "
            "tokenops.cloudflare.cf_token_roll id=%s to get its value" % (name, token["id"], token["id"]))
    return dict(token, value=value), True


def page_workers():
    """How many list pages are read at once; CLOUDFLARE_PAGE_WORKERS=1 reads them one after another."""
    try:
        return min(PAGE_WORKERS, max(1, int(os.environ.get("CLOUDFLARE_PAGE_WORKERS", PAGE_WORKERS))))
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
