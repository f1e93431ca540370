"""Django's database sessions, telling the cache when one ends (SESSION_ENGINE).

A session deleted (signed out, its key cycled at sign-in, flushed by Django's check of a changed
password) replaces its stamp, so nothing kept in the cache for that session key holds after it
(productops.stamps; the planning poll's lease keys on it).
"""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

from productops import stamps


def session_stamp(session_key: str) -> str:
    return stamps.stamp_name("session", session_key)


class SessionStore(DatabaseSessionStore):
    # When the stored session stops signing in (its row's expire_date), once loaded; None for a
    # session not in the database. A lease kept for the session ends no later.
    stored_expiry = None

    def _get_session_from_db(self):
        found = super()._get_session_from_db()  # type: ignore[misc]  # django-stubs lacks it
        self.stored_expiry = found.expire_date if found else None
        return found

    def delete(self, session_key: str | None = None) -> None:
        ended = session_key or self.session_key
        super().delete(session_key)
        if ended:
            stamps.replace(session_stamp(ended))
