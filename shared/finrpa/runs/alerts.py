"""Which alerts an event raises, and their text. Pure: records in, :class:`Alert` values out.

Three events mail the schedule's ``[alerts].recipients``, each once (the event key is unique in
the outbox): a run that ends failed, timed out or with its worker lost and is not retried
(``on_failure``); a run that leaves more exceptions than ``exceptions_over``; an exception
item (``needs_review``) whose due date passes (``overdue_exceptions``).
"""

from __future__ import annotations

from datetime import datetime

from finrpa.queue.records import WorkItem
from finrpa.runs.records import FAILURES, Alert, RunRecord, RunStatus
from finrpa.runs.schedule_models import Alerts

SUBJECT_PREFIX = "[finrpa]"
MAX_ERROR_CHARS = 2000
_STATUS_WORDS = {
    RunStatus.FAILED: "failed",
    RunStatus.TIMED_OUT: "timed out",
    RunStatus.WORKER_LOST: "lost its worker",
}


def run_link(base_url: str, run_id: int) -> str:
    """The run's page on the review web app."""
    return f"{base_url.rstrip('/')}/runs/{run_id}"


def item_link(base_url: str, item_id: int) -> str:
    """The item's page on the review web app."""
    return f"{base_url.rstrip('/')}/items/{item_id}"


def _settings(run: RunRecord) -> Alerts | None:
    return run.schedule_model().alerts


def run_alerts(run: RunRecord, *, retried: bool, base_url: str) -> list[Alert]:
    """The alerts a finished run raises (none while a retry is still to come for a failure)."""
    settings = _settings(run)
    if settings is None:
        return []
    alerts: list[Alert] = []
    if settings.on_failure and run.status in FAILURES and not retried:
        alerts.append(_failure_alert(run, settings, base_url))
    threshold = settings.exceptions_over
    if threshold is not None and (run.items_exceptions or 0) > threshold:
        alerts.append(_exceptions_alert(run, settings, threshold, base_url))
    return alerts


def _failure_alert(run: RunRecord, settings: Alerts, base_url: str) -> Alert:
    words = _STATUS_WORDS[run.status]
    subject = f"{SUBJECT_PREFIX} {run.schedule}: run {run.id} {words}"
    error = (run.error or "no error message recorded").strip()
    if len(error) > MAX_ERROR_CHARS:
        error = "…" + error[-MAX_ERROR_CHARS:]
    body = "\n".join([
        f"Run {run.id} of schedule {run.schedule} (robot {run.robot}) {words}.",
        "",
        *_run_facts(run),
        "",
        "What went wrong:",
        error,
        "",
        f"Run page, with its log: {run_link(base_url, run.id)}",
    ])
    return Alert(f"run_failed:{run.id}", "run_failed", tuple(settings.recipients), subject,
                 body + "\n", run_id=run.id)


def _exceptions_alert(run: RunRecord, settings: Alerts, threshold: int, base_url: str) -> Alert:
    count = run.items_exceptions or 0
    subject = (f"{SUBJECT_PREFIX} {run.schedule}: run {run.id} left {count} exceptions "
               f"(more than {threshold})")
    body = "\n".join([
        f"Run {run.id} of schedule {run.schedule} left {count} items for review; the "
        f"schedule alerts above {threshold}.",
        "",
        *_run_facts(run),
        "",
        f"Run page: {run_link(base_url, run.id)}",
    ])
    return Alert(f"run_exceptions:{run.id}", "run_exceptions", tuple(settings.recipients),
                 subject, body + "\n", run_id=run.id)


def _run_facts(run: RunRecord) -> list[str]:
    duration = f"{run.duration_s:.1f} s" if run.duration_s is not None else "-"
    return [
        f"  status:      {run.status.value}",
        f"  fired for:   {run.nominal_time.isoformat(timespec='seconds')} ({run.origin.value}, "
        f"attempt {run.attempt})",
        f"  started:     {_when(run.started_at)}",
        f"  finished:    {_when(run.finished_at)}  (duration {duration})",
        f"  items:       {run.items_done or 0} done, {run.items_exceptions or 0} exceptions, "
        f"{run.items_failed or 0} failed",
    ]


def _when(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else "-"


def overdue_alert(item: WorkItem, run: RunRecord, base_url: str) -> Alert | None:
    """The alert for an exception item past its due date, if its schedule asks for one."""
    settings = _settings(run)
    if settings is None or not settings.overdue_exceptions or item.due_at is None:
        return None
    due = item.due_at.isoformat(timespec="minutes")
    subject = f"{SUBJECT_PREFIX} overdue exception: item {item.id} in {item.queue} was due {due}"
    body = "\n".join([
        f"Work item {item.id} (queue {item.queue}, key {item.business_key or '-'}) waits for "
        f"review and was due {due}.",
        "",
        f"  reason:   {item.reason_code or '-'}",
        f"  message:  {item.message or '-'}",
        f"  from run: {run.id} of schedule {run.schedule}",
        "",
        f"Review it here: {item_link(base_url, item.id)}",
    ])
    return Alert(f"item_overdue:{item.id}:{item.due_at.isoformat()}", "item_overdue",
                 tuple(settings.recipients), subject, body + "\n", run_id=run.id,
                 item_id=item.id)
