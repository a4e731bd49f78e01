"""An order book straight from columns of exported values (no record per order line).

The robot reads its order and receipt workbooks as columns
(:func:`finrpa.steps.sheet_columns.read_xlsx_columns`); :func:`book_from_field_columns` turns
those into the book's fixed-point columns, giving the same book as :meth:`OrderBook.build` over
the same rows would.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import numpy as np

from finrpa.matching._records import CLOSED, OPEN
from finrpa.matching._values import MONEY_DIGITS, QTY_DIGITS, to_scaled
from finrpa.matching.book import Categorical, OrderBook, OrderColumns, ReceiptColumns


def book_from_field_columns(
    orders: Mapping[str, Sequence[Any]], receipts: Mapping[str, Sequence[Any]]
) -> OrderBook:
    """The book of order-line columns (the fields of ``OrderLine``: ``po_number``,
    ``line_number``, ``supplier_business_id``, ..., ``status``, optionally ``service``) and
    receipt columns (``po_number``, ``line_number``, ``received_quantity``).

    Raises ValueError, naming the order line, for a status other than open/closed, a value too
    precise to keep, or a repeated line."""
    po, line = orders["po_number"], orders["line_number"]
    count = len(po)
    statuses = orders["status"]
    for row, status in enumerate(statuses):
        if status not in (OPEN, CLOSED):
            raise ValueError(f"order {po[row]} line {line[row]}: status must be 'open' or "
                             f"'closed', not {status!r}")
    service = orders.get("service")
    columns = OrderColumns(
        po_number=np.array(po, dtype=object),
        line_number=np.array(line, dtype=np.int64),
        supplier_business_id=Categorical.of(orders["supplier_business_id"]),
        supplier_name=Categorical.of(orders["supplier_name"]),
        item_code=np.array(orders["item_code"], dtype=object),
        description=np.array(orders["description"], dtype=object),
        quantity=_scaled(orders["quantity"], QTY_DIGITS, po, line),
        unit=Categorical.of(orders["unit"]),
        unit_price=_scaled(orders["unit_price"], MONEY_DIGITS, po, line),
        vat_rate=_scaled(orders["vat_rate"], MONEY_DIGITS, po, line),
        currency=Categorical.of(orders["currency"]),
        closed=np.array([status == CLOSED for status in statuses], dtype=bool),
        service=np.array([-1 if flag is None else int(flag) for flag in service], np.int8)
        if service is not None else np.full(count, -1, dtype=np.int8),
        received=np.zeros(count, dtype=np.int64),
    )
    receipt_po, receipt_line = receipts["po_number"], receipts["line_number"]
    return OrderBook.from_columns(columns, ReceiptColumns(
        np.array(receipt_po, dtype=object), np.array(receipt_line, dtype=np.int64),
        _scaled(receipts["received_quantity"], QTY_DIGITS, receipt_po, receipt_line)))


def _scaled(values: Sequence[Decimal], digits: int, po: Sequence[str],
            line: Sequence[int]) -> np.ndarray:
    known: dict[Decimal, int] = {}  # equal Decimals ("1.0", "1") scale to the same int
    scaled = np.empty(len(values), dtype=np.int64)
    for row, value in enumerate(values):
        number = known.get(value)
        if number is None:
            number = to_scaled(value, digits)
            if number is None:
                raise ValueError(f"order {po[row]} line {line[row]}: {value} has more than "
                                 f"{digits} decimals or is too large")
            known[value] = number
        scaled[row] = number
    return scaled
