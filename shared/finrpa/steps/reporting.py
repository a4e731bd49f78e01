"""Report columns: what a report shows and how, shared by the xlsx and CSV writers.

A :class:`ReportColumn` names its header, where its value comes from (an attribute or key of
the row, or a function of it) and its kind, which decides the cell format. Text values pass
through :func:`~finrpa.steps.masking.mask_personal_ids` unless a column says otherwise: reports
are read by people, and a personal identity code in a remittance text must not reach them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from functools import cache
from typing import Any

from finrpa.money import round_money
from finrpa.steps.masking import mask_personal_ids


class ColumnKind(StrEnum):
    """How a column's values are shown."""

    TEXT = "text"
    MONEY = "money"
    NUMBER = "number"
    INTEGER = "integer"
    DATE = "date"
    DATETIME = "datetime"


#: Excel number formats per kind (the CSV writer formats the same way in text).
NUMBER_FORMATS = {
    ColumnKind.MONEY: "#,##0.00",
    ColumnKind.NUMBER: "#,##0.####",
    ColumnKind.INTEGER: "0",
    ColumnKind.DATE: "yyyy-mm-dd",
    ColumnKind.DATETIME: "yyyy-mm-dd hh:mm",
}


@dataclass(frozen=True)
class ReportColumn:
    """One report column: ``header``, the row attribute/key (or function) ``value``, ``kind``."""

    header: str
    value: str | Callable[[Any], Any]
    kind: ColumnKind = ColumnKind.TEXT
    width: int | None = None
    mask_personal_ids: bool = True

    def get(self, row: Any) -> Any:
        """This column's value for ``row`` (a model, dataclass, mapping or any object)."""
        if callable(self.value):
            raw = self.value(row)
        elif isinstance(row, Mapping):
            raw = row.get(self.value)
        else:
            raw = getattr(row, self.value, None)
        return self.clean(raw)

    def values(self, rows: Sequence[Any]) -> list[Any]:
        """:meth:`get` of each row, in bulk: reports run to hundreds of thousands of cells."""
        source = self.value
        if callable(source):
            raws = [source(row) for row in rows]
        else:
            raws = [row.get(source) if _is_mapping(row.__class__) else getattr(row, source, None)
                    for row in rows]
        clean = self.clean
        # The common classes straight away, the rest (enums, money as int, ...) through clean.
        if self.kind is ColumnKind.MONEY:
            return [round_money(raw) if raw.__class__ is Decimal else clean(raw) for raw in raws]
        if self.mask_personal_ids:
            return [mask_personal_ids(raw) if raw.__class__ is str
                    else raw if raw.__class__ in _AS_THEY_ARE else clean(raw) for raw in raws]
        return [raw if raw.__class__ in _AS_THEY_ARE or raw.__class__ is str else clean(raw)
                for raw in raws]

    def clean(self, raw: Any) -> Any:
        """The value as it goes into a cell: enums as their value, text masked, money rounded."""
        if isinstance(raw, Enum):
            raw = raw.value
        if raw is None:
            return None
        if self.kind is ColumnKind.MONEY and isinstance(raw, Decimal | int):
            return round_money(Decimal(raw))
        if isinstance(raw, str) and self.mask_personal_ids:
            return mask_personal_ids(raw)
        return raw


#: Classes that :meth:`ReportColumn.clean` returns unchanged outside money columns.
_AS_THEY_ARE = frozenset({type(None), bool, int, float, Decimal, date, datetime})


@cache
def _is_mapping(cls: type) -> bool:
    return issubclass(cls, Mapping)


def report_values(columns: Sequence[ReportColumn], rows: Iterable[Any]) -> list[list[Any]]:
    """Each row's cell values, cleaned (:meth:`ReportColumn.get`), row by row."""
    listed = rows if isinstance(rows, Sequence) else list(rows)
    if not columns:
        return [[] for _ in listed]
    return [list(row) for row in zip(*(column.values(listed) for column in columns), strict=True)]


def as_text(value: Any, kind: ColumnKind, decimal_comma: bool) -> str:
    """A cell value as CSV text: money with two decimals, dates ISO, no thousands separator."""
    if value is None:
        return ""
    if isinstance(value, Decimal | float | int) and not isinstance(value, bool):
        if kind is ColumnKind.MONEY:
            text = f"{round_money(Decimal(str(value))):f}"
        elif isinstance(value, Decimal):
            text = f"{value:f}"
        else:
            text = str(value)
        return text.replace(".", ",") if decimal_comma else text
    if isinstance(value, datetime):
        return (
            value.strftime("%Y-%m-%d %H:%M") if kind is ColumnKind.DATETIME else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def texts(values: Iterable[Any], kind: ColumnKind, decimal_comma: bool) -> list[str]:
    """:func:`as_text` of a column's values, in bulk."""
    if kind is ColumnKind.MONEY:
        point = "," if decimal_comma else "."
        return [f"{round_money(value):f}".replace(".", point) if value.__class__ is Decimal
                else as_text(value, kind, decimal_comma) for value in values]
    return [value if value.__class__ is str else "" if value is None
            else value.isoformat() if value.__class__ is date
            else as_text(value, kind, decimal_comma) for value in values]


def widest(values: Iterable[Any], kind: ColumnKind) -> int:
    """The largest :func:`display_width` of a column's values (0 when all are None)."""
    present = [value for value in values if value is not None]
    if not present:
        return 0
    if kind is ColumnKind.DATE or kind is ColumnKind.DATETIME:
        return display_width(present[0], kind)
    if kind is ColumnKind.MONEY and all(value.__class__ in _NUMBERS for value in present):
        # A formatted amount widens with its magnitude, and a minus sign adds one.
        return max(display_width(max(present), kind), display_width(min(present), kind))
    if all(value.__class__ is str for value in present):
        # Printable text has no line breaks: its width is its length.
        return max(len(value) if value.isprintable() else display_width(value, kind)
                   for value in present)
    return max(display_width(value, kind) for value in present)


_NUMBERS = frozenset({Decimal, int, float})


def display_width(value: Any, kind: ColumnKind) -> int:
    """Roughly how many characters the formatted value takes in Excel."""
    if value is None:
        return 0
    if kind is ColumnKind.MONEY and isinstance(value, Decimal | int | float):
        return len(f"{Decimal(str(value)):,.2f}")
    if kind is ColumnKind.DATE:
        return 10
    if kind is ColumnKind.DATETIME:
        return 16
    return max((len(line) for line in str(value).splitlines()), default=0)
