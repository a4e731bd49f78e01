"""Rows of a spreadsheet or CSV file into pydantic models, with one finding per bad cell.

Shared by :mod:`finrpa.steps.sheets` (xlsx) and :mod:`finrpa.steps.csvfiles`. A header row is
matched to model fields, either through a mapping ``{file header: field name}`` or by name
(case, spaces and dashes ignored; a field's alias counts too). Each cell is converted to its
field's type here, with a message that says what was expected; a row with any bad cell is left
out and every other row is kept.

Cells are converted by :mod:`finrpa.steps.cells`: money becomes ``Decimal`` without passing
through float arithmetic, dates come from Excel dates, serial numbers or text.

Every row still goes through ``model_validate``, so a model's own validators and constraints
apply. Measured on 100,000 purchase-order rows, validating values that already have their
final types costs no more than ``model_construct`` (pydantic-core checks an exact ``Decimal`` or
``date`` almost for free), so there is no unvalidated fast path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from finrpa.domain.findings import Finding, Severity
from finrpa.errors import ConfigurationError
from finrpa.steps.cells import (
    CellError,
    Converter,
    column_letter,
    converter_for,
    expected_text,
    to_str_cell,
)
from finrpa.steps.masking import mask_personal_ids

M = TypeVar("M", bound=BaseModel)


@dataclass
class SheetReadResult(Generic[M]):
    """Rows that were read, their 1-based row numbers in the file, and findings for the rest."""

    rows: list[M] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)


def _norm(header: object) -> str:
    return re.sub(r"[\s_\-]+", " ", str(header)).strip().casefold()


# --- header binding and row conversion ---------------------------------------------------------


@dataclass(frozen=True)
class Binding:
    """One model field read from one column of the file."""

    field: str
    header: str
    index: int
    convert: Converter | None
    required: bool
    expected: str
    none_if_empty: bool = False


@dataclass
class RowReader(Generic[M]):
    """Converts rows of cell values to ``model`` instances, producing findings for bad cells."""

    model: type[M]
    bindings: list[Binding]
    source: str
    sheet: str | None
    findings: list[Finding] = field(default_factory=list)

    def where(self, row_number: int, binding: Binding | None = None) -> str:
        parts = [f"sheet {self.sheet!r}"] if self.sheet else []
        parts.append(f"row {row_number}")
        if binding is not None:
            parts.append(f"column {column_letter(binding.index)} ({binding.header})")
        return ", ".join(parts)

    def bad_cell(self, row_number: int, binding: Binding, value: Any, why: str) -> None:
        shown = mask_personal_ids(to_str_cell(value)) if value not in (None, "") else None
        self.findings.append(
            Finding(
                code="ROW_MISSING_VALUE" if shown is None else "ROW_INVALID_VALUE",
                message=mask_personal_ids(f"{binding.header}: {why}"),
                source=self.source,
                location=self.where(row_number, binding),
                value=shown,
                evidence={
                    "sheet": self.sheet,
                    "row": row_number,
                    "column": column_letter(binding.index),
                    "header": binding.header,
                    "field": binding.field,
                    "expected": binding.expected,
                },
            )
        )

    def read(self, cells: Sequence[Any], row_number: int) -> M | None:
        """The row as a model, or None (with findings) when a cell is bad."""
        values: dict[str, Any] = {}
        ok = True
        width = len(cells)
        for binding in self.bindings:
            raw = cells[binding.index] if binding.index < width else None
            if raw is None or raw == "":
                if binding.required:
                    self.bad_cell(
                        row_number, binding, raw, f"a value is required ({binding.expected})"
                    )
                    ok = False
                elif binding.none_if_empty:
                    values[binding.field] = None
                continue
            if binding.convert is None:
                values[binding.field] = raw
                continue
            try:
                values[binding.field] = binding.convert(raw)
            except CellError as exc:
                self.bad_cell(row_number, binding, raw, f"expected {exc}, got {to_str_cell(raw)!r}")
                ok = False
        if not ok:
            return None
        try:
            return self.model.model_validate(values)
        except ValidationError as exc:
            self.validation_findings(exc, cells, row_number)
            return None

    def validation_findings(self, exc: ValidationError, cells: Sequence[Any], row: int) -> None:
        by_field = {b.field: b for b in self.bindings}
        for error in exc.errors(include_url=False):
            name = str(error["loc"][0]) if error["loc"] else ""
            binding = by_field.get(name)
            if binding is None:
                self.findings.append(
                    Finding(
                        code="ROW_INVALID",
                        message=error["msg"],
                        source=self.source,
                        location=self.where(row),
                    )
                )
                continue
            raw = cells[binding.index] if binding.index < len(cells) else None
            self.bad_cell(row, binding, raw, error["msg"])


def bind_headers(
    model: type[M],
    headers: Sequence[Any],
    columns: Mapping[str, str] | None,
    source: str,
    sheet: str | None,
    header_row: int = 1,
) -> tuple[RowReader[M] | None, list[Finding]]:
    """Match the header row to ``model``'s fields; findings when a required column is missing."""
    fields = model.model_fields
    if columns is not None:
        unknown = sorted(set(columns.values()) - set(fields))
        if unknown:
            raise ConfigurationError(
                f"column mapping names unknown fields of {model.__name__}: {unknown}"
            )
        wanted = {_norm(header): name for header, name in columns.items()}
    else:
        wanted = {_norm(name): name for name in fields}
        wanted.update({_norm(info.alias): name for name, info in fields.items() if info.alias})
    bindings: dict[str, Binding] = {}
    findings: list[Finding] = []
    where = f"sheet {sheet!r}, row {header_row}" if sheet else f"row {header_row}"
    for index, header in enumerate(headers):
        name = wanted.get(_norm(header)) if header not in (None, "") else None
        if name is None:
            continue
        if name in bindings:
            findings.append(
                Finding(
                    code="SHEET_DUPLICATE_COLUMN",
                    message=f"columns {bindings[name].header!r} and {header!r} both map to "
                    f"{name}; the first is used",
                    source=source,
                    location=f"{where}, column {column_letter(index)}",
                    severity=Severity.WARNING,
                )
            )
            continue
        info = fields[name]
        convert, optional = converter_for(info.annotation)
        bindings[name] = Binding(
            field=name,
            header=str(header).strip(),
            index=index,
            convert=convert,
            required=info.is_required() and not optional,
            expected=expected_text(info.annotation),
            none_if_empty=info.is_required() and optional,
        )
    missing = [name for name, info in fields.items() if info.is_required() and name not in bindings]
    if missing:
        findings.append(
            Finding(
                code="SHEET_MISSING_COLUMN",
                message=f"no column for required field(s) {', '.join(missing)}; found headers "
                f"{', '.join(repr(str(h)) for h in headers if h not in (None, ''))}",
                source=source,
                location=where,
            )
        )
        return None, findings
    reader = RowReader(model, list(bindings.values()), source, sheet)
    return reader, findings


def is_blank(cells: Sequence[Any]) -> bool:
    """True when every cell of a row is empty."""
    return all(cell is None or cell == "" for cell in cells)
