"""The clock the scheduler, the worker and the alert sender read: real, or fast-forwarded.

Every loop asks its clock for ``now()`` and waits with ``sleep(seconds, stop)``, so tests and
the benchmark can run a simulated week in seconds with :class:`FakeClock`.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Tells the time and waits."""

    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...

    def sleep(self, seconds: float, stop: threading.Event) -> bool:
        """Wait ``seconds`` or until ``stop`` is set; True when stopped."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float, stop: threading.Event) -> bool:
        return stop.wait(max(seconds, 0.0))


class FakeClock:
    """A clock that moves only when told, or when slept on (instantly). Thread-safe."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta | float) -> datetime:
        """Move the clock forward by ``delta`` (seconds or a timedelta)."""
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        with self._lock:
            self._now += step
            return self._now

    def set(self, when: datetime) -> None:
        """Jump to ``when`` (never backwards)."""
        with self._lock:
            if when < self._now:
                raise ValueError(f"the clock does not go back ({when} < {self._now})")
            self._now = when.astimezone(UTC)

    def sleep(self, seconds: float, stop: threading.Event) -> bool:
        self.advance(max(seconds, 0.0))
        return stop.is_set()
