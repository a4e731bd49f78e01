"""A payload model shaped like the invoice robot's, for the web tests' queue."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field


class Seller(BaseModel):
    name: str = Field(min_length=1)
    business_id: str | None = None


class Totals(BaseModel):
    payable: Decimal


class InvoiceFacts(BaseModel):
    invoice_number: str = Field(min_length=1)
    order_reference: str | None = Field(default=None, pattern=r"^PO-\d{4,}$")
    seller: Seller
    currency: str = Field(min_length=3, max_length=3)
    totals: Totals
    due_date: date | None = None


class InvoiceWork(BaseModel):
    invoice: InvoiceFacts
