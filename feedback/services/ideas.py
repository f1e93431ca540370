"""Every write of ideas: statuses, ideas, links from feedback, merges, closing the loop."""

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from feedback.models import (
    FeedbackItem,
    Idea,
    IdeaLink,
    IdeaStatus,
    Importance,
    LoopClosure,
    ProductArea,
    RoadmapSettings,
    StatusCategory,
)
from feedback.selectors import evidence
from feedback.selectors import ideas as idea_selectors
from productops import clock, queueing
from productops.access import Actor, require
from productops.audit import audit, diff, mark_changed
from productops.capabilities import Capability
from productops.errors import StaleEdit
from productops.models import Membership, User, Workspace
from productops.services import email_queue

DEFAULT_STATUSES = [
    ("New", StatusCategory.OPEN),
    ("Under review", StatusCategory.OPEN),
    ("Planned", StatusCategory.PLANNED),
    ("In progress", StatusCategory.IN_PROGRESS),
    ("Shipped", StatusCategory.SHIPPED),
    ("Declined", StatusCategory.DECLINED),
]
EDITABLE = ("title", "description", "status", "product_area", "owner", "is_public")
LOST_CLOSURE_AFTER = timedelta(minutes=1)

DEFAULT_MESSAGES = {
    StatusCategory.PLANNED: (
        "We're planning it: {idea}",
        'Hi {name},\n\nYou asked us for "{idea}". We have put it in our plan and will let you '
        "know when it ships.\n\nThank you for telling us what you needed; it helped us decide "
        "what to build.\n\n— The {workspace} team",
    ),
    StatusCategory.SHIPPED: (
        "It's live: {idea}",
        'Hi {name},\n\nYou asked us for "{idea}". It has shipped and is ready for you to use.\n\n'
        "Thank you for telling us what you needed; it helped us decide what to build.\n\n"
        "— The {workspace} team",
    ),
    StatusCategory.DECLINED: (
        "An update on your request: {idea}",
        'Hi {name},\n\nYou asked us for "{idea}". After weighing it against everything else '
        "customers need, we have decided not to build it for now.\n\nWe know that is not the "
        "answer you hoped for. Your feedback still shapes what we do next, so please keep it "
        "coming.\n\n— The {workspace} team",
    ),
}
PLACEHOLDERS = ("{name}", "{idea}", "{workspace}")


def _mark(workspace: Workspace, *idea_ids: int) -> None:
    """Change marks for dashboards: the "ideas" topic is bucketed by idea id."""
    for bucket in [str(idea_id) for idea_id in sorted(set(idea_ids))] or [""]:
        mark_changed(workspace, "ideas", bucket=bucket)


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


def _check_workspace(actor: Actor, *objects) -> None:
    for obj in objects:
        if obj is not None and obj.workspace_id != actor.workspace.pk:
            raise ValidationError("That belongs to another workspace.")


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
    _mark(actor.workspace)
    return status


@transaction.atomic
def idea_status_update(
    *, actor: Actor, status: IdeaStatus, name: str, position: int, is_public: bool
) -> IdeaStatus:
    require(actor, Capability.MANAGE_SOURCES)
    _check_workspace(actor, status)
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
    _mark(actor.workspace)
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
    title = title.strip()
    if not title:
        raise ValidationError({"title": "Give the idea a title."})
    _check_workspace(actor, product_area, status)
    _check_owner(actor, owner)
    idea = Idea.objects.create(
        workspace=actor.workspace,
        title=title[:200],
        description=description.strip(),
        status=status or _default_status(actor.workspace),
        product_area=product_area,
        owner=owner,
        is_public=is_public,
    )
    audit(actor, "idea.created", idea, after=_snapshot(idea))
    _mark(actor.workspace, idea.pk)
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
        changes["title"] = (changes["title"] or "").strip()[:200]
        if not changes["title"]:
            raise ValidationError({"title": "Give the idea a title."})
    if "description" in changes:
        changes["description"] = (changes["description"] or "").strip()
    if "status" in changes and changes["status"] is None:
        raise ValidationError({"status": "Choose a status."})
    _check_workspace(actor, changes.get("status"), changes.get("product_area"))
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
    _mark(actor.workspace, current.pk)
    return current


def _item_bucket(workspace: Workspace, items: Sequence[FeedbackItem]) -> None:
    for day in sorted({clock.workspace_date(workspace, i.received_at).isoformat() for i in items}):
        mark_changed(workspace, "feedback", bucket=day)


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
    _check_workspace(actor, idea, *items)
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
    _mark(actor.workspace, idea.pk)
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
    _check_workspace(actor, idea, item)
    (link,) = _link(actor, idea, [item], importance=Importance.IMPORTANT, note=ME_TOO_NOTE)
    return link


@transaction.atomic
def idea_unlink(*, actor: Actor, link: IdeaLink) -> None:
    require(actor, Capability.MANAGE_IDEAS)
    _check_workspace(actor, link)
    idea, item = link.idea, link.item
    deleted, _ = IdeaLink.objects.filter(pk=link.pk).delete()
    if deleted:
        audit(
            actor,
            "idea.unlinked",
            idea,
            before={"item": item.pk, "importance": Importance(link.importance).label},
        )
        _mark(actor.workspace, idea.pk)
        _item_bucket(actor.workspace, [item])


