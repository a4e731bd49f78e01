"""The order book: building from records or columns, lookups, receipts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pytest

from finrpa.matching import Categorical, OrderBook, OrderColumns, Receipt
from finrpa.matching.book import ReceiptColumns, sorted_distinct

from .builders import order_line


def test_build_sorts_and_sums_receipts() -> None:
    lines = [order_line(2, po="B"), order_line(1, po="B"), order_line(1, po="A", unit="h")]
    receipts = [Receipt("B", 2, Decimal("3"), date(2024, 1, 1)),
                Receipt("B", 2, Decimal("1.5"), date(2024, 1, 2)),
                Receipt("Z", 1, Decimal("9"), date(2024, 1, 2))]
    book = OrderBook.build(lines, receipts)
    assert [(line.po_number, line.line_number) for line in book.order("B") or []] == [
        ("B", 1), ("B", 2)]
    assert book.order("A") == [order_line(1, po="A", unit="h")]
    assert book.order("nope") is None
    assert book.received("B", 2) == Decimal("4.5")
    assert book.received("B", 1) == 0 and book.received("Z", 1) == 0
    assert book.order("A")[0].is_service and not book.order("B")[0].is_service  # type: ignore[index]


def test_build_refuses_repeats_and_over_precise_values() -> None:
    with pytest.raises(ValueError, match="appears more than once"):
        OrderBook.build([order_line(1), order_line(1)], [])
    with pytest.raises(ValueError, match="more than 4 decimals"):
        OrderBook.build([order_line(1, unit_price="1.23456")], [])


def test_from_columns_in_any_order_with_receipts() -> None:
    po = np.array(["B", "A", "B"], dtype=object)
    columns = OrderColumns(
        po_number=po, line_number=np.array([2, 1, 1]),
        supplier_business_id=Categorical.of_array(np.array(["1", "2", "1"], dtype=object)),
        supplier_name=Categorical.of(["x", "y", "x"]),
        item_code=np.array(["I2", "I1", "I1"], dtype=object),
        description=np.array(["d2", "d1", "d1"], dtype=object),
        quantity=np.array([5, 6, 7]) * 10**6, unit=Categorical.of(["PCE"] * 3),
        unit_price=np.array([100_000, 200_000, 300_000]), vat_rate=np.array([255_000] * 3),
        currency=Categorical.of(["EUR"] * 3), closed=np.array([False, True, False]),
        service=np.array([-1, -1, 1], dtype=np.int8), received=np.zeros(3, dtype=np.int64),
    )
    receipts = ReceiptColumns(np.array(["B", "B", "Q"], dtype=object), np.array([2, 2, 1]),
                              np.array([1, 2, 5]) * 10**6)
    book = OrderBook.from_columns(columns, receipts)
    assert book.po_numbers == ["B", "A"]  # grouped in order of first appearance
    b1, b2 = book.order("B") or []
    assert (b1.line_number, b1.quantity, b1.unit_price, b1.service) == (1, 7, Decimal("30.00"),
                                                                      True)
    assert (b2.item_code, book.received("B", 2)) == ("I2", 3)
    assert book.all_closed(book.po_code("A")) and not book.all_closed(book.po_code("B"))


def test_lookups_within_a_prefetch_block_are_those_outside_it() -> None:
    lines = [order_line(n, po=po, unit=unit) for po in ("A", "B") for n, unit in
             ((1, "PCE"), (3, "h"), (7, "PCE"))]
    book = OrderBook.build(lines, [Receipt("B", 3, Decimal("2.5"), date(2024, 1, 1))])
    queries = [(po, number) for po in ("A", "B") for number in (-1, 0, 1, 2, 3, 7, 8, 2**30)]
    rows = range(len(book))

    def looked_up() -> tuple[list[int], list[object], list[Decimal]]:
        found = [book.row_in(book.po_code(po), number) for po, number in queries]
        return found, [book.line_at(row) for row in rows], [book.received_at(row) for row in rows]

    outside = looked_up()
    with book.lines_prefetched(np.array([4, 0, -1, 4])):
        assert looked_up() == outside
    assert looked_up() == outside
    assert book._ahead.line_rows is None and not book._ahead.lines  # dropped on leaving


def test_sorted_distinct_is_numpy_unique() -> None:
    values = np.array([5, -1, 3, 5, 0, 3, 3, 9], dtype=np.int64)
    assert sorted_distinct(values).tolist() == np.unique(values).tolist()
    assert sorted_distinct(np.zeros(0, dtype=np.int64)).tolist() == []


@pytest.mark.parametrize("lines_per_order", [3, 70])  # searched within the order / whole book
def test_rows_of_agrees_with_row_in(lines_per_order: int) -> None:
    book = OrderBook.build([order_line(n, po=po) for po in ("A", "B", "C")
                            for n in range(2, 2 * lines_per_order + 2, 2)], [])
    queries = [(po, number) for po in ("A", "B", "C", "nope")
               for number in (-1, 0, 1, 2, 3, 2 * lines_per_order, 2 * lines_per_order + 2, 2**30)]
    codes = np.array([book.po_code(po) for po, _ in queries])
    numbers = np.array([number for _, number in queries])
    assert book.rows_of(codes, numbers).tolist() == [
        book.row_in(code, number) if code >= 0 else -1 for code, number in zip(
            codes.tolist(), numbers.tolist(), strict=True)]
