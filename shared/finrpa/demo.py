"""``make demo``: run the invoice-matching robot on the sample batch, on the SQLite default.

Runs end to end with real parts: the robot's steps run as robocorp-tasks subprocesses through
the work-item adapter, on the queue in var/finrpa.db. Running it again adds nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

from finrpa.cli.common import console
from finrpa.cli.main import app
from finrpa.domain.items import ItemState
from finrpa.queue.factory import open_store

ROBOT = "invoice_matching"
QUEUE = "invoice-matching"


def main() -> int:
    """Run the demo; returns the process exit code."""
    fixtures = Path("fixtures") / ROBOT
    output = Path("output") / ROBOT
    console.rule(f"finrpa demo: {ROBOT} on {fixtures}")
    try:
        app(["run", ROBOT, "--input", str(fixtures), "--output", str(output)],
            standalone_mode=False)
    except SystemExit as exc:  # typer.Exit from a failed step
        if exc.code:
            return int(exc.code)
    review = open_store().list_items(queue=QUEUE, state=ItemState.NEEDS_REVIEW, limit=1000)
    console.rule(f"{len(review)} invoice(s) waiting for a person")
    for item in review[:8]:
        console.print(f"  item {item.id:>4} [{item.reason_code}] {item.message}", soft_wrap=True)
    if len(review) > 8:
        console.print(f"  ... and {len(review) - 8} more")
    console.print(
        f"\nOutputs in {output}/: results.jsonl, summary.json, approved_for_payment.xlsx/.csv,"
        " exceptions.xlsx\n\n"
        "Review what the run left:\n"
        "  .venv/bin/finrpa users add NAME --role reviewer     a reviewer's account, then\n"
        "  .venv/bin/finrpa up        scheduler, worker and the review page on http://127.0.0.1:8000\n"
        "  .venv/bin/finrpa queue list --queue invoice-matching --state needs_review\n"
        f"  .venv/bin/finrpa queue show {review[0].id if review else 'ID'}"
        "      one item: payload, evidence and history\n"
        "Run `make demo` again: the same input adds no new items and no new payment rows."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
