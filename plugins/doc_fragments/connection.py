# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    """Authentication and connection options shared by every module."""

    DOCUMENTATION = r"""
options:
  api_token:
    description:
      - Cloudflare API token, sent as a bearer token in the C(Authorization) header.
      - Mutually exclusive with O(api_email) and O(api_key).
      - If not set, the environment variable E(CLOUDFLARE_API_TOKEN) is used, then E(CLOUDFLARE_TOKEN).
    type: str
  api_email:
    description:
      - Email address of the Cloudflare user, sent as C(X-Auth-Email) together with O(api_key).
      - If not set, the environment variable E(CLOUDFLARE_EMAIL) is used.
    type: str
  api_key:
    description:
      - Cloudflare Global API Key, sent as C(X-Auth-Key). Requires O(api_email).
      - If not set, the environment variable E(CLOUDFLARE_API_KEY) is used.
    type: str
  account_id:
    description:
      - Cloudflare account id (32 hexadecimal characters).
      - When set, the module works on account-owned tokens (C(/accounts/{account_id}/tokens)).
        When not set, it works on the tokens owned by the authenticated user (C(/user/tokens)).
      - If not set, the environment variable E(CLOUDFLARE_ACCOUNT_ID) is used.
    type: str
  base_url:
    description:
      - Base URL of the Cloudflare v4 API.
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
      - Creating a token and rolling a token value are never retried once the request may have reached
        Cloudflare, because a second attempt could create a duplicate or invalidate the value just issued.
    type: int
    default: 4
requirements:
  - requests >= 2.25
notes:
  - Set exactly one authentication method, O(api_token) or O(api_email) with O(api_key).
  - Secrets are never logged, returned in diffs or included in error messages.
  - Lists of tokens are read 50 per page; after the first page the others are fetched 4 at a time.
    The environment variable E(CLOUDFLARE_PAGE_WORKERS) (1 to 8) changes that; V(1) reads pages one after another.
"""
