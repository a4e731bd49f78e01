"""``python -m finrpa.runs.guard PARENT_PID -- COMMAND...``: run a robot step, and kill its
whole process group if the worker that started it dies.

The worker starts each step in a new process group (so a timeout kills the robot and anything
it started), which also means a worker killed with SIGKILL would leave the robot running
while its run is retried elsewhere. This guard is that group's leader: it runs COMMAND, and
when its parent is gone it kills the group. It exits with COMMAND's exit status; SIGTERM sent
to the group reaches COMMAND, and the guard waits for it to end.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

POLL_SECONDS = 0.2


def main(argv: list[str]) -> int:
    """Run the command under guard; return its exit status."""
    if len(argv) < 3 or argv[1] != "--":
        sys.stderr.write("usage: python -m finrpa.runs.guard PARENT_PID -- COMMAND...\n")
        return 2
    parent = int(argv[0])
    child = subprocess.Popen(argv[2:])
    # The command gets the group's SIGTERM/SIGINT itself; the guard outlives it to report.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            return _status(child.wait(timeout=POLL_SECONDS))
        except subprocess.TimeoutExpired:
            if os.getppid() != parent:
                os.killpg(os.getpgrp(), signal.SIGKILL)


def _status(returncode: int) -> int:
    return 128 - returncode if returncode < 0 else returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
