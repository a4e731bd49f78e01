"""The web bench's database: a million work items, written straight into the tables.

Rows go in with their final state (most done, about a tenth waiting for review), and the items
in review get their summary columns from the same function the store uses
(``finrpa.queue.summaries``), so the queue page reads exactly what a real database would hold.
SQLite is filled with ``executemany`` in one transaction, PostgreSQL with ``COPY``.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from finrpa.db.engine import ensure_schema, make_engine
from finrpa.queue.summaries import summarise, summary_columns

QUEUES = ("invoices", "invoices-hki", "invoices-tku")
REASONS = ("PRICE_VARIANCE", "QUANTITY_EXCEEDS_RECEIPT", "ORDER_NOT_FOUND", "NO_ORDER_REFERENCE",
           "SUPPLIER_MISMATCH", "VAT_MISMATCH", "TOTAL_MISMATCH", "DUPLICATE_INVOICE",
           "LINE_NOT_ON_ORDER", "INVALID_BANK_ACCOUNT")
ASSIGNEES = (None, None, None, "riikka", "rasmus", "aino", "antti")
_WORDS = ("Kalusto", "Paperi", "Siivous", "Atk", "Ikkuna", "Kone", "Rakennus", "Ruoka", "Valo",
          "Lämpö", "Vesi", "Kuljetus", "Tieto", "Hyvinvointi", "Åbo", "Opetus", "Posti", "Puu")
_TAILS = ("tukku Oy", "palvelu Oy", "talo Ab", "keskus Oy", "tekniikka Oy", "verkko Oy")
#: state -> share of all items
STATES = (("done", 0.85), ("needs_review", 0.10), ("failed", 0.02), ("pending", 0.02),
          ("rejected", 0.01))
COLUMNS = ("queue", "business_key", "state", "priority", "payload", "due_at", "available_at",
           "attempts", "reason_code", "message", "evidence", "assignee", "created_at",
           "updated_at", "summary_title", "summary_supplier", "summary_supplier_key",
           "summary_reference", "summary_amount_minor", "summary_currency")
SUPPLIERS = [
    f"{_WORDS[n % len(_WORDS)]}{_TAILS[n // len(_WORDS) % len(_TAILS)]} {n // 108 or ''}".strip()
    for n in range(2000)]


def _state(roll: float) -> str:
    for state, share in STATES:
        if roll < share:
            return state
        roll -= share
    return STATES[0][0]


def rows(count: int, now: datetime, seed: int = 42) -> Iterator[tuple[Any, ...]]:
    """``count`` item rows in COLUMNS order, oldest first."""
    rng = random.Random(seed)
    for number in range(count):
        state = _state(rng.random())
        created = now - timedelta(days=120) + timedelta(seconds=number * 120 * 86400 / count)
        supplier = rng.choice(SUPPLIERS)
        amount = f"{rng.randint(1000, 5_000_000) / 100:.2f}"
        invoice_number = f"INV-{number:07d}"
        payload = {"invoice": {"invoice_number": invoice_number, "order_reference":
                               f"PO-{rng.randint(1000, 99999)}", "seller": {"name": supplier},
                               "currency": "EUR", "totals": {"payable": amount}}}
        in_review = state in ("needs_review", "failed")
        reason = rng.choice(REASONS) if in_review or state == "rejected" else None
        summary = (summary_columns(summarise(None, payload, None)) if in_review
                   else dict.fromkeys(COLUMNS[14:]))
        due = created + timedelta(days=rng.randint(7, 45))
        yield (rng.choice(QUEUES), invoice_number, state, 0, json.dumps(payload), due, created,
               1, reason, f"{reason} on line 1" if reason else None, None,
               rng.choice(ASSIGNEES) if in_review else None, created, created,
               *summary.values())


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLAlchemy writes
    return value


def fill_sqlite(path: str, count: int, now: datetime) -> None:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    placeholders = ", ".join("?" for _ in COLUMNS)
    sql = f"INSERT INTO work_items ({', '.join(COLUMNS)}) VALUES ({placeholders})"
    batch: list[tuple[Any, ...]] = []
    with connection:
        for row in rows(count, now):
            batch.append(tuple(_sqlite_value(value) for value in row))
            if len(batch) == 50_000:
                connection.executemany(sql, batch)
                batch.clear()
        connection.executemany(sql, batch)
        connection.executemany("INSERT OR IGNORE INTO queues (name, created_at) VALUES (?, ?)",
                               [(queue, _sqlite_value(now)) for queue in QUEUES])
    connection.execute("ANALYZE")
    connection.close()


def fill_postgres(conninfo: str, count: int, now: datetime) -> None:
    with psycopg.connect(conninfo) as connection:
        with connection.cursor() as cursor, cursor.copy(
                f"COPY work_items ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows(count, now):
                copy.write_row(row)
        connection.execute("INSERT INTO queues (name, created_at) SELECT q, %s FROM "
                           "unnest(%s::text[]) AS q ON CONFLICT DO NOTHING", (now, list(QUEUES)))
        connection.commit()
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE work_items")
        try:  # write the load out now, not during the measurement
            connection.execute("CHECKPOINT")
        except psycopg.errors.InsufficientPrivilege:
            print("(no CHECKPOINT: not a superuser; the first requests may be slower)")


def prepare(url: str, count: int, reuse: bool, pg_conninfo: str | None) -> float:
    """Create the schema and the rows (unless ``reuse`` finds them there); seconds taken."""
    engine = make_engine(url)
    ensure_schema(engine)
    with engine.connect() as connection:
        have = connection.exec_driver_sql("SELECT count(*) FROM work_items").scalar_one()
    engine.dispose()
    if reuse and have == count:
        return 0.0
    if have:
        raise SystemExit(f"{url} already holds {have} items; drop it or pass --reuse")
    started = time.perf_counter()
    now = datetime.now(UTC)
    if pg_conninfo is None:
        fill_sqlite(url.removeprefix("sqlite:///"), count, now)
    else:
        fill_postgres(pg_conninfo, count, now)
    return time.perf_counter() - started
