"""Writes of decisions: commit, defer or reject an agenda item, which moves its idea's status
through the ideas services, and the close-the-loop message an ops lead confirms."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from feedback.models import Idea, IdeaStatus, StatusCategory
from feedback.selectors import ideas as idea_selectors
from feedback.services import ideas as idea_services
from feedback.services import loop_closures
from planning.models import AgendaItem, Decision, DecisionOutcome, PlanningSession
from planning.services import live
from productops.access import Actor, require
from productops.audit import audit
from productops.capabilities import Capability
from productops.models import Workspace

# What a decision does to an idea's status, and the outcome its customers are told.
DECISION_CATEGORY: dict[str, str] = {
    DecisionOutcome.COMMIT: StatusCategory.PLANNED,
    DecisionOutcome.REJECT: StatusCategory.DECLINED,
}

# Statuses past any decision of the room: a decision never moves an idea backwards from these.
AHEAD_OF_DECISIONS = (StatusCategory.IN_PROGRESS, StatusCategory.SHIPPED)


def _status_for(workspace: Workspace, category: str) -> IdeaStatus | None:
    statuses = idea_selectors.statuses(workspace=workspace)
    return next((s for s in statuses if s.category == category), None)


@transaction.atomic
def decision_record(
    *,
    actor: Actor,
    session: PlanningSession,
    item: AgendaItem,
    outcome: str,
    rationale: str = "",
    estimate: Decimal | None = None,
    defer_until: date | None = None,
) -> Decision:
    """Records the room's decision on an item (replacing an earlier one).

    For an idea, commit moves it to a planned status and reject to a declined one through the
    ideas services, and prepares the message to the customers who asked, which waits for an
    ops lead to confirm it. An idea in progress or shipped already keeps its status and gets no
    message (a decision never moves an idea backwards); `Decision.status_note` says so.
    The same decision twice (a double click) changes nothing.
    """
    session = live.locked(actor, session)
    decider = live.require_facilitator(actor, session)
    live.require_live(session)
    on_agenda = AgendaItem.objects.select_for_update().filter(pk=item.pk, session=session).first()
    if on_agenda is None:
        raise ValidationError("That item is on another session's agenda.")
    item = on_agenda
    errors = {}
    if outcome not in DecisionOutcome.values:
        errors["outcome"] = "Choose commit, defer or reject."
    if outcome == DecisionOutcome.DEFER and defer_until is None:
        errors["defer_until"] = "Say until when it is deferred."
    if outcome != DecisionOutcome.DEFER:
        defer_until = None
    if estimate is not None and not Decimal(0) <= estimate < Decimal(10**6):
        errors["estimate"] = "Give an estimate from 0."
    if errors:
        raise ValidationError(errors)
    rationale = rationale.strip()
    existing = Decision.objects.filter(item=item).first()
    fields = {
        "outcome": outcome,
        "rationale": rationale,
        "estimate": estimate,
        "defer_until": defer_until,
    }
    if existing and all(getattr(existing, k) == v for k, v in fields.items()):
        return existing
    subject, message, status_note = "", "", ""
    category = DECISION_CATEGORY.get(outcome)
    idea = Idea.objects.select_related("status").get(pk=item.idea_id) if item.idea_id else None
    if idea is not None and category and idea.status.category in AHEAD_OF_DECISIONS:
        status_note = (
            f"The idea is {idea.status.get_category_display().lower()} already; "
            "its status stays and no message is prepared."
        )
        category = None
    if idea is not None and category:
        subject, message = loop_closures.default_message(category)
    decision, _ = Decision.objects.update_or_create(
        item=item,
        defaults={
            **fields,
            "decided_by": decider,
            "decided_at": timezone.now(),
            "announce_subject": subject,
            "announce_message": message,
            "status_note": status_note,
        },
        create_defaults={
            **fields,
            "workspace": session.workspace,
            "session": session,
            "idea": item.idea,
            "decided_by": decider,
            "announce_subject": subject,
            "announce_message": message,
            "status_note": status_note,
        },
    )
    if idea is not None and category and idea.status.category != category:
        idea_services.idea_update(
            actor=actor,
            idea=idea,
            expected_version=idea.version,
            status=_status_for(session.workspace, category),
        )
    live.bump(session)
    live.mark_decisions(session)
    audit(
        actor,
        "planning_decision.recorded",
        decision,
        before={"outcome": existing.outcome} if existing else None,
        after={
            "item": item.pk,
            "outcome": outcome,
            "estimate": str(estimate) if estimate is not None else None,
            "defer_until": defer_until.isoformat() if defer_until else None,
            "rationale": rationale,
        },
    )
    return decision


@transaction.atomic
def decision_announce(*, actor: Actor, decision: Decision, subject: str, message: str) -> Decision:
    """The ops lead confirms the previewed message: feedback's loop closure tells each person
    who asked, once per idea and outcome. Confirming twice sends nothing more."""
    require(actor, Capability.RUN_PLANNING)
    found = (
        Decision.objects.select_for_update(of=("self",))
        .select_related("idea", "idea__status")
        .filter(pk=decision.pk, workspace=actor.workspace)
        .first()
    )
    if found is None:
        raise ValidationError("No such decision in this workspace.")
    decision = found
    if decision.announced_at is not None:
        return decision
    category = DECISION_CATEGORY.get(decision.outcome)
    if decision.idea is None or category is None:
        raise ValidationError("Only a commit or reject of an idea is announced to customers.")
    if decision.idea.status.category != category:
        raise ValidationError(
            "The idea's status changed since the decision; close the loop from the idea's page."
        )
    closure = loop_closures.loop_closure_create(
        actor=actor, idea=decision.idea, subject=subject, message=message, outcome=category
    )
    decision.announce_subject, decision.announce_message = closure.subject, closure.message
    decision.announced_at, decision.announced_by = timezone.now(), actor.user
    decision.loop_closure = closure
    decision.save(
        update_fields=[
            "announce_subject",
            "announce_message",
            "announced_at",
            "announced_by",
            "loop_closure",
        ]
    )
    audit(actor, "planning_decision.announced", decision, after={"closure": closure.pk})
    return decision
