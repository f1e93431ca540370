"""The planning sessions API: sessions, their agenda, your own votes, the reveal, decisions.

Votes leave here as the pages show them: a round's values only once it is revealed (through
`selectors.revealed_votes`), your own through `votes/`, and otherwise who voted and how many.
"""

from typing import TYPE_CHECKING, TypedDict, cast

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from feedback.selectors import ideas as idea_selectors
from inventory.selectors import tools as inventory_tools
from planning.models import (
    AgendaItem,
    Decision,
    DecisionOutcome,
    ParticipantRole,
    PlanningSession,
    SessionKind,
    Vote,
)
from planning.selectors import decisions as decision_selectors
from planning.selectors import sessions as selectors
from planning.selectors import votes as vote_selectors
from planning.services import agenda as agenda_services
from planning.services import decisions as decision_services
from planning.services import participants as participant_services
from planning.services import sessions as services
from planning.services import votes as vote_services
from productops.api import WorkspaceAPIView, WorkspaceListAPIView
from productops.api_errors import error_body
from productops.api_paging import NewestFirstCursorPagination
from productops.capabilities import Capability
from productops.idempotency import idempotent

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    TalliedItem = WithAnnotations[AgendaItem, "Tally"]


class SessionOut(serializers.ModelSerializer):
    facilitator = serializers.CharField(source="facilitator.display_name")
    phase_label = serializers.CharField()

    class Meta:
        model = PlanningSession
        fields = [
            "id",
            "kind",
            "title",
            "team",
            "period_start",
            "period_end",
            "scheduled_at",
            "state",
            "phases",
            "current_phase",
            "phase_label",
            "current_item",
            "facilitator",
            "scoring_model",
            "anonymous_reflections",
            "vote_budget",
            "vote_cap_per_item",
            "auto_reveal",
            "item_timer_seconds",
            "phase_timer_seconds",
            "reveal_due_at",
            "version",
            "created_at",
            "started_at",
            "ended_at",
        ]


class SessionIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SessionKind.choices)
    title = serializers.CharField(max_length=200)
    team = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    period_start = serializers.DateField(required=False, allow_null=True)
    period_end = serializers.DateField(required=False, allow_null=True)
    scheduled_at = serializers.DateTimeField(required=False, allow_null=True)
    scoring_model = serializers.CharField(max_length=40, required=False, allow_blank=True)
    anonymous_reflections = serializers.BooleanField(required=False, default=True)
    vote_budget = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    vote_cap_per_item = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    auto_reveal = serializers.BooleanField(required=False, default=False)
    item_timer_seconds = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    phase_timer_seconds = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class DecisionOut(serializers.ModelSerializer):
    decided_by = serializers.CharField(source="decided_by.display_name")

    class Meta:
        model = Decision
        fields = [
            "id",
            "item",
            "idea",
            "outcome",
            "estimate",
            "defer_until",
            "rationale",
            "status_note",
            "decided_by",
            "decided_at",
            "announced_at",
        ]


class RevealedVoteOut(serializers.Serializer):
    participant = serializers.CharField(help_text="Who voted")
    field = serializers.CharField()
    round = serializers.IntegerField()
    value = serializers.CharField()


class AgendaItemOut(serializers.ModelSerializer):
    title = serializers.CharField(source="__str__")
    votes_in = serializers.IntegerField(help_text="Participants who voted on the open round")
    revealed_votes = RevealedVoteOut(
        many=True, help_text="Votes of revealed rounds only; a hidden round shows none"
    )
    decision = DecisionOut(allow_null=True)

    class Meta:
        model = AgendaItem
        fields = [
            "id",
            "kind",
            "title",
            "idea",
            "contract",
            "topic",
            "position",
            "evidence",
            "round",
            "revealed_round",
            "votes_in",
            "revealed_votes",
            "final_values",
            "final_score",
            "decision",
        ]


class AgendaIn(serializers.Serializer):
    idea = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="The idea's number: its id, shown as #12 on pages",
    )
    contract = serializers.IntegerField(required=False, allow_null=True, help_text="Contract id")
    topic = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class OwnVoteOut(serializers.ModelSerializer):
    class Meta:
        model = Vote
        fields = ["item", "field", "round", "value", "updated_at"]


class VoteIn(serializers.Serializer):
    item = serializers.IntegerField(help_text="The agenda item on the table")
    values = serializers.DictField(
        child=serializers.CharField(max_length=40, allow_blank=True),
        help_text='Field -> value on its scale, e.g. {"reach": "500", "effort": "3"}',
    )


class RevealIn(serializers.Serializer):
    item = serializers.IntegerField(required=False, help_text="Default: the item on the table")


class DecisionIn(serializers.Serializer):
    item = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=DecisionOutcome.choices)
    estimate = serializers.DecimalField(
        max_digits=8, decimal_places=2, required=False, allow_null=True, min_value=0
    )
    defer_until = serializers.DateField(required=False, allow_null=True)
    rationale = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class JoinIn(serializers.Serializer):
    role = serializers.ChoiceField(
        choices=[ParticipantRole.VOTER, ParticipantRole.SPECTATOR], default=ParticipantRole.VOTER
    )


