"""xlsx reading (python-calamine) into models, and the formatted xlsx report writer."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

import pytest
from openpyxl import Workbook, load_workbook
from pydantic import BaseModel, Field, field_validator

from finrpa.errors import ConfigurationError
from finrpa.steps.cells import column_letter, to_decimal_cell
from finrpa.steps.identifiers import validate_business_id
from finrpa.steps.masking import HETU_MASK
from finrpa.steps.reporting import ColumnKind, ReportColumn
from finrpa.steps.sheets import read_xlsx_rows, write_xlsx_report


class Status(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class OrderLine(BaseModel):
    po_number: str
    line_number: int
    supplier_business_id: str
    quantity: Decimal
    unit_price: Decimal
    order_date: date
    status: Status = Status.OPEN
    unit: Literal["kpl", "h"] = "kpl"
    note: str | None = None

    @field_validator("supplier_business_id")
    @classmethod
    def _business_id(cls, value: str) -> str:
        return validate_business_id(value)


HEADERS = ["PO number", "Line", "Supplier ID", "Qty", "Unit price", "Order date", "Status", "Unit"]
MAPPING = {
    "PO number": "po_number",
    "line": "line_number",  # matched without regard to case
    "Supplier ID": "supplier_business_id",
    "Qty": "quantity",
    "Unit price": "unit_price",
    "Order date": "order_date",
    "Status": "status",
    "Unit": "unit",
}


def _workbook(path: Path, rows: list[list[Any]], title: str = "Orders", at: str = "A1") -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    first_row = int(at[1:])
    first_col = ord(at[0]) - 64
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            sheet.cell(row=first_row + r, column=first_col + c, value=value)
    workbook.create_sheet("Other")
    workbook.save(path)
    return path


GOOD = [4500012345, 1, "0199920-7", 10, 12.5, date(2024, 1, 31), "Open", "kpl"]


def test_reads_rows_with_mapping_types_and_row_numbers(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "po.xlsx",
        [
            HEADERS,
            GOOD,
            ["PO-2", 2.0, "01999207", "2,5", "1 234,56", "31.1.2024", "CLOSED", "h"],
            [None] * 8,  # blank row: skipped silently
            ["PO-3", 3, "0199920-7", 0.30000000000000004, 1234.56, "2024-02-29", None, None],
        ],
    )
    result = read_xlsx_rows(path, OrderLine, MAPPING)
    assert result.findings == []
    assert result.row_numbers == [2, 3, 5]
    first, second, third = result.rows
    assert first == OrderLine(
        po_number="4500012345",  # a number typed in a text column keeps no ".0"
        line_number=1,
        supplier_business_id="0199920-7",
        quantity=Decimal("10"),
        unit_price=Decimal("12.5"),
        order_date=date(2024, 1, 31),
    )
    assert (second.quantity, second.unit_price, second.order_date) == (
        Decimal("2.5"),
        Decimal("1234.56"),
        date(2024, 1, 31),
    )
    assert second.supplier_business_id == "0199920-7"  # the model's validator ran
    assert (second.status, second.unit) == (Status.CLOSED, "h")
    assert str(third.quantity) == "0.3"  # binary noise gone, never via float arithmetic
    assert str(third.unit_price) == "1234.56"
    assert (third.status, third.unit) == (Status.OPEN, "kpl")  # empty cells take defaults


def test_one_bad_row_never_drops_its_neighbours(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "po.xlsx",
        [
            HEADERS,
            GOOD,
            ["PO-2", 2.5, "0199920-7", "ten", 1, "2024-13-01", "open", "kg"],
            GOOD,
            ["PO-4", 4, "1234567-8", 1, 1, date(2024, 1, 1), "open", "h"],
            [None, 5, "0199920-7", 1, 1, date(2024, 1, 1), "open", "h"],
            GOOD,
        ],
        at="C3",  # the table does not start at A1
    )
    result = read_xlsx_rows(path, OrderLine, MAPPING, sheet="Orders")
    assert result.row_numbers == [4, 6, 9]
    found = [(f.code, f.location, f.value) for f in result.findings]
    assert found == [
        ("ROW_INVALID_VALUE", "sheet 'Orders', row 5, column D (Line)", "2.5"),
        ("ROW_INVALID_VALUE", "sheet 'Orders', row 5, column F (Qty)", "ten"),
        ("ROW_INVALID_VALUE", "sheet 'Orders', row 5, column H (Order date)", "2024-13-01"),
        ("ROW_INVALID_VALUE", "sheet 'Orders', row 5, column J (Unit)", "kg"),
        ("ROW_INVALID_VALUE", "sheet 'Orders', row 7, column E (Supplier ID)", "1234567-8"),
        ("ROW_MISSING_VALUE", "sheet 'Orders', row 8, column C (PO number)", None),
    ]
    messages = [f.message for f in result.findings]
    assert messages[0] == "Line: expected a whole number, got '2.5'"
    assert messages[2] == "Order date: expected a date (YYYY-MM-DD or D.M.YYYY), got '2024-13-01'"
    assert messages[3] == "Unit: expected one of: kpl, h, got 'kg'"
    assert "check digit should be 1, not 8" in messages[4]
    assert messages[5] == "PO number: a value is required (text)"
    assert result.findings[1].evidence == {
        "sheet": "Orders",
        "row": 5,
        "column": "F",
        "header": "Qty",
        "field": "quantity",
        "expected": "a number",
    }


def test_headers_match_field_names_without_a_mapping(tmp_path: Path) -> None:
    class Simple(BaseModel):
        invoice_number: str
        total_amount: Decimal
        due: date | None = None

    path = _workbook(
        tmp_path / "s.xlsx",
        [["Invoice number", "TOTAL-AMOUNT", "ignored"], ["A1", 5, "x"], ["A2", -0.0, "y"]],
    )
    result = read_xlsx_rows(path, Simple)
    assert result.findings == []
    assert [(r.invoice_number, r.total_amount, r.due) for r in result.rows] == [
        ("A1", Decimal("5"), None),
        ("A2", Decimal("0"), None),
    ]


def test_constraints_are_validated_and_datetimes_become_dates(tmp_path: Path) -> None:
    class Payment(BaseModel):
        amount: Annotated[Decimal, Field(gt=0)]
        paid: date

    path = _workbook(
        tmp_path / "p.xlsx",
        [
            ["amount", "paid"],
            [10, datetime(2024, 3, 1)],
            [-1, datetime(2024, 3, 1)],
            [1, datetime(2024, 3, 1, 12, 30)],
            [2, 45352],  # an unformatted Excel serial date
        ],
    )
    result = read_xlsx_rows(path, Payment)
    assert [(r.amount, r.paid) for r in result.rows] == [
        (Decimal("10"), date(2024, 3, 1)),
        (Decimal("2"), date(2024, 3, 1)),
    ]
    assert [(f.location, f.message) for f in result.findings] == [
        ("sheet 'Orders', row 3, column A (amount)", "amount: Input should be greater than 0"),
        (
            "sheet 'Orders', row 4, column B (paid)",
            "paid: expected a date without a time of day, got '2024-03-01T12:30:00'",
        ),
    ]


def test_file_level_problems_are_findings(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "po.xlsx", [["PO number", "Qty"], ["1", 2]])
    missing = read_xlsx_rows(path, OrderLine)
    assert [f.code for f in missing.findings] == ["SHEET_MISSING_COLUMN"]
    assert "line_number, supplier_business_id" in missing.findings[0].message
    assert missing.rows == []
    no_sheet = read_xlsx_rows(path, OrderLine, sheet="Tilaukset")
    assert [f.code for f in no_sheet.findings] == ["SHEET_NOT_FOUND"]
    assert "'Orders', 'Other'" in no_sheet.findings[0].message
    empty = read_xlsx_rows(path, OrderLine, sheet="Other")
    assert [f.code for f in empty.findings] == ["SHEET_EMPTY"]
    (tmp_path / "bad.xlsx").write_text("not a zip")
    assert [f.code for f in read_xlsx_rows(tmp_path / "bad.xlsx", OrderLine).findings] == [
        "SHEET_UNREADABLE"
    ]
    assert [f.code for f in read_xlsx_rows(tmp_path / "none.xlsx", OrderLine).findings] == [
        "SHEET_UNREADABLE"
    ]
    with pytest.raises(ConfigurationError, match="unknown fields"):
        read_xlsx_rows(path, OrderLine, {"PO number": "po"})


def test_duplicate_columns_warn_and_use_the_first(tmp_path: Path) -> None:
    class One(BaseModel):
        name: str

    path = _workbook(tmp_path / "d.xlsx", [["name", "Name"], ["first", "second"]])
    result = read_xlsx_rows(path, One)
    assert [r.name for r in result.rows] == ["first"]
    assert [(f.code, f.severity.value) for f in result.findings] == [
        ("SHEET_DUPLICATE_COLUMN", "warning")
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1234.56, "1234.56"),
        (1e16, "10000000000000000"),
        (1e-05, "0.00001"),
        (3.0, "3"),
        ("1.234,5", "1234.5"),
    ],
)
def test_decimal_cells(value: Any, expected: str) -> None:
    assert str(to_decimal_cell(value)) == expected


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "AB",
        "ZZ",
        "AAA",
    ]


# --- report writer ----------------------------------------------------------------------------


def test_report_is_formatted_for_people(tmp_path: Path) -> None:
    columns = [
        ReportColumn("Invoice", "number"),
        ReportColumn("Amount", "amount", ColumnKind.MONEY),
        ReportColumn("Due", "due", ColumnKind.DATE),
        ReportColumn("Message", lambda row: row["text"].upper()),
        ReportColumn("Lines", "lines", ColumnKind.INTEGER),
    ]
    rows = [
        {
            "number": "INV-1",
            "amount": Decimal("1234567.891"),
            "due": date(2024, 2, 1),
            "text": "hetu 131052-308t",
            "lines": 3,
        },
        {"number": "INV-2", "amount": None, "due": None, "text": "ok", "lines": None},
    ]
    path = write_xlsx_report(tmp_path / "out" / "report.xlsx", "Overdue: Q1/2024", columns, rows)
    sheet = load_workbook(path)["Overdue_ Q1_2024"]
    assert [c.value for c in sheet[1]] == ["Invoice", "Amount", "Due", "Message", "Lines"]
    assert all(c.font.b for c in sheet[1]) and sheet["A1"].fill.fgColor.rgb == "00DDEBF7"
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:E3"
    assert (
        sheet["B2"].value == pytest.approx(1234567.89) and sheet["B2"].number_format == "#,##0.00"
    )
    assert sheet["C2"].value == datetime(2024, 2, 1) and sheet["C2"].number_format == "yyyy-mm-dd"
    assert sheet["D2"].value == f"HETU {HETU_MASK}"
    assert sheet["B3"].value is None and sheet["E2"].value == 3
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDE"}
    assert widths["B"] == len("1,234,567.89") + 2
    assert widths["C"] == len("yyyy-mm-dd") + 2
    assert widths["A"] == len("Invoice") + 4  # the header plus its filter button is widest
    assert widths["D"] == len(f"HETU {HETU_MASK}") + 2


def test_report_reads_back_with_the_reader(tmp_path: Path) -> None:
    class Back(BaseModel):
        invoice: str
        amount: Decimal
        due: date

    columns = [
        ReportColumn("Invoice", "invoice"),
        ReportColumn("Amount", "amount", ColumnKind.MONEY),
        ReportColumn("Due", "due", ColumnKind.DATE),
    ]
    rows = [Back(invoice="A", amount=Decimal("0.10"), due=date(2024, 5, 31))]
    path = write_xlsx_report(tmp_path / "r.xlsx", "R", columns, rows)
    result = read_xlsx_rows(path, Back)
    assert result.findings == [] and result.rows == [
        Back(invoice="A", amount=Decimal("0.1"), due=date(2024, 5, 31))
    ]
