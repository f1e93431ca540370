"""The overview, its tiles, CSV, the API and each role's Home, read as a user reads them."""

import json
import re
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
from django.http import QueryDict
from django.utils import timezone

from dashboards import refresh, selectors
from dashboards.models import RefreshState
from feedback.forms.triage import InboxFilterForm
from feedback.models import FeedbackItem, Source, Status
from feedback.selectors import triage as inbox_selectors
from feedback.services import triage as triage_services
from productops import clock
from productops.models import ChangeMark
from tests.access import HTMX
from tests.conftest import downloaded, signed_in
from tests.dashboards.writes import Writer
from tests.feedback import triage_data


@pytest.fixture
def data(admin):
    writer = Writer(admin.actor, 11)
    for _ in range(10):
        writer.intake()
    writer.idea()
    for _ in range(4):
        writer.link()
    for _ in range(2):
        writer.tool()
    # the filters name a segment the workspace has (an unknown one is a 400)
    triage_data.account(writer.workspace, "Enterprise Only Co", segment="Enterprise")
    refresh.refresh_changed(workspace_id=admin.actor.workspace.pk)
    return writer


def _tile(client, name, query=""):
    return client.get(f"/w/alpha/dashboards/tiles/{name}/?{query}", HTTP_HX_REQUEST="true")


def test_the_overview_loads_each_tile_on_its_own(exec_, data):
    page = signed_in(exec_).get("/w/alpha/dashboards/?range=90d&segment=Enterprise")
    assert page.status_code == 200
    html = page.content.decode()
    for name in selectors.TILES:
        assert (
            f'hx-get="/w/alpha/dashboards/tiles/{name}/?range=90d&amp;segment=Enterprise"' in html
        )
    assert "<script>" not in html and "style=" not in html


def test_the_volume_tile_counts_what_the_inbox_lists_and_links_to_it(exec_, data):
    client = signed_in(exec_)
    response = _tile(client, "volume", "range=90d")
    assert response.status_code == 200
    html = response.content.decode()
    today = clock.workspace_today(data.workspace)
    since = today - timedelta(days=89)
    received = FeedbackItem.objects.filter(workspace=data.workspace).exclude(status=Status.SPAM)
    expected = sum(1 for i in received if since <= i.received_at.date() <= today)
    assert f">{expected:,}</a>" in html
    assert (
        f"/w/alpha/feedback/?status=not_spam&amp;since={since.isoformat()}&amp;until={today}"
        in html
    )
    assert "As of" in html and 'data-chart="chart-data-volume"' in html
    assert (
        '<template data-chart-data><script id="chart-data-volume" type="application/json"' in html
    )


def test_a_tile_says_when_changes_wait_and_when_a_refresh_failed(exec_, data):
    workspace = data.workspace
    ChangeMark.objects.create(
        workspace=workspace,
        topic="feedback",
        bucket="2026-01-01",
        marked_at=timezone.now() - timedelta(minutes=10),
    )
    RefreshState.objects.filter(workspace=workspace).update(
        last_failure_at=timezone.now(), last_error="OperationalError: the server went away"
    )
    html = _tile(signed_in(exec_), "triage").content.decode()
    assert "refreshing" in html and "last refresh failed" in html
    page = signed_in(exec_).get("/w/alpha/dashboards/").content.decode()
    assert "the server went away" in page and "These are the last good numbers" in page


def test_bad_filters_get_a_400_that_names_the_field(exec_, data):
    client = signed_in(exec_)
    page = client.get("/w/alpha/dashboards/?range=custom&since=2026-05-01&until=2026-04-01")
    assert page.status_code == 400
    assert "The last day must not be before the first." in page.content.decode()
    assert _tile(client, "volume", "area=banana").status_code == 400
    api = client.get("/api/v1/w/alpha/metrics/volume/?since=yesterday")
    assert api.status_code == 400
    assert "since" in api.json()["error"]["fields"]


