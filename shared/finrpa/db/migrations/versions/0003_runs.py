"""Robot runs, per-schedule state and the alert outbox.

``runs`` holds one row per attempt of a firing; ``uq_runs_schedule`` on (schedule, nominal_time,
attempt) is what makes every scheduler process that sees a firing insert the same row, so the
first insert wins and the rest do nothing. ``schedule_state`` keeps each schedule's pause flag
and the last nominal firing a scheduler handled (catch-up starts there). ``alert_outbox`` holds
each alert once (unique ``event_key``) until it is mailed.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from finrpa.db.schema import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    _create_runs()
    op.create_table(
        "schedule_state",
        sa.Column("schedule", sa.String(100), nullable=False),
        sa.Column("paused", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("paused_by", sa.String(200), nullable=True),
        sa.Column("paused_at", UTCDateTime, nullable=True),
        sa.Column("last_seen", UTCDateTime, nullable=True),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("schedule", name="pk_schedule_state"),
    )
    op.create_table(
        "alert_outbox",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("event_key", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("recipients", Json, nullable=False),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("run_id", Id, nullable=True),
        sa.Column("item_id", Id, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("next_attempt_at", UTCDateTime, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("lease_owner", sa.String(200), nullable=True),
        sa.Column("lease_expires_at", UTCDateTime, nullable=True),
        sa.Column("sent_at", UTCDateTime, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_alert_outbox"),
        sa.UniqueConstraint("event_key", name="uq_alert_outbox_event_key"),
    )
    op.create_index(
        "ix_alert_outbox_unsent",
        "alert_outbox",
        ["next_attempt_at"],
        postgresql_where=sa.text("sent_at IS NULL"),
        sqlite_where=sa.text("sent_at IS NULL"),
    )
    # Item counts per run (and a run's items on the review page) look items up by run_id.
    op.create_index("ix_work_items_run_id", "work_items", ["run_id"])


def _create_runs() -> None:
    op.create_table(
        "runs",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("schedule", sa.String(100), nullable=False),
        sa.Column("robot", sa.String(100), nullable=False),
        sa.Column("nominal_time", UTCDateTime, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False, server_default="1"),
        sa.Column("retry_of", Id, nullable=True),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("overlap", sa.String(20), nullable=False),
        sa.Column("config", Json, nullable=False),
        sa.Column("available_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=True),
        sa.Column("finished_at", UTCDateTime, nullable=True),
        sa.Column("duration_s", sa.Float, nullable=True),
        sa.Column("lease_owner", sa.String(200), nullable=True),
        sa.Column("lease_expires_at", UTCDateTime, nullable=True),
        sa.Column("exit_code", sa.Integer, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("items_done", sa.Integer, nullable=True),
        sa.Column("items_exceptions", sa.Integer, nullable=True),
        sa.Column("items_failed", sa.Integer, nullable=True),
        sa.Column("artifacts_dir", sa.String(1000), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_runs"),
        sa.ForeignKeyConstraint(["retry_of"], ["runs.id"], name="fk_runs_retry_of_runs"),
        sa.UniqueConstraint("schedule", "nominal_time", "attempt", name="uq_runs_schedule"),
    )
    op.create_index(
        "ix_runs_claimable",
        "runs",
        ["available_at", "id"],
        postgresql_where=sa.text("status = 'queued'"),
        sqlite_where=sa.text("status = 'queued'"),
    )
    op.create_index("ix_runs_schedule_status", "runs", ["schedule", "status"])
    op.create_index("ix_runs_status", "runs", ["status"])


def downgrade() -> None:
    op.drop_index("ix_work_items_run_id", table_name="work_items")
    for table in ("alert_outbox", "schedule_state", "runs"):
        op.drop_table(table)
