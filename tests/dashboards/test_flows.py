"""The overview's numbers against a count of the rows behind them: volume read from the slices
(unfiltered) and from the cube (filtered), the triage flow by the day things happened, an
account that changes segment, and the planning tiles."""

import random
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.http import QueryDict

from dashboards import refresh
from dashboards.filters import DashboardFilters
from dashboards.models import FeedbackSliceDaily, TriageFlowDaily
from dashboards.selectors import feedback as feedback_tiles
from dashboards.selectors import ideas as ideas_tiles
from dashboards.selectors import planning as planning_tiles
from dashboards.selectors import triage as triage_tiles
from dashboards.selectors.shared import duration_text
from feedback.forms.triage import InboxFilterForm
from feedback.models import FeedbackItem, Status
from feedback.selectors import ideas as idea_selectors
from feedback.selectors import triage as inbox_selectors
from feedback.services import accounts as account_services
from feedback.services import ideas as idea_services
from feedback.services import triage as triage_services
from feedback.services import triage_merges
from planning.models import AgendaItem
from planning.services import agenda as planning_agenda
from planning.services import decisions as planning_decisions
from productops import clock
from productops.models import Workspace
from tests.feedback import triage_data
from tests.planning.planning_data import running_session

pytestmark = pytest.mark.django_db(transaction=True)


def _local_day(workspace: Workspace, item: FeedbackItem) -> date:
    return clock.workspace_date(workspace, item.received_at)


@pytest.fixture
def spread(admin):
    """Items over 14 months in Auckland's days, from three sources, areas and segments."""
    workspace = admin.actor.workspace
    Workspace.objects.filter(pk=workspace.pk).update(time_zone="Pacific/Auckland")
    workspace.refresh_from_db()
    rng = random.Random(5)
    sources = [triage_data.source(workspace, name) for name in ("Intercom", "Zendesk", "Email")]
    areas = [triage_data.area(workspace, name) for name in ("Billing", "Reports")] + [None]
    accounts = [
        triage_data.account(workspace, f"Co {n}", segment=segment)
        for n, segment in enumerate(["Enterprise", "SMB", ""])
    ] + [None]
    for n in range(160):
        triage_data.item(
            workspace,
            f"Item {n}",
            hours_ago=rng.uniform(0, 430 * 24),
            src=rng.choice(sources),
            product_area=rng.choice(areas),
            account=rng.choice(accounts),
            status=rng.choice([Status.NEW, Status.TRIAGED, Status.SPAM]),
        )
    refresh.rebuild_all(workspace_id=workspace.pk)
    return workspace


def _expected(workspace, since, until, keep=lambda item: True):
    items = [
        i
        for i in FeedbackItem.objects.filter(workspace=workspace)
        .exclude(status=Status.SPAM)
        .select_related("account")
        if keep(i)
    ]
    inside = [i for i in items if since <= _local_day(workspace, i) <= until]
    return {
        "total": len(inside),
        "Source": Counter(i.source.name for i in inside),
        "Area": Counter(i.product_area.name if i.product_area else "No area" for i in inside),
        "Segment": Counter(
            (i.account.segment if i.account else "") or "No account" for i in inside
        ),
        "days": Counter(_local_day(workspace, i) for i in inside),
    }


def _shown(tile):
    shown = {"Source": Counter(), "Area": Counter(), "Segment": Counter()}
    for dimension, name, count in tile.rows:
        shown[dimension][name] += count
    return shown


@pytest.mark.parametrize(
    "span",
    [(0, 6), (3, 44), (20, 400), (0, 364)],  # days back from today: (until, since)
)
def test_volume_from_the_slices_equals_a_count_of_the_items(spread, span):
    today = clock.workspace_today(spread)
    until, since = today - timedelta(days=span[0]), today - timedelta(days=span[1])
    filters = DashboardFilters(since=since, until=until, preset="custom")
    tile = feedback_tiles.volume(workspace=spread, filters=filters)
    expected = _expected(spread, since, until)
    assert tile.figures[0].value == expected["total"] > 0
    shown = _shown(tile)
    for dimension in ("Source", "Area", "Segment"):
        assert shown[dimension] == +expected[dimension], dimension
    before = _expected(spread, *filters.previous)
    assert tile.figures[1].value == before["total"]
    if not filters.weekly:
        series = dict(zip(tile.chart["labels"], tile.chart["datasets"][0]["data"], strict=True))
        assert {d: n for d, n in series.items() if n} == {
            d.isoformat(): n for d, n in expected["days"].items()
        }


