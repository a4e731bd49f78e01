"""The batch path's columnar checks: everything but quantities and duplicates.

Each function mirrors one rule of :mod:`finrpa.matching.rules` on int64 columns and sets the
rule's bit in a per-invoice reason mask. Products that could overflow int64 are compared
exactly by :func:`product_gt`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from finrpa.matching._records import is_service_unit
from finrpa.matching._values import (
    MISSING,
    MONEY_DIGITS,
    QTY_SCALE,
    business_key,
    text_key,
    to_scaled,
)
from finrpa.matching.book import LINE_BITS, Categorical, OrderBook
from finrpa.matching.model import ReasonCode
from finrpa.matching.table import NO_LINE_REFERENCE, InvoiceTable
from finrpa.matching.tolerances import ToleranceProfile, Tolerances

_SAFE = 2.0**61
_NONE = np.array(None, dtype=object)


def product_gt(
    a: np.ndarray | int, b: np.ndarray | int, c: np.ndarray | int, d: np.ndarray | int
) -> np.ndarray:
    """Exactly ``a * b > c * d`` for int64 arrays (scalars broadcast), whatever the sizes."""
    a, b, c, d = (np.asarray(x, dtype=np.int64) for x in np.broadcast_arrays(a, b, c, d))
    left = a.astype(np.float64) * b
    right = c.astype(np.float64) * d
    small = (np.abs(left) < _SAFE) & (np.abs(right) < _SAFE)
    result = left > right
    result[small] = a[small] * b[small] > c[small] * d[small]
    for i in np.flatnonzero(~small):
        result[i] = int(a[i]) * int(b[i]) > int(c[i]) * int(d[i])
    return result


@dataclass
class Groups:
    """Tolerance groups: 0 is the default, then one per supplier override."""

    tolerances: list[Tolerances]
    index: dict[str, int]
    price_percent: np.ndarray  # int64, ten thousandths
    price_amount: np.ndarray
    total_amount: np.ndarray
    quantity_factor: np.ndarray  # int64: (100 + quantity_percent) in ten thousandths
    check_receipts: np.ndarray  # bool
    unit_service: np.ndarray  # bool [group, unit label]

    @classmethod
    def of(cls, profile: ToleranceProfile, unit_labels: list[str]) -> Groups:
        keys = list(profile.suppliers)
        tolerances = [profile.default] + [profile.for_supplier(key) for key in keys]

        def scaled(name: str, plus: Decimal = Decimal(0)) -> np.ndarray:
            values = [to_scaled(getattr(t, name) + plus, MONEY_DIGITS) for t in tolerances]
            if any(value is None for value in values):
                raise ValueError(f"tolerance {name} has more than {MONEY_DIGITS} decimals")
            return np.array(values, dtype=np.int64)

        service = [[is_service_unit(u, t.service_units) for u in unit_labels] for t in tolerances]
        return cls(
            tolerances=tolerances,
            index={key: position + 1 for position, key in enumerate(keys)},
            price_percent=scaled("price_percent"),
            price_amount=scaled("price_amount"),
            total_amount=scaled("total_amount"),
            quantity_factor=scaled("quantity_percent", Decimal(100)),
            check_receipts=np.array([t.check_receipts for t in tolerances], dtype=bool),
            unit_service=np.array(service, dtype=bool).reshape(len(tolerances), -1),
        )

    def group_of(self, key: str | None) -> int:
        return 0 if key is None else self.index.get(key, 0)


@dataclass
class Header:
    """Per-invoice values the line, quantity and duplicate passes need."""

    po_code: np.ndarray  # int64, -1 when no order
    group: np.ndarray  # int64 tolerance group
    seller_codes: np.ndarray  # int64: index into seller_keys
    seller_keys: list[str | None]  # business key of each distinct seller business ID


def factorize(values: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """Codes and distinct values (in order of appearance) of a column, in one pass."""
    index: dict[Any, int] = {}
    codes = [index.setdefault(value, len(index)) for value in values.tolist()]
    return np.array(codes, dtype=np.int64), list(index)


@dataclass
class _Orders:
    """Per-order facts, one extra entry at the end so that code 0 exists in an empty book."""

    key_ids: dict[str | None, int]  # supplier business key -> id
    currency_ids: dict[str, int]
    supplier: np.ndarray  # key id of each order's supplier
    currency: np.ndarray  # currency id of each order
    group: np.ndarray  # tolerance group of each order
    closed: np.ndarray  # all lines closed

    @classmethod
    def of(cls, book: OrderBook, groups: Groups) -> _Orders:
        c, first = book.columns, book.po_start[:-1]
        label_keys = [business_key(label) for label in c.supplier_business_id.labels]
        key_ids = {key: i for i, key in enumerate(dict.fromkeys(label_keys))}
        currencies = [label.strip().upper() for label in c.currency.labels]
        currency_ids = {label: i for i, label in enumerate(dict.fromkeys(currencies))}

        def per_order(per_label: list[int], column: Categorical) -> np.ndarray:
            return np.append(np.array(per_label, dtype=np.int64)[column.codes[first]], -2)

        return cls(
            key_ids, currency_ids,
            supplier=per_order([key_ids[k] for k in label_keys], c.supplier_business_id),
            currency=per_order([currency_ids[cur] for cur in currencies], c.currency),
            group=per_order([groups.group_of(k) for k in label_keys], c.supplier_business_id),
            closed=np.append(book.closed_orders, False),
        )


def check_headers(table: InvoiceTable, book: OrderBook, groups: Groups, mask: np.ndarray) -> Header:
    """Order reference, order found and open, supplier, currency, lines present, totals."""
    po_code = _order_codes(table, book, mask)
    found = po_code >= 0
    codes = np.where(found, po_code, 0)
    orders = _Orders.of(book, groups)
    mask[found & orders.closed[codes]] |= ReasonCode.ORDER_CLOSED.bit
    seller_codes, sellers = factorize(table.seller_business_id)
    seller_keys = [business_key(seller) for seller in sellers]
    seller_id = np.array([orders.key_ids.get(k, -1) for k in seller_keys] + [-1])[seller_codes]
    mask[found & (seller_id != orders.supplier[codes])] |= ReasonCode.SUPPLIER_MISMATCH.bit
    currency_codes, currencies = factorize(table.currency)
    currency_id = np.array([orders.currency_ids.get(str(cur).strip().upper(), -1)
                            for cur in currencies] + [-1])[currency_codes]
    mask[found & (currency_id != orders.currency[codes])] |= ReasonCode.CURRENCY_MISMATCH.bit
    seller_group = np.array([groups.group_of(k) for k in seller_keys] + [0])[seller_codes]
    group = np.where(found, orders.group[codes], seller_group)
    mask[table.readable & (np.diff(table.line_start) == 0)] |= ReasonCode.INVALID_INVOICE.bit
    _check_totals(table, groups.total_amount[group], mask)
    return Header(po_code, group, seller_codes, seller_keys)


def _order_codes(table: InvoiceTable, book: OrderBook, mask: np.ndarray) -> np.ndarray:
    """Each invoice's order code (-1: none); flags missing and unknown order references."""
    index = book.po_index
    po_code = np.array([index.get(p, -1) for p in table.po.tolist()], dtype=np.int64)
    named = np.not_equal(table.po, _NONE) & np.not_equal(table.po, "")  # None, "": no order
    mask[table.readable & ~named] |= ReasonCode.NO_ORDER_REFERENCE.bit
    mask[table.readable & named & (po_code < 0)] |= ReasonCode.ORDER_NOT_FOUND.bit
    return po_code


