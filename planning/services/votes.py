"""Writes of hidden votes: casting them, the reveal (by hand or automatic), re-vote rounds and
the score the room accepts. Votes are never audited with their values."""

from collections.abc import Hashable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from planning import scales, scoring
from planning.models import AgendaItem, Participant, PlanningSession, SessionState, Vote
from planning.selectors import sessions as selectors
from planning.selectors import votes as vote_selectors
from planning.services import live
from productops.access import Actor, require
from productops.audit import audit
from productops.capabilities import Capability

AUTO_REVEAL_COUNTDOWN = timedelta(seconds=5)


class LateVote(ValidationError):
    """A vote that arrived after the facilitator moved on (or revealed): a clear 409."""


def _late(message: str) -> LateVote:
    return LateVote(f"{message} Your vote was not counted.", code="late")


@transaction.atomic
def vote_cast(
    *, actor: Actor, session: PlanningSession, item: AgendaItem, values: dict[str, Any]
) -> list[Vote]:
    """Stores the actor's votes (field -> value as typed) on the current item's open round.

    A vote may change until the reveal. A vote for an item the room left, a round revealed or
    a phase that takes no votes raises LateVote, which pages and the API answer with 409.
    """
    require(actor, Capability.JOIN_PLANNING)
    session = live.locked(actor, session)
    participant = live.seat(actor, session, missing="Join the session first.")
    if not participant.is_voter:
        raise PermissionDenied("Spectators watch; they do not vote.")
    if session.state != SessionState.RUNNING:
        raise _late(f"The session is {session.get_state_display().lower()}.")
    if session.current_phase not in selectors.VOTING_PHASES:
        raise _late(f"The session moved on to “{session.phase_label}”.")
    if item.session_id != session.pk:
        raise ValidationError("That item is on another session's agenda.")
    item = AgendaItem.objects.select_for_update().get(pk=item.pk)
    if session.current_item_id != item.pk:
        raise _late("The facilitator moved on to another item.")
    if item.is_revealed:
        raise _late("The votes on this item were revealed.")
    model = selectors.session_scoring_model(session)
    parsed: dict[str, Decimal] = {}
    errors: dict[str, str] = {}
    for name, raw in values.items():
        if raw in (None, ""):
            continue
        try:
            parsed[name] = model.field(name).scale_info.parse(raw)
        except scales.ScoringError as error:
            errors[name] = str(error)
    if errors:
        raise ValidationError(errors)
    if not parsed:
        raise ValidationError("Give at least one value.")
    if model.key == scoring.DOT_VOTING.key:
        _check_dots(session, participant, item, int(parsed["dots"]))
    now = timezone.now()
    stored = []
    for name, number in parsed.items():
        vote, _ = Vote.objects.update_or_create(
            item=item,
            participant=participant,
            field=name,
            round=item.round,
            defaults={
                "value": model.field(name).scale_info.display(number),
                "number": float(number),
                "updated_at": now,
            },
            create_defaults={
                "workspace": session.workspace,
                "session": session,
                "value": model.field(name).scale_info.display(number),
                "number": float(number),
                "cast_at": now,
                "updated_at": now,
            },
        )
        stored.append(vote)
    changes: dict[str, Any] = {}
    if (
        session.auto_reveal
        and session.reveal_due_at is None
        and vote_selectors.everyone_voted(session=session, item=item, fields=model.field_names)
    ):
        changes["reveal_due_at"] = now + AUTO_REVEAL_COUNTDOWN
    live.bump(session, **changes)
    # The fields, never the values: the audit log is readable before the reveal.
    audit(
        actor,
        "planning_vote.cast",
        item,
        after={"fields": sorted(parsed), "round": item.round},
    )
    return stored


def _check_dots(
    session: PlanningSession, participant: Participant, item: AgendaItem, dots: int
) -> None:
    others = (
        Vote.objects.filter(session=session, participant=participant, field="dots")
        .exclude(item=item)
        .values_list("item_id", "number")
    )
    spent: dict[Hashable, int] = {key: int(value or 0) for key, value in others}
    spent[item.pk] = dots
    try:
        scoring.check_dots(
            spent,
            budget=session.vote_budget or 0,
            cap=session.vote_cap_per_item or session.vote_budget or 0,
        )
    except scales.ScoringError as error:
        raise ValidationError({"dots": str(error)}) from None


