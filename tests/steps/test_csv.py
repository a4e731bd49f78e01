"""CSV reading (encodings, delimiters, decimal comma, bad rows) and the Excel-friendly writer."""

from __future__ import annotations

import codecs
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import BaseModel

from finrpa.steps.csvfiles import detect_encoding, read_csv_rows, sniff_delimiter, write_csv
from finrpa.steps.masking import HETU_MASK
from finrpa.steps.reporting import ColumnKind, ReportColumn


class Purchase(BaseModel):
    supplier: str
    amount: Decimal
    date: date
    account: int | None = None


MAPPING = {"Toimittaja": "supplier", "Summa": "amount", "Päivämäärä": "date", "Tili": "account"}
HEADER = "Toimittaja;Summa;Päivämäärä;Tili\r\n"
BODY = "Äänekosken Sähkö Oy;1 234,56;31.1.2024;4000\r\nPöyry € Oy;12,5;2024-02-01;\r\n"
EXPECTED = [
    Purchase(
        supplier="Äänekosken Sähkö Oy",
        amount=Decimal("1234.56"),
        date=date(2024, 1, 31),
        account=4000,
    ),
    Purchase(supplier="Pöyry € Oy", amount=Decimal("12.5"), date=date(2024, 2, 1)),
]


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        (codecs.BOM_UTF8 + (HEADER + BODY).encode("utf-8"), "utf-8-sig"),
        ((HEADER + BODY).encode("utf-8"), "utf-8"),
        ((HEADER + BODY).encode("iso-8859-15"), "iso-8859-15"),  # € is 0xA4 in Latin-9
        ((HEADER + BODY).encode("cp1252"), "cp1252"),  # € is 0x80 in Windows-1252
        ((HEADER + BODY).encode("utf-16"), "utf-16"),  # Excel's "Unicode text", with BOM
    ],
)
def test_encodings_are_detected(tmp_path: Path, encoded: bytes, encoding: str) -> None:
    assert detect_encoding(encoded) == encoding
    path = tmp_path / "ostot.csv"
    path.write_bytes(encoded)
    result = read_csv_rows(path, Purchase, MAPPING)
    assert result.findings == []
    assert result.rows == EXPECTED


def test_latin9_and_cp1252_euro_signs_differ() -> None:
    assert "€".encode("iso-8859-15") == b"\xa4" and "€".encode("cp1252") == b"\x80"
    assert detect_encoding("Hinta 5 €".encode("iso-8859-15")) == "iso-8859-15"
    assert detect_encoding("Hinta 5 €".encode("cp1252")) == "cp1252"


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("a;b;c\n1,5;2;3\n", ";"),
        ("a,b,c\n1.5,2,3\n", ","),
        ("a\tb\tc\n1,5\t2\t3\n", "\t"),
        ('"x;y",b,c\n', ","),  # a delimiter inside quotes does not count
        ("a;b,c\n", ";"),  # a tie goes to ';'
        ("\n\nsingle\n", ","),
    ],
)
def test_delimiter_sniffing(text: str, delimiter: str) -> None:
    assert sniff_delimiter(text) == delimiter


def test_comma_and_tab_files_with_quoted_decimal_commas(tmp_path: Path) -> None:
    comma = tmp_path / "comma.csv"
    comma.write_text(
        'supplier,amount,date\n"Oy Ab, Helsinki","1234,50",2024-03-01\n', encoding="utf-8"
    )
    tab = tmp_path / "tab.csv"
    tab.write_text("supplier\tamount\tdate\nOy Ab\t1234.50\t1.3.2024\n", encoding="utf-8")
    for path, name in ((comma, "Oy Ab, Helsinki"), (tab, "Oy Ab")):
        result = read_csv_rows(path, Purchase)
        assert result.findings == []
        assert [(r.supplier, r.amount, r.date) for r in result.rows] == [
            (name, Decimal("1234.50"), date(2024, 3, 1))
        ]