def test_every_tile_exports_the_numbers_it_shows(exec_, data):
    client = signed_in(exec_)
    for name in selectors.TILES:
        response = client.get(f"/w/alpha/dashboards/tiles/{name}.csv?range=90d")
        assert response.status_code == 200
        text = downloaded(response)
        header = text.splitlines()[0]
        assert header.endswith("As of")
        # "-" (no share: nothing committed) was written as '-, which a spreadsheet shows.
        assert not any(cell == "'-" for line in text.splitlines() for cell in line.split(","))
    volume = downloaded(client.get("/w/alpha/dashboards/tiles/volume.csv?range=90d"))
    api = client.get("/api/v1/w/alpha/metrics/volume/?range=90d").json()
    assert api["freshness"]["as_of"] is not None
    api_sources = [row for row in api["rows"] if row[0] == "Source"]
    for row in api_sources:
        assert f"Source,{row[1]},{row[2]}," in volume


def test_page_csv_and_api_read_each_columns_unit_from_the_tile(exec_, data):
    """The tile's columns carry their units: the page right-aligns the number columns, the CSV
    and the API name the same columns, and the API types the same ones."""
    client = signed_in(exec_)
    for name in selectors.TILES:
        api = client.get(f"/api/v1/w/alpha/metrics/{name}/?range=90d").json()
        csv_header = downloaded(client.get(f"/w/alpha/dashboards/tiles/{name}.csv?range=90d"))
        assert csv_header.splitlines()[0] == ",".join([*api["columns"], "As of"]), name
        html = _tile(client, name, "range=90d").content.decode()
        head = re.search(r"<thead><tr>(.*?)</tr></thead>", html).group(1)
        shown = re.findall(r'<th scope="col"( class="num")?>([^<]*)</th>', head)
        assert [unescape(title) for _, title in shown] == api["columns"], name
        assert [bool(num) for num, _ in shown] == [u is not None for u in api["column_units"]]


def test_the_api_schema_lists_the_metrics(exec_):
    schema = signed_in(exec_).get("/api/schema/?format=json").json()
    assert "/api/v1/w/{slug}/metrics/{tile}/" in schema["paths"]


def test_the_api_docs_list_every_tile_the_metrics_index_answers(exec_):
    # docs/API.md named six tiles after roadmap and predictability had joined them.
    tiles = signed_in(exec_).get("/api/v1/w/alpha/metrics/").json()["tiles"]
    api_doc = (Path(__file__).resolve().parents[2] / "docs" / "API.md").read_text()

    assert f'"tiles": {json.dumps(tiles)}' in api_doc


def test_each_role_gets_its_own_home(personas, data):
    exec_home = (
        signed_in(personas["exec"]).get("/w/alpha/dashboards/home/", headers=HTMX).content.decode()
    )
    assert 'id="tile-volume"' in exec_home
    ops_home = (
        signed_in(personas["ops_lead"])
        .get("/w/alpha/dashboards/home/", headers=HTMX)
        .content.decode()
    )
    assert "Notice deadlines" in ops_home and "Tool requests" in ops_home and "Waste" in ops_home
    assert "Next planning session" in ops_home
    pm_home = (
        signed_in(personas["pm"]).get("/w/alpha/dashboards/home/", headers=HTMX).content.decode()
    )
    assert "Untriaged" in pm_home and "Assigned to me" in pm_home and "Ideas I own" in pm_home
    backlog = FeedbackItem.objects.filter(workspace=data.workspace, status=Status.NEW).count()
    assert f'?status=new">{backlog}</a>' in pm_home
    home = signed_in(personas["admin"]).get("/w/alpha/").content.decode()
    assert 'hx-get="/w/alpha/dashboards/home/"' in home


def test_a_manual_refresh_is_for_ops_and_throttled(ops_lead, exec_, data):
    client = signed_in(ops_lead)
    first = client.post("/w/alpha/dashboards/refresh/", HTTP_HX_REQUEST="true")
    assert first.status_code == 202
    assert "Refresh queued" in first.content.decode()
    again = client.post("/w/alpha/dashboards/refresh/", HTTP_HX_REQUEST="true")
    assert again.status_code == 429
    assert int(again["Retry-After"]) > 0
    assert signed_in(exec_).post("/w/alpha/dashboards/refresh/").status_code == 403


