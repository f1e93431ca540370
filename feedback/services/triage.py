"""Changes to feedback items in triage: one item's fields, its idea link, and the state a
conflict shows. Bulk actions are in triage_bulk, merges in triage_merges, tags and areas in
triage_labels, saved views in saved_views.

Each change to an item names the version the PM saw. Rows are locked, the version compared and
bumped in one transaction, so a second PM acting on the same item gets StaleEdit (409) with the
current state instead of silently overwriting the first.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from copy import copy
from datetime import datetime
from functools import cache
from typing import Any, cast

from django.contrib.postgres.aggregates import JSONBAgg
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import Field, JSONField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, JSONObject
from django.utils import timezone

from feedback.models import (
    FeedbackItem,
    Idea,
    IdeaLink,
    Importance,
    Priority,
    ProductArea,
    Sentiment,
    Status,
    Tag,
)
from feedback.selectors import evidence
from feedback.selectors import triage as selectors
from feedback.sentiment import label_for
from feedback.services import ideas as idea_services
from feedback.services import status_counts
from feedback.services.triage_labels import label_get_or_create, label_named
from productops import clock, compiled
from productops.access import Actor, require
from productops.ages import age
from productops.audit import audit, diff, mark_buckets
from productops.capabilities import Capability
from productops.errors import StaleEdit
from productops.models import Membership, Role, User
from productops.validation import ID

# What feedback_update may change. Values may be rows, or what a person or client names:
# assignee a user id, "me" or "none"; product_area an id or "none"; new_area a name; tags names.
FIELDS = frozenset(
    {"status", "priority", "assignee", "product_area", "new_area", "sentiment"}
    | {"tags", "add_tags", "remove_tags"}
)
NONE_WORDS = frozenset({"", "none", "unassigned"})
VERBS: dict[str, str] = {
    Status.NEW: "feedback.restored",
    Status.TRIAGED: "feedback.triaged",
    Status.ARCHIVED: "feedback.archived",
    Status.SPAM: "feedback.marked_spam",
}
AUTO_SENTIMENT = "auto"  # clears a PM's override: the scorer's verdict again


def set_status(
    item: FeedbackItem, status: str, *, by: User | None, now: datetime, restore: bool = False
) -> set[datetime]:
    """Moves `item` (unsaved) to `status` with the times the status carries: triaged_at/by
    when triaged, cleared back in the inbox; left_inbox_at when it leaves the inbox by any way
    (kept between other statuses: the backlog's exit is the first), cleared back in it.

    Returns the moments, before and after, on whose days the triage flow counts the item (for
    mark_days_of). `restore`: the status it had before (an undone merge), its times kept.
    Every status change goes through here (edits, bulk actions, merges)."""
    before = {item.triaged_at, item.left_inbox_at}
    item.status = status
    if status == Status.TRIAGED and not (restore and item.triaged_at):
        item.triaged_at, item.triaged_by = now, by
    elif status == Status.NEW:
        item.triaged_at, item.triaged_by = None, None
    if status == Status.NEW:
        item.left_inbox_at = None
    elif item.left_inbox_at is None:
        item.left_inbox_at = now
    return {m for m in before | {item.triaged_at, item.left_inbox_at} if m is not None}


STATUS_FIELDS = ["status", "triaged_at", "triaged_by", "left_inbox_at"]  # what set_status sets


def mark_days_of(actor: Actor, item: FeedbackItem, moments: Iterable[datetime] = ()) -> None:
    """Marks the days the item counts on: received, and each of `moments` (set_status's: the
    days it was triaged or left the inbox, before and after a change, for the triage flow)."""
    days = {clock.workspace_date(actor.workspace, item.received_at)}
    days |= {clock.workspace_date(actor.workspace, moment) for moment in moments}
    mark_buckets(actor.workspace, "feedback", [day.isoformat() for day in days])


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


def current_state(item: FeedbackItem) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """What a conflict shows: the fields now with the version, and who changed what last
    (StaleEdit's `last_change` shape), if the audit log knows."""
    fresh = selectors.item(workspace=item.workspace, item_id=item.pk)
    last = selectors.last_change(workspace=item.workspace, item=fresh)
    current = {"id": fresh.pk, "version": fresh.version, **state(fresh)}
    current["duplicate_of"] = fresh.duplicate_of_id
    if last is None:
        return current, None
    return current, {
        "by": last.actor_label,
        "at": last.created_at.isoformat(),
        "fields": [{"field": name, "before": old, "after": new} for name, old, new in last.changes],
    }


def stale(item: FeedbackItem) -> StaleEdit:
    current, last_change = current_state(item)
    who, when, what = "Someone", "", ""
    if last_change is not None:
        who = last_change["by"]
        moment = datetime.fromisoformat(last_change["at"])
        when = f" {age(moment)}"
        what = ", ".join(
            f"{c['field']} {_show(c['before'])} → {_show(c['after'])}"
            for c in last_change["fields"]
        )
    message = f"{who} changed this item{when}" + (f" ({what})" if what else "") + "."
    return StaleEdit(
        f"{message} Your change was not applied; review the current state and apply it again.",
        current=current,
        last_change=last_change,
    )


def _show(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "none"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def lock_items(actor: Actor, pks: Iterable[int]) -> dict[int, FeedbackItem]:
    """The workspace's items among `pks`, locked (in id order), with their assignee and area
    and, as `locked_tags`, their tags ([{"pk": id, "name": name}], read in the same statement:
    apply_changes needs them for every item, a read per item before)."""
    wanted = list(pks)
    if len(wanted) == 1:  # one item (every edit from the panel): the statement compiled once
        one = compiled.instances(
            "lock_one_item",
            lambda: _locking(FeedbackItem.objects.filter(workspace_id=_WORKSPACE, pk=_ITEM)),
            {_WORKSPACE: actor.workspace.pk, _ITEM: wanted[0]},
        )
        return {row.pk: row for row in one}
    rows = _locking(FeedbackItem.objects.filter(workspace=actor.workspace, pk__in=wanted))
    return {row.pk: row for row in rows}


_WORKSPACE, _ITEM = -7101, -7102  # lock_items' markers (productops.compiled.instances)


def _locking(items: QuerySet[FeedbackItem]) -> QuerySet[FeedbackItem]:
    return (
        items.select_for_update(of=("self",))
        .select_related("assignee", "product_area")
        .annotate(locked_tags=_tag_pairs())
        .order_by("pk")
    )


def _tag_pairs() -> Coalesce:
    """An item's tags as a JSON list of {"pk", "name"}, empty when it has none."""
    pairs = (
        FeedbackItem.tags.through.objects.filter(feedbackitem_id=OuterRef("pk"))
        .order_by()
        .values("feedbackitem_id")
        .annotate(pairs=JSONBAgg(JSONObject(pk="tag_id", name="tag__name")))
        .values("pairs")  # type: ignore[misc]  # the checker cannot see JSONBAgg's alias
    )
    return Coalesce(Subquery(pairs, output_field=JSONField()), Value([], JSONField()))


def check_values(changes: Mapping[str, Any]) -> None:
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


def as_id(value: Any, field_name: str, message: str) -> int:
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        return ID.clean(value, field=field_name)
    raise ValidationError({field_name: message})


def _assignee(actor: Actor, value: Any) -> User | None:
    """A member who triages, from a user (or its id), "me", or "none"."""
    if value is None or (isinstance(value, str) and value.strip() in NONE_WORDS):
        return None
    if value == "me":
        value = actor.user
    user_id = value.pk if isinstance(value, User) else as_id(value, "assignee", "No such member.")
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
    area_id = as_id(value, "product_area", "No such product area.")
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
            tag = label_get_or_create(actor, Tag, str(value), "tag.created", field_name=key)
        else:
            tag = label_named(actor, Tag, str(value))
        if tag is not None:
            found.append(tag)
    return found


def resolve(actor: Actor, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The changes with rows for what was named, read and created in the caller's transaction:
    an edit that then fails (stale, not valid) leaves no new tag or area behind."""
    resolved = {k: v for k, v in changes.items() if k != "new_area"}
    if "assignee" in changes:
        resolved["assignee"] = _assignee(actor, changes["assignee"])
    if str(changes.get("new_area") or "").strip():
        resolved["product_area"] = label_get_or_create(
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


def apply_changes(
    actor: Actor, item: FeedbackItem, changes: Mapping[str, Any], moved: Counter[str]
) -> bool:
    """Applies `changes` to a locked row, audits them, adds a status move to `moved` (for the
    caller's one counter update); False when nothing actually changed."""
    locked_tags = getattr(item, "locked_tags", None)  # lock_items read them with the row
    if locked_tags is None:
        tag_names = {t.pk: t.name for t in item.tags.all()}
    else:
        tag_names = {pair["pk"]: pair["name"] for pair in locked_tags}
    tag_ids = set(tag_names)
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
    moments: set[datetime] = set()
    if "status" in changes and changes["status"] != item.status:
        moved.update(status_counts.moves([(item.status, changes["status"])]))
        moments = set_status(item, changes["status"], by=actor.user, now=now)
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
    _save_triage_fields(item)
    if new_tags != tag_ids:
        through = FeedbackItem.tags.through
        through.objects.filter(feedbackitem=item, tag_id__in=tag_ids - new_tags).delete()
        through.objects.bulk_create(
            [through(feedbackitem=item, tag_id=pk) for pk in new_tags - tag_ids],
            ignore_conflicts=True,
        )
        if locked_tags is not None:  # the row's tags as they are now, should it change again
            now_tagged = [{"pk": pk, "name": tag_names[pk]} for pk in sorted(new_tags)]
            setattr(item, "locked_tags", now_tagged)  # noqa: B010 (an annotation of lock_items)
    verb = VERBS[item.status] if "status" in new else "feedback.updated"
    audit(actor, verb, item, before=old, after=new)
    # The triage flow counts an item on the days it was triaged and left the inbox as well.
    mark_days_of(actor, item, moments)
    if (item.status != Status.SPAM) != was_counted:
        # Into or out of spam: the item leaves or rejoins its ideas' counted evidence.
        mark_ideas(actor, evidence.ideas_asked_by(item=item))
    return True


SAVED_FIELDS = [
    *STATUS_FIELDS,
    "priority",
    "assignee",
    "product_area",
    "sentiment",
    "sentiment_overridden",
    "version",
    "updated_at",
]


@cache
def _save_statement() -> tuple[str, list[Field]]:
    fields = [cast(Field, FeedbackItem._meta.get_field(name)) for name in SAVED_FIELDS]
    columns = ", ".join(f'"{f.column}" = %s' for f in fields)
    return f'UPDATE "{FeedbackItem._meta.db_table}" SET {columns} WHERE "id" = %s', fields


def _save_triage_fields(item: FeedbackItem) -> None:
    """item.save(update_fields=SAVED_FIELDS) as one plain UPDATE: the ORM's save compiled the
    statement again on every change (about half a millisecond of CPU a keypress). The row is
    locked by the caller, and the item has no save() of its own nor save signals."""
    sql, fields = _save_statement()
    values = [f.get_db_prep_save(getattr(item, f.attname), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, item.pk])
        if cursor.rowcount != 1:
            raise DatabaseError("Save with update_fields did not affect any rows.")


def feedback_update(
    *, actor: Actor, item: FeedbackItem, expected_version: int, **changes: Any
) -> FeedbackItem:
    """Changes an item's triage fields: status, priority, assignee, product_area (or new_area,
    a name), sentiment (a value, or "auto" to drop the override), tags (replace), add_tags,
    remove_tags; see FIELDS for the names and ids each may be given as.

    Raises StaleEdit when the item's version is not `expected_version`.
    """
    return feedback_change(
        actor=actor, item_id=item.pk, expected_version=expected_version, **changes
    )[1]


@transaction.atomic
def feedback_change(
    *, actor: Actor, item_id: int, expected_version: int, **changes: Any
) -> tuple[FeedbackItem, FeedbackItem]:
    """feedback_update for the item `item_id` of the actor's workspace, answering the row as it
    was locked (its tags in `locked_tags`) and as changed: what an undo restores, without a
    read of the item before the change (ValidationError when the workspace has no such item)."""
    require(actor, Capability.TRIAGE_FEEDBACK)
    check_values(changes)
    locked = lock_items(actor, [item_id]).get(item_id)
    if locked is None:
        raise ValidationError("This item no longer exists.")
    if locked.version != expected_version:
        raise stale(locked)
    before = copy(locked)
    moved: Counter[str] = Counter()
    apply_changes(actor, locked, resolve(actor, changes), moved)
    status_counts.add(actor.workspace, moved)
    return before, locked


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
    locked = lock_items(actor, [item.pk]).get(item.pk)
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


def mark_ideas(actor: Actor, idea_ids: Iterable[int]) -> None:
    mark_buckets(actor.workspace, "ideas", [str(idea_id) for idea_id in idea_ids])
