"""Triggers: business-day rules on 2025–2030 against independent holidays, cron input, preview.

DST nights are in test_triggers_dst.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finrpa.domain.calendar import BusinessCalendar, default_calendar
from finrpa.runs.triggers import (
    CronTrigger,
    EveryBusinessDay,
    IntervalTrigger,
    LastBusinessDayOfMonth,
    NthBusinessDayOfMonth,
    Trigger,
    WeekdayRule,
    fire_times_between,
    preview,
)
from tests.unit.finnish_holidays import bank_days, bank_days_in_month, is_bank_day
from tests.unit.trigger_helpers import HKI, local

FI = default_calendar()
YEARS = range(2025, 2031)
SEVEN = time(7, 0)
START = datetime(2025, 1, 1, tzinfo=HKI) - timedelta(microseconds=1)
END = datetime(2030, 12, 31, 23, 59, tzinfo=HKI)


# -- cron input ----------------------------------------------------------------------------------


def test_cron_expression_and_fields_agree() -> None:
    by_fields = CronTrigger(minute=0, hour=7, day_of_week="mon-fri")
    by_expression = CronTrigger("0 7 * * mon-fri")
    after = local(2025, 6, 6, 8)
    assert by_fields.next_fire_time(after) == by_expression.next_fire_time(after)
    assert by_expression.next_fire_time(after) == local(2025, 6, 9, 7)


@pytest.mark.parametrize(
    ("args", "fields", "message"),
    [
        (("0 7 * * 1-5",), {}, "use names"),
        ((), {"day_of_week": "0"}, "use names"),
        ((), {"day_of_week": "mon-fri/2"}, "instead of a step"),
        ((), {"day_of_week": "*/2"}, "instead of a step"),
        (("0 7 * *",), {}, "needs 5 fields"),
        (("0 7 * * *",), {"hour": 7}, "not both"),
        ((), {}, "at least one field"),
        ((), {"hour": 25}, "maximum value"),
        ((), {"minutes": 5}, "unknown cron fields"),
    ],
)
def test_cron_refuses(args: tuple[str, ...], fields: dict[str, str | int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CronTrigger(*args, **fields)


def test_naive_after_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        CronTrigger(hour=7).next_fire_time(datetime(2025, 1, 1))


# -- business-day rules against the independent holiday list, 2025–2030 -------------------------


def fire_dates(trigger: Trigger) -> list[date]:
    fired = fire_times_between(trigger, START, END)
    assert all((f.hour, f.minute) == (7, 0) for f in fired)
    return [f.date() for f in fired]


def test_every_business_day_2025_2030() -> None:
    assert fire_dates(EveryBusinessDay(SEVEN, FI)) == bank_days(date(2025, 1, 1), date(2031, 1, 1))


@pytest.mark.parametrize("n", [1, 2, 5, 15, -1, -2, -5])
def test_nth_business_day_of_month_2025_2030(n: int) -> None:
    expected = [bank_days_in_month(year, month)[n - 1 if n > 0 else n]
                for year in YEARS for month in range(1, 13)]
    assert fire_dates(NthBusinessDayOfMonth(n, SEVEN, FI)) == expected


def test_last_business_day_of_month_2025_2030() -> None:
    expected = [bank_days_in_month(year, month)[-1] for year in YEARS for month in range(1, 13)]
    assert fire_dates(LastBusinessDayOfMonth(SEVEN, FI)) == expected


def rolled_weekdays(weekday: int, roll: str) -> list[date]:
    """Independent expectation: each week's weekday, rolled over closed days, once per date."""
    found: set[date] = set()
    day = date(2024, 12, 1) + timedelta(days=(weekday - date(2024, 12, 1).weekday()) % 7)
    while day < date(2031, 2, 1):
        moved: date | None = day
        if roll == "skip" and not is_bank_day(day):
            moved = None
        while moved is not None and not is_bank_day(moved):
            moved += timedelta(days=1 if roll == "next_business_day" else -1)
        if moved is not None and date(2025, 1, 1) <= moved <= date(2030, 12, 31):
            found.add(moved)
        day += timedelta(days=7)
    return sorted(found)


@pytest.mark.parametrize("weekday", range(7))
@pytest.mark.parametrize("roll", ["next_business_day", "previous_business_day", "skip"])
def test_weekday_rule_2025_2030(weekday: int, roll: str) -> None:
    trigger = WeekdayRule(weekday, SEVEN, FI, roll=roll)  # type: ignore[arg-type]
    assert fire_dates(trigger) == rolled_weekdays(weekday, roll)


def test_weekday_rule_rolls_over_a_long_closure_once() -> None:
    closed = BusinessCalendar.finland(
        extra_closures=[date(2026, 7, 1) + timedelta(days=i) for i in range(17)]
    )
    fired = fire_times_between(WeekdayRule(2, SEVEN, closed), local(2026, 6, 25), local(2026, 8, 1))
    assert [f.date() for f in fired] == [
        date(2026, 7, 20), date(2026, 7, 22), date(2026, 7, 29)
    ]


@pytest.mark.parametrize("n", [0, 24, -24])
def test_nth_business_day_refuses_impossible_positions(n: int) -> None:
    with pytest.raises(ValueError, match="n must be"):
        NthBusinessDayOfMonth(n, SEVEN, FI)


def test_nth_business_day_skips_short_months_with_a_note() -> None:
    trigger = NthBusinessDayOfMonth(21, SEVEN, FI)
    entry = preview(trigger, local(2025, 11, 30), 1)[0]
    assert len(bank_days_in_month(2026, 2)) < 21 <= len(bank_days_in_month(2026, 3))
    assert entry.fire_time == datetime.combine(bank_days_in_month(2026, 3)[20], SEVEN, HKI)
    assert entry.notes == tuple(
        f"{month} has fewer than 21 business days" for month in ("2025-12", "2026-01", "2026-02")
    )


