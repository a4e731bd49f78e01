"""The worker: claims queued runs under a lease and runs their robot, one at a time.

Each step runs as ``python -m robocorp.tasks run`` (finrpa.runs.robots) in a new process group
led by finrpa.runs.guard, so a run past its ``max_run_time`` is stopped with everything it
started (SIGTERM, then SIGKILL after the grace period), and a worker that dies takes its robot
with it. While a step runs the worker renews the lease; a run whose lease expires anyway is
closed as ``worker_lost`` by whoever reaps first (another worker, or a scheduler).

Every run gets a folder ``<FINRPA_HOME>/runs/<run id>/``: the robot's outputs, and
``logs/<task>/`` with robocorp's ``log.html`` and the console output. A succeeded run's outputs
are also copied to the schedule's ``[output].folder``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from finrpa.errors import FinrpaError
from finrpa.queue.sql import SqlQueueStore
from finrpa.runs.clock import Clock, SystemClock
from finrpa.runs.records import RunLeaseLost, RunOutcome, RunRecord, RunStatus
from finrpa.runs.robots import RobotStep, StepResult, load_robot, run_robot
from finrpa.runs.schedule_models import Schedule
from finrpa.runs.settings import RunSettings
from finrpa.runs.store import RunStore

log = logging.getLogger(__name__)
ERROR_TAIL_LINES = 25
ERROR_MAX_CHARS = 3000
_POLL_SECONDS = 0.1


class _Interrupted(Exception):
    """The run did not end on its own: the worker is stopping, or lost the lease."""


@dataclass
class _Watch:
    """Watches a step's process: renews the lease, enforces the deadline, obeys ``stop``."""

    store: RunStore
    run_id: int
    owner: str
    lease_seconds: float
    deadline: float | None  # time.monotonic() value
    grace_seconds: float
    stop: threading.Event
    ended: str | None = None  # "timed_out", "stopped" or "lease_lost"
    step: str = ""

    def __call__(self, step: RobotStep, process: subprocess.Popen[bytes]) -> None:
        self.step = step.task
        renewed = time.monotonic()
        renew_at = renewed + self.lease_seconds / 3
        while process.poll() is None:
            now = time.monotonic()
            if self.stop.is_set():
                self._end("stopped", process)
            elif self.deadline is not None and now >= self.deadline:
                self._end("timed_out", process)
            elif now >= renew_at:
                renew_at = now + self.lease_seconds / 3
                if self._renew():
                    renewed = now
                elif self.ended is None and now - renewed >= self.lease_seconds:
                    self.ended = "lease_lost"  # the database is unreachable: give the run up
                if self.ended == "lease_lost":
                    stop_group(process, self.grace_seconds)
            if self.ended is None:
                time.sleep(_POLL_SECONDS)

    def _renew(self) -> bool:
        """Extend the lease; False when that failed (``ended`` is set if it is lost for good)."""
        try:
            self.store.extend_lease(self.run_id, self.owner, self.lease_seconds)
        except RunLeaseLost:
            self.ended = "lease_lost"
            return False
        except Exception:  # a database hiccup: try again until the lease ends
            log.warning("run %d: could not renew the lease; trying again", self.run_id,
                        exc_info=True)
            return False
        return True

    def _end(self, why: str, process: subprocess.Popen[bytes]) -> None:
        self.ended = why
        stop_group(process, self.grace_seconds)


def stop_group(process: subprocess.Popen[bytes], grace_seconds: float) -> None:
    """SIGTERM the process's group, SIGKILL it after ``grace_seconds``; wait for the leader."""
    group = process.pid  # the step was started as the leader of a new group
    _signal_group(group, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace_seconds)
    _signal_group(group, signal.SIGKILL)
    process.wait()


def _signal_group(group: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signum)


