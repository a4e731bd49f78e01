"""What the CLI and the web app call to look at runs: open the store, list, show, find logs.

The web app's runs page can use::

    from finrpa.runs.service import get_run, list_runs, run_log_path, run_logs

Each function takes the settings (read from the environment when not given) and opens the
database the settings point at; engines are cached per URL.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine

from finrpa.db.engine import make_engine
from finrpa.runs.records import RunRecord, RunStatus
from finrpa.runs.settings import RunSettings, load_run_settings
from finrpa.runs.store import RunStore

__all__ = ["StepLog", "get_run", "list_runs", "open_run_store", "run_log_path", "run_logs"]


@lru_cache(maxsize=8)
def _engine(url: str) -> Engine:
    return make_engine(url)


def open_run_store(settings: RunSettings | None = None) -> RunStore:
    """The runs store for ``settings``, on a cached engine."""
    settings = settings or load_run_settings()
    return RunStore(_engine(settings.resolved_database_url()), base_url=settings.base_url)


def list_runs(settings: RunSettings | None = None, *, schedule: str | None = None,
              status: RunStatus | None = None, limit: int = 50,
              before_id: int | None = None) -> list[RunRecord]:
    """Runs, newest first; ``before_id`` pages back."""
    return open_run_store(settings).list_runs(schedule=schedule, status=status, limit=limit,
                                              before_id=before_id)


def get_run(run_id: int, settings: RunSettings | None = None) -> RunRecord:
    """One run; raises finrpa.runs.records.RunNotFound."""
    return open_run_store(settings).get_run(run_id)


class StepLog:
    """Where one step's logs are: robocorp's ``log.html`` and the console output."""

    def __init__(self, task: str, folder: Path) -> None:
        self.task = task
        self.log_html = folder / "log.html"
        self.console = folder / "console.txt"


def run_logs(run: RunRecord, settings: RunSettings | None = None) -> list[StepLog]:
    """The step logs a run has written so far, in step order (a step's console output is
    last written when it ends, before the next step starts)."""
    settings = settings or load_run_settings()
    folder = Path(run.artifacts_dir) if run.artifacts_dir else settings.run_dir(run.id)
    logs = folder / "logs"
    if not logs.is_dir():
        return []
    steps = sorted((path for path in logs.iterdir() if path.is_dir()), key=_written)
    return [StepLog(path.name, path) for path in steps]


def run_log_path(run: RunRecord, settings: RunSettings | None = None) -> Path | None:
    """The ``log.html`` of the run's last step, if it exists (the one to show first)."""
    found = [step.log_html for step in run_logs(run, settings) if step.log_html.is_file()]
    return found[-1] if found else None


def _written(folder: Path) -> int:
    console = folder / "console.txt"
    return (console if console.exists() else folder).stat().st_mtime_ns
