"""Synthetic purchase orders, receipts, invoices and ledger history for the matching benchmark.

Seeded and vectorised. Every order has 5 lines; most orders are invoiced once in full, some in
two partial invoices (6 then 4), some get a third, over-invoicing one. A realistic sprinkling of
problems: price variances (and differences within tolerance, and lower prices), short or
missing receipts, VAT and total mismatches, unknown, closed and foreign-currency orders, wrong
sellers, lines not on the order, credit notes, resent and near-identical duplicates, bad IBANs.
Service lines (hours) have no receipts. Some partial invoicing happened in an earlier batch:
its quantities and invoices are in the prior ledger.

All amounts are fixed-point ints (quantities in millionths, money in ten thousandths), as the
engine's columns expect; strings are numpy unicode arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from finrpa.steps.invoice_samples import sample_business_id

Q = 10**6  # quantity scale
M = 10**4  # money scale
LINES = 5
SUPPLIERS = 2_000
CATALOGUE = 20_000
OVERRIDE_SUPPLIER = 7  # index of the supplier with its own tolerances
MISSING = -(2**63)


@dataclass
class BenchData:
    """Everything both systems read, as named numpy arrays."""

    orders: dict[str, np.ndarray] = field(default_factory=dict)
    receipts: dict[str, np.ndarray] = field(default_factory=dict)
    invoices: dict[str, np.ndarray] = field(default_factory=dict)
    lines: dict[str, np.ndarray] = field(default_factory=dict)
    prior_quantities: dict[str, np.ndarray] = field(default_factory=dict)
    prior_seen: dict[str, np.ndarray] = field(default_factory=dict)

    def save(self, path: str) -> None:
        arrays = {f"{group}.{name}": value for group in vars(self)
                  for name, value in getattr(self, group).items()}
        np.savez(path, **arrays)

    @classmethod
    def load(cls, path: str) -> BenchData:
        """The saved arrays, text columns as object arrays of str (as a reader hands them over)."""
        data = cls()
        with np.load(path) as stored:
            for key in stored.files:
                group, name = key.split(".", 1)
                values = stored[key]
                getattr(data, group)[name] = values.astype(object) if values.dtype.kind == "U" \
                    else values
        return data


def override_supplier() -> str:
    return sample_business_id(OVERRIDE_SUPPLIER)


def _round_half_up(numerator: np.ndarray, denominator: int) -> np.ndarray:
    """numerator / denominator rounded half away from zero (money rounding)."""
    magnitude = (np.abs(numerator) + denominator // 2) // denominator
    return np.sign(numerator) * magnitude


def _orders(rng: np.random.Generator, n_po: int, data: BenchData) -> None:
    count = n_po * LINES
    suppliers = np.array([sample_business_id(s) for s in range(SUPPLIERS)])
    po_supplier = rng.integers(0, SUPPLIERS, n_po)
    item = rng.integers(0, CATALOGUE, count)
    catalogue_price = rng.integers(50, 50_000, CATALOGUE) * 100  # 0.50 .. 500.00
    unit = rng.choice(np.array(["PCE", "h", "KGM"]), count, p=[0.85, 0.10, 0.05])
    quantity = rng.integers(1, 21, count) * Q
    quantity[rng.random(count) < 0.05] += Q // 2
    vat = rng.choice(np.array([255_000, 140_000, 100_000]), count, p=[0.9, 0.07, 0.03])
    po_closed = rng.random(n_po) < 0.003
    closed = np.repeat(po_closed, LINES) | (rng.random(count) < 0.0005)
    currency = np.where(np.repeat(rng.random(n_po) < 0.005, LINES), "SEK", "EUR")
    data.orders = {
        "po": np.repeat(np.array([f"45{p:08d}" for p in range(n_po)]), LINES),
        "line": np.tile(np.arange(1, LINES + 1, dtype=np.int64) * 10, n_po),
        "supplier": np.repeat(suppliers[po_supplier], LINES),
        "supplier_name": np.repeat(np.char.add("Toimittaja ", po_supplier.astype("U4")), LINES),
        "item_code": np.char.add("IT-", item.astype("U5")),
        "description": np.char.add("article number ", item.astype("U5")),
        "quantity": quantity, "unit": unit, "unit_price": catalogue_price[item],
        "vat_rate": vat, "currency": currency, "closed": closed,
    }


def _receipts(rng: np.random.Generator, data: BenchData) -> None:
    orders = data.orders
    count = len(orders["po"])
    goods = orders["unit"] != "h"
    draw = rng.random(count)
    received = orders["quantity"].copy()
    received[draw < 0.002] = 0  # not yet received
    short = (draw >= 0.002) & (draw < 0.005)
    received[short] = np.maximum(orders["quantity"][short] - Q, 0)
    has = goods & (received > 0)
    split = has & (rng.random(count) < 0.1) & (received >= 2 * Q)
    first = np.where(split, received // 2, received)
    rows = np.concatenate([np.flatnonzero(has), np.flatnonzero(split)])
    qty = np.concatenate([first[has], (received - first)[split]])
    order = np.argsort(rows, kind="stable")
    data.receipts = {"po": orders["po"][rows[order]], "line": orders["line"][rows[order]],
                     "quantity": qty[order]}


# -- invoices ------------------------------------------------------------------------------------

FULL, PART1, PART2, OVER, CREDIT = range(5)
# pattern -> kinds of its invoices, in time order
PATTERNS = [(FULL,), (PART1, PART2), (PART1, PART2, OVER), (PART2,), (FULL, CREDIT)]
PATTERN_P = [0.82, 0.10, 0.015, 0.055, 0.01]
PRIOR_PATTERN = 3  # its PART1 was invoiced in an earlier batch


def _plan(rng: np.random.Generator, n_invoices: int, n_po: int):
    """Which order each invoice is for and what kind it is, in arrival order."""
    pattern = rng.choice(len(PATTERNS), n_po, p=PATTERN_P)
    sizes = np.array([len(p) for p in PATTERNS])[pattern]
    last = int(np.searchsorted(np.cumsum(sizes), n_invoices))
    pattern, sizes = pattern[: last + 1], sizes[: last + 1]
    po = np.repeat(np.arange(len(pattern)), sizes)
    seq = np.arange(len(po)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    kinds = np.array([kind for p in pattern.tolist() for kind in PATTERNS[p]])
    arrival = np.repeat(rng.random(len(pattern)), sizes) + seq * rng.random(len(po)) * 0.05
    order = np.argsort(arrival, kind="stable")[:n_invoices]  # a later part never without its first
    return po[order], kinds[order], pattern


def _quantities(ordered: np.ndarray, kind: np.ndarray) -> np.ndarray:
    second = (ordered * 4 // 10) // Q * Q
    by_kind = [ordered, ordered - second, second, np.full_like(ordered, Q),
               np.full_like(ordered, -Q)]
    return np.choose(kind[:, None], by_kind)


def _lines(rng: np.random.Generator, data: BenchData, po: np.ndarray, kind: np.ndarray):
    orders = data.orders
    rows = po[:, None] * LINES + np.arange(LINES)
    quantity = _quantities(orders["quantity"][rows], kind)
    price = orders["unit_price"][rows].copy()
    vat = orders["vat_rate"][rows].copy()
    ref = orders["line"][rows].copy()
    n = len(po)
    pick = rng.integers(0, LINES, n)
    for share, change in ((0.008, lambda p: _round_half_up(p * 105, 100 * 100) * 100),
                          (0.005, lambda p: p + 100), (0.005, lambda p: p * 9 // 10)):
        chosen = np.flatnonzero(rng.random(n) < share)
        price[chosen, pick[chosen]] = change(price[chosen, pick[chosen]])
    chosen = np.flatnonzero(rng.random(n) < 0.003)
    vat[chosen, pick[chosen]] = 240_000
    chosen = np.flatnonzero(rng.random(n) < 0.002)
    ref[chosen, pick[chosen]] = 990
    by_article = rng.random(ref.shape) < 0.025
    by_name = ~by_article & (rng.random(ref.shape) < 0.005)
    ref[by_article | by_name] = -2
    article = np.where(by_name, "", orders["item_code"][rows])
    name = np.where(by_name, np.char.upper(orders["description"][rows]),
                    orders["description"][rows])
    net = _round_half_up(quantity * price, Q * 100) * 100
    vat_amount = _round_half_up(net * vat, 100 * M * 100) * 100
    return {"quantity": quantity, "unit_price": price, "vat_rate": vat, "line_ref": ref,
            "article": article, "name": name, "net_amount": net, "vat_amount": vat_amount}


def _headers(rng: np.random.Generator, data: BenchData, po: np.ndarray, lines: dict) -> dict:
    orders = data.orders
    n = len(po)
    first = po * LINES
    seller = orders["supplier"][first].copy()
    po_number = orders["po"][first].copy()
    currency = orders["currency"][first].copy()
    draw = rng.random(n)
    po_number[draw < 0.002] = np.char.add("49", np.arange(n).astype("U8"))[draw < 0.002]
    po_number[(draw >= 0.002) & (draw < 0.003)] = ""
    other = (draw >= 0.003) & (draw < 0.005)
    seller[other] = orders["supplier"][((po[other] + 1) % (len(orders["po"]) // LINES)) * LINES]
    currency[(draw >= 0.005) & (draw < 0.006)] = "NOK"
    net = lines["net_amount"].sum(axis=1)
    vat = lines["vat_amount"].sum(axis=1)
    gross = net + vat
    gross[(draw >= 0.006) & (draw < 0.009)] += 100 * 100  # 1.00 more than the lines
    content = np.zeros(n, dtype=np.int64)
    content[(draw >= 0.009) & (draw < 0.011)] = 1  # marker: a bad IBAN finding
    return {"po": po_number, "seller": seller, "seller_name": np.char.add("Toimittaja ", seller),
            "number": (100_000 + np.arange(n)).astype("U8"),
            "invoice_date": 738_900 + rng.integers(0, 300, n), "currency": currency,
            "gross": gross, "net": net, "vat": vat, "lines_net": net.copy(),
            "bad_iban": content}


def _resend(rng: np.random.Generator, invoices: dict, lines: dict, share: float, near: bool):
    """Copies of some invoices arriving later (exact resends, or with a reformatted number)."""
    n = len(invoices["po"])
    chosen = np.flatnonzero(rng.random(n) < share)
    at = chosen + 1 + (rng.random(len(chosen)) * (n - chosen - 1)).astype(np.int64)
    position = np.concatenate([np.arange(n) * 2.0, at * 2.0 + 1])
    order = np.argsort(position, kind="stable")
    source = np.concatenate([np.arange(n), chosen])[order]
    copy = np.concatenate([np.zeros(n, bool), np.ones(len(chosen), bool)])[order]
    invoices = {name: values[source] for name, values in invoices.items()}
    lines = {name: values[source] for name, values in lines.items()}
    if near:
        invoices["number"] = np.where(copy, np.char.add("0", invoices["number"]),
                                      invoices["number"])
    return invoices, lines


def generate(n_invoices: int, seed: int = 20240601) -> BenchData:
    """The benchmark data set: ``n_invoices`` invoices of 5 lines, orders for as many POs."""
    rng = np.random.default_rng(seed)
    data = BenchData()
    _orders(rng, n_invoices, data)
    _receipts(rng, data)
    resent = int(n_invoices * 0.004)
    po, kind, pattern = _plan(rng, n_invoices - resent, n_invoices)
    lines = _lines(rng, data, po, kind)
    credit = kind == CREDIT
    invoices = _headers(rng, data, po, lines) | {"credit": credit}
    _prior(rng, data, pattern, invoices, lines)
    invoices, lines = _resend(rng, invoices, lines, 0.003, near=False)
    invoices, lines = _resend(rng, invoices, lines, 0.001, near=True)
    invoices = {name: values[:n_invoices] for name, values in invoices.items()}
    data.invoices = invoices
    data.lines = {name: values[:n_invoices].reshape(-1) for name, values in lines.items()}
    return data


def _prior(rng: np.random.Generator, data: BenchData, pattern: np.ndarray, invoices: dict,
           lines: dict) -> None:
    """An earlier batch: the first part of every PRIOR_PATTERN order, and a few resends of it."""
    orders = data.orders
    po = np.flatnonzero(pattern == PRIOR_PATTERN)
    rows = (po[:, None] * LINES + np.arange(LINES)).reshape(-1)
    ordered = orders["quantity"][rows]
    data.prior_quantities = {"po": orders["po"][rows], "line": orders["line"][rows],
                             "quantity": ordered - (ordered * 4 // 10) // Q * Q}
    numbers = np.char.add("P", (100_000 + np.arange(len(po))).astype("U7"))
    data.prior_seen = {"seller": orders["supplier"][po * LINES], "number": numbers,
                       "gross": rng.integers(1_000, 10_000, len(po)) * M,
                       "invoice_date": 738_800 + rng.integers(0, 90, len(po)),
                       "credit": np.zeros(len(po), bool)}
    again = rng.random(len(invoices["number"])) < 0.0005
    take = rng.integers(0, len(po), int(again.sum()))
    invoices["number"][again] = numbers[take]
    invoices["seller"][again] = data.prior_seen["seller"][take]
    invoices["seller_name"][again] = np.char.add("Toimittaja ", invoices["seller"][again])
