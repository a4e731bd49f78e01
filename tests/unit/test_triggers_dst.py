"""DST nights in Europe/Helsinki, 2025–2030, and the APScheduler 3.11 habits our wrapper fixes.

Each test drives the triggers with a controlled clock: ``after`` is passed in, or
:func:`run_clock` steps a fake scheduler loop minute by minute in UTC across the night.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from importlib.metadata import version

import pytest
from apscheduler.triggers.cron import CronTrigger as ApsCronTrigger
from apscheduler.triggers.interval import IntervalTrigger as ApsIntervalTrigger

from finrpa.domain.calendar import BusinessCalendar, default_calendar
from finrpa.runs.triggers import (
    CronTrigger,
    EveryBusinessDay,
    IntervalTrigger,
    fire_times_between,
    preview,
    resolve_wall_time,
)
from tests.unit.finnish_holidays import bank_days, last_sunday
from tests.unit.trigger_helpers import HKI, local, on, run_clock, utc, utc_times

FI = default_calendar()
YEARS = range(2025, 2031)


# -- APScheduler 3.11 on its own (why CronTrigger wraps it) --------------------------------------


def test_apscheduler_version_is_the_one_these_facts_were_checked_on() -> None:
    assert version("apscheduler").startswith("3.11.")


def test_apscheduler_cron_returns_a_nonexistent_time_at_spring_forward() -> None:
    raw = ApsCronTrigger(hour=3, minute=30, timezone=HKI)
    fired = raw.get_next_fire_time(None, local(2025, 3, 30, 0, 0))
    assert fired.replace(tzinfo=None) == datetime(2025, 3, 30, 3, 30)  # not a real local time
    assert fired.utcoffset() == timedelta(hours=2)
    assert fired.astimezone(UTC) == utc(2025, 3, 30, 1, 30)  # 04:30 EEST, not 04:00


def test_apscheduler_cron_fires_twice_in_the_repeated_hour() -> None:
    raw = ApsCronTrigger(hour=3, minute=30, timezone=HKI)
    first = raw.get_next_fire_time(None, local(2025, 10, 26, 0, 0))
    second = raw.get_next_fire_time(first, first.astimezone(UTC) + timedelta(seconds=1))
    assert utc_times([first, second]) == [utc(2025, 10, 26, 0, 30), utc(2025, 10, 26, 1, 30)]
    assert (first.fold, second.fold) == (0, 1)


def test_apscheduler_crontab_weekday_numbers_start_on_monday() -> None:
    raw = ApsCronTrigger.from_crontab("0 7 * * 1", timezone=HKI)
    fired = raw.get_next_fire_time(None, local(2025, 6, 1, 0, 0))  # a Sunday
    assert fired.date() == date(2025, 6, 3)  # Tuesday, where crontab would mean Monday


def test_apscheduler_interval_may_return_now_itself() -> None:
    raw = ApsIntervalTrigger(minutes=15, start_date=local(2025, 1, 1), timezone=HKI)
    now = local(2025, 1, 1, 0, 15)
    assert raw.get_next_fire_time(None, now) == now
    ours = IntervalTrigger(timedelta(minutes=15), anchor=local(2025, 1, 1))
    assert ours.next_fire_time(now) == local(2025, 1, 1, 0, 30)


# -- resolving wall times -------------------------------------------------------------------------


def test_resolve_missing_time_gives_the_end_of_the_gap() -> None:
    instant, kind = resolve_wall_time(datetime(2026, 3, 29, 3, 30), HKI)
    assert kind == "missing"
    assert instant.astimezone(UTC) == utc(2026, 3, 29, 1, 0)
    assert (instant.hour, instant.minute, instant.utcoffset()) == (4, 0, timedelta(hours=3))


def test_resolve_repeated_time_gives_the_first_occurrence() -> None:
    instant, kind = resolve_wall_time(datetime(2026, 10, 25, 3, 30), HKI)
    assert kind == "repeated"
    assert instant.astimezone(UTC) == utc(2026, 10, 25, 0, 30)
    assert instant.utcoffset() == timedelta(hours=3)


def test_resolve_ordinary_time_is_untouched() -> None:
    assert resolve_wall_time(datetime(2026, 3, 29, 4, 0), HKI) == (local(2026, 3, 29, 4), None)


def test_apscheduler_ignores_a_step_on_named_weekdays() -> None:
    raw = ApsCronTrigger(hour=7, day_of_week="mon-fri/2", timezone=HKI)
    fired = raw.get_next_fire_time(None, local(2025, 6, 9, 8))  # a Monday
    assert fired.date() == date(2025, 6, 10)  # Tuesday: the /2 was dropped
    assert str(raw) == "cron[day_of_week='mon-fri', hour='7']"



# -- cron on DST nights, 2025–2030 ---------------------------------------------------------------


@pytest.mark.parametrize("year", YEARS)
def test_cron_daily_missing_time_fires_at_four(year: int) -> None:
    day = last_sunday(year, 3)
    fired = CronTrigger(hour=3, minute=30).next_fire_time(on(day, 12, days=-1, zone=HKI))
    assert fired is not None
    assert fired.astimezone(UTC) == on(day, 1, 0)
    assert (fired.hour, fired.minute, fired.utcoffset()) == (4, 0, timedelta(hours=3))


@pytest.mark.parametrize("year", YEARS)
def test_cron_daily_repeated_time_fires_once_in_summer_time(year: int) -> None:
    day = last_sunday(year, 10)
    trigger = CronTrigger(hour=3, minute=30)
    fired = fire_times_between(trigger, on(day, 12, days=-1), on(day, 12, days=1))
    assert utc_times(fired) == [on(day, 0, 30), on(day, 1, 30, days=1)]


@pytest.mark.parametrize("year", YEARS)
def test_cron_hourly_on_the_spring_night(year: int) -> None:
    day = last_sunday(year, 3)
    fired = run_clock(CronTrigger(minute=30), on(day, 23, days=-1), on(day, 2))
    assert [(f.hour, f.minute, f.utcoffset()) for f in fired] == [
        (1, 30, timedelta(hours=2)),
        (2, 30, timedelta(hours=2)),
        (4, 0, timedelta(hours=3)),
        (4, 30, timedelta(hours=3)),
    ]


@pytest.mark.parametrize("year", YEARS)
def test_cron_hourly_on_the_autumn_night(year: int) -> None:
    day = last_sunday(year, 10)
    fired = run_clock(CronTrigger(minute=30), on(day, 22, days=-1), on(day, 3))
    assert utc_times(fired) == [
        on(day, 22, 30, days=-1),  # 01:30 EEST
        on(day, 23, 30, days=-1),  # 02:30 EEST
        on(day, 0, 30),  # 03:30 EEST, the first pass only
        on(day, 2, 30),  # 04:30 EET
    ]


@pytest.mark.parametrize("year", YEARS)
def test_cron_quarter_hours_in_the_missing_hour_merge_into_one(year: int) -> None:
    day = last_sunday(year, 3)
    trigger = CronTrigger(hour=3, minute="*/15")
    fired = run_clock(trigger, on(day, 12, days=-1), on(day, 2, days=1))
    assert utc_times(fired) == [on(day, 1, 0)] + [on(day, 0, m, days=1) for m in (0, 15, 30, 45)]
    entry = preview(trigger, on(day, 12, days=-1), 1)[0]
    assert entry.notes == (
        f"{day} 03:00 does not exist (clocks go forward); fires at 04:00 EEST",
        "also merged into this firing: 03:15, 03:30, 03:45 (missing times)",
    )


@pytest.mark.parametrize("year", YEARS)
def test_cron_quarter_hours_in_the_repeated_hour_fire_once_each(year: int) -> None:
    day = last_sunday(year, 10)
    trigger = CronTrigger(hour=3, minute="*/15")
    fired = run_clock(trigger, on(day, 12, days=-1), on(day, 12))
    assert utc_times(fired) == [on(day, 0, minute) for minute in (0, 15, 30, 45)]
    assert all(moment.utcoffset() == timedelta(hours=3) for moment in fired)


@pytest.mark.parametrize("year", YEARS)
def test_cron_outside_the_changed_hour_is_untouched(year: int) -> None:
    for month in (3, 10):
        day = last_sunday(year, month)
        for hour in (2, 4):
            fired = CronTrigger(hour=hour, minute=0).next_fire_time(on(day, 0, zone=HKI))
            assert fired == on(day, hour, zone=HKI)


def test_cron_after_inside_the_second_pass_moves_on() -> None:
    second_pass = utc(2025, 10, 26, 1, 10).astimezone(HKI)  # 03:10 EET, fold=1
    fired = CronTrigger(hour=3, minute="*/15").next_fire_time(second_pass)
    assert fired == local(2025, 10, 27, 3, 0)


# -- intervals count elapsed time ----------------------------------------------------------------


@pytest.mark.parametrize("year", YEARS)
def test_interval_fires_in_both_passes_and_keeps_exact_spacing(year: int) -> None:
    trigger = IntervalTrigger(timedelta(minutes=30), anchor=datetime(2025, 1, 1))
    for month in (3, 10):
        day = last_sunday(year, month)
        fired = fire_times_between(trigger, on(day, 22, days=-1), on(day, 3))
        gaps = {b - a for a, b in zip(utc_times(fired), utc_times(fired)[1:], strict=False)}
        assert gaps == {timedelta(minutes=30)}
        assert len(fired) == 10
    autumn = last_sunday(year, 10)
    night = fire_times_between(trigger, on(autumn, 2, 50, zone=HKI), on(autumn, 4, 10, zone=HKI))
    walls = [f.strftime("%H:%M%z") for f in night]
    assert walls == ["03:00+0300", "03:30+0300", "03:00+0200", "03:30+0200", "04:00+0200"]


def test_interval_is_strictly_after_and_refuses_bad_lengths() -> None:
    trigger = IntervalTrigger(timedelta(hours=2), anchor=local(2025, 1, 1, 6))
    assert trigger.next_fire_time(local(2025, 1, 1, 6)) == local(2025, 1, 1, 8)
    assert trigger.next_fire_time(local(2024, 12, 1)) == local(2025, 1, 1, 6)
    for bad in (timedelta(0), timedelta(milliseconds=1500)):
        with pytest.raises(ValueError, match="whole number of seconds"):
            IntervalTrigger(bad, anchor=local(2025, 1, 1))


# -- business-day rules on DST weekends ----------------------------------------------------------


@pytest.mark.parametrize("year", YEARS)
def test_every_business_day_across_dst_weekends(year: int) -> None:
    trigger = EveryBusinessDay(time(3, 30), FI)
    for month in (3, 10):
        sunday = last_sunday(year, month)
        week = bank_days(sunday - timedelta(days=7), sunday + timedelta(days=7))
        before = max(day for day in week if day < sunday)  # Easter can close Friday or Monday
        after = min(day for day in week if day > sunday)
        first = datetime.combine(before, time(3, 30), HKI)
        fired = run_clock(trigger, first - timedelta(hours=1), on(after, 6))
        assert fired == [first, datetime.combine(after, time(3, 30), HKI)]
        assert fired[1].astimezone(UTC) - fired[0].astimezone(UTC) == (
            (after - before).days * 24 - (1 if month == 3 else -1)
        ) * timedelta(hours=1)


@pytest.mark.parametrize("year", YEARS)
def test_business_day_rule_on_a_working_dst_sunday(year: int) -> None:
    spring, autumn = last_sunday(year, 3), last_sunday(year, 10)
    calendar = BusinessCalendar.finland(extra_working_days=[spring, autumn])
    trigger = EveryBusinessDay(time(3, 30), calendar)
    start = datetime.combine(spring, time(0), HKI)
    assert trigger.next_fire_time(start) == datetime.combine(spring, time(4), HKI)
    start = datetime.combine(autumn, time(0), HKI)
    fired = fire_times_between(trigger, start, start + timedelta(days=1, hours=6))
    assert utc_times(fired) == [
        datetime.combine(autumn, time(0, 30), UTC),
        datetime.combine(autumn + timedelta(days=1), time(1, 30), UTC),
    ]
    notes = preview(trigger, start, 1)[0].notes
    assert notes == (f"{autumn} 03:30 occurs twice (clocks go back); fires once, at the first "
                     "occurrence (03:30 EEST, UTC+03:00)",)
