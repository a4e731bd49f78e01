"""The queue's hot path on psycopg (see finrpa.queue.hotpath)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from finrpa.queue.hotpath import (
    BLOB_SQL,
    DATE_COLUMNS,
    ITEM_FILE_SQL,
    SELECT_COLUMNS,
    HotPath,
    files_of,
    item_from_row,
    match_results,
    missing_keys,
    payload_text,
)
from finrpa.queue.records import WorkItem


class PostgresHotPath(HotPath):
    """The hot path on psycopg: one autocommitted statement per operation."""

    _mark = "%s"

    _CLAIM = f"""
        WITH picked AS (
            SELECT id FROM work_items
            WHERE queue = %(queue)s AND state = 'pending' AND available_at <= %(now)s
            ORDER BY priority DESC, id
            LIMIT %(limit)s
            FOR UPDATE SKIP LOCKED),
        claimed AS (
            UPDATE work_items AS w
            SET state = 'in_progress', lease_owner = %(owner)s, lease_expires_at = %(expires)s,
                attempts = w.attempts + 1, updated_at = %(now)s
            FROM picked WHERE w.id = picked.id
            RETURNING w.*),
        logged AS (
            INSERT INTO item_events (item_id, at, actor, action, from_state, to_state, detail)
            SELECT id, %(now)s, %(owner)s, 'claim', 'pending', 'in_progress',
                   jsonb_build_object('attempt', attempts,
                                      'lease_expires_at', %(expiry_text)s::text)
            FROM claimed)
        SELECT {SELECT_COLUMNS} FROM claimed"""
    # The same, with each payload as its JSON text (see QueueStore.claim's raw_payload).
    _CLAIM_RAW = _CLAIM.replace(f"SELECT {SELECT_COLUMNS} FROM claimed",
                                "SELECT " + SELECT_COLUMNS.replace(", payload,",
                                                                  ", payload::text AS payload,")
                                + " FROM claimed")
    _COMPLETE = """
        WITH done AS (
            UPDATE work_items
            SET state = 'done', lease_owner = NULL, lease_expires_at = NULL,
                updated_at = %(now)s, reason_code = NULL, message = NULL
            WHERE id = %(id)s AND state = 'in_progress' AND lease_owner = %(owner)s
            RETURNING id, attempts)
        INSERT INTO item_events (item_id, at, actor, action, from_state, to_state, detail)
        SELECT id, %(now)s, %(owner)s, 'complete', 'in_progress', 'done',
               jsonb_build_object('attempt', attempts)
        FROM done
        RETURNING item_id"""
    _ENQUEUE = f"""
        WITH input AS (
            SELECT * FROM unnest(%(keys)s::text[], %(priorities)s::int[], %(payloads)s::jsonb[],
                                 %(due)s::timestamptz[], %(parents)s::bigint[], %(runs)s::text[])
                 WITH ORDINALITY AS t(business_key, priority, payload, due_at, parent_id,
                                      run_id, position)),
        inserted AS (
            INSERT INTO work_items (queue, business_key, state, priority, payload, due_at,
                                    available_at, attempts, parent_id, run_id, created_at,
                                    updated_at)
            SELECT %(queue)s, business_key, 'pending', priority, payload, due_at, %(now)s, 0,
                   parent_id, run_id, %(now)s, %(now)s
            FROM input ORDER BY position
            ON CONFLICT (queue, business_key) DO NOTHING
            RETURNING *),
        logged AS (
            INSERT INTO item_events (item_id, at, actor, action, from_state, to_state, detail)
            SELECT id, %(now)s, %(actor)s, 'enqueue', NULL, 'pending',
                   jsonb_build_object('business_key', business_key, 'parent_id', parent_id,
                                      'run_id', run_id)
            FROM inserted)
        SELECT {SELECT_COLUMNS} FROM inserted ORDER BY id"""

    @contextmanager
    def _write_block(self, connection: Any) -> Iterator[None]:
        with connection.transaction():
            yield

    def _on_connect(self, driver_connection: Any) -> None:
        from psycopg.rows import dict_row

        driver_connection.autocommit = True
        driver_connection.row_factory = dict_row  # a detached connection: ours alone

    def claim(self, queue: str, owner: str, limit: int, now: datetime,
              expires: datetime, raw_payload: bool = False) -> list[WorkItem]:
        params = {"queue": queue, "owner": owner, "limit": limit, "now": now,
                  "expires": expires, "expiry_text": expires.isoformat()}
        with self._driver() as connection:
            rows = connection.execute(self._CLAIM_RAW if raw_payload else self._CLAIM,
                                      params).fetchall()
        return [item_from_row(_aware(row)) for row in rows]

    def complete(self, item_id: int, owner: str, now: datetime) -> bool:
        with self._driver() as connection:
            row = connection.execute(self._COMPLETE,
                                     {"id": item_id, "owner": owner, "now": now}).fetchone()
        return row is not None

    def enqueue(self, queue: str, rows: Sequence[dict[str, Any]], actor: str,
                now: datetime) -> list[tuple[WorkItem, bool]]:
        params = {
            "queue": queue, "now": now, "actor": actor,
            "keys": [row["business_key"] for row in rows],
            "priorities": [row["priority"] for row in rows],
            "payloads": [payload_text(row["payload"])
                         for row in rows],
            "due": [row["due_at"] for row in rows],
            "parents": [row["parent_id"] for row in rows],
            "runs": [row["run_id"] for row in rows],
        }
        with self._driver() as connection, connection.transaction():
            inserted = [item_from_row(_aware(row))
                        for row in connection.execute(self._ENQUEUE, params).fetchall()]
            blobs, attached = files_of(rows, inserted, now)
            if attached:
                with connection.cursor() as cursor:
                    cursor.executemany(BLOB_SQL, blobs)
                    cursor.executemany(ITEM_FILE_SQL, attached)
            missing = missing_keys(rows, inserted)
            existing = {}
            if missing:
                found = connection.execute(
                    f"SELECT {SELECT_COLUMNS} FROM work_items "
                    "WHERE queue = %(queue)s AND business_key = ANY(%(keys)s)",
                    {"queue": queue, "keys": missing},
                ).fetchall()
                existing = {row["business_key"]: item_from_row(_aware(row)) for row in found}
        return match_results(rows, inserted, existing)


def _aware(row: dict[str, Any]) -> dict[str, Any]:
    for column in DATE_COLUMNS:
        if row[column] is not None:
            row[column] = row[column].astimezone(UTC)
    return row
