"""Pure checks of a supplier record (no I/O), so they are tested without a queue."""

from __future__ import annotations

from stdnum import iban as iban_number
from stdnum.exceptions import ValidationError
from stdnum.fi import ytunnus

from robots.example_robot.models import SupplierRecord


def supplier_problems(record: SupplierRecord) -> list[tuple[str, str]]:
    """(code, message) for each thing wrong with the record; empty when it is fine."""
    problems: list[tuple[str, str]] = []
    try:
        ytunnus.validate(record.business_id)
    except ValidationError as exc:
        problems.append(
            ("INVALID_BUSINESS_ID", f"business ID {record.business_id!r}: {exc.message}")
        )
    if record.iban:
        try:
            iban_number.validate(record.iban)
        except ValidationError as exc:
            problems.append(("INVALID_BANK_ACCOUNT", f"IBAN {record.iban!r}: {exc.message}"))
    return problems
