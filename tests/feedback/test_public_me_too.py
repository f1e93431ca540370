"""The public roadmap leads somewhere: "me too" on an idea goes through the public form and
counts as that idea's evidence; the roadmap and the form link to each other and carry the
workspace's wordmark."""

import re
import time

import pytest
from django.test import Client

from feedback.forms.intake import started_token
from feedback.models import FeedbackItem, Idea, IdeaLink
from feedback.selectors import ideas as idea_selectors
from feedback.selectors.evidence import with_evidence
from feedback.services import ideas as idea_services
from feedback.services import sources as source_services
from productops.models import AuditEvent

ROADMAP = "/public/alpha/roadmap/"
FORM = "/public/alpha/feedback/"


def _status(workspace, name):
    return next(s for s in idea_selectors.statuses(workspace=workspace) if s.name == name)


@pytest.fixture
def public(admin):
    idea_services.roadmap_update(actor=admin.actor, enabled=True, title="Next up")
    source_services.web_form_set(actor=admin.actor, enabled=True)


@pytest.fixture
def offline(pm, workspace_a, public):
    return idea_services.idea_create(
        actor=pm.actor,
        title="Offline mode",
        status=_status(workspace_a, "Planned"),
        is_public=True,
    )


def _evidence(idea):
    figures = with_evidence(Idea.objects.filter(pk=idea.pk)).get()
    return figures.mentions, figures.votes


def _send(client, idea_id, body="We lose signal on the shop floor", **extra):
    return client.post(
        FORM,
        {
            "body": body,
            "email": "visitor@stark.com",
            "started": started_token("alpha", time.time() - 30),
            "idea": str(idea_id),
            **extra,
        },
    )


def test_the_roadmap_links_each_idea_to_the_form_and_names_the_workspace(offline):
    html = Client().get(ROADMAP).content.decode()

    assert f'href="{FORM}?idea={offline.pk}"' in html
    assert f'href="{FORM}"' in html  # a plain "Send us feedback" too
    assert re.search(r'class="public-wordmark">Alpha Inc<', html)


def test_a_change_the_team_makes_shows_on_the_roadmap_at_the_next_load(pm, workspace_a, offline):
    visitor = Client()
    first = visitor.get(ROADMAP)
    again = visitor.get(ROADMAP, headers={"If-None-Match": first["ETag"]})
    idea_services.idea_update(
        actor=pm.actor, idea=offline, expected_version=offline.version, title="Works offline"
    )

    after = visitor.get(ROADMAP, headers={"If-None-Match": first["ETag"]})

    assert "max-age" not in first["Cache-Control"] and "no-cache" in first["Cache-Control"]
    assert again.status_code == 304  # unchanged: the browser keeps its copy
    assert after.status_code == 200 and "Works offline" in after.content.decode()


def test_without_an_open_form_the_roadmap_offers_no_me_too(admin, offline):
    source_services.web_form_set(actor=admin.actor, enabled=False)

    html = Client().get(ROADMAP).content.decode()

    assert FORM not in html
    assert "Offline mode" in html


def test_the_form_opens_prefilled_with_the_idea_and_links_back(offline):
    response = Client().get(f"{FORM}?idea={offline.pk}")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="Me too: Offline mode"' in html
    assert "I would like this too: Offline mode</textarea>" in html
    assert f'name="idea" value="{offline.pk}"' in html
    assert f'href="{ROADMAP}"' in html
    assert re.search(r'class="public-wordmark">Alpha Inc<', html)
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert " style=" not in html and "<script>" not in html


def test_a_me_too_is_stored_linked_and_counted_as_the_ideas_evidence(offline, workspace_a):
    assert _evidence(offline) == (0, 0)

    response = _send(Client(), offline.pk)

    assert response.status_code == 302
    item = FeedbackItem.objects.get()
    assert (item.body, item.submitter_email, item.status) == (
        "We lose signal on the shop floor",
        "visitor@stark.com",
        "new",
    )
    link = IdeaLink.objects.get()
    assert (link.idea_id, link.item_id, link.note, link.created_by) == (
        offline.pk,
        item.pk,
        idea_services.ME_TOO_NOTE,
        None,
    )
    assert _evidence(offline) == (1, 1)
    linked = AuditEvent.objects.get(workspace=workspace_a, verb="idea.linked")
    assert linked.after["items"] == [item.pk]


def test_a_caught_me_too_is_linked_but_never_counted(offline):
    _send(Client(), offline.pk, website="http://cheap-pills.example")

    assert FeedbackItem.objects.get().status == "spam"
    assert IdeaLink.objects.get().idea_id == offline.pk
    assert _evidence(offline) == (0, 0)


@pytest.mark.parametrize("idea_id", ["999999", "abc", "99999999999999999999999"])
def test_an_idea_not_on_the_roadmap_is_404_on_the_form(offline, idea_id):
    assert Client().get(f"{FORM}?idea={idea_id}").status_code == 404


def test_a_private_idea_cannot_be_voted_for(pm, workspace_a, offline):
    secret = idea_services.idea_create(
        actor=pm.actor, title="Secret pricing", status=_status(workspace_a, "Planned")
    )

    assert Client().get(f"{FORM}?idea={secret.pk}").status_code == 404
    response = _send(Client(), secret.pk)

    assert response.status_code == 400
    assert b"no longer on the public roadmap" in response.content
    assert b"We lose signal on the shop floor" in response.content  # nothing typed is lost
    assert not FeedbackItem.objects.exists() and not IdeaLink.objects.exists()
    idea_input = re.search(r'<input type="hidden" name="idea"[^>]*>', response.content.decode())
    assert idea_input and "value=" not in idea_input.group()  # sent again, it goes on its own


def test_an_idea_taken_off_the_roadmap_after_loading_keeps_the_text(pm, offline):
    idea_services.idea_update(
        actor=pm.actor, idea=offline, expected_version=offline.version, is_public=False
    )
    client = Client()
    refused = _send(client, offline.pk)

    assert refused.status_code == 400
    assert b"We lose signal on the shop floor" in refused.content
    # Sent again without the idea (as the re-rendered form does), it is stored on its own.
    assert _send(client, "").status_code == 302
    assert FeedbackItem.objects.get().body == "We lose signal on the shop floor"
    assert not IdeaLink.objects.exists()
