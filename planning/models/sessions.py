"""Live planning sessions: who takes part, what is on the agenda, the votes and the decisions.

Every row carries its workspace, and every unique constraint includes the session or item it
belongs to (itself of one workspace).

A vote is hidden until its item's round is revealed: a vote of round R shows only when
`item.revealed_round >= R`. The selectors are the one place that reads vote values, and they
apply that rule, so no page, poll answer, CSV, API answer or email can carry a hidden value.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from productops.models import User, Workspace


class SessionKind(models.TextChoices):
    PRIORITISATION = "prioritisation", "Prioritisation workshop / quarterly planning"
    ESTIMATION = "estimation", "Sprint planning with estimation"
    ROADMAP_REVIEW = "roadmap_review", "Roadmap review"
    RETROSPECTIVE = "retrospective", "Retrospective"


# The phases each kind walks through, in order, as (key, label). A session copies its kind's
# keys when it is created, so changing this table never rewrites a session already run.
PHASES: dict[str, list[tuple[str, str]]] = {
    SessionKind.PRIORITISATION: [
        ("evidence", "Review the evidence"),
        ("score", "Score"),
        ("decide", "Decide"),
        ("wrap_up", "Wrap up"),
    ],
    SessionKind.ESTIMATION: [
        ("estimate", "Estimate"),
        ("commit", "Commit"),
        ("wrap_up", "Wrap up"),
    ],
    SessionKind.ROADMAP_REVIEW: [
        ("review", "Review"),
        ("decide", "Decide"),
        ("wrap_up", "Wrap up"),
    ],
    SessionKind.RETROSPECTIVE: [
        ("review_actions", "Review last actions"),
        ("reflect", "Reflect"),
        ("group", "Group"),
        ("vote", "Vote"),
        ("discuss", "Discuss"),
        ("wrap_up", "Wrap up"),
    ],
}
PHASE_LABELS = {key: label for phases in PHASES.values() for key, label in phases}


@dataclass(frozen=True)
class KindHas:
    """What a kind of session has, so its room, summary and settings show only that.

    `agenda`: items on the table, scored by hidden votes (reveal, re-vote, accepted score),
    decided (commit, defer, reject) and held against the team's capacity; `board`: the retro
    board (prompts, reflections, groups, dots, notes, action items); `settings`: the fields of
    the settings form the kind uses (`planning.forms.sessions.SessionForm`).
    """

    agenda: bool
    board: bool
    settings: frozenset[str]


_EVERY_KIND = {"title", "team", "scheduled_at", "phase_timer_minutes"}
_AGENDA = _EVERY_KIND | {"period_start", "period_end", "auto_reveal", "item_timer_minutes"}
_SCORED = _AGENDA | {"scoring_model", "vote_budget", "vote_cap_per_item"}  # a chosen model
KIND_HAS: dict[str, KindHas] = {
    SessionKind.PRIORITISATION: KindHas(agenda=True, board=False, settings=frozenset(_SCORED)),
    SessionKind.ESTIMATION: KindHas(agenda=True, board=False, settings=frozenset(_AGENDA)),
    SessionKind.ROADMAP_REVIEW: KindHas(agenda=True, board=False, settings=frozenset(_SCORED)),
    SessionKind.RETROSPECTIVE: KindHas(
        agenda=False,
        board=True,
        settings=frozenset(
            _EVERY_KIND | {"anonymous_reflections", "vote_budget", "vote_cap_per_item"}
        ),
    ),
}


def phase_keys(kind: str) -> list[str]:
    return [key for key, _ in PHASES[kind]]


def period_label(start: date | None, end: date | None) -> str:
    """ "Q4 2026" for a calendar quarter, else the dates ("1 Oct to 15 Nov 2026"); "" unless
    both ends are known."""
    if start is None or end is None:
        return ""
    if start.day == 1 and start.month in (1, 4, 7, 10):
        after = date(start.year + start.month // 10, (start.month + 2) % 12 + 1, 1)
        if end == after - timedelta(days=1):
            return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    first = f"{start.day} {start:%b}" + ("" if start.year == end.year else f" {start.year}")
    return f"{first} to {end.day} {end:%b} {end.year}"


class SessionState(models.TextChoices):
    DRAFT = "draft", "Draft"
    LOBBY = "lobby", "Lobby"
    RUNNING = "running", "Running"
    ENDED = "ended", "Ended"


class PlanningSession(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=SessionKind.choices)
    title = models.CharField(max_length=200)
    team = models.CharField(max_length=100, blank=True)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    facilitator = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    scheduled_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(
        max_length=10, choices=SessionState.choices, default=SessionState.DRAFT
    )
    phases = ArrayField(models.CharField(max_length=30), default=list)
    current_phase = models.CharField(max_length=30, blank=True)
    current_item = models.ForeignKey(
        "AgendaItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The scoring model (planning.scoring) every item of the session is scored with.
    scoring_model = models.CharField(max_length=40, blank=True)
    # Settings
    anonymous_reflections = models.BooleanField(default=True)
    vote_budget = models.PositiveSmallIntegerField(null=True, blank=True)
    vote_cap_per_item = models.PositiveSmallIntegerField(null=True, blank=True)
    auto_reveal = models.BooleanField(default=False)
    item_timer_seconds = models.PositiveIntegerField(null=True, blank=True)
    phase_timer_seconds = models.PositiveIntegerField(null=True, blank=True)
    # Server-side clocks: timers and the auto-reveal countdown are computed from these.
    phase_started_at = models.DateTimeField(null=True, blank=True)
    item_started_at = models.DateTimeField(null=True, blank=True)
    reveal_due_at = models.DateTimeField(null=True, blank=True)
    # Bumped by every change a participant's page shows; the poll compares it.
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__isnull=True)
                | Q(period_start__isnull=True)
                | Q(period_end__gte=models.F("period_start")),
                name="session_period_in_order",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "state", "-created_at"], name="sessions_by_state"),
            models.Index(fields=["workspace", "team", "-period_start"], name="sessions_by_team"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def has(self) -> KindHas:
        """What this session's kind has (`KIND_HAS`)."""
        return KIND_HAS[self.kind]

    @property
    def phase_label(self) -> str:
        return PHASE_LABELS.get(self.current_phase, self.current_phase)

    @property
    def is_live(self) -> bool:
        return self.state in (SessionState.LOBBY, SessionState.RUNNING)

    @property
    def period_label(self) -> str:
        """The planning period as people say it (`period_label`)."""
        return period_label(self.period_start, self.period_end)


