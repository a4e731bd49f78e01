"""The batch path's duplicate pass, the columnar twin of ``MatchLedger.find_duplicate``.

The ledger's remembered invoices come first, then the batch's readable invoices in order. An
invoice duplicates the first earlier one (of the same kind: invoice or credit note) with the
same seller and invoice number; failing that, the first earlier one with the same seller,
gross amount and date whose number is near-identical. Exact pairs are found by sorting; near
pairs are only looked for inside the (rare) groups that share seller, gross amount and date.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import numpy as np

from finrpa.matching._values import (
    MISSING,
    MONEY_DIGITS,
    from_scaled,
    number_key,
    seller_key,
    to_scaled,
)
from finrpa.matching.ledger import InvoiceIdentity, SeenInvoice, is_duplicate_of
from finrpa.matching.table import InvoiceTable

_NONE = np.array(None, dtype=object)


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
    keys = np.array([*seller_keys, None], dtype=object)[seller_codes[batch]]
    for position in np.flatnonzero(np.equal(keys, _NONE)).tolist():
        keys[position] = seller_key(None, str(table.seller_name[batch[position]]))
    sellers: list[str] = keys.tolist()
    numbers = [number_key(n) for n in table.number[batch].tolist()]
    exotic = _Codes()
    grosses = table.gross[batch].copy()
    for position in np.flatnonzero(grosses == MISSING).tolist():
        index = int(batch[position])
        grosses[position] = _gross_code(None, table.exact_gross.get(index), exotic)
    seller_coder, number_coder = _Codes(), _Codes()
    credits = table.credit[batch].tolist()
    seller = seller_coder(
        [(s.identity.seller, s.identity.credit_note) for s in seen]
        + list(zip(sellers, credits, strict=True))
    )
    number = number_coder([number_key(s.identity.invoice_number) for s in seen] + numbers)
    gross = np.concatenate([
        np.array([_gross_code(None, s.identity.gross, exotic) for s in seen], dtype=np.int64),
        grosses])
    day = np.array([s.identity.invoice_date.toordinal() for s in seen]
                   + table.invoice_date[batch].tolist(), dtype=np.int64)
    entries = _Entries(table, batch, seen, sellers)
    found = _exact_pairs(seller, number, len(seen), entries)
    _near_pairs(seller, gross, day, len(seen), entries, found)
    return {int(batch[position]): earlier for position, earlier in found.items()}


class _Entries:
    """Turns an entry position into the remembered invoice it stands for."""

    def __init__(self, table: InvoiceTable, batch: np.ndarray, seen: list[SeenInvoice],
                 sellers: list[str]) -> None:
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
            seller=self.sellers[position],
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
    seller: np.ndarray, number: np.ndarray, first_batch: int, entries: _Entries
) -> dict[int, SeenInvoice]:
    position = np.arange(len(seller), dtype=np.int64)
    order = np.lexsort((position, number, seller))
    s, n = seller[order], number[order]
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
    position = np.arange(len(seller), dtype=np.int64)
    order = np.lexsort((position, day, gross, seller))
    s, g, d = seller[order], gross[order], day[order]
    same = np.zeros(len(order), dtype=bool)
    same[1:] = (s[1:] == s[:-1]) & (g[1:] == g[:-1]) & (d[1:] == d[:-1])
    starts = np.flatnonzero(~same)
    ends = np.append(starts[1:], len(order))
    for start, end in zip(starts[ends - starts > 1].tolist(), ends[ends - starts > 1].tolist(),
                          strict=True):
        members = order[start:end].tolist()
        for at, entry in enumerate(members):
            if entry < first_batch or entry - first_batch in found:
                continue
            identity = entries.invoice(entry).identity
            for earlier in members[:at]:
                candidate = entries.invoice(earlier)
                if is_duplicate_of(identity, candidate.identity):
                    found[entry - first_batch] = candidate
                    break
