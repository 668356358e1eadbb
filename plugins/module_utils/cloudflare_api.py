# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one HTTP client of the collection for Cloudflare's API-token endpoints.

Everything that speaks HTTP lives here: authentication headers, the v4
envelope, typed errors, pagination and the retry policy. Modules never
import ``requests`` themselves.
"""

import json
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

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

COLLECTION_VERSION = "0.1.0"
USER_AGENT = "tokenops.cloudflare/%s (Ansible collection)" % COLLECTION_VERSION
DEFAULT_BASE_URL = "https://api.cloudflare.com/client/v4"
MAX_PER_PAGE = 50
# A server that keeps announcing more pages must not keep us busy forever.
MAX_PAGES = 1000
PAGE_WORKERS = 4
RETRYABLE_STATUSES = frozenset((429, 500, 502, 503, 504))
BACKOFF_BASE = 0.5
BACKOFF_CAP = 20.0
RETRY_AFTER_CAP = 60.0
# Cloudflare codes that mean "these credentials are not valid", whatever the HTTP status.
AUTH_ERROR_CODES = frozenset((1000, 6003, 6111, 9103, 9106, 10000))


class CloudflareError(Exception):
    """An API call that did not succeed.

    Carries what a user needs to act on it (status, Cloudflare codes and
    messages, method and path) and nothing else: no header, body or secret.
    """

    hint = ""

    def __init__(self, message, method=None, path=None, status=None, errors=None):
        super().__init__(message)
        self.message = message
        self.method = method
        self.path = path
        self.status = status
        self.errors = errors or []

    @property
    def codes(self):
        return [e.get("code") for e in self.errors if isinstance(e, dict)]

    def __str__(self):
        parts = [self.message]
        where = " ".join(p for p in (self.method, self.path) if p)
        if where:
            parts.append("(%s%s)" % (where, ", HTTP %s" % self.status if self.status else ""))
        details = "; ".join(
            "%s: %s" % (e.get("code"), e.get("message")) for e in self.errors if isinstance(e, dict)
        )
        if details:
            parts.append("Cloudflare said: %s" % details)
        if self.hint:
            parts.append(self.hint)
        return " ".join(parts)

    def to_dict(self):
        return {"status": self.status, "method": self.method, "path": self.path, "errors": self.errors}


class CloudflareAuthError(CloudflareError):
    hint = "Check api_token, or api_email and api_key (or the CLOUDFLARE_* environment variables)."


class CloudflarePermissionError(CloudflareError):
    hint = "The credentials are valid but lack the permission for this call (API Tokens Read/Write)."


class CloudflareNotFound(CloudflareError):
    pass


class CloudflareRateLimited(CloudflareError):
    pass


class CloudflareTransportError(CloudflareError):
    """No usable answer: connection failure, timeout, or a body that is not the API's JSON."""


class CloudflareWriteUncertain(CloudflareError):
    """A non-idempotent write whose outcome is unknown; it is never retried."""


def _sleep_for(attempt, retry_after=None):
    if retry_after is not None:
        return min(retry_after, RETRY_AFTER_CAP)
    # Full jitter keeps parallel forks from retrying in lockstep.
    return random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * (2 ** attempt)))


def _parse_retry_after(value):
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return None