def _segment_sum(values: np.ndarray, start: np.ndarray) -> np.ndarray:
    total = np.concatenate(([0], np.cumsum(values, dtype=np.int64)))
    return total[start[1:]] - total[start[:-1]]


def _check_totals(table: InvoiceTable, tolerance: np.ndarray, mask: np.ndarray) -> None:
    start = table.line_start
    has_net = table.net_amount != MISSING
    net_count = _segment_sum(has_net.astype(np.int64), start)
    net_sum = _segment_sum(np.where(has_net, table.net_amount, 0), start)
    stated = np.where(table.lines_net != MISSING, table.lines_net, table.net)
    bad = (net_count > 0) & (stated != MISSING) & (np.abs(net_sum - stated) > tolerance)
    both = (table.net != MISSING) & (table.vat != MISSING)
    bad |= both & (np.abs(table.net + table.vat - table.gross) > tolerance)
    has_vat = table.vat_amount != MISSING
    vat_count = _segment_sum(has_vat.astype(np.int64), start)
    vat_sum = _segment_sum(np.where(has_vat, table.vat_amount, 0), start)
    all_vat = (vat_count == np.diff(start)) & (vat_count > 0) & (table.vat != MISSING)
    bad |= all_vat & (np.abs(vat_sum - table.vat) > tolerance)
    mask[bad & table.readable] |= ReasonCode.TOTAL_MISMATCH.bit


