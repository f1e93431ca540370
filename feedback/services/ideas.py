"""Every write of ideas: statuses, ideas, links from feedback and merges (closing the loop is in
feedback.services.loop_closures)."""

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from feedback.models import (
    FeedbackItem,
    Idea,
    IdeaLink,
    IdeaStatus,
    Importance,
    ProductArea,
    RoadmapSettings,
    StatusCategory,
)
from feedback.selectors import ideas as idea_selectors
from feedback.services.idea_changes import check_workspace, mark_ideas
from productops import clock
from productops.access import Actor, require
from productops.audit import audit, diff, mark_buckets
from productops.capabilities import Capability
from productops.errors import StaleEdit
from productops.models import Membership, User, Workspace
from productops.validation import Text

IDEA_TITLE = Text(200)  # Idea.title's column

DEFAULT_STATUSES = [
    ("New", StatusCategory.OPEN),
    ("Under review", StatusCategory.OPEN),
    ("Planned", StatusCategory.PLANNED),
    ("In progress", StatusCategory.IN_PROGRESS),
    ("Shipped", StatusCategory.SHIPPED),
    ("Declined", StatusCategory.DECLINED),
]
EDITABLE = ("title", "description", "status", "product_area", "owner", "is_public")


def _snapshot(idea: Idea) -> dict[str, Any]:
    return {
        "title": idea.title,
        "description": idea.description,
        "status": idea.status.name if idea.status_id else None,
        "product_area": idea.product_area.name if idea.product_area else None,
        "owner": idea.owner.email if idea.owner else None,
        "is_public": idea.is_public,
    }


@transaction.atomic
def idea_statuses_create_defaults(*, actor: Actor) -> list[IdeaStatus]:
    """The six default statuses, made with a new workspace (productops.workspace_setup).

    No capability is asked: it is part of making the workspace, by whoever made it. A workspace
    that has statuses already keeps its own.
    """
    workspace = actor.workspace
    if IdeaStatus.objects.filter(workspace=workspace).exists():
        return idea_selectors.statuses(workspace=workspace)
    created = IdeaStatus.objects.bulk_create(
        [
            IdeaStatus(workspace=workspace, name=name, category=category, position=index * 10)
            for index, (name, category) in enumerate(DEFAULT_STATUSES)
        ]
    )
    for status in created:
        audit(
            actor,
            "idea_status.created",
            status,
            after={"name": status.name, "category": status.category, "position": status.position},
        )
    return created


def _check_owner(actor: Actor, owner: User | None) -> None:
    if (
        owner is not None
        and not Membership.objects.filter(workspace=actor.workspace, user=owner).exists()
    ):
        raise ValidationError({"owner": "The owner must be a member of this workspace."})


@transaction.atomic
def idea_status_create(
    *, actor: Actor, name: str, category: str, position: int | None = None, is_public: bool = True
) -> IdeaStatus:
    # Statuses shape every PM's board, so only admins and ops leads (who run the pipeline's
    # configuration, as with sources) define them.
    require(actor, Capability.MANAGE_SOURCES)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Name the status."})
    if category not in StatusCategory.values:
        raise ValidationError({"category": "Choose a category."})
    if IdeaStatus.objects.filter(workspace=actor.workspace, name__iexact=name).exists():
        raise ValidationError({"name": "A status with this name exists."})
    if position is None:
        last = IdeaStatus.objects.filter(workspace=actor.workspace).order_by("-position").first()
        position = (last.position + 10) if last else 0
    status = IdeaStatus.objects.create(
        workspace=actor.workspace,
        name=name,
        category=category,
        position=position,
        is_public=is_public,
    )
    audit(
        actor,
        "idea_status.created",
        status,
        after={"name": name, "category": category, "position": position, "is_public": is_public},
    )
    mark_ideas(actor.workspace)
    return status


@transaction.atomic
def idea_status_update(
    *, actor: Actor, status: IdeaStatus, name: str, position: int, is_public: bool
) -> IdeaStatus:
    require(actor, Capability.MANAGE_SOURCES)
    check_workspace(actor, status)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Name the status."})
    clash = IdeaStatus.objects.filter(workspace=actor.workspace, name__iexact=name).exclude(
        pk=status.pk
    )
    if clash.exists():
        raise ValidationError({"name": "A status with this name exists."})
    before = {"name": status.name, "position": status.position, "is_public": status.is_public}
    status.name, status.position, status.is_public = name, position, is_public
    status.save(update_fields=["name", "position", "is_public"])
    before, after = diff(before, {"name": name, "position": position, "is_public": is_public})
    audit(actor, "idea_status.updated", status, before=before, after=after)
    mark_ideas(actor.workspace)
    return status


