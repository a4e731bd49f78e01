"""Real worker processes on a shared database: concurrency and crash recovery."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from finrpa.db.engine import make_engine
from finrpa.db.schema import item_events
from finrpa.domain.items import ItemState
from finrpa.queue.records import NewItem, QueueConfig
from finrpa.queue.sql import SqlQueueStore

REPO_ROOT = Path(__file__).resolve().parents[2]


def start_worker(url: str, name: str, out_file: Path, *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.contract.queue_worker", url, "work", name, str(out_file),
         *extra],
        cwd=REPO_ROOT,
    )


@pytest.mark.slow
def test_eight_workers_drain_5000_items_each_exactly_once(postgres_url: str,
                                                          tmp_path: Path) -> None:
    from tests.conftest import fresh_postgres_url

    url = fresh_postgres_url(postgres_url)
    store = SqlQueueStore(make_engine(url))
    store.enqueue_many("work", [NewItem(payload={"n": n}, business_key=f"k{n}")
                                for n in range(5000)])
    workers = [start_worker(url, f"w{n}", tmp_path / f"w{n}.txt", "--batch", "10")
               for n in range(8)]
    for worker in workers:
        assert worker.wait(timeout=240) == 0
    processed = Counter()
    per_worker = []
    for n in range(8):
        ids = [int(line) for line in (tmp_path / f"w{n}.txt").read_text().split()]
        per_worker.append(len(ids))
        processed.update(ids)
    assert len(processed) == 5000
    assert max(processed.values()) == 1, "an item was processed twice"
    assert sum(1 for count in per_worker if count > 0) >= 2, per_worker
    assert store.count("work", ItemState.DONE) == 5000
    with store.engine.connect() as connection:
        completions = connection.execute(
            select(item_events.c.item_id, func.count()).where(item_events.c.action == "complete")
            .group_by(item_events.c.item_id)
        ).all()
    assert len(completions) == 5000 and {count for _, count in completions} == {1}


def test_killed_worker_item_is_done_once_by_another(database_url: str, tmp_path: Path) -> None:
    store = SqlQueueStore(make_engine(database_url))
    store.configure_queue(QueueConfig(name="work", lease_seconds=1.0))
    item_id = store.enqueue("work", NewItem(payload={"invoice": "INV-1"}, business_key="INV-1")
                            ).item.id
    hanging = start_worker(database_url, "doomed", tmp_path / "doomed.txt", "--hang",
                           "--lease", "1")
    deadline = time.monotonic() + 60
    while store.get(item_id).state is not ItemState.IN_PROGRESS:
        assert time.monotonic() < deadline, "the first worker never claimed the item"
        time.sleep(0.05)
    os.kill(hanging.pid, signal.SIGKILL)
    hanging.wait()
    time.sleep(1.2)  # let the lease run out
    survivor = start_worker(database_url, "survivor", tmp_path / "survivor.txt")
    assert survivor.wait(timeout=60) == 0
    assert (tmp_path / "survivor.txt").read_text().split() == [str(item_id)]
    item = store.get(item_id)
    assert (item.state, item.attempts) == (ItemState.DONE, 2)
    trail = [(event.actor, event.action) for event in store.events(item_id)]
    assert trail == [("system", "enqueue"), ("doomed", "claim"),
                     ("system:lease-reaper", "lease_expired"), ("survivor", "claim"),
                     ("survivor", "complete")]
