"""The matching rules, one function each, in exact ``Decimal`` arithmetic.

These are the reference semantics; the batch path (:mod:`finrpa.matching.batch`) reaches the
same codes with fixed-point columns. Every limit comes from the :class:`Tolerances` in force.
Evidence is written JSON-ready as it is gathered (numbers as strings).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from finrpa.matching._values import business_key, line_reference_number, text_key, to_scaled
from finrpa.matching.book import OrderBook
from finrpa.matching.decision import LineMatch, MatchedBy, ReasonDetail
from finrpa.matching.facts import LineFacts, line_facts, refers_elsewhere
from finrpa.matching.ledger import InvoiceIdentity, LedgerView
from finrpa.matching.model import OrderLine, ReasonCode
from finrpa.matching.tolerances import Tolerances
from finrpa.money import round_money
from finrpa.steps.invoice_model import Invoice, InvoiceLine

ZERO = Decimal(0)
HUNDRED = Decimal(100)


def text(value: Any) -> Any:
    """A JSON-ready leaf: Decimals (and dates) as str; None, bool, int, str, dict as they are."""
    kind = type(value)
    if kind is Decimal:
        return str(value)
    if kind in _AS_IS or isinstance(value, str | bool | int | dict | list):
        return value
    return str(value)


_AS_IS = frozenset({str, bool, int, dict, list, type(None)})  # exact types: no isinstance walk


@dataclass
class Check:
    """One invoice being checked: inputs, and the reasons and evidence found so far."""

    invoice: Invoice
    book: OrderBook
    ledger: LedgerView
    tolerances: Tolerances
    order_reference: str | None
    po_code: int
    credit: bool
    details: list[ReasonDetail] = field(default_factory=list)
    header: dict[str, Any] = field(default_factory=dict)
    lines: list[dict[str, Any]] = field(default_factory=list)
    matches: list[LineMatch] = field(default_factory=list)
    order_closed: bool = False
    counted: dict[tuple[str, int], Decimal] = field(default_factory=dict)  # by this invoice
    # What every line reads from the tolerances, read once (a pydantic attribute read is slow).
    receipts_checked: bool = field(init=False)
    quantity_limit: Decimal = field(init=False)  # 100 + quantity_percent

    def __post_init__(self) -> None:
        self.receipts_checked = self.tolerances.check_receipts
        self.quantity_limit = HUNDRED + self.tolerances.quantity_percent

    def add(self, code: ReasonCode, message: str, line: int | None = None, **evidence: Any) -> None:
        """Record a reason."""
        for key, value in evidence.items():  # a fresh dict: made JSON-ready in place
            if type(value) is not str:
                evidence[key] = text(value)
        self.details.append(ReasonDetail(code, message, line, evidence))


# -- header ------------------------------------------------------------------------------------


def check_order(check: Check) -> None:
    """Order reference, order found and open, supplier and currency."""
    invoice, book, code = check.invoice, check.book, check.po_code
    check.header["order_reference"] = check.order_reference
    if check.order_reference is None:
        check.add(ReasonCode.NO_ORDER_REFERENCE, "the invoice names no purchase order")
        return
    if code < 0:
        check.add(ReasonCode.ORDER_NOT_FOUND,
                  f"order {check.order_reference} is not in the order book",
                  order_reference=check.order_reference)
        return
    seller, supplier = invoice.seller.business_id, book.supplier_business_id(code)
    currency, order_currency = invoice.currency.strip().upper(), book.currency(code)
    check.order_closed = book.all_closed(code)
    check.header |= {
        "seller_business_id": seller, "order_supplier_business_id": supplier,
        "currency": currency, "order_currency": order_currency,
        "order_closed": check.order_closed,
    }
    if check.order_closed:
        check.add(ReasonCode.ORDER_CLOSED, f"order {check.order_reference} is closed")
    if business_key(seller) != business_key(supplier):
        check.add(ReasonCode.SUPPLIER_MISMATCH,
                  f"seller business ID {seller or '(none)'} is not the order's supplier "
                  f"{supplier}", seller=seller, supplier=supplier)
    if currency != order_currency:
        check.add(ReasonCode.CURRENCY_MISMATCH,
                  f"invoice currency {currency} but order {check.order_reference} is in "
                  f"{order_currency}", currency=currency, order_currency=order_currency)


def check_totals(check: Check) -> None:
    """Header totals against the sum of the lines, within ``total_amount``."""
    invoice, tolerance = check.invoice, check.tolerances.total_amount
    totals = invoice.totals
    comparisons: list[tuple[str, Decimal, str, Decimal | None]] = []
    # One pass over the lines: the sums are added up in line order, as sum() would.
    line_net, line_vat, any_net, all_vat = ZERO, ZERO, False, True
    for line in invoice.lines:
        net, vat = line.net_amount, line.vat_amount
        if net is not None:
            line_net, any_net = line_net + net, True
        if vat is None:
            all_vat = False
        elif all_vat:
            line_vat += vat
    if any_net:
        stated = totals.lines_net if totals.lines_net is not None else totals.net
        comparisons.append(("sum of line net amounts", line_net, "stated net total", stated))
    if totals.net is not None and totals.vat is not None:
        comparisons.append(("net + VAT", totals.net + totals.vat, "stated gross total",
                            totals.gross))
    if invoice.lines and totals.vat is not None and all_vat:
        comparisons.append(("sum of line VAT amounts", line_vat, "stated VAT total", totals.vat))
    results = []
    shown_tolerance = str(tolerance)
    for what, computed, stated_what, stated in comparisons:
        if stated is None:
            continue
        difference = computed - stated
        results.append({"rule": what, "computed": str(computed), "stated": str(stated),
                        "difference": str(difference), "tolerance": shown_tolerance})
        if abs(difference) > tolerance:
            check.add(ReasonCode.TOTAL_MISMATCH,
                      f"{what} is {computed} but the {stated_what} is {stated} (difference "
                      f"{difference}; tolerance {tolerance})",
                      rule=what, computed=computed, stated=stated, tolerance=tolerance)
    check.header["totals"] = results


def check_duplicate(check: Check, identity: InvoiceIdentity) -> None:
    """An earlier invoice with the same seller and number, or a near-identical one."""
    earlier = check.ledger.find_duplicate(identity)
    check.header["duplicate_of"] = None
    if earlier is not None:
        check.header["duplicate_of"] = earlier.identity.to_json() | {"item_ref": earlier.item_ref}
        check.add(ReasonCode.DUPLICATE_INVOICE,
                  f"invoice {identity.invoice_number} duplicates the seller's "
                  f"{earlier.describe()}", earlier=check.header["duplicate_of"])


# -- lines -------------------------------------------------------------------------------------


def check_lines(check: Check) -> None:
    """Match every line to the order and apply the line rules."""
    invoice_lines = check.invoice.lines
    if not invoice_lines:
        check.add(ReasonCode.INVALID_INVOICE, "the invoice has no lines to match")
    book, tolerances = check.book, check.tolerances
    for index, line in enumerate(invoice_lines):
        facts = line_facts(line, check.credit)
        if facts.quantity is None or facts.unit_price is None:
            missing = "quantity" if facts.quantity is None else "unit price"
            check.add(ReasonCode.INVALID_INVOICE, f"{_label(line)}: no {missing}", index)
        row, how = _find(check, line, facts)
        entry: dict[str, Any] = {
            "index": index, "line_id": line.line_id, "matched_by": how,
            "invoice_line": _invoice_side(line, facts), "order_line": None, "receipt": None,
            "cumulative": None, "differences": {}, "tolerance": None, "reasons": []}
        check.lines.append(entry)
        if row < 0:
            check.matches.append(LineMatch(index, None, how, facts.quantity or ZERO, ZERO, None))
            if check.po_code >= 0:
                _not_on_order(check, line, index)
            continue
        order = book.line_at(row)
        service = tolerances.is_service(order)
        entry["order_line"] = _order_side(order, service)
        entry["tolerance"] = tolerances.evidence()
        if order.closed and not check.order_closed:
            check.add(ReasonCode.ORDER_CLOSED,
                      f"{_label(line)}: order line {order.line_number} is closed", index)
        if facts.unit_price is not None and facts.unit_price != order.unit_price:
            _check_price(check, facts, order, line, index, entry)
        vat_rate = line.vat_rate
        if vat_rate is None or vat_rate != order.vat_rate:
            _check_vat(check, line, order, index, entry)
        received = None if service else book.received_at(row)
        _check_quantity(check, facts, order, received, line, index, how, entry)


def _find(check: Check, line: InvoiceLine, facts: LineFacts) -> tuple[int, MatchedBy]:
    if check.po_code < 0 or refers_elsewhere(line, check.order_reference):
        return -1, "none"
    reference = line_reference_number(line.order_line_reference)
    if reference is not None:
        row = check.book.row_in(check.po_code, reference)
        return (row, "line_reference") if row >= 0 else (-1, "none")
    row, how = check.book.find_row(
        check.po_code, None, text_key(line.article_id), text_key(line.name),
        to_scaled(facts.unit_price, 4),
    )
    return (row, cast(MatchedBy, how)) if row >= 0 else (-1, "none")


def _not_on_order(check: Check, line: InvoiceLine, index: int) -> None:
    if refers_elsewhere(line, check.order_reference):
        why = f"it refers to order {line.order_reference}"
    elif line.order_line_reference and line.order_line_reference.strip():
        why = f"the order has no line {line.order_line_reference.strip()}"
    else:
        why = "no order line has its article ID, or its description at its unit price"
    check.add(ReasonCode.LINE_NOT_ON_ORDER,
              f"{_label(line)}: not on order {check.order_reference}: {why}", index)


def _check_price(check: Check, facts: LineFacts, order: OrderLine, line: InvoiceLine, index: int,
                 entry: dict[str, Any]) -> None:
    """A unit price that differs from the order's (check_lines calls it only then)."""
    price, tolerance = facts.unit_price, check.tolerances
    assert price is not None
    difference = price - order.unit_price
    line_amount = difference * abs(facts.raw_quantity or ZERO)
    percent = difference * HUNDRED / order.unit_price if order.unit_price else None
    entry["differences"]["unit_price"] = {
        "invoice": str(price), "order": str(order.unit_price), "difference": str(difference),
        "percent": text(percent), "line_amount": str(line_amount),
        "tolerance": f"{tolerance.price_percent} % or {tolerance.price_amount} per line"}
    if check.credit or difference < 0:
        return
    if difference * HUNDRED > tolerance.price_percent * order.unit_price or (
        line_amount > tolerance.price_amount
    ):
        shown = f"{percent:.1f} %" if percent is not None else "infinitely"
        check.add(ReasonCode.PRICE_VARIANCE,
                  f"{_label(line)}: unit price {price} is {shown} above the order's "
                  f"{order.unit_price} ({round_money(line_amount)} over the line); tolerance "
                  f"{tolerance.price_percent} % or {tolerance.price_amount} per line",
                  index, invoice_price=price, order_price=order.unit_price,
                  line_amount=line_amount)


