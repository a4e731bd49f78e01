"""The sentences that open every match explanation (shared by the per-invoice and batch paths)."""

from __future__ import annotations

from finrpa.matching.facts import is_credit
from finrpa.steps.invoice_model import Invoice


def headline(invoice: Invoice, reference: str | None) -> str:
    """The start of every explanation: which document, whose, against which order."""
    return headline_of(is_credit(invoice), invoice.invoice_number,
                       invoice.seller.business_id or invoice.seller.name, reference)


def headline_of(credit: bool, number: str, seller: str, reference: str | None) -> str:
    """:func:`headline` from its parts (the batch path reads them from its columns)."""
    kind = "Credit note" if credit else "Invoice"
    return f"{kind} {number} of {seller} against order {reference or '(no order)'}: "


def matched_text(matched_lines: int) -> str:
    """What follows the headline of a matched invoice."""
    return f"matched ({matched_lines} line(s) within tolerances)."


def matched_explanation(invoice: Invoice, reference: str | None, matched_lines: int) -> str:
    """The explanation of a matched invoice."""
    return headline(invoice, reference) + matched_text(matched_lines)
