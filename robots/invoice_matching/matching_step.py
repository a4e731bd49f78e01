"""The match step's loop: claim batches, prepare them in helper processes, decide, finish.

The order book is read, and the batches after the current one are prepared (payloads
validated, invoice columns built), by a pool of helper processes, while this process decides
each batch in order and finishes its items in one transaction. Batches are claimed a few ahead
(their leases run meanwhile, far shorter than a lease), never more than ``LOOKAHEAD``.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import deque
from concurrent.futures import Future
from pathlib import Path

from finrpa.domain.items import ItemState
from finrpa.matching.book import OrderBook
from finrpa.matching.ledger import MatchLedger
from finrpa.matching.tolerances import load_profile
from finrpa.queue.factory import open_store
from finrpa.queue.records import WorkItem
from finrpa.runtime import collector_paused, helper_pool
from robots.invoice_matching import history
from robots.invoice_matching.deciding import PreparedBatch, decide_prepared, prepare
from robots.invoice_matching.inputs import load_order_book
from robots.invoice_matching.models import INVOICE_QUEUE

#: Batches claimed and being prepared ahead of the one being decided.
LOOKAHEAD = 6
HELPERS = 2


def run_match_step(input_dir: Path, tolerances: Path, actor: str) -> None:
    """Match every pending invoice of the queue; print what became of them."""
    run_id = os.environ.get("FINRPA_RUN_ID")
    owner = f"{actor}:{run_id or 'manual'}:{os.getpid()}"
    batch_size = int(os.environ.get("FINRPA_PREFETCH", "500"))
    profile = load_profile(tolerances)
    counts = {"matched": 0, "exception": 0, "bad payload": 0}
    started, waited = time.perf_counter(), 0.0
    with collector_paused(), helper_pool(HELPERS) as pool:
        # The first task starts the helpers: before this process opens the database.
        book_loading = pool.submit(load_order_book, input_dir)
        store = open_store()
        ledger = MatchLedger.from_entries(history.ledger_entries(store, INVOICE_QUEUE))
        ahead: deque[tuple[list[WorkItem], Future[PreparedBatch]]] = deque()
        exhausted = False
        book: OrderBook | None = None
        try:
            while True:
                while not exhausted and len(ahead) < LOOKAHEAD:
                    items = store.claim(INVOICE_QUEUE, owner, limit=batch_size,
                                        raw_payload=True)
                    if not items:
                        exhausted = True
                        break
                    ahead.append((items, pool.submit(prepare, [i.payload for i in items])))
                if not ahead:
                    break
                waiting = time.perf_counter()
                if book is None:
                    book, input_findings = book_loading.result()
                    for finding in input_findings:
                        print(f"input: {finding.describe()}")
                items, preparing = ahead[0]
                prepared = preparing.result()
                waited += time.perf_counter() - waiting
                decided = decide_prepared(items, prepared, book, ledger, profile, run_id)
                states = store.finish_many(owner, decided.outcomes)
                ahead.popleft()
                for bad in decided.bad_payloads:
                    print(f"work item {bad.item.id}: {bad.problem}")
                    store.fail_application(bad.item.id, owner, "BAD_PAYLOAD", bad.problem)
                done = sum(state is ItemState.DONE for state in states)
                counts["matched"] += done
                counts["exception"] += len(states) - done
                counts["bad payload"] += len(decided.bad_payloads)
        except BaseException:
            # Whatever stopped the step (an unreadable order book, say), the batches claimed
            # and not finished go back to the queue now, not when their leases run out.
            for items, _ in ahead:
                for item in items:
                    with contextlib.suppress(Exception):  # the first error is the one to tell
                        store.release(item.id, owner)
            raise
    print(", ".join(f"{count} {what}" for what, count in counts.items())
          + f" in {time.perf_counter() - started:.1f} s ({waited:.1f} s waiting for the order book"
          " and prepared batches)")