def _check_vat(check: Check, line: InvoiceLine, order: OrderLine, index: int,
               entry: dict[str, Any]) -> None:
    """A VAT rate missing or other than the order's (check_lines calls it only then)."""
    entry["differences"]["vat_rate"] = {"invoice": text(line.vat_rate),
                                        "order": str(order.vat_rate), "tolerance": "equal"}
    stated = f"{line.vat_rate} %" if line.vat_rate is not None else "no VAT rate"
    check.add(ReasonCode.VAT_MISMATCH,
              f"{_label(line)}: {stated} but the order line has {order.vat_rate} %", index,
              invoice_vat_rate=line.vat_rate, order_vat_rate=order.vat_rate)


def _check_quantity(check: Check, facts: LineFacts, order: OrderLine, received: Decimal | None,
                    line: InvoiceLine, index: int, how: MatchedBy, entry: dict[str, Any]) -> None:
    tolerance = check.tolerances
    key = (order.po_number, order.line_number)
    quantity = facts.quantity if facts.quantity is not None else ZERO
    counted = check.counted.get(key, ZERO)
    before = check.ledger.invoiced(*key) + counted
    after = before + quantity
    check.counted[key] = counted + quantity
    check.matches.append(LineMatch(index, order, how, quantity, after, received))
    got = None
    if received is not None:
        got = amount(received)  # shown up to three times below
        # "quantity" lines the received quantity up with the invoiced and ordered ones.
        entry["receipt"] = {"quantity": got, "checked": check.receipts_checked}
    shown = {"before": amount(before), "this_invoice": amount(quantity), "after": amount(after)}
    entry["cumulative"] = shown
    if quantity <= ZERO:
        return
    over_order = after * HUNDRED > order.quantity * check.quantity_limit
    over_receipt = received is not None and check.receipts_checked and after > received
    if not (over_order or over_receipt):
        return
    total = f"{_label(line)}: {shown['after']} {order.unit} invoiced in total " \
            f"({shown['before']} earlier + {shown['this_invoice']} now)"
    if over_order:
        ordered = amount(order.quantity)
        # Under "quantity", the page shows invoiced (in total), ordered and received side by side.
        entry["differences"]["quantity"] = {
            "invoice": shown["after"], "order": ordered,
            "receipt": got, "difference": amount(after - order.quantity),
            "tolerance": f"{tolerance.quantity_percent} % over the order"}
        check.add(ReasonCode.QUANTITY_EXCEEDS_ORDER,
                  f"{total} but {ordered} ordered; allowance {tolerance.quantity_percent} %",
                  index, invoiced=shown["after"], ordered=ordered)
    if over_receipt:
        assert received is not None
        if "quantity" not in entry["differences"]:  # the order's excess, if any, comes first
            entry["differences"]["quantity"] = {
                "invoice": shown["after"], "order": amount(order.quantity), "receipt": got,
                "difference": amount(after - received), "tolerance": "no more than received"}
        check.add(ReasonCode.QUANTITY_EXCEEDS_RECEIPT, f"{total} but {got} received", index,
                  invoiced=shown["after"], received=got)


