"""The batch path's duplicate pass, the columnar twin of ``MatchLedger.find_duplicate``.

The ledger's remembered invoices come first, then the batch's readable invoices in order. An
invoice duplicates the first earlier one (of the same kind: invoice or credit note) with the
same seller and invoice number; failing that, the first earlier one with the same seller,
gross amount and date whose number is near-identical. Exact pairs are found by sorting; near
pairs are only looked for inside the (rare) groups that share seller, gross amount and date.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from datetime import date
from decimal import Decimal
from itertools import count

import numpy as np

from finrpa.matching._values import (
    MISSING,
    MONEY_DIGITS,
    from_scaled,
    number_keys,
    seller_key,
    to_scaled,
)
from finrpa.matching.book import sorted_distinct
from finrpa.matching.ledger import InvoiceIdentity, SeenInvoice, is_duplicate_of
from finrpa.matching.table import InvoiceTable


class _Codes:
    """Dense integer codes for hashable values."""

    def __init__(self) -> None:
        self.index: dict[object, int] = {}

    def __call__(self, values: Sequence[object]) -> np.ndarray:
        index = self.index
        return np.array([index.setdefault(v, len(index)) for v in values], dtype=np.int64)


def find_duplicates(
    table: InvoiceTable, seller_codes: np.ndarray, seller_keys: list[str | None],
    seen: list[SeenInvoice],
) -> dict[int, SeenInvoice]:
    """For every batch invoice that duplicates an earlier one, that earlier invoice.
    ``seller_keys[seller_codes[k]]`` is invoice k's seller business key (or None)."""
    batch = np.flatnonzero(table.readable)
    identities = [s.identity for s in seen]
    sellers = _Sellers(table, batch, seller_codes, seller_keys)
    # Seller and kind (invoice or credit note) as one code, the kind in the lowest bit.
    seller = 2 * sellers.codes([i.seller for i in identities]) + np.concatenate([
        np.array([i.credit_note for i in identities], dtype=np.int64), table.credit[batch]])
    shared, number = _repeats(number_keys([i.invoice_number for i in identities]
                                          + table.number[batch].tolist()))
    exotic = _Codes()
    grosses = table.gross[batch].copy()
    for position in np.flatnonzero(grosses == MISSING).tolist():
        index = int(batch[position])
        grosses[position] = _gross_code(None, table.exact_gross.get(index), exotic)
    gross = np.concatenate([
        np.array([_gross_code(None, i.gross, exotic) for i in identities], dtype=np.int64),
        grosses])
    day = np.concatenate([
        np.array([i.invoice_date.toordinal() for i in identities], dtype=np.int64),
        table.invoice_date[batch]])
    entries = _Entries(table, batch, seen, sellers)
    found = _exact_pairs(seller, shared, number, len(seen), entries)
    _near_pairs(seller, gross, day, len(seen), entries, found)
    return {int(batch[position]): earlier for position, earlier in found.items()}


def _repeats(values: Sequence[Hashable]) -> tuple[np.ndarray, np.ndarray]:
    """The positions (ascending) of the values that occur more than once, and for each a code,
    equal for equal values (the position of the value's last occurrence)."""
    # dict, zip and count loop in C; only the (few) repeated values are looked up again.
    last = dict(zip(values, count()))
    earlier = np.ones(len(values), dtype=bool)
    earlier[np.fromiter(last.values(), np.int64, len(last))] = False
    positions = np.flatnonzero(earlier)  # each occurrence of a repeated value but the last
    codes = np.array([last[values[p]] for p in positions.tolist()], dtype=np.int64)
    finals = sorted_distinct(codes)
    positions, codes = np.concatenate([positions, finals]), np.concatenate([codes, finals])
    order = np.argsort(positions)
    return positions[order], codes[order]


class _Sellers:
    """The seller key of each batch invoice: its business key, else its name (``seller_key``).
    Keys are held per distinct business ID (``seller_codes``), not per invoice."""

    def __init__(self, table: InvoiceTable, batch: np.ndarray, seller_codes: np.ndarray,
                 seller_keys: list[str | None]) -> None:
        self.of_position = seller_codes[batch]
        self.keys: list[str | None] = [*seller_keys, None]  # by code; the last for none
        missing = [code for code, key in enumerate(self.keys) if key is None]
        for position in np.flatnonzero(np.isin(self.of_position, missing)).tolist():
            self.of_position[position] = len(self.keys)  # a code of its own
            self.keys.append(seller_key(None, str(table.seller_name[batch[position]])))

    def key(self, position: int) -> str:
        key = self.keys[self.of_position[position]]
        assert key is not None
        return key

    def codes(self, earlier: list[str]) -> np.ndarray:
        """Codes of the ``earlier`` sellers' keys, then of the batch invoices', equal for equal
        keys."""
        index = dict(zip(earlier + self.keys, count()))
        by_code = np.fromiter(map(index.__getitem__, self.keys), np.int64, len(self.keys))
        return np.concatenate([np.fromiter(map(index.__getitem__, earlier), np.int64,
                                           len(earlier)), by_code[self.of_position]])


