"""What earlier runs left in the queue: the ledger's history, results, payment proposals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from finrpa.domain.items import ItemState
from finrpa.queue.records import NewItem, WorkItem
from finrpa.queue.store import QueueStore
from robots.invoice_matching.inputs import file_key, invoice_paths, source_of
from robots.invoice_matching.models import (
    INVOICE_QUEUE,
    PAYMENT_QUEUE,
    PaymentLine,
    WorkDigest,
)
from robots.invoice_matching.reports import InvoiceResult, payment_line

#: States in which an invoice's earlier decision stands (pending ones are about to be redecided).
DECIDED_STATES = {ItemState.DONE, ItemState.NEEDS_REVIEW, ItemState.REJECTED, ItemState.FAILED}


def all_items(store: QueueStore, queue: str, state: ItemState | None = None,
              page: int = 1000) -> Iterator[WorkItem]:
    """Every item of ``queue`` (in ``state``), oldest first, page by page."""
    after: int | None = None
    while True:
        items = store.list_items(queue=queue, state=state, limit=page, after_id=after)
        yield from items
        if len(items) < page:
            return
        after = items[-1].id


def ledger_entries(store: QueueStore, queue: str) -> Iterator[dict[str, Any]]:
    """Ledger entries of the invoices decided before, oldest first; an exception a reviewer
    accepted (now done) counts as accepted."""
    for item in all_items(store, queue):
        if item.state not in DECIDED_STATES or not isinstance(item.payload, dict):
            continue
        entry = (item.payload.get("match") or {}).get("ledger_entry")
        if entry is None:
            continue
        if item.state is ItemState.DONE and entry.get("status") != "matched":
            entry = {**entry, "accepted": True}
        yield entry


def results_for_input(store: QueueStore, input_dir: Path) -> list[InvoiceResult]:
    """What became of each file of the input folder, in input order."""
    paths = invoice_paths(input_dir)
    keys = [file_key(path.read_bytes()) for path in paths]
    items = store.find_by_keys(INVOICE_QUEUE, keys)
    results = []
    for path, key in zip(paths, keys, strict=True):
        item = items.get(key)
        work = WorkDigest.model_validate(item.payload) if item else None
        results.append(InvoiceResult(source_of(input_dir, path), item, work))
    return results


def enqueue_payments(store: QueueStore, run_id: str | None) -> int:
    """A payment item for every invoice approved (matched or accepted) that has none yet."""
    approved = {f"invoice-{item.id}": item for item in all_items(store, INVOICE_QUEUE,
                                                                  ItemState.DONE)}
    proposed_before = store.find_by_keys(PAYMENT_QUEUE, list(approved))
    new_items = [
        NewItem(payload=payment_line(item), business_key=key, parent_id=item.id, run_id=run_id)
        for key, item in approved.items() if key not in proposed_before
    ]
    results = store.enqueue_many(PAYMENT_QUEUE, new_items, actor="robot:invoice_matching")
    return sum(result.created for result in results)


def take_payment_proposal(store: QueueStore, owner: str) -> list[tuple[PaymentLine, WorkItem]]:
    """Lease every payment item not yet proposed; they are done once the proposal is written."""
    taken: list[tuple[PaymentLine, WorkItem]] = []
    while batch := store.claim(PAYMENT_QUEUE, owner, limit=500):
        taken += [(PaymentLine.model_validate(item.payload, strict=False), item)
                  for item in batch]
    taken.sort(key=lambda pair: pair[1].id)
    return taken


def mark_proposed(store: QueueStore, items: list[WorkItem], owner: str) -> None:
    """The proposal is written: its payment items are done and never proposed again."""
    for item in items:
        store.complete(item.id, owner)