def _valid(serializer_class, request) -> dict:
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


class Tally(TypedDict):
    """What _agenda_rows() adds to each agenda item for AgendaItemOut."""

    revealed_votes: list[dict]  # RevealedVoteOut
    votes_in: int  # participants who voted on the open round


def _agenda_rows(session: PlanningSession) -> list["TalliedItem"]:
    """The agenda with each item's revealed votes and count of votes in (three queries)."""
    items = cast("list[TalliedItem]", selectors.agenda(session=session))
    names = {p.pk: p.user.display_name for p in selectors.participants(session=session)}
    revealed: dict[int, list[dict]] = {item.pk: [] for item in items}
    for item_id, participant_id, field, round_, value in (
        vote_selectors.revealed_votes(session=session)
        .order_by("item_id", "round", "field", "participant_id")
        .values_list("item_id", "participant_id", "field", "round", "value")
    ):
        revealed[item_id].append(
            {
                "participant": names.get(participant_id, ""),
                "field": field,
                "round": round_,
                "value": value,
            }
        )
    counts = vote_selectors.votes_in(session=session)
    for item in items:
        item.revealed_votes = revealed[item.pk]
        item.votes_in = counts.get(item.pk, 0)
    return items


class SessionList(WorkspaceListAPIView):
    """Planning sessions, newest first."""

    capabilities = {"GET": Capability.VIEW_PLANNING, "POST": Capability.RUN_PLANNING}
    serializer_class = SessionOut
    pagination_class = NewestFirstCursorPagination
    queryset = PlanningSession.objects.none()

    def get_queryset(self):
        return selectors.sessions(workspace=self.workspace)

    @extend_schema(request=SessionIn, responses={201: SessionOut})
    @idempotent
    def post(self, request, slug: str) -> Response:
        data = _valid(SessionIn, request)
        kind = data.pop("kind")
        session = services.session_create(
            actor=request.actor, kind=kind, settings=services.SessionSettings(**data)
        )
        session = selectors.session(workspace=self.workspace, session_id=session.pk)
        return Response(SessionOut(session).data, status=status.HTTP_201_CREATED)


class SessionDetail(WorkspaceAPIView):
    capabilities = {"GET": Capability.VIEW_PLANNING}
    serializer_class = SessionOut

    def get(self, request, slug: str, session_id: int) -> Response:
        session = selectors.session(workspace=self.workspace, session_id=session_id)
        return Response(SessionOut(session).data)


class SessionJoin(WorkspaceAPIView):
    capabilities = {"POST": Capability.JOIN_PLANNING}

    @extend_schema(request=JoinIn, responses={200: SessionOut})
    def post(self, request, slug: str, session_id: int) -> Response:
        session = selectors.session(workspace=self.workspace, session_id=session_id)
        data = _valid(JoinIn, request)
        participant_services.participant_join(
            actor=request.actor, session=session, role=data["role"]
        )
        session = selectors.session(workspace=self.workspace, session_id=session_id)
        return Response(SessionOut(session).data)


class AgendaList(WorkspaceAPIView):
    """The agenda in order. Votes of a round show only once it is revealed."""

    capabilities = {"GET": Capability.VIEW_PLANNING, "POST": Capability.ADD_AGENDA_ITEMS}
    serializer_class = AgendaItemOut
    pagination_class = None
    queryset = AgendaItem.objects.none()

    @extend_schema(responses=AgendaItemOut(many=True))
    def get(self, request, slug: str, session_id: int) -> Response:
        session = selectors.session(workspace=self.workspace, session_id=session_id)
        return Response(AgendaItemOut(_agenda_rows(session), many=True).data)

    @extend_schema(request=AgendaIn, responses={201: AgendaItemOut})
    def post(self, request, slug: str, session_id: int) -> Response:
        session = selectors.session(workspace=self.workspace, session_id=session_id)
        data = _valid(AgendaIn, request)
        idea = contract = None
        if data.get("idea"):
            idea = idea_selectors.ideas(workspace=self.workspace).filter(pk=data["idea"]).first()
            if idea is None:
                raise serializers.ValidationError({"idea": ["No such idea in this workspace."]})
        if data.get("contract"):
            contract = (
                inventory_tools.contracts(workspace=self.workspace)
                .filter(pk=data["contract"])
                .first()
            )
            if contract is None:
                raise serializers.ValidationError(
                    {"contract": ["No such contract in this workspace."]}
                )
        item = agenda_services.agenda_add(
            actor=request.actor, session=session, idea=idea, contract=contract, topic=data["topic"]
        )
        row = next(i for i in _agenda_rows(session) if i.pk == item.pk)
        return Response(AgendaItemOut(row).data, status=status.HTTP_201_CREATED)


