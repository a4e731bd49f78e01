"""``finrpa up``: scheduler, worker and web page in one process, stopped by a signal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from finrpa.db.engine import make_engine
from finrpa.runs.records import RunStatus
from finrpa.runs.store import RunStore
from tests.runs.conftest import REPO_ROOT, ROBOTS_DIR, wait_for, write_schedule
from tests.runs.test_alerts import free_port

EVERY_SECOND = """
robot = "flaky_robot"
overlap = "skip"
[trigger]
type = "interval"
every = "1s"
[input]
folder = "inbox"
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_up_runs_scheduled_robots_and_stops_cleanly(tmp_path: Path, signum: int) -> None:
    url = f"sqlite:///{tmp_path / 'finrpa.db'}"
    write_schedule(tmp_path / "schedules", "pulse", EVERY_SECOND)
    (tmp_path / "inbox").mkdir()
    env = {**os.environ, "FINRPA_DATABASE_URL": url, "FINRPA_HOME": str(tmp_path / "home"),
           "FINRPA_SCHEDULES_DIR": str(tmp_path / "schedules"), "FINRPA_PROJECT_DIR": str(tmp_path),
           "FINRPA_ROBOTS_DIR": str(ROBOTS_DIR), "FINRPA_WEB_PORT": str(free_port())}
    output = tmp_path / "up.log"
    with open(output, "wb") as log:
        up = subprocess.Popen([sys.executable, "-m", "finrpa.cli.main", "up"], env=env,
                              cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT)
    store = RunStore(make_engine(url))
    try:
        wait_for(lambda: store.list_runs(status=RunStatus.SUCCEEDED), 30,
                 "a scheduled run to succeed")
    finally:
        up.send_signal(signum)
        code = up.wait(timeout=30)
        text = output.read_text()
        print(text[-5000:])  # shown when the test fails
    assert code == 0, text[-3000:]
    assert "finrpa up: stopped" in text
    assert "no web page" in text or "web page: http://" in text
    statuses = {run.status for run in store.list_runs(limit=1000)}
    assert RunStatus.RUNNING not in statuses  # a run in flight was finished or handed back
    assert RunStatus.FAILED in statuses  # flaky_robot's first run
