"""camt.053 / camt.054 reader: every corpus file, table-driven, plus hand-made bad files."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from finrpa.domain.findings import Severity
from finrpa.steps.bank_model import CamtDocument, CreditDebit
from finrpa.steps.camt import read_camt, read_camt_bytes
from finrpa.steps.identifiers import ReferenceScheme
from finrpa.steps.masking import HETU_MASK

# (amount, currency, CRDT/DBIT, booking date, creditor reference, counterparty name)
Tx = tuple[str, str, str, str, str | None, str | None]
# (statement id, account, entries, transactions, opening, closing)
St = tuple[str, str, int, int, str | None, str | None]


@dataclass(frozen=True)
class Expected:
    message_type: str
    version: str
    statements: list[St]
    transactions: list[Tx]
    findings: list[str] = field(default_factory=list)  # "severity:code", sorted


NL_ACCOUNT = "NL26VAYB8060476890"
GENKGO_053_TX: list[Tx] = [("8.85", "EUR", "CRDT", "2014-12-31", "4654654654654654", "NAME NAME")]
GENKGO_054_TX: list[Tx] = [
    ("3.1", "CHF", "CRDT", "2007-10-18", "ISR ref number V1", "UNIFITS GmbH"),
    ("3.2", "CHF", "CRDT", "2007-10-18", "ISR ref number V2", "UNIFITS GmbH"),
    ("3.2", "CHF", "CRDT", "2007-10-18", "Ref number V3 block 1", "UNIFITS GmbH"),
]
GENKGO_053_STMT: St = ("253EURNL26VAYB8060476890", NL_ACCOUNT, 1, 1, "18.15 EUR", "-27.00 SEK")

EXPECTED: dict[str, Expected] = {
    "camt.054.001.02.feature.payload.xml": Expected(
        "camt.054",
        "001.02",
        [("IOY7M2WUIWVD", "FI9881234511224450", 2, 3, None, None)],
        [
            ("147.00", "EUR", "CRDT", "2011-09-16", "123", "Maksaja"),
            ("36.00", "EUR", "CRDT", "2011-09-16", "RF74100978", "Maksaja"),
            ("10.00", "EUR", "CRDT", "2011-09-16", "6450830029863", "Maksaja"),
        ],
        ["warning:INVALID_PAYMENT_REFERENCE"],
    ),
    "camt053.v2.minimal.xml": Expected(
        "camt.053", "001.02", [GENKGO_053_STMT], GENKGO_053_TX, ["warning:CAMT_BALANCE_MISMATCH"]
    ),
    "camt053.v2.multi.statement.xml": Expected(
        "camt.053",
        "001.02",
        [
            ("253EURNL26VAYB8060476890", NL_ACCOUNT, 1, 1, "18.15 EUR", "27.00 EUR"),
            ("254EURNL26VAYB8060476890", NL_ACCOUNT, 1, 1, "27.00 EUR", "20.00 EUR"),
        ],
        [
            ("8.85", "EUR", "CRDT", "2014-12-31", None, None),
            ("7.00", "EUR", "DBIT", "2014-12-31", None, "Company Name 2"),
        ],
    ),
    "camt053.v2.wrong.xml": Expected("camt.053", "001.02", [], [], ["error:CAMT_NO_STATEMENTS"]),
    **{
        f"camt053.v{v}.xml": Expected(
            "camt.053",
            f"001.0{v}",
            [GENKGO_053_STMT],
            GENKGO_053_TX,
            ["warning:CAMT_AMOUNT_MISMATCH", "warning:CAMT_BALANCE_MISMATCH"],
        )
        for v in (3, 4, 8)
    },
    "camt054.v2.xml": Expected(
        "camt.054",
        "001.02",
        [("AAAASESS-FP-ACCR001", "CH2801234000123456789", 1, 1, None, None)],
        [("200000", "SEK", "DBIT", "2007-10-18", "ISR ref number V1", None)],
        ["warning:CAMT_BATCH_NOT_SPLIT"],
    ),
    **{
        f"camt054.v{v}.xml": Expected(
            "camt.054",
            f"001.0{v}",
            [("AAAASESS-FP-ACCR001", "CH2801234000123456789", 1, 3, None, None)],
            GENKGO_054_TX,
            ["warning:CAMT_AMOUNT_MISMATCH", "warning:CAMT_BATCH_COUNT_MISMATCH"],
        )
        for v in (4, 8)
    },
    "camt53.xml": Expected(
        "camt.053",
        "001.02",
        [("TI0107.122005810.1", "FI1557169020004185", 1, 1, "1001159.23 EUR", "1000000.00 EUR")],
        [("1159.23", "EUR", "CRDT", "2014-01-03", None, None)],
        ["warning:CAMT_BALANCE_MISMATCH"],
    ),
    "camt_054_credit_notoification_example_finland.xml": Expected(
        "camt.054",
        "001.02",
        [("55667788992027122200001", "FI1431313001234567", 4, 4, None, None)],
        [
            ("88.16", "EUR", "CRDT", "2017-01-22", None, "SUOMI OY"),
            ("742.45", "EUR", "CRDT", "2017-01-22", "9544208", "TEST OY"),
            ("6000.54", "EUR", "CRDT", "2017-01-22", None, "DEBTOR FINLAND OY"),
            ("216.85", "EUR", "CRDT", "2017-01-22", None, "Debtor Name"),
        ],
        ["error:INVALID_BANK_ACCOUNT"],
    ),
    "camt_parser/053/valid_example.xml": Expected(
        "camt.053",
        "001.02",
        [("0352C5320131227220503", "DE14740618130000033626", 4, 5, "33.06 EUR", "23.06 EUR")],
        [
            ("2.00", "EUR", "DBIT", "2013-12-27", None, "Testkonto Nummer 2"),
            ("3.00", "EUR", "DBIT", "2013-12-27", None, "Testkonto Nummer 2"),
            ("1.00", "EUR", "CRDT", "2013-12-27", None, "Testkonto Nummer 2"),
            ("3.50", "EUR", "DBIT", "2013-12-27", None, "Testkonto Nummer 1"),
            ("2.50", "EUR", "DBIT", "2013-12-27", None, "Testkonto Nummer 1"),
        ],
    ),
    "camt_parser/053/valid_example_v8.xml": Expected(
        "camt.053",
        "001.08",
        [("R30B4SA880HMZ9XA", "CH1111111111111111111", 3, 3, "82721.95 CHF", "84515.25 CHF")],
        [
            ("474.4", "CHF", "CRDT", "2023-06-20", None, "Jon Doe"),
            ("88.85", "CHF", "CRDT", "2023-06-20", "RF38000000000000000000552", "Finanz AG"),
            (
                "20.97",
                "EUR",
                "DBIT",
                "2023-06-20",
                "000000270148751802165444888",
                "DHL Express (Schweiz) AG",
            ),
        ],
        ["error:INVALID_BANK_ACCOUNT", "warning:INVALID_BANK_ACCOUNT"],
    ),
    "camt_parser/053/valid_example_with_batch.xml": Expected(
        "camt.053",
        "001.02",
        [("2019062434566666666666666", "NL18INGB00012345678", 3, 3, "7329.80 EUR", "23038.20 EUR")],
        [
            ("4753.74", "EUR", "DBIT", "2019-05-21", None, None),
            ("2688.00", "EUR", "CRDT", "2019-06-13", None, "TEST"),
            ("5000.00", "EUR", "CRDT", "2019-06-18", None, "Bedrijf BV"),
        ],
        ["error:INVALID_BANK_ACCOUNT"]
        + ["warning:CAMT_BALANCE_MISMATCH", "warning:CAMT_BATCH_NOT_ITEMISED"]
        + ["warning:CAMT_SUMMARY_MISMATCH"] * 3
        + ["warning:INVALID_BANK_ACCOUNT"] * 2,
    ),
    "camt_parser/054/valid_example.xml": Expected(
        "camt.054",
        "001.04",
        [("20160410375204000131032", "CH0309000000250090342", 4, 5, None, None)],
        [
            ("15.00", "CHF", "CRDT", "2016-04-10", None, "Rutschmann Pia"),
            ("9.00", "CHF", "CRDT", "2016-04-10", None, "Bernasconi Maria"),
            ("56.56", "CHF", "CRDT", "2016-04-10", None, "Bernasconi Maria"),
            ("6.00", "CHF", "DBIT", "2016-04-10", None, None),
            ("15.53", "CHF", "DBIT", "2016-04-10", None, None),
        ],
    ),
    "test-camt053": Expected(
        "camt.053",
        "001.02",
        [("1234Test/1", "NL77ABNA0574908765", 3, 4, "15568.27 EUR", "15121.12 EUR")],
        [
            ("754.25", "EUR", "DBIT", "2014-01-05", None, "INSURANCE COMPANY TESTX"),
            ("564.05", "EUR", "DBIT", "2014-01-05", None, "Test Customer"),
            ("100.00", "EUR", "DBIT", "2014-01-05", None, "Test Customer"),
            ("1405.31", "EUR", "CRDT", "2014-01-05", None, "3rd party Media"),
        ],
        ["warning:CAMT_BALANCE_MISMATCH"] + ["warning:INVALID_BANK_ACCOUNT"] * 3,
    ),
}


def _read(corpus_dir: Path, name: str) -> CamtDocument:
    return read_camt(corpus_dir / "camt" / name)


def test_the_table_covers_every_camt_file(corpus_dir: Path) -> None:
    root = corpus_dir / "camt"
    files = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    assert files == set(EXPECTED)


def _balance(balance: object) -> str | None:
    return None if balance is None else f"{balance.amount} {balance.currency}"  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file(corpus_dir: Path, name: str) -> None:
    expected = EXPECTED[name]
    document = _read(corpus_dir, name)
    assert (document.message_type, document.version) == (expected.message_type, expected.version)
    statements = [
        (
            s.statement_id,
            s.account_id,
            s.entry_count,
            len(s.transactions),
            _balance(s.opening_balance),
            _balance(s.closing_balance),
        )
        for s in document.statements
    ]
    assert statements == expected.statements
    transactions = [
        (
            str(t.amount),
            t.currency,
            t.credit_debit.value,
            t.booking_date.isoformat() if t.booking_date else "",
            t.creditor_reference,
            t.counterparty_name,
        )
        for t in document.transactions
    ]
    assert transactions == expected.transactions
    findings = sorted(f"{f.severity.value}:{f.code}" for f in document.all_findings)
    assert findings == expected.findings
    source = str(corpus_dir / "camt" / name)
    assert all(f.source == source and f.location for f in document.all_findings)
    assert all(
        t.source_file == source and t.location.startswith("Document/")
        for t in document.transactions
    )


def test_danske_batch_of_reference_payments_is_expanded(corpus_dir: Path) -> None:
    document = _read(corpus_dir, "camt.054.001.02.feature.payload.xml")
    first, second, third = document.transactions
    assert (first.entry_index, second.entry_index, third.entry_index) == (1, 1, 2)
    assert first.entry_bank_reference == second.entry_bank_reference == "REFP2011034"
    assert (first.bank_reference, second.bank_reference) == (
        "1109168E0049198529",
        "1109168E0049198530",
    )
    assert first.batch_size == 2 and third.batch_size == 1
    assert first.transaction_code is not None and first.transaction_code.fffs_code == "700"
    assert third.transaction_code is not None and third.transaction_code.fffs_code == "704"
    assert third.transaction_code.iso == "PMNT/IDDT/PMDD"
    assert first.creditor_reference_scheme is None  # "123" is too short to be a reference
    assert second.creditor_reference_scheme is ReferenceScheme.RF
    assert third.creditor_reference_scheme is ReferenceScheme.FI_NATIONAL
    assert third.creditor_reference == "6450830029863"  # leading zeros of the bank's padding gone
    assert first.location.endswith("Ntry[1]/NtryDtls/TxDtls[1]")
    (finding,) = document.all_findings
    assert finding.location is not None and finding.location.endswith(
        "Ntry[1]/NtryDtls/TxDtls[1]/RmtInf/Strd/CdtrRefInf/Ref"
    )
    assert finding.value == "123" and "too short: 3 digits, at least 4" in finding.message


def test_handelsbanken_invoice_netted_against_credit_notes(corpus_dir: Path) -> None:
    document = _read(corpus_dir, "camt_054_credit_notoification_example_finland.xml")
    plain, netted, three_docs, foreign = document.transactions
    assert plain.remittance_text == "9597349"
    assert plain.end_to_end_id == "End To End ID 11"
    assert [
        (d.document_type, d.number, d.creditor_reference, d.signed_amount)
        for d in netted.referred_documents
    ] == [
        (None, None, "9544208", Decimal("1371.13")),
        ("CREN", "9582095", None, Decimal("-628.68")),
    ]
    assert sum(d.signed_amount or 0 for d in netted.referred_documents) == netted.amount
    assert [(d.document_type, d.number) for d in three_docs.referred_documents] == [
        ("CINV", "9580572"),
        ("CREN", "00000000000009580521"),
        ("CREN", "00000000000009579095"),
    ]
    assert sum(d.signed_amount or 0 for d in three_docs.referred_documents) == Decimal("6000.54")
    assert (foreign.instructed_amount, foreign.instructed_currency) == (Decimal("2082.58"), "SEK")
    assert foreign.transaction_code is not None and foreign.transaction_code.subfamily == "XBCT"
    assert foreign.remittance_text is not None
    assert foreign.remittance_text.splitlines()[3] == "PARTIAL PYMT 170124         INV 43459"
    (finding,) = document.all_findings
    assert finding.severity is Severity.ERROR and finding.location is not None
    assert finding.location.endswith("Ntfctn/Acct/Id/IBAN")
    assert "check digits should be 05, not 14" in finding.message


def test_op_statement_with_fffs_code_and_balances(corpus_dir: Path) -> None:
    document = _read(corpus_dir, "camt53.xml")
    (statement,) = document.statements
    (tx,) = statement.transactions
    assert statement.servicer_bic == "OKOYFIHH" and statement.account_currency == "EUR"
    assert [b.type_code for b in statement.balances] == ["OPBD", "PRCD", "CLBD", "CLAV"]
    assert tx.transaction_code is not None and tx.transaction_code.fffs_code == "710"
    assert tx.bank_reference == "140103578800012359"
    assert tx.value_date == date(2014, 1, 3) and tx.signed_amount == Decimal("1159.23")
    (finding,) = statement.findings
    assert "1001159.23 OPBD + booked entries 1159.23 = 1002318.46" in finding.message


def test_multi_statement_file_keeps_statements_apart(corpus_dir: Path) -> None:
    document = _read(corpus_dir, "camt053.v2.multi.statement.xml")
    assert [s.statement_id for s in document.statements] == [
        "253EURNL26VAYB8060476890",
        "254EURNL26VAYB8060476890",
    ]
    assert [t.statement_id for t in document.transactions] == [
        s.statement_id for s in document.statements
    ]
    assert document.transactions[1].signed_amount == Decimal("-7.00")
    assert [t.remittance_text for t in document.transactions] == [
        "Transaction Description 1",
        "Transaction Description 2",
    ]


def test_wrong_file_names_file_and_element(corpus_dir: Path) -> None:
    document = _read(corpus_dir, "camt053.v2.wrong.xml")
    (finding,) = document.findings
    assert finding.location == "Document/BkToCstmrStmt"
    assert finding.source == str(corpus_dir / "camt" / "camt053.v2.wrong.xml")
    assert "no Stmt element" in finding.message and document.message_id == "CAMT053RIB000000000001"


def test_reversals_returns_and_unitemised_batches(corpus_dir: Path) -> None:
    swiss = _read(corpus_dir, "camt_parser/054/valid_example.xml").transactions
    assert [(t.reversal, t.return_reason) for t in swiss] == [
        (False, None),
        (False, None),
        (False, None),
        (True, "MD06"),
        (True, "MD06"),
    ]
    ing = _read(corpus_dir, "camt_parser/053/valid_example_with_batch.xml")
    batch = ing.transactions[0]
    assert batch.batch_size == 3 and batch.location == "Document/BkToCstmrStmt/Stmt/Ntry[1]"
    v8 = _read(corpus_dir, "camt053.v8.xml").transactions[0]
    assert v8.booking_date == date(2014, 12, 31) and v8.status == "BOOK"  # from DtTm and Sts/Cd
    assert v8.end_to_end_id == "MUELL/FINP/RA12345"
    german = _read(corpus_dir, "camt_parser/053/valid_example.xml").transactions
    assert german[1].end_to_end_id is None  # NOTPROVIDED


# --- hand-made documents ----------------------------------------------------------------------

NS54 = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"


def _notification(entries: str, ns: str = NS54, account: str = "FI1557169020004185") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{ns}"><BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>M1</MsgId></GrpHdr>
<Ntfctn><Id>N1</Id><Acct><Id><IBAN>{account}</IBAN></Id>
<Svcr><FinInstnId><BIC>NDEAFIHH</BIC></FinInstnId></Svcr></Acct>{entries}</Ntfctn>
</BkToCstmrDbtCdtNtfctn></Document>""".encode()


