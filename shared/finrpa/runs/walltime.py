"""Wall-clock time under daylight saving time, and the interface every trigger implements.

The DST rules themselves are stated in :mod:`finrpa.runs.triggers`; they are enforced here,
once, by :class:`WallClockTrigger` for every trigger that names local times. Pure: no clock.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Europe/Helsinki"
MAX_STEPS = 100_000  # wall times tried per search; a per-second cron needs 3,600 in one hour


@dataclass(frozen=True)
class PreviewEntry:
    """One fire time, with notes for people on skipped closed days and DST shifts."""

    fire_time: datetime
    notes: tuple[str, ...] = ()


class Nominal(NamedTuple):
    """A nominal firing before DST resolution: local wall time plus calendar notes."""

    wall: datetime  # naive local time
    notes: tuple[str, ...] = ()


# -- DST resolution ------------------------------------------------------------------------------


def resolve_wall_time(wall: datetime, zone: ZoneInfo) -> tuple[datetime, str | None]:
    """The instant a naive local ``wall`` time fires at, under the DST rules of triggers.py.

    Returns the aware instant (in ``zone``) and "missing" or "repeated" when a rule applied.
    """
    first = wall.replace(tzinfo=zone, fold=0)
    second = wall.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first, None
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall:
        return _end_of_gap(first, second, zone), "missing"
    return first.astimezone(UTC).astimezone(zone), "repeated"


def _end_of_gap(first: datetime, second: datetime, zone: ZoneInfo) -> datetime:
    """The transition after a missing wall time: the first instant whose wall time is later."""
    wall = first.replace(tzinfo=None)
    low, high = sorted((int(first.timestamp()), int(second.timestamp())))
    while high - low > 1:  # invariant: local(low) < wall < local(high)
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).replace(tzinfo=None) > wall:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, zone)


def _dst_note(wall: datetime, instant: datetime, kind: str) -> str:
    when = f"{wall:%Y-%m-%d %H:%M}"
    if kind == "missing":
        return f"{when} does not exist (clocks go forward); fires at {instant:%H:%M %Z}"
    offset = f"{instant:%z}"
    return (
        f"{when} occurs twice (clocks go back); fires once, at the first occurrence "
        f"({instant:%H:%M %Z}, UTC{offset[:3]}:{offset[3:]})"
    )


def require_aware(value: datetime, what: str = "after") -> datetime:
    """``value`` itself, or ValueError when it has no time zone."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got {value.isoformat()}")
    return value


def as_utc(value: datetime) -> datetime:
    """Compare in UTC: aware datetimes sharing a tzinfo compare by wall time, ignoring fold."""
    return value.astimezone(UTC)


def as_zone(value: ZoneInfo | str) -> ZoneInfo:
    """A ZoneInfo from a zone or its IANA name."""
    return value if isinstance(value, ZoneInfo) else ZoneInfo(value)


# -- the trigger interface -----------------------------------------------------------------------


class Trigger(ABC):
    """A rule that says when a schedule fires."""

    timezone: ZoneInfo

    def next_fire_time(self, after: datetime) -> datetime | None:
        """The next nominal fire time strictly after the aware datetime ``after``, or None."""
        found = self.next_firing(after)
        return found.fire_time if found else None

    @abstractmethod
    def next_firing(self, after: datetime) -> PreviewEntry | None:
        """Like :meth:`next_fire_time`, with notes on skipped days and DST shifts."""

    @abstractmethod
    def describe(self) -> str:
        """One line for people, e.g. "every business day at 07:00 (Europe/Helsinki)"."""


class WallClockTrigger(Trigger):
    """A trigger naming local wall times; the DST rules are applied here, once for all."""

    @abstractmethod
    def _next_wall(self, wall: datetime) -> Nominal | None:
        """The first nominal wall time strictly after the naive local time ``wall``."""

    def next_firing(self, after: datetime) -> PreviewEntry | None:
        after_utc = as_utc(require_aware(after))
        wall = after_utc.astimezone(self.timezone).replace(tzinfo=None)
        for _ in range(MAX_STEPS):
            nominal = self._next_wall(wall)
            if nominal is None:
                return None
            instant, kind = resolve_wall_time(nominal.wall, self.timezone)
            if as_utc(instant) > after_utc:
                notes = nominal.notes
                if kind:
                    notes += (_dst_note(nominal.wall, instant, kind),)
                if kind == "missing":
                    notes += self._merged_into(nominal.wall, instant)
                return PreviewEntry(instant, notes)
            wall = nominal.wall  # fell on or before `after` (a merged or already-fired time)
        raise RuntimeError(f"{self.describe()}: no fire time found after {after.isoformat()}")

    def _merged_into(self, wall: datetime, instant: datetime) -> tuple[str, ...]:
        """Notes for later wall times of the same gap: they merge into the firing at ``instant``."""
        end_of_gap = instant.replace(tzinfo=None)
        merged: list[str] = []
        while (later := self._next_wall(wall)) is not None and later.wall < end_of_gap:
            merged.append(f"{later.wall:%H:%M}")
            wall = later.wall
        if not merged:
            return ()
        return (f"also merged into this firing: {', '.join(merged)} (missing times)",)
