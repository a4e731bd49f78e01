"""Pure decisions of the scheduler and the worker: overlap, catch-up, jitter and retries.

No clock, no database: the caller passes the counts and times in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta

from finrpa.runs.records import FAILURES, RunOrigin, RunStatus
from finrpa.runs.schedule_models import CatchUpPolicy, OverlapPolicy, Retries


def overlap_decision(
    policy: OverlapPolicy | str, *, queued: int, running: int, origin: RunOrigin
) -> tuple[RunStatus, str | None]:
    """Queue a new firing, or skip it because earlier runs are still active; with the reason.

    ``skip`` drops a firing while a run of the schedule is queued or running; ``queue_one``
    keeps at most one waiting run; ``allow`` always queues. Missed firings caught up on purpose
    and manual runs are always queued: workers start them one after another (see
    :func:`may_run_beside`).
    """
    policy = OverlapPolicy(policy)
    if policy is OverlapPolicy.ALLOW or origin is not RunOrigin.SCHEDULE:
        return RunStatus.QUEUED, None
    if policy is OverlapPolicy.SKIP and queued + running:
        return RunStatus.SKIPPED, f"overlap=skip: {_active(queued, running)}"
    if policy is OverlapPolicy.QUEUE_ONE and queued:
        return RunStatus.SKIPPED, f"overlap=queue_one: {_active(queued, running)}"
    return RunStatus.QUEUED, None


def _active(queued: int, running: int) -> str:
    return f"an earlier run is still active ({running} running, {queued} queued)"


def may_run_beside(policy: OverlapPolicy | str) -> bool:
    """Whether a queued run may start while another run of its schedule is running."""
    return OverlapPolicy(policy) is OverlapPolicy.ALLOW


def select_missed(policy: CatchUpPolicy | str, missed: Sequence[datetime]) -> list[datetime]:
    """The missed firings (oldest first, already within the window) that run, per the policy."""
    policy = CatchUpPolicy(policy)
    if policy is CatchUpPolicy.NONE:
        return []
    return list(missed[-1:] if policy is CatchUpPolicy.LATEST else missed)


def jitter(schedule: str, nominal: datetime, max_seconds: int) -> timedelta:
    """A delay in ``[0, max_seconds)`` that every scheduler computes alike for this firing."""
    if max_seconds <= 0:
        return timedelta(0)
    digest = hashlib.sha256(f"{schedule}@{nominal.isoformat()}".encode()).digest()
    fraction = int.from_bytes(digest[:8], "big") / 2**64
    return timedelta(seconds=round(fraction * max_seconds, 3))


def retry_delay(retries: Retries, attempt: int, status: RunStatus) -> timedelta | None:
    """The wait before retrying attempt number ``attempt`` (1 = the first run) that ended in
    ``status``; None when it is not retried (it succeeded or was skipped, or no retries left)."""
    if status not in FAILURES or attempt > retries.count:
        return None
    return retries.delay_before(attempt)