def test_a_filtered_volume_reads_the_cube_and_agrees_with_the_items(spread):
    today = clock.workspace_today(spread)
    filters = DashboardFilters(
        since=today - timedelta(days=200), until=today, preset="custom", segment="Enterprise"
    )
    tile = feedback_tiles.volume(workspace=spread, filters=filters)
    expected = _expected(
        spread,
        filters.since,
        filters.until,
        keep=lambda i: i.account is not None and i.account.segment == "Enterprise",
    )
    assert tile.figures[0].value == expected["total"] > 0
    assert _shown(tile)["Source"] == +expected["Source"]


def test_the_triage_flow_counts_by_the_day_each_thing_happened(admin, exec_):
    workspace = admin.actor.workspace
    old = triage_data.item(workspace, "Waited four days", hours_ago=4 * 24 + 2)
    fresh = triage_data.item(workspace, "Arrived an hour ago", hours_ago=1)
    triage_data.item(workspace, "Still waiting", hours_ago=2 * 24 + 3)
    refresh.rebuild_all(workspace_id=workspace.pk)
    for item in (old, fresh):
        item.refresh_from_db()
        triage_services.feedback_update(
            actor=admin.actor, item=item, expected_version=item.version, status=Status.TRIAGED
        )
    refresh.refresh_changed(workspace_id=workspace.pk)
    assert refresh.verify(workspace_id=workspace.pk) == []
    today = clock.workspace_today(workspace)
    flow = {
        row.day: (row.entered, row.triaged)
        for row in TriageFlowDaily.objects.filter(workspace=workspace)
    }
    old_day, waiting_day = _local_day(workspace, old), today - timedelta(days=2)
    old.refresh_from_db()
    waiting_day = _local_day(workspace, FeedbackItem.objects.get(body="Still waiting"))
    assert flow[today][1] == 2  # both triaged today, whenever they arrived
    assert flow[old_day][0] >= 1 and sum(e for e, _ in flow.values()) == 3
    tile = triage_tiles.triage(
        workspace=workspace,
        filters=DashboardFilters(since=today - timedelta(days=6), until=today, preset="7d"),
    )
    figures = {f.label: f.value for f in tile.figures}
    assert figures["Backlog"] == 1 and figures["Triaged in period"] == 2
    history = dict(zip(tile.chart["labels"], tile.chart["datasets"][2]["data"], strict=True))
    # One waiting from the day the old item arrived, two from the next arrival, one today.
    assert history[(old_day - timedelta(days=1)).isoformat()] == 0
    assert history[old_day.isoformat()] == 1
    assert history[waiting_day.isoformat()] == 2
    assert history[today.isoformat()] == 1
    # Median time to triage, by the triage day: one waited an hour, one four days.
    median = next(f for f in tile.figures if f.label == "Median time to triage")
    assert (median.display, median.value, median.unit, median.bound) == (
        "within 4 hours",
        4,
        "hours",
        "at_most",
    )
    # The mean in the median's words: (98 h + 1 h) / 2 read in days, never "49.5 h".
    mean = next(f for f in tile.figures if f.label == "Mean time to triage")
    assert (mean.display, mean.value, mean.unit) == ("2.1 days", 49.5, "hours")


@pytest.mark.parametrize(
    ("hours", "shown"),
    [
        (0.2, "12 minutes"),
        (59.7 / 60, "1 hour"),
        (1, "1 hour"),
        (2.46, "2.5 hours"),
        (4, "4 hours"),
        (13.4, "13 hours"),
        (23.97, "1 day"),
        (24, "1 day"),
        (72, "3 days"),
        (168, "7 days"),
        (1666.0, "69 days"),
        (24 * 1204.2, "1,204 days"),
    ],
)
def test_every_duration_a_tile_shows_reads_in_one_unit_rule(hours, shown):
    assert duration_text(hours) == shown


