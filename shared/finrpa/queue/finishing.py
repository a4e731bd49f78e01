"""Finishing many leased items in one transaction (``QueueStore.finish_many``), on the driver.

A robot that decides a batch of items at once finishes them at once: one transaction, a few
statements for the whole batch, instead of a transaction per item. The audit trail is the
same as item by item: a ``payload_saved`` event per changed payload, then ``complete`` or
``business_exception``.

Payload updates set top-level keys inside the database (``json_set`` on SQLite, ``||`` on
PostgreSQL), so the rest of each payload (a whole invoice, say) is neither read nor rewritten.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from finrpa.domain.items import ItemAction, ItemState, next_state
from finrpa.errors import ItemNotFound, LeaseLost, QueueError
from finrpa.queue.hotpath import HotPath, sqlite_time
from finrpa.queue.records import ItemOutcome

#: Payload keys an update may set: they become JSON paths in SQL, so plain names only.
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CHUNK = 500

#: (queue, payload_update) -> the update validated, JSON-ready.
UpdateValidator = Callable[[str, dict[str, Any]], dict[str, Any]]
#: (queue, payload, evidence) -> the summary_* column values of an item going to people.
Summariser = Callable[[str, Any, Any], dict[str, Any]]


class _Leased:
    """One leased item as the batch found it."""

    __slots__ = ("attempts", "before", "queue")

    def __init__(self, queue: str, attempts: int, before: dict[str, Any]) -> None:
        self.queue, self.attempts, self.before = queue, attempts, before


def finish_leased(
    hot: HotPath,
    owner: str,
    outcomes: Sequence[ItemOutcome],
    now: datetime,
    *,
    max_attempts: Callable[[str], int],
    validate_update: UpdateValidator,
    summarise: Summariser,
) -> list[ItemState]:
    """See ``QueueStore.finish_many``; the states reached, in the order of ``outcomes``."""
    ids = [outcome.item_id for outcome in outcomes]
    if len(set(ids)) != len(ids):
        raise QueueError("finish_many was given the same item twice")
    keys = sorted({key for outcome in outcomes for key in outcome.payload_update or {}})
    for key in keys:
        if not _KEY.match(key):
            raise QueueError(f"payload update key {key!r} is not a plain field name")
    postgres = hot.mark == "%s"
    at: Any = now if postgres else sqlite_time(now)
    with hot.transaction() as connection:
        leased = _lock(connection, hot.mark, ids, keys, owner)
        updates, events = _payload_updates(outcomes, leased, owner, at, validate_update)
        # The payload events first: an item's trail reads "payload_saved", then its ending.
        json_mark = "%s::jsonb" if postgres else "?"
        mark = hot.mark
        _many(connection,
              "INSERT INTO item_events (item_id, at, actor, action, from_state, to_state, "
              f"detail) VALUES ({mark}, {mark}, {mark}, 'payload_saved', 'in_progress', NULL, "
              f"{json_mark})", events)
        done = [outcome for outcome in outcomes if outcome.outcome == "done"]
        _complete(connection, postgres, done, updates, leased, owner, at)
        review = [outcome for outcome in outcomes if outcome.outcome == "business_exception"]
        states = _to_review(connection, mark, review, updates, leased, owner, at, max_attempts,
                            summarise)
    return [states.get(item_id, ItemState.DONE) for item_id in ids]


def _lock(connection: Any, mark: str, ids: list[int], keys: list[str],
          owner: str) -> dict[int, _Leased]:
    """Lock the items, check the lease of each, and read the payload keys about to change."""
    postgres = mark == "%s"
    paths = [key if postgres else f"$.{key}" for key in keys]
    found: dict[int, _Leased] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        path = "%s::text" if postgres else "?"
        olds = "".join(f", payload -> {path} AS old_{index}" for index in range(len(keys)))
        rows = connection.execute(
            f"SELECT id, queue, state, lease_owner, attempts{olds} FROM work_items "
            f"WHERE id IN ({', '.join([mark] * len(chunk))})"
            + (" FOR UPDATE" if postgres else ""), (*paths, *chunk)).fetchall()
        for row in rows:
            values = list(row.values()) if isinstance(row, dict) else list(row)
            item_id, queue, state, lease_owner, attempts = values[:5]
            if state != ItemState.IN_PROGRESS.value or lease_owner != owner:
                raise LeaseLost(item_id, owner)
            before = {key: _decoded(value, postgres) for key, value in zip(keys, values[5:],
                                                                           strict=True)}
            found[item_id] = _Leased(queue, attempts, before)
    for item_id in ids:
        if item_id not in found:
            raise ItemNotFound(item_id)
    return found


def _many(connection: Any, statement: str, parameters: list[tuple[Any, ...]]) -> None:
    """executemany on sqlite3's connection or a psycopg cursor."""
    if not parameters:
        return
    if hasattr(connection, "executemany"):
        connection.executemany(statement, parameters)
        return
    with connection.cursor() as cursor:
        cursor.executemany(statement, parameters)


def _decoded(value: Any, postgres: bool) -> Any:
    # psycopg decodes jsonb; SQLite's -> gives JSON text, or NULL for a key that is absent.
    return value if postgres or value is None else json.loads(value)


class _Update:
    """An item's payload update: the keys it sets, each as JSON text."""

    __slots__ = ("names", "texts", "values")

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values
        self.names = tuple(sorted(values))
        self.texts = {name: json.dumps(values[name]) for name in self.names}

    def parameters(self, postgres: bool) -> tuple[str, ...]:
        if not self.names:
            return ()
        if postgres:
            return ("{" + ", ".join(f"{json.dumps(name)}: {self.texts[name]}"
                                    for name in self.names) + "}",)
        return tuple(self.texts[name] for name in self.names)


_NO_UPDATE = _Update({})


