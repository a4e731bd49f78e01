"""Test robot: the first run marks the input folder and fails; later runs succeed.

With ``always_fail`` in the input folder every run fails.
"""

import os
from pathlib import Path

from robocorp.tasks import task


@task
def main():
    inbox = Path(os.environ["FINRPA_INPUT_DIR"])
    marker = inbox / "attempted"
    if (inbox / "always_fail").exists() or not marker.exists():
        marker.touch()
        raise RuntimeError("ERP answered 503 Service Unavailable")
    (Path(os.environ["FINRPA_OUTPUT_DIR"]) / "result.txt").write_text("paid 3 invoices\n")
