"""The match step's core: decide a batch of claimed invoice items, and say how each ends.

The items come in processing order (invoice date, then file name: the order produce enqueued
them in). The whole batch is decided at once by finrpa's batch engine, which gives the same
decisions as matching the invoices one by one in that order; the ledger then learns what the
batch used up, before the next batch is decided.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from finrpa.matching.batch import BatchResult, match_batch, record_batch
from finrpa.matching.book import OrderBook
from finrpa.matching.ledger import MatchLedger, ledger_entry
from finrpa.matching.outcomes import matched_outcome
from finrpa.matching.table import InvoiceTable
from finrpa.matching.tolerances import ToleranceProfile
from finrpa.queue.records import ItemOutcome, WorkItem
from finrpa.steps.invoice_model import Invoice
from finrpa.steps.masking import mask_in
from robots.invoice_matching.models import InvoiceWork, MatchOutcome


@dataclass(frozen=True)
class BadPayload:
    """An item whose payload is not an InvoiceWork: it fails as an application error."""

    item: WorkItem
    problem: str


@dataclass
class DecidedBatch:
    """How each readable item of a batch ends, and the items that could not be read."""

    outcomes: list[ItemOutcome]
    bad_payloads: list[BadPayload]


@dataclass
class PreparedBatch:
    """A claimed batch's payloads validated and laid out as columns, ready to be decided.

    Built by :func:`prepare`, which may run in another process: it needs neither the order
    book nor the ledger. ``kept`` are the positions of the good payloads in the batch;
    ``problems`` says what is wrong with each of the others.
    """

    table: InvoiceTable
    kept: list[int]
    problems: dict[int, str]


def prepare(payloads: Sequence[object]) -> PreparedBatch:
    """Validate a batch's payloads (JSON text or decoded) and build their invoice table."""
    works: list[InvoiceWork] = []
    kept: list[int] = []
    problems: dict[int, str] = {}
    for position, payload in enumerate(payloads):
        try:
            works.append(_work_of(payload))
            kept.append(position)
        except ValidationError as exc:
            problem = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                                for e in exc.errors(include_url=False)[:5])
            problems[position] = f"payload is not an invoice work item: {problem}"
    table = InvoiceTable.from_invoices([work.invoice for work in works],
                                       [work.read_findings for work in works])
    table.source = _not_kept  # the invoices stay here; the decider rebuilds those it explains
    return PreparedBatch(table, kept, problems)


def decide_prepared(
    items: Sequence[WorkItem], prepared: PreparedBatch, book: OrderBook, ledger: MatchLedger,
    profile: ToleranceProfile, run_id: str | None,
) -> DecidedBatch:
    """Decide a prepared batch of ``items`` in order and bring ``ledger`` up to date with it.

    Only the invoices that need review are validated again (their explanation reads the whole
    invoice); a matched one is told from the columns.
    """
    kept = [items[position] for position in prepared.kept]
    table = prepared.table
    table.item_refs = [str(item.id) for item in kept]
    table.source = _Invoices([item.payload for item in kept])
    result = match_batch(table, book, ledger, profile)
    record_batch(table, book, ledger, result)
    outcomes = [_outcome(table, book, result, index, item.id, run_id)
                for index, item in enumerate(kept)]
    bad = [BadPayload(items[position], problem)
           for position, problem in prepared.problems.items()]
    return DecidedBatch(outcomes, bad)


def _not_kept(index: int) -> Invoice | None:
    raise LookupError(f"invoice {index} of a prepared batch: the decider supplies the invoices")


class _Invoices:
    """Invoice k of a batch, validated from its payload when first asked for."""

    def __init__(self, payloads: list[object]) -> None:
        self.payloads = payloads
        self.known: dict[int, Invoice | None] = {}

    def __call__(self, index: int) -> Invoice | None:
        if index not in self.known:
            self.known[index] = _work_of(self.payloads[index]).invoice
        return self.known[index]


def _work_of(payload: object) -> InvoiceWork:
    # The match step claims payloads as JSON text (validated straight from it); a decoded one
    # is accepted too.
    if isinstance(payload, str | bytes):
        return InvoiceWork.model_validate_json(payload, strict=False)
    return InvoiceWork.model_validate(payload, strict=False)


def _outcome(table: InvoiceTable, book: OrderBook, result: BatchResult, index: int,
             item_id: int, run_id: str | None) -> ItemOutcome:
    if not result.reasons[index]:
        matched = matched_outcome(table, book, result, index, str(item_id))
        return ItemOutcome(item_id=item_id, payload_update={"match": MatchOutcome(
            status="matched", explanation=matched.explanation, run_id=run_id,
            ledger_entry=matched.ledger_entry)})
    decision = result.decisions[index]
    outcome = MatchOutcome(
        status=decision.status, reasons=[str(code) for code in decision.reasons],
        explanation=decision.explanation, run_id=run_id,
        ledger_entry=ledger_entry(decision, str(item_id)))
    headline = decision.details[0].message if decision.details else decision.explanation
    return ItemOutcome(
        item_id=item_id, outcome="business_exception", payload_update={"match": outcome},
        code=str(decision.reasons[0]), message=mask_in(headline),
        evidence=mask_in(decision.evidence))