class _Entries:
    """Turns an entry position into the remembered invoice it stands for."""

    def __init__(self, table: InvoiceTable, batch: np.ndarray, seen: list[SeenInvoice],
                 sellers: _Sellers) -> None:
        self.table, self.batch, self.seen, self.sellers = table, batch, seen, sellers

    def invoice(self, entry: int) -> SeenInvoice:
        if entry < len(self.seen):
            return self.seen[entry]
        position = entry - len(self.seen)
        index = int(self.batch[position])
        table = self.table
        gross = table.exact_gross.get(index)
        if gross is None:
            gross = from_scaled(int(table.gross[index]), MONEY_DIGITS, places=2)
        identity = InvoiceIdentity(
            seller=self.sellers.key(position),
            invoice_number=str(table.number[index]),
            gross=gross,
            invoice_date=date.fromordinal(int(table.invoice_date[index])),
            credit_note=bool(table.credit[index]),
        )
        return SeenInvoice(identity, table.item_ref(index))


def _gross_code(scaled: int | None, exact: Decimal | None, exotic: _Codes) -> int:
    """The gross amount as a code: its scaled value, or a negative code for a too-precise one."""
    if scaled is None or scaled == MISSING:
        fitted = to_scaled(exact, MONEY_DIGITS) if exact is not None else None
        if fitted is not None:
            return fitted
        return MISSING + 1 + int(exotic([exact])[0])
    return scaled


def _exact_pairs(
    seller: np.ndarray, shared: np.ndarray, number: np.ndarray, first_batch: int,
    entries: _Entries,
) -> dict[int, SeenInvoice]:
    """``shared``: the entries whose number another shares (ascending), ``number`` their codes:
    only those can pair. Sorted stably, so by position within a group."""
    by_group = np.lexsort((number, seller[shared]))
    order, n = shared[by_group], number[by_group]
    s = seller[order]
    same = np.zeros(len(order), dtype=bool)
    same[1:] = (s[1:] == s[:-1]) & (n[1:] == n[:-1])
    group_first = np.maximum.accumulate(np.where(same, 0, np.arange(len(order))))
    found: dict[int, SeenInvoice] = {}
    for i in np.flatnonzero(same):
        entry = int(order[i])
        if entry >= first_batch:
            found[entry - first_batch] = entries.invoice(int(order[group_first[i]]))
    return found


def _near_pairs(
    seller: np.ndarray, gross: np.ndarray, day: np.ndarray, first_batch: int,
    entries: _Entries, found: dict[int, SeenInvoice],
) -> None:
    # As in _exact_pairs, only entries sharing their gross amount with another are sorted.
    shared = np.flatnonzero(_repeated(gross))
    order = shared[np.lexsort((day[shared], gross[shared], seller[shared]))]
    s, g, d = seller[order], gross[order], day[order]
    same = np.zeros(len(order), dtype=bool)
    same[1:] = (s[1:] == s[:-1]) & (g[1:] == g[:-1]) & (d[1:] == d[:-1])
    starts = np.flatnonzero(~same)
    ends = np.append(starts[1:], len(order))
    for start, end in zip(starts[ends - starts > 1].tolist(), ends[ends - starts > 1].tolist(),
                          strict=True):
        members = order[start:end].tolist()
        for at, entry in enumerate(members):
            if at == 0 or entry < first_batch or entry - first_batch in found:
                continue
            identity = entries.invoice(entry).identity
            for earlier in members[:at]:
                candidate = entries.invoice(earlier)
                if is_duplicate_of(identity, candidate.identity):
                    found[entry - first_batch] = candidate
                    break


def _repeated(values: np.ndarray) -> np.ndarray:
    """True where the value occurs more than once."""
    order = np.argsort(values)  # numpy's default sort, many times cheaper than a lexsort
    ordered = values[order]
    same = ordered[1:] == ordered[:-1]
    repeated = np.zeros(len(values), dtype=bool)
    repeated[order[1:][same]] = True
    repeated[order[:-1][same]] = True
    return repeated
