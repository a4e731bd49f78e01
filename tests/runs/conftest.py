"""Helpers for the runs tests: settings on a temporary home, schedule files, a fake clock."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import pytest

from finrpa.db.engine import make_engine
from finrpa.runs.clock import FakeClock
from finrpa.runs.schedules import Schedule, load_schedule
from finrpa.runs.settings import RunSettings
from finrpa.runs.store import RunStore

T = TypeVar("T")
ROBOTS_DIR = Path(__file__).resolve().parent / "robots"
REPO_ROOT = Path(__file__).resolve().parents[2]
BASE_URL = "http://finrpa.test"
#: A Tuesday; Europe/Helsinki is UTC+2 then.
T0 = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


def write_schedule(folder: Path, name: str, text: str) -> Path:
    """Write ``schedules/<name>.toml``; ``text`` is the TOML body."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def schedule_from(tmp_path: Path, name: str, text: str) -> Schedule:
    """A validated schedule from TOML text."""
    return load_schedule(write_schedule(tmp_path / "schedules", name, text))


def wait_for(condition: Callable[[], T], timeout: float = 30.0, what: str = "") -> T:
    """Poll ``condition`` until it returns something truthy; fail at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what or condition}")
        time.sleep(0.05)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'finrpa.db'}"


@pytest.fixture
def settings(tmp_path: Path, sqlite_url: str) -> RunSettings:
    """Settings for a worker on SQLite with short leases and a one-second kill grace."""
    return RunSettings(
        home=tmp_path / "home", database_url=sqlite_url, robots_dir=ROBOTS_DIR,
        schedules_dir=tmp_path / "schedules", project_dir=tmp_path, base_url=BASE_URL,
        run_lease_seconds=2.0, kill_grace_seconds=1.0, worker_poll_seconds=0.1,
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def store(settings: RunSettings) -> RunStore:
    """A store on the settings' database, on the real clock."""
    return RunStore(make_engine(settings.resolved_database_url()), base_url=BASE_URL)
