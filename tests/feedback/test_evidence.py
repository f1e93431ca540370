"""Counted evidence: spam never counts, votes are people and mentions are items, and every
page, export, API answer and loop-closure email agrees (feedback/selectors/evidence.py)."""

import csv
import io
from decimal import Decimal

import pytest

from feedback.models import Status
from feedback.selectors import evidence
from feedback.selectors import ideas as idea_selectors
from feedback.services import ideas as idea_services
from feedback.services import loop_closures, triage_merges
from feedback.services import triage as triage_services
from productops.models import ChangeMark, OutboundEmail
from tests.conftest import signed_in
from tests.feedback import ideas_data as data

API = "/api/v1/w/alpha"


def _mark_spam(pm, item):
    item.refresh_from_db()
    return triage_services.feedback_update(
        actor=pm.actor, item=item, expected_version=item.version, status=Status.SPAM
    )


def _api_idea(client, idea) -> dict:
    return client.get(f"{API}/ideas/{idea.pk}/").json()


def _export_row(client, idea) -> dict:
    text = b"".join(client.get("/w/alpha/ideas/export.csv").streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    return next(r for r in rows if r["id"] == str(idea.pk))


@pytest.fixture
def spammed(pm, workspace_a):
    """An idea asked for by Acme (80,000) and by a spam account (900,000) linked before the
    item was found to be spam."""
    idea = idea_services.idea_create(actor=pm.actor, title="Single sign-on")
    acme = data.account(workspace_a, "Acme", 80000)
    spamco = data.account(workspace_a, "Spamco", 900000)
    ana = data.contact(workspace_a, "ana@acme.test", "Ana", acme)
    spammer = data.contact(workspace_a, "win@spamco.test", "Winner", spamco)
    real = data.item(workspace_a, "We need SSO", contact=ana)
    spam = data.item(workspace_a, "Cheap watches, SSO", contact=spammer)
    idea_services.idea_link(actor=pm.actor, idea=idea, items=[real, spam])
    return idea, real, spam, spamco


def test_an_item_marked_spam_after_linking_drops_out_of_every_figure(pm, workspace_a, spammed):
    idea, _, spam, _ = spammed
    client = signed_in(pm)
    assert _api_idea(client, idea)["revenue"] == "980000.00"

    _mark_spam(pm, spam)

    api = _api_idea(client, idea)
    assert (api["mentions"], api["votes"], api["unique_accounts"], api["revenue"]) == (
        1,
        1,
        1,
        "80000.00",
    )
    page = client.get(f"/w/alpha/ideas/{idea.pk}/").content.decode()
    assert 'data-demand="revenue">$80,000<' in page  # the workspace currency, one format
    assert "spam, not counted" in page  # the link stays visible, so it can be undone
    assert "Spamco" not in page.split('id="accounts-h"')[1]
    board = client.get("/w/alpha/ideas/board/").content.decode()
    assert "1 vote<" in board and "1 account<" in board
    listed = client.get(f"{API}/ideas/", {"sort": "revenue"}).json()["results"]
    assert [r["revenue"] for r in listed] == ["80000.00"]
    row = _export_row(client, idea)
    assert (row["mentions"], row["votes"], row["unique accounts"], row["revenue"]) == (
        "1",
        "1",
        "1",
        "80000.00",
    )


def test_restoring_a_spam_item_brings_its_evidence_back(pm, workspace_a, spammed):
    idea, _, spam, _ = spammed
    _mark_spam(pm, spam)
    spam.refresh_from_db()
    triage_services.feedback_update(
        actor=pm.actor, item=spam, expected_version=spam.version, status=Status.TRIAGED
    )

    assert _api_idea(signed_in(pm), idea)["revenue"] == "980000.00"


def test_the_spammer_is_not_told_when_the_loop_is_closed(pm, workspace_a, spammed):
    idea, _, spam, _ = spammed
    _mark_spam(pm, spam)
    shipped = next(s for s in idea_selectors.statuses(workspace=workspace_a) if s.name == "Shipped")
    idea = idea_services.idea_update(
        actor=pm.actor, idea=idea, expected_version=idea.version, status=shipped
    )
    preview = signed_in(pm).get(f"/w/alpha/ideas/{idea.pk}/close/").content.decode()
    closure = loop_closures.loop_closure_create(actor=pm.actor, idea=idea, subject="s", message="m")

    loop_closures.loop_closure_send(closure_id=closure.pk)

    assert "win@spamco.test" not in preview
    assert list(OutboundEmail.objects.values_list("to", flat=True)) == ["ana@acme.test"]
    spam.refresh_from_db()
    assert spam.loop_closed_at is None


def test_the_spam_account_does_not_ask_for_the_idea_on_the_accounts_pages(pm, workspace_a, spammed):
    idea, _, spam, spamco = spammed
    client = signed_in(pm)
    _mark_spam(pm, spam)

    detail = client.get(f"/w/alpha/feedback/accounts/{spamco.pk}/").content.decode()
    accounts = {
        a.name: a.item_count for a in idea_selectors.idea_accounts(workspace=workspace_a, idea=idea)
    }

    assert "Single sign-on" not in detail
    assert "Cheap watches" not in detail
    assert accounts == {"Acme": 1}
    listed = client.get("/w/alpha/feedback/accounts/", {"sort": "feedback"}).content.decode()
    assert listed.index("Acme") < listed.index("Spamco")


def test_two_items_from_one_person_one_merged_into_the_other_are_one_vote_and_two_mentions(
    pm, workspace_a
):
    ana = data.contact(workspace_a, "ana@acme.test", "Ana")
    bo = data.contact(workspace_a, "bo@globex.test", "Bo")
    first = data.item(workspace_a, "Export to CSV", contact=ana)
    again = data.item(workspace_a, "CSV export please", contact=ana)
    idea = idea_services.idea_create(actor=pm.actor, title="CSV export")
    idea_services.idea_link(actor=pm.actor, idea=idea, items=[first])
    triage_merges.feedback_merge(actor=pm.actor, original=first, duplicate=again)
    client = signed_in(pm)

    item = client.get(f"{API}/feedback/{first.pk}/").json()
    assert (item["votes"], item["mentions"]) == (1, 2)
    api = _api_idea(client, idea)
    assert (api["votes"], api["mentions"]) == (1, 2)
    page = client.get(f"/w/alpha/ideas/{idea.pk}/").content.decode()
    assert 'data-demand="votes">1<' in page and 'data-demand="mentions">2<' in page

    idea_services.idea_link(
        actor=pm.actor, idea=idea, items=[data.item(workspace_a, "CSV!", contact=bo)]
    )
    assert (_api_idea(client, idea)["votes"], _api_idea(client, idea)["mentions"]) == (2, 3)


def test_items_without_a_known_person_each_count_as_one_vote(pm, workspace_a):
    idea = idea_services.idea_create(actor=pm.actor, title="Dark mode")
    idea_services.idea_link(
        actor=pm.actor, idea=idea, items=[data.item(workspace_a, "a"), data.item(workspace_a, "b")]
    )

    assert (_api_idea(signed_in(pm), idea)["votes"]) == 2


def test_the_batch_figures_for_planning_and_dashboards_equal_the_pages(pm, workspace_a, spammed):
    idea, _, spam, _ = spammed
    _mark_spam(pm, spam)
    other = idea_services.idea_create(actor=pm.actor, title="Nothing asks")

    batch = evidence.idea_evidence(workspace_id=workspace_a.pk, idea_ids=[idea.pk, other.pk])
    shown = idea_selectors.idea(workspace=workspace_a, idea_id=idea.pk)

    assert batch == {
        idea.pk: evidence.Evidence(
            mentions=shown.mentions,
            votes=shown.votes,
            unique_accounts=shown.unique_accounts,
            revenue=Decimal(shown.revenue),
        )
    }
    assert batch[idea.pk].revenue == Decimal("80000")


def test_marking_spam_and_restoring_tells_dashboards_which_ideas_changed(pm, workspace_a, spammed):
    idea, _, spam, _ = spammed
    ChangeMark.objects.filter(topic="ideas").delete()

    _mark_spam(pm, spam)

    assert list(
        ChangeMark.objects.filter(workspace=workspace_a, topic="ideas").values_list(
            "bucket", flat=True
        )
    ) == [str(idea.pk)]
