"""CSV files from Finnish systems: read rows into validated models, write reports for Excel.

Reading guesses what Finnish exports vary in:

* **encoding** — a UTF-8 or UTF-16 byte-order mark wins; else text that decodes as UTF-8 is
  UTF-8; else it is an 8-bit code page: Windows-1252 when bytes 0x80–0x9F occur (they are
  printable there, e.g. € is 0x80, but control codes in ISO-8859-15), else ISO-8859-15
  (Latin-9, where € is 0xA4);
* **delimiter** — whichever of ``;``, ``,`` and tab occurs most in the header line outside
  quotes (``;`` wins a tie: with a decimal comma, it is the Finnish list separator);
* **numbers** — a decimal comma and spaces or dots as thousands separators are read, as in
  ``1 234,56``.

Rows map to fields as in :mod:`finrpa.steps.tabular`; findings give the row (the header is
row 1, as in Excel when the file is opened there), the column letter and the header.

Writing (:func:`write_csv`) targets Finnish Excel by default: UTF-8 *with* a byte-order mark
(without one Excel reads the file as Windows-1252 and ä, ö and € come out garbled), ``;`` as
delimiter and a decimal comma, so that a double-click opens it with numbers as numbers. ISO
dates (``2024-01-31``) are recognised by Excel in any locale.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from finrpa.domain.findings import Finding
from finrpa.steps.reporting import ReportColumn, report_values, texts
from finrpa.steps.tabular import M, SheetReadResult, bind_headers, is_blank

DELIMITERS = (";", "\t", ",")


def detect_encoding(data: bytes) -> str:
    """The encoding of CSV bytes, by the rules in the module docstring."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    if any(0x80 <= byte <= 0x9F for byte in data):
        return "cp1252"
    return "iso-8859-15"


def sniff_delimiter(text: str) -> str:
    """The delimiter that occurs most in the first non-empty line, outside quotes."""
    line = next((line for line in text.splitlines() if line.strip()), "")
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])  # first in DELIMITERS wins a tie
    return best if counts[best] else ","


def read_csv_rows(
    path: Path | str,
    model: type[M],
    columns: Mapping[str, str] | None = None,
    *,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> SheetReadResult[M]:
    """Read a CSV file into ``model`` instances; encoding and delimiter are guessed if not given."""
    source = str(path)
    result: SheetReadResult[M] = SheetReadResult()
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        result.findings.append(
            Finding(
                code="FILE_UNREADABLE", message=f"cannot read file: {exc.strerror}", source=source
            )
        )
        return result
    chosen = encoding or detect_encoding(data)
    try:
        text = data.decode(chosen)
    except (UnicodeDecodeError, LookupError) as exc:
        result.findings.append(
            Finding(code="CSV_ENCODING", message=f"cannot decode as {chosen}: {exc}", source=source)
        )
        return result
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter or sniff_delimiter(text))
    try:
        records = list(reader)
    except csv.Error as exc:
        result.findings.append(
            Finding(
                code="CSV_MALFORMED",
                message=f"malformed CSV: {exc}",
                source=source,
                location=f"row {reader.line_num}",
            )
        )
        return result
    _read_records(records, model, columns, source, result)
    return result


def _read_records(
    records: list[list[str]],
    model: type[M],
    columns: Mapping[str, str] | None,
    source: str,
    result: SheetReadResult[M],
) -> None:
    header_index = next((i for i, cells in enumerate(records) if not is_blank(cells)), None)
    if header_index is None:
        result.findings.append(
            Finding(code="SHEET_EMPTY", message="the file has no rows", source=source)
        )
        return
    headers = [cell.strip() for cell in records[header_index]]
    rows_reader, findings = bind_headers(model, headers, columns, source, None, header_index + 1)
    result.findings.extend(findings)
    if rows_reader is None:
        return
    for index in range(header_index + 1, len(records)):
        cells = [cell.strip() for cell in records[index]]
        if is_blank(cells):
            continue
        row = rows_reader.read(cells, index + 1)
        if row is not None:
            result.rows.append(row)
            result.row_numbers.append(index + 1)
    result.findings.extend(rows_reader.findings)


def write_csv(
    path: Path | str,
    columns: list[ReportColumn],
    rows: Iterable[Any],
    *,
    delimiter: str = ";",
    decimal_comma: bool = True,
    encoding: str = "utf-8-sig",
) -> Path:
    """Write a report as CSV for Finnish Excel (see the module docstring); returns the path."""
    return write_csv_values(path, columns, report_values(columns, rows), delimiter=delimiter,
                            decimal_comma=decimal_comma, encoding=encoding)


def write_csv_values(
    path: Path | str,
    columns: list[ReportColumn],
    values: list[list[Any]],
    *,
    delimiter: str = ";",
    decimal_comma: bool = True,
    encoding: str = "utf-8-sig",
) -> Path:
    """:func:`write_csv` of values already taken from the rows (``report_values``), for a
    report that is also written in another format from the same values."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    by_column = [texts((row[index] for row in values), column.kind, decimal_comma)
                 for index, column in enumerate(columns)]
    with target.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow([column.header for column in columns])
        writer.writerows(zip(*by_column, strict=True) if columns else [[] for _ in values])
    return target
