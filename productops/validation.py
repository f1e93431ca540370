"""What a value may be, declared once per field and read by every channel.

Forms, API serializers, list filters, query parameters and CSV importers all take their bounds
from here, so a number or date one channel refuses is refused by all of them, and nothing
reaches Postgres that a column cannot hold (an `integer` past 2,147,483,647, a date in the year
1 or 9999 that overflows when a day is added) or that a person never meant (seats in the
billions, a contract from the year 1).

    from productops.validation import SEATS, CONTRACT_DAY
    seats_used = SEATS.form_field(label="Seats in use")        # a Django form field
    seats_used = SEATS.serializer_field(required=False)        # a DRF serializer field
    seats = SEATS.clean(row["seats"], field="seats")           # an importer's cell
    days = RENEWALS_AHEAD.query(request.GET, "days", default=90)  # a list parameter: 400 if bad

`clean()` and `query()` raise Django's `ValidationError` with the field's name, which the API's
exception handler answers as a 400 with `error.fields[name]` and an importer reports as the
row's reason.
"""

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, overload
from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from rest_framework import serializers

# The widest whole number a Postgres `integer` column holds; ids are `bigint`.
INTEGER_MAX = 2_147_483_647
BIGINT_MAX = 9_223_372_036_854_775_807

# Text Postgres cannot store: a NUL character (in text, varchar or JSON strings).
NUL = "\x00"


class _Rule[T]:
    """What Whole, Day and Choice share: `clean` a value, or read one from a query string."""

    def clean(self, value: Any, *, field: str | None = None) -> T:
        raise NotImplementedError

    @overload
    def query(self, params, name: str, *, default: T) -> T: ...
    @overload
    def query(self, params, name: str, *, default: None = None) -> T | None: ...
    def query(self, params, name: str, *, default: T | None = None) -> T | None:
        """The query parameter `name` from a QueryDict: `default` when absent or empty, else
        `clean` of it (ValidationError naming `name`)."""
        raw = params.get(name, "")
        if raw in ("", None):
            return default
        return self.clean(raw, field=name)


