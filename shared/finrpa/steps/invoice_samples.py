"""Deterministic, valid-looking sample invoices for fixtures, tests and benchmarks.

Every identifier passes its check (business ID, VAT ID, IBAN, BIC, reference) and every total
adds up, so a sample only produces findings when a test breaks it on purpose. Write one out with
:func:`finrpa.steps.invoice_writers.write_finvoice` or ``write_ubl``.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from finrpa.money import round_money
from finrpa.steps.checkdigits import luhn_check_digit
from finrpa.steps.identifiers import (
    bic_for_finnish_iban,
    business_id_to_vat_id,
    create_national_reference,
    finnish_bban_to_iban,
)
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

GENERAL_VAT_RATE = Decimal("25.5")
_YTUNNUS_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)
_ARTICLES = (
    ("TOIM-100", "Kopiopaperi A4 80 g", "PCE", Decimal("4.95")),
    ("TOIM-230", "Mustekasetti musta", "PCE", Decimal("38.40")),
    ("SIIV-010", "Siivouspalvelu", "HUR", Decimal("42.00")),
    ("KALU-555", "Työtuoli", "PCE", Decimal("289.00")),
    ("ATK-007", 'Näyttö 27"', "PCE", Decimal("219.90")),
)


def sample_business_id(seed: int) -> str:
    """A valid Y-tunnus derived from ``seed`` (bodies whose remainder is 1 are skipped)."""
    body = 1_000_000 + seed * 7919 % 8_999_999
    while True:
        digits = f"{body:07d}"
        remainder = sum(int(d) * w for d, w in zip(digits, _YTUNNUS_WEIGHTS, strict=True)) % 11
        if remainder != 1:
            return f"{digits}-{0 if remainder == 0 else 11 - remainder}"
        body += 1


def sample_iban(seed: int) -> str:
    """A valid Finnish IBAN (an OP account, bank code 5) derived from ``seed``."""
    base = f"5000{seed % 10**9:09d}"
    return finnish_bban_to_iban(base + str(luhn_check_digit(base)))


def _party(
    name: str, seed: int, ovt_suffix: str, accounts: list[BankAccount] | None = None
) -> Party:
    business_id = sample_business_id(seed)
    return Party(
        name=name,
        business_id=business_id,
        vat_id=business_id_to_vat_id(business_id),
        ovt=f"0037{business_id.replace('-', '')}{ovt_suffix}",
        bank_accounts=accounts or [],
    )


def _line(position: int, seed: int) -> InvoiceLine:
    article_id, name, unit, price = _ARTICLES[(seed + position) % len(_ARTICLES)]
    quantity = Decimal(1 + (seed * 3 + position * 5) % 12)
    net = round_money(quantity * price)
    vat = round_money(net * GENERAL_VAT_RATE / 100)
    return InvoiceLine(
        line_id=str(position),
        order_line_reference=str(position * 10),
        article_id=article_id,
        name=name,
        ordered_quantity=quantity,
        delivered_quantity=quantity,
        invoiced_quantity=quantity,
        unit=unit,
        unit_price=price,
        vat_rate=GENERAL_VAT_RATE,
        vat_amount=vat,
        net_amount=net,
        gross_amount=net + vat,
    )


def sample_invoice(seq: int = 1, lines: int = 5, credit_note: bool = False) -> Invoice:
    """Invoice number ``seq`` of a fictitious supplier to a municipality, with ``lines`` lines."""
    invoice_lines = [_line(position, seq) for position in range(1, lines + 1)]
    net = sum((line.net_amount or Decimal(0) for line in invoice_lines), Decimal(0))
    vat = sum((line.vat_amount or Decimal(0) for line in invoice_lines), Decimal(0))
    iban = sample_iban(seq % 50)
    issued = date(2024, 1, 1) + timedelta(days=seq % 360)
    bic = bic_for_finnish_iban(iban)
    seller = _party("Esimerkkitoimittaja Oy", seq % 50, "", [BankAccount(iban=iban, bic=bic)])
    return Invoice(
        source=DocumentSource(file=f"sample-{seq}", format=InvoiceFormat.FINVOICE, version="3.0"),
        invoice_type=InvoiceType.CREDIT_NOTE if credit_note else InvoiceType.INVOICE,
        invoice_number=f"{100000 + seq}",
        invoice_date=issued,
        due_date=issued + timedelta(days=21),
        currency="EUR",
        seller=seller,
        buyer=_party("Esimerkkilän kaupunki", 9_999, "100"),
        order_reference=f"PO-{4500000 + seq}",
        buyer_reference="Hankinnat / 1234",
        lines=invoice_lines,
        totals=Totals(lines_net=net, net=net, vat=vat, gross=net + vat, payable=net + vat),
        payment=Payment(
            iban=iban,
            bic=bic,
            reference=create_national_reference(f"{100000 + seq}"),
            reference_scheme=ReferenceScheme.FI_NATIONAL,
        ),
    )
