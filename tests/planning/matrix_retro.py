"""Retrospectives and action items in the access matrix.

`session_id` is the sessions area's session (a prioritisation: tests/planning/matrix_sessions.py),
so the retro actions answer what the gate answers and then the service's refusal ("That is not
a retrospective.", 400); each action's success is shown in tests/planning/test_retro.py. The
reflection, group and action item belong to a retro of url_values() below.
"""

from planning.models import ParticipantRole, ReflectionGroup, SessionKind
from planning.services import action_items as action_services
from planning.services import participants as participant_services
from planning.services import retro as services
from planning.services import sessions as session_services
from tests.access import Check, answers, api, page, roles_api, roles_page

OPS = ("admin", "ops_lead")
MAKERS = ("admin", "ops_lead", "pm")
REFUSED = answers(302, 400, 400, 400, 400, 404)
REFUSED_TO_MAKERS = answers(302, 400, 400, 400, 403, 404)

MATRIX: dict[str, list[Check]] = {
    "planning_action_items": [Check("GET", page())],
    "planning_action_item_update": [Check("POST", roles_page(302, *MAKERS), {"status": "done"})],
    "planning_retro_template_create": [
        Check("POST", roles_page(302, *OPS), {"name": "SSC", "prompts": "Start\nStop\nContinue"})
    ],
    "planning_retro_prompts": [
        Check("POST", answers(302, 400, 400, 403, 403, 404), {"prompts": "Start\nStop"})
    ],
    "planning_retro_reflect": [Check("POST", REFUSED, {"position": "0", "text": "Matrix"})],
    "planning_retro_reflection": [Check("POST", REFUSED, {"text": "Edited"})],
    "planning_retro_move": [Check("POST", REFUSED, {"target": "none"})],
    "planning_retro_group": [Check("POST", REFUSED, {"title": "Named"})],
    "planning_retro_vote": [Check("POST", REFUSED, {"dots": "1"})],
    "planning_retro_note": [Check("POST", REFUSED, {"text": "Said"})],
    "planning_retro_action_add": [Check("POST", REFUSED_TO_MAKERS, {"title": "Do it"})],
    "planning_retro_action_review": [Check("POST", REFUSED_TO_MAKERS, {"status": "done"})],
    "api_planning_action_items": [Check("GET", api())],
    "api_planning_action_item_detail": [
        Check("GET", api()),
        Check("PATCH", roles_api(200, *MAKERS), {"version": 1, "status": "dropped"}),
    ],
}


def _retro(personas, title: str, team: str = "Core"):
    lead = personas["ops_lead"].actor
    session = session_services.session_create(
        actor=lead,
        kind=SessionKind.RETROSPECTIVE,
        settings=session_services.SessionSettings(title=title, team=team),
    )
    for name in ("pm", "exec"):
        participant_services.participant_join(
            actor=personas[name].actor, session=session, role=ParticipantRole.VOTER
        )
    session_services.session_start(actor=lead, session=session)
    return session


def _next_phase(personas, session) -> None:
    session.refresh_from_db()
    session_services.session_move_phase(actor=personas["ops_lead"].actor, session=session, step=1)
    session.refresh_from_db()


def url_values(personas, workspace) -> dict:
    earlier = _retro(personas, "Last sprint")
    for _ in range(4):  # review_actions -> reflect -> group -> vote -> discuss
        _next_phase(personas, earlier)
    action = action_services.action_item_add(
        actor=personas["pm"].actor, session=earlier, title="Write the runbook"
    )
    session = _retro(personas, "This sprint")
    _next_phase(personas, session)  # reflect
    reflection = services.reflection_add(
        actor=personas["pm"].actor, session=session, position=0, text="Calm deploys"
    )
    group = ReflectionGroup.objects.create(workspace=workspace, session=session, title="Deploys")
    return {
        "reflection_id": reflection.pk,
        "group_id": group.pk,
        "action_id": action.pk,
    }
