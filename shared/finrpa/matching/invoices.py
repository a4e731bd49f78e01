"""Two- and three-way matching of one purchase invoice against its order and receipts.

:func:`match_invoice` is pure: it reads the invoice, the order book, the ledger and the
profile, and returns a :class:`MatchDecision`. It never changes the ledger; after each decision
the caller does::

    ledger.remember(invoice, item_ref)         # every invoice: duplicate detection
    if decision.matched:
        ledger.record(decision)                # quantities of matched invoices only

and, when a reviewer accepts an exception, ``ledger.record(decision, accepted=True)``.
See :mod:`finrpa.matching.ledger` for persisting the ledger in work items.

Rules, in the order the reasons are reported (see :class:`ReasonCode`):

* no invoice, or a finding that it could not be read → UNREADABLE; content findings of
  :func:`~finrpa.steps.invoice_checks.check_invoice` and the reader → INVALID_BUSINESS_ID,
  INVALID_BANK_ACCOUNT, INVALID_PAYMENT_REFERENCE, else INVALID_INVOICE;
* the order reference selects the order: NO_ORDER_REFERENCE, ORDER_NOT_FOUND, ORDER_CLOSED,
  SUPPLIER_MISMATCH, CURRENCY_MISMATCH (without an order, no line rules apply);
* lines match by order line reference (when given, alone), else article ID = item code, else
  description and unit price: LINE_NOT_ON_ORDER; then PRICE_VARIANCE (above the order price by
  more than ``price_percent`` % *or* more than ``price_amount`` over the line; a lower price and
  a credit note's price pass), VAT_MISMATCH, and quantities added up over this invoice and the
  ledger: QUANTITY_EXCEEDS_ORDER (ordered × (1 + ``quantity_percent`` %)) and, for goods lines
  when ``check_receipts``, QUANTITY_EXCEEDS_RECEIPT. Only a positive quantity can exceed;
* TOTAL_MISMATCH: line nets against the stated (lines) net total, net + VAT against gross,
  line VAT against the VAT total, each within ``total_amount``;
* DUPLICATE_INVOICE from the ledger.

Tolerances are those of the order's supplier (the seller's when no order is found).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from finrpa.domain.calendar import BusinessCalendar
from finrpa.domain.findings import Finding
from finrpa.matching.book import OrderBook
from finrpa.matching.decision import LineMatch, MatchDecision, ReasonDetail
from finrpa.matching.explanations import headline, matched_explanation
from finrpa.matching.facts import (
    finding_reason,
    is_credit,
    order_reference_of,
    relevant_findings,
)
from finrpa.matching.ledger import InvoiceIdentity, LedgerView
from finrpa.matching.model import REPORT_ORDER, ReasonCode
from finrpa.matching.rules import (
    Check,
    check_duplicate,
    check_lines,
    check_order,
    check_totals,
)
from finrpa.matching.tolerances import ToleranceProfile
from finrpa.steps.invoice_checks import check_invoice
from finrpa.steps.invoice_model import Invoice

__all__ = [
    "LineMatch",
    "MatchDecision",
    "ReasonDetail",
    "decide",
    "due_for_review",
    "match_invoice",
]


def match_invoice(
    invoice: Invoice | None,
    book: OrderBook,
    ledger: LedgerView,
    profile: ToleranceProfile,
    read_findings: Sequence[Finding] = (),
) -> MatchDecision:
    """Decide whether ``invoice`` can be paid as it is, and if not, say why.

    ``read_findings`` are the reader's findings; the content checks are run here (findings
    repeated in both are counted once).
    """
    findings = list(read_findings)
    if invoice is not None:
        findings += check_invoice(invoice)
    return decide(invoice, findings, book, ledger, profile)


def decide(
    invoice: Invoice | None,
    findings: Sequence[Finding],
    book: OrderBook,
    ledger: LedgerView,
    profile: ToleranceProfile,
) -> MatchDecision:
    """:func:`match_invoice` with the content findings already made (the batch path's entry)."""
    content = [
        ReasonDetail(finding_reason(f, invoice is not None), f.describe(), None,
                     {"finding": f.model_dump(mode="json")})
        for f in relevant_findings(findings)
    ]
    if invoice is None:
        if not content:
            content.append(ReasonDetail(ReasonCode.UNREADABLE, "no invoice could be read"))
        return _decision(content, [], {"findings": [d.evidence for d in content]}, None)
    reference = order_reference_of(invoice)
    po_code = book.po_code(reference)
    supplier = book.supplier_key(po_code) if po_code >= 0 else invoice.seller.business_id
    check = Check(invoice, book, ledger, profile.for_supplier(supplier), reference, po_code,
                  is_credit(invoice), details=list(content))
    identity = InvoiceIdentity.of(invoice)
    check_order(check)
    check_lines(check)
    check_totals(check)
    check_duplicate(check, identity)
    for detail in check.details:
        if detail.line_index is not None and detail.line_index < len(check.lines):
            reasons = check.lines[detail.line_index]["reasons"]
            if detail.code not in reasons:
                reasons.append(_VALUE[detail.code])
    evidence = {
        "reasons": list(dict.fromkeys(_VALUE[detail.code] for detail in check.details)),
        "invoice": {"number": invoice.invoice_number, "date": invoice.invoice_date.isoformat(),
                    "seller": invoice.seller.name, "type": invoice.invoice_type.value,
                    "gross": str(invoice.totals.gross), "currency": invoice.currency},
        "header": check.header,
        "lines": check.lines,
        "tolerance": {"total_amount": str(check.tolerances.total_amount),
                      "check_receipts": check.tolerances.check_receipts},
        "findings": [d.evidence["finding"] for d in content],
    }
    return _decision(check.details, check.matches, evidence, invoice, identity, reference)


def _decision(
    details: list[ReasonDetail],
    matches: list[LineMatch],
    evidence: dict[str, Any],
    invoice: Invoice | None,
    identity: InvoiceIdentity | None = None,
    reference: str | None = None,
) -> MatchDecision:
    reasons = sorted({detail.code for detail in details}, key=_RANK.__getitem__)
    ordered = sorted(details, key=lambda detail: _RANK[detail.code])
    return MatchDecision(
        status="exception" if reasons else "matched",
        reasons=reasons,
        details=ordered,
        line_matches=matches,
        evidence=evidence,
        explanation=_explain(reasons, ordered, matches, invoice, reference),
        identity=identity,
        invoice_type=invoice.invoice_type if invoice is not None else None,
        order_reference=reference,
    )


_RANK = {code: rank for rank, code in enumerate(REPORT_ORDER)}
# The plain-str values for the evidence (``code.value`` is a Python-level property).
_VALUE = {code: code.value for code in REPORT_ORDER}


def _explain(
    reasons: list[ReasonCode],
    details: list[ReasonDetail],
    matches: list[LineMatch],
    invoice: Invoice | None,
    reference: str | None,
) -> str:
    if invoice is None:
        head = "The document could not be read: it needs review."
    else:
        if not reasons:
            matched = sum(1 for match in matches if match.order_line is not None)
            return matched_explanation(invoice, reference, matched)
        head = headline(invoice, reference) + f"needs review ({', '.join(reasons)})."
    return "\n".join([head, *(f"- {d.code}: {d.message}" for d in details)])


def due_for_review(invoice_due_date: date, calendar: BusinessCalendar, lead_days: int) -> date:
    """When a reviewer must decide so the invoice can still be paid on time: the due date less
    ``lead_days`` business days (see ``ToleranceProfile.payment_lead_business_days``)."""
    return calendar.subtract_business_days(invoice_due_date, lead_days)