@transaction.atomic
def item_reveal(
    *, actor: Actor, session: PlanningSession, item: AgendaItem | None = None
) -> AgendaItem:
    """Shows the votes of the item's open round to everyone at once."""
    session, item = _item_on_the_table(actor, session, item)
    return _reveal(actor, session, item)


def _item_on_the_table(
    actor: Actor, session: PlanningSession, item: AgendaItem | None
) -> tuple[PlanningSession, AgendaItem]:
    """The session locked for its facilitator while it runs, and its item (`item`, else the
    current one) locked."""
    session = live.locked(actor, session)
    live.require_facilitator(actor, session)
    live.require_live(session)
    return session, _current_item(session, item)


def _current_item(session: PlanningSession, item: AgendaItem | None) -> AgendaItem:
    item_id = item.pk if item is not None else session.current_item_id
    found = None
    if item_id is not None:
        found = AgendaItem.objects.select_for_update().filter(pk=item_id, session=session).first()
    if found is None:
        raise ValidationError("There is no item on the table.")
    return found


def _reveal(actor: Actor, session: PlanningSession, item: AgendaItem) -> AgendaItem:
    if item.is_revealed:
        return item
    item.revealed_round = item.round
    item.save(update_fields=["revealed_round"])
    live.bump(session, reveal_due_at=None)
    audit(actor, "planning_agenda.revealed", item, after={"round": item.round})
    return item


def reveal_when_due(*, session_id: int) -> bool:
    """The auto-reveal: reveals the current item once its countdown ran out (the poll calls
    this). Safe at once from every participant's poll: the lock lets one reveal."""
    with transaction.atomic():
        session = (
            PlanningSession.objects.select_for_update(of=("self",))
            .select_related("workspace")
            .filter(pk=session_id, reveal_due_at__lte=timezone.now())
            .first()
        )
        if session is None:
            return False
        if session.current_item_id is None or session.state != SessionState.RUNNING:
            live.bump(session, reveal_due_at=None)
            return False
        item = AgendaItem.objects.select_for_update().get(pk=session.current_item_id)
        _reveal(Actor(workspace=session.workspace), session, item)
        return True


@transaction.atomic
def auto_reveal_cancel(*, actor: Actor, session: PlanningSession) -> PlanningSession:
    session = live.locked(actor, session)
    live.require_facilitator(actor, session)
    if session.reveal_due_at is not None:
        live.bump(session, reveal_due_at=None)
        audit(actor, "planning_session.auto_reveal_cancelled", session, after={})
    return session


@transaction.atomic
def item_revote(
    *, actor: Actor, session: PlanningSession, item: AgendaItem | None = None
) -> AgendaItem:
    """Opens a new hidden round on a revealed item; the earlier rounds are kept."""
    session, item = _item_on_the_table(actor, session, item)
    if not item.is_revealed:
        raise ValidationError("Reveal this round before voting again.")
    item.round += 1
    item.save(update_fields=["round"])
    live.bump(session, reveal_due_at=None)
    audit(actor, "planning_agenda.revote", item, after={"round": item.round})
    return item


@transaction.atomic
def item_accept_score(
    *, actor: Actor, session: PlanningSession, item: AgendaItem, values: dict[str, Any]
) -> AgendaItem:
    """Stores the values the room agreed (suggested from the revealed votes) and the score."""
    session, item = _item_on_the_table(actor, session, item)
    if not item.is_revealed:
        raise ValidationError("Reveal the votes before accepting a score.")
    model = selectors.session_scoring_model(session)
    try:
        parsed = model.parse(values)
        score = model.score(parsed)
    except scales.ScoringError as error:
        raise ValidationError(str(error)) from None
    before = {"values": item.final_values, "score": item.final_score}
    item.final_values = {
        name: model.field(name).scale_info.display(v) for name, v in parsed.items()
    }
    item.final_score = float(score)
    item.accepted_by = actor.user
    item.accepted_at = timezone.now()
    item.save(update_fields=["final_values", "final_score", "accepted_by", "accepted_at"])
    live.bump(session)
    audit(
        actor,
        "planning_agenda.score_accepted",
        item,
        before=before,
        after={"values": item.final_values, "score": item.final_score},
    )
    return item
