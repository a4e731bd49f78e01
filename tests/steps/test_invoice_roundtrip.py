"""Property: an invoice written with write_finvoice or write_ubl reads back to the same model,
for every field the format carries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finrpa.steps.identifiers import create_national_reference, create_rf_reference
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
from finrpa.steps.invoice_samples import sample_iban, sample_invoice
from finrpa.steps.invoice_writers import write_finvoice, write_ubl
from finrpa.steps.invoices import read_invoice_bytes

# Text a document can hold: no control characters, surrogates or unassigned code points, and
# no surrounding whitespace (readers strip it).
texts = (
    st.text(
        st.characters(blacklist_categories=("Cc", "Cs", "Cn", "Zl", "Zp")),
        min_size=1,
        max_size=24,
    )
    .map(str.strip)
    .filter(bool)
)
optional_texts = st.none() | texts
amounts = st.decimals(
    min_value=-(10**7), max_value=10**7, places=2, allow_nan=False, allow_infinity=False
)
quantities = st.decimals(
    min_value=-1000, max_value=10**5, places=3, allow_nan=False, allow_infinity=False
)
units = st.none() | st.sampled_from(["H87", "HUR", "KGM", "C62", "kpl", "EA", "DAY"])
vat_rates = st.none() | st.sampled_from([Decimal(0), Decimal(10), Decimal(14), Decimal("25.5")])
dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31))
bics = st.none() | st.sampled_from(["OKOYFIHH", "NDEAFIHH", "HELSFIHH", "DABAFIHH"])


@st.composite
def lines(draw: st.DrawFn) -> InvoiceLine:
    return InvoiceLine(
        line_id=draw(texts),
        order_reference=draw(optional_texts),
        order_line_reference=draw(optional_texts),
        article_id=draw(optional_texts),
        name=draw(optional_texts),
        ordered_quantity=draw(st.none() | quantities),
        delivered_quantity=draw(st.none() | quantities),
        invoiced_quantity=draw(quantities),
        unit=draw(units),
        unit_price=draw(st.none() | amounts),
        price_base_quantity=draw(st.none() | quantities),
        vat_rate=draw(vat_rates),
        vat_amount=draw(st.none() | amounts),
        net_amount=draw(amounts),
        gross_amount=draw(st.none() | amounts),
    )


accounts = st.builds(
    lambda seed, domestic, bic: BankAccount(
        iban=None if domestic else sample_iban(seed),
        account_number=f"{seed:014d}" if domestic else None,
        bic=bic,
    ),
    st.integers(0, 10**6),
    st.booleans(),
    bics,
)


@st.composite
def parties(draw: st.DrawFn, with_accounts: bool) -> Party:
    endpoint = draw(st.none() | st.from_regex(r"0037[0-9]{8}", fullmatch=True))
    scheme = draw(st.none() | st.sampled_from(["0037", "0088", "0192"])) if endpoint else None
    found = draw(st.lists(accounts, max_size=3, unique_by=lambda a: a.iban or a.account_number))
    return Party(
        name=draw(texts),
        business_id=draw(st.none() | st.from_regex(r"[0-9]{7}-[0-9]", fullmatch=True)),
        vat_id=draw(st.from_regex(r"FI[0-9]{8}", fullmatch=True)),
        ovt=draw(st.none() | st.from_regex(r"0037[0-9]{8,13}", fullmatch=True)),
        endpoint_id=endpoint,
        endpoint_scheme=scheme,
        bank_accounts=found if with_accounts else [],
    )


@st.composite
def payments(draw: st.DrawFn, seller: Party) -> Payment:
    """The payment account is the seller's first account, as both formats put it."""
    scheme = draw(st.sampled_from(list(ReferenceScheme)))
    digits = draw(st.from_regex(r"[1-9][0-9]{2,15}", fullmatch=True))
    reference = {
        ReferenceScheme.FI_NATIONAL: create_national_reference(digits),
        ReferenceScheme.RF: create_rf_reference(digits),
        ReferenceScheme.OTHER: "X" + draw(texts),
        ReferenceScheme.NONE: None,
    }[scheme]
    account = seller.bank_accounts[0] if seller.bank_accounts else BankAccount()
    return Payment(
        iban=account.iban,
        account_number=account.account_number,
        bic=account.bic,
        reference=reference,
        reference_scheme=scheme,
    )


