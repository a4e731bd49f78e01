"""Writes the invoice-matching sample batch: invoices, purchase orders, goods receipts.

    python -m robots.invoice_matching.fixtures fixtures/invoice_matching

The batch is a table of scenarios, each an order and the invoices against it, with the outcome
a person expects written next to it (``expected.json``), so the end-to-end test compares the
robot with these expectations, not with itself. Every reason code occurs at least once.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from finrpa.money import round_money
from finrpa.steps.identifiers import bic_for_finnish_iban, business_id_to_vat_id
from finrpa.steps.invoice_model import (
    BankAccount,
    DocumentSource,
    Invoice,
    InvoiceFormat,
    InvoiceLine,
    InvoiceType,
    Party,
    Payment,
    ReferenceScheme,
    Totals,
)
from finrpa.steps.invoice_samples import sample_business_id, sample_iban
from finrpa.steps.invoice_writers import write_finvoice, write_ubl
from finrpa.steps.references import create_national_reference
from finrpa.steps.reporting import ColumnKind, ReportColumn
from finrpa.steps.sheets import write_xlsx_report

VAT = Decimal("25.5")
BUYER = Party(name="Esimerkkilän kaupunki, talouspalvelut", business_id=sample_business_id(9999))


@dataclass(frozen=True)
class Supplier:
    name: str
    seed: int

    @property
    def business_id(self) -> str:
        return sample_business_id(self.seed)

    @property
    def iban(self) -> str:
        return sample_iban(self.seed)


PAPER = Supplier("Paperitukku Oy", 11)
CLEANING = Supplier("Siivouspalvelu Puhdas Oy", 12)
FURNITURE = Supplier("Toimistokaluste Ab", 13)
COMPUTERS = Supplier("ATK-Palvelut Oy", 14)
CATERING = Supplier("Kouluruoka Oy", 15)


@dataclass(frozen=True)
class OrderLineSpec:
    line_number: int
    item_code: str
    description: str
    quantity: str
    unit: str
    unit_price: str
    received: tuple[str, ...] = ()
    vat_rate: Decimal = VAT


@dataclass(frozen=True)
class OrderSpec:
    po_number: str
    supplier: Supplier
    lines: tuple[OrderLineSpec, ...]
    status: str = "open"
    currency: str = "EUR"


@dataclass
class InvoiceSpec:
    """One invoice file and what a person expects the robot to make of it."""

    file: str
    number: str
    supplier: Supplier
    po_number: str | None
    # (order line reference, article id, name, quantity, unit, unit price)
    lines: list[tuple[str | None, str | None, str, str, str, str]]
    expected: list[str]
    day: int
    fmt: str = "finvoice"
    credit: bool = False
    currency: str = "EUR"
    vat_rate: Decimal = VAT
    gross_adjustment: Decimal = Decimal(0)
    iban: str | None = None
    reference: str | None = None
    business_id: str | None = None
    corrupt: str | None = None  # "truncate" | "bad_date"
    notes: str = ""
    extra: dict[str, str] = field(default_factory=dict)


ORDERS = (
    OrderSpec("PO-26001", PAPER, (
        OrderLineSpec(10, "TOIM-100", "Kopiopaperi A4 80 g", "100", "PCE", "4.95", ("60", "40")),
        OrderLineSpec(20, "TOIM-230", "Mustekasetti musta", "10", "PCE", "38.40", ("10",)),
    )),
    OrderSpec("PO-26002", CLEANING, (
        OrderLineSpec(10, "SIIV-010", "Siivouspalvelu, koulut", "100", "h", "42.00"),
    )),
    OrderSpec("PO-26003", FURNITURE, (
        OrderLineSpec(10, "KALU-555", "Työtuoli", "10", "PCE", "289.00", ("10",)),
        OrderLineSpec(20, "KALU-610", "Sähköpöytä", "4", "PCE", "520.00", ("4",)),
    )),
    OrderSpec("PO-26004", COMPUTERS, (
        OrderLineSpec(10, "ATK-007", 'Näyttö 27"', "20", "PCE", "219.90", ("12",)),
        OrderLineSpec(20, "ATK-120", "Telakointiasema", "20", "PCE", "149.00", ("20",)),
    )),
    OrderSpec("PO-26005", PAPER, (
        OrderLineSpec(10, "TOIM-100", "Kopiopaperi A4 80 g", "50", "PCE", "4.95", ("50",)),
    ), status="closed"),
    OrderSpec("PO-26006", CATERING, (
        OrderLineSpec(10, "RUOKA-01", "Kouluateriat", "1000", "PCE", "3.20", ("1000",),
                      vat_rate=Decimal("14")),
    )),
    OrderSpec("PO-26007", FURNITURE, (
        OrderLineSpec(10, "KALU-700", "Kirjahylly", "6", "PCE", "180.00", ("6",)),
    )),
    OrderSpec("PO-26008", COMPUTERS, (
        OrderLineSpec(10, "ATK-300", "Kannettava tietokone", "5", "PCE", "1290.00", ("5",)),
    )),
    OrderSpec("PO-26009", CLEANING, (
        OrderLineSpec(10, "SIIV-020", "Ikkunanpesu", "30", "h", "45.00"),
    )),
    OrderSpec("PO-26010", FURNITURE, (
        OrderLineSpec(10, "KALU-800", "Lukollinen kaappi", "5", "PCE", "240.00", ("5",)),
    )),
    OrderSpec("PO-26011", FURNITURE, (
        OrderLineSpec(10, "KALU-900", "Naulakko", "3", "PCE", "75.00", ("3",)),
    )),
    OrderSpec("PO-26012", COMPUTERS, (
        OrderLineSpec(10, "ATK-400", "Tulostin", "2", "PCE", "410.00", ("2",)),
    )),
)

M = "matched"


def _invoices() -> list[InvoiceSpec]:
    paper = ("10", "TOIM-100", "Kopiopaperi A4 80 g")
    ink = ("20", "TOIM-230", "Mustekasetti musta")
    cleaning = ("10", "SIIV-010", "Siivouspalvelu, koulut")
    chair = ("10", "KALU-555", "Työtuoli")
    desk = ("20", "KALU-610", "Sähköpöytä")
    screen = ("10", "ATK-007", 'Näyttö 27"')
    dock = ("20", "ATK-120", "Telakointiasema")
    return [
        InvoiceSpec("001-paperitukku-osatoimitus.xml", "PT-5001", PAPER, "PO-26001",
                    [(*paper, "60", "PCE", "4.95"), (*ink, "10", "PCE", "38.40")], [], 2),
        InvoiceSpec("002-siivous-lokakuu.xml", "S-2026-118", CLEANING, "PO-26002",
                    [(*cleaning, "40", "h", "42.00")], [], 2, fmt="ubl"),
        InvoiceSpec("003-kaluste-tuolit.xml", "TK-7781", FURNITURE, "PO-26003",
                    [(*chair, "10", "PCE", "289.00"), (*desk, "4", "PCE", "520.00")], [], 3),
        InvoiceSpec("004-atk-naytot.xml", "ATK-2211", COMPUTERS, "PO-26004",
                    [(*screen, "12", "PCE", "219.90")], [], 3, fmt="ubl"),
        InvoiceSpec("005-paperitukku-loput.xml", "PT-5002", PAPER, "PO-26001",
                    [(None, "TOIM-100", "Kopiopaperi A4 80 g", "40", "PCE", "4.95")], [], 4,
                    notes="second partial invoice: 60 + 40 = ordered 100, matched by article"),
        InvoiceSpec("006-atk-telakat-halvempi.xml", "ATK-2212", COMPUTERS, "PO-26004",
                    [(*dock, "20", "PCE", "139.00")], [], 4, fmt="ubl",
                    notes="price below the order is accepted"),
        InvoiceSpec("007-siivous-marraskuu.xml", "S-2026-131", CLEANING, "PO-26002",
                    [(None, None, "Siivouspalvelu, koulut", "40", "h", "42.00")], [], 5,
                    notes="matched by description and price; a service needs no receipt"),
        InvoiceSpec("008-ikkunat-hinta-rajalla.xml", "S-2026-140", CLEANING, "PO-26009",
                    [("10", "SIIV-020", "Ikkunanpesu", "10", "h", "45.90")], [], 5,
                    notes="exactly 2 % above the order price: within tolerance"),
        InvoiceSpec("009-kannettavat.xml", "ATK-2300", COMPUTERS, "PO-26008",
                    [("10", "ATK-300", "Kannettava tietokone", "5", "PCE", "1290.00")], [], 6,
                    fmt="ubl"),
        InvoiceSpec("010-hyllyt.xml", "TK-7790", FURNITURE, "PO-26007",
                    [("10", "KALU-700", "Kirjahylly", "6", "PCE", "180.00")], [], 6),
        # --- exceptions -----------------------------------------------------------------
        InvoiceSpec("020-rikki.xml", "X-1", PAPER, "PO-26001", [(*paper, "1", "PCE", "4.95")],
                    ["UNREADABLE"], 7, corrupt="truncate"),
        InvoiceSpec("021-mahdoton-erapaiva.xml", "S-2026-120", CLEANING, "PO-26002",
                    [(*cleaning, "1", "h", "42.00")], ["INVALID_INVOICE"], 7,
                    corrupt="bad_date"),
        InvoiceSpec("022-ei-tilausnumeroa.xml", "TK-7800", FURNITURE, None,
                    [(None, "KALU-800", "Lukollinen kaappi", "1", "PCE", "240.00")],
                    ["NO_ORDER_REFERENCE"], 8, notes="belongs to PO-26010: a reviewer can fix it"),
        InvoiceSpec("023-tuntematon-tilaus.xml", "ATK-2400", COMPUTERS, "PO-29999",
                    [(None, "ATK-007", 'Näyttö 27"', "1", "PCE", "219.90")],
                    ["ORDER_NOT_FOUND"], 8, fmt="ubl"),
        InvoiceSpec("024-suljettu-tilaus.xml", "PT-5020", PAPER, "PO-26005",
                    [("10", "TOIM-100", "Kopiopaperi A4 80 g", "50", "PCE", "4.95")],
                    ["ORDER_CLOSED"], 9),
        InvoiceSpec("025-vaara-toimittaja.xml", "ATK-2500", COMPUTERS, "PO-26010",
                    [("10", "KALU-800", "Lukollinen kaappi", "1", "PCE", "240.00")],
                    ["SUPPLIER_MISMATCH"], 9, fmt="ubl",
                    notes="the order is Toimistokaluste Ab's, the invoice ATK-Palvelut Oy's"),
        InvoiceSpec("026-rivi-ei-tilauksella.xml", "TK-7810", FURNITURE, "PO-26007",
                    [("30", "KALU-999", "Neuvotteluhuoneen pöytä", "1", "PCE", "990.00")],
                    ["LINE_NOT_ON_ORDER"], 10),
        InvoiceSpec("027-hinta-ylittyy.xml", "S-2026-150", CLEANING, "PO-26009",
                    [("10", "SIIV-020", "Ikkunanpesu", "10", "h", "47.25")],
                    ["PRICE_VARIANCE"], 10, fmt="ubl", notes="5 % above the order price"),
        InvoiceSpec("028-paperia-liikaa.xml", "PT-5030", PAPER, "PO-26001",
                    [(*paper, "2", "PCE", "4.95")],
                    ["QUANTITY_EXCEEDS_ORDER", "QUANTITY_EXCEEDS_RECEIPT"], 11,
                    notes="100 of 100 already invoiced (invoices 001 and 005)"),
        InvoiceSpec("029-naytot-ennen-toimitusta.xml", "ATK-2600", COMPUTERS, "PO-26004",
                    [(*screen, "3", "PCE", "219.90")], ["QUANTITY_EXCEEDS_RECEIPT"], 11,
                    fmt="ubl", notes="ordered 20, received 12, 12 already invoiced"),
        InvoiceSpec("030-ateriat-vaara-alv.xml", "KR-301", CATERING, "PO-26006",
                    [("10", "RUOKA-01", "Kouluateriat", "500", "PCE", "3.20")],
                    ["VAT_MISMATCH"], 12, vat_rate=VAT, notes="25.5 % where the order has 14 %"),
        InvoiceSpec("031-summa-ei-tasmaa.xml", "KR-302", CATERING, "PO-26006",
                    [("10", "RUOKA-01", "Kouluateriat", "100", "PCE", "3.20")],
                    ["TOTAL_MISMATCH"], 12, vat_rate=Decimal("14"),
                    gross_adjustment=Decimal("1.00")),
        InvoiceSpec("032-kruunuja.xml", "TK-7820", FURNITURE, "PO-26011",
                    [("10", "KALU-900", "Naulakko", "1", "PCE", "75.00")],
                    ["CURRENCY_MISMATCH"], 13, currency="SEK"),
        InvoiceSpec("033-kaksoiskappale.xml", "PT-5001", PAPER, "PO-26001",
                    [(*paper, "60", "PCE", "4.95"), (*ink, "10", "PCE", "38.40")],
                    ["DUPLICATE_INVOICE", "QUANTITY_EXCEEDS_ORDER", "QUANTITY_EXCEEDS_RECEIPT"],
                    14, fmt="ubl", notes="invoice PT-5001 sent again as UBL"),
        InvoiceSpec("034-vaara-tilinumero.xml", "S-2026-160", CLEANING, "PO-26002",
                    [(*cleaning, "1", "h", "42.00")], ["INVALID_BANK_ACCOUNT"], 14,
                    iban="FI2112345600000786"),
        InvoiceSpec("035-vaara-viite.xml", "S-2026-161", CLEANING, "PO-26002",
                    [(*cleaning, "1", "h", "42.00")], ["INVALID_PAYMENT_REFERENCE"], 15,
                    reference="12345", fmt="ubl", notes="check digit should be 4"),
        InvoiceSpec("036-vaara-y-tunnus.xml", "ATK-2700", COMPUTERS, "PO-26012",
                    [("10", "ATK-400", "Tulostin", "1", "PCE", "410.00")],
                    ["INVALID_BUSINESS_ID", "SUPPLIER_MISMATCH"], 15, business_id="1234567-8",
                    notes="seller business ID fails its check digit, so it is not the order's"),
        InvoiceSpec("037-monta-virhetta.xml", "KR-303", CATERING, "PO-26006",
                    [("10", "RUOKA-01", "Kouluateriat", "100", "PCE", "3.50")],
                    ["PRICE_VARIANCE", "VAT_MISMATCH"], 16, fmt="ubl"),
        # --- a credit note gives quantity back --------------------------------------------
        InvoiceSpec("040-hyvitys-tuolit.xml", "TK-7830", FURNITURE, "PO-26003",
                    [(*chair, "2", "PCE", "289.00")], [], 17, credit=True,
                    notes="credit note for 2 chairs returned"),
        InvoiceSpec("041-tuolit-uudelleen.xml", "TK-7831", FURNITURE, "PO-26003",
                    [(*chair, "2", "PCE", "289.00")], [], 18,
                    notes="two replacement chairs: fine after the credit note"),
    ]


def build_invoice(spec: InvoiceSpec) -> Invoice:
    """The Invoice model for one scenario, with totals that add up unless the spec says not."""
    issued = date(2026, 11, 1) + timedelta(days=spec.day)
    lines = [_line(index, values, spec.vat_rate) for index, values in enumerate(spec.lines, 1)]
    net = sum((line.net_amount or Decimal(0) for line in lines), Decimal(0))
    vat = sum((line.vat_amount or Decimal(0) for line in lines), Decimal(0))
    gross = net + vat + spec.gross_adjustment
    sign = Decimal(-1) if spec.credit and spec.fmt == "finvoice" else Decimal(1)
    business_id = spec.business_id or spec.supplier.business_id
    iban = spec.iban or spec.supplier.iban
    bic = bic_for_finnish_iban(spec.supplier.iban)
    seller = Party(name=spec.supplier.name, business_id=business_id,
                   vat_id=business_id_to_vat_id(spec.supplier.business_id),
                   bank_accounts=[BankAccount(iban=iban, bic=bic)])
    return Invoice(
        source=DocumentSource(file=spec.file, format=InvoiceFormat(spec.fmt),
                              version="3.0" if spec.fmt == "finvoice" else "peppol-bis-3"),
        invoice_type=InvoiceType.CREDIT_NOTE if spec.credit else InvoiceType.INVOICE,
        invoice_number=spec.number, invoice_date=issued, due_date=issued + timedelta(days=21),
        currency=spec.currency, seller=seller, buyer=BUYER, order_reference=spec.po_number,
        lines=[_signed(line, sign) for line in lines],
        totals=Totals(lines_net=net * sign, net=net * sign, vat=vat * sign, gross=gross * sign,
                      payable=gross * sign),
        payment=Payment(iban=iban, bic=bic_for_finnish_iban(spec.supplier.iban),
                        reference=spec.reference or create_national_reference(
                            "1" + "".join(ch for ch in spec.number if ch.isdigit()).zfill(4)),
                        reference_scheme=ReferenceScheme.FI_NATIONAL),
    )


def _line(index: int, values: tuple[str | None, ...], vat_rate: Decimal) -> InvoiceLine:
    reference, article, name, quantity, unit, price = values
    amount = Decimal(str(quantity)) * Decimal(str(price))
    net = round_money(amount)
    vat = round_money(net * vat_rate / 100)
    return InvoiceLine(
        line_id=str(index), order_line_reference=reference, article_id=article, name=name,
        invoiced_quantity=Decimal(str(quantity)), delivered_quantity=Decimal(str(quantity)),
        unit="HUR" if unit == "h" else unit, unit_price=Decimal(str(price)), vat_rate=vat_rate,
        vat_amount=vat, net_amount=net, gross_amount=net + vat,
    )


def _signed(line: InvoiceLine, sign: Decimal) -> InvoiceLine:
    if sign == 1:
        return line
    return line.model_copy(update={
        "invoiced_quantity": -line.invoiced_quantity if line.invoiced_quantity else None,
        "delivered_quantity": -line.delivered_quantity if line.delivered_quantity else None,
        "vat_amount": -line.vat_amount if line.vat_amount else None,
        "net_amount": -line.net_amount if line.net_amount else None,
        "gross_amount": -line.gross_amount if line.gross_amount else None,
    })


def _document(spec: InvoiceSpec) -> bytes:
    invoice = build_invoice(spec)
    content = write_finvoice(invoice) if spec.fmt == "finvoice" else write_ubl(invoice)
    if spec.corrupt == "truncate":
        return content[: len(content) // 2]
    if spec.corrupt == "bad_date":
        due = invoice.due_date.strftime("%Y%m%d").encode()  # type: ignore[union-attr]
        return content.replace(due, b"20261341")
    return content


ORDER_COLUMNS = [
    ReportColumn("po_number", "po_number"), ReportColumn("line_number", "line_number"),
    ReportColumn("supplier_business_id", "supplier_business_id"),
    ReportColumn("supplier_name", "supplier_name"), ReportColumn("item_code", "item_code"),
    ReportColumn("description", "description"),
    ReportColumn("quantity", "quantity", ColumnKind.NUMBER),
    ReportColumn("unit", "unit"), ReportColumn("unit_price", "unit_price", ColumnKind.MONEY),
    ReportColumn("vat_rate", "vat_rate", ColumnKind.NUMBER), ReportColumn("currency", "currency"),
    ReportColumn("status", "status"),
]
RECEIPT_COLUMNS = [
    ReportColumn("po_number", "po_number"), ReportColumn("line_number", "line_number"),
    ReportColumn("received_quantity", "received_quantity", ColumnKind.NUMBER),
    ReportColumn("receipt_date", "receipt_date", ColumnKind.DATE),
]


def write_fixtures(folder: Path) -> dict[str, list[str]]:
    """Write the batch into ``folder``; returns {file: expected reason codes}."""
    (folder / "invoices").mkdir(parents=True, exist_ok=True)
    specs = _invoices()
    for spec in specs:
        (folder / "invoices" / spec.file).write_bytes(_document(spec))
    order_rows, receipt_rows = [], []
    for order in ORDERS:
        for line in order.lines:
            order_rows.append({
                "po_number": order.po_number, "line_number": line.line_number,
                "supplier_business_id": order.supplier.business_id,
                "supplier_name": order.supplier.name, "item_code": line.item_code,
                "description": line.description, "quantity": Decimal(line.quantity),
                "unit": line.unit, "unit_price": Decimal(line.unit_price),
                "vat_rate": line.vat_rate, "currency": order.currency, "status": order.status,
            })
            for day, received in enumerate(line.received):
                receipt_rows.append({
                    "po_number": order.po_number, "line_number": line.line_number,
                    "received_quantity": Decimal(received),
                    "receipt_date": date(2026, 10, 20) + timedelta(days=day * 7),
                })
    write_xlsx_report(folder / "purchase_orders.xlsx", "Orders", ORDER_COLUMNS, order_rows)
    write_xlsx_report(folder / "goods_receipts.xlsx", "Receipts", RECEIPT_COLUMNS, receipt_rows)
    expected = {f"invoices/{spec.file}": spec.expected for spec in specs}
    (folder / "expected.json").write_text(json.dumps(expected, indent=2, ensure_ascii=False) + "\n",
                                          encoding="utf-8")
    return expected


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "fixtures/invoice_matching")
    written = write_fixtures(target)
    print(f"wrote {len(written)} invoices, orders and receipts to {target}")
