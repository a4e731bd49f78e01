"""What earlier runs left in the queue: the ledger's history, results, payment proposals."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from finrpa.domain.items import ItemState
from finrpa.queue.records import ItemDigest, ItemOutcome, NewItem
from finrpa.queue.store import QueueStore
from robots.invoice_matching.files import INVOICE_FOLDER, file_key, invoice_names, invoice_source
from robots.invoice_matching.models import INVOICE_QUEUE, PAYMENT_QUEUE, PaymentLine
from robots.invoice_matching.reports import FIELDS, InvoiceResult, payment_line

FIELD_PATHS = list(FIELDS.values())

#: States in which an invoice's earlier decision stands (pending ones are about to be redecided).
DECIDED_STATES = {ItemState.DONE, ItemState.NEEDS_REVIEW, ItemState.REJECTED, ItemState.FAILED}


def ledger_entries(store: QueueStore, queue: str) -> Iterator[dict[str, Any]]:
    """Ledger entries of the invoices decided before, oldest first; an exception a reviewer
    accepted (now done) counts as accepted."""
    for item in store.digests(queue, ["match.ledger_entry"], states=DECIDED_STATES):
        entry = item.values[0]
        if not isinstance(entry, dict):
            continue
        if item.state is ItemState.DONE and entry.get("status") != "matched":
            entry = {**entry, "accepted": True}
        yield entry


def input_files(input_dir: Path) -> list[tuple[str, str]]:
    """(source, business key) of each invoice file, in input order; keyed as produce keys it."""
    folder = input_dir / INVOICE_FOLDER
    keyed = []
    for name in invoice_names(input_dir):
        with open(folder / name, "rb") as handle:
            keyed.append((invoice_source(name), file_key(handle.read())))
    return keyed


def approved_invoices(store: QueueStore) -> list[ItemDigest]:
    """The invoices approved (matched or accepted: done) that have no payment item yet."""
    return store.digests(INVOICE_QUEUE, FIELD_PATHS, states=[ItemState.DONE],
                         without_children_in=PAYMENT_QUEUE)


def enqueue_payments(store: QueueStore, approved: Sequence[ItemDigest],
                     run_id: str | None) -> int:
    """A payment item for each of the ``approved`` invoices; how many were new."""
    new_items = [
        NewItem(payload=payment_line(item.id, fields_of(item)), business_key=f"invoice-{item.id}",
                parent_id=item.id, run_id=run_id)
        for item in approved
    ]
    # The business key keeps it one payment item per invoice even if two reports race.
    results = store.enqueue_many(PAYMENT_QUEUE, new_items, actor="robot:invoice_matching")
    return sum(result.created for result in results)


def results_for_input(store: QueueStore, files: Sequence[tuple[str, str]],
                      read_before: Sequence[ItemDigest] = ()) -> list[InvoiceResult]:
    """What became of each input file (``input_files``), in input order; a file whose content
    another file repeats shares its item. Items in ``read_before`` are not read again."""
    found = {item.business_key: (item, fields_of(item)) for item in read_before}
    unread = [key for _, key in files if key not in found]
    found.update((item.business_key, (item, fields_of(item)))
                 for item in store.digests(INVOICE_QUEUE, FIELD_PATHS, keys=unread))
    missing: tuple[None, dict[str, Any]] = (None, {})
    return [InvoiceResult(source, *found.get(key, missing)) for source, key in files]


def fields_of(item: ItemDigest) -> dict[str, Any]:
    """The item's payload parts by the names of ``reports.FIELDS``."""
    return dict(zip(FIELDS, item.values, strict=True))


def take_payment_proposal(store: QueueStore, owner: str) -> list[tuple[int, PaymentLine]]:
    """Lease every payment item not yet proposed, as (item id, line) in id order; they are
    done once the proposal is written (``mark_proposed``)."""
    taken: list[tuple[int, PaymentLine]] = []
    while batch := store.claim(PAYMENT_QUEUE, owner, limit=5000, raw_payload=True):
        taken += [(item.id, PaymentLine.model_validate_json(item.payload)) for item in batch]
    taken.sort(key=lambda pair: pair[0])
    return taken


def mark_proposed(store: QueueStore, item_ids: Sequence[int], owner: str) -> None:
    """The proposal is written: its payment items are done, all at once, never proposed again."""
    store.finish_many(owner, [ItemOutcome(item_id=item_id) for item_id in item_ids])
