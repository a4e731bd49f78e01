"""A workbook's rows as columns: large exports (order books, receipts) without a model per row.

:func:`read_xlsx_columns` gives the same values as :func:`~finrpa.steps.sheets.read_xlsx_rows`
(same header binding, same cell conversion, the same field constraints), but column by column:
each cell is converted once per distinct value, and each column is validated in one call to
pydantic-core instead of one ``model_validate`` per row. A sheet with any bad cell is read again
row by row, so its findings are exactly the row reader's (sheet, row, column, value, what was
expected) and every good row is still kept. Models with their own validators
(``field_validator``, ``model_validator``) are always read row by row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from finrpa.domain.findings import Finding
from finrpa.steps.cells import CellError
from finrpa.steps.sheets import _read_grid, read_sheet_grid
from finrpa.steps.tabular import Binding, SheetReadResult, bind_headers, is_blank


@dataclass
class SheetColumns:
    """The good rows' values by field name (every field of the model, even with no rows),
    their 1-based row numbers, and findings."""

    columns: dict[str, list[Any]] = field(default_factory=dict)
    row_numbers: list[int] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.row_numbers)


def read_xlsx_columns(
    path: Path | str,
    model: type[BaseModel],
    columns: Mapping[str, str] | None = None,
    sheet: str | None = None,
) -> SheetColumns:
    """Read ``sheet`` (default: the first) as columns of ``model``'s fields; see the module
    docstring. ``columns`` maps file headers to field names, as for ``read_xlsx_rows``."""
    source = str(path)
    grid = read_sheet_grid(source, sheet)
    if grid.data is None:
        return SheetColumns(_no_rows(model), findings=grid.findings)
    if not grid.data:
        rows = SheetReadResult[Any]()
        _read_grid(grid.data, grid.start, model, columns, source, grid.name, rows)
        return SheetColumns(_no_rows(model), findings=rows.findings)
    first_row, first_col = grid.start
    pad = [""] * first_col
    reader, findings = bind_headers(model, pad + grid.data[0], columns, source, grid.name,
                                    first_row + 1)
    if reader is not None and not _has_validators(model):
        body = [(first_row + offset, pad + cells if first_col else cells)
                for offset, cells in enumerate(grid.data[1:], start=2) if not is_blank(cells)]
        read = _columns(model, reader.bindings, [cells for _, cells in body])
        if read is not None:
            return SheetColumns(read, [number for number, _ in body], findings)
    # Something is wrong (or the model validates rows itself): the row reader says exactly what.
    rows = SheetReadResult[Any]()
    _read_grid(grid.data, grid.start, model, columns, source, grid.name, rows)
    names = list(model.model_fields)
    by_field = {name: [getattr(row, name) for row in rows.rows] for name in names}
    return SheetColumns(by_field, rows.row_numbers, rows.findings)


def _no_rows(model: type[BaseModel]) -> dict[str, list[Any]]:
    return {name: [] for name in model.model_fields}


def _has_validators(model: type[BaseModel]) -> bool:
    decorators = model.__pydantic_decorators__
    return bool(decorators.field_validators or decorators.model_validators
                or decorators.validators or decorators.root_validators)


def _columns(model: type[BaseModel], bindings: list[Binding],
             rows: list[list[Any]]) -> dict[str, list[Any]] | None:
    """Every field's column, converted and validated; None at the first bad cell."""
    values: dict[str, list[Any]] = {}
    bound = {binding.field: binding for binding in bindings}
    for name, info in model.model_fields.items():
        binding = bound.get(name)
        if binding is None:  # optional and not in the file: its default
            values[name] = [info.get_default(call_default_factory=True)] * len(rows)
            continue
        column = _converted(binding, info.get_default(call_default_factory=True), rows)
        if column is None:
            return None
        try:
            values[name] = _adapter(model, name).validate_python(column)
        except ValidationError:
            return None
    return values


def _converted(binding: Binding, default: Any, rows: list[list[Any]]) -> list[Any] | None:
    index, convert = binding.index, binding.convert
    empty = None if binding.none_if_empty else default
    seen: dict[tuple[type, Any], Any] = {}  # exports repeat values (units, suppliers, 10.0)
    column: list[Any] = []
    append = column.append
    for cells in rows:
        raw = cells[index] if index < len(cells) else None
        if raw is None or raw == "":
            if binding.required:
                return None
            append(empty)
            continue
        if convert is None:
            append(raw)
            continue
        key = (type(raw), raw)
        if key in seen:
            append(seen[key])
            continue
        try:
            converted = seen[key] = convert(raw)
        except CellError:
            return None
        append(converted)
    return column


@lru_cache(maxsize=128)
def _adapter(model: type[BaseModel], name: str) -> TypeAdapter[list[Any]]:
    info = model.model_fields[name]
    strict = model.model_config.get("strict")
    return TypeAdapter(list[Annotated[info.annotation, info]],  # type: ignore[name-defined]
                       config=ConfigDict(strict=strict) if strict is not None else None)