def amount(value: Decimal) -> str:
    """A quantity for people: ``10``, ``2.5``, ``0`` (no exponent, no trailing zeros)."""
    # Cached by the text rather than the Decimal: equal Decimals can print differently (0 and
    # -0, 1.0 and 1), while the text gives back exactly the Decimal it came from.
    shown = str(value)
    found = _AMOUNTS.get(shown)
    if found is None:
        if len(_AMOUNTS) >= _AMOUNTS_KEPT:
            _AMOUNTS.clear()
        found = _AMOUNTS[shown] = (
            f"{Decimal(shown).normalize():f}" if "." in shown or "E" in shown else shown)
    return found


_AMOUNTS: dict[str, str] = {}  # a few quantities recur (ordered, received, cumulative)
_AMOUNTS_KEPT = 1 << 14


# -- evidence helpers --------------------------------------------------------------------------


def _label(line: InvoiceLine) -> str:
    item = line.article_id or line.name
    return f"line {line.line_id} (item {item})" if item else f"line {line.line_id}"


def _invoice_side(line: InvoiceLine, facts: LineFacts) -> dict[str, Any]:
    quantity, price, vat, net = facts.raw_quantity, facts.unit_price, line.vat_rate, \
        line.net_amount
    # The same field names as the order side, so a reviewer reads each field across one row.
    return {"line_number": line.order_line_reference, "item_code": line.article_id,
            "description": line.name,
            "quantity": None if quantity is None else str(quantity), "unit": line.unit,
            "unit_price": None if price is None else str(price),
            "vat_rate": None if vat is None else str(vat),
            "net_amount": None if net is None else str(net)}


def _order_side(order: OrderLine, service: bool) -> dict[str, Any]:
    return {"line_number": order.line_number, "item_code": order.item_code,
            "description": order.description, "quantity": str(order.quantity),
            "unit": order.unit, "unit_price": str(order.unit_price),
            "vat_rate": str(order.vat_rate), "po_number": order.po_number,
            "status": order.status, "service": service}
