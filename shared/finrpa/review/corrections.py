"""Corrections a reviewer makes to the fields a queue declares editable. Pure.

A queue's ``editable_fields`` lists dotted paths into the payload (``invoice.order_reference``,
``lines.0.order_reference``). The form shows each path's current value as text; the corrected
payload is a copy with only those paths changed. The queue's payload model validates it when
the store saves it, so a value the robot cannot read never reaches it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from finrpa.review.errors import ReviewRefused

_MISSING = object()


@dataclass(frozen=True)
class EditableField:
    """One editable path and its current value as the form shows it."""

    path: str
    value: str


def _parts(path: str) -> list[str]:
    parts = path.split(".")
    if not all(parts):
        raise ValueError(f"invalid field path {path!r}")
    return parts


def read_path(payload: Any, path: str) -> Any:
    """The value at ``path``, or None when the path does not exist."""
    current = payload
    for part in _parts(path):
        if isinstance(current, Mapping):
            current = current.get(part)
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    return current


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def editable_fields(payload: Any, paths: Sequence[str] | None) -> list[EditableField]:
    """The editable fields with their current values, in the queue's order."""
    return [EditableField(path, _as_text(read_path(payload, path))) for path in paths or ()]


def _coerce(old: Any, text: str) -> Any:
    text = text.strip()
    if text == "":
        return None
    if isinstance(old, bool):
        return text.lower() in {"true", "1", "yes", "on"}
    if isinstance(old, int):
        try:
            return int(text)
        except ValueError:
            return text
    return text


def _set_path(payload: Any, parts: list[str], value: Any) -> None:
    current = payload
    for part in parts[:-1]:
        if isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        elif isinstance(current, dict):
            current = current.setdefault(part, {})
        else:
            raise ValueError(f"cannot set {'.'.join(parts)}: {part!r} is not a mapping")
    last = parts[-1]
    if isinstance(current, list) and last.isdigit() and int(last) < len(current):
        current[int(last)] = value
    elif isinstance(current, dict):
        current[last] = value
    else:
        raise ValueError(f"cannot set {'.'.join(parts)}")


def apply_corrections(payload: Any, paths: Sequence[str] | None,
                      changes: Mapping[str, str]) -> tuple[Any, dict[str, tuple[Any, Any]]]:
    """A corrected copy of ``payload`` and {path: (before, after)} of what actually changed.

    ReviewRefused when a change names a path the queue does not declare editable.
    """
    allowed = set(paths or ())
    refused = sorted(set(changes) - allowed)
    if refused:
        raise ReviewRefused("field_not_editable", f"not editable here: {', '.join(refused)}")
    corrected = copy.deepcopy(payload) if payload is not None else {}
    changed: dict[str, tuple[Any, Any]] = {}
    for path, text in changes.items():
        old = read_path(payload, path)
        new = _coerce(old, text)
        if new != old and not (new is None and old in ("", None)):
            _set_path(corrected, _parts(path), new)
            changed[path] = (old, new)
    return corrected, changed
