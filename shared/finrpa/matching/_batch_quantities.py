"""The batch path's quantity pass: cumulative invoiced quantity against ordered and received.

Only matched invoices count towards later ones, so in general invoice k's outcome depends on
every earlier invoice on the same order line. Most order lines cannot go over at all: when the
ledger's quantity plus *every positive quantity in the batch* stays within the limits, no
subset can exceed them. Those rows are settled in one vectorised test; the few others
("contested") are replayed invoice by invoice, in order, in exact ``Decimal`` arithmetic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from itertools import repeat

import numpy as np

from finrpa.matching._batch_checks import Groups, product_gt
from finrpa.matching._values import MISSING, QTY_DIGITS, QTY_SCALE, from_scaled, to_scaled
from finrpa.matching.book import OrderBook
from finrpa.matching.model import ReasonCode

_ZERO = Decimal(0)
_ORDER_BIT = ReasonCode.QUANTITY_EXCEEDS_ORDER.bit
_RECEIPT_BIT = ReasonCode.QUANTITY_EXCEEDS_RECEIPT.bit


@dataclass
class Prior:
    """The ledger's invoiced quantities per order row."""

    exact: dict[int, Decimal]  # row -> quantity, for every row the ledger knows
    scaled: np.ndarray  # int64 per row (0 where the quantity does not fit)
    unfit: np.ndarray  # bool per row: quantity too precise for ``scaled``

    @classmethod
    def for_rows(cls, invoiced: Callable[[str, int], Decimal | None], book: OrderBook,
                 rows: np.ndarray) -> Prior:
        """:meth:`of` for the order ``rows`` a batch touches (only those are looked up, so a
        long ledger costs nothing); ``invoiced(po_number, line_number)`` is the ledger's
        quantity, None for a line it does not know."""
        columns = book.columns
        quantities = (invoiced(po, line) for po, line in zip(
            columns.po_number[rows].tolist(), columns.line_number[rows].tolist(), strict=True))
        return cls._of_rows(book, zip(rows.tolist(), quantities, strict=True))

    @classmethod
    def of(cls, invoiced: Mapping[tuple[str, int], Decimal], book: OrderBook) -> Prior:
        keys, quantities = list(invoiced), list(invoiced.values())
        po = [po for po, _ in keys]
        # map calls po_index.get(po, -1) from C, without a comprehension's bytecode per key.
        codes = np.fromiter(map(book.po_index.get, po, repeat(-1)), np.int64, len(po))
        numbers = np.fromiter((line for _, line in keys), np.int64, len(keys))
        rows = book.rows_of(codes, numbers).tolist() if keys else []
        return cls._of_rows(book, zip(rows, quantities, strict=True))

    @classmethod
    def _of_rows(cls, book: OrderBook,
                 quantities: Iterable[tuple[int, Decimal | None]]) -> Prior:
        """From (row, quantity) pairs; rows < 0 and quantities None are left out."""
        kept = [(row, quantity) for row, quantity in quantities
                if row >= 0 and quantity is not None]
        exact = dict(kept)
        rows = np.fromiter(exact, np.int64, len(exact))
        values = [to_scaled(quantity, QTY_DIGITS) for quantity in exact.values()]
        fits = np.array([value is not None for value in values], dtype=bool)
        scaled = np.zeros(len(book), dtype=np.int64)
        scaled[rows[fits]] = [value for value in values if value is not None]
        unfit = np.zeros(len(book), dtype=bool)
        unfit[rows[~fits]] = True
        return cls(exact, scaled, unfit)


@dataclass
class Lines:
    """The invoice lines the quantity pass reads."""

    rows: np.ndarray  # int64 order row, -1 when unmatched
    invoice: np.ndarray  # int64 invoice of each line
    quantity: np.ndarray  # int64 millionths, MISSING when not stated
    exact: dict[int, Decimal]  # line -> quantity, for lines too precise for ``quantity``
    group: np.ndarray  # int64 tolerance group of each line's invoice

    def decimal(self, line: int) -> Decimal:
        """The exact quantity of a line (0 when not stated)."""
        if line in self.exact:
            return self.exact[line]
        value = int(self.quantity[line])
        return _ZERO if value == MISSING else from_scaled(value, QTY_DIGITS)


