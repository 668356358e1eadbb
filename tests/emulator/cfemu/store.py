# Copyright (c) tokenops.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""All mutable emulator state behind one lock: token stores, the value index, the request log,
the behaviour settings and the rate-limit counters."""

import threading

from . import seed as seeds
from . import settings as switches
from .ratelimit import RateLimiter

# Generous, but bounded so a long benchmark cannot exhaust memory.
MAX_LOG = 50000


class State:
    """Token stores keyed "user" and "account:<id>", plus the request log.

    Callers hold ``lock`` around any sequence of reads and writes that must be
    atomic; the methods themselves do not lock.
    """

    def __init__(self, seed, credentials, settings=None):
        if seed not in seeds.SEEDS:
            raise ValueError("seed must be one of %s" % ", ".join(seeds.SEEDS))
        self.lock = threading.RLock()
        self.seed = seed
        self.credentials = dict(credentials)
        # What reset() goes back to: the defaults with the constructor's (or command line's) changes.
        self.initial_settings = switches.validate(settings or {})
        self.settings = dict(self.initial_settings)
        self.ratelimit = RateLimiter()
        self.stores = {}
        self._by_value = {}
        self.log = []
        self._seq = 0
        self.reset()

    def reset(self):
        self.settings = dict(self.initial_settings)
        self.ratelimit.clear()
        self.stores = {seeds.USER_STORE: {}}
        for account_id in seeds.ACCOUNT_IDS:
            self.stores[seeds.account_store(account_id)] = {}
        self._by_value = {}
        self._seq = 0
        self.directory = None  # zones and accounts, rebuilt from the seed on first use (cfemu.zones)
        self.clear_log()
        for store_key, spec in seeds.seed_specs(self.seed, self.credentials):
            self.add(store_key, seeds.make_token(spec, store_key))

    def configure(self, changes):
        """Apply setting changes (all or nothing); changing the rate limit starts every window afresh."""
        updated = switches.validate(changes, self.settings)
        if any(updated[key] != self.settings[key] for key in switches.RATE_LIMIT_KEYS):
            self.ratelimit.clear()
        self.settings = updated
        return dict(updated)

    # tokens

    def store(self, store_key):
        """The dict id -> Token of a store, or None when no such store (unknown account)."""
        return self.stores.get(store_key)

    def add(self, store_key, token):
        if token.value in self._by_value:
            raise ValueError("token value already in use")
        self.stores[store_key][token.id] = token
        self._by_value[token.value] = (store_key, token.id)
        return token

    def remove(self, store_key, token_id):
        token = self.stores[store_key].pop(token_id)
        self._by_value.pop(token.value, None)
        return token

    def change_value(self, store_key, token, value):
        self._by_value.pop(token.value, None)
        token.value = value
        self._by_value[value] = (store_key, token.id)

    def find_by_value(self, value):
        """(store key, Token) owning ``value``, or (None, None)."""
        where = self._by_value.get(value)
        if where is None:
            return None, None
        return where[0], self.stores[where[0]][where[1]]

    # request log

    def record(self, entry):
        self._seq += 1
        self.log.append(dict(seq=self._seq, **entry))
        if len(self.log) > MAX_LOG:
            del self.log[:len(self.log) - MAX_LOG]

    def clear_log(self):
        self.log = []
