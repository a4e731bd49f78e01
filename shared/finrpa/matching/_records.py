"""Order lines and goods receipts as the ERP exports them (re-exported by ``matching.model``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

#: Units that mark a service line when a profile does not say otherwise (hours).
DEFAULT_SERVICE_UNITS = ("h", "HUR")

OPEN = "open"
CLOSED = "closed"


@dataclass(frozen=True, init=False)
class OrderLine:
    """One line of a purchase order. ``service`` overrides the unit-based service rule."""

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
    status: str = OPEN
    service: bool | None = None

    def __init__(
        self, po_number: str, line_number: int, supplier_business_id: str, supplier_name: str,
        item_code: str, description: str, quantity: Decimal, unit: str, unit_price: Decimal,
        vat_rate: Decimal, currency: str, status: str = OPEN, service: bool | None = None,
    ) -> None:
        # Hand-written: the generated __init__ of a frozen dataclass sets each field through
        # object.__setattr__, and the batch path builds a line for every line it explains
        # (filling __dict__ at once takes under half the time).
        if status not in (OPEN, CLOSED):
            raise ValueError(f"order line status must be 'open' or 'closed', not {status!r}")
        self.__dict__.update(
            po_number=po_number, line_number=line_number,
            supplier_business_id=supplier_business_id, supplier_name=supplier_name,
            item_code=item_code, description=description, quantity=quantity, unit=unit,
            unit_price=unit_price, vat_rate=vat_rate, currency=currency, status=status,
            service=service,
        )

    @property
    def is_service(self) -> bool:
        """True for a service line (no goods receipt), by ``service`` or the default units."""
        return self.is_service_for(DEFAULT_SERVICE_UNITS)

    def is_service_for(self, service_units: Iterable[str]) -> bool:
        """True when ``service`` says so, else when the unit is one of ``service_units``
        (compared case-insensitively)."""
        if self.service is not None:
            return self.service
        return is_service_unit(self.unit, service_units)

    @property
    def closed(self) -> bool:
        """True when the line accepts no more invoices."""
        return self.status == CLOSED


@dataclass(frozen=True, slots=True)
class Receipt:
    """A goods receipt posted against an order line."""

    po_number: str
    line_number: int
    received_quantity: Decimal
    receipt_date: date


def is_service_unit(unit: str, service_units: Iterable[str]) -> bool:
    """True when ``unit`` is one of ``service_units``, case-insensitively."""
    folded = unit.strip().casefold()
    return any(folded == candidate.strip().casefold() for candidate in service_units)
