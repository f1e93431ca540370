"""Live sessions' rows of the access matrix (see tests/access.py).

The session of url_values() runs in its scoring phase, facilitated by the ops lead, with the PM
and the exec voting; the admin has not joined. So facilitator-only actions answer 403 to the
admin (an ops lead or admin, but not this session's facilitator), and a participant-only action
answers 400 to the admin (through the gate, refused because they have not joined).
Successful writes are covered in tests/planning/test_*.py.
"""

from planning.models import AgendaItem
from planning.services import decisions as decision_services
from tests.access import HTMX, Check, answers, api, page, roles_api, roles_page
from tests.planning.planning_data import rice, running_session

OPS = ("admin", "ops_lead")
FACILITATOR_ONLY = answers(302, 403, 302, 403, 403, 404)
FACILITATOR_ONLY_API = answers(401, 403, 200, 403, 403, 404)
PARTICIPANTS = answers(302, 400, 302, 302, 302, 404)

MATRIX: dict[str, list[Check]] = {
    "planning_list": [Check("GET", page())],
    "planning_create": [
        Check("GET", roles_page(200, *OPS)),
        Check("POST", roles_page(302, *OPS), {"kind": "estimation", "title": "Sprint 9"}),
    ],
    "planning_session": [Check("GET", page())],
    "planning_edit": [Check("GET", roles_page(200, *OPS))],
    "planning_poll": [Check("GET", page())],
    "planning_control": [Check("POST", FACILITATOR_ONLY, {"action": "next_phase"})],
    "planning_join": [Check("POST", page(302), {"role": "voter"})],
    "planning_ready": [Check("POST", PARTICIPANTS, {"ready": "1"})],
    "planning_vote": [Check("POST", PARTICIPANTS, {"item": "{item}", **rice("5")})],
    "planning_invite": [Check("POST", FACILITATOR_ONLY, {"user": "{exec}", "role": "spectator"})],
    "planning_hand_over": [Check("POST", roles_page(302, *OPS), {"to": "{admin}"})],
    "planning_agenda_add": [
        Check("POST", answers(302, 302, 302, 403, 403, 404), {"topic": "Pricing page"})
    ],
    "planning_agenda_remove": [Check("POST", FACILITATOR_ONLY)],
    "planning_agenda_move": [Check("POST", FACILITATOR_ONLY, {"direction": "up"})],
    "planning_accept": [Check("POST", answers(302, 403, 400, 403, 403, 404), rice("5"))],
    "planning_decide": [Check("POST", FACILITATOR_ONLY, {"outcome": "reject"})],
    "planning_summary": [Check("GET", page())],
    "planning_export": [Check("GET", page())],
    "planning_summary_email": [Check("POST", roles_page(302, *OPS))],
    "planning_opt_out": [Check("POST", page(302), {"opt_out": "1"})],
    "planning_announce": [Check("GET", roles_page(200, *OPS))],
    "planning_idea_history": [Check("GET", page(), headers=HTMX)],
    "planning_board_decisions": [Check("GET", page(), headers=HTMX)],
    "planning_decisions": [Check("GET", page())],
    "api_planning_session_list": [
        Check("GET", api()),
        Check("POST", roles_api(201, *OPS), {"kind": "estimation", "title": "Sprint 9"}),
    ],
    "api_planning_session_detail": [Check("GET", api())],
    "api_planning_join": [Check("POST", api(), {"role": "spectator"})],
    "api_planning_agenda": [
        Check("GET", api()),
        Check("POST", roles_api(201, *OPS), {"topic": "Pricing page"}),
    ],
    "api_planning_votes": [
        Check("GET", api()),
        Check(
            "POST",
            answers(401, 400, 201, 201, 201, 404),
            {"item": "{item}", "values": rice("5")},
        ),
    ],
    "api_planning_reveal": [Check("POST", FACILITATOR_ONLY_API)],
    "api_planning_decision_list": [Check("GET", api())],
    "api_planning_decisions": [
        Check("GET", api()),
        Check(
            "POST",
            answers(401, 403, 201, 403, 403, 404),
            {"item": "{item}", "outcome": "reject"},
        ),
    ],
}


def url_values(personas, workspace) -> dict:
    """A running session with a second item (no votes) and a decision on the first."""
    session = running_session(personas)
    lead = personas["ops_lead"].actor
    first = AgendaItem.objects.get(pk=session.current_item_id)
    second = AgendaItem.objects.filter(session=session).exclude(pk=first.pk).get()
    decision = decision_services.decision_record(
        actor=lead, session=session, item=first, outcome="commit"
    )
    return {
        "session_id": session.pk,
        "item_id": second.pk,
        "decision_id": decision.pk,
        "{item}": first.pk,
        "{exec}": personas["exec"].user.pk,
        "{admin}": personas["admin"].user.pk,
    }