def test_bad_rows_become_findings_and_neighbours_survive(tmp_path: Path) -> None:
    path = tmp_path / "ostot.csv"
    path.write_bytes(
        (
            "\r\n"  # leading blank line: the header is row 2
            + HEADER
            + "Oy A;10,00;1.1.2024;1\r\n"
            + "Oy B;kymmenen;32.1.2024;x\r\n"
            + ";5;1.1.2024;\r\n"
            + "Oy C;131052-308T;1.1.2024;\r\n"
            + "Oy D;7;2024-01-02;2\r\n"
        ).encode("iso-8859-15")
    )
    result = read_csv_rows(path, Purchase, MAPPING)
    assert [r.supplier for r in result.rows] == ["Oy A", "Oy D"]
    assert result.row_numbers == [3, 7]
    found = [(f.code, f.location, f.value, f.message) for f in result.findings]
    assert found == [
        (
            "ROW_INVALID_VALUE",
            "row 4, column B (Summa)",
            "kymmenen",
            "Summa: expected a number, got 'kymmenen'",
        ),
        (
            "ROW_INVALID_VALUE",
            "row 4, column C (Päivämäärä)",
            "32.1.2024",
            "Päivämäärä: expected a date (YYYY-MM-DD or D.M.YYYY), got '32.1.2024'",
        ),
        (
            "ROW_INVALID_VALUE",
            "row 4, column D (Tili)",
            "x",
            "Tili: expected a whole number, got 'x'",
        ),
        (
            "ROW_MISSING_VALUE",
            "row 5, column A (Toimittaja)",
            None,
            "Toimittaja: a value is required (text)",
        ),
        # a personal identity code is masked in the finding's value and message
        (
            "ROW_INVALID_VALUE",
            "row 6, column B (Summa)",
            HETU_MASK,
            f"Summa: expected a number, got '{HETU_MASK}'",
        ),
    ]


def test_file_problems(tmp_path: Path) -> None:
    assert [f.code for f in read_csv_rows(tmp_path / "missing.csv", Purchase).findings] == [
        "FILE_UNREADABLE"
    ]
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"\r\n;;\r\n")
    assert [f.code for f in read_csv_rows(empty, Purchase).findings] == ["SHEET_EMPTY"]
    wrong = tmp_path / "wrong.csv"
    wrong.write_bytes("Toimittaja;Määrä\r\nOy;1\r\n".encode())
    (finding,) = read_csv_rows(wrong, Purchase, MAPPING).findings
    assert finding.code == "SHEET_MISSING_COLUMN" and finding.location == "row 1"
    assert [f.code for f in read_csv_rows(wrong, Purchase, encoding="ascii").findings] == [
        "CSV_ENCODING"
    ]


def test_written_csv_opens_in_finnish_excel_and_reads_back(tmp_path: Path) -> None:
    columns = [
        ReportColumn("Toimittaja", "supplier"),
        ReportColumn("Summa", "amount", ColumnKind.MONEY),
        ReportColumn("Päivämäärä", "date", ColumnKind.DATE),
        ReportColumn("Tili", "account", ColumnKind.INTEGER),
    ]
    rows = [
        *EXPECTED,
        Purchase(supplier="T:mi 131052-308T", amount=Decimal("-0.005"), date=date(2024, 3, 3)),
    ]
    path = write_csv(tmp_path / "out" / "raportti.csv", columns, rows)
    data = path.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    assert data.decode("utf-8-sig").splitlines() == [
        "Toimittaja;Summa;Päivämäärä;Tili",
        "Äänekosken Sähkö Oy;1234,56;2024-01-31;4000",
        "Pöyry € Oy;12,50;2024-02-01;",
        f"T:mi {HETU_MASK};-0,01;2024-03-03;",
    ]
    back = read_csv_rows(path, Purchase, MAPPING)
    assert back.findings == [] and back.rows[:2] == EXPECTED


def test_writer_options(tmp_path: Path) -> None:
    columns = [ReportColumn("amount", "amount", ColumnKind.NUMBER), ReportColumn("note", "note")]
    path = write_csv(
        tmp_path / "plain.csv",
        columns,
        [{"amount": Decimal("1.5"), "note": 'says "hi", twice'}],
        delimiter=",",
        decimal_comma=False,
        encoding="utf-8",
    )
    assert path.read_bytes() == b'amount,note\r\n1.5,"says ""hi"", twice"\r\n'
