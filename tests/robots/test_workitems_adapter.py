"""A robot written with the standard robocorp-workitems API runs on finrpa's queue unchanged."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from finrpa.db.engine import make_engine
from finrpa.domain.items import ItemState
from finrpa.queue.records import NewItem, QueueConfig
from finrpa.queue.sql import SqlQueueStore

TINY_ROBOT = Path(__file__).with_name("tiny_robot") / "tasks.py"
ADAPTER = "finrpa.queue.workitems_adapter.FinrpaAdapter"


def run_robot(database_url: str, output_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RC_WORKITEM_ADAPTER": ADAPTER, "FINRPA_DATABASE_URL": database_url,
           "FINRPA_INPUT_QUEUE": "tiny", "FINRPA_OUTPUT_QUEUE": "tiny-out",
           "FINRPA_WORKER_ID": "tiny-robot", "TINY_FILES_DIR": str(output_dir)}
    output_dir.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "robocorp.tasks", "run", str(TINY_ROBOT), "-t", "consume",
         "--output-dir", str(output_dir), "--console-colors", "plain"],
        env=env, capture_output=True, text=True, timeout=120,
    )


def test_tiny_robot_outcomes(database_url: str, tmp_path: Path) -> None:
    store = SqlQueueStore(make_engine(database_url))
    store.configure_queue(QueueConfig(name="tiny", max_attempts=2, base_delay_s=0))
    ids = {}
    for action in ("ok", "business", "fail_api", "application"):
        files = {"invoice.xml": b"<Finvoice/>"} if action == "ok" else {}
        ids[action] = store.enqueue("tiny", NewItem(payload={"action": action},
                                                    business_key=action, files=files)).item.id
    result = run_robot(database_url, tmp_path / "out")
    assert result.returncode == 0, result.stdout + result.stderr

    done = store.get(ids["ok"])
    assert done.state is ItemState.DONE and done.payload["seen"] is True
    (output,) = store.children(ids["ok"])
    assert output.queue == "tiny-out"
    assert output.payload == {"from": str(ids["ok"]), "file": "invoice.xml", "size": 11}
    assert store.get_file(output.id, "copy-invoice.xml") == b"<Finvoice/>"

    business = store.get(ids["business"])
    assert (business.state, business.reason_code, business.message) == (
        ItemState.NEEDS_REVIEW, "ORDER_NOT_FOUND", "order X not found")
    assert business.evidence == {"field": "order", "value": "X"}
    assert "_evidence" not in business.payload
    assert store.get(ids["fail_api"]).reason_code == "SUPPLIER_MISMATCH"
    assert store.get(ids["fail_api"]).state is ItemState.NEEDS_REVIEW

    # An application failure is retried at once (base delay 0) and parked as failed after the
    # queue's two attempts.
    failed = store.get(ids["application"])
    assert (failed.state, failed.attempts, failed.reason_code) == (ItemState.FAILED, 2, "ERP_DOWN")
    events = [e.action for e in store.events(ids["application"])]
    assert events.count("application_exception") == 2 and events.count("claim") == 2


def test_empty_queue_ends_the_run_cleanly(database_url: str, tmp_path: Path) -> None:
    SqlQueueStore(make_engine(database_url))
    result = run_robot(database_url, tmp_path / "out")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "EmptyQueue" not in result.stdout + result.stderr


def test_missing_queue_setting_is_a_clear_error(database_url: str, tmp_path: Path) -> None:
    env_backup = os.environ.get("FINRPA_INPUT_QUEUE")
    os.environ.pop("FINRPA_INPUT_QUEUE", None)
    try:
        env = {k: v for k, v in os.environ.items()}
        env.update(RC_WORKITEM_ADAPTER=ADAPTER, FINRPA_DATABASE_URL=database_url)
        result = subprocess.run(
            [sys.executable, "-m", "robocorp.tasks", "run", str(TINY_ROBOT), "-t", "consume",
             "--output-dir", str(tmp_path), "--console-colors", "plain"],
            env=env, capture_output=True, text=True, timeout=120)
    finally:
        if env_backup is not None:
            os.environ["FINRPA_INPUT_QUEUE"] = env_backup
    assert result.returncode != 0
    assert "FINRPA_INPUT_QUEUE is not set" in result.stdout + result.stderr
