"""What people do to items besides deciding: assign, postpone, and the review summary columns.

A mixin of :class:`finrpa.queue.sql.SqlQueueStore`, kept apart so the store's module stays about
claiming and deciding. Every operation here appends an audit event in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, update

from finrpa.db.schema import work_items
from finrpa.domain.items import ItemState
from finrpa.errors import InvalidTransition, QueueError
from finrpa.queue.records import QueueConfig, WorkItem
from finrpa.queue.store import QueueStore
from finrpa.queue.summaries import summarise, summary_columns

#: States whose items people work on, and whose summary columns are kept current.
SUMMARISED_STATES = frozenset({ItemState.NEEDS_REVIEW, ItemState.FAILED})


class ReviewOperations(QueueStore):
    """Assignment, postponement and summaries, on top of the SQL store's helpers."""

    clock: Callable[[], datetime]
    _write: Callable[[], AbstractContextManager[Connection]]
    _locked_row: Callable[[Connection, int], RowMapping]
    _event: Callable[..., None]

    def assign(self, item_id: int, assignee: str | None, actor: str) -> WorkItem:
        now = self.clock()
        with self._write() as connection:
            row = self._open_row(connection, item_id, "assign")
            if row["assignee"] != assignee:
                connection.execute(update(work_items).where(work_items.c.id == item_id)
                                   .values(assignee=assignee, updated_at=now))
                self._event(connection, item_id, actor, "assign", row["state"], None,
                            {"assignee": assignee, "previous": row["assignee"]}, now)
        return self.get(item_id)

    def postpone(self, item_id: int, until: datetime, actor: str,
                 note: str | None = None) -> WorkItem:
        if until.tzinfo is None:
            raise QueueError("postpone needs an aware datetime")
        now = self.clock()
        with self._write() as connection:
            row = self._open_row(connection, item_id, "postpone")
            if row["state"] != ItemState.NEEDS_REVIEW.value:
                raise InvalidTransition(row["state"], "postpone")
            connection.execute(update(work_items).where(work_items.c.id == item_id)
                               .values(available_at=until, updated_at=now))
            self._event(connection, item_id, actor, "postpone", row["state"], None,
                        {"until": until.isoformat(), "note": note}, now)
        return self.get(item_id)

    def _open_row(self, connection: Connection, item_id: int, action: str) -> RowMapping:
        row = self._locked_row(connection, item_id)
        if ItemState(row["state"]) not in SUMMARISED_STATES:
            raise InvalidTransition(row["state"], action)
        return row

    def _with_summary(self, row: Mapping[Any, Any], target: ItemState,
                      values: dict[str, Any]) -> dict[str, Any]:
        """``values`` plus the summary columns when the item enters a state people work on."""
        if target not in SUMMARISED_STATES:
            return values
        payload = values.get("payload", row["payload"])
        evidence = values.get("evidence", row["evidence"])
        return {**self._summary(row["queue"], payload, evidence), **values}

    def _payload_summary(self, row: Mapping[Any, Any], payload: Any) -> dict[str, Any]:
        """The summary columns for a payload saved while the item waits for people."""
        if ItemState(row["state"]) not in SUMMARISED_STATES:
            return {}
        return self._summary(row["queue"], payload, row["evidence"])

    def _summary(self, queue: str, payload: Any, evidence: Any) -> dict[str, Any]:
        config: QueueConfig = self.queue_config(queue)
        return summary_columns(summarise(config.summary_extractor, payload, evidence))
