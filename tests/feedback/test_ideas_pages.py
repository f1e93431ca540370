"""The ideas pages: board moves, inline edits, merges, settings, export, the public roadmap."""

import csv
import io
import re

import pytest

from feedback.models import FeedbackItem, Idea, IdeaLink, IdeaStatus, Importance, RoadmapSettings
from feedback.selectors import ideas as idea_selectors
from feedback.services import ideas as services
from productops.access import Actor
from productops.models import AuditEvent
from productops.services import workspace_create
from tests.conftest import downloaded, signed_in
from tests.factories import UserFactory
from tests.feedback import ideas_data as data
from tests.feedback import triage_data

SCRIPT = '<script>alert("x")</script>'


def _status(workspace, name):
    return next(s for s in idea_selectors.statuses(workspace=workspace) if s.name == name)


@pytest.fixture
def idea(pm):
    return services.idea_create(actor=pm.actor, title="Bulk edit")


def test_a_new_workspace_comes_with_the_default_statuses_audited(db):
    user = UserFactory(email="founder@new.test")
    workspace = workspace_create(user=user, name="New Co", slug="newco")
    first = idea_selectors.statuses(workspace=workspace)
    assert [(s.name, s.category) for s in first] == [
        ("New", "open"),
        ("Under review", "open"),
        ("Planned", "planned"),
        ("In progress", "in_progress"),
        ("Shipped", "shipped"),
        ("Declined", "declined"),
    ]
    audited = AuditEvent.objects.filter(workspace=workspace, verb="idea_status.created")
    assert sorted(audited.values_list("object_repr", flat=True)) == sorted(s.name for s in first)
    assert set(audited.values_list("actor_user", flat=True)) == {user.pk}
    again = services.idea_statuses_create_defaults(actor=Actor(workspace=workspace))
    assert [s.pk for s in again] == [s.pk for s in first]
    assert IdeaStatus.objects.filter(workspace=workspace).count() == 6


def test_an_ops_lead_adds_a_workspace_status_that_the_board_shows(ops_lead, pm, workspace_a):
    response = signed_in(ops_lead).post(
        "/w/alpha/ideas/settings/statuses/",
        {"name": "Needs research", "category": "open", "is_public": ""},
    )
    assert response.status_code == 302
    added = IdeaStatus.objects.get(workspace=workspace_a, name="Needs research")
    assert (added.category, added.is_public) == ("open", False)
    assert "Needs research" in signed_in(pm).get("/w/alpha/ideas/board/").content.decode()


def test_a_pm_cannot_define_statuses(pm, workspace_a):
    response = signed_in(pm).post(
        "/w/alpha/ideas/settings/statuses/", {"name": "Mine", "category": "open"}
    )
    assert response.status_code == 403
    assert not IdeaStatus.objects.filter(workspace=workspace_a, name="Mine").exists()


def test_the_board_groups_ideas_by_status_with_their_demand(pm, workspace_a, idea):
    planned = _status(workspace_a, "Planned")
    acme = data.account(workspace_a, "Acme", 42000)
    services.idea_link(actor=pm.actor, idea=idea, items=[data.item(workspace_a, account=acme)])
    services.idea_update(actor=pm.actor, idea=idea, expected_version=1, status=planned)

    text = signed_in(pm).get("/w/alpha/ideas/board/").content.decode()

    column = text[text.index(f'data-status="{planned.pk}"') :]
    column = column[: column.index("</section>")]
    assert "Bulk edit" in column
    assert "42,000" in column and "1 account" in column


