"""Read queries and row-to-record conversion for the runs tables."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from finrpa.db.schema import runs, schedule_state, work_items
from finrpa.domain.items import ItemState
from finrpa.queue.reads import to_item
from finrpa.queue.records import WorkItem
from finrpa.runs.records import ACTIVE, RunOrigin, RunRecord, RunStatus, ScheduleState

#: How item states count for a run: done, exceptions (left for people), failed.
ITEM_COUNT_STATES = {
    "items_done": (ItemState.DONE,),
    "items_exceptions": (ItemState.NEEDS_REVIEW, ItemState.REJECTED),
    "items_failed": (ItemState.FAILED,),
}


#: Columns a new run row may leave out (the database defaults them to NULL).
_RUN_DEFAULTS = {column: None for column in (
    "started_at", "finished_at", "duration_s", "lease_owner", "lease_expires_at", "exit_code",
    "error", "items_done", "items_exceptions", "items_failed", "artifacts_dir", "retry_of")}


def to_run(row: Mapping[Any, Any]) -> RunRecord:
    """A RunRecord from a runs row."""
    return RunRecord.model_validate(dict(row))


def new_record(row: Mapping[str, Any], run_id: int) -> RunRecord:
    """The record of a row just inserted, from the inserted values (already typed)."""
    return RunRecord.model_construct(**{
        **_RUN_DEFAULTS, **row, "id": run_id, "origin": RunOrigin(row["origin"]),
        "status": RunStatus(row["status"])})


def to_state(row: Mapping[Any, Any]) -> ScheduleState:
    """A ScheduleState from a schedule_state row."""
    return ScheduleState.model_validate({k: v for k, v in row.items() if k != "updated_at"})


def get_run(connection: Connection, run_id: int) -> RunRecord | None:
    """The run, or None."""
    row = connection.execute(select(runs).where(runs.c.id == run_id)).mappings().first()
    return to_run(row) if row else None


def list_runs(
    connection: Connection,
    *,
    schedule: str | None = None,
    status: RunStatus | None = None,
    limit: int = 50,
    before_id: int | None = None,
) -> list[RunRecord]:
    """Runs, newest first, optionally filtered; ``before_id`` pages back (keyset)."""
    query = select(runs).order_by(runs.c.id.desc()).limit(limit)
    if schedule is not None:
        query = query.where(runs.c.schedule == schedule)
    if status is not None:
        query = query.where(runs.c.status == RunStatus(status).value)
    if before_id is not None:
        query = query.where(runs.c.id < before_id)
    return [to_run(row) for row in connection.execute(query).mappings()]


def item_counts(connection: Connection, run_id: int) -> dict[str, int]:
    """Items the run created, by outcome: items_done, items_exceptions, items_failed."""
    query = (
        select(work_items.c.state, func.count())
        .where(work_items.c.run_id == str(run_id))
        .group_by(work_items.c.state)
    )
    per_state = {ItemState(state): count for state, count in connection.execute(query)}
    return {
        column: sum(per_state.get(state, 0) for state in states)
        for column, states in ITEM_COUNT_STATES.items()
    }


def active_counts(connection: Connection, names: Iterable[str]) -> dict[str, dict[str, int]]:
    """Queued and running runs per schedule: {schedule: {"queued": n, "running": m}}."""
    names = sorted(set(names))
    counts: dict[str, dict[str, int]] = {name: {"queued": 0, "running": 0} for name in names}
    for start in range(0, len(names), 500):
        query = (
            select(runs.c.schedule, runs.c.status, func.count())
            .where(runs.c.schedule.in_(names[start:start + 500]),
                   runs.c.status.in_([status.value for status in ACTIVE]))
            .group_by(runs.c.schedule, runs.c.status)
        )
        for name, status, count in connection.execute(query):
            counts[name][status] = count
    return counts


def states(connection: Connection, names: Iterable[str] | None = None) -> dict[str, ScheduleState]:
    """Shared schedule state, by schedule name (all schedules when ``names`` is None)."""
    query = select(schedule_state)
    if names is not None:
        query = query.where(schedule_state.c.schedule.in_(sorted(set(names))))
    return {row["schedule"]: to_state(row) for row in connection.execute(query).mappings()}


def paused_flags(connection: Connection, names: Sequence[str]) -> dict[str, bool]:
    """{schedule: paused} for those of ``names`` that have a state row."""
    flags: dict[str, bool] = {}
    for start in range(0, len(names), 500):
        query = select(schedule_state.c.schedule, schedule_state.c.paused).where(
            schedule_state.c.schedule.in_(list(names[start:start + 500])))
        flags.update({name: bool(paused) for name, paused in connection.execute(query)})
    return flags


def latest_runs(connection: Connection) -> dict[str, RunRecord]:
    """The newest run of every schedule."""
    newest = select(func.max(runs.c.id)).group_by(runs.c.schedule).scalar_subquery()
    query = select(runs).where(runs.c.id.in_(newest))
    return {row["schedule"]: to_run(row) for row in connection.execute(query).mappings()}


def overdue_exceptions(connection: Connection, now: datetime,
                       limit: int) -> list[tuple[WorkItem, RunRecord]]:
    """Exception items past their due date, each with the scheduled run that created it."""
    items = [to_item(dict(row)) for row in connection.execute(
        select(work_items).where(
            work_items.c.state == ItemState.NEEDS_REVIEW.value,
            work_items.c.due_at < now, work_items.c.run_id.is_not(None))
        .order_by(work_items.c.id).limit(limit)).mappings()]
    numbers = {item.id: run_number(item.run_id) for item in items}
    wanted = sorted({number for number in numbers.values() if number is not None})
    by_id = {row["id"]: to_run(row) for row in connection.execute(
        select(runs).where(runs.c.id.in_(wanted))).mappings()}
    return [(item, by_id[number]) for item in items
            if (number := numbers[item.id]) is not None and number in by_id]


def run_number(run_id: str | None) -> int | None:
    """The runs-table id a work item's run_id names (a manual ``finrpa run`` has none)."""
    return int(run_id) if run_id and run_id.isdigit() else None
