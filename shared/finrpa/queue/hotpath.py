"""The queue's hot path, on the database driver itself: enqueue, claim and complete.

These three run once per item, so SQLAlchemy's per-statement overhead and extra round trips
show (see the queue bench). Each backend gets the fewest round trips it allows:

* PostgreSQL: each operation is one statement in autocommit: a data-modifying CTE changes the
  items and appends their audit events atomically, so a claim or a completion costs one round
  trip and one commit, as a bare hand-written loop does.
* SQLite: one ``BEGIN IMMEDIATE`` transaction per operation on the sqlite3 connection.

The stored formats (UTC timestamps, JSON text on SQLite) are the ones SQLAlchemy writes, so both
paths read each other's rows. Everything else in the queue goes through SQLAlchemy.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from finrpa.domain.items import ItemState
from finrpa.queue.payloads import PayloadJson
from finrpa.queue.reads import payload_changes
from finrpa.queue.records import AttachedFile, WorkItem

COLUMNS = (
    "id", "queue", "business_key", "state", "priority", "payload", "due_at", "available_at",
    "attempts", "lease_owner", "lease_expires_at", "parent_id", "run_id", "reason_code",
    "message", "evidence", "assignee", "created_at", "updated_at",
)
DATE_COLUMNS = ("due_at", "available_at", "lease_expires_at", "created_at", "updated_at")
_JSON_COLUMNS = ("payload", "evidence")
SELECT_COLUMNS = ", ".join(COLUMNS)
MAX_ID = "SELECT coalesce(max(id), 0) FROM work_items"
_LIST_FILES = "SELECT name, sha256, size FROM item_files WHERE item_id = ? ORDER BY name"


def _get(row: Any, index: int) -> Any:
    """A column of a driver row: a tuple (sqlite3) or a dict (psycopg dict_row)."""
    return row[index] if isinstance(row, tuple) else list(row.values())[index]


_ITEM_FIELDS = frozenset(WorkItem.model_fields)
_set = object.__setattr__


def item_from_row(row: dict[str, Any]) -> WorkItem:
    """A WorkItem from a driver row (every column) whose dates are aware and JSON is decoded.

    Built as ``model_construct`` would build it, minus its per-field bookkeeping: a claim of
    hundreds of items builds hundreds of these, and the row's values are already what the
    fields hold.
    """
    row["state"] = ItemState(row["state"])
    if row.keys() != _ITEM_FIELDS:
        return WorkItem.model_construct(**row)
    item = WorkItem.__new__(WorkItem)
    _set(item, "__dict__", row)
    _set(item, "__pydantic_fields_set__", set(_ITEM_FIELDS))
    _set(item, "__pydantic_extra__", None)
    _set(item, "__pydantic_private__", None)
    return item


class HotPath:
    """Driver-level enqueue/claim/complete for one engine; thread-safe, one connection."""

    _mark = "?"  # the driver's parameter placeholder

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._connection: Any = None

    @contextmanager
    def _driver(self) -> Iterator[Any]:
        with self._lock:
            if self._connection is None:
                pooled = self._engine.raw_connection()
                driver_connection = pooled.driver_connection
                # Detached: the hot path changes session settings (autocommit) that must never
                # leak back into SQLAlchemy's pool.
                pooled.detach()
                self._on_connect(driver_connection)
                self._connection = driver_connection
            try:
                yield self._connection
            except Exception:
                # A broken connection is replaced next time; the error reaches the caller.
                self._discard()
                raise

    def _discard(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):  # it is already broken
                connection.close()

    def close(self) -> None:
        """Give the driver connection back."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def _on_connect(self, driver_connection: Any) -> None:
        """Prepare a new driver connection."""

    def enqueue(self, queue: str, rows: Sequence[dict[str, Any]], actor: str,
                now: datetime) -> list[tuple[WorkItem, bool]]:
        raise NotImplementedError

    def claim(self, queue: str, owner: str, limit: int, now: datetime,
              expires: datetime, raw_payload: bool = False) -> list[WorkItem]:
        raise NotImplementedError

    def complete(self, item_id: int, owner: str, now: datetime) -> bool:
        raise NotImplementedError

    def save_leased_payload(
        self, item_id: int, validate: Callable[[str, Any], Any], actor: str, now: datetime
    ) -> bool | None:
        """Replace the payload of an item in progress, with its audit event, in one transaction.

        ``validate(queue, current_payload)`` returns the payload to store. Returns None when the
        item is not in progress (the caller takes the general path), else whether it changed.
        """
        mark = self._mark
        with self._driver() as connection, self._write_block(connection):
            row = connection.execute(
                f"SELECT queue, state, payload FROM work_items WHERE id = {mark}"
                + (" FOR UPDATE" if mark == "%s" else ""), (item_id,)).fetchone()
            if row is None or _get(row, 1) != "in_progress":
                return None
            before = _get(row, 2)
            before = json.loads(before) if isinstance(before, str) else before
            payload = validate(_get(row, 0), before)
            if payload == before:
                return False
            json_mark = mark if mark == "?" else f"{mark}::jsonb"
            stamp = sqlite_time(now) if mark == "?" else now
            connection.execute(
                f"UPDATE work_items SET payload = {json_mark}, updated_at = {mark} "
                f"WHERE id = {mark}", (json.dumps(payload), stamp, item_id))
            detail = json.dumps({"changes": payload_changes(before, payload)})
            connection.execute(
                "INSERT INTO item_events (item_id, at, actor, action, from_state, to_state, "
                f"detail) VALUES ({mark}, {mark}, {mark}, 'payload_saved', 'in_progress', NULL, "
                f"{json_mark})", (item_id, stamp, actor, detail))
        return True

    @property
    def mark(self) -> str:
        """The driver's parameter placeholder: ``?`` (sqlite3) or ``%s`` (psycopg)."""
        return self._mark

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """The driver connection inside one write transaction (rolled back on error)."""
        with self._driver() as connection, self._write_block(connection):
            yield connection

    def _write_block(self, connection: Any) -> AbstractContextManager[None]:
        """A write transaction on the driver connection."""
        raise NotImplementedError

    def list_files(self, item_id: int) -> list[AttachedFile]:
        """The item's attached files, by name."""
        with self._driver() as connection:
            rows = connection.execute(_LIST_FILES.replace("?", self._mark), (item_id,)).fetchall()
        return [AttachedFile(name=row[0], sha256=row[1], size=row[2]) if isinstance(row, tuple)
                else AttachedFile(**row) for row in rows]


