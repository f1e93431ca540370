"""What the inbox offers to filter and file by: tags, product areas, the members who triage,
and saved views (a user's own and the shared ones). Sources are intake's
(`selectors.intake.sources`)."""

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404

from feedback.models import ProductArea, SavedView, Tag
from productops.models import Membership, User, Workspace


def tags(*, workspace: Workspace) -> QuerySet[Tag]:
    return Tag.objects.filter(workspace=workspace).order_by(F("name").asc())


def product_areas(*, workspace: Workspace) -> QuerySet[ProductArea]:
    return ProductArea.objects.filter(workspace=workspace).order_by("name")


def assignees(*, workspace: Workspace) -> list[User]:
    """Members who may be assigned feedback (everyone who triages)."""
    memberships = (
        Membership.objects.filter(workspace=workspace, user__is_active=True)
        .exclude(role="exec")
        .select_related("user")
        .order_by("user__name", "user__email")
    )
    return [m.user for m in memberships]


def saved_views(*, workspace: Workspace, user: User) -> QuerySet[SavedView]:
    """The user's own views and everyone's shared ones."""
    return (
        SavedView.objects.filter(workspace=workspace)
        .filter(Q(owner=user) | Q(shared=True))
        .select_related("owner")
        .order_by("-shared", Lower("name"), "id")
    )


def visible_saved_view(*, workspace: Workspace, view_id: int, user: User) -> SavedView | None:
    """A view the user can see (own or shared), or None."""
    return saved_views(workspace=workspace, user=user).filter(pk=view_id).first()


def saved_view(*, workspace: Workspace, view_id: int, user: User) -> SavedView:
    """A view the user can see (own or shared); 404 for anyone else's personal one."""
    return get_object_or_404(
        SavedView.objects.filter(Q(owner=user) | Q(shared=True)),
        workspace=workspace,
        pk=view_id,
    )
