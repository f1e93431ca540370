"""The one place that reads vote values, and it reads only revealed ones (`revealed_votes`)
or the viewer's own (`own_votes`). Everything else about votes is who has voted and how many:
`voter_ids`. So no page, fragment, poll answer, CSV, API answer or email can carry a hidden
value, because none of them can get one."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, QuerySet
from django.utils import timezone

from planning import scoring
from planning.models import (
    AgendaItem,
    Participant,
    ParticipantRole,
    PlanningSession,
    Vote,
)
from planning.selectors.sessions import is_present, session_scoring_model
from productops.models import User


def revealed_votes(*, session: PlanningSession) -> QuerySet[Vote]:
    """Votes whose round was revealed: the only values any answer may carry."""
    return Vote.objects.filter(session=session, round__lte=F("item__revealed_round"))


def own_votes(*, participant: Participant, item: AgendaItem) -> dict[str, str]:
    """The participant's own votes on the item's open round (field -> value as cast)."""
    return dict(
        Vote.objects.filter(participant=participant, item=item, round=item.round).values_list(
            "field", "value"
        )
    )


def voter_ids(*, item: AgendaItem) -> set[int]:
    """Participants who voted on the item's open round: names may show, values never."""
    return set(
        Vote.objects.filter(item=item, round=item.round).values_list("participant_id", flat=True)
    )


def votes_in(*, session: PlanningSession) -> dict[int, int]:
    """Per item: how many participants voted on its open round (a count, never values)."""
    return dict(
        Vote.objects.filter(session=session, round=F("item__round"))
        .values("item_id")
        .annotate(n=Count("participant_id", distinct=True))
        .values_list("item_id", "n")
    )


def own_votes_in(*, session: PlanningSession, user: User | None) -> QuerySet[Vote]:
    """The user's own votes in the session, every round (what the API's votes/ answers)."""
    return Vote.objects.filter(session=session, participant__user=user).order_by(
        "item_id", "round", "field"
    )


def everyone_voted(*, session: PlanningSession, item: AgendaItem, fields: list[str]) -> bool:
    """Every present voter (not spectators) voted every field on the item's open round."""
    now = timezone.now()
    voters = [
        p
        for p in Participant.objects.filter(session=session).exclude(role=ParticipantRole.SPECTATOR)
        if is_present(p, now)
    ]
    if not voters:
        return False
    complete = (
        Vote.objects.filter(item=item, round=item.round, field__in=fields)
        .values("participant_id")
        .annotate(n=Count("field", distinct=True))
        .filter(n=len(fields))
        .values_list("participant_id", flat=True)
    )
    return {p.pk for p in voters} <= set(complete)


@dataclass
class FieldResult:
    """A revealed round's votes on one field, with what they suggest."""

    name: str
    label: str
    votes: list[tuple[str, str]]  # (participant name, value)
    suggestion: scoring.FinalSuggestion | None
    display: dict[str, str] = field(default_factory=dict)  # suggestion figures as on the scale


def field_results(
    *, session: PlanningSession, item: AgendaItem, names: dict[int, str]
) -> list[FieldResult]:
    """The latest revealed round of `item`, field by field; empty while it is hidden."""
    if item.revealed_round == 0:
        return []
    model = session_scoring_model(session)
    rows = list(
        revealed_votes(session=session)
        .filter(item=item, round=item.revealed_round)
        .order_by("field", "participant_id")
        .values_list("field", "participant_id", "value", "number")
    )
    return results_of(model, rows, names)


def results_of(
    model: scoring.ScoringModel,
    rows: Sequence[tuple[str, int, str, float | None]],
    names: dict[int, str],
) -> list[FieldResult]:
    """Revealed (field, participant id, value, number) rows as results per field of `model`."""
    by_field: dict[str, list] = defaultdict(list)
    for name, participant_id, value, number in rows:
        by_field[name].append((names.get(participant_id, "Someone"), value, number))
    results = []
    for score_field in model.fields:
        votes = by_field.get(score_field.name, [])
        numbers = [Decimal(str(n)) for _, _, n in votes if n is not None]
        suggestion = scoring.suggest_final(numbers, score_field.scale_info) if numbers else None
        display = {}
        if suggestion:
            scale = score_field.scale_info
            display = {
                k: scale.display(getattr(suggestion, k))
                for k in ("median", "mode", "low", "high", "suggested")
            }
            display["spread"] = format(suggestion.spread.normalize(), "f")
            # The votes' range as every page, email and CSV writes it ("300", en dash, "1200").
            display["range"] = f"{display['low']}\u2013{display['high']}"
        results.append(
            FieldResult(
                name=score_field.name,
                label=score_field.label,
                votes=[(who, value) for who, value, _ in votes],
                suggestion=suggestion,
                display=display,
            )
        )
    return results
