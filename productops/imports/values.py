"""Reading dates and amounts from a column, one rule per column decided from all its values.

A value is never reinterpreted row by row: `03/04/2027` is 3 April or 4 March depending on the
whole column (a day above 12 anywhere fixes the order), and when the column cannot tell, the
person importing chooses, with the workspace's order as the default. Amounts likewise: the
decimal separator comes from the column (`1.234,56` next to `99,00`), and a cell that is not
exactly an amount (`about 14k`) is a bad row, never the number inside it.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal
from enum import StrEnum

from babel.numbers import NumberFormatError, get_currency_precision, list_currencies, parse_decimal


class DateOrder(StrEnum):
    DAY_FIRST = "dmy"
    MONTH_FIRST = "mdy"


DATE_ORDER_LABELS = {
    DateOrder.DAY_FIRST: "Day first (31/01/2027)",
    DateOrder.MONTH_FIRST: "Month first (01/31/2027)",
}


class Decimals(StrEnum):
    POINT = "."
    COMMA = ","


DECIMAL_LABELS = {Decimals.POINT: "Point (1,234.56)", Decimals.COMMA: "Comma (1.234,56)"}

_NUMERIC_DATE = re.compile(
    r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})"
    r"(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([AaPp]\.?[Mm]\.?)?)?$"
)
_EPOCH = re.compile(r"^\d{9,13}(?:\.\d+)?$")
# A trailing zone word means UTC (`2024-05-01 10:00 UTC`), whatever the workspace's zone.
_ZONE_WORD = re.compile(r"\s*(?:UTC|GMT|Z)$", re.IGNORECASE)
_TEXT_FORMATS = [
    "%b %d, %Y %I:%M %p",
    "%b %d, %Y %H:%M",
    "%b %d, %Y",
    "%B %d, %Y %I:%M %p",
    "%B %d, %Y at %I:%M %p",
    "%B %d, %Y %H:%M",
    "%B %d, %Y",
    "%d %b %Y %H:%M",
    "%d %b %Y",
    "%d %B %Y %H:%M",
    "%d %B %Y",
    "%a, %d %b %Y %H:%M:%S",
    "%a %b %d %Y %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
]
EARLIEST_YEAR, LATEST_YEAR = 1900, 2200


@dataclass(frozen=True)
class ColumnRule:
    """What a column's values decide, or leave open (`None`), for reading its dates and amounts."""

    date_order: DateOrder | None = None
    dates_mixed: bool = False  # both orders are proven by some value: some rows will be bad
    # Some value is a numeric day/month date (`3/1/2024`, `05.03.2024`), so the order matters;
    # a column of ISO dates, epoch milliseconds or month names never needs one.
    numeric_dates: bool = False
    decimals: Decimals | None = None
    decimals_mixed: bool = False

    def as_dict(self) -> dict:
        return {
            "date_order": self.date_order,
            "dates_mixed": self.dates_mixed,
            "numeric_dates": self.numeric_dates,
            "decimals": self.decimals,
            "decimals_mixed": self.decimals_mixed,
        }


# No date or amount a column rule reads is longer ("31/12/2024 11:59:59.999 p.m. UTC" is 33): a
# longer cell is free text, whose digits say nothing about dates or decimals, and skipping it
# keeps the upload of a 100,000-row export from scanning every body character by character.
LONGEST_VALUE = 64
_DIGIT = re.compile(r"\d")


def column_rule(values: list[str]) -> ColumnRule:
    day_first = month_first = numeric = 0
    point = comma = 0
    for text in values:
        text = text.strip()
        if len(text) > LONGEST_VALUE:
            continue
        text = _ZONE_WORD.sub("", text)
        if not text:
            continue
        match = _NUMERIC_DATE.match(text)
        if match:
            numeric += 1
            first, second = int(match[1]), int(match[2])
            if first > 12 and second <= 12:
                day_first += 1
            elif second > 12 and first <= 12:
                month_first += 1
            continue
        if not _DIGIT.search(text):
            continue  # "Great app, thanks." is no amount: its comma and point prove nothing
        evidence = _decimal_evidence(text)
        if evidence == Decimals.POINT:
            point += 1
        elif evidence == Decimals.COMMA:
            comma += 1
    order = None
    if day_first or month_first:
        order = DateOrder.DAY_FIRST if day_first >= month_first else DateOrder.MONTH_FIRST
    decimals = None
    if point or comma:
        decimals = Decimals.POINT if point >= comma else Decimals.COMMA
    return ColumnRule(
        date_order=order,
        dates_mixed=bool(day_first and month_first),
        numeric_dates=bool(numeric),
        decimals=decimals,
        decimals_mixed=bool(point and comma),
    )


