"""The invoice model is strict: money is Decimal, dates are dates, nothing unknown slips in."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from finrpa.steps.invoice_model import Invoice, InvoiceLine, Party, Totals
from finrpa.steps.invoice_samples import sample_invoice


def test_floats_and_strings_are_refused_as_money() -> None:
    for wrong in (12.5, "12.50"):
        with pytest.raises(ValidationError) as refused:
            Totals(gross=wrong)  # type: ignore[arg-type]
        assert [error["loc"] for error in refused.value.errors()] == [("gross",)]
    assert Totals(gross=Decimal("12.50")).gross == Decimal("12.50")


def test_dates_must_be_dates_and_unknown_fields_are_refused() -> None:
    data = sample_invoice().model_dump()
    assert Invoice.model_validate(data) == sample_invoice()
    with pytest.raises(ValidationError) as wrong_date:
        Invoice.model_validate({**data, "invoice_date": "2024-01-01"})
    assert [error["loc"] for error in wrong_date.value.errors()] == [("invoice_date",)]
    with pytest.raises(ValidationError) as unknown:
        Invoice.model_validate({**data, "surprise": 1}, strict=False)
    assert [error["type"] for error in unknown.value.errors()] == ["extra_forbidden"]
    with pytest.raises(ValidationError):
        Party(name="")


def test_json_round_trip_keeps_decimals_exact() -> None:
    invoice = sample_invoice(5)
    again = Invoice.model_validate_json(invoice.model_dump_json())
    assert again == invoice
    assert isinstance(again.totals.gross, Decimal) and isinstance(again.invoice_date, date)


def test_records_are_immutable() -> None:
    line = InvoiceLine(line_id="1", net_amount=Decimal("10.00"))
    with pytest.raises(ValidationError):
        line.net_amount = Decimal("11.00")  # type: ignore[misc]
