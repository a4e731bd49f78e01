"""The order book: purchase-order lines with their received quantities, stored as columns.

Rows are kept sorted by (order, line number), so one order is a contiguous range of rows and a
row is found by binary search. Both matching paths read the same columns: the per-invoice path
through :meth:`OrderBook.order` and :meth:`OrderBook.find_row`, the batch path directly.
Quantities are fixed-point in millionths and prices and VAT rates in ten thousandths (see
:mod:`finrpa.matching._values`); an order value with more decimals is refused when the book
is built.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cached_property
from itertools import repeat

import numpy as np

from finrpa.matching._columns import (
    Categorical,
    OrderColumns,
    ReceiptColumns,
    encode_runs,
    positions,
    run_starts,
    sorted_distinct,
)
from finrpa.matching._records import CLOSED, OPEN, OrderLine, Receipt
from finrpa.matching._values import (
    MONEY_DIGITS,
    QTY_DIGITS,
    business_key,
    from_scaled,
    text_key,
    to_scaled,
)

__all__ = [
    "LINE_BITS",
    "Categorical",
    "OrderBook",
    "OrderColumns",
    "ReceiptColumns",
    "encode_runs",
    "sorted_distinct",
]

LINE_BITS = 24  # line numbers below 2**24 share an int64 key with the order's code
# Orders up to this many lines are searched within themselves by OrderBook.rows_of.
_SHORT_ORDER = 64


@dataclass
class _Ahead:
    """What :meth:`OrderBook.lines_prefetched` built: order lines and received quantities by
    row, and the rows of each order looked up, by line number (None outside the block)."""

    lines: dict[int, OrderLine] = field(default_factory=dict)
    received: dict[int, Decimal] = field(default_factory=dict)
    line_rows: dict[int, dict[int, int]] | None = None


@dataclass
class OrderBook:
    """Order lines and receipts, indexed by order number. Build with :meth:`build` (records) or
    :meth:`from_columns` (arrays, for large exports)."""

    columns: OrderColumns
    po_numbers: list[str]
    po_index: dict[str, int]
    po_start: np.ndarray  # int64, len(po_numbers) + 1
    row_keys: np.ndarray = field(repr=False)  # int64, (order code << LINE_BITS) | line number
    # What :meth:`lines_prefetched` built ahead; empty outside it.
    _ahead: _Ahead = field(default_factory=_Ahead, init=False, repr=False, compare=False)

    # -- building ----------------------------------------------------------------------------

    @classmethod
    def build(cls, order_lines: Iterable[OrderLine], receipts: Iterable[Receipt]) -> OrderBook:
        """A book of ``order_lines`` with the sums of ``receipts`` (receipts for lines not in the
        book are ignored). Raises ValueError for a repeated line or a value too precise to keep."""
        lines = sorted(order_lines, key=lambda line: (line.po_number, line.line_number))
        received: dict[tuple[str, int], Decimal] = {}
        for receipt in receipts:
            key = (receipt.po_number, receipt.line_number)
            received[key] = received.get(key, Decimal(0)) + receipt.received_quantity
        columns = OrderColumns(
            po_number=np.array([line.po_number for line in lines] or [], dtype=object),
            line_number=np.array([line.line_number for line in lines], dtype=np.int64),
            supplier_business_id=Categorical.of(line.supplier_business_id for line in lines),
            supplier_name=Categorical.of(line.supplier_name for line in lines),
            item_code=np.array([line.item_code for line in lines], dtype=object),
            description=np.array([line.description for line in lines], dtype=object),
            quantity=_scaled_column(lines, "quantity", QTY_DIGITS),
            unit=Categorical.of(line.unit for line in lines),
            unit_price=_scaled_column(lines, "unit_price", MONEY_DIGITS),
            vat_rate=_scaled_column(lines, "vat_rate", MONEY_DIGITS),
            currency=Categorical.of(line.currency for line in lines),
            closed=np.array([line.closed for line in lines], dtype=bool),
            service=np.array([_service_flag(line.service) for line in lines], dtype=np.int8),
            received=np.array(
                [_exact(received.get((ln.po_number, ln.line_number), Decimal(0)), QTY_DIGITS, ln)
                 for ln in lines],
                dtype=np.int64,
            ),
        )
        return cls._indexed(columns)

    @classmethod
    def from_columns(
        cls, columns: OrderColumns, receipts: ReceiptColumns | None = None
    ) -> OrderBook:
        """A book of columns in any row order (sorted here when not grouped by order). With
        ``receipts``, the received column is their sum per line (unknown lines are ignored)."""
        book = cls._sorted(columns)
        if receipts is not None:
            get = book.po_index.get
            # map over the run heads: a C loop, where a comprehension calls get in bytecode
            codes = encode_runs(receipts.po_number, lambda heads: map(get, heads, repeat(-1)))
            rows = book.rows_of(codes, receipts.line_number)
            known = rows >= 0
            received = np.zeros(len(book), dtype=np.int64)
            np.add.at(received, rows[known], receipts.quantity[known])
            book.columns = replace(book.columns, received=received)
        return book

    @classmethod
    def _sorted(cls, columns: OrderColumns) -> OrderBook:
        """:meth:`_indexed` of ``columns`` sorted by (order, line number); orders keep the
        order of their first appearance. Columns already sorted are indexed as they are."""
        po, line = columns.po_number, columns.line_number
        _check_line_numbers(line)
        po_numbers, po_start = _order_runs(po)
        po_index = positions(po_numbers)
        codes = np.repeat(np.arange(len(po_numbers), dtype=np.int64), np.diff(po_start))
        if len(po_index) == len(po_numbers):  # grouped by order
            row_keys = (codes << LINE_BITS) | line
            if _increasing(row_keys):
                return cls(columns, po_numbers, po_index, po_start, row_keys)
        else:  # an order in several runs: number the runs by their order's first appearance
            first: dict[str, int] = {}
            run_codes = [first.setdefault(number, len(first)) for number in po_numbers]
            codes = np.repeat(np.array(run_codes, dtype=np.int64), np.diff(po_start))
        return cls._indexed(columns.take(np.lexsort((line, codes))))

    @classmethod
    def _indexed(cls, columns: OrderColumns) -> OrderBook:
        """The book of columns sorted by (order, line number)."""
        po, line = columns.po_number, columns.line_number
        _check_line_numbers(line)
        po_numbers, po_start = _order_runs(po)
        po_index = positions(po_numbers)
        if len(po_index) != len(po_numbers):
            raise ValueError("order lines are not grouped by order")
        codes = np.repeat(np.arange(len(po_numbers), dtype=np.int64), np.diff(po_start))
        row_keys = (codes << LINE_BITS) | line
        if not _increasing(row_keys):
            repeated = np.flatnonzero(row_keys[1:] == row_keys[:-1])[0]
            raise ValueError(
                f"order {po[repeated]} line {line[repeated]} appears more than once"
            )
        return cls(columns, po_numbers, po_index, po_start, row_keys)

    # -- looking up --------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.columns.po_number)

    @property
    def row_po(self) -> np.ndarray:
        """For every row, the code of its order."""
        return np.repeat(np.arange(len(self.po_numbers), dtype=np.int64), np.diff(self.po_start))

    def rows_of(self, po_codes: np.ndarray, line_numbers: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`row_in`: the row of each (order code, line number), -1 if absent."""
        valid = (po_codes >= 0) & (line_numbers >= 0) & (line_numbers < 2**LINE_BITS)
        codes = po_codes[valid]
        keys = (codes << LINE_BITS) | line_numbers[valid]
        found = self._last_row_at_most(codes, keys)
        rows = np.full(len(po_codes), -1, dtype=np.int64)
        rows[valid] = np.where(self.row_keys[found] == keys, found, -1)
        return rows

    def _last_row_at_most(self, codes: np.ndarray, keys: np.ndarray) -> np.ndarray:
        """For each key of order ``codes``, the last row of that order whose row key is at
        most the key (the order's first row when none is)."""
        base = self.po_start[codes]
        size = self.po_start[codes + 1] - base
        if len(size) == 0 or size.max() > _SHORT_ORDER:
            found = np.searchsorted(self.row_keys, keys, side="right") - 1
            return np.clip(found, base, None)
        # A binary search within each key's own order, all keys at once: an order has a few
        # lines, so a few passes over the keys instead of ~20 cache-missing probes of the
        # whole book per key (np.searchsorted), which takes twice as long on a large book.
        while True:
            half = size >> 1
            if not half.any():
                return base
            middle = base + half
            base = np.where(self.row_keys[middle] <= keys, middle, base)
            size -= half

    def po_code(self, po_number: str | None) -> int:
        """The order's code (its position), -1 when unknown or None."""
        return -1 if po_number is None else self.po_index.get(po_number, -1)

    def rows(self, po_code: int) -> range:
        """The rows of order ``po_code``."""
        return range(int(self.po_start[po_code]), int(self.po_start[po_code + 1]))

    def order(self, po_number: str) -> list[OrderLine] | None:
        """The order's lines by line number; None when the book has no such order."""
        code = self.po_code(po_number)
        return None if code < 0 else [self.line_at(row) for row in self.rows(code)]

    def row_of(self, po_number: str, line_number: int) -> int:
        """The row of one order line, -1 when absent."""
        code = self.po_code(po_number)
        return -1 if code < 0 else self.row_in(code, line_number)

    def row_in(self, po_code: int, line_number: int) -> int:
        """The row of line ``line_number`` of order ``po_code``, -1 when absent."""
        by_order = self._ahead.line_rows
        if by_order is not None:
            line_rows = by_order.get(po_code)
            if line_rows is None:
                start, stop = self.po_start[po_code : po_code + 2].tolist()
                numbers = self.columns.line_number[start:stop].tolist()
                line_rows = by_order[po_code] = dict(zip(numbers, range(start, stop), strict=True))
            return line_rows.get(line_number, -1)
        rows = self.rows(po_code)
        numbers = self.columns.line_number
        row = bisect_left(numbers, line_number, rows.start, rows.stop)
        return row if row < rows.stop and numbers[row] == line_number else -1

    def received(self, po_number: str, line_number: int) -> Decimal:
        """The quantity received on the line, summed over its receipts (0 when none)."""
        row = self.row_of(po_number, line_number)
        return Decimal(0) if row < 0 else self.received_at(row)

    def received_at(self, row: int) -> Decimal:
        """The quantity received on the order line in ``row``."""
        received = self._ahead.received.get(row)
        if received is not None:
            return received
        return from_scaled(int(self.columns.received[row]), QTY_DIGITS)

    def line_at(self, row: int) -> OrderLine:
        """The order line stored in ``row``."""
        line = self._ahead.lines.get(row)
        if line is not None:
            return line
        c = self.columns
        service = int(c.service[row])
        return OrderLine(
            str(c.po_number[row]),
            int(c.line_number[row]),
            c.supplier_business_id.labels[c.supplier_business_id.codes[row]],
            c.supplier_name.labels[c.supplier_name.codes[row]],
            str(c.item_code[row]),
            str(c.description[row]),
            from_scaled(int(c.quantity[row]), QTY_DIGITS),
            c.unit.labels[c.unit.codes[row]],
            from_scaled(int(c.unit_price[row]), MONEY_DIGITS, 2),
            from_scaled(int(c.vat_rate[row]), MONEY_DIGITS),
            c.currency.labels[c.currency.codes[row]],
            CLOSED if c.closed[row] else OPEN,
            None if service < 0 else service == 1,
        )

    @contextmanager
    def lines_prefetched(self, rows: np.ndarray) -> Iterator[None]:
        """Within the block, :meth:`line_at` and :meth:`received_at` of ``rows`` (-1 entries
        ignored) return values built here all at once, and :meth:`row_in` keeps the rows of
        each order it looked up.

        Building one line reads thirteen numpy scalars, each lookup far slower than a list's;
        taking the rows from every column with one fancy index and ``tolist`` first makes the
        batch path's explanations, which ask for tens of thousands of lines, markedly cheaper.
        (The rules look up each line of an invoice in the same order, hence the order's rows.)
        Everything is dropped on leaving the block, so a long-lived book does not keep it.
        """
        previous = self._ahead
        wanted = sorted_distinct(rows[rows >= 0])
        received = _decimals(self.columns.received[wanted], QTY_DIGITS)
        self._ahead = _Ahead(previous.lines | self._lines_of(wanted),
                             previous.received | dict(zip(wanted.tolist(), received, strict=True)),
                             {} if previous.line_rows is None else previous.line_rows)
        try:
            yield
        finally:
            self._ahead = previous

    def _lines_of(self, rows: np.ndarray) -> dict[int, OrderLine]:
        """The order lines of ``rows``: what :meth:`line_at` builds, column by column."""
        c = self.columns

        def labels(column: Categorical) -> list[str]:
            return column.label_array[column.codes[rows]].tolist()

        def texts(column: np.ndarray) -> Iterator[str]:
            return map(str, column[rows].tolist())

        columns = (
            texts(c.po_number), c.line_number[rows].tolist(),
            labels(c.supplier_business_id), labels(c.supplier_name),
            texts(c.item_code), texts(c.description),
            _decimals(c.quantity[rows], QTY_DIGITS), labels(c.unit),
            _decimals(c.unit_price[rows], MONEY_DIGITS, 2),
            _decimals(c.vat_rate[rows], MONEY_DIGITS), labels(c.currency),
            [CLOSED if closed else OPEN for closed in c.closed[rows].tolist()],
            [None if flag < 0 else flag == 1 for flag in c.service[rows].tolist()],
        )
        # map over the columns calls OrderLine with the values of a row as arguments, where
        # zip would first pack them in a tuple per row.
        return dict(zip(rows.tolist(), map(OrderLine, *columns), strict=True))

    def find_row(
        self,
        po_code: int,
        line_reference: int | None,
        article_key: str | None,
        name_key: str | None,
        unit_price: int | None,
    ) -> tuple[int, str]:
        """Match one invoice line to a row of order ``po_code``: (row or -1, how).

        A line reference decides alone. Otherwise the article ID is compared with the item
        code (case- and space-insensitively), then the description together with the unit price
        (``unit_price`` scaled; None when the price is missing or too precise). The first
        matching row by line number wins.
        """
        if line_reference is not None:
            return self.row_in(po_code, line_reference), "line_reference"
        c = self.columns
        start, stop = self.po_start[po_code : po_code + 2].tolist()  # lists, not numpy scalars
        if article_key is not None:
            for row, item in enumerate(c.item_code[start:stop].tolist(), start):
                if text_key(item) == article_key:
                    return row, "article_id"
        if name_key is not None and unit_price is not None:
            prices = c.unit_price[start:stop].tolist()
            for row, description in enumerate(c.description[start:stop].tolist(), start):
                if prices[row - start] == unit_price and text_key(description) == name_key:
                    return row, "description_price"
        return -1, "none"

    def supplier_business_id(self, po_code: int) -> str:
        """The order's supplier business ID as the order states it (its first line's)."""
        c = self.columns.supplier_business_id
        return c.labels[c.codes[self.po_start[po_code]]]

    def supplier_key(self, po_code: int) -> str | None:
        """The order supplier's business ID in comparable form (see ``business_key``)."""
        return business_key(self.supplier_business_id(po_code))

    def currency(self, po_code: int) -> str:
        """The order's currency (its first line's), upper case."""
        c = self.columns.currency
        return c.labels[c.codes[self.po_start[po_code]]].strip().upper()

    def all_closed(self, po_code: int) -> bool:
        """True when every line of the order is closed."""
        return bool(self.closed_orders[po_code])

    @cached_property
    def closed_orders(self) -> np.ndarray:
        """For every order, True when all its lines are closed."""
        if not self.po_numbers:
            return np.zeros(0, dtype=bool)
        return np.logical_and.reduceat(self.columns.closed, self.po_start[:-1])