@st.composite
def invoices(draw: st.DrawFn) -> Invoice:
    seller = draw(parties(with_accounts=True))
    return Invoice(
        source=DocumentSource(file="generated", format=InvoiceFormat.FINVOICE, version="3.0"),
        invoice_type=draw(st.sampled_from(list(InvoiceType))),
        invoice_number=draw(texts),
        invoice_date=draw(dates),
        due_date=draw(st.none() | dates),
        currency=draw(st.sampled_from(["EUR", "SEK", "NOK", "USD"])),
        seller=seller,
        buyer=draw(parties(with_accounts=False)),
        order_reference=draw(optional_texts),
        buyer_reference=draw(optional_texts),
        lines=draw(st.lists(lines(), max_size=6)),
        totals=Totals(
            lines_net=draw(amounts),
            net=draw(amounts),
            vat=draw(amounts),
            gross=draw(amounts),
            paid=draw(st.none() | amounts),
            rounding=draw(st.none() | amounts),
            payable=draw(amounts),
        ),
        payment=draw(payments(seller)),
    )


# What each format carries. Finvoice has no EAS scheme and no rounding amount; Peppol BIS 3
# lines have no ordered or delivered quantity, VAT amount, gross amount or order number.
_INVOICE_FIELDS = {
    "invoice_type",
    "invoice_number",
    "invoice_date",
    "due_date",
    "currency",
    "seller",
    "buyer",
    "order_reference",
    "buyer_reference",
    "lines",
    "totals",
    "payment",
}
_FINVOICE_EXCLUDE: dict[str, Any] = {
    "seller": {"endpoint_scheme"},
    "buyer": {"endpoint_scheme"},
    "totals": {"rounding"},
}
_UBL_EXCLUDE: dict[str, Any] = {
    "lines": {
        "__all__": {
            "order_reference",
            "ordered_quantity",
            "delivered_quantity",
            "vat_amount",
            "gross_amount",
        }
    }
}

_SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _carried(invoice: Invoice, exclude: dict[str, Any]) -> dict[str, Any]:
    return invoice.model_dump(include=_INVOICE_FIELDS, exclude=exclude)


@_SETTINGS
@given(invoices())
def test_finvoice_round_trip(invoice: Invoice) -> None:
    result = read_invoice_bytes(write_finvoice(invoice), "roundtrip.xml")
    assert result.invoice is not None, [f.describe() for f in result.findings]
    assert result.findings == ()
    assert result.invoice.source.format is InvoiceFormat.FINVOICE
    assert _carried(result.invoice, _FINVOICE_EXCLUDE) == _carried(invoice, _FINVOICE_EXCLUDE)


@_SETTINGS
@given(invoices())
def test_ubl_round_trip(invoice: Invoice) -> None:
    result = read_invoice_bytes(write_ubl(invoice), "roundtrip.xml")
    assert result.invoice is not None, [f.describe() for f in result.findings]
    assert result.findings == ()
    assert result.invoice.source.version == "peppol-bis-3"
    assert _carried(result.invoice, _UBL_EXCLUDE) == _carried(invoice, _UBL_EXCLUDE)


@_SETTINGS
@given(invoices())
def test_finvoice_is_iso_8859_15_with_decimal_commas(invoice: Invoice) -> None:
    content = write_finvoice(invoice)
    assert content.startswith(b'<?xml version="1.0" encoding="ISO-8859-15"?>')
    gross = format(invoice.totals.gross, "f").replace(".", ",")
    assert f'AmountCurrencyIdentifier="{invoice.currency}">{gross}<'.encode() in content


def test_characters_outside_latin_9_survive_finvoice() -> None:
    """libxml2 drops characters beyond U+FFFF when it encodes ISO-8859-15 itself."""
    invoice = sample_invoice(3)
    line = invoice.lines[0].model_copy(update={"name": "Kahvi ☕ 🙂 Ω"})
    invoice = invoice.model_copy(update={"lines": [line, *invoice.lines[1:]]})
    content = write_finvoice(invoice)
    assert b"&#128578;" in content  # the emoji as a character reference
    back = read_invoice_bytes(content, "emoji.xml").invoice
    assert back is not None and back.lines[0].name == "Kahvi ☕ 🙂 Ω"
