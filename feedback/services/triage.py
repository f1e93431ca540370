"""Every write of triage: item changes, merges and their undo, bulk actions, tags, saved views.

Each change to an item names the version the PM saw. Rows are locked, the version compared and
bumped in one transaction, so a second PM acting on the same item gets StaleEdit (409) with the
current state instead of silently overwriting the first.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.timesince import timesince

from feedback.models import (
    FeedbackItem,
    FeedbackMerge,
    Idea,
    IdeaLink,
    Importance,
    Priority,
    ProductArea,
    SavedView,
    Sentiment,
    Status,
    Tag,
)
from feedback.selectors import evidence
from feedback.selectors import triage as selectors
from feedback.sentiment import label_for
from feedback.services import ideas as idea_services
from feedback.services import status_counts
from productops import clock
from productops.access import Actor, require
from productops.audit import audit, diff, mark_changed
from productops.capabilities import Capability
from productops.errors import StaleEdit
from productops.models import Membership, Role, User, Workspace
from productops.validation import ID

# What feedback_update may change. Values may be rows, or what a person or client names:
# assignee a user id, "me" or "none"; product_area an id or "none"; new_area a name; tags names.
FIELDS = frozenset(
    {"status", "priority", "assignee", "product_area", "new_area", "sentiment"}
    | {"tags", "add_tags", "remove_tags"}
)
NONE_WORDS = frozenset({"", "none", "unassigned"})
BULK_ACTIONS = [
    ("tag", "Add tag"),
    ("area", "Set product area"),
    ("assign", "Assign"),
    ("priority", "Set priority"),
    ("triage", "Mark triaged"),
    ("archive", "Archive"),
    ("spam", "Mark spam"),
    ("restore", "Restore to new"),
    ("link", "Link to idea"),
]
STATUS_ACTIONS = {
    "triage": Status.TRIAGED,
    "archive": Status.ARCHIVED,
    "spam": Status.SPAM,
    "restore": Status.NEW,
}
VERBS: dict[str, str] = {
    Status.NEW: "feedback.restored",
    Status.TRIAGED: "feedback.triaged",
    Status.ARCHIVED: "feedback.archived",
    Status.SPAM: "feedback.marked_spam",
}
AUTO_SENTIMENT = "auto"  # clears a PM's override: the scorer's verdict again


def _bucket(workspace: Workspace, item: FeedbackItem) -> str:
    return clock.workspace_date(workspace, item.received_at).isoformat()


def _mark_days_of(actor: Actor, item: FeedbackItem) -> None:
    """Marks the days the item counts on: received, and triaged (the triage flow)."""
    mark_changed(actor.workspace, "feedback", bucket=_bucket(actor.workspace, item))
    if item.triaged_at is not None:
        day = clock.workspace_date(actor.workspace, item.triaged_at).isoformat()
        mark_changed(actor.workspace, "feedback", bucket=day)


def state(item: FeedbackItem, tag_names: list[str] | None = None) -> dict[str, Any]:
    """The item's triage fields as a person reads them (audit, conflicts, API `current`)."""
    if tag_names is None:
        tag_names = sorted(t.name for t in item.tags.all())
    return {
        "status": item.status,
        "priority": Priority(item.priority).label,
        "assignee": item.assignee.display_name if item.assignee else None,
        "product_area": item.product_area.name if item.product_area else None,
        "sentiment": item.sentiment or None,
        "tags": tag_names,
    }


def current_state(item: FeedbackItem) -> dict[str, Any]:
    """What a conflict shows: the fields now, the version, and who changed what last."""
    fresh = selectors.item(workspace=item.workspace, item_id=item.pk)
    last = selectors.last_change(workspace=item.workspace, item=fresh)
    current = {"id": fresh.pk, "version": fresh.version, **state(fresh)}
    current["duplicate_of"] = fresh.duplicate_of_id
    if last is not None:
        current["changed_by"] = last.actor_label
        current["changed_at"] = last.created_at.isoformat()
        current["change"] = [
            {"field": name, "before": old, "after": new} for name, old, new in last.changes
        ]
    return current


