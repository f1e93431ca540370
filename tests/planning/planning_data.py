"""Sessions for the planning tests, built through the services (as a facilitator would)."""

from feedback.models import Idea, Importance
from feedback.services import ideas as idea_services
from planning.models import ParticipantRole, PlanningSession, SessionKind
from planning.services import agenda as agenda_services
from planning.services import participants as participant_services
from planning.services import sessions as services
from tests.conftest import Persona
from tests.feedback import ideas_data

# Values no page shows by accident: finding one in an answer means a vote leaked.
SECRET_REACH = {"pm": "918273", "exec": "736451"}


def idea_with_askers(persona: Persona, title: str, *, askers: int = 2) -> Idea:
    """An idea owned by `persona`, asked for by `askers` customers with an email each."""
    workspace = persona.actor.workspace
    idea = idea_services.idea_create(actor=persona.actor, title=title, owner=persona.user)
    items = []
    for n in range(askers):
        slug = f"{title.lower().replace(' ', '')[:12]}{n}"
        company = ideas_data.account(workspace, f"{slug} Co", 1000 * (n + 1))
        person = ideas_data.contact(workspace, f"buyer@{slug}.test", f"Buyer {n}", company)
        items.append(ideas_data.item(workspace, f"We need {title}", contact=person))
    idea_services.idea_link(
        actor=persona.actor, idea=idea, items=items, importance=Importance.CRITICAL
    )
    return idea


def running_session(
    personas: dict[str, Persona],
    *,
    kind: str = SessionKind.PRIORITISATION,
    ideas: int = 2,
    auto_reveal: bool = False,
    scoring_model: str = "rice",
    spectators: tuple[str, ...] = (),
) -> PlanningSession:
    """A session facilitated by the ops lead, PM and exec voting, in its voting phase."""
    lead = personas["ops_lead"].actor
    session = services.session_create(
        actor=lead,
        kind=kind,
        settings=services.SessionSettings(
            title="Q4 prioritisation",
            team="Core",
            scoring_model=scoring_model,
            auto_reveal=auto_reveal,
            vote_budget=10 if scoring_model == "dot_voting" else None,
            vote_cap_per_item=5 if scoring_model == "dot_voting" else None,
        ),
    )
    for n in range(ideas):
        idea = idea_with_askers(personas["pm"], f"Idea {n + 1}")
        agenda_services.agenda_add(actor=lead, session=session, idea=idea)
    for name in ("pm", "exec"):
        role = ParticipantRole.SPECTATOR if name in spectators else ParticipantRole.VOTER
        participant_services.participant_join(
            actor=personas[name].actor, session=session, role=role
        )
    services.session_start(actor=lead, session=session)
    if kind == SessionKind.PRIORITISATION:
        services.session_move_phase(actor=lead, session=session, step=1)  # evidence -> score
    session.refresh_from_db()
    return session


def rice(reach: str, impact: str = "2", confidence: str = "80", effort: str = "3") -> dict:
    return {"reach": reach, "impact": impact, "confidence": confidence, "effort": effort}
