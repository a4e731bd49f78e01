"""The finrpa side of the matching benchmark: columns in, batch engine, exceptions out.

Timed: building the order book (with receipts), the invoice table and the ledger from the
columns, then ``match_batch`` including the full explanation of every exception. The
explanation needs each exception's invoice: :class:`ColumnInvoices` rebuilds it from the
columns, as a reader's cache of already-parsed invoices would hand it over.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache
from time import perf_counter
from typing import Any

import numpy as np
from pydantic import BaseModel

from finrpa.domain.findings import Finding
from finrpa.matching import (
    Categorical,
    InvoiceTable,
    MatchLedger,
    OrderBook,
    OrderColumns,
    ReasonCode,
    match_batch,
)
from finrpa.matching.book import ReceiptColumns
from finrpa.matching.ledger import InvoiceIdentity
from finrpa.matching.tolerances import ToleranceProfile, parse_profile
from finrpa.steps.invoice_model import (
    DocumentSource,
    Invoice,
    InvoiceFormat,
    InvoiceLine,
    InvoiceType,
    Party,
    Payment,
    Totals,
)
from matching_bench_data import LINES, BenchData, override_supplier


class _Maker:
    """Builds a frozen pydantic model from already-valid values without re-validating them
    (what ``model_construct`` does, minus its per-field bookkeeping)."""

    def __init__(self, model: type[BaseModel]) -> None:
        self.model = model
        self.defaults = {name: info.get_default(call_default_factory=True)
                         for name, info in model.model_fields.items()}

    def __call__(self, **values: Any) -> Any:
        return self.made(self.defaults | values, set(values))

    def made(self, fields: dict[str, Any], given: set[str]) -> Any:
        """The model whose ``__dict__`` is ``fields`` (every field, in declaration order, as
        validation stores them) and whose explicitly set fields are ``given``."""
        instance = _new(self.model)
        _set(instance, "__dict__", fields)
        _set(instance, "__pydantic_fields_set__", given)
        _set(instance, "__pydantic_extra__", None)
        _set(instance, "__pydantic_private__", None)
        return instance


_new, _set = object.__new__, object.__setattr__  # pydantic models keep object's
_line, _invoice, _totals, _source = (_Maker(m) for m in (InvoiceLine, Invoice, Totals,
                                                         DocumentSource))
_party = _Maker(Party)
_BUYER = _party(name="Esimerkkilän kaupunki")
_PAYMENT = Payment()
# The fields each model gets from the columns (the others keep their defaults).
_LINE_GIVEN = frozenset({"line_id", "order_line_reference", "article_id", "name",
                         "invoiced_quantity", "unit_price", "vat_rate", "vat_amount",
                         "net_amount"})
_INVOICE_GIVEN = frozenset({"source", "invoice_type", "invoice_number", "invoice_date",
                            "currency", "seller", "buyer", "order_reference", "lines", "totals",
                            "payment"})
_TOTALS_GIVEN = frozenset({"lines_net", "net", "vat", "gross"})
_SOURCE_GIVEN = frozenset({"file", "format", "version"})
_LINE_COLUMNS = ("line_ref", "article", "name", "quantity", "unit_price", "vat_rate",
                 "net_amount", "vat_amount")
_HEADER_COLUMNS = ("credit", "number", "invoice_date", "currency", "seller_name", "seller", "po",
                   "gross", "net", "vat", "lines_net")


_TEN_THOUSANDTH = Decimal("1E-4")


def _money(value: int) -> Decimal:
    # The same Decimal as Decimal(value).scaleb(-4) (coefficient value, exponent -4): an exact
    # product, without scaleb's argument parsing (inlined in ColumnInvoices).
    return _TEN_THOUSANDTH * value


# Prices, VAT rates and quantities repeat across invoices (amounts mostly do not, and a cache
# would only cost them); a Decimal is immutable, so one object per value can be shared.
_price = cache(_money)


@cache
def _quantity(value: int) -> Decimal:
    return Decimal(value).scaleb(-6)


@cache
def _reference(line_number: int) -> str | None:
    return str(line_number) if line_number >= 0 else None


@cache
def _seller(name: str, business_id: str) -> Party:
    # A few thousand suppliers; a Party is frozen, so invoices of one seller can share it.
    return _party(name=name, business_id=business_id or None)


_LINE_IDS = tuple(str(i + 1) for i in range(LINES))


class ColumnInvoices:
    """Invoice k of the benchmark columns as an :class:`Invoice` (built on demand)."""

    def __init__(self, data: BenchData) -> None:
        self.header = tuple(data.invoices[name].tolist() for name in _HEADER_COLUMNS)
        self.lines = tuple(data.lines[name] for name in _LINE_COLUMNS)

    def __call__(self, k: int) -> Invoice:
        first, stop, money = k * LINES, (k + 1) * LINES, _TEN_THOUSANDTH
        lines = [
            _line.made({"line_id": line_id, "order_reference": None,
                        "order_line_reference": _reference(ref), "article_id": article or None,
                        "name": name, "ordered_quantity": None, "delivered_quantity": None,
                        "invoiced_quantity": _quantity(quantity), "unit": None,
                        "unit_price": _price(price), "price_base_quantity": None,
                        "vat_rate": _price(vat), "vat_amount": money * vat_amount,
                        "net_amount": money * net, "gross_amount": None}, set(_LINE_GIVEN))
            for line_id, ref, article, name, quantity, price, vat, net, vat_amount
            in zip(_LINE_IDS, *[column[first:stop].tolist() for column in self.lines],
                   strict=True)
        ]
        credit, number, day, currency, seller_name, seller, po, gross, net, vat, lines_net = (
            column[k] for column in self.header)
        source = _source.made({"file": f"bench-{k}", "format": InvoiceFormat.UBL,
                               "version": "peppol-bis-3", "customization_id": None},
                              set(_SOURCE_GIVEN))
        totals = _totals.made({"lines_net": money * lines_net, "net": money * net,
                               "vat": money * vat, "gross": money * gross, "paid": None,
                               "rounding": None, "payable": None}, set(_TOTALS_GIVEN))
        return _invoice.made({
            "source": source,
            "invoice_type": InvoiceType.CREDIT_NOTE if credit else InvoiceType.INVOICE,
            "type_code": None, "invoice_number": number,
            "invoice_date": date.fromordinal(day), "due_date": None, "currency": currency,
            "seller": _seller(seller_name, seller), "buyer": _BUYER,
            "order_reference": po or None, "buyer_reference": None, "lines": lines,
            "totals": totals, "payment": _PAYMENT,
        }, set(_INVOICE_GIVEN))


def book_of(data: BenchData) -> OrderBook:
    o = data.orders
    columns = OrderColumns(
        po_number=o["po"], line_number=o["line"],
        supplier_business_id=Categorical.of_array(o["supplier"]),
        supplier_name=Categorical.of_array(o["supplier_name"]),
        item_code=o["item_code"], description=o["description"], quantity=o["quantity"],
        unit=Categorical.of_array(o["unit"]), unit_price=o["unit_price"],
        vat_rate=o["vat_rate"], currency=Categorical.of_array(o["currency"]),
        closed=o["closed"], service=np.full(len(o["po"]), -1, dtype=np.int8),
        received=np.zeros(len(o["po"]), dtype=np.int64),
    )
    r = data.receipts
    return OrderBook.from_columns(columns, ReceiptColumns(r["po"], r["line"], r["quantity"]))


def table_of(data: BenchData) -> InvoiceTable:
    h, c = data.invoices, data.lines
    n, m = len(h["po"]), len(c["quantity"])
    bad = np.flatnonzero(h["bad_iban"])
    findings = {int(k): [Finding(code="INVALID_BANK_ACCOUNT", message="IBAN check digits fail",
                                 source=f"bench-{k}")] for k in bad}
    content = np.where(h["bad_iban"] != 0, ReasonCode.INVALID_BANK_ACCOUNT.bit, 0)
    return InvoiceTable(
        po=h["po"], seller_business_id=h["seller"], seller_name=h["seller_name"],
        number=h["number"], invoice_date=h["invoice_date"], currency=h["currency"],
        credit=h["credit"], readable=np.ones(n, dtype=bool), gross=h["gross"], net=h["net"],
        vat=h["vat"], lines_net=h["lines_net"], content=content.astype(np.int64),
        exact_only=np.zeros(n, dtype=bool), line_start=np.arange(n + 1, dtype=np.int64) * LINES,
        line_ref=c["line_ref"], elsewhere=np.zeros(m, dtype=bool), article=c["article"],
        name=c["name"], quantity=c["quantity"], unit_price=c["unit_price"],
        vat_rate=c["vat_rate"], net_amount=c["net_amount"], vat_amount=c["vat_amount"],
        source=ColumnInvoices(data), findings=findings,
    )


def ledger_of(data: BenchData) -> MatchLedger:
    ledger = MatchLedger()
    q = data.prior_quantities
    for po, line, quantity in zip(q["po"].tolist(), q["line"].tolist(), q["quantity"].tolist(),
                                  strict=True):
        ledger.add_quantity(po, line, Decimal(quantity).scaleb(-6))
    s = data.prior_seen
    for seller, number, gross, day, credit in zip(*(s[k].tolist() for k in (
            "seller", "number", "gross", "invoice_date", "credit")), strict=True):
        ledger.remember_identity(InvoiceIdentity(seller.replace("-", ""), number, _money(gross),
                                                 date.fromordinal(day), credit))
    return ledger


def profile() -> ToleranceProfile:
    return parse_profile({"suppliers": {override_supplier(): {"price_percent": "5",
                                                              "quantity_percent": "10"}}})


def run(data: BenchData) -> tuple[np.ndarray, dict[str, float], dict[str, int]]:
    """Exception invoice indices, timings and reason counts."""
    timings: dict[str, float] = {}
    start = perf_counter()
    book = book_of(data)
    table = table_of(data)
    ledger = ledger_of(data)
    timings["load"] = perf_counter() - start
    match_start = perf_counter()
    result = match_batch(table, book, ledger, profile())
    timings["match"] = perf_counter() - match_start
    timings["total"] = perf_counter() - start
    find_start = perf_counter()
    match_batch(table, book, ledger, profile(), explain=False)  # the columnar pass alone
    timings["find"] = perf_counter() - find_start
    counts = {code.value: int(np.count_nonzero(result.reasons & code.bit)) for code in ReasonCode}
    counts["explained"] = len(result.decisions)
    return result.exceptions(), timings, counts
