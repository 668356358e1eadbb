# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    """Authentication and connection options shared by every module."""

    DOCUMENTATION = r"""
options:
  api_token:
    description:
      - Cloudflare API token, sent as a bearer token in the C(Authorization) header.
      - Mutually exclusive with O(api_email) and O(api_key) when both are set on the task.
      - If not set, the environment variable E(CLOUDFLARE_API_TOKEN) is used, then E(CLOUDFLARE_TOKEN),
        unless O(api_email) or O(api_key) is set on the task.
      - Set on the task, it wins over E(CLOUDFLARE_EMAIL) and E(CLOUDFLARE_API_KEY) in the environment,
        so a play can use a token while a Global API Key credential is injected.
    type: str
  api_email:
    description:
      - Email address of the Cloudflare user, sent as C(X-Auth-Email) together with O(api_key).
      - If not set, the environment variable E(CLOUDFLARE_EMAIL) is used, unless O(api_token) is set on the task.
    type: str
  api_key:
    description:
      - Cloudflare Global API Key, sent as C(X-Auth-Key). Requires O(api_email).
      - If not set, the environment variable E(CLOUDFLARE_API_KEY) is used, unless O(api_token) is set on the task.
      - O(api_email) and O(api_key) set on the task win over E(CLOUDFLARE_API_TOKEN) in the environment.
    type: str
  account_id:
    description:
      - Cloudflare account id (32 hexadecimal characters).
      - When set, the module works on account-owned tokens (C(/accounts/{account_id}/tokens)).
        When not set, it works on the tokens owned by the authenticated user (C(/user/tokens)).
      - If not set, the environment variable E(CLOUDFLARE_ACCOUNT_ID) is used.
        An empty value, as an option or in the environment, means user-owned tokens.
    type: str
  base_url:
    description:
      - Base URL of the Cloudflare v4 API, ending with C(/client/v4).
      - If not set, the environment variable E(CLOUDFLARE_BASE_URL) is used.
    type: str
    default: https://api.cloudflare.com/client/v4
  timeout:
    description:
      - Seconds to wait for each HTTP response.
    type: float
    default: 30
  validate_certs:
    description:
      - Whether to verify the TLS certificate of O(base_url).
    type: bool
    default: true
  retries:
    description:
      - How many times a read, update or delete is retried after HTTP 429 (honouring C(Retry-After)),
        HTTP 500, 502, 503, 504 or a connection error, with exponential backoff and jitter.
      - Creating a token and rolling a token value are sent again only when Cloudflare certainly did not
        apply them, after HTTP 429 (a refusal, waited out as C(Retry-After) asks) or a connection that was never made.
        After a timeout, a reset connection or HTTP 5xx they are never resent, because a second attempt could
        create a duplicate or invalidate the value just issued; a create in that state is settled by looking its
        name up in the same run (see the module's notes).
      - Failure messages say how many attempts were made.
    type: int
    default: 4
  max_retry_wait:
    description:
      - The longest wait, in seconds, that a task accepts when Cloudflare answers HTTP 429 and asks it to come back
        later (C(Retry-After), or the reset time of the C(Ratelimit) header).
      - A longer wait fails the task at once, saying in how many seconds and after which UTC time Cloudflare accepts
        requests again, instead of keeping a job busy for minutes. The refused request was not applied.
      - V(0) to V(3600).
    type: float
    default: 60
requirements:
  - requests >= 2.31
notes:
  - Set exactly one authentication method, O(api_token) or O(api_email) with O(api_key).
  - Credentials and token values never appear in diffs, warnings or error messages. A module that issues a new token
    value returns it once in its result unless the task writes it to a file (C(value_path), or C(value_dir) for
    M(tokenops.cloudflare.cf_token_set)); use C(no_log) on a task whose result holds a value.
  - Lists of tokens are read 50 per page; after the first page the others are fetched 9 at a time, so a full
    account (500 tokens) takes two rounds of requests.
    The environment variable E(CLOUDFLARE_PAGE_WORKERS) (1 to 9) changes that; V(1) reads pages one after another.
    When Cloudflare's C(Ratelimit) headers say fewer requests are left than the pages still to read (or under a tenth
    of the quota), pages are read one after another, waiting for the window to reset when the budget is spent.
  - Errors name their cause. HTTP 401, or HTTP 400/403 with a credential error code, is bad credentials. HTTP 403
    with code 10000 or 9109 is a missing permission of credentials that do authenticate, and the message names the
    permission, C(API Tokens Read/Write) for user-owned tokens and C(Account API Tokens Read/Write) for account-owned
    ones. HTTP 403 "Cannot use the access token from location" means the IP condition of the token in use refuses this host.
seealso:
  - name: Authentication guide
    description: Authentication methods, environment variables, permissions and how secrets are kept out of output.
    link: https://github.com/tokenops/cloudflare/blob/main/docs/docsite/rst/authentication.rst
"""