def test_the_top_ideas_tile_draws_each_ideas_weeks_as_the_idea_pages_do(exec_, data):
    """The tile reads the rollup, the idea pages the rows: both draw the same sparkline."""
    from feedback.models import Idea
    from feedback.selectors.trends import weekly_mentions
    from productops.sparkline import sparkline

    idea = Idea.objects.get(workspace=data.workspace)
    weekly = weekly_mentions(workspace=data.workspace, idea_ids=[idea.pk])[idea.pk]
    assert sum(weekly) > 0  # the line has something to show

    html = _tile(signed_in(exec_), "ideas", "range=90d").content.decode()

    line = sparkline(weekly, what="Mentions a week, last 12 weeks")
    assert f'<a href="/w/alpha/ideas/{idea.pk}/">{idea.title}</a> <svg class="sparkline"' in html
    assert f'aria-label="{line.label}"' in html and f'points="{line.points}"' in html


def test_a_pms_home_draws_the_weeks_of_the_ideas_they_own(pm, data):
    """The Home reads the rollup: its line is the last 8 of the weeks the idea pages count."""
    from feedback.models import Idea
    from feedback.selectors.trends import weekly_mentions
    from productops.sparkline import sparkline

    idea = Idea.objects.get(workspace=data.workspace)
    Idea.objects.filter(pk=idea.pk).update(owner=pm.user)
    refresh.rebuild_all(workspace_id=data.workspace.pk)
    weekly = weekly_mentions(workspace=data.workspace, idea_ids=[idea.pk])[idea.pk][-8:]
    assert sum(weekly) > 0

    html = signed_in(pm).get("/w/alpha/dashboards/home/", headers=HTMX).content.decode()

    line = sparkline(weekly, what="Mentions a week, last 8 weeks")
    assert f'aria-label="{line.label}"' in html and f'points="{line.points}"' in html


COUNTED_LINK = re.compile(r'<a [^>]*href="(/w/alpha/feedback/\?[^"]*)"[^>]*>([\d,]+)</a>')
# Any number a tile links anywhere: the inbox, the ideas list, the tools list...
ANY_COUNTED_LINK = re.compile(r'<a [^>]*href="(/w/alpha/[^"]*)"[^>]*>([\d,]+)</a>')
LISTS = {
    "/w/alpha/feedback/",
    "/w/alpha/ideas/",
    "/w/alpha/planning/decisions/",
    "/w/alpha/tools/renewals/",
}


def _listed(href: str, actor, workspace) -> int:
    """How many rows the list at `href` holds, read through that list's own filters."""
    from feedback.selectors import ideas as idea_selectors

    path, _, query = unescape(href).partition("?")
    params = QueryDict(query)
    if path == "/w/alpha/feedback/":
        form = InboxFilterForm(params, actor=actor)
        assert form.is_valid(), (href, form.errors)
        return inbox_selectors.filtered(workspace=workspace, filters=form.filters()).count()
    if path == "/w/alpha/ideas/":
        filters = idea_selectors.IdeaFilters.from_params(params)
        return idea_selectors.ideas(workspace=workspace, filters=filters).count()
    if path == "/w/alpha/planning/decisions/":
        from planning.selectors.decisions import DecisionFilters, decision_list

        filters = DecisionFilters.from_params(params)
        return decision_list(workspace=workspace, filters=filters).total
    if path == "/w/alpha/tools/renewals/":
        from inventory.selectors.renewals import renewals_due

        return renewals_due(
            workspace=workspace,
            days=int(params.get("days", 90)),
            renewing=params.get("renewing") == "yes",
        ).count()
    raise AssertionError(f"a number links to {href}: say here how to count that list")


def _row_count(tile, row: list) -> int | None:
    """The count a linked table row shows for the list it opens: its linked cell when that is
    a count, else its one count cell with a value (the triage ages: Backlog); None when the row
    shows no count (a category's spend)."""
    if tile.columns[tile.link_column - 1].unit == "count":
        return row[tile.link_column - 1]
    counts = [v for v, c in zip(row, tile.columns, strict=True) if c.unit == "count" and v != ""]
    assert len(counts) <= 1, (tile.name, row, "which count does this row's link open?")
    return counts[0] if counts else None


NARROWINGS = ["", "segment", "source", "area"]


def _narrowing(kind: str, workspace) -> str:
    """A segment, source or area that some of the items have (so a tile that ignored it
    would count more than its filtered list)."""
    if not kind:
        return ""
    items = FeedbackItem.objects.filter(workspace=workspace).exclude(status=Status.SPAM)
    if kind == "segment":
        return "&segment=Enterprise"
    if kind == "source":
        return f"&source={items.order_by('id')[0].source_id}"
    area = items.exclude(product_area=None).order_by("id").first()
    return f"&area={area.product_area_id}" if area else "&area=none"


