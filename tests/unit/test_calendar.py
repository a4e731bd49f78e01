"""The Finnish business calendar, checked against holidays computed independently (2025–2030)."""

from __future__ import annotations

from datetime import date, timedelta

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finrpa.domain.calendar import BusinessCalendar, default_calendar
from tests.unit.finnish_holidays import (
    bank_days,
    bank_days_in_month,
    easter_sunday,
    finnish_holidays,
    is_bank_day,
)

YEARS = range(2025, 2031)
FI = default_calendar()
days_2025_2030 = st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31))


def every_day(years: range = YEARS) -> list[date]:
    start, end = date(years[0], 1, 1), date(years[-1] + 1, 1, 1)
    return [start + timedelta(days=i) for i in range((end - start).days)]


# -- what the holidays package says (holidays 0.109) ---------------------------------------------


def test_independent_easter_matches_published_dates() -> None:
    published = [date(2025, 4, 20), date(2026, 4, 5), date(2027, 3, 28), date(2028, 4, 16),
                 date(2029, 4, 1), date(2030, 4, 21)]
    assert [easter_sunday(year) for year in YEARS] == published


def test_package_finland_2025_lists_exactly_these_days() -> None:
    listed = dict(holidays.Finland(years=2025, language="en_US"))
    assert listed == {
        date(2025, 1, 1): "New Year's Day",
        date(2025, 1, 6): "Epiphany",
        date(2025, 4, 18): "Good Friday",
        date(2025, 4, 20): "Easter Sunday",
        date(2025, 4, 21): "Easter Monday",
        date(2025, 5, 1): "May Day",
        date(2025, 5, 29): "Ascension Day",
        date(2025, 6, 8): "Pentecost",
        date(2025, 6, 20): "Midsummer Eve",
        date(2025, 6, 21): "Midsummer Day",
        date(2025, 11, 1): "All Saints' Day",
        date(2025, 12, 6): "Independence Day",
        date(2025, 12, 24): "Christmas Eve",
        date(2025, 12, 25): "Christmas Day",
        date(2025, 12, 26): "Second Day of Christmas",
    }


@pytest.mark.parametrize("year", YEARS)
def test_package_default_category_matches_independent_list(year: int) -> None:
    assert dict(holidays.Finland(years=year, language="en_US")) == finnish_holidays(year)


@pytest.mark.parametrize("year", YEARS)
def test_midsummer_eve_is_a_friday_and_all_saints_a_saturday(year: int) -> None:
    by_name = {name: day for day, name in holidays.Finland(years=year, language="en_US").items()}
    assert by_name["Midsummer Eve"].weekday() == 4
    assert date(year, 6, 19) <= by_name["Midsummer Eve"] <= date(year, 6, 25)
    assert by_name["Midsummer Day"].weekday() == 5
    assert by_name["All Saints' Day"].weekday() == 5
    assert date(year, 10, 31) <= by_name["All Saints' Day"] <= date(year, 11, 6)


def test_holiday_names_follow_the_environment_unless_the_language_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LANGUAGE", "fi")
    assert holidays.Finland(years=2025).get(date(2025, 6, 20)) == "Juhannusaatto"
    assert BusinessCalendar.finland().closure_reason(date(2025, 6, 20)) == "Midsummer Eve"
    finnish = BusinessCalendar.finland(language="fi")
    assert finnish.closure_reason(date(2025, 12, 26)) == "Tapaninpäivä"


def test_unofficial_flag_days_are_business_days() -> None:
    flag_days = holidays.Finland(years=2025, categories=("unofficial", "workday"))
    weekday_flag_days = [
        day for day in flag_days if day.weekday() < 5 and day not in finnish_holidays(2025)
    ]
    assert date(2025, 2, 5) in weekday_flag_days  # Runeberg Day
    assert date(2025, 2, 28) in weekday_flag_days  # Kalevala Day
    assert all(FI.is_business_day(day) for day in weekday_flag_days)


# -- the calendar's verdict for every day of 2025–2030 ---------------------------------------------


def test_every_day_2025_2030_matches_the_independent_verdict() -> None:
    wrong = [day for day in every_day() if FI.is_business_day(day) != is_bank_day(day)]
    assert wrong == []


def test_closure_reasons_name_the_holiday_or_the_weekend() -> None:
    for day in every_day():
        expected = finnish_holidays(day.year).get(day)
        if expected is None and day.weekday() >= 5:
            expected = "weekend"
        assert FI.closure_reason(day) == expected, day


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 4, 3), "Good Friday"),
        (date(2026, 4, 6), "Easter Monday"),
        (date(2026, 5, 14), "Ascension Day"),
        (date(2026, 6, 19), "Midsummer Eve"),
        (date(2026, 6, 20), "Midsummer Day"),
        (date(2026, 10, 31), "All Saints' Day"),
        (date(2027, 12, 6), "Independence Day"),
        (date(2026, 12, 24), "Christmas Eve"),
        (date(2026, 12, 25), "Christmas Day"),
        (date(2028, 12, 26), "Second Day of Christmas"),
        (date(2027, 1, 1), "New Year's Day"),
        (date(2027, 1, 6), "Epiphany"),
        (date(2029, 5, 1), "May Day"),
    ],
)
def test_named_closures(day: date, name: str) -> None:
    assert FI.closure_reason(day) == name
    assert not FI.is_business_day(day)


@pytest.mark.parametrize("year", YEARS)
def test_nth_and_last_business_day_of_every_month(year: int) -> None:
    for month in range(1, 13):
        expected = bank_days_in_month(year, month)
        assert FI.business_days_in_month(year, month) == expected
        assert FI.nth_business_day(year, month, 1) == expected[0]
        assert FI.nth_business_day(year, month, 3) == expected[2]
        assert FI.nth_business_day(year, month, -2) == expected[-2]
        assert FI.last_business_day(year, month) == expected[-1]
        assert FI.nth_business_day(year, month, len(expected) + 1) is None


