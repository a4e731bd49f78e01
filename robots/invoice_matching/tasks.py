"""Invoice matching: produce work items, match them to orders and receipts, report.

Glue only: reading is finrpa.steps, deciding is finrpa.matching (pure), the queue is finrpa's.
``match`` claims invoices from finrpa's queue in batches and decides each batch at once.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from robocorp.tasks import task

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
    from robots.invoice_matching.producing import run_produce_step

    run_produce_step(_input_dir(), ROBOT_DIR / "tolerances.toml", ACTOR)


@task
def match() -> None:
    """Match the pending invoices, a batch at a time, in processing order: a matched one is
    done, any other waits for a person with its evidence (needs_review).

    Items are claimed from finrpa's queue in batches rather than through the one-at-a-time
    work-item loop: matching needs invoice order and decides a whole batch at once (see
    ``deciding``), and a batch is finished in one transaction. Two helper processes read the
    order book and prepare the next batches (validating payloads, building columns) while
    this one decides and finishes, so both cores work.
    """
    from robots.invoice_matching.matching_step import run_match_step

    run_match_step(_input_dir(), ROBOT_DIR / "tolerances.toml", ACTOR)


@task
def report() -> None:
    """Write results.jsonl, summary.json, the payment proposal and exceptions.xlsx."""
    from finrpa.queue.factory import open_store
    from finrpa.runtime import collector_paused
    from robots.invoice_matching import history, reports

    with collector_paused():
        store = open_store()
        output_dir = _output_dir()
        run_id = os.environ.get("FINRPA_RUN_ID")
        owner = f"{ACTOR}:report"
        files = history.input_files(_input_dir())
        approved = history.approved_invoices(store)
        history.enqueue_payments(store, approved, run_id)
        proposed = history.take_payment_proposal(store, owner)
        reports.write_payment_proposal(output_dir, [line for _, line in proposed])
        history.mark_proposed(store, [item_id for item_id, _ in proposed], owner)
        reports.publish_payment_proposal(output_dir)
        # The approved invoices were read with every field the results show: not read again.
        results = history.results_for_input(store, files, read_before=approved)
        reports.write_results(output_dir, results)
        reports.write_exceptions(output_dir, results)
        started = os.environ.get("FINRPA_RUN_STARTED")
        duration = (datetime.now(UTC) - datetime.fromisoformat(started)).total_seconds() if (
            started) else 0.0
        summary = reports.summarise(results, duration, run_id, len(proposed))
        reports.write_summary(output_dir, summary)
        print(f"{summary['invoices']} invoices: {summary['matched']} matched, "
              f"{summary['exceptions']} exceptions; outputs in {output_dir}")