def match_results(
    rows: Sequence[dict[str, Any]], inserted: list[WorkItem], existing: dict[str, WorkItem]
) -> list[tuple[WorkItem, bool]]:
    """Pair each input row with its item: (item, created), in input order.

    Inserted unkeyed items come back in id order, which is insertion order.
    """
    by_key = {item.business_key: item for item in inserted if item.business_key is not None}
    unkeyed = iter(sorted((i for i in inserted if i.business_key is None), key=lambda i: i.id))
    results: list[tuple[WorkItem, bool]] = []
    seen: set[str] = set()
    for row in rows:
        key = row["business_key"]
        if key is None:
            results.append((_as_given(next(unkeyed), row), True))
        elif key in by_key and key not in seen:
            seen.add(key)
            results.append((_as_given(by_key[key], row), True))
        else:
            results.append((by_key.get(key) or existing[key], False))
    return results


def _as_given(item: WorkItem, row: dict[str, Any]) -> WorkItem:
    """A new item carries a PayloadJson payload as it was given, on every backend."""
    payload = row["payload"]
    if isinstance(payload, PayloadJson) and item.payload is not payload:
        return item.model_copy(update={"payload": payload})
    return item


def sqlite_time(moment: datetime) -> str:
    """The text SQLAlchemy stores for an instant on SQLite (naive UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def sqlite_row(values: tuple[Any, ...], decode_payload: bool = True) -> dict[str, Any]:
    row = dict(zip(COLUMNS, values, strict=True))
    for column in DATE_COLUMNS:
        if row[column] is not None:
            row[column] = datetime.fromisoformat(row[column]).replace(tzinfo=UTC)
    for column in _JSON_COLUMNS:
        if row[column] is not None and (decode_payload or column != "payload"):
            row[column] = json.loads(row[column])
    return row


BLOB_SQL = ("INSERT INTO file_blobs (sha256, size, content) VALUES (%s, %s, %s) "
             "ON CONFLICT (sha256) DO NOTHING")
ITEM_FILE_SQL = ("INSERT INTO item_files (item_id, name, sha256, size, added_at) "
                  "VALUES (%s, %s, %s, %s, %s)")


def files_of(rows: Sequence[dict[str, Any]], inserted: list[WorkItem],
              added_at: Any) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Blob rows and item_files rows for the files of the rows that were inserted."""
    item_files = files_by_item(rows, inserted)
    blobs: dict[str, tuple[Any, ...]] = {}
    attached: list[tuple[Any, ...]] = []
    for item_id, files in item_files.items():
        for name, digest, content in files:
            blobs.setdefault(digest, (digest, len(content), content))
            attached.append((item_id, name, digest, len(content), added_at))
    return list(blobs.values()), attached


