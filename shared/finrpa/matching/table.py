"""Invoices as columns, the input of the batch path.

An :class:`InvoiceTable` holds what the rules read, already normalised as
:mod:`finrpa.matching.facts` says (signed quantities, per-unit prices, selected order
reference), in fixed-point int64 columns (``MISSING`` where the invoice states nothing). Lines
are stored invoice after invoice; ``line_start[k]:line_start[k + 1]`` are invoice k's.

Build it with :meth:`InvoiceTable.from_invoices` from read invoices, or fill the columns
directly (the benchmark does, from 200,000 already-parsed invoices). ``source(k)`` must give
back invoice k (the rich explanation is built from it for the invoices that need review) and
``findings`` the content findings of the invoices that have any. An invoice with a value too
precise for the columns is marked ``exact_only`` and decided with the ``Decimal`` rules.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

from finrpa.domain.findings import Finding
from finrpa.matching._values import (
    MISSING,
    MONEY_DIGITS,
    QTY_DIGITS,
    line_reference_number,
    scaled_or_missing,
)
from finrpa.matching.facts import (
    content_mask,
    is_credit,
    line_facts,
    order_reference_of,
    refers_elsewhere,
)
from finrpa.matching.ledger import InvoiceIdentity
from finrpa.steps.invoice_checks import check_invoice
from finrpa.steps.invoice_model import Invoice

NO_LINE_REFERENCE = -2  # line_ref: the line gives no order line reference
BAD_LINE_REFERENCE = -1  # line_ref: given, but not a line number

InvoiceSource = Callable[[int], Invoice | None]


@dataclass
class InvoiceTable:
    """Invoice headers (n rows) and lines (m rows) as columns; see the module docstring."""

    # headers
    po: np.ndarray  # object: selected order reference or None
    seller_business_id: np.ndarray  # object: str or None
    seller_name: np.ndarray  # object: str
    number: np.ndarray  # object: invoice number
    invoice_date: np.ndarray  # int64: date.toordinal()
    currency: np.ndarray  # object: str
    credit: np.ndarray  # bool
    readable: np.ndarray  # bool: an invoice was read
    gross: np.ndarray  # int64, ten thousandths (MISSING only when unreadable)
    net: np.ndarray
    vat: np.ndarray
    lines_net: np.ndarray
    content: np.ndarray  # int64: reason bits of the content findings
    exact_only: np.ndarray  # bool
    line_start: np.ndarray  # int64, n + 1
    # lines
    line_ref: np.ndarray  # int64: line number, NO_LINE_REFERENCE or BAD_LINE_REFERENCE
    elsewhere: np.ndarray  # bool: the line names another order
    article: np.ndarray  # object: article ID or None
    name: np.ndarray  # object: name or None
    quantity: np.ndarray  # int64, millionths, signed (negative on a credit note)
    unit_price: np.ndarray  # int64, ten thousandths, per unit
    vat_rate: np.ndarray  # int64, ten thousandths of a percent
    net_amount: np.ndarray  # int64, ten thousandths
    vat_amount: np.ndarray  # int64, ten thousandths
    source: InvoiceSource
    findings: dict[int, list[Finding]] = field(default_factory=dict)
    exact_gross: dict[int, Decimal] = field(default_factory=dict)  # exact_only invoices' gross
    #: Each invoice's work item, named in duplicates' evidence (default ``batch:<index>``).
    item_refs: Sequence[str] | None = None
    #: Identities already built (by ``batch.identity_at``), by invoice index.
    identities: dict[int, InvoiceIdentity] = field(default_factory=dict, repr=False,
                                                   compare=False)

    def __len__(self) -> int:
        return len(self.po)

    @property
    def line_count(self) -> int:
        """Number of invoice lines in the table."""
        return len(self.line_ref)

    def line_invoice(self) -> np.ndarray:
        """For every line, the index of its invoice."""
        counts = np.diff(self.line_start)
        return np.repeat(np.arange(len(self), dtype=np.int64), counts)

    def item_ref(self, index: int) -> str:
        """The reference of invoice ``index``'s work item."""
        return self.item_refs[index] if self.item_refs is not None else f"batch:{index}"

    def content_findings(self, index: int) -> list[Finding]:
        """The content findings of invoice ``index`` (none for most)."""
        return self.findings.get(index, [])

    @classmethod
    def from_invoices(
        cls,
        invoices: Sequence[Invoice | None],
        read_findings: Sequence[Sequence[Finding]] | None = None,
        item_refs: Sequence[str] | None = None,
    ) -> InvoiceTable:
        """Columns of read invoices (``None`` for a document that could not be read); the content
        checks of :func:`check_invoice` run here, with the reader's findings added.
        ``item_refs`` name each invoice's work item (in duplicates' evidence)."""
        builder = _Builder()
        for index, invoice in enumerate(invoices):
            findings = list(read_findings[index]) if read_findings is not None else []
            if invoice is not None:
                findings += check_invoice(invoice)
            builder.add(index, invoice, findings)
        table = builder.table(lambda index: invoices[index])
        table.item_refs = item_refs
        return table


