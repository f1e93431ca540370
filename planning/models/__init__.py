"""Planning's models, one module per area; import them from here."""

from planning.models.sessions import (
    PHASE_LABELS,
    PHASES,
    AgendaItem,
    AgendaKind,
    Decision,
    DecisionOutcome,
    Participant,
    ParticipantRole,
    PlanningSession,
    SessionKind,
    SessionState,
    Vote,
    phase_keys,
)

__all__ = [
    "PHASES",
    "PHASE_LABELS",
    "AgendaItem",
    "AgendaKind",
    "Decision",
    "DecisionOutcome",
    "Participant",
    "ParticipantRole",
    "PlanningSession",
    "SessionKind",
    "SessionState",
    "Vote",
    "phase_keys",
]
