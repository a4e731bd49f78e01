"""Work items, their audit events, files and queue settings.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from finrpa.db.schema import APPEND_ONLY_DDL, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "queues",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("max_attempts", sa.Integer, nullable=False, server_default="3"),
        sa.Column("base_delay_s", sa.Float, nullable=False, server_default="30"),
        sa.Column("backoff_factor", sa.Float, nullable=False, server_default="2"),
        sa.Column("max_delay_s", sa.Float, nullable=False, server_default="3600"),
        sa.Column("lease_seconds", sa.Float, nullable=False, server_default="300"),
        sa.Column("payload_model", sa.String(300), nullable=True),
        sa.Column("editable_fields", Json, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_queues"),
    )
    op.create_table(
        "work_items",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("queue", sa.String(100), nullable=False),
        sa.Column("business_key", sa.String(300), nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("priority", sa.Integer, nullable=False, server_default="0"),
        sa.Column("payload", Json, nullable=True),
        sa.Column("due_at", UTCDateTime, nullable=True),
        sa.Column("available_at", UTCDateTime, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("lease_owner", sa.String(200), nullable=True),
        sa.Column("lease_expires_at", UTCDateTime, nullable=True),
        sa.Column("parent_id", Id, nullable=True),
        sa.Column("run_id", sa.String(100), nullable=True),
        sa.Column("reason_code", sa.String(100), nullable=True),
        sa.Column("message", sa.Text, nullable=True),
        sa.Column("evidence", Json, nullable=True),
        sa.Column("assignee", sa.String(200), nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_work_items"),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["work_items.id"], name="fk_work_items_parent_id_work_items"
        ),
        sa.UniqueConstraint("queue", "business_key", name="uq_work_items_queue_business_key"),
    )
    op.create_index(
        "ix_work_items_claimable",
        "work_items",
        ["queue", sa.text("priority DESC"), "id"],
        postgresql_where=sa.text("state = 'pending'"),
        sqlite_where=sa.text("state = 'pending'"),
    )
    op.create_index("ix_work_items_state_queue", "work_items", ["state", "queue"])
    op.create_index("ix_work_items_parent", "work_items", ["parent_id"])
    op.create_table(
        "item_events",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("item_id", Id, nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("from_state", sa.String(20), nullable=True),
        sa.Column("to_state", sa.String(20), nullable=True),
        sa.Column("detail", Json, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_item_events"),
        sa.ForeignKeyConstraint(
            ["item_id"], ["work_items.id"], name="fk_item_events_item_id_work_items"
        ),
    )
    op.create_index("ix_item_events_item", "item_events", ["item_id", "id"])
    op.create_table(
        "file_blobs",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_file_blobs"),
    )
    op.create_table(
        "item_files",
        sa.Column("item_id", Id, nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("added_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("item_id", "name", name="pk_item_files"),
        sa.ForeignKeyConstraint(
            ["item_id"], ["work_items.id"], name="fk_item_files_item_id_work_items"
        ),
        sa.ForeignKeyConstraint(
            ["sha256"], ["file_blobs.sha256"], name="fk_item_files_sha256_file_blobs"
        ),
    )
    for statement in APPEND_ONLY_DDL.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade() -> None:
    for table in ("item_files", "file_blobs", "item_events", "work_items", "queues"):
        op.drop_table(table)
