"""The queue's contract. Every backend implements QueueStore and passes tests/contract/.

Guarantees every implementation gives:

* An item is held by at most one worker at a time: ``claim`` hands each pending item to one
  caller only, under a lease (owner, expiry).
* Only the lease owner can finish an item (``complete``, ``fail_*``, ``release``); anyone else
  gets LeaseLost. A lease that runs out returns the item to ``pending``; the attempt counts.
* Every state change and every decision appends an event; events are never changed.
* A business key is unique per queue: enqueueing it again returns the existing item with
  ``created=False``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from finrpa.domain.items import ItemAction, ItemState
from finrpa.queue.records import (
    AttachedFile,
    EnqueueResult,
    ItemDigest,
    ItemEvent,
    ItemOutcome,
    NewItem,
    QueueConfig,
    QueueStats,
    WorkItem,
)


class QueueStore(ABC):
    """Work items with leases, retries, human decisions and an audit trail."""

    @abstractmethod
    def configure_queue(self, config: QueueConfig) -> None:
        """Create or update a queue's retry, lease and payload-model settings."""

    @abstractmethod
    def queue_config(self, name: str) -> QueueConfig:
        """The queue's settings (defaults for a queue never configured)."""

    @abstractmethod
    def enqueue(self, queue: str, new_item: NewItem, *, actor: str = "system") -> EnqueueResult:
        """Add one item as pending, or find the item that already has its business key."""

    @abstractmethod
    def enqueue_many(
        self, queue: str, new_items: Sequence[NewItem], *, actor: str = "system"
    ) -> list[EnqueueResult]:
        """Add many items in one transaction; results are in input order. A new item enqueued
        with a ``PayloadJson`` payload comes back with that payload as given (``get`` reads it
        decoded)."""

    @abstractmethod
    def claim(
        self, queue: str, owner: str, *, limit: int = 1, lease_seconds: float | None = None,
        raw_payload: bool = False,
    ) -> list[WorkItem]:
        """Lease up to ``limit`` pending items (highest priority, then oldest) to ``owner``.

        Items whose retry time has not come are skipped. Returns [] when nothing is claimable.
        With ``raw_payload``, each payload is its stored JSON text, for a caller that validates
        it straight from JSON (``Model.model_validate_json``) instead of decoding it twice.
        """

    @abstractmethod
    def extend_lease(self, item_id: int, owner: str, seconds: float) -> datetime:
        """Push the lease's expiry to now + ``seconds``; LeaseLost if ``owner`` lost it."""

    @abstractmethod
    def complete(self, item_id: int, owner: str) -> None:
        """Mark the leased item done."""

    @abstractmethod
    def release(self, item_id: int, owner: str) -> None:
        """Hand back a leased item that was never started; the attempt does not count."""

    @abstractmethod
    def fail_application(
        self, item_id: int, owner: str, code: str | None, message: str | None
    ) -> ItemState:
        """A system failed: retry after backoff, or park as failed at the attempt limit."""

    @abstractmethod
    def fail_business(
        self, item_id: int, owner: str, code: str | None, message: str | None,
        evidence: Any = None,
    ) -> ItemState:
        """The data is wrong: send the item to people (needs_review) with code and evidence."""

    @abstractmethod
    def finish_many(self, owner: str, outcomes: Sequence[ItemOutcome]) -> list[ItemState]:
        """Finish many leased items in one transaction: done, or to people (needs_review) with
        code and evidence, each with its payload update; the states they reached, in order.

        All or nothing: when ``owner`` does not hold one of them, LeaseLost and nothing changes.
        """

    @abstractmethod
    def reap_expired(self) -> int:
        """Return items whose lease expired to pending (failed at the limit); how many."""

    @abstractmethod
    def decide(
        self, item_id: int, action: ItemAction, actor: str, note: str | None = None,
        corrected_payload: Any = None,
    ) -> WorkItem:
        """A person's decision: accept, reject (note required), requeue (maybe corrected), retry."""

    @abstractmethod
    def record_event(
        self, item_id: int, actor: str, action: str, detail: dict[str, Any] | None = None
    ) -> None:
        """Append an event that changes no state (a comment, an assignment)."""

    @abstractmethod
    def assign(self, item_id: int, assignee: str | None, actor: str) -> WorkItem:
        """Give an item in review (or failed) to ``assignee`` (None: nobody); an event records it.

        InvalidTransition when the item is not waiting for people.
        """

    @abstractmethod
    def postpone(self, item_id: int, until: datetime, actor: str,
                 note: str | None = None) -> WorkItem:
        """Hide an item in review until ``until`` (its ``available_at``); an event records it."""

    @abstractmethod
    def save_payload(self, item_id: int, payload: Any, *, actor: str) -> None:
        """Replace the item's payload (validated by the queue's model)."""

    @abstractmethod
    def add_file(self, item_id: int, name: str, content: bytes, *, actor: str) -> AttachedFile:
        """Attach a file (content-addressed by sha256); a same-named file is replaced."""

    @abstractmethod
    def remove_file(self, item_id: int, name: str, *, actor: str) -> None:
        """Detach a file."""

    @abstractmethod
    def list_files(self, item_id: int) -> list[AttachedFile]:
        """The item's files."""

    @abstractmethod
    def get_file(self, item_id: int, name: str) -> bytes:
        """One file's content."""

    @abstractmethod
    def get(self, item_id: int) -> WorkItem:
        """One item; ItemNotFound when there is none."""

    @abstractmethod
    def list_items(
        self, *, queue: str | None = None, state: ItemState | None = None, limit: int = 100,
        after_id: int | None = None,
    ) -> list[WorkItem]:
        """Items in id order after ``after_id`` (keyset pagination)."""

    @abstractmethod
    def find_by_keys(self, queue: str, keys: Sequence[str]) -> dict[str, WorkItem]:
        """The items of ``queue`` with these business keys, by key (missing keys left out)."""

    @abstractmethod
    def digests(
        self, queue: str, paths: Sequence[str] = (), *, keys: Sequence[str] | None = None,
        states: Collection[ItemState] | None = None, without_children_in: str | None = None,
    ) -> list[ItemDigest]:
        """A lean read of many items, in id order: id, business key, state, due time and the
        payload's parts at ``paths`` (dotted field names, e.g. ``invoice.seller.name``).

        Only items with one of ``keys`` (business keys), in one of ``states``, and none of
        whose children (items naming it as parent) is in queue ``without_children_in``.
        """

    @abstractmethod
    def children(self, item_id: int) -> list[WorkItem]:
        """Items whose parent is ``item_id``."""

    @abstractmethod
    def events(self, item_id: int) -> list[ItemEvent]:
        """The item's audit trail, oldest first."""

    @abstractmethod
    def stats(self, queue: str | None = None) -> list[QueueStats]:
        """Counts per queue and state."""

    @abstractmethod
    def count(self, queue: str, state: ItemState) -> int:
        """How many items of ``queue`` are in ``state``."""
