"""Django's sessions in the database, read through the cache (SESSION_ENGINE), telling the
cache when one ends.

A session is read from the cache when a copy is kept there (a Redis round trip instead of a
query on every signed-in request) and from its database row otherwise; the row stays the
record. Unlike Django's `cached_db` engine, a copy lives at most KEPT_SECONDS (so a deletion
whose cache delete failed, Redis cut off from this process only, stops signing in within that
time), a cache that cannot be reached is never an error (the row is read and written as
without a cache), and the copy carries the row's expiry (`stored_expiry`, which the planning
poll's lease keys on).

A session deleted (signed out, its key cycled at sign-in, flushed by Django's check of a changed
password) loses its copy and replaces its stamp, so nothing kept in the cache for that session
key holds after it (productops.stamps; the planning poll's lease keys on it).
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDatabaseStore
from django.core.cache import BaseCache, caches

from productops import stamps
from productops.rare_warning import RareWarning

CACHE_DOWN = RareWarning(logging.getLogger(__name__))
KEPT_SECONDS = 60


def session_stamp(session_key: str) -> str:
    return stamps.stamp_name("session", session_key)


@dataclass(frozen=True)
class KeptSession:
    """The copy of a session row in the cache: its decoded data and the row's expiry."""

    data: dict
    expiry: datetime


class SessionStore(CachedDatabaseStore):
    cache_key_prefix = "productops.session:"
    # When the stored session stops signing in (its row's expire_date), once loaded; None for a
    # session not in the database. A lease kept for the session ends no later.
    stored_expiry: datetime | None = None

    @property
    def _copies(self) -> BaseCache:
        return caches[settings.SESSION_CACHE_ALIAS]

    def load(self) -> dict:
        kept = None
        if self.session_key is not None:
            try:
                kept = self._copies.get(self.cache_key)
            except Exception:  # unreachable, or a key it refuses: the row decides
                kept = None
        if isinstance(kept, KeptSession):
            self.stored_expiry = kept.expiry
            return dict(kept.data)
        found = self._get_session_from_db()  # type: ignore[attr-defined]  # django-stubs lacks it
        self.stored_expiry = found.expire_date if found else None
        if found is None:
            return {}
        data = self.decode(found.session_data)
        self._keep(data, found.expire_date)
        return data

    def save(self, must_create: bool = False) -> None:
        # The database row first (DBStore.save), then the copy, as cached_db does.
        super(CachedDatabaseStore, self).save(must_create)
        self.stored_expiry = self.get_expiry_date()
        self._keep(self._session, self.stored_expiry)  # type: ignore[attr-defined]  # stubs lack it

    def _keep(self, data: dict, expiry: datetime) -> None:
        seconds = min(KEPT_SECONDS, self.get_expiry_age(expiry=expiry))
        if seconds <= 0:
            return
        try:
            self._copies.set(self.cache_key, KeptSession(dict(data), expiry), seconds)
        except Exception:  # the next request reads the row
            CACHE_DOWN.warn("The cache is unreachable; sessions are read from the database.")

    def delete(self, session_key: str | None = None) -> None:
        ended = session_key or self.session_key
        # The row first (DBStore.delete): the record says it ended whatever the cache does.
        super(CachedDatabaseStore, self).delete(session_key)
        if not ended:
            return
        try:
            self._copies.delete(self.cache_key_prefix + ended)
        except Exception:  # its copy lapses within KEPT_SECONDS
            CACHE_DOWN.warn("The cache is unreachable; a session copy was not deleted.")
        stamps.replace(session_stamp(ended))

    def exists(self, session_key: str) -> bool:
        # Whether a key is taken: the rows are the record (a key's copy may have lapsed).
        return super(CachedDatabaseStore, self).exists(session_key)
