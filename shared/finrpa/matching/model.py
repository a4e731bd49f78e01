"""The vocabulary of invoice matching: reason codes, order lines, receipts and the order book.

=============================  ===============================================================
code                           meaning
=============================  ===============================================================
UNREADABLE                     the document could not be read into an invoice
INVALID_INVOICE                the invoice breaks a content rule (impossible date, missing
                               required data, a line without quantity or price, no lines)
NO_ORDER_REFERENCE             the invoice names no purchase order
ORDER_NOT_FOUND                the purchase order it names is not in the order book
ORDER_CLOSED                   the order (or the matched order line) is closed
SUPPLIER_MISMATCH              the seller's business ID is not the order's supplier
LINE_NOT_ON_ORDER              an invoice line matches no line of the order
PRICE_VARIANCE                 a unit price is above the order price beyond the tolerance
QUANTITY_EXCEEDS_ORDER         invoiced quantity, over all invoices, is above the ordered one
QUANTITY_EXCEEDS_RECEIPT       invoiced quantity, over all invoices, is above the received one
VAT_MISMATCH                   a line's VAT rate differs from the order line's
TOTAL_MISMATCH                 header totals differ from the sum of the lines
CURRENCY_MISMATCH              the invoice currency is not the order currency
DUPLICATE_INVOICE              the same (or a near-identical) invoice was seen before
INVALID_BANK_ACCOUNT           an IBAN or account number fails its check
INVALID_PAYMENT_REFERENCE      the payment reference fails its check digit
INVALID_BUSINESS_ID            the seller's business ID fails its check digit
=============================  ===============================================================
"""

from __future__ import annotations

from enum import StrEnum

from finrpa.matching._records import DEFAULT_SERVICE_UNITS, OrderLine, Receipt
from finrpa.matching.book import OrderBook

__all__ = [
    "DEFAULT_SERVICE_UNITS",
    "REASON_DESCRIPTIONS",
    "OrderBook",
    "OrderLine",
    "ReasonCode",
    "Receipt",
]


class ReasonCode(StrEnum):
    """Why an invoice needs a person; the value is the name. Declaration order is report order."""

    UNREADABLE = "UNREADABLE"
    INVALID_INVOICE = "INVALID_INVOICE"
    NO_ORDER_REFERENCE = "NO_ORDER_REFERENCE"
    ORDER_NOT_FOUND = "ORDER_NOT_FOUND"
    ORDER_CLOSED = "ORDER_CLOSED"
    SUPPLIER_MISMATCH = "SUPPLIER_MISMATCH"
    LINE_NOT_ON_ORDER = "LINE_NOT_ON_ORDER"
    PRICE_VARIANCE = "PRICE_VARIANCE"
    QUANTITY_EXCEEDS_ORDER = "QUANTITY_EXCEEDS_ORDER"
    QUANTITY_EXCEEDS_RECEIPT = "QUANTITY_EXCEEDS_RECEIPT"
    VAT_MISMATCH = "VAT_MISMATCH"
    TOTAL_MISMATCH = "TOTAL_MISMATCH"
    CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
    DUPLICATE_INVOICE = "DUPLICATE_INVOICE"
    INVALID_BANK_ACCOUNT = "INVALID_BANK_ACCOUNT"
    INVALID_PAYMENT_REFERENCE = "INVALID_PAYMENT_REFERENCE"
    INVALID_BUSINESS_ID = "INVALID_BUSINESS_ID"

    @property
    def bit(self) -> int:
        """This code's bit in the batch path's reason masks."""
        return _BITS[self]


#: Every code in report order. Iterating the enum class runs a Python-level generator; the
#: explanations walk the codes once per exception, so they walk this tuple instead.
REPORT_ORDER: tuple[ReasonCode, ...] = tuple(ReasonCode)
_BITS = {code: 1 << position for position, code in enumerate(REPORT_ORDER)}

REASON_DESCRIPTIONS: dict[ReasonCode, str] = {
    ReasonCode.UNREADABLE: "The document could not be read into an invoice.",
    ReasonCode.INVALID_INVOICE: (
        "The invoice breaks a content rule: an impossible date, missing required data, a line "
        "without quantity or unit price, or no lines at all."
    ),
    ReasonCode.NO_ORDER_REFERENCE: "The invoice names no purchase order.",
    ReasonCode.ORDER_NOT_FOUND: "The purchase order the invoice names is not in the order book.",
    ReasonCode.ORDER_CLOSED: "The purchase order, or the order line invoiced, is closed.",
    ReasonCode.SUPPLIER_MISMATCH: "The seller's business ID is not the order's supplier.",
    ReasonCode.LINE_NOT_ON_ORDER: "An invoice line matches no line of the purchase order.",
    ReasonCode.PRICE_VARIANCE: (
        "A unit price is above the order price by more than the percent or the per-line amount "
        "tolerance (a lower price is accepted)."
    ),
    ReasonCode.QUANTITY_EXCEEDS_ORDER: (
        "The quantity invoiced on an order line, over this and earlier invoices, is above the "
        "quantity ordered (plus the over-delivery allowance)."
    ),
    ReasonCode.QUANTITY_EXCEEDS_RECEIPT: (
        "The quantity invoiced on a goods line, over this and earlier invoices, is above the "
        "quantity received."
    ),
    ReasonCode.VAT_MISMATCH: "A line's VAT rate differs from the order line's (or is missing).",
    ReasonCode.TOTAL_MISMATCH: (
        "The header totals differ from the sum of the lines by more than the total tolerance."
    ),
    ReasonCode.CURRENCY_MISMATCH: "The invoice currency is not the order's currency.",
    ReasonCode.DUPLICATE_INVOICE: (
        "The seller sent the same invoice number before, or an invoice with the same gross "
        "amount and date and a near-identical number."
    ),
    ReasonCode.INVALID_BANK_ACCOUNT: "An IBAN or bank account number fails its check.",
    ReasonCode.INVALID_PAYMENT_REFERENCE: "The payment reference fails its check digit.",
    ReasonCode.INVALID_BUSINESS_ID: "The seller's business ID fails its check digit.",
}


def codes_from_mask(mask: int) -> list[ReasonCode]:
    """The reason codes whose bits are set, in declaration order."""
    return [code for code in REPORT_ORDER if mask & _BITS[code]]


def mask_of(codes: list[ReasonCode] | tuple[ReasonCode, ...]) -> int:
    """The bit mask of ``codes``."""
    mask = 0
    for code in codes:
        mask |= _BITS[code]
    return mask
