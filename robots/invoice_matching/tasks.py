"""Invoice matching: produce work items, match them to orders and receipts, report.

Glue only: reading is finrpa.steps, deciding is finrpa.matching (pure), the queue is finrpa's.
``match`` is a plain robocorp-workitems loop, run by finrpa with its work-item adapter.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from robocorp import workitems
from robocorp.tasks import task
from robocorp.workitems import BusinessException

from finrpa.domain.calendar import default_calendar
from finrpa.matching.invoices import match_invoice
from finrpa.matching.ledger import MatchLedger, ledger_entry
from finrpa.matching.tolerances import load_profile
from finrpa.queue.factory import open_store
from finrpa.queue.records import NewItem
from finrpa.steps.masking import mask_in
from robots.invoice_matching import history, reports
from robots.invoice_matching.inputs import load_order_book, read_invoice_files, review_due
from robots.invoice_matching.models import INVOICE_QUEUE, InvoiceWork, MatchOutcome

ROBOT_DIR = Path(__file__).resolve().parent
ACTOR = "robot:invoice_matching"


def _input_dir() -> Path:
    return Path(os.environ.get("FINRPA_INPUT_DIR", "fixtures/invoice_matching"))


def _output_dir() -> Path:
    folder = Path(os.environ.get("FINRPA_OUTPUT_DIR", "output/invoice_matching"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@task
def produce() -> None:
    """One work item per invoice file, in processing order (invoice date, then file name)."""
    profile = load_profile(ROBOT_DIR / "tolerances.toml")
    calendar = default_calendar()
    files = sorted(read_invoice_files(_input_dir()), key=lambda f: f.sort_key)
    new_items = [
        NewItem(
            payload=InvoiceWork(source=f.source, file_sha256=f.sha256, invoice=f.read.invoice,
                                read_findings=list(f.read.findings)),
            business_key=f.sha256,
            files={f.name: f.content},
            due_at=review_due(f.read.invoice.due_date if f.read.invoice else None, calendar,
                              profile.payment_lead_business_days),
            run_id=os.environ.get("FINRPA_RUN_ID"),
        )
        for f in files
    ]
    results = open_store().enqueue_many(INVOICE_QUEUE, new_items, actor=ACTOR)
    created = sum(result.created for result in results)
    print(f"{len(results)} invoice file(s): {created} new, {len(results) - created} already known")


@task
def match() -> None:
    """Match each invoice; a matched one is done, any other waits for a person with evidence."""
    book, input_findings = load_order_book(_input_dir())
    for finding in input_findings:
        print(f"input: {finding.describe()}")
    profile = load_profile(ROBOT_DIR / "tolerances.toml")
    ledger = MatchLedger.from_entries(history.ledger_entries(open_store(), INVOICE_QUEUE))
    run_id = os.environ.get("FINRPA_RUN_ID")
    for item in workitems.inputs:
        with item:
            work = InvoiceWork.model_validate(item.payload, strict=False)
            decision = match_invoice(work.invoice, book, ledger, profile, work.read_findings)
            if work.invoice is not None:
                ledger.remember(work.invoice, item.id)
            if decision.status == "matched":
                ledger.record(decision)
            outcome = MatchOutcome(
                status=decision.status, reasons=[str(code) for code in decision.reasons],
                explanation=decision.explanation, run_id=run_id,
                ledger_entry=ledger_entry(decision, item.id),
            )
            payload = {**work.model_dump(mode="json"), "match": outcome.model_dump(mode="json")}
            if decision.status != "matched":
                payload["_evidence"] = mask_in(decision.evidence)
            item.payload = payload
            item.save()
            if decision.status != "matched":
                headline = decision.details[0].message if decision.details else decision.explanation
                raise BusinessException(mask_in(headline), code=str(decision.reasons[0]))


@task
def report() -> None:
    """Write results.jsonl, summary.json, the payment proposal and exceptions.xlsx."""
    store = open_store()
    output_dir = _output_dir()
    run_id = os.environ.get("FINRPA_RUN_ID")
    results = history.results_for_input(store, _input_dir())
    history.enqueue_payments(store, run_id)
    proposed = history.take_payment_proposal(store, f"{ACTOR}:report")
    reports.write_payment_proposal(output_dir, [line for line, _ in proposed])
    history.mark_proposed(store, [item for _, item in proposed], f"{ACTOR}:report")
    reports.write_results(output_dir, results)
    reports.write_exceptions(output_dir, results)
    started = os.environ.get("FINRPA_RUN_STARTED")
    duration = (datetime.now(UTC) - datetime.fromisoformat(started)).total_seconds() if (
        started) else 0.0
    summary = reports.summarise(results, duration, run_id, len(proposed))
    reports.write_summary(output_dir, summary)
    print(f"{summary['invoices']} invoices: {summary['matched']} matched, "
          f"{summary['exceptions']} exceptions; outputs in {output_dir}")