@dataclass(frozen=True)
class Whole(_Rule[int]):
    """A whole number between `min_value` and `max_value`, both included."""

    min_value: int
    max_value: int
    unit: str = ""

    @property
    def message(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        return f"Give a whole number from {self.min_value:,} to {self.max_value:,}{unit}."

    def form_field(self, **kwargs: Any) -> forms.IntegerField:
        kwargs.setdefault("error_messages", {}).setdefault("invalid", self.message)
        return forms.IntegerField(min_value=self.min_value, max_value=self.max_value, **kwargs)

    def serializer_field(self, **kwargs: Any) -> serializers.IntegerField:
        return serializers.IntegerField(
            min_value=self.min_value, max_value=self.max_value, **kwargs
        )

    def clean(self, value: Any, *, field: str | None = None) -> int:
        """`value` (text or a number) as an int, or ValidationError naming `field`."""
        try:
            number = value if isinstance(value, int) else int(str(value).strip().replace(",", ""))
        except (TypeError, ValueError):
            raise _invalid(self.message, field) from None
        if isinstance(number, bool) or not self.min_value <= number <= self.max_value:
            raise _invalid(self.message, field)
        return number


@dataclass(frozen=True)
class Day(_Rule[date]):
    """A calendar date within a sane span of years."""

    earliest: date
    latest: date

    @property
    def message(self) -> str:
        return (
            f"Give a date (YYYY-MM-DD) from {self.earliest.isoformat()} "
            f"to {self.latest.isoformat()}."
        )

    def form_field(self, **kwargs: Any) -> forms.DateField:
        return forms.DateField(validators=[self.validate], **kwargs)

    def serializer_field(self, **kwargs: Any) -> serializers.DateField:
        return serializers.DateField(validators=[self.validate], **kwargs)

    def validate(self, value: date) -> None:
        if isinstance(value, datetime):
            value = value.date()
        if not self.earliest <= value <= self.latest:
            raise ValidationError(self.message, code="out_of_range")

    def clean(self, value: Any, *, field: str | None = None) -> date:
        """`value` (a date or ISO text) as a date, or ValidationError naming `field`."""
        if isinstance(value, datetime):
            value = value.date()
        if not isinstance(value, date):
            try:
                value = date.fromisoformat(str(value).strip())
            except ValueError:
                raise _invalid(self.message, field) from None
        if not self.earliest <= value <= self.latest:
            raise _invalid(self.message, field)
        return value


@dataclass(frozen=True)
class Choice(_Rule[str]):
    """One of a fixed set of words (a `sort`, a tab)."""

    choices: tuple[str, ...]

    @property
    def message(self) -> str:
        return "Choose one of: " + ", ".join(self.choices) + "."

    def clean(self, value: Any, *, field: str | None = None) -> str:
        if value not in self.choices:
            raise _invalid(self.message, field)
        return value


@dataclass(frozen=True)
class Text(_Rule[str]):
    """Free text of at most `max_length` characters, surrounding spaces aside. Longer is refused
    naming the limit, never cut: a search for a cut value would answer for what nobody asked."""

    max_length: int

    @property
    def message(self) -> str:
        return f"Give at most {self.max_length:,} characters."

    def form_field(self, **kwargs: Any) -> forms.CharField:
        return forms.CharField(max_length=self.max_length, **kwargs)

    def too_long(self, text: str) -> str | None:
        """The message refusing `text` if it is longer than allowed, else None (for a service
        that gathers its fields' errors before raising them together)."""
        if len(text) > self.max_length:
            return f"{self.message} This has {len(text):,}."
        return None

    def clean(self, value: Any, *, field: str | None = None) -> str:
        """`value` as text, surrounding spaces aside; ValidationError naming `field` if longer."""
        text = str(value).strip()
        if message := self.too_long(text):
            raise _invalid(message, field)
        return text


def _invalid(message: str, field: str | None) -> ValidationError:
    if field:
        return ValidationError({field: [message]}, code="invalid")
    return ValidationError(message, code="invalid")


# Whole numbers, by the field they bound.

ID = Whole(1, BIGINT_MAX)
VERSION = Whole(1, INTEGER_MAX)
# Seats bought, in use or needed: a very large company, with room to spare, far below the column.
SEATS = Whole(0, 10_000_000, "seats")
SEATS_NEEDED = Whole(1, 10_000_000, "seats")
# A multi-year contract's length: more than a year, at most ten.
TERM_MONTHS = Whole(13, 120, "months")
NOTICE_DAYS = Whole(0, 365, "days")
REMINDER_DAY = Whole(1, 365, "days")
UTILISATION_THRESHOLD = Whole(1, 100, "%")
# How far ahead a renewal list or filter looks.
RENEWAL_WITHIN = Whole(0, 3_650, "days")
RENEWALS_AHEAD = Whole(1, 730, "days")
BOARD_POSITION = Whole(0, 30_000)
# A review's star rating (app stores, G2, Capterra): one to five stars.
STAR_RATING = Whole(1, 5, "stars")
# One page of a list: the API's and the pages' `limit`.
PAGE_LIMIT = Whole(1, 500)
# A list's text filter or a search box's query (q, segment, team, verb...): every reader.
FILTER_TEXT = Text(200)
BAD_CURSOR = "This cursor is not one this list gave out; start again without it."

# Dates, by the field they bound. Nothing we hold is older than 1970 or later than 2100, and the
# span leaves room for a filter's "until + 1 day" without ever leaving Python's or Postgres's range.

EARLIEST_DAY = date(1970, 1, 1)
LATEST_DAY = date(2100, 12, 31)
# A day a list is filtered by (since/until, renews before/after).
FILTER_DAY = Day(EARLIEST_DAY, LATEST_DAY)
# A contract's start and renewal dates.
CONTRACT_DAY = Day(date(1990, 1, 1), LATEST_DAY)
# The day seat use was counted (never in the future: the service checks against the
# workspace's today).
USAGE_DAY = Day(date(1990, 1, 1), LATEST_DAY)
# When a piece of feedback was received (imports may bring old history).
RECEIVED_DAY = Day(EARLIEST_DAY, LATEST_DAY)
# ...and never later than now, give or take a sender's clock or zone slip: a received time a day
# or more ahead is a wrong year or a wrong date order, and would sit atop the inbox until then.
RECEIVED_AHEAD = timedelta(days=1)


def check_received(moment: datetime) -> None:
    """ValidationError unless `moment` (aware) is within RECEIVED_DAY and at most RECEIVED_AHEAD
    after now."""
    RECEIVED_DAY.validate(moment)
    if moment > timezone.now() + RECEIVED_AHEAD:
        raise ValidationError(
            f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC is in the future: feedback is received"
            " at the latest now.",
            code="in_the_future",
        )


# Planning: a capacity plan's period, its working days and a member's share; evidence decay.
PLANNING_DAY = Day(date(2000, 1, 1), LATEST_DAY)
WORKING_DAYS = Whole(1, 366, "days")
AVAILABILITY = Whole(0, 100, "%")
HALF_LIFE_DAYS = Whole(1, 3_650, "days")


# Links: one rule for every channel (forms, API, CSV importers, webhooks) and for every template
# that turns a stored URL into a link.

LINK_SCHEMES = ("http", "https")
LINK_MESSAGE = "Give a web address starting with http:// or https://."
_link_validator = URLValidator(schemes=list(LINK_SCHEMES), message=LINK_MESSAGE)


def validate_link(value: str) -> None:
    """A stored link must be http or https: never javascript:, data:, file: and the like."""
    _link_validator(value)


def clean_link(value: Any, *, field: str | None = None) -> str:
    """An importer's or webhook's link cell: '' stays '', a bare host gets https://."""
    text = str(value or "").strip()
    if not text:
        return ""
    if "://" not in text and not re.match(r"^[a-z][a-z0-9+.-]*:", text, re.IGNORECASE):
        text = f"https://{text}"
    try:
        validate_link(text)
    except ValidationError:
        raise _invalid(LINK_MESSAGE, field) from None
    return text


def link_form_field(**kwargs: Any) -> forms.URLField:
    kwargs.setdefault("assume_scheme", "https")
    return forms.URLField(validators=[validate_link], max_length=200, **kwargs)


def link_serializer_field(**kwargs: Any) -> serializers.URLField:
    return serializers.URLField(validators=[validate_link], max_length=200, **kwargs)


def is_safe_link(value: Any) -> bool:
    """True when `value` may be an href: http(s), no control characters (templates' check)."""
    text = str(value or "").strip()
    if not text or any(ord(c) < 32 for c in text):
        return False
    return urlsplit(text).scheme.lower() in LINK_SCHEMES


def has_nul(value: str | bytes) -> bool:
    if isinstance(value, bytes):
        return b"\x00" in value
    return NUL in value


# JSON: one reader for every JSON body (the API's parser, webhooks), with a depth limit, so a
# body of 100,000 `[` is a 400, not a RecursionError.

MAX_JSON_DEPTH = 32


def parse_json(raw: bytes | str) -> Any:
    """The JSON value of `raw`, or ValidationError: not JSON, nested too deep, or holding NUL."""
    try:
        value = json.loads(raw)
    except RecursionError:
        raise ValidationError(_too_deep_message(), code="too_deep") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise ValidationError(f"The body is not JSON: {error}", code="parse_error") from None
    check_json(value)
    return value


def check_json(value: Any) -> None:
    """Refuses a parsed JSON value nested past MAX_JSON_DEPTH or holding a NUL character."""
    pending = [(value, 1)]
    while pending:
        node, depth = pending.pop()
        if isinstance(node, dict):
            if depth > MAX_JSON_DEPTH:
                raise ValidationError(_too_deep_message(), code="too_deep")
            for key, child in node.items():
                if NUL in key:
                    raise ValidationError(NUL_MESSAGE, code="nul")
                pending.append((child, depth + 1))
        elif isinstance(node, list):
            if depth > MAX_JSON_DEPTH:
                raise ValidationError(_too_deep_message(), code="too_deep")
            pending.extend((child, depth + 1) for child in node)
        elif isinstance(node, str) and NUL in node:
            raise ValidationError(NUL_MESSAGE, code="nul")


def _too_deep_message() -> str:
    return f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep."


NUL_MESSAGE = "The request holds a NUL character (\\u0000), which no text field can store."