def test_moving_a_card_changes_its_status(pm, workspace_a, idea):
    planned = _status(workspace_a, "Planned")
    response = signed_in(pm).post(
        f"/w/alpha/ideas/{idea.pk}/move/",
        {"status": planned.pk, "version": 1},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    idea.refresh_from_db()
    assert (idea.status, idea.version) == (planned, 2)
    assert AuditEvent.objects.filter(verb="idea.updated", object_id=str(idea.pk)).exists()


def test_moving_a_card_with_a_stale_version_is_refused_with_409(pm, ops_lead, workspace_a, idea):
    planned, progress = _status(workspace_a, "Planned"), _status(workspace_a, "In progress")
    services.idea_update(actor=ops_lead.actor, idea=idea, expected_version=1, status=progress)

    response = signed_in(pm).post(
        f"/w/alpha/ideas/{idea.pk}/move/",
        {"status": planned.pk, "version": 1},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 409
    assert "changed by someone else first" in response.content.decode()
    idea.refresh_from_db()
    assert idea.status == progress


def test_moving_a_card_to_shipped_takes_the_pm_to_the_message_preview(pm, workspace_a, idea):
    shipped = _status(workspace_a, "Shipped")
    response = signed_in(pm).post(
        f"/w/alpha/ideas/{idea.pk}/move/",
        {"status": shipped.pk, "version": 1},
        HTTP_HX_REQUEST="true",
    )
    assert response["HX-Redirect"] == f"/w/alpha/ideas/{idea.pk}/close/"


def test_an_inline_edit_with_a_stale_version_gets_409_and_the_current_state(
    pm, ops_lead, workspace_a, idea
):
    services.idea_update(actor=ops_lead.actor, idea=idea, expected_version=1, title="Bulk edits")
    response = signed_in(pm).post(
        f"/w/alpha/ideas/{idea.pk}/edit/",
        {"title": "Mass edit", "status": idea.status_id, "version": 1},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 409
    text = response.content.decode()
    assert "Someone changed this idea first" in text
    assert 'value="Bulk edits"' in text
    idea.refresh_from_db()
    assert idea.title == "Bulk edits"


def test_an_inline_edit_saves_every_field(pm, workspace_a, idea):
    planned = _status(workspace_a, "Planned")
    response = signed_in(pm).post(
        f"/w/alpha/ideas/{idea.pk}/edit/",
        {
            "title": "Bulk editing",
            "description": "Edit many rows",
            "status": planned.pk,
            "owner": pm.user.pk,
            "is_public": "on",
            "version": 1,
        },
    )
    assert response.status_code == 302
    idea.refresh_from_db()
    assert (idea.title, idea.description, idea.status, idea.owner, idea.is_public) == (
        "Bulk editing",
        "Edit many rows",
        planned,
        pm.user,
        True,
    )


def test_an_owner_from_another_workspace_is_refused(pm, outsider, idea):
    with pytest.raises(Exception, match="member"):
        services.idea_update(actor=pm.actor, idea=idea, expected_version=1, owner=outsider.user)


def test_merging_ideas_keeps_every_link_and_count(pm, workspace_a, idea):
    survivor = services.idea_create(actor=pm.actor, title="Mass edit")
    acme, globex = data.account(workspace_a, "Acme", 100), data.account(workspace_a, "Globex", 50)
    shared = data.item(workspace_a, "both", account=acme)
    only_here = data.item(workspace_a, "here", account=globex)
    only_there = data.item(workspace_a, "there", account=acme)
    services.idea_link(
        actor=pm.actor, idea=idea, items=[shared, only_here], importance=Importance.CRITICAL
    )
    services.idea_link(
        actor=pm.actor,
        idea=survivor,
        items=[shared, only_there],
        importance=Importance.NICE_TO_HAVE,
    )

    response = signed_in(pm).post(f"/w/alpha/ideas/{idea.pk}/merge/", {"into": survivor.pk})

    assert response.status_code == 302
    links = {link.item_id: link.importance for link in IdeaLink.objects.filter(idea=survivor)}
    assert links == {
        shared.pk: Importance.CRITICAL,  # the higher importance wins
        only_here.pk: Importance.CRITICAL,
        only_there.pk: Importance.NICE_TO_HAVE,
    }
    assert not IdeaLink.objects.filter(idea=idea).exists()
    idea.refresh_from_db()
    assert idea.merged_into == survivor
    page = signed_in(pm).get(f"/w/alpha/ideas/{idea.pk}/")
    assert page.status_code == 302 and page["Location"] == f"/w/alpha/ideas/{survivor.pk}/"
    shown = signed_in(pm).get(f"/w/alpha/ideas/{survivor.pk}/").content.decode()
    assert 'data-demand="mentions">3<' in shown
    assert 'data-demand="accounts">2<' in shown
    listed = signed_in(pm).get("/w/alpha/ideas/").content.decode()
    assert "Bulk edit" not in listed and "Mass edit" in listed


def test_an_idea_cannot_be_merged_into_itself(pm, idea):
    response = signed_in(pm).post(f"/w/alpha/ideas/{idea.pk}/merge/", {"into": idea.pk})
    assert response.status_code == 400
    assert Idea.objects.get(pk=idea.pk).merged_into is None


def test_the_idea_page_shows_feedback_accounts_history_and_the_chart(pm, workspace_a, idea):
    acme = data.account(workspace_a, "Acme Corp", 120000, segment="Enterprise", plan="Scale")
    person = data.contact(workspace_a, "ana@acme.test", "Ana", acme)
    asked = data.item(workspace_a, "Let us edit 50 rows at once", contact=person)
    services.idea_link(
        actor=pm.actor, idea=idea, items=[asked], importance=Importance.CRITICAL, note="Renewal"
    )

    text = signed_in(pm).get(f"/w/alpha/ideas/{idea.pk}/").content.decode()

    assert "Let us edit 50 rows at once" in text
    assert f"/w/alpha/feedback/{asked.pk}/" in text
    assert "Acme Corp" in text and "Enterprise" in text and "Scale" in text
    assert 'value="Renewal"' in text
    history = text.split('id="history-h"')[1].split("</section>")[0]
    assert f"{pm.user.display_name} linked 1 feedback item to the idea as critical: “Renewal”." in (
        history
    )
    assert f"{pm.user.display_name} created the idea “{idea.title}”." in history
    assert "<svg" in text and "<rect" in text
    assert "style=" not in text


def test_script_payloads_are_inert_on_every_ideas_page(pm, admin, workspace_a):
    idea = services.idea_create(actor=pm.actor, title=f"Title {SCRIPT}", description=SCRIPT)
    acme = data.account(workspace_a, f"Acme {SCRIPT}", 10)
    person = data.contact(workspace_a, "x@acme.test", f"Eve {SCRIPT}", acme)
    item = data.item(workspace_a, f"Body {SCRIPT}", contact=person, title=f"T {SCRIPT}")
    services.idea_link(actor=pm.actor, idea=idea, items=[item], note=SCRIPT)
    shipped = _status(workspace_a, "Shipped")
    services.idea_update(
        actor=pm.actor, idea=idea, expected_version=1, status=shipped, is_public=True
    )
    services.roadmap_update(actor=admin.actor, enabled=True, title=SCRIPT, intro=SCRIPT)
    client = signed_in(admin)
    for url in [
        "/w/alpha/ideas/",
        "/w/alpha/ideas/board/",
        f"/w/alpha/ideas/{idea.pk}/",
        f"/w/alpha/ideas/{idea.pk}/close/",
        "/w/alpha/ideas/settings/",
        "/public/alpha/roadmap/",
    ]:
        text = client.get(url).content.decode()
        assert SCRIPT not in text, url
        assert "&lt;script&gt;" in text, url


def test_the_export_has_demand_and_is_safe_from_formulas(pm, workspace_a):
    idea = services.idea_create(actor=pm.actor, title='=HYPERLINK("http://evil","x")')
    acme = data.account(workspace_a, "Acme", 1234)
    services.idea_link(actor=pm.actor, idea=idea, items=[data.item(workspace_a, account=acme)])

    response = signed_in(pm).get("/w/alpha/ideas/export.csv")

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(downloaded(response))))
    header, row = rows[0], rows[1]
    assert header[:3] == ["id", "title", "status"]
    assert row[1].startswith("'=")
    record = dict(zip(header, row, strict=True))
    assert record["mentions"] == "1"
    assert record["unique accounts"] == "1"
    assert record["revenue"] == "1234.00"


def test_a_public_roadmap_shows_public_ideas_only_and_no_private_data(admin, pm, workspace_a):
    services.roadmap_update(actor=admin.actor, enabled=True, title="Next up")
    planned, shipped = _status(workspace_a, "Planned"), _status(workspace_a, "Shipped")
    shown = services.idea_create(
        actor=pm.actor,
        title="Offline mode",
        description="Work without a connection",
        status=planned,
        is_public=True,
    )
    services.idea_create(actor=pm.actor, title="Secret pricing", status=planned, is_public=False)
    hidden_status = services.idea_status_create(
        actor=admin.actor, name="Internal plan", category="planned", is_public=False
    )
    services.idea_create(
        actor=pm.actor, title="Hidden by status", status=hidden_status, is_public=True
    )
    services.idea_create(actor=pm.actor, title="Dark mode", status=shipped, is_public=True)
    acme = data.account(workspace_a, "Megacorp Industries", 987654)
    person = data.contact(workspace_a, "cfo@megacorp.test", "Carla Fo", acme)
    item = data.item(workspace_a, "We will churn without offline mode", contact=person)
    services.idea_link(actor=pm.actor, idea=shown, items=[item], note="Internal: renewal risk")

    response = signed_in(data_anonymous()).get("/public/alpha/roadmap/")

    assert response.status_code == 200
    text = response.content.decode()
    assert "Next up" in text
    assert "Offline mode" in text and "Work without a connection" in text and "Dark mode" in text
    assert "Secret pricing" not in text and "Hidden by status" not in text
    for private in [
        "Megacorp",
        "987",
        "cfo@megacorp.test",
        "Carla",
        "churn",
        "renewal risk",
    ]:
        assert private not in text, private
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "style=" not in text and "<script" not in text


def data_anonymous():
    from tests.conftest import Persona

    return Persona("anonymous", None, None)


def test_the_roadmap_is_404_until_enabled_and_after_disabling(admin, workspace_a, client):
    assert client.get("/public/alpha/roadmap/").status_code == 404
    assert client.get("/public/nope/roadmap/").status_code == 404
    services.roadmap_update(actor=admin.actor, enabled=True)
    assert client.get("/public/alpha/roadmap/").status_code == 200
    services.roadmap_update(actor=admin.actor, enabled=False)
    assert client.get("/public/alpha/roadmap/").status_code == 404
    assert RoadmapSettings.objects.get(workspace=workspace_a).enabled is False


def test_the_settings_page_turns_the_roadmap_on(admin, client, workspace_a):
    response = signed_in(admin).post(
        "/w/alpha/ideas/settings/", {"enabled": "on", "title": "Roadmap", "intro": "Hello"}
    )
    assert response.status_code == 302
    assert client.get("/public/alpha/roadmap/").status_code == 200


def test_an_item_link_to_the_inbox_opens_in_triage(pm, workspace_a, idea):
    item = data.item(workspace_a, "Ask")
    services.idea_link(actor=pm.actor, idea=idea, items=[item])
    assert FeedbackItem.objects.filter(pk=item.pk).exists()
    text = signed_in(pm).get(f"/w/alpha/ideas/{idea.pk}/").content.decode()
    assert f'href="/w/alpha/feedback/{item.pk}/"' in text


def test_creating_an_idea_from_the_page(pm, workspace_a):
    response = signed_in(pm).post("/w/alpha/ideas/new/", {"title": "Webhooks", "description": ""})
    idea = Idea.objects.get(workspace=workspace_a, title="Webhooks")
    assert response["Location"] == f"/w/alpha/ideas/{idea.pk}/"
    assert idea.status.name == "New"


def test_an_exec_reads_ideas_but_cannot_change_them(exec_, pm, idea):
    client = signed_in(exec_)
    text = client.get(f"/w/alpha/ideas/{idea.pk}/").content.decode()
    assert "Bulk edit" in text and 'name="version"' not in text
    response = client.post(f"/w/alpha/ideas/{idea.pk}/edit/", {"title": "x", "version": 1})
    assert response.status_code == 403


def test_the_idea_charts_top_label_sits_clear_of_the_tallest_bar(pm, workspace_a, idea):
    items = [triage_data.item(workspace_a, f"Ask {n}") for n in range(3)]
    services.idea_link(actor=pm.actor, idea=idea, items=items)

    html = signed_in(pm).get(f"/w/alpha/ideas/{idea.pk}/").content.decode()

    label_y = float(re.search(r'<text [^>]*y="([\d.]+)"[^>]*>max 3/week<', html).group(1))
    bar_tops = [float(y) for y in re.findall(r'<rect x="[\d.]+" y="([\d.]+)"', html)]
    assert bar_tops, "this week's bar is drawn"
    # 11 px text: descenders reach about 3 px below the baseline; the bars start beneath that.
    assert min(bar_tops) >= label_y + 3
