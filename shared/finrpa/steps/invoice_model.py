"""One invoice model for every e-invoice format finrpa reads (Finvoice, TEAPPSXML, UBL).

The readers fill it with what the document says, and nothing more: a value the document leaves
out stays ``None``, and amounts keep the sign the document gives them. (A UBL CreditNote states
positive amounts and its type says "credit"; a Finvoice INV02 credit note usually states negative
ones.) Money and quantities are ``Decimal``, dates are ``datetime.date``; floats and strings are
refused, so a reader cannot slip an unparsed value through.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from finrpa.steps.checkdigits import ReferenceScheme


class InvoiceFormat(StrEnum):
    """The syntax a document was written in."""

    FINVOICE = "finvoice"
    TEAPPSXML = "teappsxml"
    UBL = "ubl"


class InvoiceType(StrEnum):
    """Whether the document charges the buyer or gives money back."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class _Record(BaseModel):
    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")


class BankAccount(_Record):
    """A bank account the seller names; ``iban`` when given as an IBAN, else ``account_number``."""

    iban: str | None = None
    account_number: str | None = Field(
        default=None, description="Account in another form: Finnish BBAN, bankgiro, local number"
    )
    bic: str | None = None


class Party(_Record):
    """Seller or buyer as the document names them."""

    name: str = Field(min_length=1, description="Organisation name; repeated name lines joined")
    business_id: str | None = Field(default=None, description="Y-tunnus or other registry number")
    vat_id: str | None = None
    ovt: str | None = Field(default=None, description="Finnish OVT / e-invoice address")
    endpoint_id: str | None = Field(default=None, description="E-invoice address (EndpointID)")
    endpoint_scheme: str | None = Field(default=None, description="EAS code of endpoint_id: 0216")
    bank_accounts: list[BankAccount] = Field(default_factory=list)


class InvoiceLine(_Record):
    """One invoiced item. Free-text-only rows of a document are not lines."""

    line_id: str = Field(description="The document's own line number, else the line's position")
    order_reference: str | None = Field(default=None, description="Buyer's order number (line)")
    order_line_reference: str | None = Field(default=None, description="Line number in the order")
    article_id: str | None = None
    name: str | None = None
    ordered_quantity: Decimal | None = None
    delivered_quantity: Decimal | None = None
    invoiced_quantity: Decimal | None = None
    unit: str | None = None
    unit_price: Decimal | None = None
    price_base_quantity: Decimal | None = Field(
        default=None, description="Quantity the unit price is for (UBL BaseQuantity), if stated"
    )
    vat_rate: Decimal | None = Field(default=None, description="Percent, e.g. 24 or 25.5")
    vat_amount: Decimal | None = None
    net_amount: Decimal | None = None
    gross_amount: Decimal | None = None


class Totals(_Record):
    """Document totals. ``payable`` is what is asked to be paid now."""

    lines_net: Decimal | None = Field(default=None, description="Stated sum of line net amounts")
    net: Decimal | None = None
    vat: Decimal | None = None
    gross: Decimal
    paid: Decimal | None = Field(default=None, description="Already paid (prepaid) amount")
    rounding: Decimal | None = None
    payable: Decimal | None = None


class Payment(_Record):
    """Where and how to pay."""

    iban: str | None = None
    account_number: str | None = Field(default=None, description="Payee account when not an IBAN")
    bic: str | None = None
    reference: str | None = None
    reference_scheme: ReferenceScheme = ReferenceScheme.NONE


class DocumentSource(_Record):
    """Which file the invoice came from and in which format and version."""

    file: str
    format: InvoiceFormat
    version: str = Field(description="e.g. '3.0' (Finvoice), '2.7.2' (TEAPPSXML), 'peppol-bis-3'")
    customization_id: str | None = Field(default=None, description="UBL CustomizationID as given")


class Invoice(_Record):
    """A purchase invoice or credit note, whatever format it arrived in."""

    source: DocumentSource
    invoice_type: InvoiceType
    type_code: str | None = Field(default=None, description="The document's own code: INV01, 380")
    invoice_number: str = Field(min_length=1)
    invoice_date: date
    due_date: date | None = None
    currency: str = Field(min_length=3, max_length=3)
    seller: Party
    buyer: Party
    order_reference: str | None = Field(default=None, description="Buyer's order number (header)")
    buyer_reference: str | None = None
    lines: list[InvoiceLine] = Field(default_factory=list)
    totals: Totals
    payment: Payment = Field(default_factory=Payment)


#: Finding codes raised while reading a document.
XML_MALFORMED = "XML_MALFORMED"
XML_DTD_FORBIDDEN = "XML_DTD_FORBIDDEN"
XML_DTD_IGNORED = "XML_DTD_IGNORED"
UNKNOWN_FORMAT = "UNKNOWN_FORMAT"
MISSING_ELEMENT = "MISSING_ELEMENT"
INVALID_DATE = "INVALID_DATE"
INVALID_AMOUNT = "INVALID_AMOUNT"
INVALID_QUANTITY = "INVALID_QUANTITY"
MULTIPLE_INVOICES = "MULTIPLE_INVOICES"
CURRENCY_ASSUMED = "CURRENCY_ASSUMED"
INVALID_VALUE = "INVALID_VALUE"

#: Finding codes raised by the content checks (with INVALID_BUSINESS_ID, INVALID_BANK_ACCOUNT and
#: INVALID_PAYMENT_REFERENCE from :mod:`finrpa.steps.identifiers`).
BANK_ACCOUNT_NOT_IBAN = "BANK_ACCOUNT_NOT_IBAN"
TOTALS_INCONSISTENT = "TOTALS_INCONSISTENT"
