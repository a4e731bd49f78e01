"""``make demo``: run the example robot on the SQLite default and show what it left.

Runs end to end with real parts: the robot runs as robocorp-tasks subprocesses through the
work-item adapter, on the queue in var/finrpa.db. Running it again adds nothing (business keys).
"""

from __future__ import annotations

import sys
from pathlib import Path

from finrpa.cli.common import console
from finrpa.cli.main import app
from finrpa.domain.items import ItemState
from finrpa.queue.factory import open_store

ROBOT = "example_robot"
QUEUE = "example-suppliers"


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
    store = open_store()
    review = store.list_items(queue=QUEUE, state=ItemState.NEEDS_REVIEW)
    console.rule("waiting for a person")
    for item in review:
        console.print(f"  item {item.id} [{item.reason_code}] {item.message}")
    console.print(
        "\nNext:\n"
        "  .venv/bin/finrpa queue stats                     counts per queue and state\n"
        "  .venv/bin/finrpa queue list --state needs_review  what waits for review\n"
        f"  .venv/bin/finrpa queue show {review[0].id if review else 'ID'}"
        "                      one item, its evidence and history\n"
        "Run `make demo` again: the same input adds no new items."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
