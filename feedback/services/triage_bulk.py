"""Bulk triage: the same change (or idea link) to many items, and its undo.

Each item is changed only if it is still at the version the PM saw; the others are skipped
with their current state (as in feedback_update's StaleEdit).
"""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from feedback.models import (
    FeedbackItem,
    Idea,
    Importance,
    Priority,
    Status,
)
from feedback.services import ideas as idea_services
from feedback.services import status_counts
from feedback.services.triage import apply_changes, as_id, check_values, lock_items, resolve, stale
from productops.access import Actor, require
from productops.capabilities import Capability

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
    locked = lock_items(actor, versions.keys())
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
    check_values(changes)
    result = BulkResult()
    fresh = _lock_versions(actor, versions, result)
    if fresh:
        resolved = resolve(actor, changes)
        moved: Counter[str] = Counter()
        for row in fresh:
            apply_changes(actor, row, resolved, moved)
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
        check_values(changes)
    result = BulkResult()
    fresh = _lock_versions(actor, {pk: version for pk, (version, _) in reverts.items()}, result)
    moved: Counter[str] = Counter()
    for row in fresh:
        apply_changes(actor, row, resolve(actor, reverts[row.pk][1]), moved)
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
    # An idea is named by its number, "12" or "#12", as pages show it.
    idea_id = as_id(value.strip().removeprefix("#"), "value", "Give the idea's number, e.g. 12.")
    idea = Idea.objects.filter(workspace=actor.workspace, pk=idea_id).first()
    if idea is None:
        raise ValidationError({"value": f"There is no idea #{idea_id}."})
    return feedback_bulk_link_idea(actor=actor, versions=versions, idea=idea, importance=importance)


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