class CloudflareClient:
    """Client for ``/user/tokens*`` and ``/accounts/{account_id}/tokens*``.

    ``account_id`` selects account-owned tokens; ``None`` means user-owned.
    """

    def __init__(self, base_url=DEFAULT_BASE_URL, api_token=None, api_email=None, api_key=None,
                 timeout=30, validate_certs=True, retries=4, sleep=time.sleep, page_workers=PAGE_WORKERS):
        if not HAS_REQUESTS:
            raise RuntimeError("the requests library is required")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = max(0, int(retries))
        self.page_workers = max(1, int(page_workers))
        self._sleep = sleep
        self._lock = threading.Lock()
        self.request_count = 0
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

    # ---------------------------------------------------------------- request
    def request(self, method, path, params=None, body=None, idempotent=None):
        """Send one API call and return the decoded envelope.

        Idempotent calls are retried on 429/5xx/connection errors within the
        retry budget. Non-idempotent ones (create, roll) are sent once: only a
        connection that was never established is tried again.
        """
        if idempotent is None:
            idempotent = method != "POST"
        attempt = 0
        while True:
            try:
                return self._send(method, path, params, body, idempotent)
            except _Retryable as retry:
                if attempt >= self.retries:
                    raise retry.error
                self._sleep(_sleep_for(attempt, retry.retry_after))
                attempt += 1

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
                "Timed out connecting to %s." % self.base_url, method, path)) from exc
        except requests.exceptions.SSLError as exc:
            raise CloudflareTransportError(
                "TLS error talking to %s: %s." % (self.base_url, _short(exc)), method, path) from exc
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            if _never_connected(exc):
                raise _Retryable(CloudflareTransportError(
                    "Could not connect to %s." % self.base_url, method, path)) from exc
            error = self._uncertain_or_transport(method, path, idempotent, "connection failed before a response arrived (%s)" % _short(exc))
            if idempotent:
                raise _Retryable(error) from exc
            raise error from exc
        return self._decode(method, path, response, idempotent)

    def _uncertain_or_transport(self, method, path, idempotent, what, status=None, errors=None):
        if idempotent:
            return CloudflareTransportError(what[0].upper() + what[1:] + ".", method, path, status, errors)
        return CloudflareWriteUncertain(
            "The %s %s request may or may not have been applied: %s. It was not retried, "
            "to avoid a duplicate. Look the token up (tokenops.cloudflare.cf_token_info) before running again." % (method, path, what),
            method, path, status, errors)

    def _decode(self, method, path, response, idempotent):
        status = response.status_code
        try:
            envelope = response.json()
            if not isinstance(envelope, dict):
                raise ValueError("not an object")
        except ValueError:
            envelope = None
        errors = envelope.get("errors") if isinstance(envelope, dict) else None
        errors = [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []

        if status == 429:
            error = CloudflareRateLimited(
                "Rate limited by Cloudflare (HTTP 429).", method, path, status, errors)
            if idempotent:
                raise _Retryable(error, _parse_retry_after(response.headers.get("Retry-After")))
            # A 429 is a refusal: the write was not applied, but we still do not resend it.
            error.message = "Rate limited by Cloudflare (HTTP 429); the request was refused and not retried."
            raise error
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
            raise CloudflareTransportError(what[0].upper() + what[1:] + ".", method, path, status)

        if 200 <= status < 300 and envelope.get("success") is True:
            return envelope
        codes = set(e.get("code") for e in errors)
        if status == 401 or (codes & AUTH_ERROR_CODES and status in (400, 403)):
            raise CloudflareAuthError("Authentication failed: Cloudflare rejected the credentials.", method, path, status, errors)
        if status == 403:
            raise CloudflarePermissionError("Permission denied.", method, path, status, errors)
        if status == 404:
            raise CloudflareNotFound("Not found.", method, path, status, errors)
        if 200 <= status < 300:
            raise CloudflareError("Cloudflare reported failure (success is not true).", method, path, status, errors)
        raise CloudflareError("Request rejected by Cloudflare.", method, path, status, errors)

    # ------------------------------------------------------------- pagination
    def paginate(self, path, params=None, per_page=MAX_PER_PAGE):
        """Return every item of a paged list.

        The first page tells how many pages exist; the rest are fetched in
        parallel with a small pool. Pages refused with 429 are fetched again
        one after another, with the normal retry policy. With ``per_page=None``
        the endpoint chooses its page size and pages are only followed when
        the first answer announces them.
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
        if pages:
            with ThreadPoolExecutor(max_workers=min(self.page_workers, len(pages))) as pool:
                futures = dict((page, pool.submit(fetch, page, False)) for page in pages)
                for page, future in futures.items():
                    try:
                        results[page] = future.result().get("result") or []
                    except _Retryable:
                        throttled.append(page)
            for page in throttled:
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
        """POST a new token; the result carries the secret ``value``. Never retried."""
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
        """Give the token a new secret value and return it. Never retried."""
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
    text = repr(exc)
    return "NewConnectionError" in text or "Connection refused" in text or "NameResolutionError" in text


def _short(exc):
    text = str(exc)
    return text if len(text) <= 200 else text[:197] + "..."
