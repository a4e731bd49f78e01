"""Records that cross the runs service's boundary: runs, their statuses, firings, alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from finrpa.errors import FinrpaError
from finrpa.runs.schedule_models import Schedule


class RunStatus(StrEnum):
    """Where a run is; see docs/operations.md for what each means to ops."""

    QUEUED = "queued"  # waiting for a worker (or for its start time: jitter, retry backoff)
    RUNNING = "running"  # a worker holds it under a lease
    SUCCEEDED = "succeeded"  # every step exited 0
    FAILED = "failed"  # a step exited non-zero
    TIMED_OUT = "timed_out"  # still running at max_run_time: its processes were killed
    WORKER_LOST = "worker_lost"  # its worker stopped renewing the lease (crashed, killed)
    SKIPPED = "skipped"  # never ran: overlap policy, or no input file


class RunOrigin(StrEnum):
    """Why a run exists."""

    SCHEDULE = "schedule"  # a firing, on time
    CATCH_UP = "catch_up"  # a firing missed while no scheduler ran, caught up per policy
    MANUAL = "manual"  # ``finrpa schedules trigger``
    RETRY = "retry"  # a retry of a failed run (``retry_of`` points at it)


ACTIVE = frozenset({RunStatus.QUEUED, RunStatus.RUNNING})
FAILURES = frozenset({RunStatus.FAILED, RunStatus.TIMED_OUT, RunStatus.WORKER_LOST})
FINAL = frozenset(RunStatus) - ACTIVE


class RunRecord(BaseModel):
    """One attempt at one firing of a schedule."""

    model_config = ConfigDict(frozen=True)

    id: int
    schedule: str
    robot: str
    nominal_time: datetime
    attempt: int
    retry_of: int | None = None
    origin: RunOrigin
    status: RunStatus
    overlap: str
    config: dict[str, Any]
    available_at: datetime
    created_by: str
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration_s: float | None = None
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None
    exit_code: int | None = None
    error: str | None = None
    items_done: int | None = None
    items_exceptions: int | None = None
    items_failed: int | None = None
    artifacts_dir: str | None = None

    def schedule_model(self) -> Schedule:
        """The schedule as it was when the run was created."""
        return Schedule.model_validate(self.config)


class ScheduleState(BaseModel):
    """What every scheduler shares about a schedule: pause flag and catch-up watermark."""

    model_config = ConfigDict(frozen=True)

    schedule: str
    paused: bool = False
    paused_by: str | None = None
    paused_at: datetime | None = None
    last_seen: datetime | None = None


@dataclass(frozen=True)
class Firing:
    """A nominal fire time of a schedule, to become a run."""

    schedule: Schedule
    nominal: datetime
    origin: RunOrigin = RunOrigin.SCHEDULE


@dataclass(frozen=True)
class RunOutcome:
    """How a run's execution ended, as the worker saw it."""

    status: RunStatus
    exit_code: int | None = None
    error: str | None = None
    artifacts_dir: str | None = None


@dataclass(frozen=True)
class Alert:
    """One e-mail to send once: ``event_key`` identifies the event."""

    event_key: str
    kind: str
    recipients: tuple[str, ...]
    subject: str
    body: str
    run_id: int | None = None
    item_id: int | None = None


@dataclass(frozen=True)
class OutboxMessage:
    """An alert claimed from the outbox for sending."""

    id: int
    event_key: str
    recipients: tuple[str, ...]
    subject: str
    body: str
    attempts: int


class RunNotFound(FinrpaError):
    """No run has the given id."""

    def __init__(self, run_id: int) -> None:
        super().__init__(f"no run with id {run_id}")
        self.run_id = run_id


class RunLeaseLost(FinrpaError):
    """The caller no longer holds the run's lease (it expired and the run was closed)."""

    def __init__(self, run_id: int, owner: str) -> None:
        super().__init__(f"run {run_id} is not leased by {owner}")
        self.run_id = run_id
        self.owner = owner
