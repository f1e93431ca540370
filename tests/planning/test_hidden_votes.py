"""A hidden vote never leaves the server before the reveal: not in any page, fragment,
attribute, poll answer, JSON answer, CSV, audit log page or email, for anyone (the
facilitator included). A voter's own value comes back only to that voter, on their form and
their own votes/ endpoint.
"""

import re

import pytest
from django.urls import reverse

from planning.models import AgendaItem
from planning.services import decisions as decision_services
from planning.services import sessions as services
from planning.services import votes as vote_services
from planning.services.summary import summary_email
from productops.models import OutboundEmail
from tests.conftest import downloaded, signed_in
from tests.planning import matrix_sessions
from tests.planning.planning_data import SECRET_REACH, rice, running_session
from tests.productops.test_access_matrix import concrete, url_patterns

VIEWERS = ["admin", "ops_lead", "pm", "exec"]
OWN_CHANNELS = {"planning_session", "planning_poll", "api_planning_votes"}


@pytest.fixture
def voted(personas):
    """A running session where the PM and the exec voted on the item on the table, hidden."""
    session = running_session(personas)
    item = AgendaItem.objects.get(pk=session.current_item_id)
    for name in ("pm", "exec"):
        vote_services.vote_cast(
            actor=personas[name].actor,
            session=session,
            item=item,
            values=rice(SECRET_REACH[name], effort="89"),
        )
    lead = personas["ops_lead"].actor
    decision = decision_services.decision_record(
        actor=lead, session=session, item=item, outcome="commit"
    )
    return session, item, decision


def _get_urls(session, item, decision, personas) -> list[tuple[str, str]]:
    values = {
        "slug": session.workspace.slug,
        "session_id": session.pk,
        "item_id": item.pk,
        "decision_id": decision.pk,
        "idea_id": item.idea_id,
    }
    urls = []
    for name, route in url_patterns():
        checks = matrix_sessions.MATRIX.get(name, [])
        if any(check.method == "GET" for check in checks):
            urls.append((name, concrete(route, values)))
    urls.append(("audit_log", reverse("audit_log", args=[session.workspace.slug])))
    urls.append(("api_audit_event_list", f"/api/v1/w/{session.workspace.slug}/audit-events/"))
    return urls


def _hidden_values(viewer: str) -> list[str]:
    return [secret for name, secret in SECRET_REACH.items() if name != viewer]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_no_answer_carries_someone_elses_hidden_vote(viewer, personas, voted):
    session, item, decision = voted
    client = signed_in(personas[viewer])
    urls = _get_urls(session, item, decision, personas)
    assert len(urls) >= 12
    for name, url in urls:
        answer = client.get(url, HTTP_HX_REQUEST="true" if name == "planning_poll" else "")
        text = downloaded(answer) if answer.status_code == 200 else answer.content.decode()
        for secret in _hidden_values(viewer):
            assert secret not in text, f"{viewer} saw a hidden vote in {name} ({url})"
        if viewer in SECRET_REACH and name not in OWN_CHANNELS:
            assert SECRET_REACH[viewer] not in text, f"{viewer}'s own vote echoed in {name}"


def test_the_voter_sees_only_their_own_value_on_their_form(personas, voted):
    session, _, _ = voted
    page = signed_in(personas["pm"]).get(reverse("planning_session", args=["alpha", session.pk]))
    text = page.content.decode()
    assert f'value="{SECRET_REACH["pm"]}"' in text
    assert SECRET_REACH["exec"] not in text


def test_the_answer_to_a_vote_carries_no_one_elses_value(personas, voted):
    session, item, _ = voted
    answer = signed_in(personas["exec"]).post(
        reverse("planning_vote", args=["alpha", session.pk]),
        {"item": item.pk, **rice("12345")},
        HTTP_HX_REQUEST="true",
    )
    assert answer.status_code == 200
    assert SECRET_REACH["pm"] not in answer.content.decode()


def test_the_summary_email_of_an_unrevealed_round_carries_no_value(personas, voted):
    session, _, _ = voted
    services.session_end(actor=personas["ops_lead"].actor, session=session)
    session.refresh_from_db()
    assert summary_email(actor=personas["ops_lead"].actor, session=session) == 3
    emails = list(OutboundEmail.objects.filter(subject__startswith="Summary"))
    assert {e.to for e in emails} == {f"{n}@alpha.test" for n in ("ops_lead", "pm", "exec")}
    for email in emails:  # one mechanism for every kind: HTML and text, as a retro's
        assert email.html_body.startswith("<!doctype html>") and "<script" not in email.html_body
        for part in (email.body, email.html_body):
            assert "Idea 1" in part and "/w/alpha/planning/" in part
            for secret in SECRET_REACH.values():
                assert secret not in part and secret not in email.subject


def test_after_the_reveal_everyone_sees_every_value(personas, voted):
    session, _, _ = voted
    vote_services.item_reveal(actor=personas["ops_lead"].actor, session=session)
    text = (
        signed_in(personas["exec"])
        .get(reverse("planning_session", args=["alpha", session.pk]))
        .content.decode()
    )
    assert all(secret in text for secret in SECRET_REACH.values())
    api = signed_in(personas["admin"]).get(
        f"/api/v1/w/alpha/planning/sessions/{session.pk}/agenda/"
    )
    assert all(secret in api.content.decode() for secret in SECRET_REACH.values())


def test_after_the_reveal_both_parts_of_the_summary_email_carry_the_same_figures(personas, voted):
    session, _, _ = voted
    lead = personas["ops_lead"].actor
    vote_services.item_reveal(actor=lead, session=session)
    services.session_end(actor=lead, session=session)
    session.refresh_from_db()
    assert summary_email(actor=lead, session=session) == 3
    email = OutboundEmail.objects.filter(subject__startswith="Summary").first()
    figures = re.findall(r"(\w+ median [^,]+, spread [^;\s]+)", email.body)
    assert any(f.startswith("Reach median") for f in figures), email.body
    for part in (email.body, email.html_body):
        assert all(figure in part for figure in figures)
        assert "Idea 1" in part and "Commit" in part
