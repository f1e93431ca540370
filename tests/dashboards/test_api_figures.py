"""The metrics API's numbers as a BI tool reads them: every figure a JSON number (or null) with a
unit, rounded to the unit's stated precision; table cells typed by column, null for none."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client

from dashboards import api_figures, refresh, selectors
from dashboards.filters import DashboardFilters
from dashboards.selectors.shared import UNITS, Column, Figure, duration_text
from productops import clock
from productops.models import User
from tests.conftest import signed_in
from tests.dashboards.writes import Writer

pytestmark = pytest.mark.django_db


def _decimals(number: float) -> int:
    return max(0, -Decimal(repr(number)).normalize().as_tuple().exponent)


def assert_typed(tile: dict) -> None:
    """Every figure and cell of one API tile answer is typed as docs/API.md says."""
    name = tile["tile"]
    assert tile["figures"], name
    for figure in tile["figures"]:
        where = f"{name}: {figure['label']} = {figure!r}"
        assert figure["unit"] in api_figures.UNITS, where
        value = figure["value"]
        assert value is None or type(value) in (int, float), where
        if value is not None:
            assert _decimals(value) <= api_figures.PRECISION[figure["unit"]], where
        assert (figure["currency"] is not None) == (figure["unit"] == "money"), where
        assert figure["share"] is None or type(figure["share"]) in (int, float), where
        assert figure["bound"] in (None, "at_most", "over"), where
        assert isinstance(figure["display"], str) and figure["display"], where
    assert len(tile["column_units"]) == len(tile["columns"]), name
    for row in tile["rows"]:
        assert len(row) == len(tile["columns"]), (name, row)
        assert "" not in row and "-" not in row, (name, row)
        for unit, cell in zip(tile["column_units"], row, strict=True):
            if unit is not None:
                assert cell is None or type(cell) in (int, float), (name, row)
                if cell is not None:
                    assert _decimals(cell) <= api_figures.PRECISION[unit], (name, row)


def test_a_figure_cannot_be_made_without_a_unit():
    with pytest.raises(TypeError, match="unit"):
        Figure("Received", 3, "3")  # type: ignore[call-arg]


@pytest.mark.parametrize("period", ["7d", "90d", "12m"])
def test_every_figure_and_number_column_of_every_tile_carries_a_unit(admin, period):
    """Each selector says what its numbers are: every figure has a unit, and a column whose
    cells are numbers has one too (a text column has none), so a new figure or column cannot
    ship untyped to the page, the CSV or the API."""
    writer = Writer(admin.actor, 12)
    for _ in range(6):
        writer.intake()
    writer.idea()
    writer.link()
    writer.tool()
    workspace = admin.actor.workspace
    refresh.refresh_changed(workspace_id=workspace.pk)
    today = clock.workspace_today(workspace)
    days = {"7d": 6, "90d": 89, "12m": 364}[period]
    filters = DashboardFilters(since=today - timedelta(days=days), until=today, preset=period)
    for name in selectors.TILES:
        tile = selectors.tile(workspace=workspace, name=name, filters=filters)
        assert tile.figures, name
        for figure in tile.figures:
            assert figure.unit in UNITS, (name, figure)
            assert figure.share is None or figure.unit == "count", (name, figure)
        assert all(isinstance(c, Column) and c.unit in (*UNITS, None) for c in tile.columns)
        for row in tile.rows:
            for value, column in zip(row, tile.columns, strict=True):
                if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
                    assert column.unit is not None, (name, column, row)


@pytest.mark.parametrize("period", ["range=7d", "range=90d", "range=12m"])
def test_every_figure_of_every_tile_is_a_number_or_null_with_a_unit(admin, period):
    writer = Writer(admin.actor, 11)
    for _ in range(6):
        writer.intake()
    writer.idea()
    writer.link()
    writer.tool()
    refresh.refresh_changed(workspace_id=admin.actor.workspace.pk)
    client = signed_in(admin)

    for name in selectors.TILES:
        response = client.get(f"/api/v1/w/alpha/metrics/{name}/?{period}")
        assert response.status_code == 200, response.content[:300]
        assert_typed(response.json())


def test_the_demo_figures_read_as_a_bi_tool_needs_them(acme_demo):
    # The trial's findings: hours and days without a unit, unrounded decimal strings, text
    # ("over 7 days", "0%"), counts where the page shows shares, '' beside integers in a column.
    client = Client()
    client.force_login(User.objects.get(email="exec@acme.test"))
    tiles = {
        name: client.get(f"/api/v1/w/acme/metrics/{name}/?range=90d").json()
        for name in selectors.TILES
    }
    for tile in tiles.values():
        assert_typed(tile)

    def figure(tile: str, label: str) -> dict:
        return next(f for f in tiles[tile]["figures"] if f["label"] == label)

    mean = figure("triage", "Mean time to triage")
    assert mean["unit"] == "hours" and mean["display"] == duration_text(mean["value"])
    median = figure("triage", "Median time to triage")
    assert (median["value"], median["unit"], median["bound"]) == (168, "hours", "over")
    assert figure("triage", "Oldest waiting")["unit"] == "days"
    spend = figure("tools", "Spend per active seat")
    assert spend["unit"] == "money" and spend["currency"] == acme_demo.currency
    assert spend["value"] == round(spend["value"], 2)
    shares = [figure("sentiment", s)["share"] for s in ("Positive", "Neutral", "Negative")]
    assert 99 <= sum(shares) <= 101
    backed = figure("roadmap", "Committed backed by demand")
    assert backed["unit"] == "count"
    assert backed["display"] == (f"{backed['share']:.0f}%" if backed["value"] else "-")
    shipped = figure("predictability", "Shipped share")
    assert shipped["unit"] == "percent"
    assert shipped["display"] == ("-" if shipped["value"] is None else f"{shipped['value']:.0f}%")
    triage = tiles["triage"]
    assert triage["column_units"] == [None, "count", "count", "count"]
    assert [row[1] for row in triage["rows"] if row[0].startswith("Waiting")] == [None] * 4
    assert tiles["predictability"]["column_units"][-1] == "percent"
    assert tiles["tools"]["column_units"] == [None, "money"]


def test_the_schema_says_each_figure_has_a_unit(exec_):
    schema = signed_in(exec_).get("/api/schema/?format=json").json()
    figure = schema["components"]["schemas"]["FigureOut"]["properties"]

    unit = schema["components"]["schemas"][figure["unit"]["$ref"].rsplit("/", 1)[-1]]
    assert unit["enum"] == list(api_figures.UNITS)
    assert figure["value"]["type"] == "number" and figure["value"]["nullable"] is True