def test_the_median_buckets_read_in_the_same_rule_as_the_mean():
    assert [label for label, _ in triage_tiles.MEDIAN_BUCKETS] == [
        "1 hour",
        "4 hours",
        "1 day",
        "3 days",
        "7 days",
    ]


def test_an_account_that_changes_segment_moves_its_feedback_and_revenue(admin):
    workspace = admin.actor.workspace
    company = triage_data.account(workspace, "Globex", segment="SMB", revenue=5000)
    company.domain = "globex.test"
    company.save()
    items = [
        triage_data.item(workspace, f"Ask {n}", hours_ago=24 * n + 1, account=company)
        for n in range(3)
    ]
    idea = idea_services.idea_create(actor=admin.actor, title="SSO")
    idea_services.idea_link(actor=admin.actor, idea=idea, items=items[:1])
    refresh.rebuild_all(workspace_id=workspace.pk)
    account_services.account_upsert(
        actor=admin.actor,
        domain="globex.test",
        segment="Enterprise",
        annual_revenue=Decimal("90000"),
    )
    outcome = refresh.refresh_changed(workspace_id=workspace.pk)
    assert outcome.marks > 0
    assert refresh.verify(workspace_id=workspace.pk) == []
    by_segment = Counter()
    for row in FeedbackSliceDaily.objects.filter(workspace=workspace, dimension="segment"):
        by_segment[row.value] += row.items
    assert by_segment.get("Enterprise", 0) == 3 and "SMB" not in by_segment
    tile = ideas_tiles.top_ideas(
        workspace=workspace,
        filters=DashboardFilters(
            since=clock.workspace_today(workspace) - timedelta(days=29),
            until=clock.workspace_today(workspace),
        ),
    )
    assert tile.rows[0][1] == "SSO" and tile.rows[0][5] == Decimal("90000.00")


def test_the_planning_tiles_show_demand_behind_commitments_and_what_shipped(personas):
    lead = personas["ops_lead"].actor
    workspace = lead.workspace
    session = running_session(personas, ideas=2)
    backed, unbacked = AgendaItem.objects.filter(session=session).order_by("position")
    planning_decisions.decision_record(actor=lead, session=session, item=backed, outcome="commit")
    bare = idea_services.idea_create(actor=lead, title="No one asked")
    bare_item = planning_agenda.agenda_add(actor=lead, session=session, idea=bare)
    planning_decisions.decision_record(
        actor=lead, session=session, item=bare_item, outcome="commit"
    )
    planning_decisions.decision_record(actor=lead, session=session, item=unbacked, outcome="reject")
    shipped = next(
        s for s in idea_selectors.statuses(workspace=workspace) if s.category == "shipped"
    )
    idea = backed.idea
    idea.refresh_from_db()
    idea_services.idea_update(actor=lead, idea=idea, expected_version=idea.version, status=shipped)
    refresh.refresh_changed(workspace_id=workspace.pk)
    assert refresh.verify(workspace_id=workspace.pk) == []
    today = clock.workspace_today(workspace)
    filters = DashboardFilters(since=today - timedelta(days=29), until=today)
    roadmap = planning_tiles.roadmap(workspace=workspace, filters=filters)
    figures = {f.label: f.display for f in roadmap.figures}
    assert figures["Committed backed by demand"] == "50%"  # one of the two commitments
    # idea_with_askers: two customers at 1,000 and 2,000 a year asked for the shipped idea.
    assert figures["Revenue of customers whose asks shipped this quarter"].endswith("3,000")
    assert figures["Customers whose asks shipped"] == "2"
    predictability = planning_tiles.predictability(workspace=workspace, filters=filters)
    values = {f.label: f.value for f in predictability.figures}
    assert values["Committed"] == 2 and values["Shipped of them"] == 1
    this_quarter = [r for r in predictability.rows if r[2]]
    assert this_quarter == [
        [planning_tiles._quarter_name(planning_tiles._quarter_of(today)), 3, 2, 1, "50%"]
    ]