def test_nth_business_day_refuses_zero() -> None:
    with pytest.raises(ValueError, match="0 is not a position"):
        FI.nth_business_day(2026, 1, 0)


# -- stepping ------------------------------------------------------------------------------------


def test_stepping_over_christmas_and_new_year() -> None:
    assert FI.next_business_day(date(2025, 12, 23)) == date(2025, 12, 29)
    assert FI.previous_business_day(date(2025, 12, 29)) == date(2025, 12, 23)
    assert FI.next_business_day(date(2025, 12, 31)) == date(2026, 1, 2)
    assert FI.next_business_day(date(2025, 12, 23), include_self=True) == date(2025, 12, 23)
    assert FI.next_business_day(date(2025, 12, 24), include_self=True) == date(2025, 12, 29)
    assert FI.add_business_days(date(2025, 12, 22), 3) == date(2025, 12, 30)
    assert FI.add_business_days(date(2025, 12, 30), -3) == date(2025, 12, 22)
    assert FI.add_business_days(date(2025, 12, 27), 0) == date(2025, 12, 29)


def test_due_date_less_three_business_days() -> None:
    assert FI.subtract_business_days(date(2025, 12, 29), 3) == date(2025, 12, 19)
    assert FI.subtract_business_days(date(2026, 4, 7), 3) == date(2026, 3, 31)  # over Easter
    assert FI.subtract_business_days(date(2025, 6, 21), 0) == date(2025, 6, 19)  # never later
    with pytest.raises(ValueError, match="zero or positive"):
        FI.subtract_business_days(date(2025, 6, 21), -1)


def test_business_days_between_is_half_open() -> None:
    assert FI.business_days_between(date(2025, 12, 22), date(2025, 12, 29)) == 2
    assert FI.business_days_between(date(2025, 12, 29), date(2025, 12, 22)) == -2
    assert FI.business_days_between(date(2025, 12, 24), date(2025, 12, 24)) == 0
    assert FI.business_days_between(date(2025, 1, 1), date(2031, 1, 1)) == len(
        bank_days(date(2025, 1, 1), date(2031, 1, 1))
    )


@settings(database=None)
@given(days_2025_2030)
def test_next_business_day_skips_no_business_day(day: date) -> None:
    following = FI.next_business_day(day)
    assert following > day
    assert is_bank_day(following)
    assert bank_days(day + timedelta(days=1), following) == []
    preceding = FI.previous_business_day(day)
    assert preceding < day
    assert is_bank_day(preceding)
    assert bank_days(preceding + timedelta(days=1), day) == []


@settings(database=None)
@given(days_2025_2030, st.integers(min_value=-60, max_value=60))
def test_add_business_days_counts_business_days(day: date, n: int) -> None:
    moved = FI.add_business_days(day, n)
    assert is_bank_day(moved)
    if n > 0:
        assert len(bank_days(day + timedelta(days=1), moved + timedelta(days=1))) == n
    elif n < 0:
        assert len(bank_days(moved, day)) == -n
    else:
        assert moved == FI.next_business_day(day, include_self=True)


@settings(database=None)
@given(days_2025_2030, days_2025_2030)
def test_between_and_add_are_inverse_on_business_days(a: date, b: date) -> None:
    start, end = FI.next_business_day(a, include_self=True), FI.next_business_day(b, True)
    assert FI.add_business_days(start, FI.business_days_between(start, end)) == end


# -- extra closures and working days -------------------------------------------------------------


def test_extra_closures_and_working_days() -> None:
    calendar = BusinessCalendar.finland(
        extra_closures={date(2025, 12, 31): "year-end closing"},
        extra_working_days=[date(2025, 12, 27)],
    )
    assert calendar.closure_reason(date(2025, 12, 31)) == "year-end closing"
    assert calendar.is_business_day(date(2025, 12, 27))  # a Saturday made a working day
    assert calendar.next_business_day(date(2025, 12, 23)) == date(2025, 12, 27)
    assert calendar.next_business_day(date(2025, 12, 30)) == date(2026, 1, 2)
    plain = BusinessCalendar.finland(extra_closures=[date(2026, 3, 2)])
    assert plain.closure_reason(date(2026, 3, 2)) == "bank closure"
    assert FI.is_business_day(date(2026, 3, 2))


def test_a_date_cannot_be_both_closed_and_working() -> None:
    with pytest.raises(ValueError, match="2025-12-31"):
        BusinessCalendar.finland(
            extra_closures=[date(2025, 12, 31)], extra_working_days=[date(2025, 12, 31)]
        )


def test_closures_lists_reasons_in_order() -> None:
    assert FI.closures(date(2025, 12, 24), date(2025, 12, 29)) == [
        (date(2025, 12, 24), "Christmas Eve"),
        (date(2025, 12, 25), "Christmas Day"),
        (date(2025, 12, 26), "Second Day of Christmas"),
        (date(2025, 12, 27), "weekend"),
        (date(2025, 12, 28), "weekend"),
    ]


def test_default_calendar_is_shared_and_finnish() -> None:
    assert default_calendar() is FI
    assert FI.name == "FI"


def test_a_calendar_with_no_business_days_fails_loudly() -> None:
    closed = BusinessCalendar.finland(
        extra_closures=[date(2025, 1, 1) + timedelta(days=i) for i in range(4000)]
    )
    with pytest.raises(ValueError, match="no business day"):
        closed.next_business_day(date(2025, 1, 1))
