"""Business-day calendars: which days Finnish banks and back offices work.

A :class:`BusinessCalendar` closes Saturdays, Sundays and the holidays of the ``holidays``
package's Finland calendar in its **default (public) category**. That category already lists
Midsummer Eve and Christmas Eve, when Finnish banks are closed, besides the public holidays.
The ``unofficial`` category (flag days such as Runeberg Day) is never used: those are working days.

On top of the package's list a calendar takes extra closure dates (a bank's own closing days)
and extra working days (say, a Saturday a closing run must happen on). Holiday names are always
asked for in an explicit language: with ``language=None`` the package picks it from the
``LANGUAGE``/``LC_ALL``/``LC_MESSAGES``/``LANG`` environment variables, so the names would depend
on the machine.

Pure: the calendar reads no clock and no files; callers pass the dates.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, timedelta
from functools import cache

import holidays

WEEKEND_REASON = "weekend"
CLOSURE_REASON = "bank closure"
DEFAULT_LANGUAGE = "en_US"
_MAX_SEARCH_DAYS = 3660  # ten years: a calendar closed for longer is misconfigured
_ONE_DAY = timedelta(days=1)


class BusinessCalendar:
    """Business days: weekdays that are not holidays or extra closures, plus extra working days."""

    def __init__(
        self,
        holiday_names: holidays.HolidayBase,
        *,
        name: str = "custom",
        extra_closures: Mapping[date, str] | Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
    ) -> None:
        self.name = name
        self._holidays = holiday_names
        if isinstance(extra_closures, Mapping):
            self._closures = dict(extra_closures)
        else:
            self._closures = {day: CLOSURE_REASON for day in extra_closures}
        self._working_days = frozenset(extra_working_days)
        clash = self._working_days & self._closures.keys()
        if clash:
            listed = ", ".join(day.isoformat() for day in sorted(clash))
            raise ValueError(f"dates are both extra closures and extra working days: {listed}")

    @classmethod
    def finland(
        cls,
        *,
        extra_closures: Mapping[date, str] | Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
        language: str = DEFAULT_LANGUAGE,
    ) -> BusinessCalendar:
        """The Finnish bank calendar ("FI"): public holidays plus Midsummer and Christmas Eve."""
        finland = holidays.country_holidays("FI", categories=(holidays.PUBLIC,), language=language)
        return cls(
            finland,
            name="FI",
            extra_closures=extra_closures,
            extra_working_days=extra_working_days,
        )

    def __repr__(self) -> str:
        return (
            f"BusinessCalendar(name={self.name!r}, extra_closures={len(self._closures)}, "
            f"extra_working_days={len(self._working_days)})"
        )

    # -- single days ---------------------------------------------------------------------------

    def holiday_name(self, day: date) -> str | None:
        """The holiday's name from the holiday list (any weekday), or None."""
        return self._holidays.get(day)

    def closure_reason(self, day: date) -> str | None:
        """Why ``day`` is closed: a holiday name, a closure reason or "weekend"; None when open."""
        if day in self._working_days:
            return None
        name = self._holidays.get(day)
        if name:
            return str(name)
        if day in self._closures:
            return self._closures[day]
        if day.weekday() >= 5:
            return WEEKEND_REASON
        return None

    def is_business_day(self, day: date) -> bool:
        """True when banks and the back office work on ``day``."""
        return self.closure_reason(day) is None

    # -- stepping ------------------------------------------------------------------------------

    def next_business_day(self, day: date, include_self: bool = False) -> date:
        """The first business day after ``day`` (or ``day`` itself when allowed and open)."""
        return self._step(day if include_self else day + _ONE_DAY, _ONE_DAY)

    def previous_business_day(self, day: date, include_self: bool = False) -> date:
        """The last business day before ``day`` (or ``day`` itself when allowed and open)."""
        return self._step(day if include_self else day - _ONE_DAY, -_ONE_DAY)

    def add_business_days(self, day: date, n: int) -> date:
        """Move ``n`` business days from ``day`` (which need not be open itself).

        Positive ``n`` counts business days after ``day``, negative ones before it. ``n == 0``
        returns ``day`` when it is open, else the next business day.
        """
        if n == 0:
            return self.next_business_day(day, include_self=True)
        step = self.next_business_day if n > 0 else self.previous_business_day
        for _ in range(abs(n)):
            day = step(day)
        return day

    def subtract_business_days(self, day: date, n: int) -> date:
        """``day`` less ``n`` business days, for lead times such as "due date less 3 business days".

        ``n == 0`` returns ``day`` when open, else the previous business day: a deadline never
        moves later.
        """
        if n < 0:
            raise ValueError(f"n must be zero or positive, got {n}")
        if n == 0:
            return self.previous_business_day(day, include_self=True)
        return self.add_business_days(day, -n)

    def business_days_between(self, start: date, end: date) -> int:
        """Business days in the half-open range ``[start, end)``; negative when ``end < start``.

        For business days ``a < b``: ``add_business_days(a, business_days_between(a, b)) == b``.
        """
        if end < start:
            return -self.business_days_between(end, start)
        return sum(1 for day in _days(start, end) if self.is_business_day(day))

    # -- months --------------------------------------------------------------------------------

    def business_days_in_month(self, year: int, month: int) -> list[date]:
        """Every business day of the month, in order."""
        first = date(year, month, 1)
        after_last = first + timedelta(days=_stdlib_calendar.monthrange(year, month)[1])
        return [day for day in _days(first, after_last) if self.is_business_day(day)]

    def nth_business_day(self, year: int, month: int, n: int) -> date | None:
        """The ``n``-th business day of the month (1 = first; -1 = last, -2 = second last).

        Returns None when the month has fewer than ``abs(n)`` business days.
        """
        if n == 0:
            raise ValueError("n counts from 1 (first) or from -1 (last); 0 is not a position")
        days = self.business_days_in_month(year, month)
        if abs(n) > len(days):
            return None
        return days[n - 1] if n > 0 else days[n]

    def last_business_day(self, year: int, month: int) -> date:
        """The last business day of the month."""
        found = self.nth_business_day(year, month, -1)
        if found is None:
            raise ValueError(f"{year}-{month:02d} has no business day in calendar {self.name}")
        return found

    def closures(self, start: date, end: date) -> list[tuple[date, str]]:
        """Closed days in ``[start, end)`` with their reasons (weekends included)."""
        found = []
        for day in _days(start, end):
            reason = self.closure_reason(day)
            if reason is not None:
                found.append((day, reason))
        return found

    def _step(self, day: date, step: timedelta) -> date:
        for _ in range(_MAX_SEARCH_DAYS):
            if self.is_business_day(day):
                return day
            day += step
        raise ValueError(f"no business day within {_MAX_SEARCH_DAYS} days of {day.isoformat()}")


def _days(start: date, end: date) -> Iterator[date]:
    day = start
    while day < end:
        yield day
        day += _ONE_DAY


@cache
def default_calendar() -> BusinessCalendar:
    """The shared Finnish bank calendar with no extra closures (names in English)."""
    return BusinessCalendar.finland()
