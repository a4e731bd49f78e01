"""A payload model the contract tests register for a queue."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field


class InvoiceWork(BaseModel):
    invoice_number: str = Field(min_length=1)
    order_number: str | None = None
    amount: Decimal