@transaction.atomic
def idea_merge(*, actor: Actor, idea: Idea, into: Idea) -> Idea:
    """Moves every link of `idea` to `into` (keeping the higher importance where both link
    an item), points `idea` at `into`, and re-points ideas merged into `idea` before."""
    require(actor, Capability.MANAGE_IDEAS)
    _check_workspace(actor, idea, into)
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
    _mark(actor.workspace, idea.pk, into.pk)
    return into


def closing_outcome(idea: Idea) -> str | None:
    category = idea.status.category
    return category if category in idea_selectors.CLOSING_CATEGORIES else None


def render_message(template: str, *, name: str, idea: Idea, workspace: Workspace) -> str:
    """Fills the placeholders by plain replacement: the PM's text is never code."""
    return (
        template.replace("{name}", name or "there")
        .replace("{idea}", idea.title)
        .replace("{workspace}", workspace.name)
    )


def default_message(outcome: str) -> tuple[str, str]:
    return DEFAULT_MESSAGES[StatusCategory(outcome)]


@transaction.atomic
def loop_closure_create(
    *, actor: Actor, idea: Idea, subject: str, message: str, outcome: str | None = None
) -> LoopClosure:
    """Stores the message for the idea's current outcome and wakes the sender after commit.

    `outcome` planned tells the askers an idea is planned (a planning decision does that); it
    must be the category the idea is in now.
    """
    require(actor, Capability.CLOSE_THE_LOOP)
    _check_workspace(actor, idea)
    idea = Idea.objects.select_related("status").get(pk=idea.pk)
    if outcome is None:
        outcome = closing_outcome(idea)
        if outcome is None:
            raise ValidationError("Move the idea to a shipped or declined status first.")
    elif outcome not in DEFAULT_MESSAGES or idea.status.category != outcome:
        raise ValidationError(f"The idea is not {outcome.replace('_', ' ')}.")
    errors = {}
    if not subject.strip():
        errors["subject"] = "Write a subject."
    if not message.strip():
        errors["message"] = "Write a message."
    if errors:
        raise ValidationError(errors)
    closure = LoopClosure.objects.create(
        workspace=actor.workspace,
        idea=idea,
        outcome=outcome,
        subject=subject.strip()[:200],
        message=message.strip(),
        created_by=actor.user,
    )
    audit(
        actor,
        "idea.loop_closure_created",
        idea,
        after={"closure": closure.pk, "outcome": outcome, "subject": closure.subject},
    )
    _mark(actor.workspace, idea.pk)
    queueing.enqueue_on_commit("feedback.tasks.send_loop_closure", closure.pk)
    return closure


_INSERT_NOTICES = """
    INSERT INTO feedback_loopnotice
           (workspace_id, closure_id, idea_id, contact_id, outcome, queued_at)
    SELECT %s, %s, %s, c.id, %s, %s FROM feedback_contact c WHERE c.id = ANY(%s)
    ON CONFLICT (idea_id, contact_id, outcome) DO NOTHING
    RETURNING contact_id
"""


def loop_closure_send(*, closure_id: int) -> int:
    """Tells each person who asked, once: a notice row per (idea, contact, outcome) is claimed
    with ON CONFLICT DO NOTHING, and only a newly claimed notice queues an email. Safe to run
    twice, at once, or for a second closure of the same outcome. Returns emails queued."""
    with transaction.atomic():
        closure = (
            LoopClosure.objects.select_for_update(of=("self",))
            .select_related("idea", "idea__workspace")
            .filter(pk=closure_id)
            .first()
        )
        if closure is None or closure.finished_at is not None:
            return 0
        idea, workspace = closure.idea, closure.idea.workspace
        contacts = {c.pk: c for c in idea_selectors.recipients(workspace=workspace, idea=idea)}
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(
                _INSERT_NOTICES,
                [workspace.pk, closure.pk, idea.pk, closure.outcome, now, list(contacts)],
            )
            claimed = [row[0] for row in cursor.fetchall()]
        for contact_id in sorted(claimed):
            contact = contacts[contact_id]
            email_queue(
                workspace=workspace,
                to=contact.email,
                subject=render_message(
                    closure.subject, name=contact.name, idea=idea, workspace=workspace
                ),
                body=render_message(
                    closure.message, name=contact.name, idea=idea, workspace=workspace
                ),
            )
        items = evidence.evidence_items(idea=idea)
        closed = list(
            items.filter(loop_closed_at__isnull=True).values_list("received_at", flat=True)
        )
        items.filter(loop_closed_at__isnull=True).update(loop_closed_at=now)
        closure.finished_at = now
        closure.save(update_fields=["finished_at"])
        audit(
            Actor(workspace=workspace),
            "idea.loop_closed",
            idea,
            after={"closure": closure.pk, "outcome": closure.outcome, "emails": len(claimed)},
        )
        for day in sorted({clock.workspace_date(workspace, r).isoformat() for r in closed}):
            mark_changed(workspace, "feedback", bucket=day)
        _mark(workspace, idea.pk)
        return len(claimed)


def loop_closures_left_behind(*, older_than: timedelta = LOST_CLOSURE_AFTER) -> list[int]:
    """Closures whose message was lost (Redis down, worker killed): the sweeper's finder."""
    return list(
        LoopClosure.objects.filter(
            finished_at__isnull=True, created_at__lt=timezone.now() - older_than
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )
