"""The facts matching reads from an invoice, normalised once for both paths.

* The **order reference** is the header's; without one, the first line-level reference.
* A line's **quantity** is its invoiced quantity, else its delivered quantity. A credit note's
  quantities are made negative whatever sign the format used (``invoice_type`` decides), so
  adding them to the ledger gives quantity back.
* A line's **unit price** is per one unit: divided by the price base quantity when one is
  stated. A credit note's price is taken as positive.
* Read and content **findings** become reason codes: unreadable documents, invalid identifiers
  and other invalid content. Warnings are ignored, and ``TOTALS_INCONSISTENT`` from
  :func:`~finrpa.steps.invoice_checks.check_invoice` is left to the ``TOTAL_MISMATCH`` rule,
  which applies the profile's tolerance.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import NamedTuple

from finrpa.domain.findings import Finding, Severity
from finrpa.matching.model import ReasonCode
from finrpa.steps.invoice_model import TOTALS_INCONSISTENT, Invoice, InvoiceLine, InvoiceType

#: Read findings meaning no invoice could be read at all.
UNREADABLE_FINDINGS = frozenset(
    {
        "XML_MALFORMED",
        "XML_DTD_FORBIDDEN",
        "XML_TOO_LARGE",
        "UNKNOWN_FORMAT",
        "READ_FAILED",
        "FILE_UNREADABLE",
        "MULTIPLE_INVOICES",
    }
)
_IDENTIFIER_FINDINGS = {
    "INVALID_BUSINESS_ID": ReasonCode.INVALID_BUSINESS_ID,
    "INVALID_BANK_ACCOUNT": ReasonCode.INVALID_BANK_ACCOUNT,
    "INVALID_PAYMENT_REFERENCE": ReasonCode.INVALID_PAYMENT_REFERENCE,
}
_LEFT_TO_RULES = frozenset({TOTALS_INCONSISTENT})


class LineFacts(NamedTuple):
    """One invoice line as matching sees it (a tuple: made for every line explained)."""

    raw_quantity: Decimal | None  # as stated
    quantity: Decimal | None  # signed: negative on a credit note
    unit_price: Decimal | None  # per one unit, positive on a credit note


_new_tuple = tuple.__new__


def is_credit(invoice: Invoice) -> bool:
    """True for a credit note."""
    return invoice.invoice_type == InvoiceType.CREDIT_NOTE


def order_reference_of(invoice: Invoice) -> str | None:
    """The order the invoice is matched against: the header reference, else the first line's."""
    header = (invoice.order_reference or "").strip()
    if header:
        return header
    for line in invoice.lines:
        reference = (line.order_reference or "").strip()
        if reference:
            return reference
    return None


def refers_elsewhere(line: InvoiceLine, order_reference: str | None) -> bool:
    """True when the line names another order than the one the invoice is matched against."""
    reference = (line.order_reference or "").strip()
    return bool(reference) and reference != order_reference


def line_facts(line: InvoiceLine, credit: bool) -> LineFacts:
    """The normalised quantity and unit price of ``line``."""
    raw = line.invoiced_quantity
    if raw is None:
        raw = line.delivered_quantity
    quantity = raw if raw is None or not credit else -abs(raw)
    price = line.unit_price
    if price is not None:
        base = line.price_base_quantity
        if base is not None and base not in (0, 1):
            price = price / base
        if credit:
            price = abs(price)
    return _new_tuple(LineFacts, (raw, quantity, price))  # what LineFacts() does, minus a call


def relevant_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Error findings that become reason codes, without repeats (same code, place and value)."""
    kept: list[Finding] = []
    keys: set[tuple[str, str | None, str | None]] = set()
    for finding in findings:
        if finding.severity is not Severity.ERROR or finding.code in _LEFT_TO_RULES:
            continue
        key = (finding.code, finding.location, finding.value)
        if key not in keys:
            keys.add(key)
            kept.append(finding)
    return kept


def finding_reason(finding: Finding, invoice_read: bool) -> ReasonCode:
    """The reason code an error finding stands for."""
    if not invoice_read or finding.code in UNREADABLE_FINDINGS:
        return ReasonCode.UNREADABLE
    return _IDENTIFIER_FINDINGS.get(finding.code, ReasonCode.INVALID_INVOICE)


def content_mask(findings: Sequence[Finding], invoice_read: bool) -> int:
    """The reason-code bits of ``findings`` (for the batch path's content column)."""
    mask = 0 if invoice_read else ReasonCode.UNREADABLE.bit
    for finding in relevant_findings(findings):
        mask |= finding_reason(finding, invoice_read).bit
    return mask