class RunWorker:
    """Runs queued runs, one at a time, until stopped."""

    def __init__(self, store: RunStore, settings: RunSettings, *, name: str,
                 clock: Clock | None = None) -> None:
        self.store = store
        self.settings = settings
        self.name = name
        self.clock = clock or SystemClock()
        self._queue_store = SqlQueueStore(store.engine, create_schema=False)

    def run(self, stop: threading.Event) -> None:
        """Claim and run runs until ``stop`` is set; reap dead workers' runs now and then."""
        next_reap = 0.0
        while not stop.is_set():
            try:
                if time.monotonic() >= next_reap:
                    next_reap = time.monotonic() + self.settings.run_lease_seconds / 2
                    self.store.reap_expired()
                if self.run_once(stop) is not None:
                    continue
            except Exception:
                log.exception("worker %s: round failed; trying again", self.name)
            if self.clock.sleep(self.settings.worker_poll_seconds, stop):
                break

    def run_once(self, stop: threading.Event | None = None) -> RunRecord | None:
        """Claim one due run and run it; the finished run, or None when none was due (or the
        run was handed back because the worker is stopping)."""
        run = self.store.claim(self.name, self.settings.run_lease_seconds)
        if run is None:
            return None
        log.info("worker %s: run %d of %s started", self.name, run.id, run.schedule)
        return self.execute(run, stop or threading.Event())

    def execute(self, run: RunRecord, stop: threading.Event) -> RunRecord | None:
        """Run a claimed run to its end and record the outcome."""
        folder = self.settings.run_dir(run.id)
        folder.mkdir(parents=True, exist_ok=True)
        try:
            outcome = self._outcome(run, folder.resolve(), stop)
        except _Interrupted as exc:
            self._interrupted(run, str(exc))
            return None
        except (FinrpaError, OSError) as exc:
            outcome = RunOutcome(RunStatus.FAILED, error=f"could not start the robot: {exc}",
                                 artifacts_dir=str(folder))
        try:
            finished, retry = self.store.finish(run.id, self.name, outcome)
        except RunLeaseLost:
            log.warning("run %d: lease lost before it could be closed", run.id)
            return None
        log.info("worker %s: run %d %s%s", self.name, run.id, finished.status.value,
                 f" (retry: run {retry.id})" if retry else "")
        if finished.status is RunStatus.SUCCEEDED:
            self._publish(run.schedule_model(), folder)
        return finished

    def _interrupted(self, run: RunRecord, why: str) -> None:
        if why == "stopped":
            try:
                self.store.release(run.id, self.name)
                log.info("run %d handed back to the queue: the worker is stopping", run.id)
            except RunLeaseLost:
                pass
        else:
            log.warning("run %d: lease lost while running; robot stopped", run.id)

    def _outcome(self, run: RunRecord, folder: Path, stop: threading.Event) -> RunOutcome:
        schedule = run.schedule_model()
        input_dir = self._project_path(schedule.input.folder) if schedule.input else None
        pattern = schedule.input.pattern if schedule.input else None
        if input_dir is not None and pattern and not any(input_dir.glob(pattern)):
            return RunOutcome(RunStatus.SKIPPED, error=f"no input: no file matching "
                              f"{pattern!r} in {input_dir}", artifacts_dir=str(folder))
        robot = load_robot(schedule.robot, self.settings.robots_dir)
        for queue_config in robot.queues:
            self._queue_store.configure_queue(queue_config)
        max_run = schedule.max_run_time
        watch = _Watch(self.store, run.id, self.name, self.settings.run_lease_seconds,
                       time.monotonic() + max_run.total_seconds() if max_run else None,
                       self.settings.kill_grace_seconds, stop)
        results = run_robot(
            robot, input_dir=input_dir, output_dir=folder,
            database_url=self.store.engine.url.render_as_string(hide_password=False),
            run_id=str(run.id), on_step=watch,
            command_prefix=[sys.executable, "-m", "finrpa.runs.guard", str(os.getpid()), "--"],
            popen_options={"start_new_session": True},
        )
        if watch.ended in ("stopped", "lease_lost"):
            raise _Interrupted(watch.ended)
        return _result_outcome(results, watch, schedule, folder)

    def _project_path(self, relative: str) -> Path:
        return (self.settings.project_dir / relative).resolve()

    def _publish(self, schedule: Schedule, folder: Path) -> None:
        """Copy a succeeded run's outputs (not its logs) to the schedule's output folder."""
        if schedule.output is None:
            return
        target = self._project_path(schedule.output.folder)
        target.mkdir(parents=True, exist_ok=True)
        for path in folder.iterdir():
            if path.name == "logs":
                continue
            if path.is_dir():
                shutil.copytree(path, target / path.name, dirs_exist_ok=True)
            else:
                shutil.copy2(path, target / path.name)


def _result_outcome(results: list[StepResult], watch: _Watch, schedule: Schedule,
                    folder: Path) -> RunOutcome:
    last = results[-1]
    if watch.ended == "timed_out":
        return RunOutcome(RunStatus.TIMED_OUT, exit_code=last.returncode,
                          error=f"still running after max_run_time {schedule.max_run_time} "
                          f"(step {last.task}): its processes were stopped\n"
                          + _console_tail(last.log_dir), artifacts_dir=str(folder))
    if last.returncode != 0:
        return RunOutcome(RunStatus.FAILED, exit_code=last.returncode,
                          error=f"step {last.task} exited with code {last.returncode}\n"
                          + _console_tail(last.log_dir), artifacts_dir=str(folder))
    return RunOutcome(RunStatus.SUCCEEDED, exit_code=0, artifacts_dir=str(folder))


def _console_tail(log_dir: Path) -> str:
    """The last lines of a step's console output: the error summary of a failed run."""
    try:
        text = (log_dir / "console.txt").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no console output)"
    lines = [line for line in text.splitlines() if line.strip()]
    tail = "\n".join(lines[-ERROR_TAIL_LINES:])
    return tail[-ERROR_MAX_CHARS:]
