"""Read queries and row-to-record conversion for the SQL queue."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import JSON, ColumnElement, Connection, String, exists, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY

from finrpa.db.schema import item_events, work_items
from finrpa.domain.items import ItemState
from finrpa.errors import QueueError
from finrpa.queue.records import ItemDigest, ItemEvent, QueueStats, WorkItem

#: A payload path: dotted plain field names (they become JSON paths in SQL).
_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


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


def digests(
    connection: Connection,
    queue: str,
    paths: Sequence[str],
    keys: Sequence[str] | None,
    states: Collection[ItemState] | None,
    without_children_in: str | None,
) -> list[ItemDigest]:
    """See ``QueueStore.digests``: one statement per 500 keys (one in all without keys)."""
    for path in paths:
        if not _PATH.match(path):
            raise QueueError(f"payload path {path!r} is not dotted plain field names")
    parts = _payload_parts(connection.dialect.name, paths)
    query = select(work_items.c.id, work_items.c.business_key, work_items.c.state,
                   work_items.c.due_at, *([parts] if parts is not None else []))
    query = query.where(work_items.c.queue == queue).order_by(work_items.c.id)
    if states is not None:
        query = query.where(work_items.c.state.in_([ItemState(s).value for s in states]))
    if without_children_in is not None:
        child = work_items.alias("child")
        query = query.where(~exists().where(child.c.parent_id == work_items.c.id,
                                            child.c.queue == without_children_in))
    if keys is None:
        chunks = [query]
    else:
        key_list = list(dict.fromkeys(keys))  # a key twice would find its item twice
        chunks = [query.where(work_items.c.business_key.in_(key_list[start : start + 500]))
                  for start in range(0, len(key_list), 500)]
    found: list[ItemDigest] = []
    for chunk in chunks:
        found += [ItemDigest(row[0], row[1], ItemState(row[2]), row[3],
                             _values(row[4], len(paths)) if parts is not None else ())
                  for row in connection.execute(chunk)]
    if keys is not None and len(chunks) > 1:
        found.sort(key=lambda digest: digest.id)
    return found


def _values(parts: list[Any] | None, count: int) -> tuple[Any, ...]:
    # SQLite's json_extract of an SQL NULL payload is NULL, not an array of nulls.
    return (None,) * count if parts is None else tuple(parts)


def _payload_parts(dialect: str, paths: Sequence[str]) -> ColumnElement[Any] | None:
    """One JSON array of the payload's parts at ``paths``, so each payload is parsed once."""
    if not paths:
        return None
    payload = work_items.c.payload
    if dialect == "postgresql":
        return func.jsonb_build_array(
            *(payload.op("#>")(literal(path.split("."), ARRAY(String))) for path in paths),
            type_=JSON)
    json_paths = [literal(f"$.{path}") for path in paths]
    # json_extract of several paths gives an array of their values, of one path the bare value.
    if len(paths) == 1:
        return func.json_array(func.json_extract(payload, *json_paths), type_=JSON)
    return func.json_extract(payload, *json_paths, type_=JSON)


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
