"""Tables, as SQLAlchemy Core metadata. Alembic migrations create them; tests compare the two."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

#: 64-bit ids on PostgreSQL; SQLite only auto-increments an INTEGER PRIMARY KEY.
Id = BigInteger().with_variant(Integer(), "sqlite")
Json = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware instant, stored as UTC on every backend and returned aware (UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: finrpa stores only aware times")
        value = value.astimezone(UTC)
        # SQLite has no time zones; naive UTC strings sort and compare correctly.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


queues = Table(
    "queues",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("max_attempts", Integer, nullable=False, server_default="3"),
    Column("base_delay_s", Float, nullable=False, server_default="30"),
    Column("backoff_factor", Float, nullable=False, server_default="2"),
    Column("max_delay_s", Float, nullable=False, server_default="3600"),
    Column("lease_seconds", Float, nullable=False, server_default="300"),
    Column("payload_model", String(300), nullable=True),
    Column("editable_fields", Json, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)

work_items = Table(
    "work_items",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("queue", String(100), nullable=False),
    Column("business_key", String(300), nullable=True),
    Column("state", String(20), nullable=False),
    Column("priority", Integer, nullable=False, server_default="0"),
    Column("payload", Json, nullable=True),
    Column("due_at", UTCDateTime, nullable=True),
    Column("available_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("lease_owner", String(200), nullable=True),
    Column("lease_expires_at", UTCDateTime, nullable=True),
    Column("parent_id", Id, ForeignKey("work_items.id"), nullable=True),
    Column("run_id", String(100), nullable=True),
    Column("reason_code", String(100), nullable=True),
    Column("message", Text, nullable=True),
    Column("evidence", Json, nullable=True),
    Column("assignee", String(200), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("queue", "business_key", name="uq_work_items_queue_business_key"),
)

# The claim path reads this partial index; the state literal must reach the server as a literal
# for PostgreSQL to use it (see the claim SQL in finrpa.queue.sql).
Index(
    "ix_work_items_claimable",
    work_items.c.queue,
    work_items.c.priority.desc(),
    work_items.c.id,
    postgresql_where=text("state = 'pending'"),
    sqlite_where=text("state = 'pending'"),
)
# Counts per queue and state, listing by state, and finding expired leases (few items are
# in_progress at a time). One index serves all three: each index costs every state change.
Index("ix_work_items_state_queue", work_items.c.state, work_items.c.queue)
Index("ix_work_items_parent", work_items.c.parent_id)

item_events = Table(
    "item_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("item_id", Id, ForeignKey("work_items.id"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(50), nullable=False),
    Column("from_state", String(20), nullable=True),
    Column("to_state", String(20), nullable=True),
    Column("detail", Json, nullable=True),
)
Index("ix_item_events_item", item_events.c.item_id, item_events.c.id)

file_blobs = Table(
    "file_blobs",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("content", LargeBinary, nullable=False),
)

item_files = Table(
    "item_files",
    metadata,
    Column("item_id", Id, ForeignKey("work_items.id"), primary_key=True),
    Column("name", String(300), primary_key=True),
    Column("sha256", String(64), ForeignKey("file_blobs.sha256"), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
)

#: Statements that make item_events append-only at the database, per dialect.
APPEND_ONLY_DDL: dict[str, list[str]] = {
    "sqlite": [
        "CREATE TRIGGER item_events_no_update BEFORE UPDATE ON item_events "
        "BEGIN SELECT RAISE(ABORT, 'item_events is append-only'); END",
        "CREATE TRIGGER item_events_no_delete BEFORE DELETE ON item_events "
        "BEGIN SELECT RAISE(ABORT, 'item_events is append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION finrpa_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER item_events_append_only BEFORE UPDATE OR DELETE ON item_events "
        "FOR EACH ROW EXECUTE FUNCTION finrpa_append_only()",
    ],
}
