"""The produce step: read every invoice file, then enqueue one work item each, in order.

Reading (parsing XML into the invoice model) is the step's work; with many files it is spread
over helper processes, each returning, per file, what the queue needs: the payload already
serialised (:class:`~finrpa.queue.payloads.PayloadJson`), the file itself, its hash, its
processing order and its due date. The items are then enqueued in processing order (invoice
date, then file name) in one transaction.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from finrpa.domain.calendar import default_calendar
from finrpa.matching.tolerances import load_profile
from finrpa.queue.factory import open_store
from finrpa.queue.payloads import PayloadJson
from finrpa.queue.records import NewItem
from finrpa.runtime import collector_paused, helper_pool
from finrpa.steps.invoices import read_invoice_bytes
from robots.invoice_matching.files import file_key, invoice_source
from robots.invoice_matching.inputs import invoice_paths, review_due
from robots.invoice_matching.models import INVOICE_QUEUE, InvoiceWork

#: Below this many files the helper processes would cost more than they save.
PARALLEL_FROM = 200
CHUNK = 250


@dataclass(frozen=True)
class ReadFile:
    """One invoice file as the queue will hold it."""

    name: str
    content: bytes
    sha256: str
    payload: PayloadJson
    sort_key: tuple[date, str]  # invoice date (date.max when unreadable), file name
    due_date: date | None


def read_files(paths: Sequence[Path]) -> list[ReadFile]:
    """Read the invoice files ``paths`` into what the queue needs."""
    with collector_paused():
        return _read_files(paths)


def _read_files(paths: Sequence[Path]) -> list[ReadFile]:
    read: list[ReadFile] = []
    for path in paths:
        content = path.read_bytes()
        source = invoice_source(path.name)
        sha256 = file_key(content)
        result = read_invoice_bytes(content, source)
        invoice = result.invoice
        work = InvoiceWork(source=source, file_sha256=sha256, invoice=invoice,
                           read_findings=list(result.findings))
        read.append(ReadFile(
            path.name, content, sha256, PayloadJson.of(work),
            (invoice.invoice_date if invoice else date.max, path.name),
            invoice.due_date if invoice else None))
    return read


def read_all(input_dir: Path) -> list[ReadFile]:
    """Every invoice file of ``input_dir`` read, in processing order."""
    paths = invoice_paths(input_dir)
    if len(paths) < PARALLEL_FROM:
        read = read_files(paths)
    else:
        chunks = [paths[start:start + CHUNK] for start in range(0, len(paths), CHUNK)]
        with helper_pool(min(2, os.cpu_count() or 1)) as pool:
            read = [file for files in pool.map(read_files, chunks)
                    for file in files]
    return sorted(read, key=lambda file: file.sort_key)


def run_produce_step(input_dir: Path, tolerances: Path, actor: str) -> None:
    """Enqueue every invoice file of ``input_dir``; a file already known is not added again."""
    profile = load_profile(tolerances)
    calendar = default_calendar()
    run_id = os.environ.get("FINRPA_RUN_ID")
    new_items = [
        NewItem(payload=file.payload, business_key=file.sha256, files={file.name: file.content},
                due_at=review_due(file.due_date, calendar, profile.payment_lead_business_days),
                run_id=run_id)
        for file in read_all(input_dir)
    ]
    with collector_paused():
        results = open_store().enqueue_many(INVOICE_QUEUE, new_items, actor=actor)
    created = sum(result.created for result in results)
    print(f"{len(results)} invoice file(s): {created} new, {len(results) - created} already known")
