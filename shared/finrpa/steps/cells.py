"""Cell values from spreadsheets and CSV files converted to Python types, or a :class:`CellError`.

Excel numbers arrive as binary floats; money never passes through float arithmetic: a float
becomes ``Decimal(format(x, ".15g"))``, the 15 significant digits Excel keeps and shows, so a
typed ``1234.56`` stays ``Decimal("1234.56")`` and a formula's ``0.1+0.2`` gives ``Decimal("0.3")``
rather than ``0.30000000000000004`` (what ``repr`` would give). Text goes through
:func:`finrpa.money.to_decimal`, which reads a Finnish decimal comma.
"""

from __future__ import annotations

import enum
import math
import re
import types
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from finrpa.money import to_decimal

Converter = Callable[[Any], Any]


class CellError(ValueError):
    """A cell's value does not fit its column; the message says what was expected."""


def column_letter(index: int) -> str:
    """``0`` → ``A``, ``27`` → ``AB``."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


_EXCEL_EPOCH = date(1899, 12, 30)
_ONE, _ZERO = Decimal(1), Decimal(0)
_FI_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


def to_decimal_cell(value: Any) -> Decimal:
    """A number cell (float, int, or text with decimal point or comma) as Decimal."""
    if type(value) is float:
        text = format(value, ".15g")
        if "e" in text or "n" in text:  # exponent form, or nan / inf
            if not math.isfinite(value):
                raise CellError("a finite number")
            result = Decimal(text)
            exponent = result.as_tuple().exponent
            return result.quantize(_ONE) if isinstance(exponent, int) and exponent > 0 else result
        return _ZERO if value == 0 else Decimal(text)  # no "-0"
    if isinstance(value, bool):
        raise CellError("a number, not TRUE/FALSE")
    try:
        return to_decimal(value)
    except (TypeError, ValueError) as exc:
        raise CellError("a number") from exc


def to_int_cell(value: Any) -> int:
    """A whole-number cell as int; ``3.0`` is fine, ``2.5`` is not."""
    if isinstance(value, bool):
        raise CellError("a whole number, not TRUE/FALSE")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise CellError("a whole number")
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    raise CellError("a whole number")


def to_str_cell(value: Any) -> str:
    """Any cell as text; a whole number typed in a text column loses its ``.0``."""
    if type(value) is str:
        return value.strip()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(value, ".15g")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def to_date_cell(value: Any) -> date:
    """An Excel date, an Excel serial number, ``2024-01-31`` or ``31.1.2024``."""
    if isinstance(value, datetime):
        if value.time() != datetime.min.time():
            raise CellError("a date without a time of day")
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and 1 <= value <= 2958465:
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise CellError("a date")
    text = str(value).strip()
    match = _FI_DATE.match(text)
    try:
        if match:
            day, month, year = (int(part) for part in match.groups())
            return date(year, month, day)
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CellError("a date (YYYY-MM-DD or D.M.YYYY)") from exc


def to_datetime_cell(value: Any) -> datetime:
    """An Excel date-time or ISO 8601 text."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    try:
        return datetime.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise CellError("a date and time (YYYY-MM-DD HH:MM)") from exc


_TRUE = {"true", "1", "yes", "y", "x", "kyllä", "k", "ja"}
_FALSE = {"false", "0", "no", "n", "ei", "e", "nej"}


def to_bool_cell(value: Any) -> bool:
    """TRUE/FALSE, 1/0, yes/no, kyllä/ei."""
    if isinstance(value, bool):
        return value
    text = to_str_cell(value).casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError("TRUE or FALSE (also 1/0, yes/no, kyllä/ei)")


def _choice(options: Sequence[Any]) -> Converter:
    by_text = {to_str_cell(getattr(o, "value", o)).casefold(): o for o in options}
    listed = ", ".join(str(getattr(o, "value", o)) for o in options)

    def convert(value: Any) -> Any:
        found = by_text.get(to_str_cell(value).casefold())
        if found is None:
            raise CellError(f"one of: {listed}")
        return found

    return convert


_SIMPLE: dict[Any, tuple[Converter, str]] = {
    Decimal: (to_decimal_cell, "a number"),
    int: (to_int_cell, "a whole number"),
    float: (lambda v: float(to_decimal_cell(v)), "a number"),
    str: (to_str_cell, "text"),
    date: (to_date_cell, "a date"),
    datetime: (to_datetime_cell, "a date and time"),
    bool: (to_bool_cell, "TRUE or FALSE"),
}


def converter_for(annotation: Any) -> tuple[Converter | None, bool]:
    """(converter, optional) for a field type; no converter for types left to pydantic.

    ``X | None`` is optional; ``Annotated[X, …]`` converts as ``X`` (pydantic then applies the
    constraints); ``Literal`` and ``Enum`` values are matched without regard to case.
    """
    optional = False
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        optional = len(members) < len(get_args(annotation))
        if len(members) != 1:
            return None, optional
        annotation, origin = members[0], get_origin(members[0])
    if origin is Annotated:
        inner, optional_inner = converter_for(get_args(annotation)[0])
        return inner, optional or optional_inner
    if annotation in _SIMPLE:
        return _SIMPLE[annotation][0], optional
    if origin is Literal:
        return _choice(get_args(annotation)), optional
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return _choice(list(annotation)), optional
    return None, optional


def expected_text(annotation: Any) -> str:
    """A person's description of what a column of this type holds."""
    for member in [annotation, *get_args(annotation)]:
        if member in _SIMPLE:
            return _SIMPLE[member][1]
    return "a valid value"
