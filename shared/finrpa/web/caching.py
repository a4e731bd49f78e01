"""A small time-limited cache for what pages read on every request but rarely changes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class TtlCache(Generic[T]):
    """Values kept ``ttl`` seconds per key; ``invalidate()`` forgets them all at once."""

    def __init__(self, ttl: float, max_entries: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self._entries: dict[Hashable, tuple[float, T]] = {}
        self._lock = threading.Lock()

    def peek(self, key: Hashable) -> tuple[bool, T | None]:
        """(True, value) when a fresh value is cached, else (False, None); never computes."""
        with self._lock:
            found = self._entries.get(key)
        if found is not None and self.clock() - found[0] < self.ttl:
            return True, found[1]
        return False, None

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        now = self.clock()
        with self._lock:
            found = self._entries.get(key)
        if found is not None and now - found[0] < self.ttl:
            return found[1]
        value = compute()
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[key] = (now, value)
        return value

    def invalidate(self) -> None:
        with self._lock:
            self._entries.clear()
