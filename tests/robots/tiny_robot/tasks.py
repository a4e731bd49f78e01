"""A tiny robot written with the plain robocorp API, run on finrpa's queue by the tests.

Each input payload says what to do: "ok", "business", "fail_api" or "application".
"""

import os
from pathlib import Path

from robocorp import workitems
from robocorp.tasks import task
from robocorp.workitems import ApplicationException, BusinessException


@task
def consume():
    for item in workitems.inputs:
        with item:
            action = item.payload["action"]
            if action == "ok":
                for name in item.files:
                    # get_file saves into the working folder unless told where
                    local = item.get_file(name, path=Path(os.environ["TINY_FILES_DIR"]) / name)
                    content = local.read_bytes()
                    output = workitems.outputs.create(
                        payload={"from": item.id, "file": name, "size": len(content)}
                    )
                    output.add_file(path=local, name=f"copy-{name}")
                    output.save()
                item.payload = {**item.payload, "seen": True}
                item.save()
            elif action == "business":
                item.payload = {**item.payload, "_evidence": {"field": "order", "value": "X"}}
                item.save()
                raise BusinessException("order X not found", code="ORDER_NOT_FOUND")
            elif action == "fail_api":
                item.fail("BUSINESS", code="SUPPLIER_MISMATCH", message="seller differs")
            elif action == "application":
                raise ApplicationException("ERP timed out", code="ERP_DOWN")
