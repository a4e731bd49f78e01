"""The worker running real robots (tests/runs/robots) as subprocesses."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from finrpa.runs.records import RunOrigin, RunStatus
from finrpa.runs.service import run_log_path, run_logs
from finrpa.runs.settings import RunSettings
from finrpa.runs.store import RunStore
from finrpa.runs.worker import RunWorker
from tests.runs.conftest import REPO_ROOT, schedule_from, wait_for

HANGING = """
robot = "hang_robot"
max_run_time = "2s"
"""
FLAKY = """
robot = "flaky_robot"
[input]
folder = "inbox"
[output]
folder = "published"
[retries]
count = 2
backoff_seconds = 0.2
"""
STEADY = """
robot = "steady_robot"
[input]
folder = "inbox"
pattern = "*.xml"
"""
TRIGGER = """
[trigger]
type = "business_days"
at = "07:00"
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_hanging_robot_is_killed_at_its_max_run_time(
        store: RunStore, settings: RunSettings, tmp_path: Path) -> None:
    run = store.trigger(schedule_from(tmp_path, "hangs", HANGING + TRIGGER), "test")
    started = time.monotonic()
    finished = RunWorker(store, settings, name="w1").run_once()
    elapsed = time.monotonic() - started
    assert finished is not None and finished.status is RunStatus.TIMED_OUT
    assert "max_run_time 0:00:02" in (finished.error or "")
    assert 2.0 <= elapsed < 2.0 + settings.kill_grace_seconds + 3
    robot_pid, child_pid = map(int, (settings.run_dir(run.id) / "pids.txt").read_text().split())
    wait_for(lambda: not alive(robot_pid) and not alive(child_pid), 5, "the robot to be gone")
    assert run_logs(finished, settings)[0].console.is_file()


def test_a_failed_run_is_retried_and_succeeds(store: RunStore, settings: RunSettings,
                                              tmp_path: Path) -> None:
    (tmp_path / "inbox").mkdir()
    first = store.trigger(schedule_from(tmp_path, "flaky", FLAKY + TRIGGER), "test")
    worker = RunWorker(store, settings, name="w1")
    failed = worker.run_once()
    assert failed is not None and failed.status is RunStatus.FAILED
    assert failed.exit_code != 0 and "ERP answered 503" in (failed.error or "")
    retried = wait_for(worker.run_once, 10, "the retry to become due")
    assert retried.status is RunStatus.SUCCEEDED
    assert (retried.attempt, retried.retry_of, retried.origin) == (
        2, first.id, RunOrigin.RETRY)
    assert retried.nominal_time == first.nominal_time
    assert (tmp_path / "published" / "result.txt").read_text() == "paid 3 invoices\n"
    log_html = run_log_path(retried, settings)
    assert log_html is not None and log_html.stat().st_size > 1000
    assert len(store.list_runs()) == 2  # succeeded: no third attempt


def test_item_counts_and_no_input_skip(store: RunStore, settings: RunSettings,
                                       tmp_path: Path) -> None:
    (tmp_path / "inbox").mkdir()
    schedule = schedule_from(tmp_path, "steady", STEADY + TRIGGER)
    worker = RunWorker(store, settings, name="w1")
    store.trigger(schedule, "test")
    skipped = worker.run_once()
    assert skipped is not None and skipped.status is RunStatus.SKIPPED
    assert "no file matching '*.xml'" in (skipped.error or "")
    (tmp_path / "inbox" / "invoice.xml").write_text("<Finvoice/>")
    store.trigger(schedule, "test")
    done = worker.run_once()
    assert done is not None and done.status is RunStatus.SUCCEEDED
    assert (done.items_done, done.items_exceptions, done.items_failed) == (2, 1, 0)
    assert [step.task for step in run_logs(done, settings)] == ["produce", "consume"]


def test_a_killed_worker_leaves_a_worker_lost_run_that_is_retried(
        store: RunStore, settings: RunSettings, tmp_path: Path) -> None:
    schedule_from(tmp_path, "hangs", HANGING.replace("2s", "1m") + TRIGGER
                  + "[retries]\ncount = 1\nbackoff_seconds = 0\n")
    env = {**os.environ, "FINRPA_DATABASE_URL": settings.resolved_database_url(),
           "FINRPA_HOME": str(settings.home), "FINRPA_ROBOTS_DIR": str(settings.robots_dir),
           "FINRPA_SCHEDULES_DIR": str(settings.schedules_dir), "FINRPA_RUN_LEASE_SECONDS": "1"}
    subprocess.run([sys.executable, "-m", "finrpa.cli.main", "schedules", "trigger", "hangs"],
                   env=env, cwd=REPO_ROOT, check=True, capture_output=True)
    worker = subprocess.Popen([sys.executable, "-m", "finrpa.cli.main", "worker", "--name",
                               "doomed"], env=env, cwd=REPO_ROOT, stderr=subprocess.DEVNULL)
    (run,) = store.list_runs()
    pids = settings.run_dir(run.id) / "pids.txt"
    wait_for(pids.exists, 30, "the robot to start")
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    robot_pid, child_pid = map(int, pids.read_text().split())
    wait_for(lambda: not alive(robot_pid) and not alive(child_pid), 5,
             "the guard to kill the robot of the dead worker")
    (lost,) = wait_for(store.reap_expired, 5, "the one-second lease to run out")
    assert lost.id == run.id and lost.status is RunStatus.WORKER_LOST
    assert "doomed" in (lost.error or "")
    (retry,) = store.list_runs(status=RunStatus.QUEUED)
    assert (retry.attempt, retry.retry_of) == (2, run.id)


def test_a_worker_that_loses_its_lease_stops_its_robot(
        store: RunStore, settings: RunSettings, tmp_path: Path) -> None:
    run = store.trigger(schedule_from(tmp_path, "hangs", HANGING.replace("2s", "1m") + TRIGGER),
                        "test")
    outcome: list[object] = []
    worker = threading.Thread(
        target=lambda: outcome.append(RunWorker(store, settings, name="slow").run_once()))
    worker.start()
    pids = settings.run_dir(run.id) / "pids.txt"
    wait_for(pids.exists, 30, "the robot to start")
    later = RunStore(store.engine, clock=lambda: datetime.now(UTC) + timedelta(minutes=5))
    (lost,) = later.reap_expired()  # as another process would, were the worker stalled
    worker.join(timeout=30)
    assert outcome == [None] and lost.status is RunStatus.WORKER_LOST
    robot_pid, child_pid = map(int, pids.read_text().split())
    wait_for(lambda: not alive(robot_pid) and not alive(child_pid), 5, "the robot to be gone")
    assert store.get_run(run.id).status is RunStatus.WORKER_LOST
