"""An idea's number (#12) shows wherever a person may type or pick an idea, and what they type
may be the number, with or without its #."""

import re
from pathlib import Path

from django.conf import settings

from feedback.models import IdeaLink
from feedback.services import ideas as idea_services
from planning.services import sessions as session_services
from tests.conftest import signed_in
from tests.feedback import triage_data as data


def _ideas(pm):
    dark = idea_services.idea_create(actor=pm.actor, title="Dark mode")
    sso = idea_services.idea_create(actor=pm.actor, title="Single sign-on")
    return dark, sso


def test_the_ideas_list_board_and_page_show_each_ideas_number(pm, workspace_a):
    dark, sso = _ideas(pm)
    client = signed_in(pm)

    for page in ("/w/alpha/ideas/", "/w/alpha/ideas/board/"):
        html = client.get(page).content.decode()
        for idea in (dark, sso):
            assert re.search(rf">{idea.title}</a> <span class=\"idea-number\">#{idea.pk}<", html), (
                page
            )
    page = client.get(f"/w/alpha/ideas/{dark.pk}/").content.decode()
    assert f'<span class="idea-number">#{dark.pk}</span></h1>' in page


def test_every_choice_of_ideas_names_its_number(pm, ops_lead, workspace_a):
    dark, sso = _ideas(pm)
    session = session_services.session_create(
        actor=ops_lead.actor,
        kind="prioritisation",
        settings=session_services.SessionSettings(title="Q1"),
    )
    client = signed_in(ops_lead)

    merge = client.get(f"/w/alpha/ideas/{dark.pk}/").content.decode()
    agenda = client.get(f"/w/alpha/planning/{session.pk}/").content.decode()

    assert f'<option value="{sso.pk}">Single sign-on (#{sso.pk}), 0 linked</option>' in merge
    for idea in (dark, sso):
        assert f'<option value="{idea.pk}">{idea.title} (#{idea.pk})</option>' in agenda


def test_the_link_picker_finds_an_idea_by_its_number_with_or_without_the_hash(pm, workspace_a):
    _, sso = _ideas(pm)
    item = data.item(workspace_a)
    client = signed_in(pm)

    for typed in (str(sso.pk), f"#{sso.pk}"):
        found = client.get(
            f"/w/alpha/feedback/{item.pk}/ideas/", {"q": typed}, headers={"HX-Request": "true"}
        ).content.decode()
        first = re.search(r'name="idea" value="(\d+)"', found)
        assert first and int(first.group(1)) == sso.pk, typed
        assert f'<span class="muted idea-number">#{sso.pk}</span>' in found


def test_the_bulk_bar_links_to_an_idea_typed_as_hash_number(pm, workspace_a):
    _, sso = _ideas(pm)
    a, b = data.item(workspace_a, "A"), data.item(workspace_a, "B")

    response = signed_in(pm).post(
        "/w/alpha/feedback/bulk/",
        {"action": "link", "link_value": f"#{sso.pk}", "items": [f"{a.pk}:1", f"{b.pk}:1"]},
    )

    assert response.status_code in (200, 302)
    assert set(IdeaLink.objects.filter(idea=sso).values_list("item_id", flat=True)) == {a.pk, b.pk}


def test_no_template_offers_ideas_in_a_select_without_their_numbers():
    """A select whose options are ideas (its loop runs over something named for ideas) must
    label them with `idea_label`, so the next picker of ideas shows the numbers too."""
    unlabelled = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        for select in re.finditer(r"<select[^>]*>.*?</select>", path.read_text(), re.S):
            tag = select.group(0)
            loops = re.findall(r"{% for \w+ in ([\w.]+) %}", tag)
            if any("idea" in iterable for iterable in loops) and "|idea_label" not in tag:
                unlabelled.append(f"{path.name}: {tag[: tag.index('>') + 1]}")
    assert unlabelled == []


def test_the_api_bulk_link_takes_the_number_as_pages_show_it(pm, workspace_a):
    _, sso = _ideas(pm)
    item = data.item(workspace_a, "Via the API")

    response = signed_in(pm).post(
        "/api/v1/w/alpha/feedback/bulk/",
        {"action": "link", "value": f"#{sso.pk}", "items": [{"id": item.pk, "version": 1}]},
        content_type="application/json",
    )

    assert response.status_code == 200 and response.json()["updated"] == [item.pk]
    assert IdeaLink.objects.filter(idea=sso, item=item).exists()