def _assignment(names: tuple[str, ...], postgres: bool) -> str:
    """The SET clause's part that sets payload keys ``names`` (empty for none)."""
    if not names:
        return ""
    if postgres:
        return "payload = coalesce(payload, '{}'::jsonb) || %s::jsonb, "
    paths = ", ".join(f"'$.{name}', json(?)" for name in names)
    return f"payload = json_set(coalesce(payload, '{{}}'), {paths}), "


def _payload_updates(
    outcomes: Sequence[ItemOutcome], leased: dict[int, _Leased], owner: str, at: Any,
    validate_update: UpdateValidator,
) -> tuple[dict[int, _Update], list[tuple[Any, ...]]]:
    """Each item's validated update (only the keys that change) and its payload_saved event."""
    updates: dict[int, _Update] = {}
    events: list[tuple[Any, ...]] = []
    for outcome in outcomes:
        if not outcome.payload_update:
            continue
        item = leased[outcome.item_id]
        validated = validate_update(item.queue, outcome.payload_update)
        changed = {key: value for key, value in validated.items()
                   if item.before.get(key) != value}
        if not changed:
            continue
        update = updates[outcome.item_id] = _Update(changed)
        # The event repeats each value's JSON text instead of encoding it again.
        detail = ", ".join(f"{json.dumps(key)}: [{json.dumps(item.before.get(key))}, "
                           f"{update.texts[key]}]" for key in update.names)
        events.append((outcome.item_id, at, owner, '{"changes": {' + detail + "}}"))
    return updates, events


def _complete(connection: Any, postgres: bool, done: list[ItemOutcome],
              updates: dict[int, _Update], leased: dict[int, _Leased], owner: str,
              at: Any) -> None:
    if not done:
        return
    mark = "%s" if postgres else "?"
    grouped: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    for outcome in done:
        update = updates.get(outcome.item_id, _NO_UPDATE)
        grouped.setdefault(update.names, []).append(
            (*update.parameters(postgres), at, outcome.item_id))
    for names, parameters in grouped.items():
        payload = _assignment(names, postgres)
        _many(connection,
              f"UPDATE work_items SET {payload}state = 'done', lease_owner = NULL, "
              f"lease_expires_at = NULL, updated_at = {mark}, reason_code = NULL, "
              f"message = NULL WHERE id = {mark}", parameters)
    if postgres:  # on SQLite, the trigger of migration 0002 writes these events
        _many(connection,
              "INSERT INTO item_events (item_id, at, actor, action, from_state, to_state, "
              "detail) VALUES (%s, %s, %s, 'complete', 'in_progress', 'done', %s::jsonb)",
              [(outcome.item_id, at, owner,
                json.dumps({"attempt": leased[outcome.item_id].attempts}))
               for outcome in done])


_REVIEW_COLUMNS = ("summary_title", "summary_supplier", "summary_supplier_key",
                   "summary_reference", "summary_amount_minor", "summary_currency")


def _to_review(
    connection: Any, mark: str, review: list[ItemOutcome], updates: dict[int, _Update],
    leased: dict[int, _Leased], owner: str, at: Any, max_attempts: Callable[[str], int],
    summarise: Summariser,
) -> dict[int, ItemState]:
    if not review:
        return {}
    postgres = mark == "%s"
    payloads = _payloads(connection, mark, [outcome.item_id for outcome in review])
    json_mark = f"{mark}::jsonb" if postgres else mark
    grouped: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    events, states = [], {}
    for outcome in review:
        item = leased[outcome.item_id]
        target = next_state(ItemState.IN_PROGRESS, ItemAction.BUSINESS_EXCEPTION,
                            attempts=item.attempts, max_attempts=max_attempts(item.queue))
        states[outcome.item_id] = target
        update = updates.get(outcome.item_id, _NO_UPDATE)
        payload = payloads[outcome.item_id]
        if update.names:  # the summary describes the payload as it will be
            payload = {**(payload if isinstance(payload, dict) else {}), **update.values}
        summary = summarise(item.queue, payload, outcome.evidence)
        evidence = None if outcome.evidence is None else json.dumps(outcome.evidence)
        grouped.setdefault(update.names, []).append(
            (*update.parameters(postgres), target.value, at, outcome.code, outcome.message,
             evidence, *(summary.get(column) for column in _REVIEW_COLUMNS), outcome.item_id))
        events.append((outcome.item_id, at, owner, target.value, json.dumps(
            {"attempt": item.attempts, "code": outcome.code, "message": outcome.message})))
    summary_sets = ", ".join(f"{column} = {mark}" for column in _REVIEW_COLUMNS)
    for names, parameters in grouped.items():
        assignment = _assignment(names, postgres)
        _many(connection,
              f"UPDATE work_items SET {assignment}state = {mark}, lease_owner = NULL, "
              f"lease_expires_at = NULL, updated_at = {mark}, reason_code = {mark}, "
              f"message = {mark}, evidence = {json_mark}, {summary_sets} WHERE id = {mark}",
              parameters)
    _many(connection,
          "INSERT INTO item_events (item_id, at, actor, action, from_state, to_state, detail) "
          f"VALUES ({mark}, {mark}, {mark}, 'business_exception', 'in_progress', {mark}, "
          f"{json_mark})", events)
    return states


def _payloads(connection: Any, mark: str, ids: list[int]) -> dict[int, Any]:
    """The (already updated) payloads of ``ids``, decoded."""
    found: dict[int, Any] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        for row in connection.execute(
                f"SELECT id, payload FROM work_items WHERE id IN "
                f"({', '.join([mark] * len(chunk))})", chunk).fetchall():
            item_id, payload = row.values() if isinstance(row, dict) else row
            found[item_id] = _decoded(payload, mark == "%s")
    return found
