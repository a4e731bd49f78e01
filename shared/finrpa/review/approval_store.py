"""Four-eyes approvals on the finrpa database (the ``approvals`` table).

At most one approval per item is ``pending`` (a unique partial index); the second person turns it
``completed`` with a conditional update, so of two people approving at once only one succeeds.
An approval is ``withdrawn`` by its author, or ``lapsed`` when the item left review another way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from finrpa.db.schema import approvals
from finrpa.review.approvals import Approval
from finrpa.review.errors import ReviewConflict

PENDING, COMPLETED, WITHDRAWN, LAPSED = "pending", "completed", "withdrawn", "lapsed"


def _approval(row: object) -> Approval:
    m = row._mapping  # type: ignore[attr-defined]
    return Approval(id=m["id"], item_id=m["item_id"], round_event_id=m["round_event_id"],
                    actor=m["actor"], at=m["at"], note=m["note"], status=m["status"])


class ApprovalStore:
    """Reads and writes approvals."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.clock = clock

    def pending(self, item_id: int) -> Approval | None:
        """The item's waiting approval (of any round), if any."""
        return self.pending_for([item_id]).get(item_id)

    def pending_for(self, item_ids: Sequence[int]) -> dict[int, Approval]:
        """Waiting approvals of the given items, by item id."""
        if not item_ids:
            return {}
        query = select(approvals).where(approvals.c.item_id.in_(list(item_ids)),
                                        approvals.c.status == PENDING)
        with self.engine.connect() as connection:
            return {row.item_id: _approval(row) for row in connection.execute(query)}

    def history(self, item_id: int) -> list[Approval]:
        query = select(approvals).where(approvals.c.item_id == item_id).order_by(approvals.c.id)
        with self.engine.connect() as connection:
            return [_approval(row) for row in connection.execute(query)]

    def add_first(self, item_id: int, round_event_id: int, actor: str,
                  note: str | None) -> Approval:
        """Record a first approval; a lapsed one of an earlier round is closed first."""
        now = self.clock()
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    update(approvals).where(approvals.c.item_id == item_id,
                                            approvals.c.status == PENDING,
                                            approvals.c.round_event_id != round_event_id)
                    .values(status=LAPSED, closed_by="system", closed_at=now))
                connection.execute(insert(approvals).values(
                    item_id=item_id, round_event_id=round_event_id, actor=actor, at=now,
                    note=note, status=PENDING))
        except IntegrityError as exc:
            raise ReviewConflict("approval_exists",
                                 "someone else approved this item a moment ago") from exc
        found = self.pending(item_id)
        assert found is not None
        return found

    def close(self, approval_id: int, status: str, actor: str,
              expected: str = PENDING) -> bool:
        """Move an approval from ``expected`` to ``status``; False when it was not there."""
        with self.engine.begin() as connection:
            result = connection.execute(
                update(approvals).where(approvals.c.id == approval_id,
                                        approvals.c.status == expected)
                .values(status=status, closed_by=actor, closed_at=self.clock()))
        return result.rowcount == 1

    def reopen(self, approval_id: int) -> None:
        """Undo a completion whose acceptance then failed."""
        with self.engine.begin() as connection:
            connection.execute(
                update(approvals).where(approvals.c.id == approval_id,
                                        approvals.c.status == COMPLETED)
                .values(status=PENDING, closed_by=None, closed_at=None))

    def lapse_for_item(self, item_id: int, actor: str) -> None:
        """Close whatever approval waits on an item that left review another way."""
        with self.engine.begin() as connection:
            connection.execute(
                update(approvals).where(approvals.c.item_id == item_id,
                                        approvals.c.status == PENDING)
                .values(status=LAPSED, closed_by=actor, closed_at=self.clock()))
