"""A worker process for the concurrency and crash tests.

    python -m tests.contract.queue_worker URL QUEUE NAME OUT_FILE [--batch N] [--hang]

Processes items until the queue is empty, appending each processed id to OUT_FILE (one line per
item, flushed before the item is completed). With --hang it claims one item and sleeps.
"""

from __future__ import annotations

import argparse
import os
import time

from finrpa.db.engine import make_engine
from finrpa.queue.consumer import Consumer
from finrpa.queue.sql import SqlQueueStore


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("queue")
    parser.add_argument("name")
    parser.add_argument("out_file")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--hang", action="store_true")
    parser.add_argument("--lease", type=float, default=30.0)
    args = parser.parse_args()
    store = SqlQueueStore(make_engine(args.url), reap_interval_s=0.2, create_schema=False)
    consumer = Consumer(store, args.queue, args.name, batch_size=args.batch,
                        lease_seconds=args.lease, heartbeat=not args.hang)
    with open(args.out_file, "a", encoding="utf-8") as out:
        if args.hang:
            item = consumer.next_item()
            out.write(f"claimed {item.id if item else None}\n")
            out.flush()
            time.sleep(3600)
        idle_since = None
        while True:
            item = consumer.next_item()
            if item is None:
                # Other workers may still hold items whose leases could expire; wait briefly.
                idle_since = idle_since or time.monotonic()
                if time.monotonic() - idle_since > 1.0:
                    break
                time.sleep(0.05)
                continue
            idle_since = None
            out.write(f"{item.id}\n")
            out.flush()
            os.fsync(out.fileno())
            store.complete(item.id, args.name)
            consumer.finished(item.id)
    consumer.close()


if __name__ == "__main__":
    main()