def _check_line_numbers(line: np.ndarray) -> None:
    if len(line) and (line.min() < 0 or line.max() >= 2**LINE_BITS):
        raise ValueError(f"order line numbers must be between 0 and {2**LINE_BITS - 1}")


def _order_runs(po: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The order number of every run of equal order numbers, and where the runs start (with
    the row count appended)."""
    starts = run_starts(po)
    return po[starts[:-1]].tolist(), starts


def _increasing(keys: np.ndarray) -> bool:
    return bool(np.all(keys[1:] > keys[:-1]))


def _decimals(values: np.ndarray, digits: int, places: int = 0) -> list[Decimal]:
    """``from_scaled`` of every value; values repeated a lot (quantities, VAT rates) are
    converted once each, which costs a fraction of a call per value."""
    distinct, inverse = np.unique(values, return_inverse=True)
    if 2 * len(distinct) > len(values):
        return list(map(from_scaled, values.tolist(), repeat(digits), repeat(places)))
    decimals = list(map(from_scaled, distinct.tolist(), repeat(digits), repeat(places)))
    return list(map(decimals.__getitem__, inverse.tolist()))


def _service_flag(service: bool | None) -> int:
    return -1 if service is None else int(service)


def _exact(value: Decimal, digits: int, line: OrderLine) -> int:
    scaled = to_scaled(value, digits)
    if scaled is None:
        raise ValueError(
            f"order {line.po_number} line {line.line_number}: {value} has more than "
            f"{digits} decimals or is too large"
        )
    return scaled


def _scaled_column(lines: Sequence[OrderLine], name: str, digits: int) -> np.ndarray:
    return np.array([_exact(getattr(line, name), digits, line) for line in lines], np.int64)
