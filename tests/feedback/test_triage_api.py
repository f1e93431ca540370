"""The triage API: the list, reading and changing an item, merges, bulk, tags, saved views."""

from django.test import Client

from feedback.models import FeedbackItem, FeedbackMerge, Priority, Status, Tag
from feedback.services import triage as services
from feedback.services import triage_merges
from productops import services as platform
from tests.conftest import signed_in
from tests.feedback import triage_data as data

API = "/api/v1/w/alpha"


def test_the_list_filters_searches_and_pages_with_a_cursor(workspace_a, pm):
    data.many(workspace_a, 7)
    data.item(workspace_a, "Triaged", status=Status.TRIAGED)
    client = signed_in(pm)
    first = client.get(f"{API}/feedback/?limit=5").json()
    assert len(first["results"]) == 5 and first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 2 and second["next"] is None
    seen = [r["id"] for r in first["results"] + second["results"]]
    assert len(set(seen)) == 7
    triaged = client.get(f"{API}/feedback/?status=triaged").json()["results"]
    assert [r["body"] for r in triaged] == ["Triaged"]
    found = client.get(f"{API}/feedback/", {"q": "number 3", "status": "all"}).json()["results"]
    assert [r["body"] for r in found] == ["Feedback number 3"]


def test_bad_filters_answer_400_in_the_error_shape(workspace_a, pm):
    response = signed_in(pm).get(f"{API}/feedback/?since=yesterday&limit=9999")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "since" in response.json()["error"]["fields"]


def test_a_read_token_lists_feedback(workspace_a, admin):
    data.item(workspace_a, "Via token")
    _, secret = platform.token_create(actor=admin.actor, name="BI", scopes=["read"])
    response = Client(headers={"Authorization": f"Bearer {secret}"}).get(f"{API}/feedback/")
    assert response.status_code == 200
    assert [r["body"] for r in response.json()["results"]] == ["Via token"]


def test_patch_with_the_expected_version_and_409_when_stale(workspace_a, pm, ops_lead):
    item = data.item(workspace_a, "Slow exports")
    client = signed_in(pm)
    ok = client.patch(
        f"{API}/feedback/{item.pk}/",
        {"version": 1, "priority": 3, "add_tags": ["perf"], "assignee": pm.user.pk},
        content_type="application/json",
    )
    assert ok.status_code == 200
    assert (ok.json()["version"], ok.json()["priority"], ok.json()["tags"]) == (2, 3, ["perf"])
    services.feedback_update(
        actor=ops_lead.actor, item=item, expected_version=2, status=Status.ARCHIVED
    )
    stale = client.patch(
        f"{API}/feedback/{item.pk}/",
        {"version": 2, "priority": 1},
        content_type="application/json",
    )
    assert stale.status_code == 409
    error = stale.json()["error"]
    assert error["code"] == "stale_edit"
    assert error["current"]["status"] == "archived" and error["current"]["version"] == 3
    assert error["last_change"]["by"] == ops_lead.user.display_name
    assert FeedbackItem.objects.get(pk=item.pk).priority == Priority.HIGH


def test_patch_refuses_another_workspaces_area_and_a_missing_version(workspace_a, workspace_b, pm):
    item = data.item(workspace_a)
    foreign = data.area(workspace_b, "Theirs")
    client = signed_in(pm)
    response = client.patch(
        f"{API}/feedback/{item.pk}/",
        {"version": 1, "product_area": foreign.pk},
        content_type="application/json",
    )
    assert response.status_code == 400
    missing = client.patch(
        f"{API}/feedback/{item.pk}/", {"priority": 1}, content_type="application/json"
    )
    assert missing.status_code == 400 and "version" in missing.json()["error"]["fields"]


def test_an_item_of_another_workspace_is_404(workspace_a, workspace_b, pm):
    theirs = data.item(workspace_b, "Not yours")
    assert signed_in(pm).get(f"{API}/feedback/{theirs.pk}/").status_code == 404


