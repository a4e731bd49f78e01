"""Pure decisions: overlap, catch-up selection, jitter and retries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from finrpa.runs.policy import (
    jitter,
    may_run_beside,
    overlap_decision,
    retry_delay,
    select_missed,
)
from finrpa.runs.records import RunOrigin, RunStatus
from finrpa.runs.schedule_models import Retries

QUEUED, SKIPPED = RunStatus.QUEUED, RunStatus.SKIPPED
ON_TIME = RunOrigin.SCHEDULE


@pytest.mark.parametrize(("policy", "queued", "running", "expected"), [
    ("skip", 0, 0, QUEUED), ("skip", 0, 1, SKIPPED), ("skip", 1, 0, SKIPPED),
    ("queue_one", 0, 1, QUEUED), ("queue_one", 1, 1, SKIPPED), ("queue_one", 1, 0, SKIPPED),
    ("allow", 3, 2, QUEUED),
])
def test_overlap_decision(policy: str, queued: int, running: int, expected: RunStatus) -> None:
    status, reason = overlap_decision(policy, queued=queued, running=running, origin=ON_TIME)
    assert status is expected
    assert (reason is None) == (expected is QUEUED)
    if reason:
        assert policy in reason and f"{running} running" in reason


@pytest.mark.parametrize("origin", [RunOrigin.CATCH_UP, RunOrigin.MANUAL, RunOrigin.RETRY])
def test_missed_manual_and_retried_runs_are_queued_whatever_the_overlap(origin: RunOrigin
                                                                         ) -> None:
    assert overlap_decision("skip", queued=1, running=1, origin=origin) == (QUEUED, None)


def test_only_allow_runs_beside_another_run() -> None:
    assert [may_run_beside(p) for p in ("skip", "queue_one", "allow")] == [False, False, True]


def test_select_missed() -> None:
    times = [datetime(2026, 12, d, 5, tzinfo=UTC) for d in (1, 2, 3)]
    assert select_missed("none", times) == []
    assert select_missed("latest", times) == times[-1:]
    assert select_missed("all", times) == times
    assert select_missed("latest", []) == []


def test_jitter_is_the_same_in_every_scheduler_and_within_bounds() -> None:
    nominal = datetime(2026, 12, 1, 5, tzinfo=UTC)
    delays = {jitter("payroll", nominal + timedelta(minutes=n), 120) for n in range(200)}
    assert all(timedelta(0) <= delay < timedelta(seconds=120) for delay in delays)
    assert len(delays) > 150  # spread, not constant
    assert jitter("payroll", nominal, 120) == jitter("payroll", nominal, 120)
    assert jitter("payroll", nominal, 0) == timedelta(0)


def test_retry_delay_backs_off_and_stops_at_the_count() -> None:
    retries = Retries(count=2, backoff_seconds=10, factor=3)
    assert retry_delay(retries, 1, RunStatus.FAILED) == timedelta(seconds=10)
    assert retry_delay(retries, 2, RunStatus.TIMED_OUT) == timedelta(seconds=30)
    assert retry_delay(retries, 3, RunStatus.WORKER_LOST) is None
    assert retry_delay(retries, 1, RunStatus.SUCCEEDED) is None
    assert retry_delay(retries, 1, RunStatus.SKIPPED) is None
