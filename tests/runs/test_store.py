"""The runs store on both databases: firings once, overlap, pause, leases, retries."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from finrpa.db.engine import make_engine
from finrpa.runs.clock import FakeClock
from finrpa.runs.outbox import AlertOutbox
from finrpa.runs.records import (
    Firing,
    RunLeaseLost,
    RunOrigin,
    RunOutcome,
    RunRecord,
    RunStatus,
)
from finrpa.runs.schedule_models import Schedule
from finrpa.runs.store import RunStore
from tests.runs.conftest import BASE_URL, T0, schedule_from

EVERY_MINUTE = """
robot = "flaky_robot"
overlap = "{overlap}"
[trigger]
type = "cron"
expression = "* * * * *"
[retries]
count = {retries}
backoff_seconds = 30
[alerts]
recipients = ["ops@example.org"]
"""


@pytest.fixture
def fake_store(database_url: str, clock: FakeClock) -> RunStore:
    return RunStore(make_engine(database_url), clock=clock.now, base_url=BASE_URL)


def schedule(tmp_path: Path, overlap: str = "skip", retries: int = 0) -> Schedule:
    return schedule_from(tmp_path, "minutely", EVERY_MINUTE.format(overlap=overlap,
                                                                   retries=retries))


def fire(store: RunStore, sched: Schedule, minute: int, by: str = "s1",
         origin: RunOrigin = RunOrigin.SCHEDULE) -> list[RunRecord]:
    nominal = T0 + timedelta(minutes=minute)
    return store.record_firings([Firing(sched, nominal, origin)], {sched.name: nominal}, by)


def test_a_firing_offered_by_three_schedulers_becomes_one_run(fake_store: RunStore,
                                                              tmp_path: Path) -> None:
    sched = schedule(tmp_path)
    created = [fire(fake_store, sched, 0, by=name) for name in ("s1", "s2", "s3")]
    assert [len(runs) for runs in created] == [1, 0, 0]
    (run,) = fake_store.list_runs()
    assert (run.nominal_time, run.status, run.created_by) == (T0, RunStatus.QUEUED, "s1")
    assert fake_store.states()["minutely"].last_seen == T0


def test_overlap_skip_records_the_skipped_firing(fake_store: RunStore, tmp_path: Path) -> None:
    sched = schedule(tmp_path, "skip")
    fire(fake_store, sched, 0)
    (skipped,) = fire(fake_store, sched, 1)
    assert skipped.status is RunStatus.SKIPPED
    assert "overlap=skip" in (skipped.error or "")
    (caught_up,) = fire(fake_store, sched, 2, origin=RunOrigin.CATCH_UP)
    assert caught_up.status is RunStatus.QUEUED


def test_overlap_queue_one_keeps_one_waiting_run(fake_store: RunStore, tmp_path: Path) -> None:
    sched = schedule(tmp_path, "queue_one")
    fire(fake_store, sched, 0)
    assert fake_store.claim("w1", 60) is not None
    assert [r.status for r in fire(fake_store, sched, 1)] == [RunStatus.QUEUED]
    assert [r.status for r in fire(fake_store, sched, 2)] == [RunStatus.SKIPPED]


def test_paused_schedule_passes_firings_over(fake_store: RunStore, tmp_path: Path) -> None:
    sched = schedule(tmp_path)
    state = fake_store.set_paused("minutely", True, "alice")
    assert state.paused and state.paused_by == "alice"
    assert fire(fake_store, sched, 0) == []
    assert fake_store.states()["minutely"].last_seen == T0
    fake_store.set_paused("minutely", False, "alice")
    assert len(fire(fake_store, sched, 1)) == 1


def test_a_schedule_without_overlap_runs_one_at_a_time(
        fake_store: RunStore, clock: FakeClock, tmp_path: Path) -> None:
    sched = schedule(tmp_path, "skip")
    fire(fake_store, sched, 0, origin=RunOrigin.CATCH_UP)
    fire(fake_store, sched, 1, origin=RunOrigin.CATCH_UP)
    clock.advance(120)
    first = fake_store.claim("w1", 60)
    assert first is not None and first.status is RunStatus.RUNNING
    assert fake_store.claim("w2", 60) is None
    fake_store.finish(first.id, "w1", RunOutcome(RunStatus.SUCCEEDED, exit_code=0))
    second = fake_store.claim("w2", 60)
    assert second is not None and second.nominal_time == T0 + timedelta(minutes=1)


def test_allow_runs_side_by_side(fake_store: RunStore, clock: FakeClock,
                                 tmp_path: Path) -> None:
    sched = schedule(tmp_path, "allow")
    fire(fake_store, sched, 0)
    fire(fake_store, sched, 1)
    clock.advance(120)
    assert fake_store.claim("w1", 60) is not None
    assert fake_store.claim("w2", 60) is not None


def test_expired_lease_is_worker_lost_then_retried_after_backoff(
        fake_store: RunStore, clock: FakeClock, tmp_path: Path) -> None:
    sched = schedule(tmp_path, retries=1)
    fire(fake_store, sched, 0)
    run = fake_store.claim("w1", 5)
    assert run is not None
    clock.advance(3)
    fake_store.extend_lease(run.id, "w1", 5)
    clock.advance(4)
    assert fake_store.reap_expired() == []  # renewed: still within the lease
    clock.advance(2)
    (lost,) = fake_store.reap_expired()
    assert lost.status is RunStatus.WORKER_LOST and "w1" in (lost.error or "")
    with pytest.raises(RunLeaseLost):
        fake_store.finish(run.id, "w1", RunOutcome(RunStatus.SUCCEEDED))
    retry = fake_store.list_runs(status=RunStatus.QUEUED)[0]
    assert (retry.attempt, retry.retry_of, retry.origin) == (2, run.id, RunOrigin.RETRY)
    assert retry.available_at == clock.now() + timedelta(seconds=30)
    assert fake_store.claim("w2", 5) is None  # backing off
    clock.advance(30)
    assert fake_store.claim("w2", 5) is not None
    assert AlertOutbox(fake_store.engine, clock.now).list() == []  # a retry is coming


def test_a_failure_alerts_once_when_no_retry_is_left(fake_store: RunStore,
                                                     tmp_path: Path) -> None:
    sched = schedule(tmp_path, retries=0)
    fire(fake_store, sched, 0)
    run = fake_store.claim("w1", 60)
    assert run is not None
    finished, retry = fake_store.finish(run.id, "w1", RunOutcome(
        RunStatus.FAILED, exit_code=1, error="step main exited with code 1\nERP down"))
    assert retry is None and finished.status is RunStatus.FAILED
    assert finished.duration_s is not None and finished.items_done == 0
    (alert,) = AlertOutbox(fake_store.engine, fake_store.clock).list()
    assert alert["event_key"] == f"run_failed:{run.id}"
    assert alert["recipients"] == ["ops@example.org"]
    assert f"{BASE_URL}/runs/{run.id}" in alert["body"] and "ERP down" in alert["body"]


def test_release_hands_a_run_back(fake_store: RunStore, tmp_path: Path) -> None:
    sched = schedule(tmp_path)
    fire(fake_store, sched, 0)
    run = fake_store.claim("w1", 60)
    assert run is not None
    assert fake_store.release(run.id, "w1").status is RunStatus.QUEUED
    again = fake_store.claim("w2", 60)
    assert again is not None and again.id == run.id


def test_manual_runs_at_the_same_instant_are_each_queued(fake_store: RunStore,
                                                         tmp_path: Path) -> None:
    sched = schedule(tmp_path)
    first, second = (fake_store.trigger(sched, "ops") for _ in range(2))
    assert first.id != second.id and first.origin is RunOrigin.MANUAL
    assert {first.status, second.status} == {RunStatus.QUEUED}
