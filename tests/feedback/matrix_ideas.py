"""This area's rows of the access matrix (see tests/access.py).

Entries whose form needs ids of objects made in url_values() (a status, an item) send an
incomplete form: makers get 400 (through the gate, refused by validation), the rest as usual.
Successful writes are covered in tests/feedback/test_ideas_*.py.
"""

from feedback.models import Importance, RoadmapSettings
from feedback.selectors import ideas as idea_selectors
from feedback.services import ideas as services
from tests.access import Check, api, page, public, roles_api, roles_page
from tests.feedback import ideas_data

MAKERS = ("admin", "ops_lead", "pm")
OPS = ("admin", "ops_lead")

MATRIX: dict[str, list[Check]] = {
    "idea_list": [Check("GET", page())],
    "idea_board": [Check("GET", page())],
    "idea_export": [Check("GET", page())],
    "idea_create": [
        Check("GET", roles_page(200, *MAKERS)),
        Check("POST", roles_page(302, *MAKERS), {"title": "Dark mode"}),
    ],
    "idea_settings": [
        Check("GET", roles_page(200, *OPS)),
        Check("POST", roles_page(302, *OPS), {"enabled": "on", "title": "Roadmap"}),
    ],
    "idea_status_create": [
        Check("POST", roles_page(302, *OPS), {"name": "Parked", "category": "open"}),
    ],
    "idea_status_edit": [
        Check("POST", roles_page(302, *OPS), {"name": "Triage", "position": "5"}),
    ],
    "idea_detail": [Check("GET", page())],
    "idea_edit": [Check("POST", roles_page(400, *MAKERS), {"title": "Renamed"})],
    "idea_move": [Check("POST", roles_page(400, *MAKERS), {"version": "1"})],
    "idea_merge": [Check("POST", roles_page(400, *MAKERS), {})],
    "idea_close": [
        Check("GET", roles_page(200, *MAKERS)),
        Check(
            "POST",
            roles_page(200, *MAKERS),
            {"subject": "Shipped", "message": "Hi {name}", "action": "preview"},
        ),
    ],
    "idea_link_edit": [
        Check("POST", roles_page(302, *MAKERS), {"importance": "3", "note": "Blocking renewal"}),
    ],
    "idea_unlink": [Check("POST", roles_page(302, *MAKERS))],
    "ideas_roadmap": [Check("GET", public())],
    "api_idea_list": [
        Check("GET", api()),
        Check("POST", roles_api(201, *MAKERS), {"title": "From the API"}),
    ],
    "api_idea_detail": [
        Check("GET", api()),
        Check("PATCH", roles_api(200, *MAKERS), {"version": 1, "title": "Renamed"}),
    ],
    "api_idea_link_list": [
        Check("GET", api()),
        Check("POST", roles_api(400, *MAKERS), {"items": []}),
    ],
    "api_idea_link_detail": [Check("DELETE", roles_api(204, *MAKERS))],
    "api_idea_merge": [Check("POST", roles_api(400, *MAKERS), {})],
    "api_idea_status_list": [Check("GET", api())],
}


def url_values(personas, workspace) -> dict:
    """A real object of `workspace` for each URL parameter this area's URLs take."""
    pm = personas["pm"].actor
    statuses = idea_selectors.statuses(workspace=workspace)
    shipped = next(s for s in statuses if s.category == "shipped")
    idea = services.idea_create(actor=pm, title="Export to PDF", status=shipped, is_public=True)
    buyer = ideas_data.account(workspace, "Matrix Co", 1000)
    person = ideas_data.contact(workspace, "asker@matrixco.test", "Asker", buyer)
    item = ideas_data.item(workspace, "We need PDF export", contact=person)
    link = services.idea_link(actor=pm, idea=idea, items=[item], importance=Importance.CRITICAL)[0]
    RoadmapSettings.objects.update_or_create(workspace=workspace, defaults={"enabled": True})
    return {"idea_id": idea.pk, "idea_link_id": link.pk, "idea_status_id": statuses[1].pk}
