"""The one access gate. Every page and endpoint resolves its actor here.

Not a member of the workspace (or a token of another workspace): 404, so slugs and ids cannot be
probed. A member or token without the capability: 403.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django_htmx.middleware import HtmxDetails

from productops import clock, signed_in
from productops.capabilities import (
    SCOPE_FOR,
    TOKEN_REFUSAL,
    Capability,
    role_has,
    scopes_grant,
)
from productops.models import ApiToken, Membership, Role, User, Workspace


class NotAMember(Http404):
    pass


@dataclass(frozen=True)
class Actor:
    """Who is acting in a workspace: a member (user and role) or an API token."""

    workspace: Workspace
    user: User | None = None
    role: str | None = None
    membership_id: int | None = None
    token: ApiToken | None = None

    def can(self, capability: Capability) -> bool:
        if self.token is not None:
            return scopes_grant(self.token.scopes, capability)
        return self.role is not None and role_has(self.role, capability)

    @property
    def role_label(self) -> str:
        return Role(self.role).label if self.role else "API token"

    @property
    def label(self) -> str:
        if self.token is not None:
            return f"API token {self.token.name}"
        return self.user.display_name if self.user else "system"

    @classmethod
    def for_membership(cls, membership: Membership) -> "Actor":
        return cls(
            workspace=membership.workspace,
            user=membership.user,
            role=membership.role,
            membership_id=membership.pk,
        )


def require(actor: Actor, capability: Capability) -> None:
    """PermissionDenied naming why, unless the actor holds `capability`: the role lacks it, or
    for an API token, no token may (a person's act: it needs a signed-in member) or the token's
    scopes lack the one that grants it."""
    if actor.can(capability):
        return
    what = capability.replace("_", " ")
    if actor.token is None:
        raise PermissionDenied(f"Your role cannot {what}.")
    scope = SCOPE_FOR[capability]
    if scope is None:
        why = TOKEN_REFUSAL.get(capability, "that is a person's")
        raise PermissionDenied(
            f"An API token cannot {what}: {why}, so it needs a signed-in member."
        )
    raise PermissionDenied(f"This API token cannot {what}: that needs the {scope} scope.")


def member_actor(*, user: User, slug: str) -> Actor:
    membership = (
        Membership.objects.select_related("workspace", "user")
        .filter(workspace__slug=slug, user=user, user__is_active=True)
        .first()
    )
    if membership is None:
        raise NotAMember("No such workspace.")
    return Actor.for_membership(membership)


def token_actor(*, token: ApiToken, slug: str) -> Actor:
    if token.workspace.slug != slug or not token.is_active:
        raise NotAMember("No such workspace.")
    return Actor(workspace=token.workspace, token=token, user=token.created_by)


class SignedInRequest(HttpRequest):
    """A request that login_required (or member_required) let through: its user is signed in."""

    user: User


class WorkspaceRequest(SignedInRequest):
    """A request that passed member_required: a signed-in member of the workspace."""

    workspace: Workspace
    actor: Actor
    htmx: HtmxDetails
    member_workspaces: list[Membership]  # the user's memberships, for the workspace switcher


def member_required(capability: Capability) -> Callable:
    """Decorates a page view taking `slug`: sign-in, membership, then the capability. The
    sign-in and membership come from the cache when a copy holds (productops.signed_in)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, slug: str, *args, **kwargs) -> HttpResponse:
            found = signed_in.member(request, slug=slug)
            if found is None:
                if not request.user.is_authenticated:
                    return redirect_to_login(request.get_full_path())
                raise NotAMember("No such workspace.")
            actor = Actor.for_membership(found.membership)
            # From here on the request carries what WorkspaceRequest promises the view.
            gated = cast(WorkspaceRequest, request)
            gated.member_workspaces = found.workspaces
            gated.workspace = actor.workspace
            gated.actor = actor  # set first, so a 403 page still shows the workspace shell
            # Pages show times and dates in the workspace's zone, the zone its "today" and day
            # filters use (productops/clock.py).
            with timezone.override(clock.zone(actor.workspace)):
                require(actor, capability)
                return view(gated, *args, **kwargs)

        return wrapped

    return decorator
