"""Excel workbooks: read rows into validated models (python-calamine), write reports (openpyxl).

:func:`read_xlsx_rows` reads with python-calamine, a Rust reader many times faster than
openpyxl; see :mod:`finrpa.steps.tabular` for how headers map to fields and how numbers become
``Decimal`` without passing through float arithmetic. Findings name the sheet, the 1-based row
as Excel shows it, the column letter and header, the value and what was expected.

:func:`write_xlsx_report` writes a report a person can work with at once: bold, filled header
row, frozen below the header, an autofilter, money as ``#,##0.00``, dates as ``yyyy-mm-dd`` and
column widths from the content.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from python_calamine import CalamineError, CalamineWorkbook

from finrpa.domain.findings import Finding
from finrpa.steps.reporting import NUMBER_FORMATS, ReportColumn, display_width
from finrpa.steps.tabular import M, SheetReadResult, bind_headers, column_letter, is_blank

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
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
    try:
        workbook = CalamineWorkbook.from_path(source)
    except (OSError, CalamineError) as exc:
        result.findings.append(
            Finding(code="SHEET_UNREADABLE", message=f"cannot open workbook: {exc}", source=source)
        )
        return result
    try:
        names = workbook.sheet_names
        name = sheet if sheet is not None else (names[0] if names else None)
        if name is None or name not in names:
            result.findings.append(
                Finding(
                    code="SHEET_NOT_FOUND",
                    message=f"no sheet {name!r}; the workbook has {', '.join(map(repr, names))}",
                    source=source,
                )
            )
            return result
        grid = workbook.get_sheet_by_name(name)
        data = grid.to_python(skip_empty_area=True)
        start = grid.start or (0, 0)
    except CalamineError as exc:
        result.findings.append(
            Finding(code="SHEET_UNREADABLE", message=f"cannot read sheet: {exc}", source=source)
        )
        return result
    finally:
        workbook.close()
    _read_grid(data, start, model, columns, source, name, result)
    return result


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
    target = Path(path)
    values = [[column.get(row) for column in columns] for row in rows]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_BAD_TITLE.sub("_", sheet_name)[:31] or "Report")
    assert isinstance(sheet, WriteOnlyWorksheet)
    for index, column in enumerate(columns):
        sheet.column_dimensions[column_letter(index)].width = _width(column, values, index)
    sheet.freeze_panes = "A2"
    last = column_letter(max(len(columns) - 1, 0))
    sheet.auto_filter.ref = f"A1:{last}{len(values) + 1}"
    header_cells = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(vertical="top")
        header_cells.append(cell)
    sheet.append(header_cells)
    formats = [NUMBER_FORMATS.get(column.kind) for column in columns]
    for row_values in values:
        cells: list[Any] = []
        for value, number_format in zip(row_values, formats, strict=True):
            if number_format is None or value is None:
                cells.append(value)
                continue
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = number_format
            cells.append(cell)
        sheet.append(cells)
    target.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(target)
    return target


def _width(column: ReportColumn, values: list[list[Any]], index: int) -> float:
    if column.width is not None:
        return column.width
    widest = max((display_width(row[index], column.kind) for row in values), default=0)
    # +2 for padding, +2 on the header for the autofilter's drop-down button
    return min(max(widest + 2, len(column.header) + 4), MAX_COLUMN_WIDTH)
