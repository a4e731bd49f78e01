"""Read queries and row-to-record conversion for the SQL queue."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, func, select

from finrpa.db.schema import item_events, work_items
from finrpa.domain.items import ItemState
from finrpa.queue.records import ItemEvent, QueueStats, WorkItem


def to_item(row: Mapping[str, Any]) -> WorkItem:
    """A WorkItem record from a work_items row."""
    return WorkItem.model_validate(dict(row))


def items_by_keys(
    connection: Connection, queue: str, keys: Sequence[str]
) -> dict[str, Mapping[str, Any]]:
    """Existing items of ``queue`` with the given business keys, by key."""
    found: dict[str, Mapping[str, Any]] = {}
    for start in range(0, len(keys), 500):
        chunk = list(keys[start : start + 500])
        rows = connection.execute(
            select(work_items).where(
                work_items.c.queue == queue, work_items.c.business_key.in_(chunk)
            )
        ).mappings()
        found.update({row["business_key"]: row for row in rows})
    return found


def list_items(
    connection: Connection,
    queue: str | None,
    state: ItemState | None,
    limit: int,
    after_id: int | None,
) -> list[WorkItem]:
    """Items in id order, optionally filtered, starting after ``after_id`` (keyset pagination)."""
    query = select(work_items).order_by(work_items.c.id).limit(limit)
    if queue is not None:
        query = query.where(work_items.c.queue == queue)
    if state is not None:
        query = query.where(work_items.c.state == ItemState(state).value)
    if after_id is not None:
        query = query.where(work_items.c.id > after_id)
    return [to_item(row) for row in connection.execute(query).mappings()]


def children(connection: Connection, item_id: int) -> list[WorkItem]:
    """Items created from ``item_id`` (its outputs), oldest first."""
    query = select(work_items).where(work_items.c.parent_id == item_id).order_by(work_items.c.id)
    return [to_item(row) for row in connection.execute(query).mappings()]


def events(connection: Connection, item_id: int) -> list[ItemEvent]:
    """The item's audit trail, oldest first."""
    query = select(item_events).where(item_events.c.item_id == item_id).order_by(item_events.c.id)
    return [ItemEvent.model_validate(dict(row)) for row in connection.execute(query).mappings()]


def stats(connection: Connection, queue: str | None) -> list[QueueStats]:
    """Item counts per queue and state."""
    query = select(work_items.c.queue, work_items.c.state, func.count()).group_by(
        work_items.c.queue, work_items.c.state
    )
    if queue is not None:
        query = query.where(work_items.c.queue == queue)
    per_queue: dict[str, dict[ItemState, int]] = {}
    for name, state, count in connection.execute(query):
        per_queue.setdefault(name, {})[ItemState(state)] = count
    return [QueueStats(queue=name, counts=counts) for name, counts in sorted(per_queue.items())]


def payload_changes(before: Any, after: Any) -> dict[str, list[Any]]:
    """Top-level fields that differ between two payloads, as {field: [before, after]}."""
    if not isinstance(before, dict) or not isinstance(after, dict):
        return {} if before == after else {"$": [before, after]}
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }
