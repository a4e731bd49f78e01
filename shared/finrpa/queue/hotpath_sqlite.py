"""The queue's hot path on sqlite3 (see finrpa.queue.hotpath)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from finrpa.queue.hotpath import (
    BLOB_SQL,
    ITEM_FILE_SQL,
    MAX_ID,
    SELECT_COLUMNS,
    HotPath,
    files_of,
    inserted_items,
    item_from_row,
    match_results,
    missing_keys,
    payload_text,
    sqlite_row,
    sqlite_time,
)
from finrpa.queue.records import WorkItem


class SqliteHotPath(HotPath):
    """The hot path on sqlite3.

    Claim and complete are single UPDATEs; the audit events come from the triggers of migration
    0002 within the same statement. Enqueue inserts with executemany inside one ``BEGIN
    IMMEDIATE`` transaction: holding the only write lock, every id above the previous maximum is
    one of ours, which lets one INSERT ... SELECT write all their events.
    """

    _CLAIM = f"""
        UPDATE work_items
        SET state = 'in_progress', lease_owner = ?, lease_expires_at = ?,
            attempts = attempts + 1, updated_at = ?
        WHERE id IN (SELECT id FROM work_items
                     WHERE queue = ? AND state = 'pending' AND available_at <= ?
                     ORDER BY priority DESC, id LIMIT ?)
        RETURNING {SELECT_COLUMNS}"""
    _COMPLETE = """
        UPDATE work_items
        SET state = 'done', lease_owner = NULL, lease_expires_at = NULL, updated_at = ?,
            reason_code = NULL, message = NULL
        WHERE id = ? AND state = 'in_progress' AND lease_owner = ?"""
    _INSERT = """
        INSERT INTO work_items (queue, business_key, state, priority, payload, due_at,
                                available_at, attempts, parent_id, run_id, created_at, updated_at)
        VALUES (?, ?, 'pending', ?, ?, ?, ?, 0, ?, ?, ?, ?)
        ON CONFLICT (queue, business_key) DO NOTHING"""
    _ENQUEUE_EVENTS = """
        INSERT INTO item_events (item_id, at, actor, action, from_state, to_state, detail)
        SELECT id, created_at, ?, 'enqueue', NULL, 'pending',
               json_object('business_key', business_key, 'parent_id', parent_id,
                           'run_id', run_id)
        FROM work_items WHERE id > ?"""

    @contextmanager
    def _write_block(self, connection: Any) -> Iterator[None]:
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def claim(self, queue: str, owner: str, limit: int, now: datetime,
              expires: datetime, raw_payload: bool = False) -> list[WorkItem]:
        at = sqlite_time(now)
        with self.transaction() as connection:
            rows = connection.execute(
                self._CLAIM, (owner, sqlite_time(expires), at, queue, at, limit)
            ).fetchall()
        return [item_from_row(sqlite_row(row, decode_payload=not raw_payload)) for row in rows]

    def complete(self, item_id: int, owner: str, now: datetime) -> bool:
        at = sqlite_time(now)
        with self._driver() as connection:
            # Autocommit: the UPDATE and its trigger's event commit together.
            return connection.execute(self._COMPLETE, (at, item_id, owner)).rowcount == 1

    def enqueue(self, queue: str, rows: Sequence[dict[str, Any]], actor: str,
                now: datetime) -> list[tuple[WorkItem, bool]]:
        at = sqlite_time(now)
        values = [
            (queue, row["business_key"], row["priority"],
             payload_text(row["payload"]),
             None if row["due_at"] is None else sqlite_time(row["due_at"]),
             at, row["parent_id"], row["run_id"], at, at)
            for row in rows
        ]
        with self.transaction() as connection:
            last_id = connection.execute(MAX_ID).fetchone()[0]
            connection.executemany(self._INSERT, values)
            connection.execute(self._ENQUEUE_EVENTS, (actor, last_id))
            new_ids = connection.execute(
                "SELECT id, business_key FROM work_items WHERE id > ? ORDER BY id", (last_id,)
            ).fetchall()
            inserted = inserted_items(queue, rows, new_ids, now)
            blobs, attached = files_of(rows, inserted, at)
            if attached:
                connection.executemany(BLOB_SQL.replace("%s", "?"), blobs)
                connection.executemany(ITEM_FILE_SQL.replace("%s", "?"), attached)
            existing = self._existing(connection, queue, missing_keys(rows, inserted))
        return match_results(rows, inserted, existing)

    def _existing(self, connection: Any, queue: str, keys: list[str]) -> dict[str, WorkItem]:
        existing: dict[str, WorkItem] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            marks = ", ".join("?" * len(chunk))
            for values in connection.execute(
                f"SELECT {SELECT_COLUMNS} FROM work_items "
                f"WHERE queue = ? AND business_key IN ({marks})", (queue, *chunk)
            ):
                found = item_from_row(sqlite_row(values))
                existing[found.business_key] = found
        return existing
