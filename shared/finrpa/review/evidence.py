"""Evidence as a reviewer reads it: line by line, side by side, differences marked. Pure.

Any evidence mapping with a ``lines`` list is shown as one table per line, with a row per field
and a column per document (invoice line, order line, receipt), the difference and the tolerance;
a field named in the line's ``differences`` is marked. The invoice robot writes::

    {"lines": [{"invoice_line": {...}, "order_line": {...} | None, "receipt": {...} | None,
                "differences": {"unit_price": {"invoice": "12.50", "order": "11.90",
                                               "difference": "0.60", "tolerance": "0.25"}},
                "reasons": ["PRICE_VARIANCE"]}],
     "header": {...}, "reasons": [...]}

The documents may also be named ``invoice``, ``order`` and ``receipt``; a line's ``tolerance``
mapping is shown under its table, its other keys (``matched_by``, ``cumulative``...) beside it,
and a difference's keys beyond the documents, ``difference`` and ``tolerance`` (``percent``,
say) next to the difference. Any other evidence becomes a list of (dotted key, value) pairs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

#: The documents of a line, in the order the columns show them.
SIDES = ("invoice_line", "order_line", "receipt")
#: The keys a line may give each document under, first match wins.
_SIDE_KEYS = {"invoice_line": ("invoice_line", "invoice"), "order_line": ("order_line", "order"),
              "receipt": ("receipt", "goods_receipt")}
#: The key of each side in a ``differences`` entry.
_DIFFERENCE_KEYS = {"invoice_line": "invoice", "order_line": "order", "receipt": "receipt"}
_DIFFERENCE_OWN = frozenset({*_DIFFERENCE_KEYS.values(), "difference", "tolerance"})
_LINE_OWN = frozenset({key for keys in _SIDE_KEYS.values() for key in keys}
                      | {"differences", "reasons", "tolerance"})
_MAX_DEPTH = 6


@dataclass(frozen=True)
class FieldRow:
    """One field of a line across the documents; ``differs`` when the robot flagged it."""

    name: str
    values: tuple[str | None, ...]
    difference: str | None = None
    tolerance: str | None = None
    differs: bool = False
    notes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class LineView:
    """One invoice line next to its order line and receipt."""

    number: int
    label: str
    present: tuple[bool, ...]
    rows: tuple[FieldRow, ...]
    reasons: tuple[str, ...]
    tolerance: tuple[tuple[str, str], ...] = ()
    details: tuple[tuple[str, str], ...] = ()

    @property
    def has_differences(self) -> bool:
        return any(row.differs for row in self.rows)


@dataclass(frozen=True)
class EvidenceView:
    """What the item page shows of the evidence."""

    lines: tuple[LineView, ...] = ()
    header: tuple[tuple[str, str], ...] = ()
    reasons: tuple[str, ...] = ()
    fields: tuple[tuple[str, str], ...] = field(default=())

    @property
    def empty(self) -> bool:
        return not (self.lines or self.header or self.reasons or self.fields)


def display(value: Any) -> str | None:
    """A value as text: None stays None, containers as compact JSON, the rest as str."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping | list | tuple):
        return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    return str(value)


def flatten(value: Any, prefix: str = "", depth: int = 0) -> Iterator[tuple[str, str]]:
    """(dotted key, text) pairs of a nested structure; lists of scalars stay one value."""
    if isinstance(value, Mapping) and depth < _MAX_DEPTH:
        for key, inner in value.items():
            yield from flatten(inner, f"{prefix}.{key}" if prefix else str(key), depth + 1)
    elif (isinstance(value, list) and depth < _MAX_DEPTH
          and any(isinstance(inner, Mapping | list) for inner in value)):
        for index, inner in enumerate(value, start=1):
            yield from flatten(inner, f"{prefix}[{index}]", depth + 1)
    elif isinstance(value, list):
        yield prefix or "value", ", ".join(display(inner) or "" for inner in value)
    else:
        yield prefix or "value", display(value) or ""


def _texts(values: Any) -> tuple[str, ...]:
    if isinstance(values, list):
        return tuple(display(value) or "" for value in values)
    text = display(values)
    return (text,) if text else ()


def _side(line: Mapping[str, Any], side: str) -> Mapping[str, Any] | None:
    for key in _SIDE_KEYS[side]:
        if isinstance(line.get(key), Mapping):
            return line[key]  # type: ignore[no-any-return]
    return None


def _field_row(name: str, sides: list[Mapping[str, Any] | None],
               differences: Mapping[str, Any]) -> FieldRow:
    flagged = differences.get(name) if isinstance(differences.get(name), Mapping) else None
    values = []
    for side, document in zip(SIDES, sides, strict=True):
        value = document.get(name) if document else None
        if value is None and flagged is not None:
            value = flagged.get(_DIFFERENCE_KEYS[side])
        values.append(display(value))
    notes = tuple(flatten({key: value for key, value in flagged.items()
                           if key not in _DIFFERENCE_OWN})) if flagged else ()
    return FieldRow(name=name, values=tuple(values),
                    difference=display(flagged.get("difference")) if flagged else None,
                    tolerance=display(flagged.get("tolerance")) if flagged else None,
                    differs=name in differences, notes=notes)


def _line(number: int, line: Mapping[str, Any]) -> LineView:
    sides = [_side(line, side) for side in SIDES]
    found = line.get("differences")
    differences: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    names: list[str] = []
    for document in [*sides, differences]:
        for name in document or {}:
            if name not in names:
                names.append(str(name))
    invoice = sides[0] or {}
    label = display(line.get("line_id") or invoice.get("line_id") or invoice.get("name"))
    tolerance = line.get("tolerance")
    return LineView(
        number=number, label=label or str(number),
        present=tuple(document is not None for document in sides),
        rows=tuple(_field_row(name, sides, differences) for name in names),
        reasons=_texts(line.get("reasons")),
        tolerance=tuple(flatten(tolerance)) if isinstance(tolerance, Mapping) else (),
        details=tuple(flatten({key: value for key, value in line.items()
                               if key not in _LINE_OWN})))


def evidence_view(evidence: Any) -> EvidenceView:
    """The view of any evidence: side-by-side lines when it has ``lines``, else fields."""
    if evidence is None:
        return EvidenceView()
    if isinstance(evidence, Mapping) and isinstance(evidence.get("lines"), list):
        lines = tuple(_line(number, line) for number, line in
                      enumerate(evidence["lines"], start=1) if isinstance(line, Mapping))
        header = evidence.get("header")
        rest = {key: value for key, value in evidence.items()
                if key not in {"lines", "header", "reasons"}}
        return EvidenceView(
            lines=lines,
            header=tuple(flatten(header)) if isinstance(header, Mapping) else (),
            reasons=_texts(evidence.get("reasons")),
            fields=tuple(flatten(rest)) if rest else (),
        )
    return EvidenceView(fields=tuple(flatten(evidence)))