def _renewing_soon(writer, days: int, *, retired: bool = False, cancel: bool = False) -> None:
    """A tool whose current contract renews in `days`; retired, or decided cancel."""
    from inventory.services import contracts, tools

    today = clock.workspace_today(writer.workspace)
    tool = tools.tool_create(actor=writer.actor, name=f"Renewing {days}", category="Design")
    contract = contracts.contract_create(
        actor=writer.actor,
        tool=tool,
        billing_period="annual",
        cost=1200,
        currency="USD",
        start_date=today - timedelta(days=300),
        renewal_date=today + timedelta(days=days),
        seats_bought=5,
        seats_used=3,
    )
    if cancel:
        contracts.renewal_decide(
            actor=writer.actor, contract=contract, decision="cancel", reason="Unused"
        )
    if retired:
        tool.refresh_from_db()
        tools.tool_update(
            actor=writer.actor, tool=tool, expected_version=tool.version, status="retired"
        )


def _commitments(writer) -> None:
    """Committed today, so in every range's quarters: an idea with counted evidence, one
    without, and one without links merged into the first afterwards (its demand now)."""
    from feedback.services import ideas as idea_services
    from planning.models import PlanningSession, SessionKind
    from planning.services import agenda, decisions, sessions

    actor = writer.actor
    item = FeedbackItem.objects.filter(workspace=writer.workspace, status=Status.NEW).first()
    asked = idea_services.idea_create(actor=actor, title="Asked for")
    idea_services.idea_link(actor=actor, idea=asked, items=[item])
    unasked = idea_services.idea_create(actor=actor, title="Nobody asked")
    merged = idea_services.idea_create(actor=actor, title="Asked for, merged")
    session = sessions.session_create(
        actor=actor,
        kind=SessionKind.PRIORITISATION,
        settings=sessions.SessionSettings(title="Commitments"),
    )
    items = [
        agenda.agenda_add(actor=actor, session=session, idea=i) for i in (asked, unasked, merged)
    ]
    sessions.session_start(actor=actor, session=session)
    for agenda_item in items:
        decisions.decision_record(
            actor=actor,
            session=PlanningSession.objects.get(pk=session.pk),
            item=agenda_item,
            outcome="commit",
        )
    idea_services.idea_merge(actor=actor, idea=merged, into=asked)


@pytest.mark.parametrize("narrowed_by", NARROWINGS)
def test_every_count_a_tile_links_to_the_inbox_is_the_length_of_that_list(exec_, data, narrowed_by):
    """Spam, triaged and archived items among the rows, with no filter and with a segment, a
    source or an area: each count a tile links to a list (a figure whatever it shows, a share
    or "3 · $1,200"; a table row) equals the length of the list it opens, filtered the same
    way. Committed decisions with and without demand, renewals decided cancel and retired."""
    from dashboards.filters import DashboardFilterForm

    for _ in range(12):
        data.triage()
    data.bulk()
    for _ in range(4):  # ideas without demand, and some shipped or declined
        data.idea()
    for _ in range(6):
        data.link()
        data.idea_status()
        data.decide()
    data.decide(outcome="commit")  # at least one, whatever the seed chose
    _commitments(data)
    for days, retired, cancel in ((10, False, False), (60, False, True), (80, True, False)):
        _renewing_soon(data, days, retired=retired, cancel=cancel)
    spam = FeedbackItem.objects.filter(workspace=data.workspace).exclude(status=Status.SPAM)[0]
    triage_services.feedback_update(
        actor=data.actor, item=spam, expected_version=spam.version, status=Status.SPAM
    )
    refresh.refresh_changed(workspace_id=data.workspace.pk)
    client = signed_in(exec_)

    narrowing = _narrowing(narrowed_by, data.workspace)
    query = f"range=90d{narrowing}"
    form = DashboardFilterForm(
        QueryDict(query), workspace=data.workspace, today=clock.workspace_today(data.workspace)
    )
    assert form.is_valid(), form.errors
    checked: set[str] = set()
    for name in selectors.TILES:
        html = unescape(_tile(client, name, query).content.decode())
        tile = selectors.tile(workspace=data.workspace, name=name, filters=form.filters())
        counted = [(f.label, f.value, f.link) for f in tile.figures if f.link and f.unit == "count"]
        for row, link in zip(tile.rows, tile.row_links or [""] * len(tile.rows), strict=True):
            if link.split("?")[0] in LISTS and (count := _row_count(tile, row)) is not None:
                counted.append((row[0], count, link))
        for label, count, link in counted:
            assert f'href="{link}"' in html, (name, label, link)  # the page links it
            assert count == _listed(link, exec_.actor, data.workspace), (name, label, link)
            assert client.get(link).status_code == 200
            if count:
                checked.add(link.split("?")[0])
        # and any number the page links that the tile did not declare a count of
        for href, shown in ANY_COUNTED_LINK.findall(html):
            assert int(shown.replace(",", "")) == _listed(href, exec_.actor, data.workspace)
    # each kind of list compared at least once with some rows in it
    assert checked == LISTS