def _decimal_evidence(text: str) -> Decimals | None:
    digits = re.sub(r"[^\d.,]", "", text)
    if "." in digits and "," in digits:
        return Decimals.POINT if digits.rfind(".") > digits.rfind(",") else Decimals.COMMA
    for mark, other in ((".", Decimals.COMMA), (",", Decimals.POINT)):
        if mark in digits:
            if digits.count(mark) > 1:
                return other  # repeated: a thousands separator
            after = len(digits) - digits.rfind(mark) - 1
            if after != 3:
                return Decimals(mark)
    return None  # "1.234" or "1,234" alone: either reading is possible


def parse_moment(
    text: str, order: DateOrder | None, zone: tzinfo = UTC, *, order_from: str = "this column's"
) -> datetime:
    """A moment from the forms exports use; a time without a zone is in `zone`.

    Raises ValueError with the reason. `order` reads numeric day/month dates; None means the
    column has not decided, so such a date is refused rather than guessed. `order_from` names
    where the order came from, for the message when a value does not fit it.
    """
    value = text.strip()
    said_utc = bool(_ZONE_WORD.search(value))
    value = _ZONE_WORD.sub("", value)
    if not value:
        raise ValueError("empty")
    moment = _moment(value, order, order_from)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC if said_utc else zone)
    if not (EARLIEST_YEAR <= moment.year <= LATEST_YEAR):
        raise ValueError(f"{text!r} is not a date between {EARLIEST_YEAR} and {LATEST_YEAR}")
    return moment


def parse_single_moment(text: str, default_order: DateOrder, zone: tzinfo) -> datetime:
    """One moment that comes on its own (a webhook's field), not in a column of its kind.

    Read as written when the value says how: RFC 3339 / ISO 8601 (with its offset or Z), unix
    seconds or milliseconds, a day above 12 (`25/03/2024`), a month's name. Only a numeric
    day/month date that could be either (`03/04/2024`) takes `default_order`, the workspace's
    `date_order`. A time without a zone is in `zone` (the workspace's, productops/clock.py);
    a trailing UTC/GMT/Z is UTC. Raises ValueError naming the value: unreadable, not a date in
    that order (`02/30/2024`), or outside 1900-2200.
    """
    # The value is a column of one: it decides its own order when it can, like a column does.
    order = column_rule([text]).date_order or default_order
    return parse_moment(text, order, zone, order_from="the workspace's")


def _moment(value: str, order: DateOrder | None, order_from: str) -> datetime:
    if _EPOCH.match(value):  # unix seconds, or milliseconds (Google Play, JavaScript)
        number = float(value)
        return datetime.fromtimestamp(number / 1000 if number > 1e11 else number, tz=UTC)
    try:
        return datetime.fromisoformat(value)  # RFC 3339 with Z and milliseconds too
    except ValueError:
        pass
    match = _NUMERIC_DATE.match(value)
    if match:
        return _numeric(value, match, order, order_from)
    for fmt in _TEXT_FORMATS:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    raise ValueError(f"{value[:40]!r} is not a date")


def _numeric(value: str, match: re.Match, order: DateOrder | None, order_from: str) -> datetime:
    first, second, year, hour, minute, seconds, half = match.groups()
    if order is None:
        raise ValueError(f"{value!r} could be day first or month first: choose the date order")
    day, month = (first, second) if order == DateOrder.DAY_FIRST else (second, first)
    full_year = int(year) + (2000 if len(year) == 2 else 0)
    hours = int(hour or 0)
    if half:
        if not 1 <= hours <= 12:
            raise ValueError(f"{value!r} has an hour that is not 1 to 12 before AM/PM")
        hours = hours % 12 + (12 if half.lower().startswith("p") else 0)
    try:
        calendar_day = date(full_year, int(month), int(day))
    except ValueError:
        which = "day first" if order == DateOrder.DAY_FIRST else "month first"
        raise ValueError(f"{value!r} is not a date read {which}, {order_from} date order") from None
    try:
        # Built whole, not date + timedelta: `25:00` is refused, never rolled into the next day.
        return datetime.combine(calendar_day, time(hours, int(minute or 0), int(seconds or 0)))
    except ValueError:
        raise ValueError(f"{value!r} has a time of day that does not exist") from None


