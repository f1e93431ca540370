"""How long ago a moment was, the one way every page and message says it.

`age(moment)` is the phrase: "just now" for the last minute, then "5 min ago", "3 hours ago",
"2 days ago", "4 months ago", "1 year ago" (a builtin filter too: `{{ item.triaged_at|age }}`).
`age_short(moment)` is the same count for the inbox's narrow age column: "now", "5m", "3h".
`days_ago(days)` says a count of whole days (a date's, in the workspace's calendar): "today",
"yesterday", "3 days ago" (the `days_ago` filter).
Neither is ever followed by "ago" in a template: the phrase carries it.
"""

from datetime import datetime

from django.utils import timezone

# (seconds in the unit, the short unit, the unit in words): largest first; a month is 30 days.
UNITS = (
    (31536000, "y", "year"),
    (2592000, "mo", "month"),
    (86400, "d", "day"),
    (3600, "h", "hour"),
    (60, "m", "min"),
)


def _count(moment: datetime, now: datetime | None) -> tuple[int, str, str] | None:
    """(how many, short unit, unit in words) of the largest whole unit since `moment`; None
    under a minute (or a moment still to come: a clock a little ahead)."""
    seconds = int(((now or timezone.now()) - moment).total_seconds())
    for size, short, word in UNITS:
        if seconds >= size:
            return seconds // size, short, word
    return None


def age(moment: datetime, now: datetime | None = None) -> str:
    counted = _count(moment, now)
    if counted is None:
        return "just now"
    count, _, word = counted
    plural = "s" if count != 1 and word != "min" else ""
    return f"{count} {word}{plural} ago"


def age_short(moment: datetime, now: datetime | None = None) -> str:
    counted = _count(moment, now)
    if counted is None:
        return "now"
    count, short, _ = counted
    return f"{count}{short}"


def days_ago(days: int) -> str:
    if days <= 0:
        return "today"
    return "yesterday" if days == 1 else f"{days} days ago"
