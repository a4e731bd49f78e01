"""Triggers: when a scheduled robot run is next due. Pure: the caller passes ``after``.

``trigger.next_fire_time(after)`` returns the next *nominal* fire time strictly after ``after``
(a timezone-aware datetime) as an aware datetime in the trigger's zone, or None when the trigger
never fires again. Jitter is not applied here: the scheduler adds it to the nominal time, and
the nominal time is what identifies a run.

Daylight saving time. Wall-clock triggers (cron and the business-day rules) name local times,
and in Europe/Helsinki (EET, UTC+2; EEST, UTC+3 in summer) some local times are missing or
happen twice. Every wall-clock trigger follows the same rules:

1. **Missing time.** On the last Sunday of March clocks go from 03:00 to 04:00, so 03:00–03:59
   does not exist. A firing at such a time happens at the first valid instant after it: 04:00
   local time. Several missing times of the same night merge into that one firing.
2. **Repeated time.** On the last Sunday of October clocks go from 04:00 back to 03:00, so
   03:00–03:59 happens twice. A firing at such a time happens once, at the first occurrence
   (``fold=0``, still summer time, UTC+3).
3. **Interval triggers** count elapsed time, not wall time: the spacing stays exact across the
   change, so an every-30-minutes trigger goes from 02:30 EET to 04:00 EEST in spring, and
   fires in both passes of the repeated hour in autumn.

The changes fall on Sundays, so business-day rules on the FI calendar only meet them when a
Sunday is made an extra working day; cron triggers meet them every year.

APScheduler 3.11's own cron trigger breaks rules 1 and 2 (``tests/unit/test_triggers_dst.py``
pins its behaviour): for a missing time it returns a non-existent wall time such as
03:30+02:00 (really 04:30 local), and it fires twice in the repeated hour. So
:class:`CronTrigger` asks APScheduler only for the next matching *wall* time, computed in UTC
where no time is missing or doubled, and applies the rules above itself.

:func:`preview` lists upcoming fire times with notes for people: closed days a business-day
rule skipped (with the holiday's name) and DST shifts (moved or merged firings).
"""

from __future__ import annotations

import re
from abc import abstractmethod
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger as _ApsCronTrigger
from apscheduler.triggers.interval import IntervalTrigger as _ApsIntervalTrigger

from finrpa.domain.calendar import BusinessCalendar, default_calendar
from finrpa.runs.walltime import (
    DEFAULT_TIMEZONE,
    Nominal,
    PreviewEntry,
    Trigger,
    WallClockTrigger,
    as_utc,
    as_zone,
    require_aware,
    resolve_wall_time,
)

__all__ = [
    "DEFAULT_TIMEZONE",
    "WEEKDAY_NAMES",
    "CronTrigger",
    "EveryBusinessDay",
    "IntervalTrigger",
    "LastBusinessDayOfMonth",
    "NthBusinessDayOfMonth",
    "PreviewEntry",
    "Roll",
    "Trigger",
    "WeekdayRule",
    "fire_times_between",
    "preview",
    "require_aware",
    "resolve_wall_time",
]

WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
Roll = Literal["next_business_day", "previous_business_day", "skip"]
_ONE_DAY = timedelta(days=1)
_ONE_WEEK = timedelta(days=7)
_MAX_MONTHS = 120  # a month rule that finds no date within ten years never fires
_MAX_WEEKS = 522  # nor does a weekday rule (say, Saturdays with roll="skip")
_CRON_FIELDS = ("year", "month", "day", "week", "day_of_week", "hour", "minute", "second")
_DIGIT_OUTSIDE_STEP = re.compile(r"(?:^|[,\-])\s*\d")


# -- cron and interval (APScheduler) -------------------------------------------------------------


