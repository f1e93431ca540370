"""Who a request's session says is signed in, for an endpoint that reads the user's row in its
own query instead of a second one (the planning poll: one statement answers sign-in,
membership and the session's version).

`claimed_user_id` reads the session; `claim_holds` applies the check Django's
`django.contrib.auth.get_user` makes on the row the caller read (the model backend, an active
user, the session's auth hash of the current secret). Anything else (another backend, an old
secret, a changed password) is left to Django: the caller takes `request.user`, which verifies,
rotates or flushes the session as always.

`user_stamp` names the stamp (productops.stamps) of everything that decides whether a user's
sessions still sign them in and what they may see: their row (password, active), their
memberships and the workspaces they are members of. It is replaced whenever one is saved or
deleted, through the model signals, so no way of changing them (a service, the admin, a cascade)
can skip it.

`member` answers every page's gate (productops.access.member_required) with the user, their
membership and workspace, and the workspaces they may switch to: from a copy kept in the cache
under the user's stamp when one holds (one cache round trip instead of two queries), else from
the database, keeping a copy. A copy holds while the stamp's token is the one read before its
rows, and only for a session whose auth hash matches the password it was kept with; it lives
KEPT_SECONDS at most and never holds the password hash (the user's `password` is deferred: read
from the database if a view asks for it). The cache unreachable: the database, as without it.
"""

import copy
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.cache import caches
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare

from productops import stamps
from productops.models import Membership, User, Workspace
from productops.rare_warning import RareWarning

CACHE_DOWN = RareWarning(logging.getLogger(__name__))
KEPT_SECONDS = 60  # = session_store.KEPT_SECONDS: what a failed stamp replacement may leave

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


def _workspace_changed(sender, instance: Workspace, **kwargs) -> None:
    # Its name, zone or logo is in every member's kept copy (a few members; saved rarely).
    for user_id in Membership.objects.filter(workspace_id=instance.pk).values_list(
        "user_id", flat=True
    ):
        stamps.replace(user_stamp(user_id))


def watch_users() -> None:
    """Connects the stamp's replacement to every save and delete of a user or a membership
    (from ProductopsConfig.ready). Signals here keep a cache true, they decide nothing."""
    receivers = (
        (User, _user_changed),
        (Membership, _membership_changed),
        (Workspace, _workspace_changed),
    )
    for model, receiver in receivers:
        post_save.connect(receiver, sender=model, dispatch_uid=f"user-stamp-{model.__name__}")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"user-stamp-{model.__name__}")


@dataclass(frozen=True)
class KeptMember:
    """A member's sign-in as kept in the cache: the user's stamp token read before the rows,
    the session auth hash of the password then, the membership (its `user`, password deferred,
    and `workspace` loaded) and the user's memberships for the workspace switcher."""

    token: str
    auth_hash: str
    membership: Membership
    workspaces: list[Membership]


@dataclass(frozen=True)
class Member:
    """What `member` answers: the membership (with `user` and `workspace`) and the user's
    memberships in every workspace (with `workspace`), by workspace name."""

    membership: Membership
    workspaces: list[Membership]


def _kept_key(user_id: int, slug: str) -> str:
    return f"signed-in:{user_id}:{slug}"


def member(request: HttpRequest, *, slug: str) -> Member | None:
    """The signed-in user's membership of workspace `slug`; None when the request is not
    signed in (as Django's `request.user` decides) or the user is not a member of it (or
    not active). Sets `request.user` to the member's user. One cache round trip when a kept
    copy holds; else the user's and the membership's queries (and the workspaces'), kept."""
    user_id = claimed_user_id(request)
    kept = _kept(request, user_id, slug) if user_id is not None else None
    if kept is not None:
        request.user = kept.membership.user
        return Member(kept.membership, kept.workspaces)
    tokens = stamps.current([user_stamp(user_id)]) if user_id is not None else {}
    if not request.user.is_authenticated:
        return None
    membership = (
        Membership.objects.select_related("workspace", "user")
        .filter(workspace__slug=slug, user=request.user, user__is_active=True)
        .first()
    )
    if membership is None:
        return None
    workspaces = list(
        Membership.objects.filter(user_id=membership.user_id)
        .select_related("workspace")
        .order_by("workspace__name")
    )
    token = tokens.get(user_stamp(membership.user_id))
    if token is not None and membership.user_id == user_id:
        _keep(request, slug, token, membership, workspaces)
    return Member(membership, workspaces)


def _kept(request: HttpRequest, user_id: int, slug: str) -> KeptMember | None:
    key, stamp = _kept_key(user_id, slug), user_stamp(user_id)
    try:
        found = caches[stamps.CACHE].get_many([key, stamp])
    except Exception:  # unreachable: the database
        return None
    kept = found.get(key)
    if not isinstance(kept, KeptMember) or kept.token != found.get(stamp):
        return None
    session_hash = request.session.get(HASH_SESSION_KEY)
    if not session_hash or not constant_time_compare(session_hash, kept.auth_hash):
        return None  # another password, or another secret: Django's own check decides
    return kept


def _keep(
    request: HttpRequest,
    slug: str,
    token: str,
    membership: Membership,
    workspaces: list[Membership],
) -> None:
    """Keeps the copy when the session's auth hash is the one of the user row just read."""
    user = membership.user
    auth_hash = user.get_session_auth_hash()
    session_hash = request.session.get(HASH_SESSION_KEY)
    if not session_hash or not constant_time_compare(session_hash, auth_hash):
        return
    kept_user = copy.copy(user)
    kept_user.__dict__.pop("password", None)  # deferred: the hash never goes to the cache
    kept_membership = copy.copy(membership)
    kept_membership.user = kept_user
    kept = KeptMember(token, auth_hash, kept_membership, workspaces)
    try:
        caches[stamps.CACHE].set(_kept_key(user.pk, slug), kept, timeout=KEPT_SECONDS)
    except Exception:  # the next request reads the database again
        CACHE_DOWN.warn("The cache is unreachable; pages sign in from the database.")