def test_a_tile_says_which_of_the_chosen_filters_it_does_not_apply(exec_, data):
    source = Source.objects.filter(workspace=data.workspace).first()
    client = signed_in(exec_)
    narrowed = f"range=90d&segment=Enterprise&source={source.pk}&area=none"
    triage = _tile(client, "triage", narrowed).content.decode()
    assert "the segment, source and area filters do not apply here" in triage
    ideas = _tile(client, "ideas", narrowed).content.decode()
    assert "the segment and source filters do not apply here" in ideas
    volume = _tile(client, "volume", narrowed).content.decode()
    assert "do not apply here" not in volume and "does not apply here" not in volume
    assert "does not apply here" not in _tile(client, "triage", "range=90d").content.decode()
    api = client.get(f"/api/v1/w/alpha/metrics/tools/?{narrowed}").json()
    assert api["covers"].endswith("the segment, source and area filters do not apply here")


def test_a_filtered_tile_links_to_the_inbox_filtered_the_same_way(exec_, data):
    source = Source.objects.filter(workspace=data.workspace).first()
    narrowed = f"segment=Enterprise&source={source.pk}&area=none"
    html = _tile(signed_in(exec_), "volume", f"range=90d&{narrowed}").content.decode()
    links = [unescape(href) for href, _ in COUNTED_LINK.findall(html)]
    assert links
    assert all(link.endswith(f"&{narrowed}") for link in links), links


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("segment=Nope", "segment", "No account has the segment “Nope”."),
        ("source=999999", "source", "There is no source 999999 in this workspace."),
        ("area=999999", "area", "There is no product area 999999 in this workspace."),
    ],
)
def test_a_segment_source_or_area_the_workspace_lacks_gets_a_400_naming_it(
    exec_, data, query, field, message
):
    client = signed_in(exec_)
    page = client.get(f"/w/alpha/dashboards/?{query}")
    assert page.status_code == 400
    assert f"<strong>{field}</strong>: {message}" in page.content.decode()
    assert _tile(client, "volume", query).status_code == 400
    api = client.get(f"/api/v1/w/alpha/metrics/volume/?{query}")
    assert api.status_code == 400 and field in api.json()["error"]["fields"]


def test_days_given_make_the_range_custom_and_a_preset_keeps_no_days(exec_, data):
    from dashboards.filters import DashboardFilterForm

    today = clock.workspace_today(data.workspace)
    form = DashboardFilterForm(
        QueryDict("range=30d&since=2026-01-01&until=2026-01-10"),
        workspace=data.workspace,
        today=today,
    )
    assert form.is_valid()
    filters = form.filters()
    assert (filters.preset, filters.since.isoformat(), filters.until.isoformat()) == (
        "custom",
        "2026-01-01",
        "2026-01-10",
    )
    assert filters.query()["range"] == "custom"

    client = signed_in(exec_)
    contradicting = client.get("/w/alpha/dashboards/?range=90d&since=2026-01-01&until=2026-01-10")
    assert contradicting.status_code == 302
    assert contradicting["Location"] == (
        "/w/alpha/dashboards/?range=custom&since=2026-01-01&until=2026-01-10"
    )
    preset = client.get("/w/alpha/dashboards/?range=90d").content.decode()
    assert '<option value="90d" selected>' in preset
    # the preset's days are not in the boxes, so applying another preset sends none
    assert 'name="since" value=""' in preset and 'name="until" value=""' in preset
    custom = client.get(
        "/w/alpha/dashboards/?range=custom&since=2026-01-01&until=2026-01-10"
    ).content.decode()
    assert '<option value="custom" selected>' in custom
    assert 'name="since" value="2026-01-01"' in custom
    assert "tiles/volume/?range=custom&amp;since=2026-01-01&amp;until=2026-01-10" in custom
    assert "js/dashboard_filters.js" in custom


