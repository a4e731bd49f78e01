"""TEAPPSXML reader (Tieto's Finnish e-invoice format; versions 2.7.2 and 3.0 as in the corpus).

The invoice sits in ``INVOICE_CENTER/CONTENT_FRAME/INVOICES/INVOICE``. The seller is ``PAYEE``;
the buyer is ``PAYER``/``PAYOR``, else ``INVOICE_RECIPIENT``. Amounts carry their sign in a
``SIGN`` attribute and say in ``VAT`` whether tax is included; dates come as DAY, MONTH,
CENTURY and DECADE_AND_YEAR. A row is a line when it has a quantity or an amount; free-text rows
are not, and neither are ``ROW_TYPE="MAIN"`` rows, which head a group of rows and summarise it
(the corpus samples' totals leave their amounts out). An invoice whose total is negative is a
credit note (the INVOICE_TYPE code is kept as ``type_code``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from finrpa.domain.findings import Severity
from finrpa.steps._invoice_reading import (
    Element,
    FieldReader,
    Index,
    InvoiceReadResult,
    element_path,
    every,
    first,
    index_children,
    infer_reference_scheme,
    joined_text,
    text,
)
from finrpa.steps.invoice_model import (
    CURRENCY_ASSUMED,
    INVALID_DATE,
    MULTIPLE_INVOICES,
    BankAccount,
    DocumentSource,
    Invoice,
    InvoiceFormat,
    InvoiceLine,
    InvoiceType,
    Party,
    Payment,
    Totals,
)

_BUYER_ROLES = ("PAYER", "PAYOR", "INVOICE_RECIPIENT")
_BUYERS_ORDER = ("CO", "ON")  # EDIFACT 1153: customer (buyer's) order number
_ROW_VALUES = ("QUANTITY", "PRICE_PER_UNIT", "ROW_TOTAL", "ROW_AMOUNT")
_INVOICE_PATH = "CONTENT_FRAME/INVOICES/INVOICE"


def teappsxml_version(root: Element) -> str:
    """``FORMAT_VERSION`` from the content frame's block rules, e.g. ``3.0`` or ``2.7.2``."""
    frame = index_children(first(index_children(root), "CONTENT_FRAME"))
    return text(index_children(first(frame, "BLOCK_RULES")), "FORMAT_VERSION") or "unknown"


def read_teappsxml(root: Element, source: str) -> InvoiceReadResult:
    """Read the (first) invoice of a parsed ``<INVOICE_CENTER>`` document."""
    fields = FieldReader(source)
    frame = index_children(first(index_children(root), "CONTENT_FRAME"))
    invoices = every(index_children(first(frame, "INVOICES")), "INVOICE")
    if not invoices:
        fields.missing(_INVOICE_PATH, "INVOICE")
        return InvoiceReadResult(None, tuple(fields.findings))
    if len(invoices) > 1:
        fields.add(
            MULTIPLE_INVOICES,
            f"the file holds {len(invoices)} invoices; only the first was read",
            _INVOICE_PATH,
        )
    invoice = _invoice(index_children(invoices[0]), fields, source, teappsxml_version(root))
    return InvoiceReadResult(invoice, tuple(fields.findings))


