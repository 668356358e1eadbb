# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one HTTP client of the collection for Cloudflare's API-token endpoints.

Everything that speaks HTTP lives here: authentication headers, the v4
envelope, typed errors, pagination and the retry policy. Modules never
import ``requests`` themselves.
"""

import datetime
import email.utils
import json
import random
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

try:
    import requests
    from requests.adapters import HTTPAdapter
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised through missing_required_lib
    requests = None
    HTTPAdapter = object
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = exc

COLLECTION_VERSION = "1.0.0"
USER_AGENT = "tokenops.cloudflare/%s (Ansible collection)" % COLLECTION_VERSION
DEFAULT_BASE_URL = "https://api.cloudflare.com/client/v4"
MAX_PER_PAGE = 50
# A server that keeps announcing more pages must not keep us busy forever.
MAX_PAGES = 1000
# After the first page, the rest of a full account (500 tokens: pages 2..10) is read in one round.
PAGE_WORKERS = 9
RETRYABLE_STATUSES = frozenset((429, 500, 502, 503, 504))
BACKOFF_BASE = 0.5
BACKOFF_CAP = 20.0
# The longest wait a task accepts by default when Cloudflare asks it to come back later (Retry-After).
RETRY_AFTER_CAP = 60.0
# Cloudflare codes that mean "these credentials are not valid" on HTTP 400/403. HTTP 401 always does.
# 10000 ("Authentication error") and 9109 on HTTP 403 come with credentials that authenticate
# but lack a permission, so they are permission errors, not bad credentials.
AUTH_ERROR_CODES = frozenset((1000, 6003, 6111, 9103, 9106))
# Cloudflare's answer when a token's IP condition refuses the caller (HTTP 403, code 9109).
_LOCATION_REFUSED = re.compile(r"cannot use the access token from location", re.I)
# Fewer requests left in the rate-limit window than this share of the quota: read pages one at a time.
LOW_BUDGET_SHARE = 0.1


class CloudflareError(Exception):
    """An API call that did not succeed.

    Carries what a user needs to act on it (status, Cloudflare codes and
    messages, method and path) and nothing else: no header, body or secret.
    ``str()`` reads as sentences: what happened, where, what Cloudflare said,
    how many attempts were made, and what to do.
    """

    hint = ""

    def __init__(self, message, method=None, path=None, status=None, errors=None, hint=None):
        super().__init__(message)
        self.message = message
        self.method = method
        self.path = path
        self.status = status
        self.errors = errors or []
        self.attempts = 1
        if hint is not None:
            self.hint = hint

    @property
    def codes(self):
        return [e.get("code") for e in self.errors if isinstance(e, dict)]

    def __str__(self):
        parts = [_sentence(self.message)]
        where = " ".join(p for p in (self.method, self.path) if p)
        if where:
            parts.append("(%s%s.)" % (where, ", HTTP %s" % self.status if self.status else ""))
        details = "; ".join(_error_text(e) for e in self.errors if isinstance(e, dict))
        if details:
            parts.append("Cloudflare said: %s" % _sentence(details))
        if self.attempts > 1:
            parts.append("Gave up after %d attempts." % self.attempts)
        if self.hint:
            parts.append(_sentence(self.hint))
        return " ".join(parts)

    def to_dict(self):
        return {"status": self.status, "method": self.method, "path": self.path, "errors": self.errors,
                "attempts": self.attempts}


class CloudflareAuthError(CloudflareError):
    hint = "Check api_token, or api_email and api_key (or the CLOUDFLARE_* environment variables)."


class CloudflarePermissionError(CloudflareError):
    """Cloudflare accepted the authentication but refused the call (HTTP 403)."""


class CloudflareNotFound(CloudflareError):
    pass


class CloudflareRateLimited(CloudflareError):
    """HTTP 429: the request was refused, so nothing it asked for was applied.

    ``retry_at`` is the UTC time (a datetime) after which Cloudflare accepts requests again, when known.
    """

    retry_at = None


class CloudflareTransportError(CloudflareError):
    """No usable answer: connection failure, timeout, or a body that is not the API's JSON."""

    def __str__(self):
        text = super().__str__()
        if self.attempts == 1 and self.status is None:
            text += " (1 attempt.)"
        return text