def test_every_link_in_every_tile_opens_a_whole_page(exec_, data):
    """A normal GET of each link a tile holds (figures, rows, trends; not its CSV) answers a
    full page with its <main>, never a fragment (the planning board's decision badges were)."""
    for _ in range(3):
        data.idea()
        data.link()
        data.idea_status()
        data.decide()
    refresh.refresh_changed(workspace_id=data.workspace.pk)
    client = signed_in(exec_)
    opened = set()
    for name in selectors.TILES:
        html = _tile(client, name, "range=12m").content.decode()
        for href in re.findall(r'<a [^>]*href="([^"]+)"', html):
            href = unescape(href)
            if ".csv" in href or href in opened:
                continue
            page = client.get(href)
            body = page.content.decode()
            assert page.status_code == 200, (name, href, page.status_code)
            assert "<html" in body and "<main" in body, (name, href)
            opened.add(href)
    assert len(opened) >= 8
    # the ideas list's link-only filters refuse what they cannot read, naming it
    for bad in ("category=banana", "changed_since=yesterday", "demand=maybe"):
        refused = client.get(f"/w/alpha/ideas/?{bad}")
        assert refused.status_code == 400 and bad.split("=")[0] in refused.content.decode()


def test_the_decisions_page_runs_the_same_queries_as_decisions_grow(exec_, data, count_queries):
    url = "/w/alpha/planning/decisions/?outcome=commit&since=2000-01-01&until=2100-01-01&demand=yes"
    client = signed_in(exec_)
    data.decide()
    few, _ = count_queries(client, url)
    for _ in range(8):
        data.idea()
        data.link()
        data.decide()
    many, page = count_queries(client, url)
    assert many == few
    assert "<h1>Decisions</h1>" in page.content.decode()
    assert client.get("/w/alpha/planning/decisions/?outcome=maybe").status_code == 400


def test_the_decisions_page_lists_only_commitments_backed_by_demand_when_asked(exec_, data):
    _commitments(data)
    client = signed_in(exec_)

    def titles(query: str) -> list[str]:
        page = client.get(f"/w/alpha/planning/decisions/?{query}")
        assert page.status_code == 200
        return re.findall(r'<a href="/w/alpha/ideas/\d+/">([^<]+)</a>', page.content.decode())

    every = titles("outcome=commit")
    assert {"Asked for", "Nobody asked", "Asked for, merged"} <= set(every)
    backed = titles("outcome=commit&demand=yes")
    assert "Asked for" in backed and "Asked for, merged" in backed  # its demand moved on
    assert "Nobody asked" not in backed
    page = client.get("/w/alpha/planning/decisions/?outcome=commit&demand=yes").content.decode()
    assert "to commit on ideas backed by customer demand" in page
    # demand=no: the others, as the ideas' own filter reads it; any: all of them
    unbacked = titles("outcome=commit&demand=no")
    assert "Nobody asked" in unbacked and not {"Asked for", "Asked for, merged"} & set(unbacked)
    assert sorted(titles("outcome=commit&demand=any")) == sorted(every)
    page = client.get("/w/alpha/planning/decisions/?outcome=commit&demand=no").content.decode()
    assert "to commit on ideas without customer demand" in page
    assert client.get("/w/alpha/planning/decisions/?demand=maybe").status_code == 400


def test_a_pms_home_says_the_oldest_waiting_item_arrived_today(pm, workspace_a):
    """A count of days reads as a phrase (productops.ages.days_ago): never "(0 days ago)"."""
    triage_data.item(workspace_a, "Arrived this morning", hours_ago=0)
    refresh.rebuild_all(workspace_id=workspace_a.pk)  # the Home reads the rollups

    html = signed_in(pm).get("/w/alpha/dashboards/home/", headers=HTMX).content.decode()

    assert re.search(r"the oldest arrived \d\d \w{3} \(today\)", html), html
