"""This area's rows of the access matrix (see tests/access.py)."""

from feedback.models import SavedView
from feedback.services import triage_merges
from tests.access import HTMX, Check, answers, api, page, roles_api, roles_page
from tests.feedback import triage_data

MAKERS = ("admin", "ops_lead", "pm")
# A view the PM owns and shares: everyone sees it, only the PM may change it.
OWNER_ONLY_PAGE = answers(302, 403, 403, 302, 403, 404)

MATRIX: dict[str, list[Check]] = {
    "feedback_inbox": [Check("GET", page())],
    "feedback_export": [Check("GET", page())],
    "feedback_bulk": [Check("POST", roles_page(302, *MAKERS), {"action": "triage"})],
    "feedback_bulk_undo": [Check("POST", roles_page(302, *MAKERS), {"revert": "1:1:status:new"})],
    "feedback_view_create": [Check("POST", page(302), {"name": "Mine", "status": "triaged"})],
    "feedback_view_rename": [Check("POST", OWNER_ONLY_PAGE, {"name": "Renamed"})],
    "feedback_view_delete": [Check("POST", OWNER_ONLY_PAGE)],
    "feedback_item": [Check("GET", page())],
    "feedback_item_update": [
        Check("POST", roles_page(302, *MAKERS), {"version": 1, "status": "triaged"})
    ],
    # No original named: the gate lets makers through, then the form refuses (400).
    "feedback_item_merge": [Check("POST", roles_page(400, *MAKERS), {"version": 1})],
    "feedback_item_link": [
        Check("POST", roles_page(302, *MAKERS), {"version": 1, "title": "Idea from matrix"})
    ],
    "feedback_duplicates": [Check("GET", page(), headers=HTMX)],
    "feedback_idea_picker": [Check("GET", page(), headers=HTMX)],
    "feedback_link_remove": [Check("POST", roles_page(302, *MAKERS))],
    "feedback_merge_undo": [Check("POST", roles_page(302, *MAKERS))],
    "api_feedback_list": [
        Check("GET", api()),
        # Intake's POST, served by this view (feedback.api.intake.create_feedback).
        Check("POST", roles_api(201, *MAKERS), {"body": "Sent through the API"}),
    ],
    "api_feedback_bulk": [
        Check(
            "POST",
            roles_api(200, *MAKERS),
            {"action": "archive", "items": [{"id": 987654321, "version": 1}]},
        )
    ],
    "api_feedback_detail": [
        Check("GET", api()),
        Check("PATCH", roles_api(200, *MAKERS), {"version": 1, "priority": 3}),
    ],
    "api_feedback_merge": [Check("POST", roles_api(400, *MAKERS), {"original": 987654321})],
    "api_feedback_merge_undo": [Check("POST", roles_api(200, *MAKERS))],
    "api_tag_list": [Check("GET", api()), Check("POST", roles_api(201, *MAKERS), {"name": "x"})],
    "api_product_area_list": [
        Check("GET", api()),
        Check("POST", roles_api(201, *MAKERS), {"name": "Reporting"}),
    ],
    "api_saved_view_list": [Check("GET", api()), Check("POST", api(201), {"name": "Mine"})],
    "api_saved_view_detail": [
        Check("PATCH", answers(401, 403, 403, 200, 403, 404), {"name": "Renamed"}),
        Check("DELETE", answers(401, 403, 403, 204, 403, 404)),
    ],
}


def url_values(personas, workspace) -> dict:
    """A real object of `workspace` for each URL parameter this area's URLs take."""
    pm = personas["pm"].actor
    item = triage_data.item(workspace, "Export to Excel please")
    original = triage_data.item(workspace, "Excel export", hours_ago=5)
    duplicate = triage_data.item(workspace, "Need an Excel export", hours_ago=3)
    merge = triage_merges.feedback_merge(actor=pm, original=original, duplicate=duplicate)
    idea = triage_data.idea(workspace)
    from feedback.models import IdeaLink

    link = IdeaLink.objects.create(workspace=workspace, item=item, idea=idea, created_by=pm.user)
    view = SavedView.objects.create(
        workspace=workspace, owner=pm.user, name="PM's bugs", filters={"q": "bug"}, shared=True
    )
    return {
        "item_id": item.pk,
        "merge_id": merge.pk,
        "item_link_id": link.pk,
        "saved_view_id": view.pk,
    }
