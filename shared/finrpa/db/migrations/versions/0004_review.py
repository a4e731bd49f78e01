"""The review web app: accounts, API tokens, sign-in attempts, four-eyes approvals, and the
summary columns and partial indexes that let the exception queue be filtered and sorted fast.

``work_items.summary_*`` hold what the queue page lists (title, supplier, invoice number, amount
in cents, currency); the store fills them when an item enters ``needs_review`` or ``failed``.
Every review index is partial on those two states, so the robots' hot path (pending, in
progress, done) never maintains them. Existing items in review are summarised here.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from finrpa.db.schema import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
SearchKey = sa.String(300).with_variant(sa.String(300, collation="C"), "postgresql")
REVIEW_STATES_SQL = "state IN ('needs_review', 'failed')"
#: As finrpa.db.schema declares them at this revision (copied: a migration must not change).
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
Json = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")
_SUMMARY_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("summary_title", sa.String(300)),
    ("summary_supplier", sa.String(300)),
    ("summary_supplier_key", SearchKey),
    ("summary_reference", SearchKey),
    ("summary_amount_minor", sa.BigInteger()),
    ("summary_currency", sa.String(3)),
)


def upgrade() -> None:
    op.add_column("queues", sa.Column("summary_extractor", sa.String(300), nullable=True))
    for name, type_ in _SUMMARY_COLUMNS:
        op.add_column("work_items", sa.Column(name, type_, nullable=True))
    for name, columns in REVIEW_INDEXES:
        op.create_index(name, "work_items", list(columns),
                        postgresql_where=sa.text(REVIEW_STATES_SQL),
                        sqlite_where=sa.text(REVIEW_STATES_SQL))
    _create_accounts()
    _create_approvals()
    _summarise_existing()


def _create_accounts() -> None:
    op.create_table(
        "users",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("language", sa.String(5), nullable=False, server_default="fi"),
        sa.Column("password_hash", sa.String(300), nullable=True),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("session_epoch", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("name", name="uq_users_name"),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("user_id", Id, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("label", sa.String(200), nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("revoked_at", UTCDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_api_tokens_user_id_users"),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
    )
    op.create_index("ix_api_tokens_user", "api_tokens", ["user_id"])
    op.create_table(
        "login_attempts",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("address", sa.String(100), nullable=False),
        sa.Column("succeeded", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_login_attempts"),
    )
    op.create_index("ix_login_attempts_name", "login_attempts", ["name", "at"])
    op.create_index("ix_login_attempts_address", "login_attempts", ["address", "at"])


def _create_approvals() -> None:
    op.create_table(
        "approvals",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("item_id", Id, nullable=False),
        sa.Column("round_event_id", Id, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("closed_by", sa.String(200), nullable=True),
        sa.Column("closed_at", UTCDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_approvals"),
        sa.ForeignKeyConstraint(["item_id"], ["work_items.id"],
                                name="fk_approvals_item_id_work_items"),
    )
    op.create_index("ix_approvals_pending", "approvals", ["item_id"], unique=True,
                    postgresql_where=sa.text("status = 'pending'"),
                    sqlite_where=sa.text("status = 'pending'"))
    op.create_index("ix_approvals_item", "approvals", ["item_id", "id"])


def _summarise_existing() -> None:
    """Fill the summary columns of the items already in review, a batch at a time."""
    from finrpa.queue.summaries import summarise, summary_columns

    bind = op.get_bind()
    extractors: dict[str, str | None] = {
        name: extractor for name, extractor in
        bind.execute(sa.text("SELECT name, summary_extractor FROM queues")).all()}
    items = sa.table("work_items", sa.column("id"),
                     *(sa.column(name) for name, _ in _SUMMARY_COLUMNS))
    last_id = 0
    while True:
        query = sa.text(
            f"SELECT id, queue, payload, evidence FROM work_items "
            f"WHERE {REVIEW_STATES_SQL} AND id > :last ORDER BY id LIMIT 1000"
        ).columns(sa.column("id"), sa.column("queue"), sa.column("payload", Json),
                  sa.column("evidence", Json))
        rows = bind.execute(query, {"last": last_id}).all()
        if not rows:
            return
        for item_id, queue, payload, evidence in rows:
            values = summary_columns(summarise(extractors.get(queue), payload, evidence))
            bind.execute(sa.update(items).where(items.c.id == item_id).values(**values))
        last_id = rows[-1][0]


def downgrade() -> None:
    for table in ("approvals", "login_attempts", "api_tokens", "users"):
        op.drop_table(table)
    for name, _columns in REVIEW_INDEXES:
        op.drop_index(name, "work_items")
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch copy of work_items would trip
    # over the foreign keys that point at it.
    for name, _type in _SUMMARY_COLUMNS:
        op.drop_column("work_items", name)
    op.drop_column("queues", "summary_extractor")
