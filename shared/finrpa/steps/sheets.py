"""Excel workbooks: read rows into validated models (python-calamine), write reports.

:func:`read_xlsx_rows` reads with python-calamine, a Rust reader many times faster than
openpyxl; see :mod:`finrpa.steps.tabular` for how headers map to fields and how numbers become
``Decimal`` without passing through float arithmetic. Findings name the sheet, the 1-based row
as Excel shows it, the column letter and header, the value and what was expected.

:func:`write_xlsx_report` writes a report a person can work with at once: bold, filled header
row, frozen below the header, an autofilter, money as ``#,##0.00``, dates as ``yyyy-mm-dd`` and
column widths from the content (written by :mod:`finrpa.steps.xlsx_writer`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

from finrpa.domain.findings import Finding
from finrpa.steps.reporting import NUMBER_FORMATS, ReportColumn, report_values, widest
from finrpa.steps.tabular import M, SheetReadResult, bind_headers, is_blank
from finrpa.steps.xlsx_writer import write_sheet

MAX_COLUMN_WIDTH = 60


def read_xlsx_rows(
    path: Path | str,
    model: type[M],
    columns: Mapping[str, str] | None = None,
    sheet: str | None = None,
) -> SheetReadResult[M]:
    """Read the rows of ``sheet`` (default: the first) into ``model`` instances.

    The first non-empty row is the header. ``columns`` maps file headers to field names;
    without it, headers are matched to field names and aliases. Blank rows are skipped.
    """
    source = str(path)
    result: SheetReadResult[M] = SheetReadResult()
    grid = read_sheet_grid(source, sheet)
    if grid.data is None:
        result.findings.extend(grid.findings)
        return result
    _read_grid(grid.data, grid.start, model, columns, source, grid.name, result)
    return result


@dataclass(frozen=True)
class SheetGrid:
    """A sheet's used area as cell values (None, with findings, when it cannot be read)."""

    data: list[list[Any]] | None
    start: tuple[int, int]  # 0-based (row, column) of the area's first cell
    name: str
    findings: list[Finding]


def read_sheet_grid(path: Path | str, sheet: str | None = None) -> SheetGrid:
    """The cell values of ``sheet`` (default: the first), read with python-calamine."""
    source = str(path)
    try:
        workbook = CalamineWorkbook.from_path(source)
    except (OSError, CalamineError) as exc:
        return SheetGrid(None, (0, 0), "", [Finding(
            code="SHEET_UNREADABLE", message=f"cannot open workbook: {exc}", source=source)])
    try:
        names = workbook.sheet_names
        name = sheet if sheet is not None else (names[0] if names else None)
        if name is None or name not in names:
            return SheetGrid(None, (0, 0), "", [Finding(
                code="SHEET_NOT_FOUND",
                message=f"no sheet {name!r}; the workbook has {', '.join(map(repr, names))}",
                source=source)])
        values = workbook.get_sheet_by_name(name)
        return SheetGrid(values.to_python(skip_empty_area=True), values.start or (0, 0), name,
                         [])
    except CalamineError as exc:
        return SheetGrid(None, (0, 0), "", [Finding(
            code="SHEET_UNREADABLE", message=f"cannot read sheet: {exc}", source=source)])
    finally:
        workbook.close()


def _read_grid(
    data: list[list[Any]],
    start: tuple[int, int],
    model: type[M],
    columns: Mapping[str, str] | None,
    source: str,
    sheet: str,
    result: SheetReadResult[M],
) -> None:
    first_row, first_col = start
    if not data:
        result.findings.append(
            Finding(code="SHEET_EMPTY", message="the sheet has no rows", source=source)
        )
        return
    # calamine drops the empty rows and columns before the used area: put the columns back,
    # so that a cell's index is its Excel column, and count rows from the area's first row.
    pad = [""] * first_col
    headers = pad + data[0]
    reader, findings = bind_headers(model, headers, columns, source, sheet, first_row + 1)
    result.findings.extend(findings)
    if reader is None:
        return
    for offset, cells in enumerate(data[1:], start=2):
        if is_blank(cells):
            continue
        row_number = first_row + offset
        row = reader.read(pad + cells if first_col else cells, row_number)
        if row is not None:
            result.rows.append(row)
            result.row_numbers.append(row_number)
    result.findings.extend(reader.findings)


_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")


def write_xlsx_report(
    path: Path | str,
    sheet_name: str,
    columns: list[ReportColumn],
    rows: Iterable[Any],
) -> Path:
    """Write ``rows`` as a formatted one-sheet workbook at ``path``; returns the path."""
    return write_xlsx_values(path, sheet_name, columns, report_values(columns, rows))


def write_xlsx_values(
    path: Path | str,
    sheet_name: str,
    columns: list[ReportColumn],
    values: list[list[Any]],
) -> Path:
    """:func:`write_xlsx_report` of values already taken from the rows (``report_values``),
    for a report that is also written in another format from the same values."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_sheet(
        target,
        _BAD_TITLE.sub("_", sheet_name)[:31] or "Report",
        [column.header for column in columns],
        [NUMBER_FORMATS.get(column.kind) for column in columns],
        [_width(column, values, index) for index, column in enumerate(columns)],
        values,
    )
    return target


def _width(column: ReportColumn, values: list[list[Any]], index: int) -> float:
    if column.width is not None:
        return column.width
    content = widest((row[index] for row in values), column.kind)
    # +2 for padding, +2 on the header for the autofilter's drop-down button
    return min(max(content + 2, len(column.header) + 4), MAX_COLUMN_WIDTH)