def _invoice(parts: Index, fields: FieldReader, source: str, version: str) -> Invoice | None:
    header = index_children(first(parts, "HEADER"))
    payee = first(parts, "PAYEE")
    seller = _party(payee, fields, "PAYEE")
    buyer_role = next((role for role in _BUYER_ROLES if role in parts), "PAYER")
    buyer = _party(first(parts, buyer_role), fields, buyer_role)
    number = text(header, "INVOICE_ID")
    if number is None:
        fields.missing(f"{_INVOICE_PATH}/HEADER/INVOICE_ID", "invoice number")
    known = len(fields.findings)
    issued = _date(first(header, "INVOICE_DATE"), fields)
    if issued is None and len(fields.findings) == known:  # absent, not invalid
        fields.missing(f"{_INVOICE_PATH}/HEADER/INVOICE_DATE/DATE", "invoice date")
    totals = _totals(index_children(first(parts, "SUMMARY")), fields)
    lines = _lines(index_children(first(parts, "ROWS")), fields)
    if seller is None or buyer is None or number is None or issued is None or totals is None:
        return None
    return fields.build(
        lambda: Invoice(
            source=DocumentSource(file=source, format=InvoiceFormat.TEAPPSXML, version=version),
            invoice_type=InvoiceType.CREDIT_NOTE if totals.gross < 0 else InvoiceType.INVOICE,
            type_code=text(header, "INVOICE_TYPE"),
            invoice_number=number,
            invoice_date=issued,
            due_date=_date(first(header, "DUE_DATE"), fields),
            currency=_currency(header, fields),
            seller=seller,
            buyer=buyer,
            order_reference=_buyers_order(header),
            buyer_reference=text(header, "BUYER_REFERENCE"),
            lines=lines,
            totals=totals,
            payment=_payment(index_children(payee), seller),
        )
    )


def _currency(header: Index, fields: FieldReader) -> str:
    currency = text(index_children(first(header, "CURRENCY")), "CODE")
    if currency is None:
        where = f"{_INVOICE_PATH}/HEADER/CURRENCY/CODE"
        message = "no currency code; EUR assumed"
        fields.add(CURRENCY_ASSUMED, message, where, severity=Severity.WARNING)
        return "EUR"
    return currency


def _date(holder: Element | None, fields: FieldReader) -> date | None:
    """A ``<DATE>`` with DAY, MONTH, CENTURY and DECADE_AND_YEAR."""
    date_element = first(index_children(holder), "DATE")
    if date_element is None:
        return None
    parts = index_children(date_element)
    day, month = text(parts, "DAY"), text(parts, "MONTH")
    century, year = text(parts, "CENTURY"), text(parts, "DECADE_AND_YEAR")
    if day is None and month is None and century is None and year is None:
        return None
    try:
        return date(int(century or "") * 100 + int(year or ""), int(month or ""), int(day or ""))
    except ValueError:
        raw = f"{century}{year}-{month}-{day}"
        fields.add(INVALID_DATE, f"{raw!r} is not a valid date", element_path(date_element), raw)
        return None


def _signed(element: Element | None, fields: FieldReader, quantity: bool = False) -> Decimal | None:
    """An ``<AMOUNT>`` or quantity, negated when its SIGN is ``-``."""
    value = fields.quantity(element) if quantity else fields.amount(element)
    if value is not None and element is not None and (element.get("SIGN") or "").strip() == "-":
        return -value
    return value


def _amount(holder: Element | None, fields: FieldReader, vat: str | None = None) -> Decimal | None:
    """The ``AMOUNT`` child of ``holder``; with ``vat``, the one whose VAT attribute matches."""
    for element in every(index_children(holder), "AMOUNT"):
        if vat is None or _vat(element) == vat:
            return _signed(element, fields)
    return None


def _vat(amount: Element) -> str:
    return (amount.get("VAT") or "").strip().upper()


def _party(holder: Element | None, fields: FieldReader, role: str) -> Party | None:
    parts = index_children(holder)
    info = index_children(first(parts, "CUSTOMER_INFORMATION"))
    name = joined_text(info, "CUSTOMER_NAME")
    if name is None:
        where = f"{_INVOICE_PATH}/{role}/CUSTOMER_INFORMATION/CUSTOMER_NAME"
        fields.missing(where, f"{role} name")
        return None
    return Party(
        name=name,
        business_id=text(info, "ORGANIZATION_NUMBER"),
        vat_id=text(info, "VAT_NUMBER"),
        ovt=text(parts, "NET_SERVICE_ID"),
        endpoint_id=text(parts, "NET_SERVICE_ID"),
        endpoint_scheme=text(parts, "EADDRESS_SCHEME_ID_CODE"),
        bank_accounts=[_bank(index_children(bank)) for bank in every(parts, "BANKS")],
    )


