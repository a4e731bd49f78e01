"""Test robot: enqueue three items tagged with the run id, then work them."""

import os
from datetime import UTC, datetime, timedelta

from robocorp import workitems
from robocorp.tasks import task
from robocorp.workitems import BusinessException

from finrpa.queue.factory import open_store
from finrpa.queue.records import NewItem


@task
def produce():
    run_id = os.environ["FINRPA_RUN_ID"]
    due = datetime.now(UTC) - timedelta(days=1)  # already overdue when it reaches review
    open_store().enqueue_many("steady", [
        NewItem(payload={"n": n, "ok": n != 2}, business_key=f"{run_id}-{n}", run_id=run_id,
                due_at=due)
        for n in range(3)
    ])


@task
def consume():
    for item in workitems.inputs:
        with item:
            if not item.payload["ok"]:
                raise BusinessException("amount differs from the order", code="AMOUNT")
