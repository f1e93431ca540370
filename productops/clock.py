"""The workspace's clock: every "today", deadline, default date and day boundary comes from here.

Timestamps are stored in UTC; days are the workspace's. At 17:10 UTC on 30 November it is
already 1 December in Auckland and still the morning of the 30th in Los Angeles, so the server's
date (`date.today()`, `timezone.localdate()`, `now().date()`) is never the right one.
"""

from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.core.exceptions import ValidationError
from django.utils import timezone

DEFAULT_TIME_ZONE = "UTC"


class HasTimeZone(Protocol):
    time_zone: str


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone(workspace: HasTimeZone) -> ZoneInfo:
    try:
        return _zone(workspace.time_zone or DEFAULT_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        # A zone removed from a later tz database must not take the workspace down.
        return _zone(DEFAULT_TIME_ZONE)


def workspace_now(workspace: HasTimeZone) -> datetime:
    """The current moment as an aware datetime in the workspace's zone."""
    return timezone.now().astimezone(zone(workspace))


def workspace_today(workspace: HasTimeZone) -> date:
    return workspace_now(workspace).date()


def workspace_date(workspace: HasTimeZone, moment: datetime) -> date:
    """The workspace's calendar day on which an aware moment falls."""
    return moment.astimezone(zone(workspace)).date()


def day_start(workspace: HasTimeZone, day: date) -> datetime:
    """The first moment of `day` in the workspace's zone (aware; compare with stored UTC)."""
    return datetime.combine(day, time.min, tzinfo=zone(workspace))


def local_day_sql(column: str, zone_param: str = "tz") -> str:
    """SQL for the workspace's calendar day (a date) on which the timestamptz `column` falls;
    the zone name is the query's named parameter `zone_param`. The SQL twin of workspace_date."""
    return f"({column} AT TIME ZONE %({zone_param})s)::date"


def day_start_sql(day_param: str, zone_param: str = "tz") -> str:
    """SQL for the first moment (timestamptz) of the date parameter `day_param` in the zone
    named by `zone_param`. The SQL twin of day_start: the next day's start is a day's end."""
    return f"(%({day_param})s::date::timestamp AT TIME ZONE %({zone_param})s)"


def day_end(workspace: HasTimeZone, day: date) -> datetime:
    """The first moment after `day` in the workspace's zone: filter with `< day_end(...)`.

    The next day's start, not a day's length after this one's, so days of 23 or 25 hours
    (daylight saving changes) are whole. The last representable day ends at the end of time.
    """
    if day >= date.max:
        return datetime.max.replace(tzinfo=zone(workspace))
    return day_start(workspace, day + timedelta(days=1))


def day_range(workspace: HasTimeZone, first: date, last: date) -> tuple[datetime, datetime]:
    """[start, end) of the days `first` through `last` inclusive, for `received_at` filters."""
    return day_start(workspace, first), day_end(workspace, last)


def days_ago(workspace: HasTimeZone, days: int) -> datetime:
    """The start of the workspace's day `days` before today: "the last 30 days" begins here."""
    return day_start(workspace, workspace_today(workspace) - timedelta(days=days))


def days_anywhere() -> tuple[date, date]:
    """The earliest and the latest date that is today somewhere (zones run from UTC-12 to
    UTC+14), for work that sweeps every workspace in one query before taking each one's day."""
    now = timezone.now()
    return (now - timedelta(hours=12)).date(), (now + timedelta(hours=14)).date()


def is_future_day(workspace: HasTimeZone, day: date) -> bool:
    return day > workspace_today(workspace)


@cache
def time_zone_names() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in time_zone_names()]


def validate_time_zone(name: str) -> str:
    """The IANA zone name as given, or a ValidationError on `time_zone`."""
    name = (name or "").strip()
    if name not in time_zone_names():
        raise ValidationError(
            {"time_zone": "Choose a time zone from the list, e.g. Europe/London."}
        )
    return name
