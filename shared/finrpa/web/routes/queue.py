"""The exception queue: the page, its partial update, the xlsx export and bulk actions."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from finrpa.queue.sql import utc_now
from finrpa.review.ageing import business_age, created_before
from finrpa.review.errors import ReviewError
from finrpa.review.listing import QueueRow
from finrpa.steps.reporting import ColumnKind, ReportColumn
from finrpa.steps.sheets import write_xlsx_report
from finrpa.web.deps import FilterDep, PrincipalDep, ServicesDep, TranslatorDep
from finrpa.web.rendering import render
from finrpa.web.views import queue_context

router = APIRouter(include_in_schema=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/queue", status_code=303)


@router.get("/queue")
def queue_page(request: Request, services: ServicesDep, principal: PrincipalDep,
               t: TranslatorDep, flt: FilterDep, cursor: str | None = None,
               notice: str | None = None, error: str | None = None) -> HTMLResponse:
    context = queue_context(services, principal, flt, cursor, t)
    return render(request, "pages/queue.html", t, notice=notice, error=error, **context)


@router.get("/queue/rows")
def queue_rows(request: Request, services: ServicesDep, principal: PrincipalDep,
               t: TranslatorDep, flt: FilterDep, cursor: str | None = None) -> HTMLResponse:
    """Just the results (counts, table, paging), for the page's script to swap in."""
    context = queue_context(services, principal, flt, cursor, t)
    return render(request, "partials/results.html", t, **context)


@router.get("/queue/export.xlsx")
def export(services: ServicesDep, t: TranslatorDep, flt: FilterDep) -> Response:
    """The filtered list (every page, up to the export limit) as a workbook."""
    now = utc_now()
    cutoff = (created_before(services.calendar, now, flt.min_age, services.zone)
              if flt.min_age else None)
    today = now.astimezone(services.zone).date()

    def age(row: QueueRow) -> int:
        return business_age(services.calendar, row.created_at.astimezone(services.zone).date(),
                            today)

    def local(field: str) -> Callable[[QueueRow], datetime | None]:
        def value(row: QueueRow) -> datetime | None:
            moment = getattr(row, field)
            return moment.astimezone(services.zone).replace(tzinfo=None) if moment else None
        return value

    columns = [
        ReportColumn(t("col.id"), "id", ColumnKind.INTEGER),
        ReportColumn(t("col.queue"), "queue"),
        ReportColumn(t("col.state"), lambda row: t.label("state", row.state)),
        ReportColumn(t("col.reason"), "reason_code"),
        ReportColumn(t("col.title"), "title"),
        ReportColumn(t("col.supplier"), "supplier"),
        ReportColumn(t("col.amount"), "amount", ColumnKind.MONEY),
        ReportColumn(t("col.currency"), "currency"),
        ReportColumn(t("col.due"), local("due_at"), ColumnKind.DATETIME),
        ReportColumn(t("col.age"), age, ColumnKind.INTEGER),
        ReportColumn(t("col.assignee"), "assignee"),
        ReportColumn(t("col.created"), local("created_at"), ColumnKind.DATETIME),
        ReportColumn(t("col.message"), "message"),
    ]
    rows = services.listing.rows(flt, now, cutoff, services.settings.export_max_rows)
    with tempfile.TemporaryDirectory() as folder:
        path = write_xlsx_report(Path(folder) / "queue.xlsx", t("export.sheet"), columns, rows)
        content = path.read_bytes()
    name = f"finrpa-queue-{today.isoformat()}.xlsx"
    return Response(content, media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/queue/bulk")
def bulk(services: ServicesDep, principal: PrincipalDep,
         action: Annotated[str, Form(pattern="^(assign|reject)$")],
         item_id: Annotated[list[int], Form(max_length=1000)],
         assignee: Annotated[str, Form(max_length=200)] = "",
         reason: Annotated[str, Form(max_length=4000)] = "",
         back: Annotated[str, Form(max_length=4000)] = "") -> RedirectResponse:
    """Assign or reject the selected items; the queue page says how many went through."""
    person = principal.person
    try:
        if action == "assign":
            target = principal.user.name if assignee == "me" else (assignee or None)
            result = services.review.bulk_assign(item_id, person, target)
        else:
            result = services.review.bulk_reject(item_id, person, reason)
        params: dict[str, str | int] = {"notice": "bulk_done", "done": len(result.done),
                                        "refused": len(result.refused)}
    except ReviewError as exc:
        params = {"error": exc.code}
    query = back.lstrip("?") if back and not back.startswith(("/", "http")) else ""
    separator = "&" if query else ""
    return RedirectResponse(f"/queue?{query}{separator}{urlencode(params)}", status_code=303)