def test_rules_that_never_fire_return_none() -> None:
    assert WeekdayRule(5, SEVEN, FI, roll="skip").next_fire_time(local(2025, 1, 1)) is None
    assert preview(WeekdayRule(6, SEVEN, FI, roll="skip"), local(2025, 1, 1), 5) == []


# -- preview notes -------------------------------------------------------------------------------


def test_preview_of_every_business_day_over_christmas() -> None:
    entries = preview(EveryBusinessDay(SEVEN, FI), local(2025, 12, 23, 8), 3)
    assert [e.fire_time for e in entries] == [
        local(2025, 12, 29, 7), local(2025, 12, 30, 7), local(2025, 12, 31, 7)
    ]
    assert entries[0].notes == (
        "skipped Wed 2025-12-24: Christmas Eve",
        "skipped Thu 2025-12-25: Christmas Day",
        "skipped Fri 2025-12-26: Second Day of Christmas",
    )
    assert entries[1].notes == ()


def test_preview_notes_for_month_and_weekday_rules() -> None:
    first = preview(NthBusinessDayOfMonth(1, SEVEN, FI), local(2025, 12, 15), 1)[0]
    assert first.fire_time == local(2026, 1, 2, 7)
    assert first.notes == ("skipped Thu 2026-01-01: New Year's Day",)
    last = preview(LastBusinessDayOfMonth(SEVEN, FI), local(2027, 12, 1), 1)[0]
    assert last.fire_time == local(2027, 12, 31, 7)
    friday = preview(WeekdayRule(4, SEVEN, FI), local(2025, 12, 22), 1)[0]
    assert friday.fire_time == local(2025, 12, 29, 7)
    assert friday.notes == (
        "Fri 2025-12-26 is closed (Second Day of Christmas); moved to Mon 2025-12-29",
    )
    skipped = preview(WeekdayRule(4, SEVEN, FI, roll="skip"), local(2025, 12, 22), 1)[0]
    assert skipped.fire_time == local(2026, 1, 2, 7)
    assert skipped.notes == ("skipped Fri 2025-12-26: Second Day of Christmas",)


def test_business_day_rules_default_to_the_finnish_calendar() -> None:
    assert EveryBusinessDay(SEVEN).calendar is FI
    assert WeekdayRule(4, SEVEN, roll="skip").next_fire_time(local(2025, 12, 22)) == (
        local(2026, 1, 2, 7)
    )


def test_preview_count_and_describe() -> None:
    assert len(preview(EveryBusinessDay(SEVEN, FI), local(2026, 1, 1), 20)) == 20
    assert EveryBusinessDay(SEVEN, FI).describe() == (
        "every business day at 07:00 (Europe/Helsinki, calendar FI)"
    )
    assert NthBusinessDayOfMonth(-2, SEVEN, FI).describe().startswith("2nd last business day")
    assert WeekdayRule(0, SEVEN, FI).describe().startswith("every monday at 07:00")


def test_local_time_with_a_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="without a time zone"):
        EveryBusinessDay(time(7, tzinfo=UTC), FI)


# -- properties ----------------------------------------------------------------------------------

afters = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 20), timezones=st.just(HKI)
)
RULES: list[Trigger] = [
    EveryBusinessDay(SEVEN, FI),
    NthBusinessDayOfMonth(3, SEVEN, FI),
    NthBusinessDayOfMonth(-2, SEVEN, FI),
    LastBusinessDayOfMonth(SEVEN, FI),
    WeekdayRule(0, SEVEN, FI),
    WeekdayRule(4, SEVEN, FI, roll="previous_business_day"),
]
ALL_TRIGGERS: list[Trigger] = [
    *RULES,
    CronTrigger(hour="3", minute="*/20"),
    CronTrigger("30 * * * *"),
    IntervalTrigger(timedelta(minutes=45), anchor=datetime(2025, 1, 1)),
]


@settings(max_examples=300, database=None)
@given(afters, st.sampled_from(RULES))
def test_business_rules_fire_after_on_a_business_day(after: datetime, rule: Trigger) -> None:
    fired = rule.next_fire_time(after)
    assert fired is not None
    assert fired.astimezone(UTC) > after.astimezone(UTC)
    assert is_bank_day(fired.date())
    assert (fired.time(), fired.tzinfo) == (SEVEN, HKI)


@settings(max_examples=300, database=None)
@given(afters)
def test_every_business_day_skips_no_business_day(after: datetime) -> None:
    fired = EveryBusinessDay(SEVEN, FI).next_fire_time(after)
    assert fired is not None
    after_utc = after.astimezone(UTC)
    between = bank_days(after.astimezone(HKI).date(), fired.date())
    assert all(datetime.combine(day, SEVEN, HKI).astimezone(UTC) <= after_utc for day in between)


@settings(max_examples=300, database=None)
@given(afters, st.sampled_from(ALL_TRIGGERS), st.floats(min_value=0, max_value=1))
def test_no_firing_hides_between_after_and_the_next(
    after: datetime, trigger: Trigger, fraction: float
) -> None:
    fired = trigger.next_fire_time(after)
    assert fired is not None
    gap = fired.astimezone(UTC) - after.astimezone(UTC)
    assert gap > timedelta(0)
    inside = after.astimezone(UTC) + gap * fraction
    if inside < fired.astimezone(UTC):
        assert trigger.next_fire_time(inside) == fired
