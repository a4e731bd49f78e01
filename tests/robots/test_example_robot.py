"""The example robot, run with `finrpa run` as a user would: the smallest complete robot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from finrpa.db.engine import make_engine
from finrpa.domain.items import ItemState
from finrpa.queue.sql import SqlQueueStore

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_example_robot_done_review_and_retry(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'finrpa.db'}"
    result = subprocess.run(
        [sys.executable, "-m", "finrpa.cli.main", "run", "example_robot",
         "--input", str(REPO_ROOT / "fixtures" / "example_robot"), "--output", str(tmp_path)],
        cwd=REPO_ROOT, env={**os.environ, "FINRPA_DATABASE_URL": url},
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    store = SqlQueueStore(make_engine(url))
    items = {item.business_key: item for item in store.list_items(queue="example-suppliers")}
    assert {key: item.state for key, item in items.items()} == {
        "S-1001": ItemState.DONE, "S-1002": ItemState.DONE, "S-1003": ItemState.DONE,
        "S-1004": ItemState.NEEDS_REVIEW, "S-1005": ItemState.DONE,
    }
    bad = items["S-1004"]
    assert bad.reason_code == "INVALID_BUSINESS_ID"
    assert [p["code"] for p in bad.evidence["problems"]] == [
        "INVALID_BUSINESS_ID", "INVALID_BANK_ACCOUNT"]
    assert items["S-1005"].attempts == 2  # the simulated outage was retried