def resolve_rows(table: InvoiceTable, book: OrderBook, po_code: np.ndarray) -> np.ndarray:
    """The order row each invoice line matches (-1 for none), as ``OrderBook.find_row``."""
    invoice = table.line_invoice()
    line_po = po_code[invoice]
    usable = (line_po >= 0) & ~table.elsewhere
    rows = np.full(table.line_count, -1, dtype=np.int64)
    by_ref = usable & (table.line_ref >= 0) & (table.line_ref < 2**LINE_BITS)
    rows[by_ref] = book.rows_of(line_po[by_ref], table.line_ref[by_ref])
    unreferenced = np.flatnonzero(usable & (table.line_ref == NO_LINE_REFERENCE))
    # Python values (tolist) rather than a numpy scalar per field and line.
    for j, po, article, name, price in zip(
        unreferenced.tolist(), line_po[unreferenced].tolist(),
        table.article[unreferenced].tolist(), table.name[unreferenced].tolist(),
        table.unit_price[unreferenced].tolist(), strict=True,
    ):
        rows[j], _ = book.find_row(po, None, text_key(article), text_key(name),
                                   None if price == MISSING else price)
    return rows


def check_lines(
    table: InvoiceTable, book: OrderBook, header: Header, groups: Groups, rows: np.ndarray,
    mask: np.ndarray,
) -> None:
    """Missing values, lines not on the order, closed lines, price and VAT."""
    invoice = table.line_invoice()
    c = book.columns
    quantity, price = table.quantity, table.unit_price
    _flag(mask, invoice, (quantity == MISSING) | (price == MISSING), ReasonCode.INVALID_INVOICE)
    _flag(mask, invoice, (header.po_code[invoice] >= 0) & (rows < 0), ReasonCode.LINE_NOT_ON_ORDER)
    on = np.flatnonzero(rows >= 0)
    row, inv = rows[on], invoice[on]
    po_closed = book.closed_orders[header.po_code[inv]]
    _flag(mask, inv, c.closed[row] & ~po_closed, ReasonCode.ORDER_CLOSED)
    vat = table.vat_rate[on]
    _flag(mask, inv, (vat == MISSING) | (vat != c.vat_rate[row]), ReasonCode.VAT_MISMATCH)
    difference = price[on] - c.unit_price[row]
    rising = np.flatnonzero((price[on] != MISSING) & ~table.credit[inv] & (difference > 0))
    group = header.group[inv[rising]]
    absolute = np.abs(np.where(quantity[on] == MISSING, 0, quantity[on]))[rising]
    over = product_gt(difference[rising], 10**6, groups.price_percent[group], c.unit_price[
        row[rising]]) | product_gt(difference[rising], absolute, groups.price_amount[group],
                                   QTY_SCALE)
    _flag(mask, inv[rising], over, ReasonCode.PRICE_VARIANCE)


def _flag(mask: np.ndarray, invoice: np.ndarray, flagged: np.ndarray, code: ReasonCode) -> None:
    mask[invoice[flagged]] |= code.bit