class _Builder:
    """Collects column values invoice by invoice."""

    HEADER = ("po", "seller_business_id", "seller_name", "number", "invoice_date", "currency",
              "credit", "readable", "gross", "net", "vat", "lines_net", "content", "exact_only")
    LINES = ("line_ref", "elsewhere", "article", "name", "quantity", "unit_price", "vat_rate",
             "net_amount", "vat_amount")
    OBJECTS = frozenset({"po", "seller_business_id", "seller_name", "number", "currency",
                         "article", "name"})
    FLAGS = frozenset({"credit", "readable", "exact_only", "elsewhere"})

    def __init__(self) -> None:
        self.values: dict[str, list[object]] = {name: [] for name in self.HEADER + self.LINES}
        self.line_start = [0]
        self.findings: dict[int, list[Finding]] = {}
        self.exact_gross: dict[int, Decimal] = {}
        # Prices, rates and quantities repeat from invoice to invoice; equal Decimals ("1.0",
        # "1") scale alike, so the value itself is the key.
        self._scaled: dict[tuple[Decimal, int], tuple[int, bool]] = {}

    def scaled(self, value: Decimal | None, digits: int) -> tuple[int, bool]:
        """``scaled_or_missing``, remembered per value."""
        if value is None:
            return MISSING, True
        if not value.is_finite():
            return MISSING, False
        key = (value, digits)
        known = self._scaled.get(key)
        if known is None:
            known = self._scaled[key] = scaled_or_missing(value, digits)
        return known

    def add(self, index: int, invoice: Invoice | None, findings: list[Finding]) -> None:
        mask = content_mask(findings, invoice is not None)
        if mask:
            self.findings[index] = findings
        if invoice is None:
            self._header(None, None, "", "", 0, "", False, False, [], mask)
            self.line_start.append(self.line_start[-1])
            return
        exact = self._lines(invoice)
        totals = invoice.totals
        amounts = [self.scaled(value, MONEY_DIGITS)
                   for value in (totals.gross, totals.net, totals.vat, totals.lines_net)]
        if not all(ok for _, ok in amounts):
            exact = False
            self.exact_gross[index] = totals.gross
        self._header(order_reference_of(invoice), invoice.seller.business_id,
                     invoice.seller.name, invoice.invoice_number,
                     invoice.invoice_date.toordinal(), invoice.currency, is_credit(invoice),
                     True, [value for value, _ in amounts], mask, exact_only=not exact)
        self.line_start.append(self.line_start[-1] + len(invoice.lines))

    def _header(self, po: str | None, seller: str | None, name: str, number: str,
                day: int, currency: str, credit: bool, readable: bool, amounts: list[int],
                mask: int, exact_only: bool = False) -> None:
        gross, net, vat, lines_net = amounts or [MISSING] * 4
        row = (po, seller, name, number, day, currency, credit, readable, gross, net, vat,
               lines_net, mask, exact_only)
        for column, value in zip(self.HEADER, row, strict=True):
            self.values[column].append(value)

    def _lines(self, invoice: Invoice) -> bool:
        """Append the invoice's lines; False when a value does not fit its column."""
        exact = True
        reference, credit = order_reference_of(invoice), is_credit(invoice)
        for line in invoice.lines:
            facts = line_facts(line, credit)
            ref = line_reference_number(line.order_line_reference)
            scaled = [self.scaled(facts.quantity, QTY_DIGITS)] + [
                self.scaled(value, MONEY_DIGITS)
                for value in (facts.unit_price, line.vat_rate, line.net_amount, line.vat_amount)
            ]
            exact = exact and all(ok for _, ok in scaled)
            row = (NO_LINE_REFERENCE if ref is None else ref,
                   refers_elsewhere(line, reference), line.article_id, line.name,
                   *(value for value, _ in scaled))
            for column, value in zip(self.LINES, row, strict=True):
                self.values[column].append(value)
        return exact

    def table(self, source: InvoiceSource) -> InvoiceTable:
        columns: dict[str, Any] = {}  # the array fields, by name
        for name, values in self.values.items():
            dtype = object if name in self.OBJECTS else bool if name in self.FLAGS else np.int64
            array = np.empty(len(values), dtype=dtype)
            array[:] = values
            columns[name] = array
        return InvoiceTable(
            line_start=np.asarray(self.line_start, dtype=np.int64),
            source=source,
            findings=self.findings,
            exact_gross=self.exact_gross,
            **columns,
        )

