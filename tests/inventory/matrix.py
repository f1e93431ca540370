"""This app's rows of the access matrix (see tests/access.py)."""

from datetime import date

from django.utils import timezone

from inventory.models import Notification, ToolRequest
from tests.access import Check, answers, api, page, roles_api, roles_page
from tests.inventory.factories import ContractFactory, ToolFactory

OPS = ("admin", "ops_lead")
TODAY = date.today().isoformat()

MATRIX: dict[str, list[Check]] = {
    # Pages
    "tool_list": [Check("GET", page())],
    "tool_export": [Check("GET", page())],
    "tool_create": [
        Check("GET", roles_page(200, *OPS)),
        Check(
            "POST",
            roles_page(302, *OPS),
            {
                "name": "Matrix",
                "category": "Testing",
                "status": "active",
                "data_sensitivity": "internal",
            },
        ),
    ],
    "tool_detail": [Check("GET", page())],
    "tool_edit": [
        Check("GET", roles_page(200, *OPS)),
        Check(
            "POST",
            roles_page(302, *OPS),
            {
                "name": "Figma",
                "category": "Design",
                "status": "active",
                "data_sensitivity": "internal",
                "version": "1",
            },
        ),
    ],
    "usage_record": [Check("POST", roles_page(302, *OPS), {"taken_on": TODAY, "seats_used": 3})],
    "contract_create": [Check("GET", roles_page(200, *OPS))],
    "contract_edit": [Check("GET", roles_page(200, *OPS))],
    "renewal_decide": [
        Check("GET", roles_page(200, *OPS)),
        Check("POST", roles_page(302, *OPS), {"decision": "renew", "reason": "Used daily."}),
    ],
    "renewals": [Check("GET", page())],
    "spend": [Check("GET", page())],
    "overlap": [Check("GET", page())],
    "waste": [Check("GET", page())],
    "tool_request_list": [
        Check("GET", page()),
        # PMs request tools; execs read only.
        Check(
            "POST",
            answers(302, 302, 302, 302, 403, 404),
            {"name": "Dovetail", "category": "Research", "reason": "Interview notes."},
        ),
    ],
    "tool_request_decide": [Check("POST", roles_page(302, *OPS), {"approve": "yes"})],
    "inventory_settings": [
        Check("GET", roles_page(200, *OPS)),
        Check(
            "POST", roles_page(302, *OPS), {"utilisation_threshold": "60", "reminder_days": "30"}
        ),
    ],
    # A notification is its recipient's alone (the PM here): anyone else gets 404.
    "notification_dismiss": [Check("POST", answers(302, 404, 404, 302, 404, 404))],
    # API
    "api_tool_list": [
        Check("GET", api()),
        Check("POST", roles_api(201, *OPS), {"name": "Matrix", "category": "Testing"}),
    ],
    "api_tool_detail": [
        Check("GET", api()),
        Check("PATCH", roles_api(200, *OPS), {"version": 1, "team": "Ops"}),
    ],
    "api_tool_usage": [
        Check("GET", api()),
        Check("POST", roles_api(201, *OPS), {"seats_used": 4}),
    ],
    "api_contract_list": [
        Check("GET", api()),
        # The gate answers before the body is read: members who may write get 400 for it.
        Check("POST", roles_api(400, *OPS), {"tool": "not a tool"}),
    ],
    "api_contract_detail": [
        Check("GET", api()),
        Check("PATCH", roles_api(200, *OPS), {"version": 1, "notes": "Checked."}),
    ],
    "api_contract_decisions": [
        Check("GET", api()),
        Check("POST", roles_api(201, *OPS), {"decision": "renew", "reason": "Used daily."}),
    ],
    "api_renewal_list": [Check("GET", api())],
    "api_tool_request_list": [
        Check("GET", api()),
        Check(
            "POST",
            answers(401, 201, 201, 201, 403, 404),
            {"name": "Dovetail", "category": "Research", "reason": "Interview notes."},
        ),
    ],
    "api_tool_request_detail": [
        Check("GET", api()),
        Check("PATCH", roles_api(200, *OPS), {"outcome": "reject", "note": "Use Maze."}),
    ],
}


def url_values(personas, workspace) -> dict:
    """A real object of `workspace` for each URL parameter this app's URLs take."""
    contract = ContractFactory(tool=ToolFactory(workspace=workspace, name="Figma"))
    request = ToolRequest.objects.create(
        workspace=workspace,
        requested_by=personas["pm"].user,
        name="Maze",
        category="Research",
        reason="Unmoderated tests.",
    )
    notice = Notification.objects.create(
        workspace=workspace,
        recipient=personas["pm"].user,
        tool=contract.tool,
        contract=contract,
        message="Figma: notice deadline soon.",
        created_at=timezone.now(),
    )
    return {
        "tool_id": contract.tool_id,
        "contract_id": contract.pk,
        "request_id": request.pk,
        "notification_id": notice.pk,
    }