@transaction.atomic
def roadmap_update(
    *, actor: Actor, enabled: bool, title: str = "", intro: str = ""
) -> RoadmapSettings:
    require(actor, Capability.MANAGE_SOURCES)
    settings, _ = RoadmapSettings.objects.select_for_update().get_or_create(
        workspace=actor.workspace
    )
    before = {"enabled": settings.enabled, "title": settings.title, "intro": settings.intro}
    settings.enabled, settings.title, settings.intro = enabled, title.strip(), intro.strip()
    settings.updated_at = timezone.now()
    settings.save()
    after = {"enabled": enabled, "title": settings.title, "intro": settings.intro}
    before, after = diff(before, after)
    audit(actor, "roadmap.updated", settings, before=before, after=after)
    return settings


def _default_status(workspace: Workspace) -> IdeaStatus:
    first = IdeaStatus.objects.filter(workspace=workspace).order_by("position", "id").first()
    if first is None:
        raise ValidationError({"status": "Add an idea status first (Ideas, Settings)."})
    return first


@transaction.atomic
def idea_create(
    *,
    actor: Actor,
    title: str,
    description: str = "",
    product_area: ProductArea | None = None,
    status: IdeaStatus | None = None,
    owner: User | None = None,
    is_public: bool = False,
) -> Idea:
    require(actor, Capability.MANAGE_IDEAS)
    title = IDEA_TITLE.clean(title, field="title")  # longer is refused, never cut
    if not title:
        raise ValidationError({"title": "Give the idea a title."})
    check_workspace(actor, product_area, status)
    _check_owner(actor, owner)
    idea = Idea.objects.create(
        workspace=actor.workspace,
        title=title,
        description=description.strip(),
        status=status or _default_status(actor.workspace),
        product_area=product_area,
        owner=owner,
        is_public=is_public,
    )
    audit(actor, "idea.created", idea, after=_snapshot(idea))
    mark_ideas(actor.workspace, idea.pk)
    return idea


@transaction.atomic
def idea_update(*, actor: Actor, idea: Idea, expected_version: int, **changes) -> Idea:
    """Changes any of title, description, status, product_area, owner, is_public.

    Raises StaleEdit (with the current values) when someone changed the idea first.
    """
    require(actor, Capability.MANAGE_IDEAS)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError(f"Cannot change {', '.join(sorted(unknown))}.")
    current = (
        Idea.objects.select_for_update(of=("self",))
        .select_related("status", "product_area", "owner")
        .get(pk=idea.pk, workspace=actor.workspace)
    )
    if current.version != expected_version:
        raise StaleEdit(
            "Someone changed this idea while you were editing it. Here is what it says now.",
            current={**_snapshot(current), "version": current.version},
        )
    if current.merged_into_id:
        raise ValidationError("This idea was merged into another; edit that one instead.")
    if "title" in changes:
        changes["title"] = IDEA_TITLE.clean(changes["title"] or "", field="title")
        if not changes["title"]:
            raise ValidationError({"title": "Give the idea a title."})
    if "description" in changes:
        changes["description"] = (changes["description"] or "").strip()
    if "status" in changes and changes["status"] is None:
        raise ValidationError({"status": "Choose a status."})
    check_workspace(actor, changes.get("status"), changes.get("product_area"))
    if "owner" in changes:
        _check_owner(actor, changes["owner"])
    before = _snapshot(current)
    now = timezone.now()
    if "status" in changes and changes["status"].pk != current.status_id:
        current.status_changed_at = now
    for name, value in changes.items():
        setattr(current, name, value)
    current.version += 1
    current.updated_at = now
    current.save()
    before, after = diff(before, _snapshot(current))
    audit(actor, "idea.updated", current, before=before, after=after)
    mark_ideas(actor.workspace, current.pk)
    return current


def _item_bucket(workspace: Workspace, items: Sequence[FeedbackItem]) -> None:
    days = [clock.workspace_date(workspace, i.received_at).isoformat() for i in items]
    mark_buckets(workspace, "feedback", days)


@transaction.atomic
def idea_link(
    *,
    actor: Actor,
    idea: Idea,
    items: list[FeedbackItem],
    importance: int = Importance.IMPORTANT,
    note: str = "",
) -> list[IdeaLink]:
    """Links items to the idea; an item linked already gets the new importance and note."""
    require(actor, Capability.MANAGE_IDEAS)
    if importance not in Importance.values:
        raise ValidationError({"importance": "Choose nice to have, important or critical."})
    check_workspace(actor, idea, *items)
    if idea.merged_into_id:
        raise ValidationError("This idea was merged into another; link to that one instead.")
    if not items:
        raise ValidationError({"items": "Choose at least one feedback item."})
    return _link(actor, idea, items, importance=importance, note=note)