class ParticipantRole(models.TextChoices):
    FACILITATOR = "facilitator", "Facilitator"
    VOTER = "voter", "Voter"
    SPECTATOR = "spectator", "Spectator"


class Participant(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(
        PlanningSession, on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=12, choices=ParticipantRole.choices)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    ready_phases = ArrayField(models.CharField(max_length=30), default=list, blank=True)
    summary_opt_out = models.BooleanField(default=False)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="participant_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.session_id}"

    @property
    def is_voter(self) -> bool:
        return self.role != ParticipantRole.SPECTATOR


class AgendaKind(models.TextChoices):
    IDEA = "idea", "Idea"
    CONTRACT = "contract", "Tool contract"
    TOPIC = "topic", "Topic"


class AgendaItem(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(PlanningSession, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=10, choices=AgendaKind.choices)
    idea = models.ForeignKey(
        "feedback.Idea", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    contract = models.ForeignKey(
        "inventory.Contract", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    topic = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)
    # The evidence as it stood when the item was added (demand figures), shown next to the live
    # figure so the room sees what moved since.
    evidence = models.JSONField(default=dict, blank=True)
    # Voting rounds: votes of a round <= revealed_round are visible; a re-vote opens round + 1.
    round = models.PositiveSmallIntegerField(default=1)
    revealed_round = models.PositiveSmallIntegerField(default=0)
    # The score the room agreed: per field, and the model's result over them.
    final_values = models.JSONField(default=dict, blank=True)
    final_score = models.FloatField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    added_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind=AgendaKind.IDEA, idea__isnull=False, contract__isnull=True)
                    | Q(kind=AgendaKind.CONTRACT, contract__isnull=False, idea__isnull=True)
                    | Q(kind=AgendaKind.TOPIC, idea__isnull=True, contract__isnull=True)
                    & ~Q(topic="")
                ),
                name="agenda_item_names_one_subject",
            ),
            models.CheckConstraint(
                condition=Q(revealed_round__lte=models.F("round")),
                name="agenda_item_reveals_only_opened_rounds",
            ),
            models.UniqueConstraint(
                fields=["session", "idea"],
                condition=Q(idea__isnull=False),
                name="agenda_idea_once",
            ),
            models.UniqueConstraint(
                fields=["session", "contract"],
                condition=Q(contract__isnull=False),
                name="agenda_contract_once",
            ),
        ]
        indexes = [
            models.Index(fields=["session", "position"], name="agenda_in_order"),
            models.Index(fields=["idea"], name="agenda_by_idea"),
        ]
        ordering = ["position", "id"]

    def __str__(self) -> str:
        if self.idea_id:
            return str(self.idea)
        if self.contract_id:
            return f"Renewal: {self.contract}"
        return self.topic

    @property
    def is_revealed(self) -> bool:
        return self.revealed_round >= self.round


