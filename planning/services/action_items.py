"""Writes of a retrospective's action items: added in the discuss and wrap-up phases, reviewed
(done, dropped) in any phase of a later retro of the team and on the action items page.

Every change is audited with the item's before and after, guarded by its version for edits read
earlier (409), and bumps the live retros that show the item (its own and the team's).
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from planning.models import ActionItem, ActionStatus, PlanningSession, SessionKind, SessionState
from planning.services import live
from planning.services.retro_guards import (
    clean_text,
    locked_retro,
    require_phase,
    retro_group,
    retro_seat,
)
from productops.access import Actor, require
from productops.audit import audit
from productops.capabilities import Capability
from productops.errors import StaleEdit
from productops.models import Membership, User
from productops.validation import PLANNING_DAY


@dataclass(frozen=True)
class ActionChanges:
    """What may change on an action item; None leaves a field as it is."""

    title: str | None = None
    owner: User | None = None
    clear_owner: bool = False
    due_on: date | None = None
    clear_due_on: bool = False
    status: str | None = None


def _owner_ok(actor: Actor, owner: User | None) -> None:
    if (
        owner is not None
        and not Membership.objects.filter(workspace=actor.workspace, user=owner).exists()
    ):
        raise ValidationError({"owner": "The owner must be a member of this workspace."})


def _due_ok(due_on: date | None) -> None:
    if due_on is not None:
        PLANNING_DAY.clean(due_on, field="due_on")


@transaction.atomic
def action_item_add(
    *,
    actor: Actor,
    session: PlanningSession,
    title: str,
    owner: User | None = None,
    due_on: date | None = None,
    group_id: int | None = None,
) -> ActionItem:
    require(actor, Capability.TRACK_ACTION_ITEMS)
    session = locked_retro(actor, session)
    retro_seat(actor, session)
    require_phase(session, "discuss", "wrap_up")
    _owner_ok(actor, owner)
    _due_ok(due_on)
    item = ActionItem.objects.create(
        workspace=actor.workspace,
        session=session,
        team=session.team,
        group=retro_group(session, group_id) if group_id is not None else None,
        title=clean_text(title, 200, "title", "what is to be done"),
        owner=owner,
        due_on=due_on,
        created_by=actor.user,
    )
    audit(actor, "action_item.created", item, after=_snapshot(item))
    live.bump(session)
    return item


def _snapshot(item: ActionItem) -> dict[str, Any]:
    return {
        "title": item.title,
        "owner": item.owner.display_name if item.owner else None,
        "due_on": item.due_on.isoformat() if item.due_on else None,
        "status": item.status,
    }


def _touch_team_retros(item: ActionItem) -> None:
    """Bumps the live retros showing the item: its own, and the team's (review last actions)."""
    shown = PlanningSession.objects.filter(
        workspace=item.workspace_id,
        kind=SessionKind.RETROSPECTIVE,
        state__in=[SessionState.LOBBY, SessionState.RUNNING],
    ).filter(Q(pk=item.session_id) | Q(team=item.team))
    live.touch(shown.values_list("pk", flat=True))


@transaction.atomic
def action_item_update(
    *,
    actor: Actor,
    item: ActionItem,
    changes: ActionChanges,
    expected_version: int | None = None,
    reviewed_in: PlanningSession | None = None,
) -> ActionItem:
    """Changes an action item: title, owner, due date, or status (open, done, dropped).

    `reviewed_in` is the later retro where the room reviewed it; `expected_version` guards edits
    from a form or the API that read the item earlier (409 when it changed since).
    """
    require(actor, Capability.TRACK_ACTION_ITEMS)
    item = (
        ActionItem.objects.select_for_update(of=("self",))
        .select_related("owner")
        .get(pk=item.pk, workspace=actor.workspace)
    )
    if expected_version is not None and item.version != expected_version:
        raise StaleEdit(
            "Someone changed this action item first. Review it and save again.",
            current={"version": item.version, **_snapshot(item)},
        )
    before = _snapshot(item)
    if changes.title is not None:
        item.title = clean_text(changes.title, 200, "title", "what is to be done")
    if changes.owner is not None or changes.clear_owner:
        _owner_ok(actor, changes.owner)
        item.owner = None if changes.clear_owner else changes.owner
    if changes.due_on is not None or changes.clear_due_on:
        _due_ok(changes.due_on)
        item.due_on = None if changes.clear_due_on else changes.due_on
    if changes.status is not None:
        if changes.status not in ActionStatus.values:
            raise ValidationError({"status": "Choose open, done or dropped."})
        item.status = changes.status
        item.done_at = timezone.now() if changes.status == ActionStatus.DONE else None
    if reviewed_in is not None:
        if reviewed_in.workspace_id != actor.workspace.pk:
            raise ValidationError("That session belongs to another workspace.")
        if reviewed_in.kind != SessionKind.RETROSPECTIVE:
            raise ValidationError("That is not a retrospective.")
        item.reviewed_in = reviewed_in
    after = _snapshot(item)
    changed = [k for k in after if after[k] != before[k]]
    if not changed and reviewed_in is None:
        return item
    item.version += 1
    item.save()
    audit(
        actor,
        "action_item.updated",
        item,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    _touch_team_retros(item)
    return item