def receipt_checked(
    book: OrderBook, groups: Groups, rows: np.ndarray, group: np.ndarray
) -> np.ndarray:
    """True where a line's quantity is held against the receipts (goods, receipts checked)."""
    c = book.columns
    explicit = c.service[rows]
    by_unit = groups.unit_service[group, c.unit.codes[rows]]
    service = np.where(explicit >= 0, explicit == 1, by_unit)
    return groups.check_receipts[group] & ~service


def contested_rows(lines: Lines, book: OrderBook, groups: Groups, prior: Prior) -> np.ndarray:
    """Rows where some subset of the batch's invoices could exceed a limit (bool per row)."""
    on = np.flatnonzero(lines.rows >= 0)
    rows, quantity = lines.rows[on], lines.quantity[on]
    positive = np.where((quantity != MISSING) & (quantity > 0), quantity, 0)
    total = prior.scaled.copy()
    if positive.sum(dtype=np.float64) < 2.0**52:  # exact in float64: integers below 2**53
        total += np.bincount(rows, weights=positive, minlength=len(total)).astype(np.int64)
    else:
        np.add.at(total, rows, positive)
    touched = np.zeros(len(book), dtype=bool)
    touched[rows] = True
    forced = np.zeros(len(book), dtype=bool)
    forced[rows[np.isin(on, np.fromiter(lines.exact, np.int64, len(lines.exact)))]] = True
    c = book.columns
    t_rows = np.flatnonzero(touched)
    group = np.zeros(len(book), dtype=np.int64)
    group[rows] = lines.group[on]
    g = group[t_rows]
    over_order = product_gt(total[t_rows], 100 * 10**4, c.quantity[t_rows],
                            groups.quantity_factor[g])
    over_receipt = receipt_checked(book, groups, t_rows, g) & (total[t_rows] > c.received[t_rows])
    contested = np.zeros(len(book), dtype=bool)
    contested[t_rows] = over_order | over_receipt | prior.unfit[t_rows] | forced[t_rows]
    return contested


def replay(
    lines: Lines, book: OrderBook, groups: Groups, prior: Prior, contested: np.ndarray,
    mask: np.ndarray,
) -> dict[int, Decimal]:
    """Decide the contested rows invoice by invoice: sets quantity bits in ``mask`` and returns,
    for every line replayed, the quantity counted on its row before its invoice.

    Quantities are exact multiples of a millionth as ints (a ``Fraction`` for a value that is
    not), so the comparisons are those of the Decimal rules.
    """
    picked = np.flatnonzero((lines.rows >= 0) & contested[np.maximum(lines.rows, 0)])
    rows, invoices = lines.rows[picked], lines.invoice[picked]
    c = book.columns
    # Python values (tolist) throughout: a numpy scalar costs several times more per access.
    columns = zip(
        invoices.tolist(), rows.tolist(), _quantities(lines, picked),
        c.quantity[rows].tolist(), groups.quantity_factor[lines.group[picked]].tolist(),
        c.received[rows].tolist(),
        receipt_checked(book, groups, rows, lines.group[picked]).tolist(),
        mask[invoices].tolist(), prior.scaled[rows].tolist(), prior.unfit[rows].tolist(),
        strict=True,
    )
    running: dict[int, int | Fraction] = {}
    base: list[int | Fraction] = []  # per picked line
    flagged: dict[int, int] = {}  # invoice -> its quantity bits
    invoice, bits, matched = -1, 0, False
    local: dict[int, int | Fraction] = {}
    for owner, row, quantity, ordered, factor, received, checked, reasons, counted_before, \
            unfit in columns:
        if owner != invoice:
            _settle(invoice, bits, matched, local, running, flagged)
            invoice, local, bits, matched = owner, {}, 0, reasons == 0
        counted = running.get(row)
        if counted is None:
            counted = running[row] = _scaled(prior.exact[row]) if unfit else counted_before
        base.append(counted)
        invoiced = local[row] = local.get(row, 0) + quantity
        if quantity > 0:
            after = counted + invoiced
            if after * 10**6 > ordered * factor:
                bits |= _ORDER_BIT
            if checked and after > received:
                bits |= _RECEIPT_BIT
    _settle(invoice, bits, matched, local, running, flagged)
    mask[np.fromiter(flagged, np.int64, len(flagged))] |= np.fromiter(
        flagged.values(), np.int64, len(flagged))
    return dict(zip(picked.tolist(), map(_decimal, base), strict=True))