def _link(
    actor: Actor, idea: Idea, items: Sequence[FeedbackItem], *, importance: int, note: str
) -> list[IdeaLink]:
    """Stores the links (an existing one takes the new importance and note), audited."""
    made = []
    for item in items:
        link, _ = IdeaLink.objects.update_or_create(
            item=item,
            idea=idea,
            defaults={"importance": importance, "note": note.strip()},
            create_defaults={
                "workspace": actor.workspace,
                "importance": importance,
                "note": note.strip(),
                "created_by": actor.user,
            },
        )
        made.append(link)
    Idea.objects.filter(pk=idea.pk).update(updated_at=timezone.now())
    audit(
        actor,
        "idea.linked",
        idea,
        after={
            "items": [i.pk for i in items],
            "importance": Importance(importance).label,
            "note": note.strip(),
        },
    )
    mark_ideas(actor.workspace, idea.pk)
    _item_bucket(actor.workspace, items)
    return made


ME_TOO_NOTE = "Me too, from the public roadmap"


@transaction.atomic
def idea_me_too(*, workspace: Workspace, idea: Idea, item: FeedbackItem) -> IdeaLink:
    """Links a visitor's public-form item to the roadmap idea they said "me too" to, so it
    counts as evidence like any linked item (spam never counts; see selectors.evidence).

    No one is signed in, so there is no capability to check: the caller passes an idea from
    `selectors.ideas.roadmap_idea`, and both must belong to `workspace` (ValidationError).
    """
    actor = Actor(workspace=workspace)  # audited as "system"
    check_workspace(actor, idea, item)
    (link,) = _link(actor, idea, [item], importance=Importance.IMPORTANT, note=ME_TOO_NOTE)
    return link


@transaction.atomic
def idea_unlink(*, actor: Actor, link: IdeaLink) -> None:
    require(actor, Capability.MANAGE_IDEAS)
    check_workspace(actor, link)
    idea, item = link.idea, link.item
    deleted, _ = IdeaLink.objects.filter(pk=link.pk).delete()
    if deleted:
        audit(
            actor,
            "idea.unlinked",
            idea,
            before={"item": item.pk, "importance": Importance(link.importance).label},
        )
        mark_ideas(actor.workspace, idea.pk)
        _item_bucket(actor.workspace, [item])


@transaction.atomic
def idea_merge(*, actor: Actor, idea: Idea, into: Idea) -> Idea:
    """Moves every link of `idea` to `into` (keeping the higher importance where both link
    an item), points `idea` at `into`, and re-points ideas merged into `idea` before."""
    require(actor, Capability.MANAGE_IDEAS)
    check_workspace(actor, idea, into)
    locked = {
        i.pk: i
        for i in Idea.objects.select_for_update().filter(pk__in=[idea.pk, into.pk]).order_by("pk")
    }
    idea, into = locked[idea.pk], locked[into.pk]
    if idea.pk == into.pk:
        raise ValidationError({"into": "An idea cannot be merged into itself."})
    if idea.merged_into_id:
        raise ValidationError("This idea was merged already.")
    if into.merged_into_id:
        raise ValidationError({"into": "That idea was merged into another; choose the survivor."})
    theirs = {link.item_id: link for link in IdeaLink.objects.select_for_update().filter(idea=into)}
    moved = kept = 0
    for link in IdeaLink.objects.select_for_update().filter(idea=idea):
        other = theirs.get(link.item_id)
        if other is None:
            link.idea = into
            link.save(update_fields=["idea"])
            moved += 1
            continue
        if link.importance > other.importance:
            other.importance = link.importance
        if link.note and link.note not in other.note:
            other.note = f"{other.note}\n{link.note}".strip()
        other.save(update_fields=["importance", "note"])
        link.delete()
        kept += 1
    Idea.objects.filter(merged_into=idea).update(merged_into=into)
    now = timezone.now()
    Idea.objects.filter(pk=idea.pk).update(
        merged_into=into, version=F("version") + 1, updated_at=now
    )
    Idea.objects.filter(pk=into.pk).update(version=F("version") + 1, updated_at=now)
    idea.refresh_from_db()
    audit(
        actor,
        "idea.merged",
        idea,
        before={"title": idea.title},
        after={
            "into": into.pk,
            "into_title": into.title,
            "links_moved": moved,
            "links_joined": kept,
        },
    )
    mark_ideas(actor.workspace, idea.pk, into.pk)
    return into
