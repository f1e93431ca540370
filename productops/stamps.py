"""Stamps: random tokens in the shared cache that are replaced whenever what they name changes,
so an answer kept in the cache together with the tokens it was computed under is known to
still hold while every token is the same (the planning poll's lease: planning/poll_lease.py).

A stamp is a name (`stamp_name("user", 7)`) and a token (32 hex characters). Its keeper reads
the tokens *before* reading the rows it derives its answer from; a writer replaces the token
*after* its change commits (and once more at once, so that nothing kept from this moment on
survives the commit either). So a kept answer either saw the change or holds a replaced token.
Tokens are random, never counted: a stamp lost from the cache and made again never matches an
answer kept under the old one.

Redis is a cache here, never a dependency: every read fails open (no token, so the keeper
recomputes from the database) and a failed replacement is logged. The one window left is a
replacement that fails while the cache is still reachable to readers (this process cut off
from Redis, others not): an answer kept before it may be used until it expires, which is why
kept answers live seconds, not minutes.
"""

import logging
import secrets
from typing import Any

from django.core.cache import caches
from django.db import transaction

from productops.rare_warning import RareWarning

log = logging.getLogger(__name__)
# A poll a second per page reads stamps: with Redis down, one line a minute says so.
CACHE_DOWN = RareWarning(log)
CACHE = "default"
# Longer than any answer kept under a stamp; a stamp that expires is made again on next use.
STAMP_SECONDS = 24 * 3600


def stamp_name(kind: str, key: object) -> str:
    return f"stamp:{kind}:{key}"


def read(names: list[str]) -> dict[str, Any]:
    """The current token of each stamp that exists; {} when the cache cannot be reached. One
    round trip (MGET), so a keeper may read its kept answer in the same call (the planning
    poll's lease does): any other name in `names` comes back with its cached value."""
    try:
        return caches[CACHE].get_many(names)
    except Exception:  # any cache failure: no tokens, so nothing kept is trusted
        CACHE_DOWN.warn("The cache is unreachable; stamps read as missing.")
        return {}


def current(names: list[str]) -> dict[str, str]:
    """The token of every stamp in `names`, made where missing (`add`: two makers agree on
    one); {} when the cache cannot be reached. Read these before the rows an answer uses."""
    try:
        cache = caches[CACHE]
        found = cache.get_many(names)
        missing = [name for name in names if name not in found]
        for name in missing:
            cache.add(name, secrets.token_hex(16), timeout=STAMP_SECONDS)
        if missing:
            found |= cache.get_many(missing)
    except Exception:  # any cache failure: no tokens, so nothing is kept
        CACHE_DOWN.warn("The cache is unreachable; stamps read as missing.")
        return {}
    return found if len(found) == len(names) else {}


def replace(name: str) -> None:
    """What `name` stands for changed: a new token now and again when the transaction
    commits (at once when there is none)."""
    _replace(name)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _replace(name), robust=True)


def _replace(name: str) -> None:
    try:
        caches[CACHE].set(name, secrets.token_hex(16), timeout=STAMP_SECONDS)
    except Exception:  # logged; answers kept under the old token expire on their own
        log.warning("The cache is unreachable; stamp %s was not replaced.", name, exc_info=True)