def parse_day(text: str, order: DateOrder | None) -> date:
    """A calendar date; a date and time at midnight (`2024-02-07 00:00:00`) is its date."""
    moment = parse_moment(text, order)
    if (moment.hour, moment.minute, moment.second) != (0, 0, 0) and not _EPOCH.match(text):
        raise ValueError(f"{text!r} has a time of day; a date is expected")
    return moment.date()


CURRENCY_CODES = frozenset(list_currencies())
# Signs that name one currency. "$", "¥" and "kr" name several: they are read as the
# workspace's currency when it is one of them, else the row asks for the code.
_SIGNS = {
    "€": "EUR",
    "£": "GBP",
    "₹": "INR",
    "₩": "KRW",
    "₽": "RUB",
    "₺": "TRY",
    "₪": "ILS",
    "₫": "VND",
    "฿": "THB",
    "₱": "PHP",
    "zł": "PLN",
    "r$": "BRL",
    "us$": "USD",
    "a$": "AUD",
    "au$": "AUD",
    "c$": "CAD",
    "ca$": "CAD",
    "nz$": "NZD",
    "hk$": "HKD",
    "s$": "SGD",
    "fr.": "CHF",
}
_SHARED_SIGNS = {
    "$": ("USD", "CAD", "AUD", "NZD", "HKD", "SGD", "MXN"),
    "¥": ("JPY", "CNY"),
    "kr": ("SEK", "NOK", "DKK", "ISK"),
}
_AMOUNT = re.compile(
    r"^(?P<before>[^\d\s.,'+-]{1,3}\.?|[A-Za-z]{3})?\s*(?P<sign>[-+]?)\s*"
    r"(?P<number>\d[\d.,'\u00a0\u202f ]*)\s*(?P<scale>[kKmM])?\s*"
    r"(?P<after>[^\d\s.,'+-]{1,3}\.?|[A-Za-z]{3})?$"
)


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def _currency(token: str, default: str) -> str:
    word = token.strip()
    if word.upper() in CURRENCY_CODES and len(word) == 3 and word.isalpha():
        return word.upper()
    if word.lower() in _SIGNS:
        return _SIGNS[word.lower()]
    if word.lower() in _SHARED_SIGNS:
        choices = _SHARED_SIGNS[word.lower()]
        if default in choices:
            return default
        raise ValueError(f"{word!r} could be {', '.join(choices)}: write the currency's code")
    raise ValueError(f"{word!r} is not a currency")


def parse_money(text: str, decimals: Decimals | None, default_currency: str) -> Money:
    """An exact amount and its currency. Raises ValueError with the reason."""
    match = _AMOUNT.match(text.strip())
    if not match or (match["before"] and match["after"]):
        raise ValueError(f"{text!r} is not an exact amount")
    number = re.sub(r"['\u00a0\u202f ]", "", match["number"]).rstrip(".,")
    if decimals is None:
        evidence = _decimal_evidence(number)
        if evidence is None and re.search(r"[.,]", number):
            raise ValueError(
                f"{text!r} could be read with a decimal point or comma: choose the separator"
            )
        decimals = evidence or Decimals.POINT
    locale = "en_US" if decimals == Decimals.POINT else "de_DE"
    try:
        amount = parse_decimal(number, locale=locale, strict=True)
    except NumberFormatError:
        which = "point" if decimals == Decimals.POINT else "comma"
        raise ValueError(f"{text!r} is not an amount with a decimal {which}") from None
    if match["scale"]:
        amount *= 1000 if match["scale"].lower() == "k" else 1_000_000
    if match["sign"] == "-":
        amount = -amount
    token = match["before"] or match["after"]
    currency = _currency(token, default_currency) if token else default_currency
    places = get_currency_precision(currency)
    if amount != amount.quantize(Decimal(1).scaleb(-places)):
        raise ValueError(f"{text!r} has more decimals than {currency} has")
    return Money(amount.quantize(Decimal(1).scaleb(-places)), currency)