def _bank(bank: Index) -> BankAccount:
    return BankAccount(
        iban=text(bank, "IBAN_ACCOUNT_NUMBER"),
        account_number=text(bank, "BANK_ACCOUNT_NUMBER"),
        bic=text(bank, "SWIFT_CODE"),
    )


def _payment(payee: Index, seller: Party) -> Payment:
    details = index_children(first(payee, "DETAILS_OF_PAYMENT"))
    reference = text(details, "FI_PAYMENT_REFERENCE")
    account = seller.bank_accounts[0] if seller.bank_accounts else BankAccount()
    return Payment(
        iban=account.iban,
        account_number=None if account.iban else account.account_number,
        bic=account.bic,
        reference=reference,
        reference_scheme=infer_reference_scheme(reference, finnish_context=True),
    )


def _buyers_order(header: Index) -> str | None:
    for order in every(header, "ORDER_INFORMATION"):
        if (order.get("ORDER_TYPE") or "").strip().upper() in _BUYERS_ORDER:
            return text(index_children(order), "ORDER_NUMBER")
    return None


def _totals(summary: Index, fields: FieldReader) -> Totals | None:
    total = first(summary, "INVOICE_TOTAL")
    gross = _amount(total, fields, "INCLUDED")
    if gross is None:
        if not any(_vat(amount) == "INCLUDED" for amount in every(index_children(total), "AMOUNT")):
            fields.missing(f"{_INVOICE_PATH}/SUMMARY/INVOICE_TOTAL/AMOUNT", "total with VAT")
        return None
    return Totals(
        lines_net=_amount(first(summary, "ROWS_TOTAL"), fields, "EXCLUDED"),
        net=_amount(total, fields, "EXCLUDED"),
        vat=_amount(first(summary, "VAT_TOTAL"), fields),
        gross=gross,
        rounding=fields.amount(first(summary, "ROUNDINGS")),
    )


def _lines(rows: Index, fields: FieldReader) -> list[InvoiceLine]:
    lines: list[InvoiceLine] = []
    for row in every(rows, "ROW"):
        if (row.get("ROW_TYPE") or "").strip().upper() == "MAIN":
            continue
        parts = index_children(row)
        if any(name in parts for name in _ROW_VALUES):
            lines.append(_line(row, parts, len(lines) + 1, fields))
    return lines


def _line(row: Element, parts: Index, ordinal: int, fields: FieldReader) -> InvoiceLine:
    article = index_children(first(parts, "ARTICLE"))
    quantity = index_children(first(parts, "QUANTITY"))
    quantities = [first(quantity, name) for name in ("CHARGED", "DELIVERED", "ORDERED")]
    units = ((q.get("Q_UNIT") or "").strip() for q in quantities if q is not None)
    unit = next((code for code in units if code), None)
    vat = index_children(first(parts, "VAT"))
    order = next((index_children(o) for o in every(parts, "ORDER_INFORMATION")), {})
    total = first(parts, "ROW_TOTAL") if "ROW_TOTAL" in parts else first(parts, "ROW_AMOUNT")
    return InvoiceLine(
        line_id=(row.get("ROW_ID") or "").strip() or str(ordinal),
        order_reference=text(parts, "ORDER_NUMBER") or text(order, "ORDER_NUMBER"),
        order_line_reference=text(order, "ORDER_POSITION"),
        article_id=text(article, "ARTICLE_ID"),
        name=text(article, "ARTICLE_NAME"),
        ordered_quantity=_signed(quantities[2], fields, quantity=True),
        delivered_quantity=_signed(quantities[1], fields, quantity=True),
        invoiced_quantity=_signed(quantities[0], fields, quantity=True),
        unit=unit,
        unit_price=_amount(first(parts, "PRICE_PER_UNIT"), fields),
        vat_rate=fields.percent(first(vat, "RATE")),
        vat_amount=_amount(first(vat, "VAT_AMOUNT"), fields),
        net_amount=_amount(total, fields, "EXCLUDED"),
        gross_amount=_amount(total, fields, "INCLUDED"),
    )
