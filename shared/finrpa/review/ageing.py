"""How old an item is, in business days, and the creation cut-off for "at least N days". Pure."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from finrpa.domain.calendar import BusinessCalendar


@lru_cache(maxsize=4096)
def business_age(calendar: BusinessCalendar, created: date, today: date) -> int:
    """Business days from ``created`` to ``today``: [created, today), 0 for today's items."""
    return max(calendar.business_days_between(created, today), 0)


def age_cutoff(calendar: BusinessCalendar, today: date, min_age: int) -> date | None:
    """The latest creation date whose age is at least ``min_age``; None when 0 (no limit)."""
    if min_age <= 0:
        return None
    return calendar.subtract_business_days(today, min_age)


def created_before(calendar: BusinessCalendar, now: datetime, min_age: int,
                   zone: ZoneInfo) -> datetime | None:
    """The instant items must be created before to be at least ``min_age`` business days old."""
    cutoff = age_cutoff(calendar, now.astimezone(zone).date(), min_age)
    if cutoff is None:
        return None
    return datetime.combine(cutoff + timedelta(days=1), time(0), tzinfo=zone)
