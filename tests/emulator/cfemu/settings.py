# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Behaviour switches: where public evidence is old or uncertain, both behaviours can be emulated.

The defaults are what the newest evidence supports (see the README). ``validate`` turns a
partial change (from the constructor, the command line or the admin API) into a complete
settings dict, or raises ValueError naming the setting; nothing changes on error.
"""

# name: (default, kind, help); kinds are checked by _coerce.
SPECS = {
    "condition_clear_on_empty": (True, "bool", "PUT with \"condition\": {} clears the IP condition (false: it is kept)"),
    "enforce_conditions": (False, "bool", "refuse a token whose condition.request_ip excludes the caller's address"),
    "permission_error_code": (10000, "permission_code", "error code of a valid credential lacking a permission: 10000 or 9109"),
    "expired_window_days": (30, "optional_number", "include_expired=true lists tokens expired within this many days (null: all)"),
    "user_token_quota": (50, "optional_count", "most user-owned tokens a create may reach (null: no limit)"),
    "account_token_quota": (500, "optional_count", "most account-owned tokens per account a create may reach (null: no limit)"),
    "rate_limit_requests": (1200, "optional_count", "requests per credential and window (null: no rate limit, no headers)"),
    "rate_limit_window": (300, "positive_number", "length of the rate-limit window in seconds"),
}

DEFAULTS = dict((name, spec[0]) for name, spec in SPECS.items())
PERMISSION_CODES = (10000, 9109)
RATE_LIMIT_KEYS = ("rate_limit_requests", "rate_limit_window")


def _number(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("%s: must be a number" % name)
    return value


def _coerce(name, kind, value):
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError("%s: must be true or false" % name)
        return value
    if kind == "permission_code":
        if isinstance(value, bool) or value not in PERMISSION_CODES:
            raise ValueError("%s: must be one of %s" % (name, ", ".join(str(code) for code in PERMISSION_CODES)))
        return int(value)
    if value is None and kind.startswith("optional"):
        return None
    number = _number(name, value)
    if kind == "optional_count":
        if number != int(number) or number < 1:
            raise ValueError("%s: must be a whole number of at least 1, or null" % name)
        return int(number)
    if kind == "optional_number" and number < 0:
        raise ValueError("%s: must be at least 0, or null" % name)
    if kind == "positive_number" and number <= 0:
        raise ValueError("%s: must be more than 0" % name)
    return number


def validate(changes, base=None):
    """``base`` (the defaults when None) with ``changes`` applied; ValueError on an unknown or bad setting."""
    if not isinstance(changes, dict):
        raise ValueError("settings: must be an object")
    result = dict(DEFAULTS if base is None else base)
    for name in sorted(changes):
        if name not in SPECS:
            raise ValueError("%s: unknown setting (known: %s)" % (name, ", ".join(sorted(SPECS))))
        result[name] = _coerce(name, SPECS[name][1], changes[name])
    return result
