"""Who a request's session says is signed in, for an endpoint that reads the user's row in its
own query instead of a second one (the planning poll: one statement answers sign-in,
membership and the session's version).

`claimed_user_id` reads the session; `claim_holds` applies the check Django's
`django.contrib.auth.get_user` makes on the row the caller read (the model backend, an active
user, the session's auth hash of the current secret). Anything else (another backend, an old
secret, a changed password) is left to Django: the caller takes `request.user`, which verifies,
rotates or flushes the session as always.

`user_stamp` names the stamp (productops.stamps) of everything that decides whether a user's
sessions still sign them in and what they may see: their row (password, active) and their
memberships. It is replaced whenever one is saved or deleted, through the model signals, so no
way of changing them (a service, the admin, a cascade) can skip it.
"""

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare

from productops import stamps
from productops.models import Membership, User

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def claimed_user_id(request: HttpRequest) -> int | None:
    """The user id the session names through the model backend; None for any other session."""
    session = request.session
    backend = session.get(BACKEND_SESSION_KEY)
    if backend != MODEL_BACKEND or backend not in settings.AUTHENTICATION_BACKENDS:
        return None
    try:
        return int(session[SESSION_KEY])
    except (KeyError, TypeError, ValueError):
        return None


def claim_holds(request: HttpRequest, *, user_id: int, password: str, is_active: bool) -> bool:
    """True when the session's auth hash matches the user row read by the caller (`password`
    as stored, hashed) and the user may sign in: what `get_user` checks, current secret only."""
    session_hash = request.session.get(HASH_SESSION_KEY)
    if not session_hash or not is_active:
        return False
    user = User(pk=user_id, password=password, is_active=is_active)
    return constant_time_compare(session_hash, user.get_session_auth_hash())


def user_stamp(user_id: int) -> str:
    return stamps.stamp_name("user", user_id)


def _user_changed(sender, instance: User, update_fields=None, **kwargs) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # every sign-in saves last_login; it decides nothing
    stamps.replace(user_stamp(instance.pk))


def _membership_changed(sender, instance: Membership, **kwargs) -> None:
    stamps.replace(user_stamp(instance.user_id))


def watch_users() -> None:
    """Connects the stamp's replacement to every save and delete of a user or a membership
    (from ProductopsConfig.ready). Signals here keep a cache true, they decide nothing."""
    for model, receiver in ((User, _user_changed), (Membership, _membership_changed)):
        post_save.connect(receiver, sender=model, dispatch_uid=f"user-stamp-{model.__name__}")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"user-stamp-{model.__name__}")
