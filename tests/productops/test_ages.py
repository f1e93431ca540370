"""productops.ages: the one way a page or a message says how long ago something was."""

from datetime import UTC, datetime, timedelta

import pytest

from productops.ages import age, age_short, days_ago

NOW = datetime(2026, 12, 1, 6, 53, tzinfo=UTC)


@pytest.mark.parametrize(
    ("before", "phrase", "short"),
    [
        (timedelta(0), "just now", "now"),
        (timedelta(seconds=59), "just now", "now"),
        (timedelta(seconds=-30), "just now", "now"),  # a clock a little ahead
        (timedelta(minutes=1), "1 min ago", "1m"),
        (timedelta(minutes=5, seconds=40), "5 min ago", "5m"),
        (timedelta(hours=1), "1 hour ago", "1h"),
        (timedelta(hours=23, minutes=59), "23 hours ago", "23h"),
        (timedelta(days=1), "1 day ago", "1d"),
        (timedelta(days=29), "29 days ago", "29d"),
        (timedelta(days=30), "1 month ago", "1mo"),
        (timedelta(days=200), "6 months ago", "6mo"),
        (timedelta(days=365), "1 year ago", "1y"),
        (timedelta(days=800), "2 years ago", "2y"),
    ],
)
def test_every_age_reads_as_a_phrase_and_as_the_inbox_column(before, phrase, short):
    assert age(NOW - before, NOW) == phrase
    assert age_short(NOW - before, NOW) == short


def test_a_count_of_days_reads_as_a_phrase():
    assert [days_ago(n) for n in (0, 1, 2, 45)] == [
        "today",
        "yesterday",
        "2 days ago",
        "45 days ago",
    ]


def test_no_template_or_builder_adds_ago_to_an_age():
    """The phrase carries its "ago": "({{ x.age }} ago)" read "(now ago)"."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    files = [*root.glob("templates/**/*.html"), *root.glob("*/templatetags/*.py")]
    doubled = [
        str(f.relative_to(root))
        for f in files
        if re.search(
            r"(\|age|\.age|timesince[^\n]{0,20}|pluralize[^\n]{0,6})\W{0,6}\s+ago\b", f.read_text()
        )
    ]
    assert not doubled
