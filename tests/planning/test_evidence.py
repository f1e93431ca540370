"""Evidence for planning: figures equal to feedback's counted evidence, links to the feedback
behind each figure, the half-life decay on known data, and pre-filled reach and value."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from feedback.models import Importance, Status
from feedback.selectors.evidence import idea_evidence as counted_evidence
from feedback.services import ideas as idea_services
from planning import evidence, scoring
from planning.models import Vote
from planning.services import scoring as scoring_services
from tests.conftest import signed_in
from tests.feedback import ideas_data
from tests.planning.planning_data import running_session


@pytest.fixture
def asked(pm, workspace_a):
    """An idea asked for by Acme (enterprise, 2 items: today and 60 days ago), Bolt (SMB, 120
    days ago, through a duplicate merged into a linked item), a spam item, and an anonymous
    sender without account."""
    acme = ideas_data.account(workspace_a, "Acme", 90000, segment="Enterprise")
    bolt = ideas_data.account(workspace_a, "Bolt", 10000, segment="SMB")
    ann = ideas_data.contact(workspace_a, "ann@acme.test", "Ann", acme)
    ben = ideas_data.contact(workspace_a, "ben@bolt.test", "Ben", bolt)
    idea = idea_services.idea_create(actor=pm.actor, title="SSO", owner=pm.user)
    recent = ideas_data.item(workspace_a, "We need SSO", contact=ann, days_ago=0)
    older = ideas_data.item(workspace_a, "SSO please", contact=ann, days_ago=60)
    linked = ideas_data.item(workspace_a, "Single sign-on", days_ago=200)
    ideas_data.item(  # Bolt's request, merged into a linked item: still evidence
        workspace_a,
        "SAML login",
        contact=ben,
        days_ago=120,
        duplicate_of=linked,
        status=Status.ARCHIVED,
    )
    spam = ideas_data.item(workspace_a, "Buy SSO now", days_ago=1, status=Status.SPAM)
    idea_services.idea_link(
        actor=pm.actor,
        idea=idea,
        items=[recent, older, linked, spam],
        importance=Importance.IMPORTANT,
    )
    return idea


def test_plain_figures_equal_feedbacks_counted_evidence(asked, workspace_a):
    found = evidence.idea_evidence(workspace=workspace_a, idea_id=asked.pk)
    counted = counted_evidence(workspace_id=workspace_a.pk, idea_ids=[asked.pk])[asked.pk]
    assert (found.mentions, found.votes, found.unique_accounts, found.revenue) == (
        counted.mentions,
        counted.votes,
        counted.unique_accounts,
        counted.revenue,
    )
    # recent, older, linked and the duplicate; never the spam
    assert (found.mentions, found.unique_accounts, found.revenue) == (4, 2, Decimal(100000))
    assert (found.recent_30, found.recent_90) == (1, 2)
    assert not found.decays
    assert found.weighted_accounts == 2 and found.weighted_revenue == Decimal("100000.00")


def test_the_segment_mix_splits_the_asking_accounts(asked, workspace_a):
    found = evidence.idea_evidence(workspace=workspace_a, idea_id=asked.pk)
    assert [(s.segment, s.accounts, s.revenue, s.share) for s in found.segments] == [
        ("Enterprise", 1, Decimal(90000), 0.5),
        ("SMB", 1, Decimal(10000), 0.5),
    ]
    assert "segment=SMB" in found.segments[1].url


def test_older_evidence_weighs_less_with_a_half_life(asked, workspace_a, ops_lead):
    scoring_services.planning_settings_update(actor=ops_lead.actor, evidence_half_life_days=60)
    found = evidence.idea_evidence(workspace=workspace_a, idea_id=asked.pk)
    # Acme's latest item is from today (weight 1); Bolt's only one is 120 days old: 2 half-lives.
    assert found.weighted_accounts == pytest.approx(1.25, abs=0.01)
    assert found.weighted_revenue == pytest.approx(Decimal(90000 + 10000 / 4), abs=Decimal(30))
    # Items: 1 (today) + 0.5 (60 days) + 0.25 (120 days) + 2^-(200/60) (200 days)
    assert found.weighted_mentions == pytest.approx(1 + 0.5 + 0.25 + 2 ** (-200 / 60), abs=0.01)
    # The plain figures stay as they are.
    assert (found.unique_accounts, found.revenue) == (2, Decimal(100000))


def test_every_figure_links_to_the_feedback_behind_it(asked, workspace_a, pm):
    found = evidence.idea_evidence(workspace=workspace_a, idea_id=asked.pk)
    assert found.urls["all"] == f"/w/alpha/feedback/?status=all&idea={asked.pk}"
    client = signed_in(pm)
    html = client.get(found.urls["all"]).content.decode()
    for text in ("We need SSO", "SSO please", "Single sign-on", "SAML login"):
        assert text in html
    assert "Buy SSO now" not in html
    recent = client.get(found.urls["recent_30"]).content.decode()
    assert "We need SSO" in recent and "SSO please" not in recent
    smb = client.get(found.segments[1].url).content.decode()
    assert "SAML login" in smb and "We need SSO" not in smb


def test_another_workspaces_idea_shows_none_of_its_feedback(asked, outsider):
    response = signed_in(outsider).get(f"/w/bravo/feedback/?status=all&idea={asked.pk}")
    assert response.status_code == 200 and "We need SSO" not in response.content.decode()


def test_evidence_prefills_reach_and_value_on_each_scale(asked, pm, workspace_a):
    other = idea_services.idea_create(actor=pm.actor, title="Dark mode", owner=pm.user)
    small = ideas_data.account(workspace_a, "Cog", 25000)
    item = ideas_data.item(workspace_a, "Dark please", account=small, days_ago=3)
    idea_services.idea_link(actor=pm.actor, idea=other, items=[item], importance=1)
    found = evidence.ideas_evidence(workspace=workspace_a, idea_ids=[asked.pk, other.pk])
    rice = evidence.prefill(model=scoring.RICE, evidence=found, currency="USD")
    assert rice[asked.pk]["reach"].value == Decimal(2)  # accounts, on a number scale
    assert rice[other.pk]["reach"].value == Decimal(1)
    assert rice[asked.pk]["reach"].url.endswith(f"idea={asked.pk}")
    value_effort = evidence.prefill(model=scoring.VALUE_EFFORT, evidence=found, currency="USD")
    # 1-10: the most revenue gets 10, 25,000 of 100,000 gets 1 + 9 x 0.25 = 3.25 -> 3
    assert value_effort[asked.pk]["value"].value == Decimal(10)
    assert value_effort[other.pk]["value"].value == Decimal(3)
    assert value_effort[other.pk]["value"].basis == "$25,000 annual revenue asking"
    wsjf = evidence.prefill(model=scoring.WSJF, evidence=found, currency="USD")
    assert wsjf[asked.pk]["business_value"].display == "89"
    assert (
        set(evidence.prefill(model=scoring.ICE, evidence=found, currency="USD")[asked.pk]) == set()
    )


def test_evidence_of_many_ideas_takes_three_queries(asked, pm, workspace_a):
    ids = [asked.pk]
    for n in range(10):
        idea = idea_services.idea_create(actor=pm.actor, title=f"Idea {n}", owner=pm.user)
        ids.append(idea.pk)
    with CaptureQueriesContext(connection) as captured:
        found = evidence.ideas_evidence(workspace=workspace_a, idea_ids=ids)
    # the ideas of the workspace, the settings, the figures, the segments
    assert len(captured) <= 4
    assert found[ids[-1]].mentions == 0 and found[asked.pk].mentions == 4


def test_the_room_links_each_figure_and_prefills_reach_and_value(personas, pm):
    session = running_session(personas, ideas=1)
    item = session.current_item
    assert item.evidence["unique_accounts"] == 2 and item.evidence["half_life_days"] is None
    html = signed_in(pm).get(f"/w/alpha/planning/{session.pk}/").content.decode()
    assert f"/w/alpha/feedback/?status=all&amp;idea={item.idea_id}" in html
    assert "From feedback:" in html and "2 accounts asking" in html
    assert 'name="reach" value="2"' in html  # a suggestion, not a vote: nothing is counted
    assert not Vote.objects.exists()
