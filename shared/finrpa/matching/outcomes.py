"""A batch's decisions in the shapes a robot keeps on each work item.

:func:`~finrpa.matching.batch.match_batch` explains only the invoices that need review; a
matched invoice still needs its one-line explanation and its ledger entry (the order lines and
quantities it uses up). :func:`matched_outcome` gives both from the batch's columns, as
:func:`~finrpa.matching.invoices.match_invoice` would state them, without the invoice itself
(so a robot need not rebuild the invoices that matched).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from finrpa.matching.batch import BatchResult, identity_at
from finrpa.matching.book import OrderBook
from finrpa.matching.explanations import headline_of, matched_text
from finrpa.matching.ledger import entry_of
from finrpa.matching.table import InvoiceTable


@dataclass(frozen=True)
class MatchedOutcome:
    """What is kept of a matched invoice: its explanation and its ledger entry."""

    explanation: str
    ledger_entry: dict[str, Any]


def matched_outcome(
    table: InvoiceTable, book: OrderBook, result: BatchResult, index: int,
    item_ref: str | None = None,
) -> MatchedOutcome:
    """The outcome of invoice ``index`` of the batch, which matched."""
    if result.reasons[index] or not table.readable[index]:
        raise ValueError(f"invoice {index} of the batch did not match; it has a full decision")
    start, stop = table.line_start[index:index + 2].tolist()
    lines, columns = result.lines, book.columns
    used = [(str(columns.po_number[row]), int(columns.line_number[row]), lines.decimal(line))
            for line, row in enumerate(lines.rows[start:stop].tolist(), start) if row >= 0]
    seller = table.seller_business_id[index] or str(table.seller_name[index])
    head = headline_of(bool(table.credit[index]), str(table.number[index]), seller,
                       table.po[index])
    return MatchedOutcome(
        explanation=head + matched_text(len(used)),
        ledger_entry=entry_of("matched", item_ref, identity_at(table, index), used),
    )
