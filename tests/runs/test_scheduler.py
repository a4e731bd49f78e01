"""The scheduler loop on a fast-forwarded clock: firings, catch-up, pause, files, jitter."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from finrpa.db.engine import make_engine
from finrpa.runs.clock import FakeClock
from finrpa.runs.records import RunOrigin, RunStatus
from finrpa.runs.scheduler import Scheduler, SchedulerOptions
from finrpa.runs.store import RunStore
from tests.runs.conftest import T0, write_schedule

EVERY_10_MINUTES = """
robot = "flaky_robot"
overlap = "allow"
jitter_seconds = {jitter}
enabled = {enabled}
[trigger]
type = "cron"
expression = "*/10 * * * *"
[catch_up]
policy = "{policy}"
window = "{window}"
"""
OPTIONS = SchedulerOptions(tick_seconds=3600, misfire_grace_seconds=30, reload_seconds=0)


def ten_minutely(folder: Path, name: str = "tenmin", *, policy: str = "none",
                 window: str = "1h", jitter: int = 0, enabled: bool = True) -> None:
    write_schedule(folder, name, EVERY_10_MINUTES.format(
        policy=policy, window=window, jitter=jitter, enabled=str(enabled).lower()))


def scheduler(store: RunStore, folder: Path, clock: FakeClock, name: str = "s1") -> Scheduler:
    return Scheduler(store, folder, name=name, clock=clock, options=OPTIONS)


def run_until(sched: Scheduler, clock: FakeClock, until: datetime) -> None:
    sched.run(threading.Event(), until=until)
    assert clock.now() == until


def fired(store: RunStore) -> list[tuple[str, str]]:
    """(local HH:MM of the nominal time, origin) of every run, oldest first."""
    runs = sorted(store.list_runs(limit=1000), key=lambda run: run.nominal_time)
    return [(f"{run.nominal_time:%H:%M}", run.origin.value) for run in runs]


@pytest.fixture
def fake_store(sqlite_url: str, clock: FakeClock) -> RunStore:
    return RunStore(make_engine(sqlite_url), clock=clock.now)


@pytest.mark.parametrize(("policy", "window", "caught_up"), [
    ("none", "1h", []),
    ("latest", "1h", [("06:30", "catch_up")]),
    ("all", "1h", [("06:20", "catch_up"), ("06:30", "catch_up")]),
    ("all", "10m", [("06:30", "catch_up")]),  # 06:20 is 15 minutes old: outside the window
])
def test_catch_up_after_the_scheduler_was_down_across_two_firings(
        database_url: str, clock: FakeClock, tmp_path: Path, policy: str, window: str,
        caught_up: list[tuple[str, str]]) -> None:
    store = RunStore(make_engine(database_url), clock=clock.now)
    folder = tmp_path / "schedules"
    ten_minutely(folder, policy=policy, window=window)
    run_until(scheduler(store, folder, clock, "first"), clock, T0 + timedelta(minutes=12))
    assert fired(store) == [("06:10", "schedule")]
    clock.set(T0 + timedelta(minutes=35))  # down while 06:20 and 06:30 were due
    run_until(scheduler(store, folder, clock, "second"), clock, T0 + timedelta(minutes=41))
    assert fired(store) == [("06:10", "schedule"), *caught_up, ("06:40", "schedule")]


def test_a_firing_late_within_the_grace_runs_on_time(fake_store: RunStore, clock: FakeClock,
                                                     tmp_path: Path) -> None:
    folder = tmp_path / "schedules"
    ten_minutely(folder, policy="none")
    sched = scheduler(fake_store, folder, clock)
    sched.load()
    clock.set(T0 + timedelta(minutes=10, seconds=20))  # the process stalled 20 s
    (run,) = sched.tick()
    assert (run.nominal_time, run.origin) == (T0 + timedelta(minutes=10), RunOrigin.SCHEDULE)


def test_a_new_schedule_starts_from_now_without_catching_up(
        fake_store: RunStore, clock: FakeClock, tmp_path: Path) -> None:
    folder = tmp_path / "schedules"
    ten_minutely(folder, policy="all", window="1d")
    sched = scheduler(fake_store, folder, clock)
    sched.load()
    assert sched.tick() == []
    assert fake_store.states()["tenmin"].last_seen == T0


def test_disabled_and_paused_schedules_fire_nothing_but_move_on(
        fake_store: RunStore, clock: FakeClock, tmp_path: Path) -> None:
    folder = tmp_path / "schedules"
    ten_minutely(folder, "off", enabled=False, policy="all")
    ten_minutely(folder, "held", policy="all")
    fake_store.set_paused("held", True, "ops")
    run_until(scheduler(fake_store, folder, clock), clock, T0 + timedelta(minutes=25))
    assert fake_store.list_runs() == []
    states = fake_store.states()
    assert states["off"].last_seen == states["held"].last_seen == T0 + timedelta(minutes=20)
    fake_store.set_paused("held", False, "ops")
    run_until(scheduler(fake_store, folder, clock), clock, T0 + timedelta(minutes=31))
    assert [run.schedule for run in fake_store.list_runs()] == ["held"]  # 06:30 only


def test_schedule_files_are_reloaded(fake_store: RunStore, clock: FakeClock,
                                     tmp_path: Path) -> None:
    folder = tmp_path / "schedules"
    ten_minutely(folder, "first")
    sched = scheduler(fake_store, folder, clock)
    run_until(sched, clock, T0 + timedelta(minutes=11))
    ten_minutely(folder, "second")
    (folder / "first.toml").unlink()
    run_until(sched, clock, T0 + timedelta(minutes=21))
    assert sorted((run.schedule, f"{run.nominal_time:%H:%M}") for run in fake_store.list_runs()
                  ) == [("first", "06:10"), ("second", "06:20")]


def test_invalid_files_are_reported_and_the_rest_still_fire(
        fake_store: RunStore, clock: FakeClock, tmp_path: Path) -> None:
    folder = tmp_path / "schedules"
    ten_minutely(folder, "good")
    write_schedule(folder, "bad", 'robot = "flaky_robot"\n[trigger]\ntype = "hourly"\n')
    sched = scheduler(fake_store, folder, clock)
    run_until(sched, clock, T0 + timedelta(minutes=11))
    assert [str(error).split(":")[0] for error in sched.errors] == [str(folder / "bad.toml")]
    assert [run.schedule for run in fake_store.list_runs()] == ["good"]


def test_jitter_delays_the_start_not_the_nominal_time(
        fake_store: RunStore, clock: FakeClock, tmp_path: Path) -> None:
    folder = tmp_path / "schedules"
    ten_minutely(folder, jitter=300)
    run_until(scheduler(fake_store, folder, clock), clock, T0 + timedelta(minutes=31))
    runs = fake_store.list_runs()
    delays = {(run.available_at - run.nominal_time).total_seconds() for run in runs}
    assert len(runs) == 3 and all(0 <= delay < 300 for delay in delays)
    assert len(delays) == 3  # each firing gets its own delay
    assert all(run.nominal_time.minute % 10 == 0 for run in runs)
    assert {run.status for run in runs} == {RunStatus.QUEUED}