class CronTrigger(WallClockTrigger):
    """A cron rule on local wall time, computed by APScheduler 3.11, with our DST rules.

    Give a five-field crontab ``expression`` ("minute hour day month day_of_week") or the
    fields by name (``hour=7, minute=0, day_of_week="mon-fri"``). Weekdays must be names or
    ranges of names (mon…sun), without steps: crontab counts 0 as Sunday, APScheduler 3.x as
    Monday, and APScheduler ignores a step on named weekdays ("mon-fri/2"), so both are refused.
    """

    def __init__(
        self,
        expression: str | None = None,
        *,
        timezone: ZoneInfo | str = DEFAULT_TIMEZONE,
        **fields: str | int,
    ) -> None:
        if expression is not None:
            if fields:
                raise ValueError("give a cron expression or cron fields, not both")
            fields = _crontab_fields(expression)
        if not fields:
            raise ValueError("a cron trigger needs an expression or at least one field")
        unknown = sorted(set(fields) - set(_CRON_FIELDS))
        if unknown:
            raise ValueError(f"unknown cron fields: {', '.join(unknown)}")
        _check_weekdays(fields.get("day_of_week"))
        self.timezone = as_zone(timezone)
        self.fields = dict(fields)
        self._cron = _ApsCronTrigger(timezone=UTC, **fields)  # UTC as a DST-free wall clock

    def _next_wall(self, wall: datetime) -> Nominal | None:
        probe = (wall + timedelta(microseconds=1)).replace(tzinfo=UTC)
        found = self._cron.get_next_fire_time(None, probe)
        return None if found is None else Nominal(found.replace(tzinfo=None))

    def describe(self) -> str:
        shown = " ".join(f"{name}={value}" for name, value in self.fields.items())
        return f"cron {shown} ({self.timezone.key})"

    def __repr__(self) -> str:
        return f"CronTrigger({self.fields!r}, timezone={self.timezone.key!r})"


def _check_weekdays(weekdays: str | int | None) -> None:
    """Refuse day_of_week forms APScheduler 3.11 reads differently from crontab."""
    if weekdays is None:
        return
    if _DIGIT_OUTSIDE_STEP.search(str(weekdays)):
        raise ValueError(
            f"day_of_week {weekdays!r}: use names (mon, tue, … sun), not numbers: crontab "
            "counts 0 as Sunday but APScheduler 3.x counts 0 as Monday"
        )
    if "/" in str(weekdays):
        raise ValueError(
            f"day_of_week {weekdays!r}: list the days (mon,wed,fri) instead of a step: "
            "APScheduler 3.x ignores steps on weekday names and counts */n from Monday"
        )


def _crontab_fields(expression: str) -> dict[str, str | int]:
    parts = expression.split()
    if len(parts) != 5:
        raise ValueError(
            f"cron expression {expression!r} needs 5 fields (minute hour day month day_of_week), "
            f"got {len(parts)}"
        )
    return dict(zip(("minute", "hour", "day", "month", "day_of_week"), parts, strict=True))


class IntervalTrigger(Trigger):
    """Fires every ``every`` of elapsed time from ``anchor``, computed by APScheduler 3.11.

    A naive ``anchor`` is local time in ``timezone`` (resolved by the DST rules). Elapsed time
    is not wall time: across a DST change the spacing stays exact.
    """

    def __init__(
        self,
        every: timedelta,
        *,
        anchor: datetime,
        timezone: ZoneInfo | str = DEFAULT_TIMEZONE,
    ) -> None:
        if every < timedelta(seconds=1) or every % timedelta(seconds=1):
            raise ValueError(f"interval must be a whole number of seconds, at least 1, got {every}")
        self.timezone = as_zone(timezone)
        self.every = every
        if anchor.tzinfo is None:
            anchor = resolve_wall_time(anchor, self.timezone)[0]
        self.anchor = anchor
        self._interval = _ApsIntervalTrigger(
            seconds=int(every.total_seconds()), start_date=anchor, timezone=self.timezone
        )

    def next_firing(self, after: datetime) -> PreviewEntry | None:
        after = require_aware(after).astimezone(self.timezone)
        found = self._interval.get_next_fire_time(None, after)
        while found is not None and as_utc(found) <= as_utc(after):  # it may return `after` itself
            found = self._interval.get_next_fire_time(found, after)
        return None if found is None else PreviewEntry(as_utc(found).astimezone(self.timezone))

    def describe(self) -> str:
        return f"every {self.every} from {self.anchor.isoformat()} ({self.timezone.key})"

    def __repr__(self) -> str:
        return f"IntervalTrigger({self.every!r}, anchor={self.anchor.isoformat()!r})"


