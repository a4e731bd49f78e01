"""SQLite: the claim and completion audit events are written by triggers.

On SQLite the hot path claims and completes with a single UPDATE each; these triggers append the
matching audit event in the same statement, so the event can never be missing. Only a claim moves
an item from pending to in_progress, and only its lease owner's completion moves it from
in_progress to done, so the owner is the actor. PostgreSQL writes the same events with a
data-modifying CTE in the hot path instead (finrpa.queue.hotpath).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = {
    "work_items_claim_event": """
        CREATE TRIGGER work_items_claim_event AFTER UPDATE OF state ON work_items
        WHEN OLD.state = 'pending' AND NEW.state = 'in_progress'
        BEGIN
            INSERT INTO item_events (item_id, at, actor, action, from_state, to_state, detail)
            VALUES (NEW.id, NEW.updated_at, NEW.lease_owner, 'claim', 'pending', 'in_progress',
                    json_object('attempt', NEW.attempts,
                                'lease_expires_at', NEW.lease_expires_at));
        END""",
    "work_items_complete_event": """
        CREATE TRIGGER work_items_complete_event AFTER UPDATE OF state ON work_items
        WHEN OLD.state = 'in_progress' AND NEW.state = 'done'
        BEGIN
            INSERT INTO item_events (item_id, at, actor, action, from_state, to_state, detail)
            VALUES (NEW.id, NEW.updated_at, OLD.lease_owner, 'complete', 'in_progress', 'done',
                    json_object('attempt', NEW.attempts));
        END""",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in SQLITE_TRIGGERS.values():
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER {name}")