class OwnVotes(WorkspaceAPIView):
    """Your own votes in the session (every round); POST casts or changes them until the
    reveal. A vote after the room moved on answers 409 `late_vote`."""

    capabilities = {"GET": Capability.JOIN_PLANNING, "POST": Capability.JOIN_PLANNING}
    serializer_class = OwnVoteOut
    pagination_class = None
    queryset = Vote.objects.none()

    @extend_schema(responses=OwnVoteOut(many=True))
    def get(self, request, slug: str, session_id: int) -> Response:
        session = selectors.session(workspace=self.workspace, session_id=session_id)
        rows = vote_selectors.own_votes_in(session=session, user=request.actor.user)
        return Response(OwnVoteOut(rows, many=True).data)

    @extend_schema(request=VoteIn, responses={201: OwnVoteOut(many=True), 409: None})
    def post(self, request, slug: str, session_id: int) -> Response:
        session = selectors.session(workspace=self.workspace, session_id=session_id)
        data = _valid(VoteIn, request)
        item = AgendaItem.objects.filter(session=session, pk=data["item"]).first()
        if item is None:
            raise serializers.ValidationError({"item": ["No such item on this agenda."]})
        try:
            stored = vote_services.vote_cast(
                actor=request.actor, session=session, item=item, values=data["values"]
            )
        except vote_services.LateVote as late:
            body = error_body(409, "late_vote", " ".join(late.messages))
            return Response(body, status=status.HTTP_409_CONFLICT)
        return Response(OwnVoteOut(stored, many=True).data, status=status.HTTP_201_CREATED)


class Reveal(WorkspaceAPIView):
    capabilities = {"POST": Capability.RUN_PLANNING}
    serializer_class = AgendaItemOut

    @extend_schema(request=RevealIn, responses={200: AgendaItemOut})
    def post(self, request, slug: str, session_id: int) -> Response:
        session = selectors.session(workspace=self.workspace, session_id=session_id)
        data = _valid(RevealIn, request)
        item = None
        if data.get("item"):
            item = AgendaItem.objects.filter(session=session, pk=data["item"]).first()
            if item is None:
                raise serializers.ValidationError({"item": ["No such item on this agenda."]})
        revealed = vote_services.item_reveal(actor=request.actor, session=session, item=item)
        row = next(i for i in _agenda_rows(session) if i.pk == revealed.pk)
        return Response(AgendaItemOut(row).data)


class DecisionList(WorkspaceAPIView):
    capabilities = {"GET": Capability.VIEW_PLANNING, "POST": Capability.RUN_PLANNING}
    serializer_class = DecisionOut
    pagination_class = None
    queryset = Decision.objects.none()

    @extend_schema(responses=DecisionOut(many=True))
    def get(self, request, slug: str, session_id: int) -> Response:
        session = selectors.session(workspace=self.workspace, session_id=session_id)
        return Response(DecisionOut(decision_selectors.decisions(session=session), many=True).data)

    @extend_schema(request=DecisionIn, responses={201: DecisionOut})
    @idempotent
    def post(self, request, slug: str, session_id: int) -> Response:
        session = selectors.session(workspace=self.workspace, session_id=session_id)
        data = _valid(DecisionIn, request)
        item = AgendaItem.objects.filter(session=session, pk=data.pop("item")).first()
        if item is None:
            raise serializers.ValidationError({"item": ["No such item on this agenda."]})
        decision = decision_services.decision_record(
            actor=request.actor, session=session, item=item, **data
        )
        decision = decision_selectors.decisions(session=session).get(pk=decision.pk)
        return Response(DecisionOut(decision).data, status=status.HTTP_201_CREATED)


DECISION_FILTER_PARAMETERS = [
    OpenApiParameter(
        "outcome", str, enum=list(decision_selectors.OUTCOME.choices), description="Default: all."
    ),
    OpenApiParameter(
        "since",
        OpenApiTypes.DATE,
        description="Dated on or after this day (a decision's `day`: its session's period "
        "start, else the workspace's day it was made).",
    ),
    OpenApiParameter("until", OpenApiTypes.DATE, description="Dated on or before this day."),
    OpenApiParameter(
        "demand",
        str,
        enum=list(idea_selectors.DEMAND.choices),
        description="yes: only decisions on ideas backed by customer demand (counted evidence, "
        "on the idea it was merged into when it was); no: only those on ideas without any; "
        "any (the default): all.",
    ),
]


class DatedDecisionOut(DecisionOut):
    day = serializers.DateField(
        help_text="Its session's period start, else the workspace's day it was made: the day "
        "the decisions page and the dashboards count it by"
    )

    class Meta(DecisionOut.Meta):
        fields = ["id", "session", "day", *DecisionOut.Meta.fields[1:]]


class DecisionPagination(NewestFirstCursorPagination):
    ordering = ("-day", "-id")


class WorkspaceDecisionList(WorkspaceListAPIView):
    """Every session's decisions, latest day first, filtered as the decisions page filters
    (selectors.decisions.DecisionFilters.from_params reads both)."""

    capabilities = {"GET": Capability.VIEW_PLANNING}
    serializer_class = DatedDecisionOut
    pagination_class = DecisionPagination
    queryset = Decision.objects.none()  # the schema's model; rows come from the selector

    def get_queryset(self):
        filters = decision_selectors.DecisionFilters.from_params(self.request.query_params)
        return decision_selectors.dated_decisions(workspace=self.workspace, filters=filters)

    @extend_schema(parameters=DECISION_FILTER_PARAMETERS)
    def get(self, request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)
