"""The trend as a sparkline: each idea's mentions a week over the last 12 weeks, on the ideas
list, the board and the idea's page, drawn server-side with its numbers as text."""

from datetime import datetime, time, timedelta

import pytest

from feedback.models import IdeaLink, Status
from feedback.selectors.trends import weekly_mentions
from productops import clock
from productops.sparkline import sparkline
from tests.conftest import signed_in
from tests.feedback import ideas_data as data
from tests.feedback.factories import IdeaFactory

WHAT = "Mentions a week, last 12 weeks"


def test_the_line_spans_the_box_with_the_peak_at_the_top_and_zero_at_the_bottom():
    line = sparkline([0, 2, 4], what="Mentions")

    assert line.points == "2,18 40,10 78,2"
    assert (line.last_x, line.last_y) == (78, 2)
    assert line.label == "Mentions: 0, 2, 4 (latest 4, peak 4)"


def test_a_series_of_zeros_lies_flat_on_the_bottom_and_one_value_sits_in_the_middle():
    assert sparkline([0, 0, 0], what="x").points == "2,18 40,18 78,18"
    assert sparkline([5], what="x").points == "40,2"
    with pytest.raises(ValueError):
        sparkline([], what="x")


def _at(workspace, day, hour, minute=0):
    """A moment on the workspace's wall clock."""
    return datetime.combine(day, time(hour, minute), tzinfo=clock.zone(workspace))


@pytest.fixture
def asked(workspace_a):
    """An idea asked for in known weeks of a workspace west of UTC, where a Sunday evening is
    already Monday in UTC; and an idea nobody asked for."""
    workspace_a.time_zone = "America/Los_Angeles"
    workspace_a.save()
    today = clock.workspace_today(workspace_a)
    monday = today - timedelta(days=today.weekday())
    idea, quiet = IdeaFactory(workspace=workspace_a), IdeaFactory(workspace=workspace_a)
    moments = [
        _at(workspace_a, monday, 0, 30),  # this week
        _at(workspace_a, monday - timedelta(days=1), 23, 30),  # last week (Monday in UTC)
        _at(workspace_a, monday - timedelta(weeks=11), 1),  # the first week shown
        _at(workspace_a, monday - timedelta(weeks=12), 1),  # before the window
    ]
    items = [data.item(workspace_a, f"ask {n}") for n in range(len(moments))]
    for item, moment in zip(items, moments, strict=True):
        item.received_at = moment
        item.save(update_fields=["received_at"])
        IdeaLink.objects.create(workspace=workspace_a, item=item, idea=idea)
    # A duplicate merged into a linked item counts in its own week; spam never counts.
    duplicate = data.item(workspace_a, "me too", duplicate_of=items[0])
    duplicate.received_at = _at(workspace_a, monday - timedelta(weeks=3), 12)
    duplicate.save(update_fields=["received_at"])
    spam = data.item(workspace_a, "buy pills", status=Status.SPAM)
    IdeaLink.objects.create(workspace=workspace_a, item=spam, idea=idea)
    return idea, quiet


EXPECTED = [1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1]


@pytest.mark.django_db
def test_weekly_mentions_count_demand_by_the_workspaces_weeks(workspace_a, asked):
    idea, quiet = asked

    series = weekly_mentions(workspace=workspace_a, idea_ids=[idea.pk, quiet.pk])

    assert series == {idea.pk: EXPECTED, quiet.pk: [0] * 12}


@pytest.mark.django_db
@pytest.mark.parametrize("where", ["/w/alpha/ideas/", "/w/alpha/ideas/board/", "idea"])
def test_the_list_the_board_and_the_page_draw_the_sparkline_with_its_numbers(
    pm, workspace_a, asked, where
):
    idea, _ = asked
    url = f"/w/alpha/ideas/{idea.pk}/" if where == "idea" else where

    html = signed_in(pm).get(url).content.decode()

    label = f"{WHAT}: {', '.join(map(str, EXPECTED))} (latest 1, peak 1)"
    drawn = sparkline(EXPECTED, what=WHAT)
    assert f'role="img" aria-label="{label}"><title>{label}</title>' in html
    assert f'<polyline points="{drawn.points}"/>' in html
    assert "style=" not in html.split('class="sparkline"', 1)[1].split("</svg>", 1)[0]