GOOD_ENTRY = """<Ntry><Amt Ccy="EUR">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2024-05-02</Dt></BookgDt><NtryDtls><TxDtls><RmtInf>
<Ustrd>Lasku 12, toiminimi hetu 131052-308T</Ustrd>
<Strd><CdtrRefInf><Ref>1234 561</Ref></CdtrRefInf></Strd></RmtInf></TxDtls></NtryDtls></Ntry>"""


def test_bad_entries_are_findings_and_left_out() -> None:
    entries = (
        GOOD_ENTRY
        + "<Ntry><CdtDbtInd>CRDT</CdtDbtInd></Ntry>"
        + '<Ntry><Amt Ccy="EUR">1,50</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>'
        + '<Ntry><Amt Ccy="EUR">2.00</Amt><CdtDbtInd>CREDIT</CdtDbtInd></Ntry>'
        + '<Ntry><Amt Ccy="EUR">3.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>'
        + "<BookgDt><Dt>2024-02-30</Dt></BookgDt></Ntry>"
    )
    document = read_camt_bytes(_notification(entries), "upload.xml")
    assert [str(t.amount) for t in document.transactions] == ["10.00", "3.00"]
    good = document.transactions[0]
    assert good.creditor_reference == "1234561"
    assert good.creditor_reference_scheme is ReferenceScheme.FI_NATIONAL
    assert good.remittance_text == f"Lasku 12, toiminimi hetu {HETU_MASK}"
    assert document.transactions[1].booking_date is None
    found = [(f.code, f.location, f.severity) for f in document.all_findings]
    prefix = "Document/BkToCstmrDbtCdtNtfctn/Ntfctn"
    assert found == [
        ("INVALID_BIC", f"{prefix}/Acct/Svcr", Severity.WARNING),
        ("CAMT_MISSING_ELEMENT", f"{prefix}/Ntry[2]", Severity.ERROR),
        ("CAMT_BAD_VALUE", f"{prefix}/Ntry[3]/Amt", Severity.ERROR),
        ("CAMT_BAD_VALUE", f"{prefix}/Ntry[4]/CdtDbtInd", Severity.ERROR),
        ("CAMT_BAD_VALUE", f"{prefix}/Ntry[5]/BookgDt", Severity.ERROR),
    ]
    assert all(f.source == "upload.xml" for f in document.all_findings)
    assert "bank code 571 is OKOYFIHH" in document.all_findings[0].message


