"""The runs pages (ops and admins): the list, one run, and each step's log and console output.

A robot's ``log.html`` is robocorp's self-contained page with inline scripts. It is served as a
document of its own under :data:`finrpa.web.security.LOG_CSP`: a CSP sandbox without
``allow-same-origin`` puts it in an opaque origin, so its scripts run but cannot read the app's
cookies, call the app or the network, submit forms or be framed. ``?download=1`` sends it as an
attachment instead. ``console.txt`` is served as plain text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, Response

from finrpa.errors import FinrpaError
from finrpa.runs.records import RunStatus
from finrpa.runs.service import run_logs
from finrpa.web.deps import PrincipalDep, ServicesDep, TranslatorDep
from finrpa.web.errors import code_for, status_for
from finrpa.web.i18n import Translator
from finrpa.web.rendering import render
from finrpa.web.runs_views import (
    RunFilter,
    list_views,
    may_see_runs,
    run_folder,
    run_view,
    runs_page,
    step_file,
    step_views,
)
from finrpa.web.security import LOG_CSP, Principal

router = APIRouter(include_in_schema=False)
RunFilterDep = Annotated[RunFilter, Query()]


def guarded(request: Request, principal: Principal, t: Translator,
            build: Callable[[], Response]) -> Response:
    """``build()`` for ops and admins; the error page for anyone else, or a missing run."""
    if not may_see_runs(principal):
        return render(request, "pages/error.html", t, status_code=403, error="not_permitted")
    try:
        return build()
    except FinrpaError as exc:
        return render(request, "pages/error.html", t, status_code=status_for(exc),
                      error=code_for(exc))


def file_name(run_id: int, step: str, suffix: str) -> str:
    safe = "".join(char if char.isalnum() or char in "._-" else "_" for char in step)
    return f"run-{run_id}-{safe}-{suffix}"


@router.get("/runs")
def runs_list(request: Request, services: ServicesDep, principal: PrincipalDep,
              t: TranslatorDep, flt: RunFilterDep) -> Response:
    """Runs, newest first, filtered by schedule and status; keyset pages (``before``)."""
    def build() -> Response:
        page = runs_page(services, flt, services.settings.page_size)
        return render(request, "pages/runs.html", t, flt=flt, params=flt.params(),
                      rows=list_views(services, page, t), next_before=page.next_before,
                      schedules=services.run_schedules(), statuses=list(RunStatus))
    return guarded(request, principal, t, build)


@router.get("/runs/{run_id}")
def run_detail(request: Request, run_id: int, services: ServicesDep, principal: PrincipalDep,
               t: TranslatorDep) -> Response:
    """One run: every fact, the error, and its step logs."""
    def build() -> Response:
        run = services.runs.get_run(run_id)
        steps = run_logs(run, services.run_settings)
        return render(request, "pages/run.html", t, view=run_view(run, t, steps),
                      run=run, steps=step_views(run, steps),
                      folder=str(run_folder(services, run)))
    return guarded(request, principal, t, build)


@router.get("/runs/{run_id}/log/{step}")
def run_log(request: Request, run_id: int, step: str, services: ServicesDep,
            principal: PrincipalDep, t: TranslatorDep, download: bool = False) -> Response:
    """The step's ``log.html``, sandboxed (or as a download)."""
    def build() -> Response:
        path = step_file(services, services.runs.get_run(run_id), step, "log")
        return FileResponse(
            path, media_type="application/octet-stream" if download else "text/html",
            filename=file_name(run_id, step, "log.html"),
            content_disposition_type="attachment" if download else "inline",
            headers={"Content-Security-Policy": LOG_CSP})
    return guarded(request, principal, t, build)


@router.get("/runs/{run_id}/console/{step}")
def run_console(request: Request, run_id: int, step: str, services: ServicesDep,
                principal: PrincipalDep, t: TranslatorDep) -> Response:
    """The step's console output, as plain text."""
    def build() -> Response:
        path = step_file(services, services.runs.get_run(run_id), step, "console")
        return FileResponse(path, media_type="text/plain; charset=utf-8",
                            filename=file_name(run_id, step, "console.txt"),
                            content_disposition_type="inline")
    return guarded(request, principal, t, build)
