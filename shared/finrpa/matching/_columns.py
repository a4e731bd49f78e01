"""The order book's columns: low-cardinality text, order lines and receipts as numpy arrays."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Categorical:
    """A low-cardinality text column: ``labels[codes[i]]`` is row i's value."""

    codes: np.ndarray
    labels: list[str]

    @classmethod
    def of(cls, values: Iterable[str]) -> Categorical:
        """Encode ``values``."""
        values = list(values)
        labels, codes = _encoded(values)
        return cls(np.fromiter(codes, dtype=np.int32, count=len(values)), labels)

    @classmethod
    def of_array(cls, values: np.ndarray) -> Categorical:
        """Encode a numpy column (fast when equal values come in runs, as in order exports)."""
        labels: list[str] = []

        def encode(heads: list[str]) -> Iterable[int]:
            found, codes = _encoded(heads)
            labels.extend(found)
            return codes

        return cls(encode_runs(values, encode).astype(np.int32), labels)

    @cached_property
    def label_array(self) -> np.ndarray:
        """The labels as an object array, to look many codes up with one fancy index."""
        array = np.empty(len(self.labels), dtype=object)
        array[:] = self.labels
        return array

    def take(self, rows: np.ndarray) -> Categorical:
        """The rows ``rows`` of this column."""
        return Categorical(self.codes[rows], self.labels)


def _encoded(values: list[str]) -> tuple[list[str], Iterator[int]]:
    """The distinct values in order of first appearance, and the position of each value among
    them. (dict.fromkeys and map loop in C; a comprehension of setdefault calls would run
    bytecode for every value.)"""
    labels = list(dict.fromkeys(values))
    return labels, map(positions(labels).__getitem__, values)


def sorted_distinct(values: np.ndarray) -> np.ndarray:
    """``np.unique`` of an int array, by sorting: numpy 2.4's hash-based unique takes 0.8 s on
    a million ints, a sort 20 ms."""
    ordered = np.sort(values)
    keep = np.ones(len(ordered), dtype=bool)
    keep[1:] = ordered[1:] != ordered[:-1]
    return ordered[keep]


def run_starts(values: np.ndarray) -> np.ndarray:
    """Where every run of equal values starts, with the length of ``values`` appended."""
    change = np.ones(len(values), dtype=bool)
    change[1:] = values[1:] != values[:-1]
    return np.append(np.flatnonzero(change), len(values)).astype(np.int64)


def positions(values: list[Any]) -> dict[Any, int]:
    """Each value's position in ``values`` (the last, for a repeated one)."""
    return dict(zip(values, itertools.count()))


def encode_runs(values: np.ndarray, encode: Callable[[list[Any]], Iterable[int]]) -> np.ndarray:
    """``encode`` applied to the first value of every run of equal values, spread over the run."""
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = run_starts(values)
    heads = starts[:-1]
    # fromiter: np.asarray of a list would first scan it for the type and shape of the array
    codes = np.fromiter(encode(values[heads].tolist()), dtype=np.int64, count=len(heads))
    return np.repeat(codes, np.diff(starts))


@dataclass(frozen=True)
class ReceiptColumns:
    """Goods receipts as columns: order number, line number, quantity in millionths."""

    po_number: np.ndarray
    line_number: np.ndarray  # int64
    quantity: np.ndarray  # int64


@dataclass(frozen=True)
class OrderColumns:
    """The book's columns, one row per order line, sorted by (order, line number)."""

    po_number: np.ndarray  # object: str
    line_number: np.ndarray  # int64
    supplier_business_id: Categorical
    supplier_name: Categorical
    item_code: np.ndarray  # object: str
    description: np.ndarray  # object: str
    quantity: np.ndarray  # int64, millionths
    unit: Categorical
    unit_price: np.ndarray  # int64, ten thousandths
    vat_rate: np.ndarray  # int64, ten thousandths of a percent
    currency: Categorical
    closed: np.ndarray  # bool
    service: np.ndarray  # int8: 1 service, 0 goods, -1 decided by unit
    received: np.ndarray  # int64, millionths

    def take(self, rows: np.ndarray) -> OrderColumns:
        """The columns reordered (or filtered) by ``rows``."""
        values: dict[str, Any] = {}
        for name, column in vars(self).items():
            values[name] = column.take(rows) if isinstance(column, Categorical) else column[rows]
        return OrderColumns(**values)