def files_by_item(rows: Sequence[dict[str, Any]],
                   inserted: list[WorkItem]) -> dict[int, list[tuple[str, str, bytes]]]:
    if not any(row.get("files") for row in rows):
        return {}
    first_by_key: dict[str, dict[str, Any]] = {}
    unkeyed_rows = []
    for row in rows:
        if row["business_key"] is None:
            unkeyed_rows.append(row)
        else:
            first_by_key.setdefault(row["business_key"], row)
    unkeyed = iter(unkeyed_rows)
    result = {}
    for item in sorted(inserted, key=lambda i: i.id):
        row = first_by_key[item.business_key] if item.business_key is not None else next(unkeyed)
        if row.get("files"):
            result[item.id] = row["files"]
    return result


def inserted_items(queue: str, rows: Sequence[dict[str, Any]],
                    new_ids: list[tuple[int, str | None]], now: datetime) -> list[WorkItem]:
    """Items for the rows that were inserted, given the new (id, key) pairs in id order."""
    first_row_by_key: dict[str, dict[str, Any]] = {}
    unkeyed_rows = []
    for row in rows:
        if row["business_key"] is None:
            unkeyed_rows.append(row)
        else:
            first_row_by_key.setdefault(row["business_key"], row)
    unkeyed = iter(unkeyed_rows)
    return [
        new_item(item_id, queue, first_row_by_key[key] if key is not None else next(unkeyed), now)
        for item_id, key in new_ids
    ]


def payload_text(payload: Any) -> str | None:
    """The JSON text stored for an enqueued payload."""
    if payload is None:
        return None
    return payload.text if isinstance(payload, PayloadJson) else json.dumps(payload)


def new_item(item_id: int, queue: str, row: dict[str, Any], now: datetime) -> WorkItem:
    """The item just inserted for ``row``. A :class:`PayloadJson` payload stays as it is (its
    text is what was stored): decoding thousands of them back would cost what they saved."""
    return item_from_row({
        "id": item_id, "queue": queue, "business_key": row["business_key"],
        "state": ItemState.PENDING, "priority": row["priority"], "payload": row["payload"],
        "due_at": row["due_at"], "available_at": now, "attempts": 0, "lease_owner": None,
        "lease_expires_at": None, "parent_id": row["parent_id"], "run_id": row["run_id"],
        "reason_code": None, "message": None, "evidence": None, "assignee": None,
        "created_at": now, "updated_at": now,
    })


def missing_keys(rows: Sequence[dict[str, Any]], inserted: list[WorkItem]) -> list[str]:
    created = {item.business_key for item in inserted}
    return sorted({row["business_key"] for row in rows
                   if row["business_key"] is not None and row["business_key"] not in created})


def hot_path_for(engine: Engine) -> HotPath:
    """The hot path for the engine's database."""
    if engine.dialect.name == "postgresql":
        from finrpa.queue.hotpath_postgres import PostgresHotPath

        return PostgresHotPath(engine)
    from finrpa.queue.hotpath_sqlite import SqliteHotPath

    return SqliteHotPath(engine)