class Vote(models.Model):
    """One participant's value for one field of an item in one round.

    `value` holds the scale's token as cast ("8", "XL", "3"); `number` its numeric reading
    (planning.scoring), used by the summary statistics after the reveal.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(PlanningSession, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="votes")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="votes")
    field = models.CharField(max_length=40)
    round = models.PositiveSmallIntegerField()
    value = models.CharField(max_length=20)
    number = models.FloatField(null=True, blank=True)
    cast_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["item", "participant", "field", "round"], name="vote_once_per_round"
            ),
        ]
        indexes = [models.Index(fields=["session", "item", "round"], name="votes_by_item")]

    def __str__(self) -> str:
        # Never the value: a vote's repr lands in audit events and logs.
        return f"Vote of participant {self.participant_id} on item {self.item_id}"


class DecisionOutcome(models.TextChoices):
    COMMIT = "commit", "Commit"
    DEFER = "defer", "Defer"
    REJECT = "reject", "Reject"


class Decision(models.Model):
    """What the room decided about an agenda item. One per item: deciding again replaces it.

    For an idea, commit moves it to a planned status and reject to a declined one (through the
    ideas services) unless it is in progress or shipped already, where it stays (`status_note`
    says so, and no message is prepared); otherwise the message to the customers who asked
    waits here, previewed, until an ops lead confirms it (`announced_at`), when feedback's loop
    closure sends it, once per person.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(PlanningSession, on_delete=models.CASCADE, related_name="decisions")
    item = models.OneToOneField(AgendaItem, on_delete=models.CASCADE, related_name="decision")
    idea = models.ForeignKey(
        "feedback.Idea", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(max_length=10, choices=DecisionOutcome.choices)
    estimate = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    defer_until = models.DateField(null=True, blank=True)
    rationale = models.TextField(blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
    # The close-the-loop message, previewed and edited before an ops lead confirms it.
    announce_subject = models.CharField(max_length=200, blank=True)
    announce_message = models.TextField(blank=True)
    announced_at = models.DateTimeField(null=True, blank=True)
    announced_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    loop_closure = models.ForeignKey(
        "feedback.LoopClosure", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Why the decision left its idea's status as it was (the idea was in progress or shipped
    # already: a decision never moves an idea backwards); empty when it moved it or had none.
    status_note = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome=DecisionOutcome.DEFER) | Q(defer_until__isnull=True),
                name="decision_defer_date_only_when_deferred",
            ),
        ]
        indexes = [models.Index(fields=["idea", "-decided_at"], name="decisions_by_idea")]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()}: {self.item}"
