"""Hands a worker its items one at a time, claiming them from the store in batches.

Claiming ten items in one transaction costs about what claiming one does, so a consumer with
``batch_size`` > 1 pays one commit per batch instead of one per item. Items it claimed but has
not handed out are released (without counting an attempt) when it closes. While an item is out,
a heartbeat keeps its lease alive, so slow work is not mistaken for a dead worker.
"""

from __future__ import annotations

import contextlib
import threading
from collections import deque

from finrpa.errors import LeaseLost
from finrpa.queue.records import WorkItem
from finrpa.queue.store import QueueStore


class Consumer:
    """Pull items of one queue for one owner."""

    def __init__(
        self,
        store: QueueStore,
        queue: str,
        owner: str,
        *,
        batch_size: int = 1,
        lease_seconds: float | None = None,
        heartbeat: bool = True,
    ) -> None:
        self.store = store
        self.queue = queue
        self.owner = owner
        self.batch_size = max(1, batch_size)
        self.lease_seconds = lease_seconds or store.queue_config(queue).lease_seconds
        self._buffer: deque[WorkItem] = deque()
        self._current: int | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._heartbeat: threading.Thread | None = None
        if heartbeat:
            self._heartbeat = threading.Thread(
                target=self._beat, name=f"lease-heartbeat-{queue}", daemon=True
            )
            self._heartbeat.start()

    def next_item(self) -> WorkItem | None:
        """The next item to work on, or None when the queue has nothing claimable."""
        if not self._buffer:
            self._buffer.extend(
                self.store.claim(
                    self.queue, self.owner, limit=self.batch_size, lease_seconds=self.lease_seconds
                )
            )
        if not self._buffer:
            return None
        item = self._buffer.popleft()
        with self._lock:
            self._current = item.id
        return item

    def finished(self, item_id: int) -> None:
        """Tell the consumer the item is released, so its heartbeat stops."""
        with self._lock:
            if self._current == item_id:
                self._current = None

    def close(self) -> None:
        """Stop the heartbeat and hand back items claimed but never handed out."""
        self._stop.set()
        while self._buffer:
            item = self._buffer.popleft()
            # A lease that already expired was taken back: nothing left to release.
            with contextlib.suppress(LeaseLost):
                self.store.release(item.id, self.owner)
        if self._heartbeat is not None and self._heartbeat is not threading.current_thread():
            self._heartbeat.join(timeout=5)

    def _beat(self) -> None:
        interval = max(self.lease_seconds / 3, 0.05)
        while not self._stop.wait(interval):
            with self._lock:
                held = [self._current] if self._current is not None else []
            held += [item.id for item in list(self._buffer)]
            for item_id in held:
                try:
                    self.store.extend_lease(item_id, self.owner, self.lease_seconds)
                except LeaseLost:
                    continue
                except Exception:  # noqa: BLE001 - a failed heartbeat must not kill the robot
                    continue