class CloudflareWriteUncertain(CloudflareError):
    """A non-idempotent write whose outcome is unknown; it is never retried. ``reason`` says why, in a few words."""

    reason = "no usable answer"


def _sentence(text):
    text = str(text).strip()
    return text if not text or text[-1] in ".!?" else text + "."


def _error_text(error):
    """``code: message``, with the sub-errors Cloudflare nests in ``error_chain`` in brackets."""
    text = "%s: %s" % (error.get("code"), str(error.get("message", "")).strip().rstrip("."))
    chain = [e for e in error.get("error_chain") or [] if isinstance(e, dict)] if isinstance(error.get("error_chain"), list) else []
    if chain:
        text += " (%s)" % "; ".join(_error_text(e) for e in chain)
    return text


def _scope_of(path):
    return "account" if (path or "").startswith("/accounts/") else "user"


def permission_hint(method, path):
    """What a 403 on ``path`` needs: the permission group for the scope in use."""
    if _scope_of(path) == "account":
        group, owner = "Account API Tokens", "account-owned tokens of this account"
    else:
        group, owner = "API Tokens", "the user's own tokens"
    return ('Cloudflare accepted the authentication, but this call needs the permission "%s Read/Write" on %s '
            '("%s Read" lists and reads, "%s Write" is needed to create, change, roll or delete). '
            "Grant it to the API token in use, or to the user's role with api_key." % (group, owner, group, group))


LOCATION_HINT = ("The API token in use has an IP address condition (condition.request_ip) that refuses requests "
                 "from this host: run the task from an allowed address, or widen the token's condition.")
ACCOUNT_TOKEN_HINT = ("If the API token in use is account-owned, set account_id (or CLOUDFLARE_ACCOUNT_ID): an "
                      "account-owned token manages /accounts/{account_id}/tokens and cannot use /user/tokens.")


def _backoff(attempt):
    # Full jitter keeps parallel forks from retrying in lockstep.
    return random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * (2 ** attempt)))


