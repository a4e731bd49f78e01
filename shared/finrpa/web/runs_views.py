"""What the runs pages show: runs as rows and facts, their step logs, the filter and paging.

Runs are read from the runs store on the app's engine (what ``finrpa.runs.service.list_runs``
and ``get_run`` do on an engine of their own); step logs are found with
``finrpa.runs.service.run_logs``, so the pages, the API and ``finrpa runs`` agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, field_validator

from finrpa.review.roles import Permission, allows
from finrpa.runs.records import RunRecord, RunStatus
from finrpa.runs.service import StepLog, run_logs
from finrpa.web.errors import RunLogNotFound
from finrpa.web.i18n import Translator
from finrpa.web.security import Principal
from finrpa.web.services import Services

#: Badge colour of each status (the status is always written out as well).
STATUS_TONE = {
    RunStatus.QUEUED: "info", RunStatus.RUNNING: "info", RunStatus.SUCCEEDED: "ok",
    RunStatus.FAILED: "danger", RunStatus.TIMED_OUT: "danger", RunStatus.WORKER_LOST: "danger",
    RunStatus.SKIPPED: "",
}
ERROR_SUMMARY_CHARS = 120


def may_see_runs(principal: Principal) -> bool:
    """Runs and their logs are for ops (and admins)."""
    return allows(principal.user.role, Permission.SEE_RUNS, principal.user.name)


class RunFilter(BaseModel):
    """The runs page's query: schedule, status and the keyset cursor (``before`` a run id)."""

    model_config = ConfigDict(extra="ignore")

    schedule: str | None = Field(default=None, max_length=200)
    status: RunStatus | None = None
    before: int | None = Field(default=None, ge=1)

    @field_validator("schedule", "status", "before", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        """An empty form field means "any"."""
        return None if value == "" else value

    def params(self) -> dict[str, str]:
        """The filter (without the cursor) as query parameters."""
        return {key: str(value) for key, value in (("schedule", self.schedule),
                                                   ("status", self.status)) if value}


@dataclass(frozen=True)
class RunsPage:
    """One page of runs, newest first; ``next_before`` is the cursor of the next page."""

    runs: list[RunRecord]
    next_before: int | None


def runs_page(services: Services, flt: RunFilter, limit: int) -> RunsPage:
    """The runs the filter asks for (one more is read to know whether a next page exists)."""
    found = services.runs.list_runs(schedule=flt.schedule, status=flt.status, limit=limit + 1,
                                    before_id=flt.before)
    shown = found[:limit]
    return RunsPage(shown, shown[-1].id if len(found) > limit else None)


def error_summary(error: str | None) -> str:
    """The first non-empty line of a run's error, shortened."""
    lines = [line.strip() for line in (error or "").splitlines() if line.strip()]
    if not lines:
        return ""
    first = lines[0]
    return first if len(first) <= ERROR_SUMMARY_CHARS else first[:ERROR_SUMMARY_CHARS - 1] + "…"


def duration_text(seconds: float | None, t: Translator) -> str:
    """``12,5 s``, ``3 min 05 s`` or ``2 h 07 min`` (numbers in the user's locale)."""
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{t.number(f'{seconds:.1f}')} s"
    whole = int(seconds)
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


def step_url(run_id: int, step: str, kind: str = "log") -> str:
    """The page address of a step's ``log.html`` (``log``) or console output (``console``)."""
    return f"/runs/{run_id}/{kind}/{quote(step, safe='')}"


@dataclass(frozen=True)
class StepLogView:
    """One step's logs as listed on the run page."""

    task: str
    log_url: str | None
    console_url: str | None


@dataclass(frozen=True)
class RunView:
    """One run as shown: translated status, local times, error summary, latest log."""

    run: RunRecord
    status: str
    tone: str
    origin: str
    nominal: str
    started: str
    finished: str
    created: str
    duration: str
    error_summary: str
    log_url: str | None


def step_views(run: RunRecord, steps: list[StepLog]) -> list[StepLogView]:
    return [StepLogView(step.task,
                        step_url(run.id, step.task) if step.log_html.is_file() else None,
                        step_url(run.id, step.task, "console") if step.console.is_file()
                        else None) for step in steps]


def run_view(run: RunRecord, t: Translator, steps: list[StepLog]) -> RunView:
    """``run`` as shown, linking to the ``log.html`` of the last step that wrote one."""
    logs = [view.log_url for view in step_views(run, steps) if view.log_url]
    return RunView(
        run=run, status=t.label("run_status", run.status.value),
        tone=STATUS_TONE.get(run.status, ""), origin=t.label("run_origin", run.origin.value),
        nominal=t.when(run.nominal_time), started=t.when(run.started_at),
        finished=t.when(run.finished_at), created=t.when(run.created_at),
        duration=duration_text(run.duration_s, t), error_summary=error_summary(run.error),
        log_url=logs[-1] if logs else None)


def list_views(services: Services, page: RunsPage, t: Translator) -> list[RunView]:
    return [run_view(run, t, run_logs(run, services.run_settings)) for run in page.runs]


def run_folder(services: Services, run: RunRecord) -> Path:
    """Where the run's files are (as ``finrpa runs show`` reports it)."""
    return Path(run.artifacts_dir) if run.artifacts_dir else services.run_settings.run_dir(run.id)


def step_file(services: Services, run: RunRecord, step: str, kind: str) -> Path:
    """The step's ``log.html`` (``kind`` ``log``) or ``console.txt`` (``console``).

    Only a name listed in the run's ``logs`` folder matches, so ``..``, slashes and other paths
    are never opened; and the file must really be inside that folder (no symbolic links out).
    """
    for found in run_logs(run, services.run_settings):
        if found.task == step:
            path = found.log_html if kind == "log" else found.console
            root = (run_folder(services, run) / "logs").resolve()
            if path.is_file() and path.resolve().is_relative_to(root):
                return path
            break
    raise RunLogNotFound(run.id, step)