# -- business-day rules --------------------------------------------------------------------------


class _BusinessDayRule(WallClockTrigger):
    """Fires at local time ``at`` on dates picked from a business calendar (default: FI)."""

    def __init__(
        self,
        at: time,
        calendar: BusinessCalendar | None = None,
        timezone: ZoneInfo | str = DEFAULT_TIMEZONE,
    ) -> None:
        if at.tzinfo is not None:
            raise ValueError("at is a local wall time: give it without a time zone")
        self.at = at
        self.calendar = calendar if calendar is not None else default_calendar()
        self.timezone = as_zone(timezone)

    @abstractmethod
    def _first_date(self, day: date) -> tuple[date, tuple[str, ...]] | None:
        """The first firing date on or after ``day`` (within ten years), with notes."""

    def _next_wall(self, wall: datetime) -> Nominal | None:
        day = wall.date()
        if datetime.combine(day, self.at) <= wall:
            day += _ONE_DAY
        found = self._first_date(day)
        if found is None:
            return None
        return Nominal(datetime.combine(found[0], self.at), found[1])

    def _where(self) -> str:
        return f"at {self.at:%H:%M} ({self.timezone.key}, calendar {self.calendar.name})"

    def _skipped(self, start: date, end: date) -> list[str]:
        """Notes for closed weekdays in ``[start, end)``; weekends go without saying."""
        return [
            f"skipped {_day(day)}: {reason}"
            for day, reason in self.calendar.closures(start, end)
            if day.weekday() < 5
        ]


class EveryBusinessDay(_BusinessDayRule):
    """Fires at ``at`` on every business day of the calendar."""

    def _first_date(self, day: date) -> tuple[date, tuple[str, ...]]:
        found = self.calendar.next_business_day(day, include_self=True)
        return found, tuple(self._skipped(day, found))

    def describe(self) -> str:
        return f"every business day {self._where()}"


class NthBusinessDayOfMonth(_BusinessDayRule):
    """Fires at ``at`` on the ``n``-th business day of each month (-1 = last, -2 = second last).

    A month with fewer than ``abs(n)`` business days is skipped, with a note.
    """

    def __init__(
        self,
        n: int,
        at: time,
        calendar: BusinessCalendar | None = None,
        timezone: ZoneInfo | str = DEFAULT_TIMEZONE,
    ) -> None:
        if n == 0 or abs(n) > 23:
            raise ValueError(f"n must be 1…23 or -1…-23, got {n}")
        super().__init__(at, calendar, timezone)
        self.n = n

    def _first_date(self, day: date) -> tuple[date, tuple[str, ...]] | None:
        year, month = day.year, day.month
        notes: list[str] = []
        for _ in range(_MAX_MONTHS):
            found = self.calendar.nth_business_day(year, month, self.n)
            if found is None:
                last = self.calendar.nth_business_day(year, month, -1)
                if last is not None and last >= day:  # a month still ahead, but too short
                    notes.append(f"{year}-{month:02d} has fewer than {abs(self.n)} business days")
            elif found >= day:
                if self.n > 0:
                    notes += self._skipped(found.replace(day=1), found)
                else:
                    notes += self._skipped(found + _ONE_DAY, _next_month(found))
                return found, tuple(notes)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return None

    def describe(self) -> str:
        return f"{_ordinal(self.n)} business day of the month {self._where()}"


