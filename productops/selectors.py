"""Every read of the platform. Each takes the workspace explicitly."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from productops.models import (
    ApiToken,
    AuditEvent,
    Invitation,
    Membership,
    User,
    Workspace,
    WorkspaceLogo,
)
from productops.tokens import sha256


def workspace_or_none(*, slug: str) -> Workspace | None:
    return Workspace.objects.filter(slug=slug).first()


def workspaces_of(*, user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user).select_related("workspace").order_by("workspace__name")
    )


def members(*, workspace: Workspace) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(workspace=workspace)
        .select_related("user")
        .order_by("user__name", "user__email")
    )


# Lookups by id answer 404 for ids of other workspaces, exactly as for ids that do not exist.
def member(*, workspace: Workspace, membership_id: int) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("user"), workspace=workspace, pk=membership_id
    )


def open_invitations(*, workspace: Workspace) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(
            workspace=workspace, accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()
        )
        .select_related("invited_by")
        .order_by("-created_at")
    )


def invitation(*, workspace: Workspace, invitation_id: int) -> Invitation:
    return get_object_or_404(Invitation, workspace=workspace, pk=invitation_id)


def invitation_by_token(*, raw_token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("workspace", "invited_by")
        .filter(token_hash=sha256(raw_token))
        .first()
    )


def api_tokens(*, workspace: Workspace) -> QuerySet[ApiToken]:
    return (
        ApiToken.objects.filter(workspace=workspace)
        .select_related("created_by")
        .order_by("revoked_at", "-created_at")
    )


def api_token(*, workspace: Workspace, token_id: int) -> ApiToken:
    return get_object_or_404(ApiToken, workspace=workspace, pk=token_id)


def audit_events(*, workspace: Workspace) -> QuerySet[AuditEvent]:
    """Newest first; filtered by productops.filters.AuditEventFilter, paged by keyset."""
    return AuditEvent.objects.filter(workspace=workspace).order_by("-created_at", "-id")


def audit_verbs(*, workspace: Workspace) -> list[str]:
    return list(
        AuditEvent.objects.filter(workspace=workspace)
        .order_by("verb")
        .values_list("verb", flat=True)
        .distinct()
    )


def user_exists(*, email: str) -> bool:
    return User.objects.filter(email__iexact=email).exists()


def workspace_logo(*, workspace: Workspace) -> WorkspaceLogo | None:
    return WorkspaceLogo.objects.filter(workspace=workspace).first()
