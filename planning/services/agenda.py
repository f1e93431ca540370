"""Writes of a session's agenda: ideas, tool contracts up for renewal and free topics, in order.

An idea keeps its evidence as it stood when it was added (`evidence_snapshot`), shown next to the
live figure."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from feedback.models import Idea
from feedback.selectors import ideas as idea_selectors
from inventory.models import Contract
from planning import evidence as planning_evidence
from planning.models import AgendaItem, AgendaKind, Decision, PlanningSession, SessionState, Vote
from planning.selectors import sessions as selectors
from planning.services import live
from productops.access import Actor, require
from productops.audit import audit
from productops.capabilities import Capability
from productops.validation import Text


def evidence_snapshot(idea: Idea) -> dict[str, Any]:
    """An idea's demand as it stands now (planning.evidence): kept on the agenda item to
    compare with later."""
    found = planning_evidence.idea_evidence(workspace=idea.workspace, idea_id=idea.pk)
    return {**found.snapshot(), "taken_at": timezone.now().isoformat()}


@transaction.atomic
def agenda_add(
    *,
    actor: Actor,
    session: PlanningSession,
    idea: Idea | None = None,
    contract: Contract | None = None,
    topic: str = "",
) -> AgendaItem:
    """Adds an idea, a tool contract up for renewal, or a free topic at the end of the agenda.

    Ops leads and admins add anything; PMs add ideas they own. An idea must be open or planned
    and not merged (selectors.agenda_refusal); otherwise ValidationError({"idea": why}).
    """
    require(actor, Capability.ADD_AGENDA_ITEMS)
    session = live.locked(actor, session)
    if not session.has.agenda:
        raise ValidationError(f"A {session.get_kind_display().lower()} has no agenda.")
    if session.state == SessionState.ENDED:
        raise ValidationError("The session has ended; its agenda stays as it was.")
    organiser = actor.can(Capability.RUN_PLANNING)
    subjects = [s for s in (idea, contract, topic.strip()) if s]
    if len(subjects) != 1:
        raise ValidationError("Add one idea, one contract or one topic.")
    evidence: dict[str, Any] = {}
    if idea is not None:
        if idea.workspace_id != actor.workspace.pk:
            raise ValidationError({"idea": "No such idea in this workspace."})
        if not organiser and idea.owner_id != getattr(actor.user, "pk", None):
            raise PermissionDenied("PMs add ideas they own.")
        refusal = selectors.agenda_refusal(idea)
        if refusal:
            raise ValidationError({"idea": refusal})
        if AgendaItem.objects.filter(session=session, idea=idea).exists():
            raise ValidationError({"idea": "This idea is on the agenda already."})
        evidence = evidence_snapshot(
            idea_selectors.idea(workspace=actor.workspace, idea_id=idea.pk)
        )
        kind = AgendaKind.IDEA
    elif contract is not None:
        if not organiser:
            raise PermissionDenied("Ops leads and admins put renewals on the agenda.")
        if contract.workspace_id != actor.workspace.pk:
            raise ValidationError({"contract": "No such contract in this workspace."})
        if AgendaItem.objects.filter(session=session, contract=contract).exists():
            raise ValidationError({"contract": "This renewal is on the agenda already."})
        evidence = {
            "notice_deadline": contract.notice_deadline.isoformat(),
            "renewal_date": contract.renewal_date.isoformat(),
            "annual_cost": str(contract.annual_cost),
        }
        kind = AgendaKind.CONTRACT
    else:
        if not organiser:
            raise PermissionDenied("Ops leads and admins add free topics.")
        kind = AgendaKind.TOPIC
    last = AgendaItem.objects.filter(session=session).aggregate(top=Max("position"))["top"]
    item = AgendaItem.objects.create(
        workspace=actor.workspace,
        session=session,
        kind=kind,
        idea=idea,
        contract=contract,
        topic=Text(200).clean(topic, field="topic"),  # longer is refused, never cut
        position=(last or 0) + 10,
        evidence=evidence,
        added_by=actor.user,
    )
    live.bump(session)
    audit(actor, "planning_agenda.added", session, after={"item": item.pk, "title": str(item)})
    return item


@transaction.atomic
def agenda_remove(*, actor: Actor, session: PlanningSession, item: AgendaItem) -> None:
    """Takes an item off the agenda while nothing was voted or decided on it."""
    session = live.locked(actor, session)
    live.require_facilitator(actor, session)
    if item.session_id != session.pk:
        raise ValidationError("That item is on another session's agenda.")
    if Vote.objects.filter(item=item).exists() or Decision.objects.filter(item=item).exists():
        raise ValidationError("This item has votes or a decision; it stays on the record.")
    title = str(item)
    if session.current_item_id == item.pk:
        session.current_item = None
    item.delete()
    live.bump(session, current_item=session.current_item)
    audit(actor, "planning_agenda.removed", session, before={"item": item.pk, "title": title})


@transaction.atomic
def agenda_move(*, actor: Actor, session: PlanningSession, item: AgendaItem, step: int) -> None:
    """Swaps the item with its neighbour above (step -1) or below (1)."""
    session = live.locked(actor, session)
    live.require_facilitator(actor, session)
    items = list(AgendaItem.objects.filter(session=session).order_by("position", "id"))
    ids = [i.pk for i in items]
    if item.pk not in ids:
        raise ValidationError("That item is on another session's agenda.")
    index = ids.index(item.pk)
    other = index + step
    if step not in (1, -1) or not 0 <= other < len(items):
        return
    items[index], items[other] = items[other], items[index]
    for position, row in enumerate(items):
        AgendaItem.objects.filter(pk=row.pk).update(position=(position + 1) * 10)
    live.bump(session)
    audit(actor, "planning_agenda.moved", session, after={"item": item.pk, "step": step})
