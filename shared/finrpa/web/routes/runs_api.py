"""The runs as JSON (ops and admins; the same facts as ``finrpa runs list`` and ``show``).

Log links point at the pages (``/runs/ID/log/STEP``), which take the same token.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from finrpa.review.errors import ReviewRefused
from finrpa.runs.service import run_logs
from finrpa.web import schemas
from finrpa.web.deps import PrincipalDep, ServicesDep
from finrpa.web.runs_views import RunFilter, error_summary, may_see_runs, runs_page, step_views


async def require_runs_reader(principal: PrincipalDep) -> None:
    """Refuse (403) anyone whose role does not see runs."""
    if not may_see_runs(principal):
        raise ReviewRefused("not_permitted", "only ops and admins see runs")


router = APIRouter(prefix="/api/v1", tags=["runs"], dependencies=[Depends(require_runs_reader)])


@router.get("/runs", response_model=schemas.RunPage)
def list_runs(services: ServicesDep, flt: Annotated[RunFilter, Query()],
              limit: Annotated[int, Query(ge=1, le=500)] = 50) -> schemas.RunPage:
    """Runs, newest first, by schedule and status; pass ``next_before`` as ``before`` to page."""
    page = runs_page(services, flt, limit)
    return schemas.RunPage(runs=page.runs, next_before=page.next_before)


@router.get("/runs/{run_id}", response_model=schemas.RunDetailOut)
def get_run(run_id: int, services: ServicesDep) -> schemas.RunDetailOut:
    """One run with its error summary and the addresses of its step logs."""
    run = services.runs.get_run(run_id)
    steps = step_views(run, run_logs(run, services.run_settings))
    return schemas.RunDetailOut(
        run=run, error_summary=error_summary(run.error),
        logs=[schemas.RunStepLog(task=step.task, log_url=step.log_url,
                                 console_url=step.console_url) for step in steps])
