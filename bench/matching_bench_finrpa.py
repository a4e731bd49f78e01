"""The finrpa side of the matching benchmark: columns in, batch engine, exceptions out.

Timed: building the order book (with receipts), the invoice table and the ledger from the
columns, then ``match_batch`` including the full explanation of every exception. The
explanation needs each exception's invoice: :class:`ColumnInvoices` rebuilds it from the
columns, as a reader's cache of already-parsed invoices would hand it over.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from time import perf_counter
from typing import Any, TypeVar

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

_K = TypeVar("_K")
_V = TypeVar("_V")


class _Maker:
    """Builds a frozen pydantic model from already-valid values without re-validating them
    (what ``model_construct`` does, minus its per-field bookkeeping)."""

    def __init__(self, model: type[BaseModel], **values: Any) -> None:
        self.model = model
        # Every field in declaration order, with its default (or the value given here).
        self.fields = {name: values.get(name, info.get_default(call_default_factory=True))
                         for name, info in model.model_fields.items()}

    def __call__(self, **values: Any) -> Any:
        return self.made(self.fields | values, set(values))

    def made(self, fields: dict[str, Any], given: set[str]) -> Any:
        """The model whose ``__dict__`` is ``fields`` (every field, in declaration order, as
        validation stores them) and whose explicitly set fields are ``given``."""
        instance = _new(self.model)
        _set_dict(instance, fields)
        _set_fields_set(instance, given)
        _set_extra(instance, None)
        _set_private(instance, None)
        return instance


_new = object.__new__  # pydantic models keep object's
# The setters of BaseModel's four slots, looked up once: calling a slot descriptor's __set__
# costs about half of object.__setattr__, which finds the descriptor by name on every call.
_set_dict, _set_fields_set, _set_extra, _set_private = (
    BaseModel.__dict__[name].__set__ for name in ("__dict__", "__pydantic_fields_set__",
                                                  "__pydantic_extra__", "__pydantic_private__"))
_line, _invoice, _totals = _Maker(InvoiceLine), _Maker(Invoice), _Maker(Totals)
# A UBL document's source; the file name is set per invoice.
_source = _Maker(DocumentSource, format=InvoiceFormat.UBL, version="peppol-bis-3")
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
# The number columns stacked into one 2-D array (of the header's, of the lines'): one slice
# hands over a whole invoice's numbers instead of one numpy call per column. (The texts stay
# apart: stacking object columns costs more than it saves.)
_LINE_NUMBERS = ("line_ref", "quantity", "unit_price", "vat_rate", "net_amount", "vat_amount")
_LINE_TEXTS = ("article", "name")
_HEADER_NUMBERS = ("credit", "invoice_date", "gross", "net", "vat", "lines_net")
_HEADER_TEXTS = ("number", "currency", "seller_name", "seller", "po")


_TEN_THOUSANDTH = Decimal("1E-4")


def _money(value: int) -> Decimal:
    # The same Decimal as Decimal(value).scaleb(-4) (coefficient value, exponent -4): an exact
    # product, without scaleb's argument parsing (inlined in ColumnInvoices).
    return _TEN_THOUSANDTH * value


def _quantity(value: int) -> Decimal:
    return Decimal(value).scaleb(-6)


def _reference(line_number: int) -> str | None:
    return str(line_number) if line_number >= 0 else None


def _seller(key: tuple[str, str]) -> Party:
    name, business_id = key
    return _party(name=name, business_id=business_id or None)


class _Shared(dict[_K, _V]):
    """``make(key)``, made once per key. Prices, VAT rates, quantities, dates and sellers repeat
    across invoices (amounts mostly do not, and sharing would only cost them); the values are
    immutable, so invoices can share one object per value. A dict with ``__missing__`` rather
    than functools.cache: a subscript costs a fraction of a call."""

    def __init__(self, make: Callable[[_K], _V]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key: _K) -> _V:
        value = self[key] = self.make(key)
        return value


_PRICES = _Shared(_money)
_QUANTITIES = _Shared(_quantity)
_REFERENCES = _Shared(_reference)
_DATES = _Shared(date.fromordinal)
_SELLERS = _Shared(_seller)  # a few thousand suppliers

_LINE_IDS = tuple(str(i + 1) for i in range(LINES))


class ColumnInvoices:
    """Invoice k of the benchmark columns as an :class:`Invoice` (built on demand)."""

    def __init__(self, data: BenchData) -> None:
        h, c = data.invoices, data.lines
        self.header_numbers = np.column_stack([h[name] for name in _HEADER_NUMBERS])
        self.line_numbers = np.column_stack([c[name] for name in _LINE_NUMBERS])
        self.header_texts = tuple(h[name] for name in _HEADER_TEXTS)
        self.line_texts = tuple(c[name] for name in _LINE_TEXTS)

    def __call__(self, k: int) -> Invoice:
        first, stop, money = k * LINES, (k + 1) * LINES, _TEN_THOUSANDTH
        articles, names = self.line_texts
        # Each model's fields start as a copy of its maker's (every field, in declaration
        # order) and get the columns' values: copying a dict costs a fraction of building one.
        lines = []
        for line_id, (ref, quantity, price, vat, net, vat_amount), article, name in zip(
                _LINE_IDS, self.line_numbers[first:stop].tolist(), articles[first:stop].tolist(),
                names[first:stop].tolist(), strict=True):
            fields = _line.fields.copy()
            fields["line_id"] = line_id
            fields["order_line_reference"] = _REFERENCES[ref]
            fields["article_id"] = article or None
            fields["name"] = name
            fields["invoiced_quantity"] = _QUANTITIES[quantity]
            fields["unit_price"] = _PRICES[price]
            fields["vat_rate"] = _PRICES[vat]
            fields["vat_amount"] = money * vat_amount
            fields["net_amount"] = money * net
            lines.append(_line.made(fields, set(_LINE_GIVEN)))
        credit, day, gross, net, vat, lines_net = self.header_numbers[k].tolist()
        numbers, currencies, seller_names, sellers, orders = self.header_texts
        fields = _source.fields.copy()
        fields["file"] = f"bench-{k}"
        source = _source.made(fields, set(_SOURCE_GIVEN))
        fields = _totals.fields.copy()
        fields["lines_net"] = money * lines_net
        fields["net"] = money * net
        fields["vat"] = money * vat
        fields["gross"] = money * gross
        totals = _totals.made(fields, set(_TOTALS_GIVEN))
        fields = _invoice.fields.copy()
        fields["source"] = source
        fields["invoice_type"] = InvoiceType.CREDIT_NOTE if credit else InvoiceType.INVOICE
        fields["invoice_number"] = numbers[k]
        fields["invoice_date"] = _DATES[day]
        fields["currency"] = currencies[k]
        fields["seller"] = _SELLERS[seller_names[k], sellers[k]]
        fields["buyer"] = _BUYER
        fields["order_reference"] = orders[k] or None
        fields["lines"] = lines
        fields["totals"] = totals
        fields["payment"] = _PAYMENT
        return _invoice.made(fields, set(_INVOICE_GIVEN))


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
        ledger.add_quantity(po, line, _QUANTITIES[quantity])
    s = data.prior_seen
    for seller, number, gross, day, credit in zip(*(s[k].tolist() for k in (
            "seller", "number", "gross", "invoice_date", "credit")), strict=True):
        ledger.remember_identity(InvoiceIdentity(seller.replace("-", ""), number, _money(gross),
                                                 _DATES[day], credit))
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
