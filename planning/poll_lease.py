"""The planning poll's lease: the unchanged poll answered from the cache, no database work.

Once the poll has answered 204 the full way (the browser session, then one statement for
sign-in, membership, version and presence), it keeps a lease in the cache for that browser
session and planning session: the version it answered for, the viewer's user id, and the tokens
of the three stamps (productops.stamps) that answer rests on, read before the rows were:

- the browser session's, replaced when the session is deleted (signed out, its key cycled,
  flushed by Django's check after a password change): productops.session_store;
- the user's, replaced when their row or a membership of theirs is saved or deleted (password,
  active, role, removal): productops.signed_in;
- the planning session's, replaced whenever its version rises (`version_moved`, called by
  planning.services.live for every rise).

A poll that sends the lease's version answers 204 from the lease while all three tokens are
current: one cache read (MGET) of the lease and the three stamps. The user stamp's name needs the
user id, which only the lease holds; the process remembers which user each browser session's
lease was for (`_users`, a hint: never trusted, only used to name the stamp to fetch in the same
read), and when the hint is missing or the lease names another user, a second read fetches that
user's stamp. The answer rests only on the lease and the stamps it names. Anything else (no
lease, a token replaced or missing, the cache unreachable) takes the full way, which is always
right: Redis stays a cache. A lease lasts no longer than the viewer's presence may go unstamped
(PRESENCE_TOUCH), the auto-reveal countdown, or the browser session, so those still happen on
time through the full way.
"""

import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from django.utils import timezone

from productops import stamps
from productops.session_store import session_stamp
from productops.signed_in import user_stamp

LONGEST = timedelta(seconds=5)  # = participants.PRESENCE_TOUCH, asserted in tests


def planning_stamp(session_id: int) -> str:
    return stamps.stamp_name("planning-session", session_id)


def version_moved(session_id: int) -> None:
    """The session's version rose (now, or when the transaction commits): no lease granted
    before holds after."""
    stamps.replace(planning_stamp(session_id))


def lease_key(session_key: str, slug: str, session_id: int) -> str:
    return f"planning-poll:{session_key}:{slug}:{session_id}"


def _session_key(request: HttpRequest) -> str | None:
    """The session cookie's key when it has the shape of one Django makes (letters and digits);
    anything else never becomes part of a cache key."""
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    return key if 8 <= len(key) <= 64 and key.isascii() and key.isalnum() else None


@dataclass(frozen=True)
class Lease:
    user_id: int
    version: int
    tokens: tuple[str, ...]  # of _names(...), in that order


def _names(session_key: str, user_id: int, session_id: int) -> list[str]:
    return [session_stamp(session_key), planning_stamp(session_id), user_stamp(user_id)]


# session key -> the user id its last lease was for: a hint for holds() (see the docstring),
# bounded; the oldest entry goes first. Only ever names a stamp to read, never vouches.
_users: dict[str, int] = {}
HINTS = 10_000


def _remember(session_key: str, user_id: int) -> None:
    if _users.get(session_key) == user_id:
        return
    _users[session_key] = user_id
    if len(_users) > HINTS:
        # Another thread may have taken the oldest first.
        with contextlib.suppress(KeyError, RuntimeError, StopIteration):
            del _users[next(iter(_users))]


def holds(request: HttpRequest, *, slug: str, session_id: int, seen: int) -> bool:
    """True when a lease says version `seen` is current for this browser session and viewer
    and none of its stamps was replaced since. Never raises; False means: ask the database.

    One cache round trip when this process knows the lease's user (the usual case), two when
    it does not."""
    session_key = _session_key(request)
    if session_key is None:
        return False
    key = lease_key(session_key, slug, session_id)
    hint = _users.get(session_key)
    names = [session_stamp(session_key), planning_stamp(session_id)]
    if hint is not None:
        names.append(user_stamp(hint))
    found = stamps.read([key, *names])  # {} when the cache cannot be reached
    lease = found.get(key)
    if not isinstance(lease, Lease) or lease.version != seen:
        return False
    if lease.user_id != hint:
        names = _names(session_key, lease.user_id, session_id)
        found |= stamps.read(names[2:])
        _remember(session_key, lease.user_id)
    return tuple(found.get(name) for name in names) == lease.tokens


class Pending:
    """A lease being earned by the full way: the stamps are read before the rows they cover
    (`before_session` before the browser session, its copy or row; `before_user` before the
    statement reading the user, membership and version), then `grant` keeps it."""

    def __init__(self, request: HttpRequest, *, slug: str, session_id: int):
        self.session_key = _session_key(request)
        self.slug, self.session_id = slug, session_id
        self.tokens: dict[str, str] = {}
        self.user_id: int | None = None

    def before_session(self) -> None:
        if self.session_key is not None:
            self.tokens |= stamps.current(
                [session_stamp(self.session_key), planning_stamp(self.session_id)]
            )

    def before_user(self, user_id: int) -> None:
        self.user_id = user_id
        self.tokens |= stamps.current([user_stamp(user_id)])

    def grant(self, *, version: int, until: datetime) -> None:
        """Keeps the lease for version `version` until `until` (rounded down to the second;
        nothing when under a second is left, or a stamp was not read)."""
        if self.session_key is None or self.user_id is None:
            return
        names = _names(self.session_key, self.user_id, self.session_id)
        if any(name not in self.tokens for name in names):
            return
        seconds = int((until - timezone.now()).total_seconds())
        if seconds < 1:
            return
        lease = Lease(self.user_id, version, tuple(self.tokens[name] for name in names))
        try:
            caches[stamps.CACHE].set(
                lease_key(self.session_key, self.slug, self.session_id), lease, timeout=seconds
            )
        except Exception:  # the cache unreachable: the next poll takes the full way again
            return
        _remember(self.session_key, self.user_id)