def stale(item: FeedbackItem) -> StaleEdit:
    current = current_state(item)
    who = current.get("changed_by", "Someone")
    when = ""
    if "changed_at" in current:
        moment = datetime.fromisoformat(current["changed_at"])
        when = f" {timesince(moment).split(',')[0]} ago"
    what = ", ".join(
        f"{c['field']} {_show(c['before'])} → {_show(c['after'])}"
        for c in current.get("change", [])
    )
    message = f"{who} changed this item{when}" + (f" ({what})" if what else "") + "."
    return StaleEdit(
        f"{message} Your change was not applied; review the current state and apply it again.",
        current=current,
    )


def _show(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "none"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _lock(actor: Actor, pks: Iterable[int]) -> dict[int, FeedbackItem]:
    rows = (
        FeedbackItem.objects.select_for_update(of=("self",))
        .filter(workspace=actor.workspace, pk__in=list(pks))
        .select_related("assignee", "product_area")
        .order_by("pk")
    )
    return {row.pk: row for row in rows}


def _check_values(changes: Mapping[str, Any]) -> None:
    """What can be checked before any row is read: names of changes and plain values."""
    unknown = changes.keys() - FIELDS
    if unknown:
        raise TypeError(f"feedback_update cannot change {sorted(unknown)}")
    if "status" in changes and changes["status"] not in Status.values:
        raise ValidationError({"status": f"Choose one of: {', '.join(Status.values)}."})
    if "priority" in changes and changes["priority"] not in Priority.values:
        raise ValidationError({"priority": "Choose a priority from 0 (none) to 4 (urgent)."})
    if "sentiment" in changes and changes["sentiment"] not in [*Sentiment.values, AUTO_SENTIMENT]:
        raise ValidationError({"sentiment": "Choose negative, neutral, positive or auto."})


def _as_id(value: Any, field_name: str, message: str) -> int:
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        return ID.clean(value, field=field_name)
    raise ValidationError({field_name: message})


def _assignee(actor: Actor, value: Any) -> User | None:
    """A member who triages, from a user (or its id), "me", or "none"."""
    if value is None or (isinstance(value, str) and value.strip() in NONE_WORDS):
        return None
    if value == "me":
        value = actor.user
    user_id = value.pk if isinstance(value, User) else _as_id(value, "assignee", "No such member.")
    membership = (
        Membership.objects.filter(workspace=actor.workspace, user_id=user_id, user__is_active=True)
        .select_related("user")
        .first()
    )
    if membership is None:
        raise ValidationError({"assignee": "No such member."})
    if membership.role == Role.EXEC:
        raise ValidationError({"assignee": "Assign feedback to a member who triages."})
    return membership.user


def _product_area(actor: Actor, value: Any) -> ProductArea | None:
    if value is None or (isinstance(value, str) and value.strip() in NONE_WORDS):
        return None
    if isinstance(value, ProductArea):
        if value.workspace_id != actor.workspace.pk:
            raise ValidationError({"product_area": "No such product area."})
        return value
    area_id = _as_id(value, "product_area", "No such product area.")
    area = ProductArea.objects.filter(workspace=actor.workspace, pk=area_id).first()
    if area is None:
        raise ValidationError({"product_area": "No such product area."})
    return area


def _tags(actor: Actor, key: str, values: Iterable[Any], *, create: bool) -> list[Tag]:
    """Tags by row, id or name (any case); names are created when new if `create`, else a
    name the workspace has no tag of is left out (removing it changes nothing)."""
    found: list[Tag] = []
    for value in values:
        tag: Tag | None
        if isinstance(value, Tag):
            if value.workspace_id != actor.workspace.pk:
                raise ValidationError({key: "No such tag."})
            tag = value
        elif isinstance(value, int):
            tag = Tag.objects.filter(workspace=actor.workspace, pk=value).first()
            if tag is None:
                raise ValidationError({key: "No such tag."})
        elif create:
            tag = _label_get_or_create(actor, Tag, str(value), "tag.created", field_name=key)
        else:
            tag = _label_named(actor, Tag, str(value))
        if tag is not None:
            found.append(tag)
    return found


def _resolve(actor: Actor, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The changes with rows for what was named, read and created in the caller's transaction:
    an edit that then fails (stale, not valid) leaves no new tag or area behind."""
    resolved = {k: v for k, v in changes.items() if k != "new_area"}
    if "assignee" in changes:
        resolved["assignee"] = _assignee(actor, changes["assignee"])
    if str(changes.get("new_area") or "").strip():
        resolved["product_area"] = _label_get_or_create(
            actor, ProductArea, changes["new_area"], "product_area.created", field_name="new_area"
        )
    elif "product_area" in changes:
        resolved["product_area"] = _product_area(actor, changes["product_area"])
    for key in ("tags", "add_tags"):
        if changes.get(key) is not None:
            resolved[key] = _tags(actor, key, changes[key], create=True)
    if changes.get("remove_tags") is not None:
        resolved["remove_tags"] = _tags(actor, "remove_tags", changes["remove_tags"], create=False)
    return resolved


def _apply(
    actor: Actor, item: FeedbackItem, changes: Mapping[str, Any], moved: Counter[str]
) -> bool:
    """Applies `changes` to a locked row, audits them, adds a status move to `moved` (for the
    caller's one counter update); False when nothing actually changed."""
    tag_ids = set(item.tags.values_list("pk", flat=True))
    tag_names = {t.pk: t.name for t in item.tags.all()}
    before = state(item, sorted(tag_names.values()))
    new_tags = set(tag_ids)
    for tag in changes.get("tags") or []:
        tag_names[tag.pk] = tag.name
    if changes.get("tags") is not None:
        new_tags = {t.pk for t in changes["tags"]}
    for tag in changes.get("add_tags") or []:
        tag_names[tag.pk] = tag.name
        new_tags.add(tag.pk)
    for tag in changes.get("remove_tags") or []:
        new_tags.discard(tag.pk)

    now = timezone.now()
    was_overridden = item.sentiment_overridden
    was_counted = item.status != Status.SPAM
    was_triaged_at = item.triaged_at
    if "status" in changes and changes["status"] != item.status:
        moved.update(status_counts.moves([(item.status, changes["status"])]))
        item.status = changes["status"]
        if item.status == Status.TRIAGED:
            item.triaged_at, item.triaged_by = now, actor.user
        elif item.status == Status.NEW:
            item.triaged_at, item.triaged_by = None, None
    if "priority" in changes:
        item.priority = changes["priority"]
    if "assignee" in changes:
        item.assignee = changes["assignee"]
    if "product_area" in changes:
        item.product_area = changes["product_area"]
    if "sentiment" in changes:
        if changes["sentiment"] == AUTO_SENTIMENT:
            score = item.sentiment_score
            item.sentiment = "" if score is None else label_for(score)
            item.sentiment_overridden = False
        else:
            item.sentiment = changes["sentiment"]
            item.sentiment_overridden = True

    after = state(item, sorted(tag_names[pk] for pk in new_tags))
    if item.sentiment_overridden != was_overridden:
        before["sentiment_overridden"] = was_overridden
        after["sentiment_overridden"] = item.sentiment_overridden
    old, new = diff(before, after)
    if not new:
        return False
    item.version += 1
    item.updated_at = now
    item.save(
        update_fields=[
            "status",
            "triaged_at",
            "triaged_by",
            "priority",
            "assignee",
            "product_area",
            "sentiment",
            "sentiment_overridden",
            "version",
            "updated_at",
        ]
    )
    if new_tags != tag_ids:
        through = FeedbackItem.tags.through
        through.objects.filter(feedbackitem=item, tag_id__in=tag_ids - new_tags).delete()
        through.objects.bulk_create(
            [through(feedbackitem=item, tag_id=pk) for pk in new_tags - tag_ids],
            ignore_conflicts=True,
        )
    verb = VERBS[item.status] if "status" in new else "feedback.updated"
    audit(actor, verb, item, before=old, after=new)
    mark_changed(actor.workspace, "feedback", bucket=_bucket(actor.workspace, item))
    if "status" in new:
        # The triage flow counts an item on the day it was triaged as well as received.
        for moment in {was_triaged_at, item.triaged_at}:
            if moment is None:
                continue
            day = clock.workspace_date(actor.workspace, moment).isoformat()
            mark_changed(actor.workspace, "feedback", bucket=day)
    if (item.status != Status.SPAM) != was_counted:
        # Into or out of spam: the item leaves or rejoins its ideas' counted evidence.
        _mark_ideas(actor, evidence.ideas_asked_by(item=item))
    return True


@transaction.atomic
def feedback_update(
    *, actor: Actor, item: FeedbackItem, expected_version: int, **changes: Any
) -> FeedbackItem:
    """Changes an item's triage fields: status, priority, assignee, product_area (or new_area,
    a name), sentiment (a value, or "auto" to drop the override), tags (replace), add_tags,
    remove_tags; see FIELDS for the names and ids each may be given as.

    Raises StaleEdit when the item's version is not `expected_version`.
    """
    require(actor, Capability.TRIAGE_FEEDBACK)
    _check_values(changes)
    locked = _lock(actor, [item.pk]).get(item.pk)
    if locked is None:
        raise ValidationError("This item no longer exists.")
    if locked.version != expected_version:
        raise stale(locked)
    moved: Counter[str] = Counter()
    _apply(actor, locked, _resolve(actor, changes), moved)
    status_counts.add(actor.workspace, moved)
    return locked


@dataclass
class Skipped:
    id: int
    reason: str
    current: dict[str, Any] = field(default_factory=dict)


@dataclass
class BulkResult:
    updated: list[FeedbackItem] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def _lock_versions(actor: Actor, versions: Mapping[int, int], result: BulkResult) -> list:
    """Locks the items; returns those still at the version the PM saw, skips the others."""
    locked = _lock(actor, versions.keys())
    fresh = []
    for pk, version in versions.items():
        row = locked.get(pk)
        if row is None:
            result.skipped.append(Skipped(pk, "not found"))
        elif row.version != version:
            error = stale(row)
            result.skipped.append(Skipped(pk, str(error), error.current))
        else:
            fresh.append(row)
    return fresh


@transaction.atomic
def feedback_bulk_update(
    *, actor: Actor, versions: Mapping[int, int], **changes: Any
) -> BulkResult:
    """The same change to many items. Each item is changed only if it is still at the version
    the PM saw ({id: version}); the others are reported as skipped with their current state."""
    require(actor, Capability.TRIAGE_FEEDBACK)
    _check_values(changes)
    result = BulkResult()
    fresh = _lock_versions(actor, versions, result)
    if fresh:
        resolved = _resolve(actor, changes)
        moved: Counter[str] = Counter()
        for row in fresh:
            _apply(actor, row, resolved, moved)
            result.updated.append(row)
        status_counts.add(actor.workspace, moved)
    return result


@transaction.atomic
def feedback_bulk_revert(
    *, actor: Actor, reverts: Mapping[int, tuple[int, dict[str, Any]]]
) -> BulkResult:
    """Undoes a bulk action: {id: (the version the action left, the fields as they were)}.
    Each item has its own earlier values (one was new, another spam), so each gets its own
    change; items someone changed since are skipped, as in feedback_bulk_update."""
    require(actor, Capability.TRIAGE_FEEDBACK)
    for _, changes in reverts.values():
        _check_values(changes)
    result = BulkResult()
    fresh = _lock_versions(actor, {pk: version for pk, (version, _) in reverts.items()}, result)
    moved: Counter[str] = Counter()
    for row in fresh:
        _apply(actor, row, _resolve(actor, reverts[row.pk][1]), moved)
        result.updated.append(row)
    status_counts.add(actor.workspace, moved)
    return result


def bulk_changes(action: str, value: str) -> dict[str, Any]:
    """A bulk action (BULK_ACTIONS, but "link") and its value as feedback_update's changes."""
    value = value.strip()
    if action in STATUS_ACTIONS:
        return {"status": STATUS_ACTIONS[action]}
    if action == "tag":
        if not value:
            raise ValidationError({"value": "Name the tag."})
        return {"add_tags": [value]}
    if action == "area":
        return {"product_area": value}
    if action == "assign":
        return {"assignee": value}
    if action == "priority":
        if value not in [str(p) for p in Priority.values]:
            raise ValidationError({"value": "Choose a priority from 0 (none) to 4 (urgent)."})
        return {"priority": int(value)}
    raise ValidationError({"action": f"Choose one of: {', '.join(a for a, _ in BULK_ACTIONS)}."})


@transaction.atomic
def feedback_bulk_action(
    *,
    actor: Actor,
    versions: Mapping[int, int],
    action: str,
    value: str = "",
    importance: int = Importance.IMPORTANT,
) -> BulkResult:
    """One of BULK_ACTIONS over {id: version}, as the inbox's bulk bar and the API give it."""
    if action != "link":
        return feedback_bulk_update(actor=actor, versions=versions, **bulk_changes(action, value))
    idea_id = _as_id(value.strip(), "value", "Give the idea's number.")
    idea = Idea.objects.filter(workspace=actor.workspace, pk=idea_id).first()
    if idea is None:
        raise ValidationError({"value": f"There is no idea #{idea_id}."})
    return feedback_bulk_link_idea(actor=actor, versions=versions, idea=idea, importance=importance)


@transaction.atomic
def feedback_link_idea(
    *,
    actor: Actor,
    item: FeedbackItem,
    expected_version: int,
    idea: Idea | None = None,
    new_idea_title: str = "",
    importance: int = Importance.IMPORTANT,
    note: str = "",
) -> IdeaLink:
    """Links an item to an existing idea, or to a new one titled `new_idea_title`."""
    require(actor, Capability.TRIAGE_FEEDBACK)
    if idea is None and not new_idea_title.strip():
        raise ValidationError({"idea": "Choose an idea or give a new idea a title."})
    locked = _lock(actor, [item.pk]).get(item.pk)
    if locked is None:
        raise ValidationError("This item no longer exists.")
    if locked.version != expected_version:
        raise stale(locked)
    if idea is None:
        idea = idea_services.idea_create(
            actor=actor, title=new_idea_title.strip(), product_area=locked.product_area
        )
    elif idea.workspace_id != actor.workspace.pk:
        raise ValidationError({"idea": "No such idea."})
    links = idea_services.idea_link(
        actor=actor, idea=idea, items=[locked], importance=importance, note=note
    )
    return links[0]


@transaction.atomic
def feedback_bulk_link_idea(
    *,
    actor: Actor,
    versions: Mapping[int, int],
    idea: Idea,
    importance: int = Importance.IMPORTANT,
    note: str = "",
) -> BulkResult:
    require(actor, Capability.TRIAGE_FEEDBACK)
    if idea.workspace_id != actor.workspace.pk:
        raise ValidationError({"idea": "No such idea."})
    result = BulkResult()
    fresh = _lock_versions(actor, versions, result)
    if fresh:
        idea_services.idea_link(
            actor=actor, idea=idea, items=fresh, importance=importance, note=note
        )
    result.updated = fresh
    return result


def _mark_ideas(actor: Actor, idea_ids: Iterable[int]) -> None:
    for idea_id in sorted(set(idea_ids)):
        mark_changed(actor.workspace, "ideas", bucket=str(idea_id))


@transaction.atomic
def feedback_merge(
    *,
    actor: Actor,
    original: FeedbackItem,
    duplicate: FeedbackItem,
    expected_version: int | None = None,
) -> FeedbackMerge:
    """Marks `duplicate` a duplicate of `original`.

    The duplicate is archived (its status remembered); its idea links move to the original
    where the original is not linked to that idea yet (their ids remembered); items already
    merged into the duplicate follow it to the original. The original so keeps every vote,
    contact, account and idea link. feedback_unmerge restores all of it.
    """
    require(actor, Capability.TRIAGE_FEEDBACK)
    if original.pk == duplicate.pk:
        raise ValidationError({"original": "An item cannot be a duplicate of itself."})
    locked = _lock(actor, [original.pk, duplicate.pk])
    if original.pk not in locked or duplicate.pk not in locked:
        raise ValidationError({"original": "No such item."})
    dup = locked[duplicate.pk]
    orig = locked[original.pk]
    if expected_version is not None and dup.version != expected_version:
        raise stale(dup)
    if orig.duplicate_of_id is not None:
        # Merge into what the original was merged into; chains stay one level deep.
        root = _lock(actor, [orig.duplicate_of_id]).get(orig.duplicate_of_id)
        if root is None or root.pk == dup.pk:
            raise ValidationError({"original": "That item is already a duplicate of this one."})
        orig = root
    if dup.duplicate_of_id is not None:
        raise ValidationError(
            {"duplicate": f"This item is already a duplicate of #{dup.duplicate_of_id}."}
        )
    linked = set(IdeaLink.objects.filter(item=orig).values_list("idea_id", flat=True))
    moving = list(
        IdeaLink.objects.filter(item=dup)
        .exclude(idea_id__in=linked)
        .order_by("pk")
        .values_list("pk", "idea_id")
    )
    IdeaLink.objects.filter(pk__in=[pk for pk, _ in moving]).update(item=orig)
    FeedbackItem.objects.filter(workspace=actor.workspace, duplicate_of=dup).update(
        duplicate_of=orig
    )
    merge = FeedbackMerge.objects.create(
        workspace=actor.workspace,
        original=orig,
        duplicate=dup,
        previous_status=dup.status,
        moved_link_ids=[pk for pk, _ in moving],
        merged_by=actor.user,
    )
    dup.duplicate_of = orig
    status_counts.move(actor.workspace, dup.status, Status.ARCHIVED)
    dup.status = Status.ARCHIVED
    dup.version += 1
    dup.updated_at = timezone.now()
    dup.save(update_fields=["duplicate_of", "status", "version", "updated_at"])
    audit(
        actor,
        "feedback.merged",
        dup,
        before={"status": merge.previous_status, "duplicate_of": None},
        after={
            "status": dup.status,
            "duplicate_of": f"#{orig.pk} {str(orig)[:80]}",
            "moved_links": len(moving),
        },
    )
    _mark_days_of(actor, dup)
    _mark_ideas(actor, [*linked, *(idea_id for _, idea_id in moving)])
    return merge


@transaction.atomic
def feedback_unmerge(*, actor: Actor, merge: FeedbackMerge) -> FeedbackItem:
    """Undoes a merge exactly: status, links and the duplicate's own duplicates come back."""
    require(actor, Capability.TRIAGE_FEEDBACK)
    merge = FeedbackMerge.objects.select_for_update().get(pk=merge.pk, workspace=actor.workspace)
    if merge.undone_at is not None:
        raise ValidationError("This merge was already undone.")
    dup = _lock(actor, [merge.duplicate_id])[merge.duplicate_id]
    own_ideas = set(IdeaLink.objects.filter(item=dup).values_list("idea_id", flat=True))
    back = IdeaLink.objects.filter(pk__in=merge.moved_link_ids).exclude(idea_id__in=own_ideas)
    idea_ids = list(back.values_list("idea_id", flat=True))
    back.update(item=dup)
    followers = FeedbackMerge.objects.filter(
        workspace=actor.workspace, original=dup, undone_at=None
    ).values_list("duplicate_id", flat=True)
    FeedbackItem.objects.filter(workspace=actor.workspace, pk__in=list(followers)).update(
        duplicate_of=dup
    )
    original_label = f"#{merge.original_id}"
    dup.duplicate_of = None
    status_counts.move(actor.workspace, dup.status, merge.previous_status)
    dup.status = merge.previous_status
    dup.version += 1
    dup.updated_at = timezone.now()
    dup.save(update_fields=["duplicate_of", "status", "version", "updated_at"])
    merge.undone_at = timezone.now()
    merge.save(update_fields=["undone_at"])
    audit(
        actor,
        "feedback.unmerged",
        dup,
        before={"status": Status.ARCHIVED, "duplicate_of": original_label},
        after={"status": dup.status, "duplicate_of": None, "moved_links": len(idea_ids)},
    )
    _mark_days_of(actor, dup)
    linked = IdeaLink.objects.filter(item_id=merge.original_id).values_list("idea_id", flat=True)
    _mark_ideas(actor, [*idea_ids, *linked])
    return dup


def _clean_name(name: str, field_name: str, max_length: int) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({field_name: "Give it a name."})
    if len(name) > max_length:
        raise ValidationError({field_name: f"Use at most {max_length} characters."})
    return name


def _label_named(actor: Actor, model: type[Tag | ProductArea], name: str):
    name = " ".join(name.split())
    return (
        model.objects.filter(workspace=actor.workspace)
        .annotate(lower=Lower("name"))
        .filter(lower=name.lower())
        .first()
    )


def _label_get_or_create(
    actor: Actor,
    model: type[Tag | ProductArea],
    name: str,
    verb: str,
    *,
    field_name: str = "name",
):
    """The workspace's label of that name (any case), created on the fly when new."""
    require(actor, Capability.TRIAGE_FEEDBACK)
    name = _clean_name(name, field_name, model._meta.get_field("name").max_length or 80)
    label = _label_named(actor, model, name)
    if label is None:
        label = model.objects.create(workspace=actor.workspace, name=name)
        audit(actor, verb, label, after={"name": name})
    return label


@transaction.atomic
def tag_get_or_create(*, actor: Actor, name: str) -> Tag:
    return _label_get_or_create(actor, Tag, name, "tag.created")


@transaction.atomic
def product_area_get_or_create(*, actor: Actor, name: str) -> ProductArea:
    return _label_get_or_create(actor, ProductArea, name, "product_area.created")


def _check_view_name(actor: Actor, name: str, exclude: int | None = None) -> str:
    name = _clean_name(name, "name", 80)
    taken = SavedView.objects.filter(workspace=actor.workspace, owner=actor.user, name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ValidationError({"name": "You already have a view with this name."})
    return name


@transaction.atomic
def saved_view_create(
    *, actor: Actor, name: str, filters: Mapping[str, Any], shared: bool = False
) -> SavedView:
    """Saves the inbox's filters by name: personal, or shared with every member."""
    require(actor, Capability.KEEP_SAVED_VIEWS)
    if actor.user is None:
        raise ValidationError("Saved views belong to a person, not a token.")
    if shared and not actor.can(Capability.TRIAGE_FEEDBACK):
        raise ValidationError({"shared": "Your role keeps personal views only."})
    view = SavedView.objects.create(
        workspace=actor.workspace,
        owner=actor.user,
        name=_check_view_name(actor, name),
        filters={k: v for k, v in dict(filters).items() if v not in (None, "", [])},
        shared=shared,
    )
    audit(actor, "saved_view.created", view, after={"name": view.name, "shared": shared})
    return view


def _own(actor: Actor, view: SavedView) -> SavedView:
    locked = SavedView.objects.select_for_update().get(pk=view.pk, workspace=actor.workspace)
    if locked.owner_id != (actor.user.pk if actor.user else None):
        raise PermissionDenied("Only its owner can change a saved view.")
    return locked


@transaction.atomic
def saved_view_rename(*, actor: Actor, view: SavedView, name: str) -> SavedView:
    require(actor, Capability.KEEP_SAVED_VIEWS)
    view = _own(actor, view)
    before = view.name
    view.name = _check_view_name(actor, name, exclude=view.pk)
    view.save(update_fields=["name"])
    audit(actor, "saved_view.renamed", view, before={"name": before}, after={"name": view.name})
    return view


@transaction.atomic
def saved_view_delete(*, actor: Actor, view: SavedView) -> None:
    require(actor, Capability.KEEP_SAVED_VIEWS)
    view = _own(actor, view)
    audit(actor, "saved_view.deleted", view, before={"name": view.name, "shared": view.shared})
    view.delete()
