"""The runs store on SQLAlchemy: firings become runs exactly once, workers lease them.

Exactly once: a firing's run row is keyed by (schedule, nominal_time, attempt), and every
scheduler inserts it with ``INSERT ... ON CONFLICT DO NOTHING``, so however many schedulers see
a firing, the first insert wins and the others change nothing. A retry is the next attempt of
the same firing, inserted in the transaction that closes the failed attempt.

Claims follow the work-item queue: PostgreSQL picks a run ``FOR UPDATE SKIP LOCKED``; SQLite
serialises writers with ``BEGIN IMMEDIATE`` (see finrpa.db.engine). A run whose schedule does not
allow overlap starts only when no other run of it is running; on PostgreSQL the claim locks the
schedule's state row to make that check and the start one step.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    RowMapping,
    Select,
    and_,
    bindparam,
    exists,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.sql.elements import ColumnClause

from finrpa.db.access import dialect_insert, reading, writing
from finrpa.db.engine import ensure_schema
from finrpa.db.schema import runs, schedule_state
from finrpa.errors import FinrpaError
from finrpa.runs import outbox, reads
from finrpa.runs.alerts import overdue_alert, run_alerts
from finrpa.runs.policy import jitter as jitter_for
from finrpa.runs.policy import overlap_decision, retry_delay
from finrpa.runs.records import (
    Firing,
    RunLeaseLost,
    RunNotFound,
    RunOrigin,
    RunOutcome,
    RunRecord,
    RunStatus,
    ScheduleState,
)
from finrpa.runs.schedule_models import OverlapPolicy, Schedule

Clock = Callable[[], datetime]
_CONFLICT_KEY = ["schedule", "nominal_time", "attempt"]
#: A literal, not a bound parameter, so that PostgreSQL uses the partial index.
_QUEUED: ColumnClause[Any] = literal_column("'queued'")
_RUNNING = RunStatus.RUNNING.value


def utc_now() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(UTC)


class RunStore:
    """Runs, schedule state and the alert outbox over an SQLAlchemy engine."""

    def __init__(self, engine: Engine, *, clock: Clock = utc_now,
                 base_url: str = "http://127.0.0.1:8000", create_schema: bool = True) -> None:
        self.engine = engine
        self.clock = clock
        self.base_url = base_url
        self._postgres = engine.dialect.name == "postgresql"
        self._configs: dict[int, tuple[Schedule, dict[str, Any]]] = {}
        if create_schema:
            ensure_schema(engine)

    def _write(self) -> AbstractContextManager[Connection]:
        return writing(self.engine)

    def _read(self) -> AbstractContextManager[Connection]:
        return reading(self.engine)

    def _insert(self, table: Any) -> Any:
        return dialect_insert(self.engine, table)

    # -- schedule state ----------------------------------------------------------------

    def states(self, names: Sequence[str] | None = None) -> dict[str, ScheduleState]:
        """Pause flags and catch-up watermarks, by schedule (every known one by default)."""
        with self._read() as connection:
            return reads.states(connection, names)

    def set_paused(self, name: str, paused: bool, actor: str) -> ScheduleState:
        """Pause or resume a schedule for every scheduler sharing the database."""
        now = self.clock()
        with self._write() as connection:
            self._ensure_states(connection, [name], now)
            connection.execute(
                update(schedule_state).where(schedule_state.c.schedule == name).values(
                    paused=paused, paused_by=actor if paused else None,
                    paused_at=now if paused else None, updated_at=now)
            )
            return reads.states(connection, [name])[name]

    def raise_watermarks(self, seen: Mapping[str, datetime]) -> None:
        """Record that every firing up to ``seen[name]`` has been handled (never lowers it)."""
        now = self.clock()
        with self._write() as connection:
            self._ensure_states(connection, list(seen), now)
            self._raise_watermarks(connection, seen, now)

    def _ensure_states(self, connection: Connection, names: Sequence[str], now: datetime) -> None:
        if names:
            connection.execute(
                self._insert(schedule_state).on_conflict_do_nothing(index_elements=["schedule"]),
                [{"schedule": name, "updated_at": now} for name in sorted(set(names))],
            )

    def _raise_watermarks(self, connection: Connection, seen: Mapping[str, datetime],
                          now: datetime) -> None:
        if not seen:
            return
        at = bindparam("b_seen", type_=schedule_state.c.last_seen.type)
        connection.execute(
            update(schedule_state)
            .where(schedule_state.c.schedule == bindparam("b_schedule"),
                   or_(schedule_state.c.last_seen.is_(None), schedule_state.c.last_seen < at))
            .values(last_seen=at, updated_at=now),
            [{"b_schedule": name, "b_seen": when} for name, when in sorted(seen.items())],
        )

    # -- firings -----------------------------------------------------------------------

    def record_firings(self, firings: Sequence[Firing], seen: Mapping[str, datetime],
                       created_by: str) -> list[RunRecord]:
        """Insert a run per firing (queued, or skipped per the overlap policy) unless one
        exists, and raise the watermarks to ``seen``; return the runs this call created.

        Firings of paused schedules create nothing: their time is passed over.
        """
        now = self.clock()
        names = sorted({firing.schedule.name for firing in firings} | set(seen))
        with self._write() as connection:
            paused = self._paused(connection, names, now)
            live = [firing for firing in firings if firing.schedule.name not in paused]
            active = reads.active_counts(connection, [
                f.schedule.name for f in live
                if f.origin is RunOrigin.SCHEDULE and f.schedule.overlap is not OverlapPolicy.ALLOW
            ])
            rows = []
            for firing in sorted(live, key=lambda f: (f.schedule.name, f.nominal)):
                counts = active.get(firing.schedule.name, {"queued": 0, "running": 0})
                status, reason = overlap_decision(firing.schedule.overlap, origin=firing.origin,
                                                  **counts)
                counts["queued"] += status is RunStatus.QUEUED
                rows.append(self._new_row(firing.schedule, firing.nominal, firing.origin,
                                          status, reason, created_by, now))
            created = self._insert_runs(connection, rows)
            self._raise_watermarks(connection, seen, now)
        return created

    def _paused(self, connection: Connection, names: Sequence[str], now: datetime) -> set[str]:
        """Which of ``names`` are paused; creates the state rows that do not exist yet."""
        flags = reads.paused_flags(connection, names)
        self._ensure_states(connection, [name for name in names if name not in flags], now)
        return {name for name, paused in flags.items() if paused}

    def trigger(self, schedule: Schedule, actor: str) -> RunRecord:
        """Queue a run of ``schedule`` now (``schedules trigger``), paused or not."""
        now = self.clock()
        with self._write() as connection:
            self._ensure_states(connection, [schedule.name], now)
            for nudge in range(1000):  # two triggers in the same microsecond: the next one
                nominal = now + timedelta(microseconds=nudge)
                row = self._new_row(schedule, nominal, RunOrigin.MANUAL, RunStatus.QUEUED, None,
                                    actor, now)
                row["available_at"] = now  # no jitter on a manual run
                created = self._insert_runs(connection, [row])
                if created:
                    return created[0]
        raise FinrpaError(f"could not queue a run of {schedule.name}: too many at once")

    def _new_row(self, schedule: Schedule, nominal: datetime, origin: RunOrigin,
                 status: RunStatus, reason: str | None, created_by: str,
                 now: datetime) -> dict[str, Any]:
        skipped = status is RunStatus.SKIPPED
        return {
            "schedule": schedule.name, "robot": schedule.robot,
            "nominal_time": nominal.astimezone(UTC), "attempt": 1, "retry_of": None,
            "origin": origin.value, "status": status.value, "overlap": schedule.overlap.value,
            "config": self._config(schedule),
            "available_at": (nominal + jitter_for(schedule.name, nominal, schedule.jitter_seconds)
                             ).astimezone(UTC),
            "created_by": created_by, "created_at": now, "error": reason,
            "finished_at": now if skipped else None, "duration_s": 0.0 if skipped else None,
        }

    def _config(self, schedule: Schedule) -> dict[str, Any]:
        """The schedule as written (defaults left out) for the run's ``config``; cached, as a
        tick may fire a schedule many times."""
        cached = self._configs.get(id(schedule))
        if cached is None or cached[0] is not schedule:
            if len(self._configs) > 10_000:
                self._configs.clear()
            cached = (schedule, schedule.model_dump(mode="json", exclude_defaults=True))
            self._configs[id(schedule)] = cached
        return cached[1]

    def _insert_runs(self, connection: Connection, rows: list[dict[str, Any]]) -> list[RunRecord]:
        """Insert rows whose (schedule, nominal_time, attempt) is new; the runs created."""
        if not rows:
            return []
        statement = (self._insert(runs).on_conflict_do_nothing(index_elements=_CONFLICT_KEY)
                     .returning(runs.c.id, runs.c.schedule, runs.c.nominal_time, runs.c.attempt))
        by_key = {(row["schedule"], row["nominal_time"], row["attempt"]): row for row in rows}
        return [reads.new_record(by_key[(name, nominal, attempt)], run_id)
                for run_id, name, nominal, attempt in connection.execute(statement, rows)]

    # -- claiming and leases -----------------------------------------------------------

    def claim(self, owner: str, lease_seconds: float) -> RunRecord | None:
        """Start the oldest due queued run that may start, under a lease; None when none may."""
        now = self.clock()
        excluded: set[str] = set()
        with self._write() as connection:
            for _ in range(10):
                row = connection.execute(self._candidate(now, excluded)).mappings().first()
                if row is None:
                    return None
                if row["overlap"] != OverlapPolicy.ALLOW and not self._schedule_free(
                        connection, row["schedule"]):
                    excluded.add(row["schedule"])
                    continue
                values = {"status": _RUNNING, "lease_owner": owner, "started_at": now,
                          "lease_expires_at": now + timedelta(seconds=lease_seconds)}
                connection.execute(update(runs).where(runs.c.id == row["id"]).values(**values))
                return reads.to_run({**row, **values})
        return None

    def _candidate(self, now: datetime, excluded: set[str]) -> Select[Any]:
        running = runs.alias("running")
        busy = exists().where(running.c.schedule == runs.c.schedule,
                              running.c.status == _RUNNING)
        query = (
            select(runs)
            .where(runs.c.status == _QUEUED, runs.c.available_at <= now,
                   or_(runs.c.overlap == OverlapPolicy.ALLOW.value, ~busy))
            .order_by(runs.c.available_at, runs.c.id)
            .limit(1)
        )
        if excluded:
            query = query.where(runs.c.schedule.not_in(sorted(excluded)))
        if self._postgres:
            query = query.with_for_update(skip_locked=True, of=runs)
        return query

    def _schedule_free(self, connection: Connection, name: str) -> bool:
        """PostgreSQL: lock the schedule, then check again that none of its runs is running."""
        if not self._postgres:
            return True  # BEGIN IMMEDIATE: the candidate query's check still holds
        connection.execute(select(schedule_state.c.schedule)
                           .where(schedule_state.c.schedule == name).with_for_update())
        busy = connection.execute(select(exists().where(
            and_(runs.c.schedule == name, runs.c.status == _RUNNING)))).scalar_one()
        return not busy

    def extend_lease(self, run_id: int, owner: str, seconds: float) -> datetime:
        """Renew the lease of a running run; RunLeaseLost when the caller no longer holds it."""
        expires = self.clock() + timedelta(seconds=seconds)
        with self._write() as connection:
            result = connection.execute(
                update(runs).where(runs.c.id == run_id, runs.c.lease_owner == owner,
                                   runs.c.status == _RUNNING)
                .values(lease_expires_at=expires))
        if result.rowcount != 1:
            raise RunLeaseLost(run_id, owner)
        return expires

    def release(self, run_id: int, owner: str) -> RunRecord:
        """Put a running run back in the queue (its worker is shutting down)."""
        now = self.clock()
        with self._write() as connection:
            result = connection.execute(
                update(runs).where(runs.c.id == run_id, runs.c.lease_owner == owner,
                                   runs.c.status == _RUNNING)
                .values(status=RunStatus.QUEUED.value, lease_owner=None,
                        lease_expires_at=None, started_at=None, available_at=now))
            if result.rowcount != 1:
                raise RunLeaseLost(run_id, owner)
            return self._get(connection, run_id)

    def finish(self, run_id: int, owner: str,
               outcome: RunOutcome) -> tuple[RunRecord, RunRecord | None]:
        """Close a running run with its outcome and item counts; queue the retry its schedule
        asks for and the alerts it raises. Returns the run and the retry (or None)."""
        now = self.clock()
        with self._write() as connection:
            row = self._locked(connection, run_id)
            if row["status"] != _RUNNING or row["lease_owner"] != owner:
                raise RunLeaseLost(run_id, owner)
            return self._close(connection, row, outcome, now)

    def reap_expired(self) -> list[RunRecord]:
        """Close running runs whose lease expired as ``worker_lost`` (and retry them)."""
        now = self.clock()
        closed: list[RunRecord] = []
        with self._write() as connection:
            query = (select(runs).where(runs.c.status == _RUNNING, runs.c.lease_expires_at < now)
                     .order_by(runs.c.id).limit(100))
            if self._postgres:
                query = query.with_for_update(skip_locked=True)
            for row in connection.execute(query).mappings().all():
                expired = row["lease_expires_at"].isoformat(timespec="seconds")
                error = (f"worker {row['lease_owner']} stopped renewing its lease "
                         f"(expired {expired}): it crashed, was killed or lost the database")
                outcome = RunOutcome(RunStatus.WORKER_LOST, error=error)
                closed.append(self._close(connection, row, outcome, now)[0])
        return closed

    def _close(self, connection: Connection, row: RowMapping, outcome: RunOutcome,
               now: datetime) -> tuple[RunRecord, RunRecord | None]:
        started = row["started_at"]
        values: dict[str, Any] = {
            "status": outcome.status.value, "finished_at": now, "lease_owner": None,
            "lease_expires_at": None, "exit_code": outcome.exit_code, "error": outcome.error,
            "duration_s": (now - started).total_seconds() if started else None,
            "artifacts_dir": outcome.artifacts_dir or row["artifacts_dir"],
            **reads.item_counts(connection, row["id"]),
        }
        connection.execute(update(runs).where(runs.c.id == row["id"]).values(**values))
        run = reads.to_run({**row, **values})
        retry = None
        delay = retry_delay(run.schedule_model().retries, run.attempt, run.status)
        if delay is not None:
            retry_row = {
                **{column: row[column] for column in
                   ("schedule", "robot", "nominal_time", "overlap", "config")},
                "attempt": run.attempt + 1, "retry_of": run.id, "origin": RunOrigin.RETRY.value,
                "status": RunStatus.QUEUED.value, "available_at": now + delay,
                "created_by": f"retry of run {run.id}", "created_at": now,
            }
            retry = next(iter(self._insert_runs(connection, [retry_row])), None)
        alerts = run_alerts(run, retried=retry is not None, base_url=self.base_url)
        outbox.enqueue(connection, self._insert, alerts, now)
        return run, retry

    def _locked(self, connection: Connection, run_id: int) -> RowMapping:
        query = select(runs).where(runs.c.id == run_id)
        if self._postgres:
            query = query.with_for_update()
        row = connection.execute(query).mappings().first()
        if row is None:
            raise RunNotFound(run_id)
        return row

    # -- reads -------------------------------------------------------------------------

    def _get(self, connection: Connection, run_id: int) -> RunRecord:
        found = reads.get_run(connection, run_id)
        if found is None:
            raise RunNotFound(run_id)
        return found

    def get_run(self, run_id: int) -> RunRecord:
        """The run with this id; RunNotFound when there is none."""
        with self._read() as connection:
            return self._get(connection, run_id)

    def list_runs(self, *, schedule: str | None = None, status: RunStatus | None = None,
                  limit: int = 50, before_id: int | None = None) -> list[RunRecord]:
        """Runs, newest first; ``before_id`` pages back."""
        with self._read() as connection:
            return reads.list_runs(connection, schedule=schedule, status=status, limit=limit,
                                   before_id=before_id)

    def latest_runs(self) -> dict[str, RunRecord]:
        """The newest run of each schedule."""
        with self._read() as connection:
            return reads.latest_runs(connection)

    # -- overdue exceptions ------------------------------------------------------------

    def enqueue_overdue_alerts(self, limit: int = 1000) -> int:
        """Queue an alert for each exception item past its due date whose run's schedule asks
        for one; each (item, due date) alerts once. Returns how many alerts were new."""
        now = self.clock()
        with self._read() as connection:
            overdue = reads.overdue_exceptions(connection, now, limit)
        alerts = [alert for item, run in overdue
                  if (alert := overdue_alert(item, run, self.base_url)) is not None]
        if not alerts:
            return 0
        with self._write() as connection:
            return outbox.enqueue(connection, self._insert, alerts, now)