def test_merge_and_undo_over_the_api(workspace_a, pm):
    original, dup = data.item(workspace_a, "Original"), data.item(workspace_a, "Dup")
    client = signed_in(pm)
    response = client.post(
        f"{API}/feedback/{dup.pk}/merge/",
        {"original": original.pk, "version": 1},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert client.get(f"{API}/feedback/{original.pk}/").json()["votes"] == 2
    merge_id = response.json()["id"]
    undo = client.post(f"{API}/feedback/merges/{merge_id}/undo/")
    assert undo.status_code == 200 and undo.json()["undone_at"]
    assert FeedbackMerge.objects.get(pk=merge_id).undone_at is not None
    assert client.get(f"{API}/feedback/{original.pk}/").json()["votes"] == 1


def test_bulk_over_the_api_reports_skipped_items_with_their_state(workspace_a, pm, ops_lead):
    a, b = data.item(workspace_a, "A"), data.item(workspace_a, "B")
    services.feedback_update(actor=ops_lead.actor, item=b, expected_version=1, priority=4)
    response = signed_in(pm).post(
        f"{API}/feedback/bulk/",
        {"action": "spam", "items": [{"id": a.pk, "version": 1}, {"id": b.pk, "version": 1}]},
        content_type="application/json",
    )
    body = response.json()
    assert response.status_code == 200
    assert body["updated"] == [a.pk]
    assert body["skipped"][0]["id"] == b.pk and body["skipped"][0]["current"]["version"] == 2


def test_tags_and_areas_are_listed_and_created_once(workspace_a, pm):
    client = signed_in(pm)
    for name in ("Billing", "billing"):
        assert (
            client.post(f"{API}/tags/", {"name": name}, content_type="application/json").status_code
            == 201
        )
    assert Tag.objects.filter(workspace=workspace_a).count() == 1
    assert [t["name"] for t in client.get(f"{API}/tags/").json()] == ["Billing"]
    client.post(f"{API}/product-areas/", {"name": "Reports"}, content_type="application/json")
    assert [a["name"] for a in client.get(f"{API}/product-areas/").json()] == ["Reports"]


def test_saved_views_over_the_api_are_per_owner_unless_shared(workspace_a, pm, exec_):
    pm_client, exec_client = signed_in(pm), signed_in(exec_)
    pm_client.post(
        f"{API}/saved-views/",
        {"name": "Mine", "filters": {"q": "bug"}},
        content_type="application/json",
    )
    shared = pm_client.post(
        f"{API}/saved-views/",
        {"name": "Team", "filters": {"status": "triaged"}, "shared": True},
        content_type="application/json",
    ).json()
    own = exec_client.post(
        f"{API}/saved-views/", {"name": "Exec view"}, content_type="application/json"
    )
    assert own.status_code == 201
    names = {v["name"]: v["mine"] for v in exec_client.get(f"{API}/saved-views/").json()}
    assert names == {"Team": False, "Exec view": True}
    refused = exec_client.post(
        f"{API}/saved-views/", {"name": "All", "shared": True}, content_type="application/json"
    )
    assert refused.status_code == 400
    assert exec_client.delete(f"{API}/saved-views/{shared['id']}/").status_code == 403
    assert pm_client.delete(f"{API}/saved-views/{shared['id']}/").status_code == 204


def test_a_stale_patch_leaves_no_new_tag_behind(workspace_a, pm, ops_lead):
    item = data.item(workspace_a, "Slow exports")
    services.feedback_update(actor=ops_lead.actor, item=item, expected_version=1, priority=4)

    stale = signed_in(pm).patch(
        f"{API}/feedback/{item.pk}/",
        {"version": 1, "add_tags": ["brand-new"], "tags": ["another-new"], "assignee": "me"},
        content_type="application/json",
    )

    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "stale_edit"
    assert not Tag.objects.filter(workspace=workspace_a, name__in=["brand-new", "another-new"])
    assert FeedbackItem.objects.get(pk=item.pk).version == 2


def test_patch_takes_me_and_none_for_the_assignee_and_the_area(workspace_a, pm):
    item = data.item(workspace_a, "Slow exports")
    area = data.area(workspace_a, "Billing")
    client = signed_in(pm)

    mine = client.patch(
        f"{API}/feedback/{item.pk}/",
        {"version": 1, "assignee": "me", "product_area": area.pk},
        content_type="application/json",
    )
    cleared = client.patch(
        f"{API}/feedback/{item.pk}/",
        {"version": 2, "assignee": "none", "product_area": "none"},
        content_type="application/json",
    )

    assert mine.status_code == 200
    assert mine.json()["assignee"]["id"] == pm.user.pk
    assert mine.json()["product_area"]["name"] == "Billing"
    assert cleared.status_code == 200
    assert (cleared.json()["assignee"], cleared.json()["product_area"]) == (None, None)


def test_the_list_answers_what_its_serializer_describes_for_every_column(workspace_a, pm, admin):
    """The list's values() output path and FeedbackItemOut (the schema) agree on every field."""
    import json

    from rest_framework.renderers import JSONRenderer

    from feedback.api.triage import FeedbackItemOut
    from feedback.selectors import triage as selectors
    from feedback.services import triage as services

    acct = data.account(workspace_a, "Acme", segment="Enterprise", revenue=123456)
    person = data.contact(workspace_a, "ana@acme.test", acct)
    full = data.item(workspace_a, "Everything set", person=person, acct=acct, hours_ago=2)
    services.feedback_update(
        actor=pm.actor,
        item=full,
        expected_version=1,
        status="triaged",
        priority=3,
        assignee="me",
        new_area="Billing",
        add_tags=["bug", "vat"],
        sentiment="negative",
    )
    bare = data.item(workspace_a, "Nothing set", hours_ago=3)
    dup = data.item(workspace_a, "Said twice", hours_ago=1)
    triage_merges.feedback_merge(actor=pm.actor, original=bare, duplicate=dup)
    idea = data.idea(workspace_a, "Fix VAT")
    services.feedback_link_idea(actor=pm.actor, item=full, expected_version=2, idea=idea)

    answered = signed_in(pm).get(f"{API}/feedback/?status=all").json()["results"]
    rows = selectors.inbox(workspace=workspace_a, filters=selectors.InboxFilters(status="all")).rows
    described = json.loads(JSONRenderer().render(FeedbackItemOut(rows, many=True).data))
    for row in (*answered, *described):
        row["tags"] = sorted(row["tags"])  # neither path promises an order of tags
    assert answered == described
    by_id = {row["id"]: row for row in answered}
    assert by_id[full.pk]["account"]["annual_revenue"] == "123456.00"
    assert by_id[full.pk]["assignee"] == {"id": pm.user.pk, "name": pm.user.display_name}
    assert by_id[full.pk]["tags"] == ["bug", "vat"] and by_id[full.pk]["link_count"] == 1
    assert by_id[bare.pk]["mentions"] == 2 and by_id[bare.pk]["contact"] is None
    assert by_id[dup.pk]["duplicate_of"] == bare.pk


def test_the_schema_documents_every_filter_the_inbox_takes(client):
    # The list reads its query string through the inbox page's own form.
    from feedback.forms.triage import InboxFilterForm

    schema = client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/w/{slug}/feedback/"]["get"]
    parameters = {p["name"] for p in operation["parameters"] if p["in"] == "query"}

    assert parameters == set(InboxFilterForm.base_fields) | {"cursor", "limit"}


def test_the_list_narrows_to_an_ideas_evidence_as_the_ideas_page_links_it(workspace_a, pm):
    from feedback.services import ideas as idea_services

    asked, other = data.item(workspace_a, title="Export to Sheets"), data.item(workspace_a)
    idea = idea_services.idea_create(actor=pm.actor, title="Sheets export")
    idea_services.idea_link(actor=pm.actor, idea=idea, items=[asked])

    client = signed_in(pm)
    every = client.get(f"{API}/feedback/").json()["results"]
    rows = client.get(f"{API}/feedback/", {"idea": idea.pk}).json()["results"]

    assert {row["id"] for row in every} == {asked.pk, other.pk}
    assert [row["id"] for row in rows] == [asked.pk]
    assert client.get(f"{API}/feedback/", {"idea": "0"}).status_code == 400
