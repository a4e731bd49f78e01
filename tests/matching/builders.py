"""Builders for matching tests: real Invoice models, order lines, books, and the reference
sequential run the batch path must agree with."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from finrpa.matching import (
    MatchDecision,
    MatchLedger,
    OrderBook,
    OrderLine,
    Receipt,
    ToleranceProfile,
    match_invoice,
)
from finrpa.money import round_money
from finrpa.steps.invoice_model import Invoice, InvoiceLine, InvoiceType, Totals
from finrpa.steps.invoice_samples import sample_business_id, sample_invoice

D = Decimal
SUPPLIER = sample_business_id(1)  # the seller of sample_invoice(1)
OTHER_SUPPLIER = sample_business_id(7)
PO = "PO-1"


def order_line(
    line_number: int,
    quantity: str = "10",
    unit_price: str = "10.00",
    *,
    po: str = PO,
    item: str | None = None,
    description: str | None = None,
    unit: str = "PCE",
    vat: str = "25.5",
    supplier: str = SUPPLIER,
    currency: str = "EUR",
    status: str = "open",
    service: bool | None = None,
) -> OrderLine:
    """An order line; item code and description default from the line number."""
    return OrderLine(
        po_number=po, line_number=line_number, supplier_business_id=supplier,
        supplier_name="Esimerkkitoimittaja Oy", item_code=item or f"A-{line_number}",
        description=description or f"Article {line_number}", quantity=D(quantity), unit=unit,
        unit_price=D(unit_price), vat_rate=D(vat), currency=currency, status=status,
        service=service,
    )


def book_of(lines: Sequence[OrderLine], received: dict[tuple[str, int], str] | None = None,
            *, receive_all: bool = True) -> OrderBook:
    """A book; every line fully received unless ``received`` says otherwise."""
    receipts = []
    for line in lines:
        key = (line.po_number, line.line_number)
        quantity = received.get(key) if received and key in received else (
            str(line.quantity) if receive_all else None)
        if quantity is not None:
            receipts.append(
                Receipt(line.po_number, line.line_number, D(quantity), date(2024, 1, 1)))
    return OrderBook.build(lines, receipts)


def invoice_line(
    line_id: int,
    quantity: str | None = "1",
    unit_price: str | None = "10.00",
    *,
    ref: str | None = None,
    article: str | None = None,
    name: str | None = None,
    unit: str = "PCE",
    vat: str | None = "25.5",
    order: str | None = None,
    base: str | None = None,
) -> InvoiceLine:
    """An invoice line referring to order line ``ref`` (default: the line id × 1)."""
    net = None
    if quantity is not None and unit_price is not None:
        per_unit = D(unit_price) / (D(base) if base else 1)
        net = round_money(D(quantity) * per_unit)
    vat_amount = round_money(net * D(vat) / 100) if net is not None and vat is not None else None
    return InvoiceLine(
        line_id=str(line_id), order_reference=order, order_line_reference=ref,
        article_id=article, name=name,
        invoiced_quantity=D(quantity) if quantity is not None else None, unit=unit,
        unit_price=D(unit_price) if unit_price is not None else None,
        price_base_quantity=D(base) if base else None,
        vat_rate=D(vat) if vat is not None else None, vat_amount=vat_amount, net_amount=net,
    )


def invoice(
    *lines: InvoiceLine,
    number: str = "1001",
    po: str | None = PO,
    seller: str | None = SUPPLIER,
    currency: str = "EUR",
    credit: bool = False,
    issued: date = date(2024, 3, 1),
    totals: dict[str, Any] | None = None,
    **changes: Any,
) -> Invoice:
    """A valid invoice (identifiers from sample_invoice) with the given lines and totals that
    add up unless ``totals`` overrides them."""
    base = sample_invoice(1)
    net = sum((line.net_amount or D(0) for line in lines), D(0))
    vat = sum((line.vat_amount or D(0) for line in lines), D(0))
    stated = {"lines_net": net, "net": net, "vat": vat, "gross": net + vat, "payable": net + vat}
    stated |= totals or {}
    seller_party = base.seller.model_copy(update={"business_id": seller})
    return base.model_copy(update={
        "invoice_number": number, "order_reference": po, "currency": currency,
        "invoice_type": InvoiceType.CREDIT_NOTE if credit else InvoiceType.INVOICE,
        "invoice_date": issued, "lines": list(lines), "totals": Totals(**stated),
        "seller": seller_party, **changes,
    })


def sequential(
    invoices: Sequence[Invoice | None], book: OrderBook, ledger: MatchLedger,
    profile: ToleranceProfile,
) -> list[MatchDecision]:
    """The reference: match one by one, remembering each and recording the matched ones."""
    decisions = []
    for item in invoices:
        decision = match_invoice(item, book, ledger, profile)
        if item is not None:
            ledger.remember(item)
        if decision.matched:
            ledger.record(decision)
        decisions.append(decision)
    return decisions
