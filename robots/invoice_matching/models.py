"""Payloads of the invoice-matching robot's queues, and the rows of its input workbooks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from finrpa.domain.findings import Finding
from finrpa.steps.invoice_model import Invoice

#: The queue of invoices to match, and the queue of approved invoices waiting for a proposal.
INVOICE_QUEUE = "invoice-matching"
PAYMENT_QUEUE = "invoice-payments"


class MatchOutcome(BaseModel):
    """What the robot decided, kept on the item for reports and for later runs' ledger."""

    status: str = Field(description="matched or exception")
    reasons: list[str] = Field(default_factory=list)
    explanation: str = ""
    ledger_entry: dict[str, Any] | None = Field(
        default=None, description="What this invoice uses up of its order, once approved"
    )
    run_id: str | None = None


class InvoiceWork(BaseModel):
    """One invoice file to match: the parsed invoice, what reading it found, and the outcome.

    Reviewers may correct the fields the queue declares editable (``invoice.order_reference``,
    ...); the corrected payload is validated by this model and matched again.
    """

    source: str = Field(description="File path relative to the input folder")
    file_sha256: str
    invoice: Invoice | None = None
    read_findings: list[Finding] = Field(default_factory=list)
    match: MatchOutcome | None = None


class PaymentLine(BaseModel):
    """One row of the payment proposal: an approved invoice, ready for ERP import."""

    invoice_item_id: int
    seller_name: str
    seller_business_id: str | None
    invoice_number: str
    invoice_date: date
    due_date: date | None
    currency: str
    amount_payable: Decimal
    iban: str | None
    bic: str | None
    payment_reference: str | None
    approval: str = Field(description="matched (by the robot) or accepted (by a reviewer)")


class PurchaseOrderRow(BaseModel):
    """One order line of purchase_orders.xlsx."""

    po_number: str
    line_number: int
    supplier_business_id: str
    supplier_name: str
    item_code: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    vat_rate: Decimal
    currency: str
    status: Literal["open", "closed"]


class GoodsReceiptRow(BaseModel):
    """One receipt of goods_receipts.xlsx; several rows may add up for one order line."""

    po_number: str
    line_number: int
    received_quantity: Decimal
    receipt_date: date
