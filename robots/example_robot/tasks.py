"""Example robot: check supplier master data, one work item per supplier.

``produce`` turns the input file into work items (a business key per supplier, so a re-run adds
nothing); ``consume`` is a plain robocorp-workitems loop, as any robot would write it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from robocorp import workitems
from robocorp.tasks import task
from robocorp.workitems import ApplicationException, BusinessException

from finrpa.queue.factory import open_store
from finrpa.queue.records import NewItem
from robots.example_robot.models import SupplierRecord
from robots.example_robot.rules import supplier_problems

QUEUE = "example-suppliers"


@task
def produce() -> None:
    """Read suppliers.json from the input folder and enqueue one item per supplier."""
    input_dir = Path(os.environ.get("FINRPA_INPUT_DIR", "fixtures/example_robot"))
    records = json.loads((input_dir / "suppliers.json").read_text(encoding="utf-8"))
    store = open_store()
    results = store.enqueue_many(
        QUEUE,
        [
            NewItem(
                payload=SupplierRecord.model_validate(record),
                business_key=record["supplier_id"],
                run_id=os.environ.get("FINRPA_RUN_ID"),
            )
            for record in records
        ],
        actor="robot:example_robot",
    )
    created = sum(result.created for result in results)
    print(f"enqueued {created} new supplier(s); {len(results) - created} already known")


@task
def consume() -> None:
    """Check each supplier; wrong data goes to review, an outage is retried."""
    for item in workitems.inputs:
        with item:
            record = SupplierRecord.model_validate(item.payload)
            if record.simulate_outage_once:
                item.payload = {**item.payload, "simulate_outage_once": False}
                item.save()
                raise ApplicationException("business registry did not answer", code="REGISTRY_DOWN")
            problems = supplier_problems(record)
            if problems:
                item.payload = {**item.payload, "_evidence": {
                    "problems": [{"code": code, "message": text} for code, text in problems]}}
                item.save()
                raise BusinessException(problems[0][1], code=problems[0][0])