def test_every_way_out_of_the_inbox_ends_an_items_wait_on_the_day_it_left(admin):
    """Six items arrive on one day and leave on later days by each way out (archive, spam, a
    merge, triage); spam caught at intake never waits. The backlog at the end of each day, from
    incremental refreshes, is the number of items still waiting then."""
    workspace = admin.actor.workspace
    today = clock.workspace_today(workspace)
    first = today - timedelta(days=6)

    def at(day: date, hour: int):
        return time_machine.travel(
            clock.day_start(workspace, day) + timedelta(hours=hour), tick=False
        )

    def update(body: str, status: str) -> None:
        item = FeedbackItem.objects.get(workspace=workspace, body=body)
        triage_services.feedback_update(
            actor=admin.actor, item=item, expected_version=item.version, status=status
        )

    with at(first, 9):
        for body in ("Archived", "Spam later", "Merged", "Original", "Triaged", "Waiting"):
            triage_data.item(workspace, body, hours_ago=0)
        triage_data.item(workspace, "Spam at intake", hours_ago=0, status=Status.SPAM)
        refresh.rebuild_all(workspace_id=workspace.pk)
    steps = [
        lambda: update("Archived", Status.ARCHIVED),
        lambda: update("Spam later", Status.SPAM),
        lambda: triage_merges.feedback_merge(
            actor=admin.actor,
            original=FeedbackItem.objects.get(body="Original"),
            duplicate=FeedbackItem.objects.get(body="Merged"),
        ),
        lambda: update("Triaged", Status.TRIAGED),
    ]
    for n, step in enumerate(steps, start=1):
        with at(first + timedelta(days=n), 12):
            step()
            refresh.refresh_changed(workspace_id=workspace.pk)
    assert refresh.verify(workspace_id=workspace.pk) == []

    tile = triage_tiles.triage(
        workspace=workspace, filters=DashboardFilters(since=first, until=today, preset="custom")
    )
    history = tile.chart["datasets"][2]["data"]
    assert tile.chart["labels"] == [(first + timedelta(days=n)).isoformat() for n in range(7)]
    assert history == [6, 5, 4, 3, 2, 2, 2]
    assert {f.label: f.value for f in tile.figures}["Backlog"] == 2


def test_triaged_in_period_links_to_the_inbox_list_of_as_many_items(admin):
    """Items triaged before, inside and after a period (some marked spam or put back in the
    inbox since), in Auckland's days: the tile's number is the count of the list it links to."""
    workspace = admin.actor.workspace
    Workspace.objects.filter(pk=workspace.pk).update(time_zone="Pacific/Auckland")
    workspace.refresh_from_db()
    today = clock.workspace_today(workspace)
    since, until = today - timedelta(days=9), today - timedelta(days=3)
    rng = random.Random(11)
    for n in range(40):
        triaged_on = today - timedelta(days=rng.randint(0, 14))
        moment = clock.day_start(workspace, triaged_on) + timedelta(minutes=rng.choice([1, 1439]))
        item = triage_data.item(workspace, f"Item {n}", hours_ago=24 * 16 + n)
        with time_machine.travel(moment, tick=False):
            item = triage_services.feedback_update(
                actor=admin.actor, item=item, expected_version=item.version, status=Status.TRIAGED
            )
            later = rng.choice([None, None, Status.SPAM, Status.ARCHIVED, Status.NEW])
            if later:
                triage_services.feedback_update(
                    actor=admin.actor, item=item, expected_version=item.version, status=later
                )
    refresh.rebuild_all(workspace_id=workspace.pk)
    filters = DashboardFilters(since=since, until=until, preset="custom")

    figure = next(
        f
        for f in triage_tiles.triage(workspace=workspace, filters=filters).figures
        if f.label == "Triaged in period"
    )

    path, query = figure.link.split("?")
    assert path == f"/w/{workspace.slug}/feedback/"
    form = InboxFilterForm(QueryDict(query), actor=admin.actor)
    assert form.is_valid(), form.errors
    listed = inbox_selectors.filtered(workspace=workspace, filters=form.filters())
    assert figure.value == listed.count() > 0
    in_period = [
        i
        for i in FeedbackItem.objects.filter(workspace=workspace, triaged_at__isnull=False)
        if since <= clock.workspace_date(workspace, i.triaged_at) <= until
    ]
    assert figure.value == len(in_period)
