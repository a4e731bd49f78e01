"""check_invoice: identifiers and totals of a read invoice."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from finrpa.domain.findings import Severity
from finrpa.steps.invoice_checks import check_invoice
from finrpa.steps.invoice_model import (
    BankAccount,
    DocumentSource,
    Invoice,
    InvoiceFormat,
    ReferenceScheme,
)
from finrpa.steps.invoice_samples import sample_iban, sample_invoice

D = Decimal
HETU = "131052-308T"


def _with(invoice: Invoice, **changes: Any) -> Invoice:
    """A validated copy of ``invoice`` with top-level fields or nested dicts changed."""
    data = invoice.model_dump()
    for key, value in changes.items():
        if isinstance(value, dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return Invoice.model_validate_json(Invoice.model_validate(data, strict=False).model_dump_json())


def _codes(invoice: Invoice, tolerance: Decimal = D(0)) -> list[tuple[str, str | None]]:
    return [(f.code, f.location) for f in check_invoice(invoice, tolerance)]


@pytest.mark.parametrize("seq", range(0, 200, 17))
def test_sample_invoices_are_clean(seq: int) -> None:
    assert check_invoice(sample_invoice(seq)) == []
    assert check_invoice(sample_invoice(seq, lines=1, credit_note=True)) == []


def test_invalid_business_id() -> None:
    invoice = _with(sample_invoice(), seller={"business_id": "1234567-8"})
    (finding,) = check_invoice(invoice)
    assert finding.code == "INVALID_BUSINESS_ID"
    assert finding.location == "SellerPartyDetails/SellerPartyIdentifier"
    assert finding.source == "sample-1" and finding.value == "1234567-8"
    assert "check digit should be 1" in finding.message


def test_location_follows_the_source_format() -> None:
    source = DocumentSource(file="in/x.xml", format=InvoiceFormat.UBL, version="peppol-bis-3")
    invoice = _with(
        sample_invoice(), seller={"business_id": "1234567-8"}, source=source.model_dump()
    )
    (finding,) = check_invoice(invoice)
    assert (
        finding.location
        == "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID"
    )
    assert finding.source == "in/x.xml"


def test_a_personal_identity_code_as_business_id_is_masked() -> None:
    invoice = _with(sample_invoice(), seller={"business_id": HETU})
    (finding,) = check_invoice(invoice)
    assert finding.code == "INVALID_BUSINESS_ID"
    assert HETU not in finding.message and HETU not in (finding.value or "")


def test_foreign_sellers_business_id_is_not_checked() -> None:
    source = DocumentSource(file="gb.xml", format=InvoiceFormat.UBL, version="peppol-bis-3")
    seller = {"business_id": "GB983294", "vat_id": "GB1232434", "ovt": None}
    invoice = _with(sample_invoice(), source=source.model_dump(), seller=seller)
    assert _codes(invoice) == []


def test_finnish_seller_without_business_id_is_a_warning() -> None:
    invoice = _with(sample_invoice(), seller={"business_id": None})
    (finding,) = check_invoice(invoice)
    assert (finding.code, finding.severity) == ("MISSING_BUSINESS_ID", Severity.WARNING)


def test_invalid_iban_is_reported_once_per_value() -> None:
    bad = "FI2757800750155448"
    invoice = _with(
        sample_invoice(),
        payment={"iban": bad},
        seller={"bank_accounts": [{"iban": bad}, {"iban": sample_iban(3)}, {"iban": "FI00"}]},
    )
    assert _codes(invoice) == [
        (
            "INVALID_BANK_ACCOUNT",
            "EpiDetails/EpiPartyDetails/EpiBeneficiaryPartyDetails/EpiAccountID",
        ),
        (
            "INVALID_BANK_ACCOUNT",
            "SellerInformationDetails/SellerAccountDetails[3]/SellerAccountID",
        ),
    ]


def test_domestic_account_numbers() -> None:
    good = _with(sample_invoice(), payment={"iban": None, "account_number": "50001520000081"})
    (finding,) = check_invoice(good)
    assert (finding.code, finding.severity) == ("BANK_ACCOUNT_NOT_IBAN", Severity.WARNING)
    assert "FI1350001520000081" in finding.message
    bad = _with(sample_invoice(), payment={"iban": None, "account_number": "50001520000082"})
    assert [f.code for f in check_invoice(bad)] == ["INVALID_BANK_ACCOUNT"]


@pytest.mark.parametrize(
    ("reference", "scheme", "valid"),
    [
        ("2004486", ReferenceScheme.FI_NATIONAL, True),
        ("00000000000002004486", ReferenceScheme.FI_NATIONAL, True),
        ("2004487", ReferenceScheme.FI_NATIONAL, False),
        ("123", ReferenceScheme.FI_NATIONAL, False),
        ("RF471234567890", ReferenceScheme.RF, True),
        ("RF481234567890", ReferenceScheme.RF, False),
        ("Deb. 10202 / Fact. 12115118", ReferenceScheme.OTHER, True),
    ],
)
def test_payment_reference(reference: str, scheme: ReferenceScheme, valid: bool) -> None:
    invoice = _with(sample_invoice(), payment={"reference": reference, "reference_scheme": scheme})
    expected = (
        []
        if valid
        else [
            (
                "INVALID_PAYMENT_REFERENCE",
                "EpiDetails/EpiPaymentInstructionDetails/EpiRemittanceInfoIdentifier",
            )
        ]
    )
    assert _codes(invoice) == expected


def test_totals_that_do_not_add_up() -> None:
    invoice = sample_invoice()
    totals = invoice.totals
    broken = _with(
        invoice,
        totals={
            "gross": totals.gross + D("0.01"),
            "lines_net": totals.net + D(1),
            "vat": totals.vat - D("0.05"),
            "payable": totals.gross - D(10),
        },
    )
    assert _codes(broken) == [
        ("TOTALS_INCONSISTENT", "InvoiceDetails/InvoiceTotalVatIncludedAmount"),
        ("TOTALS_INCONSISTENT", "InvoiceDetails/RowsTotalVatExcludedAmount"),
        ("TOTALS_INCONSISTENT", "InvoiceDetails/InvoiceTotalVatAmount"),
        ("TOTALS_INCONSISTENT", "EpiDetails/EpiPaymentInstructionDetails/EpiInstructedAmount"),
    ]
    first = check_invoice(broken)[0]
    assert first.evidence == {
        "computed": str(totals.net + totals.vat - D("0.05")),
        "stated": str(totals.gross + D("0.01")),
        "rule": "net + VAT",
    }


def test_paid_and_rounding_reduce_the_payable_amount() -> None:
    invoice = sample_invoice()
    gross = invoice.totals.gross
    paid = _with(
        invoice, totals={"paid": D(10), "rounding": D("-0.02"), "payable": gross - D("10.02")}
    )
    assert _codes(paid) == []


def test_tolerance() -> None:
    invoice = sample_invoice()
    off_by_a_cent = _with(invoice, totals={"gross": invoice.totals.gross + D("0.01")})
    assert len(_codes(off_by_a_cent)) == 2  # net + VAT, and gross against payable
    assert _codes(off_by_a_cent, tolerance=D("0.01")) == []


def test_lines_without_net_amounts_are_left_out_of_the_sum() -> None:
    invoice = sample_invoice()
    lines = [line.model_dump() for line in invoice.lines]
    extra = {**lines[0], "line_id": "99", "net_amount": None, "vat_amount": None}
    assert _codes(_with(invoice, lines=[*lines, extra])) == []


def test_account_without_iban_form_in_teappsxml_location() -> None:
    source = DocumentSource(file="t.xml", format=InvoiceFormat.TEAPPSXML, version="3.0")
    invoice = _with(
        sample_invoice(),
        source=source.model_dump(),
        payment={"iban": "IBAN_ACCOUNT_NUMBER"},
        seller={"bank_accounts": [BankAccount(iban="IBAN_ACCOUNT_NUMBER").model_dump()]},
    )
    assert _codes(invoice) == [("INVALID_BANK_ACCOUNT", "INVOICE/PAYEE/BANKS/IBAN_ACCOUNT_NUMBER")]
