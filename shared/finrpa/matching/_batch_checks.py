"""The batch path's columnar checks: everything but quantities and duplicates.

Each function mirrors one rule of :mod:`finrpa.matching.rules` on int64 columns and sets the
rule's bit in a per-invoice reason mask. Products that could overflow int64 are compared
exactly by :func:`product_gt`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import count, repeat
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
from finrpa.matching.book import LINE_BITS, OrderBook
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
    """Codes and distinct values (in order of appearance) of a column."""
    items = values.tolist()
    # setdefault mapped in C (no bytecode per value): the position where each value first
    # occurs, then numbered in order.
    first: dict[Any, int] = {}
    at = np.fromiter(map(first.setdefault, items, count()), np.int64, len(items))
    number = np.zeros(len(items), dtype=np.int64)
    number[np.fromiter(first.values(), np.int64, len(first))] = np.arange(len(first))
    return number[at], list(first)


@dataclass
class _Orders:
    """The orders' suppliers and currencies, by label of the book's columns."""

    key_ids: dict[str | None, int]  # supplier business key -> id
    currency_ids: dict[str, int]
    supplier: np.ndarray  # key id of each supplier label
    currency: np.ndarray  # currency id of each currency label
    group: np.ndarray  # tolerance group of each supplier label

    @classmethod
    def of(cls, book: OrderBook, groups: Groups) -> _Orders:
        c = book.columns
        label_keys = [business_key(label) for label in c.supplier_business_id.labels]
        key_ids = {key: i for i, key in enumerate(dict.fromkeys(label_keys))}
        currencies = [label.strip().upper() for label in c.currency.labels]
        currency_ids = {label: i for i, label in enumerate(dict.fromkeys(currencies))}
        return cls(
            key_ids, currency_ids,
            supplier=np.array([key_ids[k] for k in label_keys], dtype=np.int64),
            currency=np.array([currency_ids[cur] for cur in currencies], dtype=np.int64),
            group=np.array([groups.group_of(k) for k in label_keys], dtype=np.int64),
        )


def check_headers(table: InvoiceTable, book: OrderBook, groups: Groups, mask: np.ndarray) -> Header:
    """Order reference, order found and open, supplier, currency, lines present, totals."""
    po_code = _order_codes(table, book, mask)
    on = np.flatnonzero(po_code >= 0)  # the invoices whose order is in the book
    code = po_code[on]
    # An order's supplier and currency are those of its first line.
    supplier = book.columns.supplier_business_id.codes[book.po_start[code]]
    currency = book.columns.currency.codes[book.po_start[code]]
    orders = _Orders.of(book, groups)
    mask[on[book.closed_orders[code]]] |= ReasonCode.ORDER_CLOSED.bit
    seller_codes, sellers = factorize(table.seller_business_id)
    seller_keys = [business_key(seller) for seller in sellers]
    seller_id = np.array([orders.key_ids.get(k, -1) for k in seller_keys],
                         dtype=np.int64)[seller_codes[on]]
    mask[on[seller_id != orders.supplier[supplier]]] |= ReasonCode.SUPPLIER_MISMATCH.bit
    currency_codes, currencies = factorize(table.currency)
    currency_id = np.array([orders.currency_ids.get(str(cur).strip().upper(), -1)
                            for cur in currencies], dtype=np.int64)[currency_codes[on]]
    mask[on[currency_id != orders.currency[currency]]] |= ReasonCode.CURRENCY_MISMATCH.bit
    group = np.array([groups.group_of(k) for k in seller_keys], dtype=np.int64)[seller_codes]
    group[on] = orders.group[supplier]
    mask[table.readable & (np.diff(table.line_start) == 0)] |= ReasonCode.INVALID_INVOICE.bit
    _check_totals(table, groups.total_amount[group], mask)
    return Header(po_code, group, seller_codes, seller_keys)


def _order_codes(table: InvoiceTable, book: OrderBook, mask: np.ndarray) -> np.ndarray:
    """Each invoice's order code (-1: none); flags missing and unknown order references."""
    po = table.po.tolist()
    # map calls po_index.get(p, -1) from C, without a comprehension's bytecode per invoice.
    po_code = np.fromiter(map(book.po_index.get, po, repeat(-1)), np.int64, len(po))
    named = table.po.astype(bool)  # None, "": no order (truth, as the column holds str or None)
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
    rows[unreferenced] = _rows_by_content(table, book, unreferenced, line_po[unreferenced])
    return rows


def _rows_by_content(
    table: InvoiceTable, book: OrderBook, lines: np.ndarray, po: np.ndarray
) -> np.ndarray:
    """``OrderBook.find_row`` without a line reference for many ``lines`` (of orders ``po``):
    the first row whose item code matches the article ID, else the first whose description
    and unit price match; -1 for none."""
    found = np.full(len(lines), -1, dtype=np.int64)
    length = book.po_start[po + 1] - book.po_start[po]
    # Every (line, row of its order) pair is compared; in slices, so that lines on a very
    # long order cannot take unbounded memory.
    step = max(1, _PAIRS // max(int(length.max(initial=0)), 1))
    for first in range(0, len(lines), step):
        part = slice(first, first + step)
        found[part] = _first_match(table, book, lines[part], po[part])
    return found


_PAIRS = 1 << 20


def _first_match(
    table: InvoiceTable, book: OrderBook, lines: np.ndarray, po: np.ndarray
) -> np.ndarray:
    start = book.po_start[po]
    length = book.po_start[po + 1] - start
    line = np.repeat(np.arange(len(lines)), length)  # pairs: lines in turn, rows in order
    row = np.arange(len(line)) + np.repeat(start - (np.cumsum(length) - length), length)
    c = book.columns
    article = _text_keys(table.article[lines])
    found = _first(line, row, np.not_equal(article, _NONE)[line]
                   & np.equal(_text_keys(c.item_code[row]), article[line]), len(lines))
    name, price = _text_keys(table.name[lines]), table.unit_price[lines]
    wanted = ((found < 0) & (price != MISSING) & np.not_equal(name, _NONE))[line]
    wanted &= c.unit_price[row] == price[line]
    same = np.zeros(len(line), dtype=bool)
    same[wanted] = np.equal(_text_keys(c.description[row[wanted]]), name[line[wanted]])
    return np.where(found < 0, _first(line, row, same, len(lines)), found)


def _text_keys(values: np.ndarray) -> np.ndarray:
    return np.array(list(map(text_key, values.tolist())), dtype=object)


def _first(line: np.ndarray, row: np.ndarray, hit: np.ndarray, count: int) -> np.ndarray:
    """Per line, the row of its first pair that hits (-1: none)."""
    hits = np.flatnonzero(hit)
    firsts = hits[np.diff(line[hits], prepend=-1) != 0]
    found = np.full(count, -1, dtype=np.int64)
    found[line[firsts]] = row[firsts]
    return found


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
