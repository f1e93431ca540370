"""A 409's `current` reads as the resource it conflicts with: what a GET of it answers now."""

import json

from django.urls import URLPattern, URLResolver, get_resolver

from feedback.models import Priority
from feedback.services import ideas as idea_services
from feedback.services import triage as triage_services
from inventory.services import contracts as contract_services
from inventory.services import tools as tool_services
from productops.api import WorkspaceAPIView
from tests.conftest import signed_in
from tests.feedback import triage_data as data
from tests.inventory.factories import ContractFactory, ToolFactory

API = "/api/v1/w/alpha/"

# Write endpoints without a GET of their own that take no `version`, so cannot answer 409.
# A new one that does take a version overrides WorkspaceAPIView.conflict_representation instead.
NEVER_CONFLICT = {
    "InvitationDetail",
    "ImportStart",
    "WebhookDelivery",
    "FeedbackBulk",  # skipped items carry `current`, checked below; the answer is a 200
    "FeedbackMergeUndo",
    "SavedViewDetail",
    "IdeaLinkDetail",
    "IdeaMerge",
    "SessionJoin",
    "Reveal",
    "CapacityMembers",
}


def _send(client, method: str, path: str, body: dict):
    return getattr(client, method)(
        API + path, data=json.dumps(body), content_type="application/json"
    )


def _conflict(response) -> dict:
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "stale_edit"
    return error


def test_a_stale_feedback_patch_answers_the_item_as_its_get_does(workspace_a, pm, ops_lead):
    item = data.item(workspace_a, "Slow exports")
    triage_services.feedback_update(
        actor=ops_lead.actor, item=item, expected_version=1, priority=Priority.HIGH
    )
    client = signed_in(pm)

    error = _conflict(_send(client, "patch", f"feedback/{item.pk}/", {"version": 1, "priority": 1}))

    assert error["current"] == client.get(f"{API}feedback/{item.pk}/").json()
    assert error["current"]["priority"] == 3  # the code the API reads and writes, not "High"
    assert error["last_change"]["by"] == ops_lead.user.display_name
    assert error["last_change"]["fields"] == [
        {"field": "priority", "before": "No priority", "after": "High"}
    ]


def test_a_stale_merge_answers_the_duplicate_as_its_get_does(workspace_a, pm, ops_lead):
    original, duplicate = data.item(workspace_a, "Original"), data.item(workspace_a, "Again")
    triage_services.feedback_update(
        actor=ops_lead.actor, item=duplicate, expected_version=1, priority=Priority.LOW
    )
    client = signed_in(pm)

    response = _send(
        client, "post", f"feedback/{duplicate.pk}/merge/", {"original": original.pk, "version": 1}
    )

    error = _conflict(response)
    assert error["current"] == client.get(f"{API}feedback/{duplicate.pk}/").json()
    assert error["current"]["priority"] == 1


def test_bulk_skipped_items_read_as_list_rows(workspace_a, pm, ops_lead):
    item = data.item(workspace_a, "Changed meanwhile")
    triage_services.feedback_update(
        actor=ops_lead.actor, item=item, expected_version=1, priority=Priority.URGENT
    )
    client = signed_in(pm)

    body = _send(
        client,
        "post",
        "feedback/bulk/",
        {"action": "archive", "items": [{"id": item.pk, "version": 1}]},
    ).json()

    listed = client.get(f"{API}feedback/?status=all").json()["results"]
    assert [s["current"] for s in body["skipped"]] == [r for r in listed if r["id"] == item.pk]
    assert body["skipped"][0]["current"]["priority"] == 4


def test_a_stale_idea_patch_answers_the_idea_as_its_get_does(workspace_a, pm, ops_lead):
    idea = idea_services.idea_create(actor=pm.actor, title="Webhooks")
    idea_services.idea_update(actor=ops_lead.actor, idea=idea, expected_version=1, title="Hooks")
    client = signed_in(pm)

    error = _conflict(_send(client, "patch", f"ideas/{idea.pk}/", {"version": 1, "title": "X"}))

    assert error["current"] == client.get(f"{API}ideas/{idea.pk}/").json()


def test_stale_tool_and_contract_patches_answer_them_as_their_gets_do(workspace_a, ops_lead, admin):
    tool = ToolFactory(workspace=workspace_a, team="Product")
    contract = ContractFactory(tool=tool)
    tool_services.tool_update(actor=admin.actor, tool=tool, expected_version=1, team="Growth")
    contract_services.contract_update(
        actor=admin.actor, contract=contract, expected_version=1, seats_used=3
    )
    client = signed_in(ops_lead)

    tool_error = _conflict(_send(client, "patch", f"tools/{tool.pk}/", {"version": 1, "team": "X"}))
    contract_error = _conflict(
        _send(client, "patch", f"contracts/{contract.pk}/", {"version": 1, "seats_used": 4})
    )

    assert tool_error["current"] == client.get(f"{API}tools/{tool.pk}/").json()
    assert contract_error["current"] == client.get(f"{API}contracts/{contract.pk}/").json()


def _api_views(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _api_views(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            view = getattr(pattern.callback, "cls", None)
            if view is not None and issubclass(view, WorkspaceAPIView):
                yield view


def test_every_write_endpoint_without_a_get_says_how_its_conflicts_read():
    unsaid = {
        view.__name__
        for view in _api_views(get_resolver().url_patterns)
        if any(hasattr(view, method) for method in ("post", "put", "patch", "delete"))
        and not hasattr(view, "get")
        and view.conflict_representation is WorkspaceAPIView.conflict_representation
        and view.__name__ not in NEVER_CONFLICT
    }
    assert not unsaid, f"say what a 409 from these holds in error.current: {sorted(unsaid)}"
