"""Every public sample invoice reads to the values that are in the file.

The expected values (invoice_expected_finvoice.py, invoice_expected_ubl.py) were taken from
the XML files themselves (see corpus/SOURCES.md). A file added to corpus/finvoice or
corpus/ubl without an entry there fails ``test_every_corpus_invoice_has_expectations``.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from finrpa.domain.findings import Severity
from finrpa.steps.invoice_checks import check_invoice
from finrpa.steps.invoice_model import InvoiceFormat, InvoiceType
from finrpa.steps.invoices import read_invoice
from tests.steps.invoice_expected_finvoice import FINVOICE_EXPECTED
from tests.steps.invoice_expected_ubl import UBL_EXPECTED

D = Decimal
EXPECTED: dict[str, dict[str, Any]] = {**FINVOICE_EXPECTED, **UBL_EXPECTED}

_READABLE = sorted(name for name, expected in EXPECTED.items() if expected.get("readable", True))


def test_every_corpus_invoice_has_expectations(corpus_dir: Path) -> None:
    files = {
        f"{folder}/{path.name}"
        for folder in ("finvoice", "ubl")
        for path in (corpus_dir / folder).glob("*.xml")
    }
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", _READABLE)
def test_corpus_invoice_values(corpus_dir: Path, name: str) -> None:
    expected = EXPECTED[name]
    result = read_invoice(corpus_dir / name)
    invoice = result.invoice
    assert invoice is not None, [finding.describe() for finding in result.findings]
    actual = {
        "format": invoice.source.format,
        "version": invoice.source.version,
        "type": invoice.invoice_type,
        "type_code": invoice.type_code,
        "number": invoice.invoice_number,
        "date": invoice.invoice_date,
        "due": invoice.due_date,
        "currency": invoice.currency,
        "seller": invoice.seller.name,
        "business_id": invoice.seller.business_id,
        "lines_net": invoice.totals.lines_net,
        "net": invoice.totals.net,
        "vat": invoice.totals.vat,
        "gross": invoice.totals.gross,
        "paid": invoice.totals.paid,
        "rounding": invoice.totals.rounding,
        "payable": invoice.totals.payable,
        "line_nets": [line.net_amount for line in invoice.lines],
        "order": invoice.order_reference,
        "buyer_ref": invoice.buyer_reference,
        "reference": (invoice.payment.reference, invoice.payment.reference_scheme),
        "iban": invoice.payment.iban,
        "account_number": invoice.payment.account_number,
    }
    defaults = {"format": InvoiceFormat.FINVOICE, "type": InvoiceType.INVOICE, "currency": "EUR"}
    wanted = {**defaults, **expected}
    assert {key: actual[key] for key in wanted} == wanted
    assert invoice.source.file == str(corpus_dir / name)


def test_finvoice_row_quantities_and_units(corpus_dir: Path) -> None:
    """1.2.xml: the second row was ordered 100 and delivered 120 (units on the delivery)."""
    lines = read_invoice(corpus_dir / "finvoice/1.2.xml").invoice.lines  # type: ignore[union-attr]
    tussi = lines[1]
    assert (tussi.article_id, tussi.name) == ("8768217637", "Tussi")
    assert (tussi.ordered_quantity, tussi.delivered_quantity, tussi.invoiced_quantity) == (
        D("100"),
        D("120"),
        None,
    )
    assert (tussi.unit, tussi.unit_price, tussi.vat_rate) == ("kpl", D("1.64"), D("22"))
    assert (tussi.vat_amount, tussi.gross_amount, tussi.order_reference) == (
        D("43.30"),
        D("240.10"),
        "TI22122",
    )
    assert lines[5].name == "Ennakkomaksu" and lines[5].gross_amount == D("-100.00")


def test_finvoice_30_row_and_seller_details(corpus_dir: Path) -> None:
    invoice = read_invoice(corpus_dir / "finvoice/anon_finvoice_30_invoice_with_SOAP.xml").invoice
    assert invoice is not None
    (line,) = invoice.lines  # free-text rows and the SubInvoiceRow are not lines
    assert line.line_id == "2"
    assert (line.invoiced_quantity, line.delivered_quantity, line.unit) == (D("1"), D("1"), "KG")
    assert (line.unit_price, line.vat_rate, line.gross_amount) == (
        D("500.00"),
        D("24"),
        D("1116.00"),
    )
    assert invoice.seller.vat_id == "FI12345678"
    assert invoice.payment.bic == "NDEAFIHH"


def test_finvoice_name_falls_back_to_row_free_text(corpus_dir: Path) -> None:
    invoice = read_invoice(corpus_dir / "finvoice/finvoice1.xml").invoice
    assert invoice is not None
    assert [line.name for line in invoice.lines] == ["Tavara X", "Paperilasku 2,00"]
    assert [line.delivered_quantity for line in invoice.lines] == [D("145.00"), D("1.00")]


def test_ubl_line_details(corpus_dir: Path) -> None:
    invoice = read_invoice(corpus_dir / "ubl/Allowance-example.xml").invoice
    assert invoice is not None
    second = invoice.lines[1]
    assert (second.line_id, second.order_line_reference, second.article_id) == (
        "2",
        "124",
        "97iugug876",
    )
    assert (second.invoiced_quantity, second.unit) == (D("10"), "C62")
    assert (second.unit_price, second.price_base_quantity, second.vat_rate) == (
        D("200"),
        D("2"),
        D("0.0"),
    )
    assert invoice.seller.endpoint_id == "7300010000001"
    assert invoice.seller.endpoint_scheme == "0088"
    assert invoice.seller.vat_id == "GB1232434"


def test_ubl_credit_note_reads_credited_quantity(corpus_dir: Path) -> None:
    invoice = read_invoice(corpus_dir / "ubl/base-creditnote-correction.xml").invoice
    assert invoice is not None
    assert invoice.type_code == "381"
    assert [line.invoiced_quantity for line in invoice.lines] == [D("7"), D("-3")]


def test_teappsxml_signed_rows_and_parties(corpus_dir: Path) -> None:
    invoice = read_invoice(corpus_dir / "finvoice/anon_teapps_30_invoice.xml").invoice
    assert invoice is not None
    first = invoice.lines[0]
    assert (first.ordered_quantity, first.unit, first.unit_price) == (D("1.000"), "KPL", D("75.00"))
    assert (first.vat_rate, first.vat_amount, first.gross_amount) == (
        D("23.00"),
        D("17.25"),
        D("92.25"),
    )
    assert first.order_line_reference == "21"
    assert invoice.seller.ovt == "003712345671"
    assert invoice.seller.endpoint_scheme == "0037"
    assert invoice.buyer.name == "CUSTOMER_NAME CUSTOMER_NAME"  # INVOICE_RECIPIENT: no PAYER


# --- The known-bad files --------------------------------------------------------------------


def _codes(findings: list[Any]) -> list[tuple[str, str | None]]:
    return [(finding.code, finding.location) for finding in findings]


def test_finvoice3_is_malformed(corpus_dir: Path) -> None:
    path = corpus_dir / "finvoice/finvoice3.xml"
    result = read_invoice(path)
    assert result.invoice is None
    (finding,) = result.findings
    assert (finding.code, finding.source, finding.location) == (
        "XML_MALFORMED",
        str(path),
        "line 37",
    )
    assert "InvoiceNumber" in finding.message and "Invoicenumber" in finding.message


@pytest.mark.parametrize("name", ["finvoice4.xml", "finvoice6.xml"])
def test_impossible_due_date(corpus_dir: Path, name: str) -> None:
    path = corpus_dir / "finvoice" / name
    result = read_invoice(path)
    assert result.invoice is not None and result.invoice.due_date is None
    assert not result.ok
    (finding,) = result.findings
    assert finding.code == "INVALID_DATE" and finding.severity is Severity.ERROR
    assert finding.source == str(path)
    assert finding.location == "InvoiceDetails/PaymentTermsDetails/InvoiceDueDate"
    assert finding.value == "20231401"


def test_finvoice2_has_a_valid_due_date(corpus_dir: Path) -> None:
    """SOURCES.md groups finvoice2 with the bad date; the 20231401 is in finvoice4 (and 6)."""
    result = read_invoice(corpus_dir / "finvoice/finvoice2.xml")
    assert result.ok and result.findings == ()


def test_invalid_iban_in_1_2(corpus_dir: Path) -> None:
    path = corpus_dir / "finvoice/1.2.xml"
    invoice = read_invoice(path).invoice
    assert invoice is not None
    findings = [f for f in check_invoice(invoice) if f.code == "INVALID_BANK_ACCOUNT"]
    assert findings[0].value == "FI2757800750155448"
    assert findings[0].source == str(path)
    assert (
        findings[0].location == "SellerInformationDetails/SellerAccountDetails[1]/SellerAccountID"
    )
    assert "check digits" in findings[0].message


def test_invalid_rf_reference_in_2_01(corpus_dir: Path) -> None:
    path = corpus_dir / "finvoice/2.01.xml"
    invoice = read_invoice(path).invoice
    assert invoice is not None
    (finding,) = [f for f in check_invoice(invoice) if f.code == "INVALID_PAYMENT_REFERENCE"]
    assert finding.value == "RF804806FA0472034B5D722A"
    assert finding.location == "EpiDetails/EpiPaymentInstructionDetails/EpiRemittanceInfoIdentifier"
    assert finding.source == str(path)


def test_lasku_misses_seller_and_invoice_number(corpus_dir: Path) -> None:
    path = corpus_dir / "finvoice/lasku.xml"
    result = read_invoice(path)
    assert result.invoice is None
    assert _codes(list(result.findings)) == [
        ("MISSING_ELEMENT", "SellerPartyDetails/SellerOrganisationName"),
        ("MISSING_ELEMENT", "InvoiceDetails/InvoiceNumber"),
    ]
    assert {finding.source for finding in result.findings} == {str(path)}


@pytest.mark.parametrize("name", ["finvoice/1.0.xml", "finvoice/1.1.xml", "finvoice/1.2.xml"])
def test_old_finvoice_doctype_is_ignored_with_a_warning(corpus_dir: Path, name: str) -> None:
    result = read_invoice(corpus_dir / name)
    assert result.invoice is not None
    assert [(f.code, f.severity) for f in result.findings] == [
        ("XML_DTD_IGNORED", Severity.WARNING)
    ]
    assert result.ok


def test_content_findings_across_the_corpus(corpus_dir: Path) -> None:
    """What check_invoice says about the readable files: known problems, nothing more."""
    found = {}
    for name in _READABLE:
        invoice = read_invoice(corpus_dir / name).invoice
        assert invoice is not None
        found[name] = sorted(
            (f.code, f.location) for f in check_invoice(invoice) if f.severity is Severity.ERROR
        )
    clean = [name for name, findings in found.items() if not findings]
    assert sorted(clean) == [
        "finvoice/finvoice1.xml",
        "ubl/Allowance-example.xml",
        "ubl/Norwegian-example-1.xml",
        "ubl/Vat-category-S.xml",
        "ubl/anon_oioubl_202_invoice.xml",
        "ubl/anon_peppol_bis_20_invoice.xml",
        "ubl/anon_peppol_bis_30_invoice.xml",
        "ubl/anon_si_ubl_20_invoice.xml",
        "ubl/base-creditnote-correction.xml",
        "ubl/base-example.xml",
        "ubl/base-negative-inv-correction.xml",
        "ubl/sales-order-example.xml",
        "ubl/ubl-tc434-creditnote1.xml",
        "ubl/ubl-tc434-example1.xml",
        "ubl/ubl-tc434-example2.xml",
    ]
    payable = ("TOTALS_INCONSISTENT", "EpiDetails/EpiPaymentInstructionDetails/EpiInstructedAmount")
    for fortum in ("finvoice2.xml", "finvoice4.xml", "finvoice5.xml", "finvoice6.xml"):
        assert found[f"finvoice/{fortum}"] == [payable]
    assert found["finvoice/finvoice_201_example1.xml"] == [
        ("TOTALS_INCONSISTENT", "InvoiceDetails/InvoiceTotalVatAmount"),
        ("TOTALS_INCONSISTENT", "InvoiceDetails/InvoiceTotalVatExcludedAmount"),
    ]
    assert ("INVALID_BUSINESS_ID", "SellerPartyDetails/SellerPartyIdentifier") in found[
        "finvoice/1.0.xml"
    ]
    assert found["ubl/vat-category-E.xml"] == [
        ("INVALID_BANK_ACCOUNT", "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID")
    ]