def _quantities(lines: Lines, picked: np.ndarray) -> list[int | Fraction]:
    """The scaled quantity of each picked line (0 when not stated)."""
    stated = lines.quantity[picked]
    quantities: list[int | Fraction] = np.where(stated == MISSING, 0, stated).tolist()
    exact = np.fromiter(lines.exact, np.int64, len(lines.exact))
    at = np.searchsorted(picked, exact)
    for line, position in zip(exact.tolist(), at.tolist(), strict=True):
        if position < len(picked) and picked[position] == line:
            quantities[position] = _scaled(lines.exact[line])
    return quantities


def _settle(invoice: int, bits: int, matched: bool, local: dict[int, int | Fraction],
            running: dict[int, int | Fraction], flagged: dict[int, int]) -> None:
    """Close one invoice of the replay (``matched``: no reason before the quantities): its
    bits, or its quantities when it still matches."""
    if bits:
        flagged[invoice] = bits
    elif matched and invoice >= 0:
        for row, quantity in local.items():
            running[row] += quantity


def _scaled(value: Decimal) -> int | Fraction:
    number = to_scaled(value, QTY_DIGITS)  # the usual case, without a Fraction (slow)
    if number is not None:
        return number
    exact = Fraction(value) * QTY_SCALE
    return exact.numerator if exact.denominator == 1 else exact


def _decimal(value: int | Fraction) -> Decimal:
    if isinstance(value, int):
        return from_scaled(value, QTY_DIGITS)
    return Decimal(value.numerator) / Decimal(value.denominator) / QTY_SCALE


def settled_bases(
    lines: Lines, wanted: np.ndarray, matched: np.ndarray, prior: Prior
) -> dict[int, Decimal]:
    """For the lines ``wanted`` (on uncontested rows), the quantity counted on their row before
    their invoice: the ledger's plus that of earlier matched invoices."""
    if len(wanted) == 0:
        return {}
    on_row = np.zeros(int(lines.rows.max()) + 1, dtype=bool)
    on_row[lines.rows[wanted]] = True
    selected = np.flatnonzero((lines.rows >= 0) & on_row[np.maximum(lines.rows, 0)])
    rows = lines.rows[selected]
    quantity = np.where(lines.quantity[selected] == MISSING, 0, lines.quantity[selected])
    weight = np.where(matched[lines.invoice[selected]], quantity, 0)
    order = np.lexsort((selected, rows))
    sorted_rows, sorted_weight = rows[order], weight[order]
    before = np.cumsum(sorted_weight) - sorted_weight
    starts = np.flatnonzero(np.r_[True, sorted_rows[1:] != sorted_rows[:-1]])
    before -= np.repeat(before[starts], np.diff(np.r_[starts, len(sorted_rows)]))
    at_line = np.empty_like(before)
    at_line[order] = before  # back in the order of ``selected``
    found = at_line[np.searchsorted(selected, wanted)]
    return {
        line: prior.exact.get(row, _ZERO) + from_scaled(value, QTY_DIGITS)
        for line, row, value in zip(wanted.tolist(), lines.rows[wanted].tolist(),
                                    found.tolist(), strict=True)
    }