def test_refused_and_unsupported_documents() -> None:
    dtd = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><Document/>'
    assert [f.code for f in read_camt_bytes(dtd, "x.xml").findings] == ["XML_DTD_FORBIDDEN"]
    broken = read_camt_bytes(b"<Document><BkToCstmrStmt></Document>", "y.xml")
    assert [f.code for f in broken.findings] == ["XML_MALFORMED"] and broken.statements == []
    pain = (
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03">'
        b"<CstmrCdtTrfInitn/></Document>"
    )
    (finding,) = read_camt_bytes(pain, "p.xml").findings
    assert finding.code == "CAMT_UNSUPPORTED_MESSAGE" and "pain.001.001.03" in finding.message
    newer = _notification(GOOD_ENTRY).replace(b"camt.054.001.02", b"camt.054.001.11")
    assert read_camt_bytes(newer, "n.xml").version == "001.11"
    stmt09 = b"""<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.09">
    <BkToCstmrStmt><GrpHdr><MsgId>M</MsgId></GrpHdr><Stmt><Id>S</Id></Stmt></BkToCstmrStmt></Document>"""
    assert [f.code for f in read_camt_bytes(stmt09, "s.xml").findings] == ["CAMT_UNTESTED_VERSION"]


def test_read_camt_reports_a_missing_file(tmp_path: Path) -> None:
    document = read_camt(tmp_path / "nope.xml")
    assert [f.code for f in document.findings] == ["FILE_UNREADABLE"]


def test_signed_amount_and_counterparty_follow_direction() -> None:
    entry = """<Ntry><Amt Ccy="EUR">5.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><NtryDtls><TxDtls>
    <RltdPties><Dbtr><Nm>Us</Nm></Dbtr><Cdtr><Nm>Supplier Oy</Nm></Cdtr>
    <CdtrAcct><Id><IBAN>FI2112345600000785</IBAN></Id></CdtrAcct></RltdPties></TxDtls></NtryDtls></Ntry>"""
    (tx,) = read_camt_bytes(
        _notification(entry, account="FI2112345600000785"), "d.xml"
    ).transactions
    assert tx.credit_debit is CreditDebit.DEBIT and tx.signed_amount == Decimal("-5.00")
    assert (tx.counterparty_name, tx.counterparty_iban) == ("Supplier Oy", "FI2112345600000785")
