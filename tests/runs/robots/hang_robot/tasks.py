"""Test robot: record its own pid and a child's, then hang."""

import os
import subprocess
import sys
import time
from pathlib import Path

from robocorp.tasks import task


@task
def hang():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    pids = Path(os.environ["FINRPA_OUTPUT_DIR"]) / "pids.txt"
    pids.write_text(f"{os.getpid()} {child.pid}\n")
    time.sleep(600)
