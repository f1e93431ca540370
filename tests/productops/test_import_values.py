"""Dates and amounts: one rule per column, decided from all its values; nothing guessed."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from productops.imports.values import (
    DateOrder,
    Decimals,
    Money,
    column_rule,
    parse_day,
    parse_moment,
    parse_money,
)


def test_a_day_above_twelve_anywhere_fixes_the_column_day_first():
    rule = column_rule(["3/1/2024", "13/03/2026", "", "4/5/2025"])
    assert (rule.date_order, rule.dates_mixed) == (DateOrder.DAY_FIRST, False)
    assert parse_day("3/1/2024", rule.date_order).isoformat() == "2024-01-03"


def test_a_month_first_column_is_read_month_first_in_every_row():
    rule = column_rule(["03/04/2027", "12/31/2026"])
    assert rule.date_order == DateOrder.MONTH_FIRST
    assert parse_day("03/04/2027", rule.date_order).isoformat() == "2027-03-04"


def test_a_column_that_cannot_tell_decides_nothing_and_a_date_is_not_guessed():
    rule = column_rule(["03/04/2027", "01/02/2026"])
    assert rule.date_order is None
    with pytest.raises(ValueError, match="choose the date order"):
        parse_day("03/04/2027", None)


@pytest.mark.parametrize(
    "values",
    [
        ["1709251200000", "1709337600000"],  # Google Play's Review Submit Millis Since Epoch
        ["2024-03-01T00:00:00Z", "2024-03-02 10:00"],
        ["Mar 5, 2024", "5 March 2024"],
    ],
)
def test_a_column_without_numeric_day_month_dates_needs_no_order(values):
    rule = column_rule(values)
    assert (rule.numeric_dates, rule.date_order) == (False, None)


def test_a_column_with_a_numeric_date_needs_its_order():
    assert column_rule(["1709251200000", "03/04/2027"]).numeric_dates


def test_a_column_with_both_orders_says_so_and_misfits_are_refused():
    rule = column_rule(["13/01/2026", "01/13/2026"])
    assert rule.dates_mixed
    with pytest.raises(ValueError, match="not a date read day first"):
        parse_day("01/13/2026", DateOrder.DAY_FIRST)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-02-07 00:00:00", "2024-02-07T00:00:00+00:00"),
        ("2026-03-01T10:15:30.123Z", "2026-03-01T10:15:30.123000+00:00"),
        ("2026-03-01T10:15:30+02:00", "2026-03-01T10:15:30+02:00"),
        ("1709251200000", "2024-03-01T00:00:00+00:00"),
        ("1709251200", "2024-03-01T00:00:00+00:00"),
        ("Mar 5, 2024 2:30 PM", "2024-03-05T14:30:00+00:00"),
        ("05.03.2024 14:22", "2024-03-05T14:22:00+00:00"),
        ("2024-05-01 10:00 UTC", "2024-05-01T10:00:00+00:00"),
    ],
)
def test_moments_in_the_forms_exports_use(text, expected):
    assert parse_moment(text, DateOrder.DAY_FIRST).isoformat() == expected


def test_a_date_and_time_is_a_date_only_at_midnight():
    assert parse_day("2024-02-07 00:00:00", None).isoformat() == "2024-02-07"
    with pytest.raises(ValueError, match="time of day"):
        parse_day("2024-02-07 13:00", None)


def test_a_naive_time_is_in_the_given_zone():
    from zoneinfo import ZoneInfo

    moment = parse_moment("2024-06-01 09:00", None, ZoneInfo("Europe/Berlin"))
    assert moment.astimezone(UTC) == datetime(2024, 6, 1, 7, 0, tzinfo=UTC)


def test_a_time_marked_utc_stays_utc_in_any_zone():
    from zoneinfo import ZoneInfo

    berlin = ZoneInfo("Europe/Berlin")
    for text in ("2024-06-01 09:00 UTC", "2024-06-01 09:00 GMT", "01/06/2024 09:00Z"):
        moment = parse_moment(text, DateOrder.DAY_FIRST, berlin)
        assert moment == datetime(2024, 6, 1, 9, 0, tzinfo=UTC), text


def test_a_zone_word_does_not_hide_a_day_above_twelve_from_the_column():
    assert column_rule(["25/03/2024 10:00 UTC"]).date_order == DateOrder.DAY_FIRST


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("03/04/2024 25:00", "has a time of day that does not exist"),
        ("03/04/2024 10:75", "has a time of day that does not exist"),
        ("03/04/2024 13:00 PM", "not 1 to 12 before AM/PM"),
    ],
)
def test_an_impossible_time_is_refused_not_rolled_over(text, reason):
    with pytest.raises(ValueError, match=reason):
        parse_moment(text, DateOrder.DAY_FIRST)


@pytest.mark.parametrize(
    ("values", "decimals"),
    [
        (["1.234,56", "99"], Decimals.COMMA),
        (["1,234.56", "12"], Decimals.POINT),
        (["12,5", "3"], Decimals.COMMA),
        (["1.200.000", "3"], Decimals.COMMA),
        (["1,234", "5.000"], None),
    ],
)
def test_the_decimal_separator_is_decided_by_the_column(values, decimals):
    assert column_rule(values).decimals == decimals


@pytest.mark.parametrize(
    ("text", "decimals", "expected"),
    [
        ("$13,500.00", Decimals.POINT, Money(Decimal("13500.00"), "USD")),
        ("€1.200,00", Decimals.COMMA, Money(Decimal("1200.00"), "EUR")),
        ("1.234,56", Decimals.COMMA, Money(Decimal("1234.56"), "USD")),
        ("12k", None, Money(Decimal("12000.00"), "USD")),
        ("1.5k £", None, Money(Decimal("1500.00"), "GBP")),
        ("EUR 99", None, Money(Decimal("99.00"), "EUR")),
        ("CHF 1'200.50", Decimals.POINT, Money(Decimal("1200.50"), "CHF")),
        ("-5.00", Decimals.POINT, Money(Decimal("-5.00"), "USD")),
    ],
)
def test_amounts_are_read_with_their_currency(text, decimals, expected):
    assert parse_money(text, decimals, "USD") == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("about 14k", "not an exact amount"),
        ("14 or 15", "not an exact amount"),
        ("1.234", "choose the separator"),
        ("kr 100", "could be SEK"),
        ("$5", "could be USD"),
        ("1.234", "more decimals than EUR"),
        ("12,34,5", "not an amount with a decimal point"),
    ],
)
def test_a_cell_that_is_not_exactly_an_amount_is_refused(text, reason):
    decimals = Decimals.POINT if reason.startswith(("more", "not an amount")) else None
    with pytest.raises(ValueError, match=reason):
        parse_money(text, decimals, "EUR")


def test_free_text_longer_than_any_date_or_amount_decides_nothing():
    body = "Since version 2.5 the export of 1,5 GB files fails on 3/14/2024 for every team we have"

    rule = column_rule([body, body.replace("2.5", "2,50")])

    assert (rule.decimals, rule.date_order, rule.numeric_dates) == (None, None, False)
    assert column_rule(["1.234,56", "12,50"]).decimals == Decimals.COMMA  # amounts still do


def test_words_with_a_comma_and_a_point_prove_no_decimal_separator():
    assert column_rule(["Great app, thanks.", "Slow, buggy. Fix it", "n/a"]).decimals is None