def _parse_retry_after(value, now):
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), or None."""
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        pass
    try:
        when = email.utils.parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return max(0.0, when.timestamp() - now)


def _header(headers, name):
    value = headers.get(name) if hasattr(headers, "get") else None
    if value is None and hasattr(headers, "items"):
        for key, item in headers.items():
            if str(key).lower() == name.lower():
                return item
    return value


_RATE_PARAM = re.compile(r"(?:^|[;,\s])([a-z]+)=\"?([0-9]+(?:\.[0-9]+)?)\"?", re.I)


def parse_rate_limit(headers):
    """The rate-limit budget announced by ``Ratelimit``/``Ratelimit-Policy`` headers.

    Understands the IETF forms ``"default";r=50;t=30`` / ``"default";q=1200;w=300`` and the
    older ``limit=1200, remaining=50, reset=30``. Returns a dict with ``remaining`` (requests
    left), ``reset`` (seconds until the window resets) and ``quota`` (requests per window),
    each None when not announced.
    """
    budget = {"remaining": None, "reset": None, "quota": None}
    names = {"r": "remaining", "remaining": "remaining", "t": "reset", "reset": "reset", "q": "quota", "limit": "quota"}
    for header in ("Ratelimit", "Ratelimit-Policy"):
        value = _header(headers, header)
        if not value:
            continue
        for key, number in _RATE_PARAM.findall(str(value)):
            field = names.get(key.lower())
            if field and budget[field] is None:
                budget[field] = float(number)
    return budget


def _utc(timestamp):
    return datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class CloudflareClient:
    """Client for ``/user/tokens*`` and ``/accounts/{account_id}/tokens*``.

    ``account_id`` selects account-owned tokens; ``None`` means user-owned.
    ``max_retry_wait`` is the longest ``Retry-After`` (seconds) waited out after HTTP 429; a longer
    one fails at once saying when to retry. ``sleep`` and ``clock`` are replaceable for tests.
    """

    def __init__(self, base_url=DEFAULT_BASE_URL, api_token=None, api_email=None, api_key=None,
                 timeout=30, validate_certs=True, retries=4, sleep=time.sleep, page_workers=PAGE_WORKERS,
                 max_retry_wait=RETRY_AFTER_CAP, clock=time.time):
        if not HAS_REQUESTS:
            raise RuntimeError("the requests library is required")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = max(0, int(retries))
        self.page_workers = max(1, int(page_workers))
        self.max_retry_wait = max(0.0, float(max_retry_wait))
        self._sleep = sleep
        self._clock = clock
        self._lock = threading.Lock()
        self.request_count = 0
        # The budget the last answer announced (see parse_rate_limit), with the time it was read.
        self.rate_limit = {"remaining": None, "reset": None, "quota": None, "at": None}
        self.session = requests.Session()
        # One pooled keep-alive session per module run, large enough for parallel paging.
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=self.page_workers + 1)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.verify = validate_certs
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.headers["Accept"] = "application/json"
        if api_token:
            self.session.headers["Authorization"] = "Bearer %s" % api_token
            self.auth_method = "api_token"
        else:
            self.session.headers["X-Auth-Email"] = api_email
            self.session.headers["X-Auth-Key"] = api_key
            self.auth_method = "api_key"

    # ------------------------------------------------------------------ paths
    @staticmethod
    def tokens_path(account_id=None, *parts):
        base = "/accounts/%s/tokens" % account_id if account_id else "/user/tokens"
        return "/".join((base,) + tuple(parts))

    @property
    def host(self):
        return urlsplit(self.base_url).netloc or self.base_url

    # ---------------------------------------------------------------- request
    def request(self, method, path, params=None, body=None, idempotent=None):
        """Send one API call and return the decoded envelope.

        Idempotent calls are retried on 429/5xx/connection errors within the
        retry budget. Non-idempotent ones (create, roll) are sent again only
        when the first attempt certainly did not apply: a connection that was
        never established, or HTTP 429 (a refusal). A ``Retry-After`` longer
        than ``max_retry_wait`` fails at once, saying when to retry.
        """
        if idempotent is None:
            idempotent = method != "POST"
        attempt = 0
        while True:
            try:
                return self._send(method, path, params, body, idempotent)
            except _Retryable as retry:
                error = retry.error
                error.attempts = attempt + 1
                if retry.retry_after is not None and retry.retry_after > self.max_retry_wait:
                    raise self._wait_too_long(error, retry.retry_after)
                if attempt >= self.retries:
                    if isinstance(error, CloudflareRateLimited) and retry.retry_after is not None:
                        self._retry_advice(error, retry.retry_after)
                    raise error
                self._sleep(retry.retry_after if retry.retry_after is not None else _backoff(attempt))
                attempt += 1
            except CloudflareError as error:
                error.attempts = attempt + 1
                raise

    def _retry_advice(self, error, seconds):
        error.retry_at = datetime.datetime.fromtimestamp(self._clock() + seconds, datetime.timezone.utc)
        error.hint = "Cloudflare accepts requests again in %d seconds (after %s): run the task again then." % (
            round(seconds), _utc(self._clock() + seconds))

    def _wait_too_long(self, error, seconds):
        if not isinstance(error, CloudflareRateLimited):
            return error
        error.message = ("Rate limited by Cloudflare: it asks to wait %d seconds (Retry-After), longer than "
                         "max_retry_wait (%d seconds), so the task stops now. The request was refused, so it was "
                         "not applied" % (round(seconds), round(self.max_retry_wait)))
        self._retry_advice(error, seconds)
        return error

    def _send(self, method, path, params, body, idempotent):
        url = self.base_url + path
        with self._lock:
            self.request_count += 1
        try:
            response = self.session.request(
                method, url, params=params, timeout=self.timeout,
                data=None if body is None else json.dumps(body),
                headers={"Content-Type": "application/json"} if body is not None else None,
            )
        except requests.exceptions.ConnectTimeout as exc:
            raise _Retryable(CloudflareTransportError(
                "Timed out connecting to %s (no connection within %s seconds)" % (self.host, self.timeout), method, path)) from exc
        except requests.exceptions.SSLError as exc:
            raise CloudflareTransportError(
                "TLS error talking to %s: %s" % (self.host, _short(exc)), method, path,
                hint="Set validate_certs to false only for a test endpoint with a self-signed certificate.") from exc
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            never = _never_connected(exc)
            if never == "resolve":
                raise _Retryable(CloudflareTransportError(
                    "Could not resolve the host name %s (DNS)" % self.host.split(":")[0], method, path,
                    hint="Check base_url (%s) and this host's DNS." % self.base_url)) from exc
            if never == "refused":
                raise _Retryable(CloudflareTransportError(
                    "Connection to %s was refused" % self.host, method, path,
                    hint="Check base_url (%s): nothing accepts connections there." % self.base_url)) from exc
            if never:
                raise _Retryable(CloudflareTransportError(
                    "Could not connect to %s: %s" % (self.host, _short(exc)), method, path)) from exc
            if isinstance(exc, requests.exceptions.ReadTimeout):
                what = "no answer arrived within %s seconds (timeout)" % self.timeout
            else:
                what = "the connection failed before a response arrived (%s)" % _short(exc)
            error = self._uncertain_or_transport(method, path, idempotent, what)
            if idempotent:
                raise _Retryable(error) from exc
            raise error from exc
        return self._decode(method, path, response, idempotent)

    def _uncertain_or_transport(self, method, path, idempotent, what, status=None, errors=None):
        if idempotent:
            return CloudflareTransportError(what[0].upper() + what[1:], method, path, status, errors)
        error = CloudflareWriteUncertain(
            "The %s %s request may or may not have been applied: %s. It was sent once and not retried, "
            "to avoid a duplicate" % (method, path, what),
            method, path, status, errors,
            hint="Look the token up (tokenops.cloudflare.cf_token_info) before running again.")
        error.reason = what
        return error

    def _note_rate_limit(self, headers):
        budget = parse_rate_limit(headers or {})
        if any(v is not None for v in budget.values()):
            with self._lock:
                budget["at"] = self._clock()
                self.rate_limit = budget

    def _base_url_hint(self):
        if self.base_url.endswith("/client/v4"):
            return None
        return ("base_url %s does not end with /client/v4; Cloudflare's API is at %s." % (self.base_url, DEFAULT_BASE_URL))

    def _decode(self, method, path, response, idempotent):
        status = response.status_code
        self._note_rate_limit(response.headers)
        try:
            envelope = response.json()
            if not isinstance(envelope, dict):
                raise ValueError("not an object")
        except ValueError:
            envelope = None
        errors = envelope.get("errors") if isinstance(envelope, dict) else None
        errors = [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []

        if status == 429:
            # A 429 is a refusal: nothing was applied, so even a create or roll may be sent again.
            error = CloudflareRateLimited(
                "Rate limited by Cloudflare: the request was refused, so it was not applied", method, path, status, errors)
            retry_after = _parse_retry_after(_header(response.headers, "Retry-After"), self._clock())
            budget = parse_rate_limit(response.headers)
            if retry_after is None and budget.get("remaining") is not None and budget["remaining"] < 1:
                # The window's budget is spent: it comes back when the window resets. A 429 with budget
                # left (a burst limit) says nothing about that, so the usual backoff applies.
                retry_after = budget.get("reset")
            raise _Retryable(error, retry_after)
        if status in RETRYABLE_STATUSES:
            error = self._uncertain_or_transport(method, path, idempotent, "Cloudflare answered HTTP %s" % status, status, errors)
            if idempotent:
                raise _Retryable(error)
            raise error
        if envelope is None:
            kind = response.headers.get("Content-Type", "unknown content type").split(";")[0]
            what = "the response was not Cloudflare API JSON (HTTP %s, %s)" % (status, kind)
            if 200 <= status < 300 and not idempotent:
                raise self._uncertain_or_transport(method, path, idempotent, what, status)
            raise CloudflareTransportError(what[0].upper() + what[1:], method, path, status, hint=self._base_url_hint())

        if 200 <= status < 300 and envelope.get("success") is True:
            return envelope
        codes = set(e.get("code") for e in errors)
        messages = " ".join(str(e.get("message", "")) for e in errors)
        if status == 401 or (codes & AUTH_ERROR_CODES and status in (400, 403)):
            hint = None
            if _scope_of(path) == "user" and self.auth_method == "api_token":
                hint = CloudflareAuthError.hint + " " + ACCOUNT_TOKEN_HINT
            raise CloudflareAuthError("Authentication failed: Cloudflare rejected the credentials", method, path, status, errors, hint=hint)
        if status == 403:
            if _LOCATION_REFUSED.search(messages):
                raise CloudflarePermissionError("Refused by the IP condition of the API token in use", method, path, status, errors,
                                                hint=LOCATION_HINT)
            raise CloudflarePermissionError("Permission denied", method, path, status, errors, hint=permission_hint(method, path))
        if status == 404:
            raise CloudflareNotFound("Not found", method, path, status, errors, hint=self._base_url_hint())
        if status == 400 and 1001 in codes and _scope_of(path) == "user" and self.auth_method == "api_token":
            raise CloudflareError("Request rejected by Cloudflare", method, path, status, errors, hint=ACCOUNT_TOKEN_HINT)
        if 200 <= status < 300:
            raise CloudflareError("Cloudflare reported failure (success is not true)", method, path, status, errors)
        raise CloudflareError("Request rejected by Cloudflare", method, path, status, errors)

    # ------------------------------------------------------------- pagination
    def paced_workers(self, pages_left):
        """Parallel page reads for ``pages_left`` more pages: 1 when the rate-limit budget is low."""
        budget = self.rate_limit
        remaining = budget.get("remaining")
        if remaining is None:
            return self.page_workers
        quota = budget.get("quota")
        if remaining < pages_left + self.page_workers or (quota and remaining < quota * LOW_BUDGET_SHARE):
            return 1
        return self.page_workers

    def _pace(self):
        """Before a sequential read: with the budget spent, wait for the window to reset when that is short."""
        budget = self.rate_limit
        if budget.get("remaining") is not None and budget["remaining"] < 1 and budget.get("reset") is not None:
            wait = budget["reset"] - (self._clock() - (budget.get("at") or self._clock()))
            if 0 < wait <= self.max_retry_wait:
                self._sleep(wait)

    def paginate(self, path, params=None, per_page=MAX_PER_PAGE):
        """Return every item of a paged list.

        The first page tells how many pages exist; the rest are fetched in
        parallel with a small pool. Pages refused with 429 are fetched again
        one after another, with the normal retry policy. When the rate-limit
        headers say the budget is low, every page is read one after another.
        With ``per_page=None`` the endpoint chooses its page size and pages
        are only followed when the first answer announces them.
        """
        base = dict(params or {})
        if per_page:
            base["per_page"] = per_page

        def fetch(page, retry=True):
            query = dict(base, page=page) if per_page or page > 1 else (base or None)
            if retry:
                return self.request("GET", path, params=query)
            return self._send("GET", path, query, None, True)

        first = fetch(1)
        items = list(first.get("result") or [])
        info = first.get("result_info")
        if not per_page and isinstance(info, dict) and isinstance(info.get("per_page"), int) and info["per_page"] > 0:
            base["per_page"] = info["per_page"]
        total_pages = _total_pages(info, per_page or max(1, len(items)), len(items) if per_page else 0)
        if total_pages is None:
            return _unique(self._sequential_until_short(fetch, items, per_page))
        pages = list(range(2, min(total_pages, MAX_PAGES) + 1))
        results = {}
        throttled = []
        workers = min(self.paced_workers(len(pages)), len(pages)) if pages else 0
        if workers == 1:
            throttled = pages
        elif pages:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                futures = dict((page, pool.submit(fetch, page, False)) for page in pages)
                for page, future in futures.items():
                    try:
                        results[page] = future.result().get("result") or []
                    except _Retryable:
                        throttled.append(page)
        for page in throttled:
            self._pace()
            results[page] = fetch(page).get("result") or []
        for page in pages:
            items.extend(results[page])
        return _unique(items)

    @staticmethod
    def _sequential_until_short(fetch, items, per_page):
        # No page count announced: read until a short page, within MAX_PAGES.
        page_items = items
        page = 1
        while len(page_items) >= per_page and page < MAX_PAGES:
            page += 1
            page_items = fetch(page).get("result") or []
            items.extend(page_items)
        return items

    # -------------------------------------------------------------- endpoints
    def list_tokens(self, account_id=None, include_expired=True):
        params = {"include_expired": "true"} if include_expired else {}
        return self.paginate(self.tokens_path(account_id), params)

    def get_token(self, token_id, account_id=None):
        """The token, or None when Cloudflare does not know the id."""
        try:
            return self.request("GET", self.tokens_path(account_id, token_id))["result"]
        except CloudflareNotFound:
            return None

    def create_token(self, body, account_id=None):
        """POST a new token; the result carries the secret ``value``. Sent again only after a refusal (HTTP 429).

        An unknown outcome raises CloudflareWriteUncertain; cloudflare_module.create_token resolves it.
        """
        return self.request("POST", self.tokens_path(account_id), body=body, idempotent=False)["result"]

    def update_token(self, token_id, body, account_id=None):
        """Full-object PUT: fields absent from ``body`` are cleared by Cloudflare."""
        return self.request("PUT", self.tokens_path(account_id, token_id), body=body)["result"]

    def delete_token(self, token_id, account_id=None):
        """Delete; returns False when the token was already gone."""
        try:
            self.request("DELETE", self.tokens_path(account_id, token_id))
        except CloudflareNotFound:
            return False
        return True

    def roll_token(self, token_id, account_id=None):
        """Give the token a new secret value and return it. Sent again only after a refusal (HTTP 429)."""
        return self.request("PUT", self.tokens_path(account_id, token_id, "value"), body={}, idempotent=False)["result"]

    def verify_token(self, account_id=None):
        """Describe the API token that authenticates this client."""
        return self.request("GET", self.tokens_path(account_id, "verify"))["result"]

    def list_permission_groups(self, account_id=None, name=None, scope=None):
        """Permission groups, filtered by Cloudflare on exact ``name`` and ``scope`` when given."""
        params = dict((k, v) for k, v in (("name", name), ("scope", scope)) if v)
        return self.paginate(self.tokens_path(account_id, "permission_groups"), params, per_page=None)

    def list_zones(self, name=None, account_id=None):
        """Zones the credentials may read, filtered by Cloudflare on ``name`` and on ``account.id``.

        ``name`` is a domain, or one of Cloudflare's filter forms such as ``contains:example``.
        """
        params = dict((k, v) for k, v in (("name", name), ("account.id", account_id)) if v)
        return self.paginate("/zones", params)

    def list_accounts(self, name=None):
        """Accounts the credentials may read, filtered by Cloudflare on ``name`` when given."""
        return self.paginate("/accounts", {"name": name} if name else None)


class _Retryable(Exception):
    def __init__(self, error, retry_after=None):
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


def _total_pages(info, per_page, first_count):
    """Pages announced by ``result_info``; None when unknown and the first page was full."""
    info = info if isinstance(info, dict) else {}
    pages = info.get("total_pages")
    if isinstance(pages, (int, float)) and not isinstance(pages, bool) and pages >= 1:
        return int(pages)
    total = info.get("total_count")
    if isinstance(total, (int, float)) and not isinstance(total, bool) and total >= 0:
        size = info.get("per_page") if isinstance(info.get("per_page"), (int, float)) and info["per_page"] > 0 else per_page
        return max(1, -(-int(total) // int(size)))
    return None if first_count >= per_page else 1


def _unique(items):
    # Tokens created between two page reads can shift an item onto the next page.
    seen = set()
    out = []
    for item in items:
        key = item.get("id") if isinstance(item, dict) else None
        if key is not None and key in seen:
            continue
        seen.add(key)
        out.append(item)
    return out


def _never_connected(exc):
    """Why no connection was made: ``"resolve"``, ``"refused"`` or ``"connect"``; None if one may have been."""
    text = repr(exc)
    resolve_errors = ("NameResolutionError", "Name or service not known", "nodename nor servname",
                      "Temporary failure in name resolution", "getaddrinfo failed")
    if any(error in text for error in resolve_errors):
        return "resolve"
    if "Connection refused" in text or "ConnectionRefusedError" in text:
        return "refused"
    if "NewConnectionError" in text:
        return "connect"
    return None


def _short(exc):
    text = str(exc)
    return text if len(text) <= 200 else text[:197] + "..."
