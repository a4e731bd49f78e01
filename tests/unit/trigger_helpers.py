"""Helpers for trigger tests: building instants and running a scheduler loop on a fake clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from finrpa.runs.triggers import Trigger

HKI = ZoneInfo("Europe/Helsinki")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=HKI)


def on(day: date, hour: int, minute: int = 0, days: int = 0, zone: tzinfo = UTC) -> datetime:
    """``hour:minute`` in ``zone`` on ``day`` moved by ``days`` (safe across month ends)."""
    return datetime.combine(day + timedelta(days=days), time(hour, minute), zone)


def utc_times(times: list[datetime]) -> list[datetime]:
    return [moment.astimezone(UTC) for moment in times]


def run_clock(trigger: Trigger, start: datetime, end: datetime) -> list[datetime]:
    """A scheduler loop on a fake clock ticking every minute in UTC: the firings it starts."""
    fired: list[datetime] = []
    due = trigger.next_fire_time(start)
    now = start
    while now <= end:
        while due is not None and due.astimezone(UTC) <= now:
            fired.append(due)
            due = trigger.next_fire_time(due)
        now += timedelta(minutes=1)
    return fired
