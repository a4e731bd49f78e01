"""The payload of the example robot's queue: one supplier record to check."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SupplierRecord(BaseModel):
    """A supplier as the ERP's master data has it."""

    supplier_id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    business_id: str = Field(description="Y-tunnus, 1234567-8")
    iban: str | None = None
    simulate_outage_once: bool = Field(
        default=False,
        description="Demo only: the registry look-up fails once, as a system outage would",
    )
