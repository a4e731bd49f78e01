"""Tables, as SQLAlchemy Core metadata. Alembic migrations create them; tests compare the two."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
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
    false,
    text,
    true,
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
#: Case-folded search keys compare byte-wise on both databases ("C" collation on PostgreSQL), so
#: a prefix search is an index range scan whatever the server's default collation.
SearchKey = String(300).with_variant(String(300, collation="C"), "postgresql")


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
    Column("summary_extractor", String(300), nullable=True),
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
    # What the review queue lists, filters and sorts by (finrpa.queue.summaries); written when an
    # item enters needs_review or failed. Keys are case-folded; the amount is in cents.
    Column("summary_title", String(300), nullable=True),
    Column("summary_supplier", String(300), nullable=True),
    Column("summary_supplier_key", SearchKey, nullable=True),
    Column("summary_reference", SearchKey, nullable=True),
    Column("summary_amount_minor", BigInteger, nullable=True),
    Column("summary_currency", String(3), nullable=True),
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

#: The states the review queue shows. Queries repeat this predicate word for word so that both
#: databases use the partial indexes below (SQLite matches the predicate's text).
REVIEW_STATES_SQL = "state IN ('needs_review', 'failed')"
#: (name, columns) of the review queue's partial indexes, one per sort order and filter. Each
#: leads with its key and the id (the keyset order); the trailing columns let a scan test the
#: state, reason and amount filters inside the index and visit only the rows that pass.
REVIEW_INDEXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ix_work_items_review_id", ("id", "state", "reason_code")),
    ("ix_work_items_review_queue", ("queue", "id", "state")),
    ("ix_work_items_review_reason", ("reason_code", "id", "state")),
    ("ix_work_items_review_assignee", ("assignee", "id", "state")),
    ("ix_work_items_review_due", ("due_at", "id", "state", "reason_code")),
    ("ix_work_items_review_amount", ("summary_amount_minor", "id", "state", "reason_code")),
    ("ix_work_items_review_supplier", ("summary_supplier_key", "id", "state", "reason_code",
                                       "summary_amount_minor")),
    ("ix_work_items_review_reference", ("summary_reference", "id", "state")),
)
for _name, _columns in REVIEW_INDEXES:
    Index(_name, *(work_items.c[column] for column in _columns),
          postgresql_where=text(REVIEW_STATES_SQL), sqlite_where=text(REVIEW_STATES_SQL))
# Item counts per run, and a run's items on the review page.
Index("ix_work_items_run_id", work_items.c.run_id)

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

# -- robot runs (migration 0003) ------------------------------------------------------------

#: One row per attempt of a firing; the unique key makes concurrent schedulers insert it once.
runs = Table(
    "runs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("schedule", String(100), nullable=False),
    Column("robot", String(100), nullable=False),
    Column("nominal_time", UTCDateTime, nullable=False),
    Column("attempt", Integer, nullable=False, server_default="1"),
    Column("retry_of", Id, ForeignKey("runs.id"), nullable=True),
    Column("origin", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("overlap", String(20), nullable=False),
    Column("config", Json, nullable=False),
    Column("available_at", UTCDateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("started_at", UTCDateTime, nullable=True),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("duration_s", Float, nullable=True),
    Column("lease_owner", String(200), nullable=True),
    Column("lease_expires_at", UTCDateTime, nullable=True),
    Column("exit_code", Integer, nullable=True),
    Column("error", Text, nullable=True),
    Column("items_done", Integer, nullable=True),
    Column("items_exceptions", Integer, nullable=True),
    Column("items_failed", Integer, nullable=True),
    Column("artifacts_dir", String(1000), nullable=True),
    UniqueConstraint("schedule", "nominal_time", "attempt", name="uq_runs_schedule"),
)
Index(
    "ix_runs_claimable",
    runs.c.available_at,
    runs.c.id,
    postgresql_where=text("status = 'queued'"),
    sqlite_where=text("status = 'queued'"),
)
Index("ix_runs_schedule_status", runs.c.schedule, runs.c.status)
Index("ix_runs_status", runs.c.status)

#: Pause flag and the last nominal firing handled, per schedule, shared by every scheduler.
schedule_state = Table(
    "schedule_state",
    metadata,
    Column("schedule", String(100), primary_key=True),
    Column("paused", Boolean, nullable=False, server_default=false()),
    Column("paused_by", String(200), nullable=True),
    Column("paused_at", UTCDateTime, nullable=True),
    Column("last_seen", UTCDateTime, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
)

#: Alerts waiting to be mailed; ``event_key`` makes each event one message.
alert_outbox = Table(
    "alert_outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("event_key", String(300), nullable=False),
    Column("kind", String(50), nullable=False),
    Column("recipients", Json, nullable=False),
    Column("subject", String(500), nullable=False),
    Column("body", Text, nullable=False),
    Column("run_id", Id, nullable=True),
    Column("item_id", Id, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("lease_owner", String(200), nullable=True),
    Column("lease_expires_at", UTCDateTime, nullable=True),
    Column("sent_at", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    UniqueConstraint("event_key", name="uq_alert_outbox_event_key"),
)
Index(
    "ix_alert_outbox_unsent",
    alert_outbox.c.next_attempt_at,
    postgresql_where=text("sent_at IS NULL"),
    sqlite_where=text("sent_at IS NULL"),
)

# -- people: accounts, API tokens, sign-in attempts and four-eyes approvals (finrpa.review) --

users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("display_name", String(200), nullable=True),
    Column("role", String(20), nullable=False),
    Column("language", String(5), nullable=False, server_default="fi"),
    Column("password_hash", String(300), nullable=True),
    Column("active", Boolean, nullable=False, server_default=true()),
    # Bumped on sign-out and password change: every older session cookie stops working.
    Column("session_epoch", Integer, nullable=False, server_default="0"),
    Column("created_at", UTCDateTime, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("label", String(200), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
)
Index("ix_api_tokens_user", api_tokens.c.user_id)

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("name", String(100), nullable=False),
    Column("address", String(100), nullable=False),
    Column("succeeded", Boolean, nullable=False),
)
Index("ix_login_attempts_name", login_attempts.c.name, login_attempts.c.at)
Index("ix_login_attempts_address", login_attempts.c.address, login_attempts.c.at)

approvals = Table(
    "approvals",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("item_id", Id, ForeignKey("work_items.id"), nullable=False),
    # The event that put the item into review: an approval counts for that stay only.
    Column("round_event_id", Id, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("note", Text, nullable=True),
    Column("status", String(20), nullable=False),
    Column("closed_by", String(200), nullable=True),
    Column("closed_at", UTCDateTime, nullable=True),
)
#: At most one approval per item waits for its second person.
Index("ix_approvals_pending", approvals.c.item_id, unique=True,
      postgresql_where=text("status = 'pending'"), sqlite_where=text("status = 'pending'"))
Index("ix_approvals_item", approvals.c.item_id, approvals.c.id)

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
