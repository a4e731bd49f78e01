"""The report writers' bulk paths give what their per-cell definitions give, and the xlsx
writer's workbooks read back in openpyxl and python-calamine with every kind of value."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import IntEnum, StrEnum
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from finrpa.steps.masking import HETU_MASK
from finrpa.steps.reporting import (
    ColumnKind,
    ReportColumn,
    as_text,
    display_width,
    report_values,
    texts,
    widest,
)
from finrpa.steps.sheets import write_xlsx_report
from finrpa.steps.xlsx_writer import write_sheet


class Colour(StrEnum):
    RED = "red"


class Level(IntEnum):
    HIGH = 3


@dataclass
class Row:
    text: Any
    amount: Any


MIXED: list[Any] = [
    None, "plain", "hetu 131052-308T here", Colour.RED, Level.HIGH, True, 7, 2.5,
    Decimal("1234.565"), Decimal("-0.004"), date(2024, 2, 29), datetime(2024, 2, 29, 13, 45),
    "  padded ", "line\nbreak", "",
]


@pytest.mark.parametrize("kind", list(ColumnKind))
@pytest.mark.parametrize("mask", [True, False])
def test_bulk_values_widths_and_texts_match_the_per_cell_definitions(kind: ColumnKind,
                                                                     mask: bool) -> None:
    rows: list[Any] = [{"v": value} for value in MIXED] + [Row(value, value) for value in MIXED]
    column = ReportColumn("H", "v" if kind is ColumnKind.TEXT else "amount", kind,
                          mask_personal_ids=mask)
    objects = [Row(value, value) for value in MIXED]
    mapped = [{"amount": value} for value in MIXED]
    for sample in (objects, mapped, rows):
        assert column.values(sample) == [column.get(row) for row in sample]
    values = column.values(objects)
    assert widest(values, kind) == max(display_width(value, kind) for value in values)
    assert widest([None], kind) == 0
    for comma in (True, False):
        assert texts(values, kind, comma) == [as_text(value, kind, comma) for value in values]


def test_money_width_covers_the_widest_negative_amount() -> None:
    amounts = [Decimal("999.99"), Decimal("-1000.00"), Decimal("5")]
    assert widest(amounts, ColumnKind.MONEY) == len("-1,000.00")


def test_report_values_keep_rows_and_columns() -> None:
    columns = [ReportColumn("A", "text"), ReportColumn("B", "amount", ColumnKind.MONEY)]
    rows = (Row(f"r{i}", Decimal(i)) for i in range(3))  # any iterable
    assert report_values(columns, rows) == [["r0", Decimal("0.00")], ["r1", Decimal("1.00")],
                                            ["r2", Decimal("2.00")]]
    assert report_values([], [Row(1, 2)]) == [[]]


def test_every_kind_of_value_reads_back(tmp_path: Path) -> None:
    columns = [ReportColumn("Value", "text", mask_personal_ids=False)]
    values: list[Any] = [
        "tab\tand\x0bvertical\ufffe tab", "  padded  ", "<b>&amp;</b>", "ääkköset €", True, False,
        12, -3.25, Decimal("12345678901234567890.12"), date(1900, 3, 1),
        datetime(2024, 2, 29, 6, 0), None, Decimal("NaN"), float("inf"), Path("a/b"),
        date(1900, 1, 1),
    ]
    path = write_xlsx_report(tmp_path / "all.xlsx", "It's: [all]", columns,
                             [Row(value, None) for value in values])
    sheet = load_workbook(path)["It's_ _all_"]
    read = [cell.value for (cell,) in sheet.iter_rows(min_row=2)]
    assert read[:8] == ["tab\tandvertical tab", "  padded  ", "<b>&amp;</b>", "ääkköset €",
                        True, False, 12, -3.25]
    assert read[8] == pytest.approx(12345678901234567890.12)
    # dates and times in a column without a number format get openpyxl's default formats
    assert read[9] == datetime(1900, 3, 1) and read[10] == datetime(2024, 2, 29, 6, 0)
    assert read[15] == datetime(1900, 1, 1)
    assert [sheet.cell(row, 1).number_format for row in (11, 12, 17)] == [
        "yyyy-mm-dd", "yyyy-mm-dd h:mm:ss", "yyyy-mm-dd"]
    assert read[11:15] == [None, "NaN", "inf", str(Path("a/b"))]
    with zipfile.ZipFile(path) as package:  # the decimal is written digit for digit
        assert b"<v>12345678901234567890.12</v>" in package.read("xl/worksheets/sheet1.xml")
    grid = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert grid[0] == ["Value"] and grid[4][0] == "ääkköset €" and len(grid) == len(values) + 1


def test_an_empty_report_has_its_header_and_filter(tmp_path: Path) -> None:
    columns = [ReportColumn("Invoice", "number"), ReportColumn("Due", "due", ColumnKind.DATE)]
    path = write_xlsx_report(tmp_path / "empty.xlsx", "", columns, [])
    sheet = load_workbook(path)["Report"]
    assert [c.value for c in sheet[1]] == ["Invoice", "Due"]
    assert sheet.auto_filter.ref == "A1:B1" and sheet.max_row == 1


def test_aware_times_are_refused_and_no_half_workbook_is_left(tmp_path: Path) -> None:
    target = tmp_path / "r.xlsx"
    with pytest.raises(TypeError, match="time zones"):
        write_sheet(target, "R", ["When"], ["yyyy-mm-dd hh:mm"], [10],
                    [[datetime(2024, 1, 1, tzinfo=UTC)]])
    assert list(tmp_path.iterdir()) == []


def test_masking_applies_in_bulk() -> None:
    column = ReportColumn("Message", "text")
    assert column.values([Row("hetu 131052-308T", None)]) == [f"hetu {HETU_MASK}"]
