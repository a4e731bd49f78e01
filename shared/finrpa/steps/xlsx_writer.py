"""A one-sheet xlsx writer for reports: the workbook's XML written as text, streamed to the zip.

Reports run to hundreds of thousands of cells (a payment proposal of 20,000 invoices is 220,000),
and general-purpose writers pay for their generality per cell: on the 2-core machines here
openpyxl's write-only mode wrote about 45,000 cells/s, XlsxWriter's constant-memory mode about
70,000, this module about 500,000. It writes what :func:`finrpa.steps.sheets.write_xlsx_report`
needs and no more: one sheet, a styled header row, per-column number formats and widths, panes
frozen below the header and an autofilter over the table.

Cells: text as inline strings (never a formula; XML control characters, which no workbook may
hold, dropped); ``Decimal``, ``int`` and ``float`` as numbers (a ``Decimal`` written digit for
digit, never via float; NaN and infinities as text); ``bool`` as a boolean; ``date`` and naive
``datetime`` as Excel serial days, formatted as dates in a column without a number format (an
aware datetime is refused: Excel has no time zones); ``None`` as no cell; anything else as text.
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from finrpa.steps.cells import column_letter

#: The header row's fill (a light blue, as openpyxl wrote it), the formats of dates and times in
#: columns without a number format, and the rows written per chunk of sheet XML.
HEADER_FILL_RGB = "00DDEBF7"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd h:mm:ss"
_DATE_STYLE, _DATETIME_STYLE = ' s="2"', ' s="3"'
_CHUNK_ROWS = 2000
_EPOCH = date(1899, 12, 30).toordinal()  # Excel's day 0 (1900 date system, post-1900-03-01)
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_NS_R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

_CONTENT_TYPES = (
    f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
    '+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/></Types>'
)
_ROOT_RELS = (
    f'{_HEAD}<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
    f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK_RELS = (
    f'{_HEAD}<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'
)


def write_sheet(
    path: Path,
    title: str,
    headers: Sequence[str],
    number_formats: Sequence[str | None],
    widths: Sequence[float],
    rows: Sequence[Sequence[Any]],
) -> None:
    """Write ``rows`` (cell values, one list per row) under ``headers`` as the workbook ``path``.

    ``number_formats`` are per column (None: General); ``title`` must be a valid sheet name.
    """
    # Written beside, then renamed: a reader never sees half a workbook, nor does a failed
    # write leave one behind.
    partial = path.with_name(f".{path.name}.partial")
    try:
        _write_package(partial, title, headers, number_formats, widths, rows)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def _write_package(
    path: Path,
    title: str,
    headers: Sequence[str],
    number_formats: Sequence[str | None],
    widths: Sequence[float],
    rows: Sequence[Sequence[Any]],
) -> None:
    # Style 0 is the default, 1 the header, then one per number format: first the two that
    # dates and times in General columns get (as openpyxl gives them), then the columns'.
    formats = list(dict.fromkeys([DATE_FORMAT, DATETIME_FORMAT, *filter(None, number_formats)]))
    styles = [f' s="{2 + formats.index(code)}"' if code else "" for code in number_formats]
    letters = [column_letter(index) for index in range(len(headers))]
    last_column, last_row = (letters[-1] if letters else "A"), len(rows) + 1
    last = f"{last_column}{last_row}"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        package.writestr("[Content_Types].xml", _CONTENT_TYPES)
        package.writestr("_rels/.rels", _ROOT_RELS)
        package.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        package.writestr("xl/workbook.xml", _workbook(title, last_column, last_row))
        package.writestr("xl/styles.xml", _styles(formats))
        with package.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(_sheet_start(letters, widths, last).encode())
            header = "".join(_cell(f"{letter}1", text, ' s="1"')
                             for letter, text in zip(letters, headers, strict=True))
            sheet.write(f'<row r="1">{header}</row>'.encode())
            for start in range(0, len(rows), _CHUNK_ROWS):
                chunk = rows[start : start + _CHUNK_ROWS]
                sheet.write(_rows(chunk, start + 2, letters, styles).encode())
            sheet.write(f'</sheetData><autoFilter ref="A1:{last}"/>'
                        '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" '
                        'footer="0.5"/></worksheet>'.encode())


def _rows(rows: Sequence[Sequence[Any]], first: int, letters: list[str],
          styles: list[str]) -> str:
    parts = []
    for number, values in enumerate(rows, start=first):
        cells = "".join([_cell(f"{letter}{number}", value, style)
                         for letter, value, style in zip(letters, values, styles, strict=True)
                         if value is not None])
        parts.append(f'<row r="{number}">{cells}</row>')
    return "".join(parts)


def _cell(ref: str, value: Any, style: str) -> str:
    kind = value.__class__
    # The common exact types first, then subclasses and the rest: this runs once per cell.
    if kind is str:
        return _text(ref, value, style)
    if kind is Decimal or kind is float or kind is int:
        return _number(ref, value, style)
    if kind is date:
        return f'<c r="{ref}"{style or _DATE_STYLE}><v>{_day(value)}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"{style}><v>{int(value)}</v></c>'
    if isinstance(value, datetime):
        return f'<c r="{ref}"{style or _DATETIME_STYLE}><v>{_serial(value)!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}"{style or _DATE_STYLE}><v>{_day(value)}</v></c>'
    if isinstance(value, Decimal):
        return _number(ref, Decimal(value), style)
    if isinstance(value, int | float):
        return _number(ref, float(value) if isinstance(value, float) else int(value), style)
    return _text(ref, str(value), style)


def _number(ref: str, value: Decimal | float | int, style: str) -> str:
    if value.__class__ is int:
        return f'<c r="{ref}"{style}><v>{value}</v></c>'
    if not math.isfinite(value):  # no number in a workbook is NaN or infinite: show it as text
        return _text(ref, str(value), style)
    text = f"{value:f}" if value.__class__ is Decimal else repr(value)
    return f'<c r="{ref}"{style}><v>{text}</v></c>'


def _text(ref: str, value: str, style: str) -> str:
    # The cheap tests first: most report text is printable and has nothing to escape.
    if not value.isprintable():
        value = _ILLEGAL.sub("", value)
    if "&" in value or "<" in value or ">" in value:
        value = escape(value)
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f'<c r="{ref}" t="inlineStr"{style}><is><t{space}>{value}</t></is></c>'


def _day(value: date) -> int:
    days = value.toordinal() - _EPOCH
    # Excel counts 1900 as a leap year: its days before the phantom 29 February are one less.
    return days - 1 if 0 < days < 61 else days


def _serial(moment: datetime) -> float:
    if moment.tzinfo is not None:
        raise TypeError(f"{moment!r}: Excel has no time zones; give a naive local time")
    midnight = datetime.combine(moment.date(), datetime.min.time())
    return _day(moment) + (moment - midnight).total_seconds() / 86400


def _sheet_start(letters: list[str], widths: Sequence[float], last: str) -> str:
    cols = "".join(f'<col min="{index}" max="{index}" width="{width}" customWidth="1"/>'
                   for index, width in enumerate(widths, start=1))
    return (
        f'{_HEAD}<worksheet {_NS} {_NS_R}><dimension ref="A1:{last}"/>'
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
        'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A2" '
        'sqref="A2"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
        f'{f"<cols>{cols}</cols>" if cols else ""}<sheetData>'
    )


def _workbook(title: str, last_column: str, last_row: int) -> str:
    # The autofilter's range, as Excel names it: a hidden name local to the sheet.
    quoted = "'" + title.replace("'", "''") + "'"
    area = escape(f"{quoted}!$A$1:${last_column}${last_row}")
    return (
        f'{_HEAD}<workbook {_NS} {_NS_R}><bookViews><workbookView/></bookViews>'
        f'<sheets><sheet name={quoteattr(title)} sheetId="1" r:id="rId1"/></sheets>'
        '<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
        f"{area}</definedName></definedNames></workbook>"
    )


def _styles(formats: list[str]) -> str:
    num_fmts = "".join(f'<numFmt numFmtId="{164 + index}" formatCode={quoteattr(code)}/>'
                       for index, code in enumerate(formats))
    xfs = "".join(f'<xf numFmtId="{164 + index}" fontId="0" fillId="0" borderId="0" xfId="0" '
                  'applyNumberFormat="1"/>' for index in range(len(formats)))
    if num_fmts:
        num_fmts = f'<numFmts count="{len(formats)}">{num_fmts}</numFmts>'
    return (
        f'{_HEAD}<styleSheet {_NS}>{num_fmts}'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
        '<fills count="3"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill>'
        f'<fill><patternFill patternType="solid"><fgColor rgb="{HEADER_FILL_RGB}"/>'
        '<bgColor indexed="64"/></patternFill></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        f'</cellStyleXfs><cellXfs count="{2 + len(formats)}">'
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" '
        'applyFill="1" applyAlignment="1"><alignment vertical="top"/></xf>'
        f"{xfs}</cellXfs>"
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )
