"""Records that cross the queue's boundary: work items, events, files and counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from finrpa.domain.items import ItemState


class WorkItem(BaseModel):
    """One unit of work (an invoice, a bank transaction, a supplier record) and where it stands."""

    model_config = ConfigDict(frozen=True)

    id: int
    queue: str
    business_key: str | None = None
    state: ItemState
    priority: int = 0
    payload: Any = None
    due_at: datetime | None = None
    available_at: datetime
    attempts: int = 0
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None
    parent_id: int | None = None
    run_id: str | None = None
    reason_code: str | None = None
    message: str | None = None
    evidence: Any = None
    assignee: str | None = None
    created_at: datetime
    updated_at: datetime


class NewItem(BaseModel):
    """What it takes to enqueue an item."""

    payload: Any = None
    business_key: str | None = None
    priority: int = 0
    due_at: datetime | None = None
    parent_id: int | None = None
    run_id: str | None = None
    files: dict[str, bytes] = Field(default_factory=dict)


class EnqueueResult(BaseModel):
    """The item an enqueue produced or found. ``created`` is False for a repeated business key."""

    model_config = ConfigDict(frozen=True)

    item: WorkItem
    created: bool


class ItemEvent(BaseModel):
    """One append-only audit event: who did what to which item, when, and the state change."""

    model_config = ConfigDict(frozen=True)

    id: int
    item_id: int
    at: datetime
    actor: str
    action: str
    from_state: ItemState | None = None
    to_state: ItemState | None = None
    detail: dict[str, Any] | None = None


class AttachedFile(BaseModel):
    """A file attached to an item; the content lives once per sha256."""

    model_config = ConfigDict(frozen=True)

    name: str
    sha256: str
    size: int


class QueueStats(BaseModel):
    """How many items a queue holds in each state."""

    queue: str
    counts: dict[ItemState, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class QueueConfig(BaseModel):
    """A queue's retry and lease settings, and the payload model reviewers' corrections must fit."""

    name: str
    max_attempts: int = 3
    base_delay_s: float = 30.0
    backoff_factor: float = 2.0
    max_delay_s: float = 3600.0
    lease_seconds: float = 300.0
    payload_model: str | None = None
    editable_fields: list[str] | None = None
    #: ``module:function`` building the review list's summary (finrpa.queue.summaries).
    summary_extractor: str | None = None


class ItemOutcome(BaseModel):
    """How a worker finished one leased item, for :meth:`QueueStore.finish_many`.

    ``payload_update`` sets top-level keys of the item's (object) payload, each validated as
    the queue model's field of that name; the rest of the payload is left as stored.
    """

    model_config = ConfigDict(frozen=True)

    item_id: int
    outcome: Literal["done", "business_exception"] = "done"
    payload_update: dict[str, Any] | None = None
    code: str | None = None
    message: str | None = None
    evidence: Any = None


class ItemDigest(NamedTuple):
    """One item as :meth:`QueueStore.digests` reads it, for reports over thousands of items.

    ``values`` are the payload's parts at the paths asked for, in their order (None where a
    path leads nowhere), as JSON data: decimals and dates as the payload stores them.
    """

    id: int
    business_key: str | None
    state: ItemState
    due_at: datetime | None
    values: tuple[Any, ...]
