"""Migration 0004 (review): its frozen index list, the summary backfill, and its downgrade."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from sqlalchemy import inspect

from finrpa.db import schema
from finrpa.db.engine import MIGRATIONS_DIR, current_revision, make_engine, upgrade
from finrpa.queue.records import NewItem
from finrpa.queue.sql import SqlQueueStore


def migration_0004() -> object:
    path = Path(MIGRATIONS_DIR) / "versions" / "0004_review.py"
    spec = importlib.util.spec_from_file_location("migration_0004", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_creates_the_indexes_the_schema_declares() -> None:
    migration = migration_0004()
    assert migration.REVIEW_INDEXES == schema.REVIEW_INDEXES  # type: ignore[attr-defined]
    assert migration.REVIEW_STATES_SQL == schema.REVIEW_STATES_SQL  # type: ignore[attr-defined]


def test_upgrade_summarises_items_already_in_review_and_downgrade_undoes_it(
        database_url: str) -> None:
    from alembic import command

    from finrpa.db.engine import alembic_config

    engine = make_engine(database_url)
    upgrade(engine, "0003")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO work_items (queue, state, priority, payload, available_at, attempts, "
            "created_at, updated_at, reason_code) VALUES ('old', 'needs_review', 0, "
            "'{\"invoice_number\": \"INV-9\", \"supplier\": \"Vanha Oy\", \"amount\": \"5\"}', "
            "CURRENT_TIMESTAMP, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'X')")
    upgrade(engine)
    with engine.connect() as connection:
        row = connection.exec_driver_sql(
            "SELECT summary_title, summary_supplier_key, summary_amount_minor FROM work_items"
        ).one()
    assert tuple(row) == ("INV-9", "vanha oy", 500)
    store = SqlQueueStore(engine, create_schema=False)
    assert store.enqueue("new", NewItem(payload={"a": 1})).created
    command.downgrade(alembic_config(engine), "0003")
    assert current_revision(engine) == "0003"
    tables = set(inspect(engine).get_table_names())
    assert not tables & {"users", "api_tokens", "login_attempts", "approvals"}
    columns = {column["name"] for column in inspect(engine).get_columns("work_items")}
    assert not any(name.startswith("summary_") for name in columns)
    upgrade(engine)
    assert current_revision(engine) == "0004"
    engine.dispose()
