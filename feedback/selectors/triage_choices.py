"""What the inbox offers to filter and file by: tags, product areas, the members who triage,
and saved views (a user's own and the shared ones). Sources are intake's
(`selectors.intake.sources`)."""

from dataclasses import dataclass

from django.db import connection
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404

from feedback.models import ProductArea, SavedView, Tag
from productops import compiled
from productops.models import Role, User, Workspace


def tags(*, workspace: Workspace) -> QuerySet[Tag]:
    return Tag.objects.filter(workspace=workspace).order_by(F("name").asc())


def product_areas(*, workspace: Workspace) -> QuerySet[ProductArea]:
    return ProductArea.objects.filter(workspace=workspace).order_by("name")


@dataclass(frozen=True)
class Choice:
    """One row a picker offers: a tag, product area or user by id (`pk`), with its name (and
    a user's email). Plain values: model instances cost the inbox a millisecond a page."""

    pk: int
    name: str
    email: str = ""

    @property
    def display_name(self) -> str:
        """As User.display_name: the name, else the email."""
        return self.name or self.email


@dataclass(frozen=True)
class Offered:
    """What the inbox's pickers offer: the workspace's tags and product areas by name, and the
    members feedback may be assigned to (active, not execs) by name then email."""

    tags: list[Choice]
    areas: list[Choice]
    assignees: list[Choice]


# The three pickers' rows as one plain statement: compiling the ORM's UNION ALL cost 2-3 ms of
# CPU on every panel and inbox page, far more than Postgres spends on it.
OFFERED_SQL = """
    (SELECT 'tag' AS kind, id AS row_id, name, '' AS email FROM feedback_tag
      WHERE workspace_id = %(ws)s)
    UNION ALL
    (SELECT 'area', id, name, '' FROM feedback_productarea WHERE workspace_id = %(ws)s)
    UNION ALL
    (SELECT 'user', m.user_id, u.name, u.email
       FROM productops_membership m JOIN productops_user u ON u.id = m.user_id
      WHERE u.is_active AND m.workspace_id = %(ws)s AND m.role <> %(exec)s)
    ORDER BY 1, 3, 4
"""


def offered(*, workspace: Workspace) -> Offered:
    """The three pickers' rows in one query (a UNION ALL): the inbox page and every item panel
    show them, and a round trip costs more than the rows do."""
    with connection.cursor() as cursor:
        cursor.execute(OFFERED_SQL, {"ws": workspace.pk, "exec": Role.EXEC.value})
        rows = cursor.fetchall()
    found = Offered(tags=[], areas=[], assignees=[])
    lists = {"tag": found.tags, "area": found.areas, "user": found.assignees}
    for kind, pk, name, email in rows:
        lists[kind].append(Choice(pk, name, email))
    return found


@dataclass(frozen=True)
class ViewChoice:
    """A saved view as the inbox's chips show it: plain values (saved_view_choices())."""

    pk: int
    name: str
    shared: bool
    owner: Choice  # who saved it (its display_name shows on a shared view)


def saved_view_choices(*, workspace: Workspace, user: User) -> list[ViewChoice]:
    """saved_views() as plain values, in their order, their SQL compiled once per workspace and
    user (productops.compiled): what the inbox page shows of them on every request."""

    def build() -> QuerySet:
        return saved_views(workspace=workspace, user=user).values(
            "id", "name", "shared", "owner_id", "owner__name", "owner__email"
        )

    return [
        ViewChoice(
            row["id"],
            row["name"],
            row["shared"],
            Choice(row["owner_id"], row["owner__name"] or "", row["owner__email"] or ""),
        )
        for row in compiled.values_rows(("saved_views", workspace.pk, user.pk), build)
    ]


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
