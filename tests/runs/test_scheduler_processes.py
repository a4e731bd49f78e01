"""Real scheduler processes sharing one PostgreSQL database: each firing runs exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

from finrpa.db.engine import make_engine
from finrpa.runs.store import RunStore
from tests.runs.conftest import REPO_ROOT, wait_for, write_schedule

EVERY_SECOND = """
robot = "flaky_robot"
overlap = "allow"
[trigger]
type = "interval"
every = "1s"
"""


def start_scheduler(name: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as output:
        return subprocess.Popen([sys.executable, "-m", "finrpa.cli.main", "scheduler", "--name",
                                 name], env=env, cwd=REPO_ROOT, stdout=output,
                                stderr=subprocess.STDOUT)


def test_three_schedulers_fire_each_second_exactly_once(postgres_url: str,
                                                        tmp_path: Path) -> None:
    from tests.conftest import fresh_postgres_url

    url = fresh_postgres_url(postgres_url)
    store = RunStore(make_engine(url))
    write_schedule(tmp_path / "schedules", "pulse", EVERY_SECOND)
    env = {**os.environ, "FINRPA_DATABASE_URL": url, "FINRPA_HOME": str(tmp_path / "home"),
           "FINRPA_SCHEDULES_DIR": str(tmp_path / "schedules")}
    names = ["s1", "s2", "s3"]
    procs = {name: start_scheduler(name, env, tmp_path / f"{name}.log") for name in names}
    logs = {name: tmp_path / f"{name}.log" for name in names}
    wait_for(lambda: all("1 schedules loaded" in logs[n].read_text() for n in names), 30,
             "three schedulers to load the schedule")
    def firings_after(count: int) -> None:
        target = len(store.list_runs(limit=1000)) + count
        wait_for(lambda: len(store.list_runs(limit=1000)) >= target, 20, "firings")

    firings_after(3)  # all three offer each firing
    procs["s2"].send_signal(signal.SIGKILL)  # one dies: the others go on
    firings_after(2)
    for name in ("s1", "s3"):
        procs[name].send_signal(signal.SIGTERM)
    assert [procs[name].wait(timeout=20) for name in ("s1", "s3")] == [0, 0], \
        [logs[name].read_text()[-2000:] for name in ("s1", "s3")]
    procs["s2"].wait()

    runs = store.list_runs(limit=1000)
    per_firing = Counter(run.nominal_time for run in runs)
    assert max(per_firing.values()) == 1
    times = sorted(per_firing)
    assert len(times) >= 5, times  # firings from both phases
    gaps = [b - a for a, b in pairwise(times) if b - a != timedelta(seconds=1)]
    assert gaps == [], "a firing was missed"
    assert {run.created_by for run in runs} <= set(names)
    assert {run.attempt for run in runs} == {1}