class LastBusinessDayOfMonth(NthBusinessDayOfMonth):
    """Fires at ``at`` on the last business day of each month."""

    def __init__(
        self,
        at: time,
        calendar: BusinessCalendar | None = None,
        timezone: ZoneInfo | str = DEFAULT_TIMEZONE,
    ) -> None:
        super().__init__(-1, at, calendar, timezone)


class WeekdayRule(_BusinessDayRule):
    """Fires at ``at`` on a weekday (0 = Monday) each week; a closed day rolls per ``roll``.

    ``next_business_day`` moves a closed day to the next business day, ``previous_business_day``
    to the previous one, and ``skip`` drops that week. Two weeks rolled onto one date fire once.
    """

    def __init__(
        self,
        weekday: int,
        at: time,
        calendar: BusinessCalendar | None = None,
        roll: Roll = "next_business_day",
        timezone: ZoneInfo | str = DEFAULT_TIMEZONE,
    ) -> None:
        if not 0 <= weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) … 6 (Sunday), got {weekday}")
        if roll not in ("next_business_day", "previous_business_day", "skip"):
            raise ValueError(f"unknown roll {roll!r}")
        super().__init__(at, calendar, timezone)
        self.weekday = weekday
        self.roll = roll

    def _rolled(self, nominal: date) -> date | None:
        if self.roll == "next_business_day":
            return self.calendar.next_business_day(nominal, include_self=True)
        if self.roll == "previous_business_day":
            return self.calendar.previous_business_day(nominal, include_self=True)
        return nominal if self.calendar.is_business_day(nominal) else None

    def _first_date(self, day: date) -> tuple[date, tuple[str, ...]] | None:
        nominal = day + timedelta(days=(self.weekday - day.weekday()) % 7)
        if self.roll == "next_business_day":
            # an earlier week's closed weekday may roll forward onto or past `day`
            while self.calendar.next_business_day(nominal - _ONE_WEEK, include_self=True) >= day:
                nominal -= _ONE_WEEK
        notes: list[str] = []
        for _ in range(_MAX_WEEKS):
            moved = self._rolled(nominal)
            reason = self.calendar.closure_reason(nominal)
            if moved is not None and moved >= day:
                if moved != nominal:
                    notes.append(f"{_day(nominal)} is closed ({reason}); moved to {_day(moved)}")
                return moved, tuple(notes)
            if moved is None:
                notes.append(f"skipped {_day(nominal)}: {reason}")
            nominal += _ONE_WEEK
        return None

    def describe(self) -> str:
        roll = "" if self.roll == "skip" else f", closed days roll to the {self.roll}"
        return f"every {WEEKDAY_NAMES[self.weekday]} {self._where()}{roll.replace('_', ' ')}"


def _next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def _day(day: date) -> str:
    return f"{day:%a} {day.isoformat()}"


def _ordinal(n: int) -> str:
    if n == -1:
        return "last"
    if n < 0:
        return f"{_ordinal(-n)} last"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# -- listing fire times --------------------------------------------------------------------------


def preview(trigger: Trigger, after: datetime, count: int) -> list[PreviewEntry]:
    """The next ``count`` fire times after ``after``, with notes (backs ``schedules preview``)."""
    entries: list[PreviewEntry] = []
    cursor = after
    while len(entries) < count and (found := trigger.next_firing(cursor)) is not None:
        entries.append(found)
        cursor = found.fire_time
    return entries


def fire_times_between(trigger: Trigger, after: datetime, until: datetime) -> list[datetime]:
    """Every nominal fire time in ``(after, until]``, in order."""
    require_aware(until, "until")
    times: list[datetime] = []
    cursor = after
    while (found := trigger.next_fire_time(cursor)) is not None and as_utc(found) <= as_utc(until):
        times.append(found)
        cursor = found
    return times
