"""Finvoice reader (versions 1.x to 3.0; the SOAP frame is removed before this module sees it).

Finvoice amounts use a decimal comma and dates ``Format="CCYYMMDD"``; the encoding (often
ISO-8859-15) comes from the XML declaration. Free-text rows (no quantity and no amount) and
``SubInvoiceRow`` specifications are not invoice lines. A row without ``ArticleName`` takes its
name from its first ``RowFreeText``, as Finvoice 2.01 senders often put the product text there.
"""

from __future__ import annotations

from datetime import date

from finrpa.domain.findings import Severity
from finrpa.steps._invoice_reading import (
    Element,
    FieldReader,
    Index,
    InvoiceReadResult,
    every,
    first,
    index_children,
    infer_reference_scheme,
    joined_text,
    text,
    text_of,
)
from finrpa.steps.invoice_model import (
    CURRENCY_ASSUMED,
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

_CREDIT_NOTE_CODES = frozenset({"INV02"})
_SCHEMES = {"SPY": ReferenceScheme.FI_NATIONAL, "ISO": ReferenceScheme.RF}
_QUANTITIES = ("InvoicedQuantity", "DeliveredQuantity", "OrderedQuantity")
_ROW_VALUES = (
    "OrderedQuantity",
    "DeliveredQuantity",
    "InvoicedQuantity",
    "UnitPriceAmount",
    "RowVatAmount",
    "RowVatExcludedAmount",
    "RowAmount",
)


def read_finvoice(root: Element, source: str) -> InvoiceReadResult:
    """Read a parsed ``<Finvoice>`` element into an :class:`Invoice`, with findings."""
    fields = FieldReader(source)
    top = index_children(root)
    details = index_children(first(top, "InvoiceDetails"))
    seller = _party(top, fields, "Seller")
    buyer = _party(top, fields, "Buyer")
    header = _header(top, details, fields)
    epi = _epi(top)
    totals = _totals(details, epi, fields)
    lines = _lines(top, fields)
    if seller is None or buyer is None or header is None or totals is None:
        return InvoiceReadResult(None, tuple(fields.findings))
    number, issued = header
    type_code = text(details, "InvoiceTypeCode")
    invoice = fields.build(
        lambda: Invoice(
            source=DocumentSource(
                file=source,
                format=InvoiceFormat.FINVOICE,
                version=(root.get("Version") or "unknown").strip(),
            ),
            invoice_type=_invoice_type(type_code),
            type_code=type_code,
            invoice_number=number,
            invoice_date=issued,
            due_date=_due_date(details, epi, fields),
            currency=_currency(first(details, "InvoiceTotalVatIncludedAmount"), fields),
            seller=seller,
            buyer=buyer,
            order_reference=text(details, "OrderIdentifier"),
            buyer_reference=text(details, "BuyerReferenceIdentifier"),
            lines=lines,
            totals=totals,
            payment=_payment(epi),
        )
    )
    return InvoiceReadResult(invoice, tuple(fields.findings))


def _header(top: Index, details: Index, fields: FieldReader) -> tuple[str, date] | None:
    """Invoice number and date, or None after recording what is missing."""
    if "InvoiceDetails" not in top:
        fields.missing("InvoiceDetails", "InvoiceDetails")
        return None
    number = text(details, "InvoiceNumber")
    issued = fields.ccyymmdd(first(details, "InvoiceDate"))
    if number is None:
        fields.missing("InvoiceDetails/InvoiceNumber", "invoice number")
    if text(details, "InvoiceDate") is None:
        fields.missing("InvoiceDetails/InvoiceDate", "invoice date")
    if number is None or issued is None:
        return None
    return number, issued


def _invoice_type(code: str | None) -> InvoiceType:
    return InvoiceType.CREDIT_NOTE if code in _CREDIT_NOTE_CODES else InvoiceType.INVOICE


def _currency(gross: Element | None, fields: FieldReader) -> str:
    currency = _attribute(gross, "AmountCurrencyIdentifier")
    if currency:
        return currency
    fields.add(
        CURRENCY_ASSUMED,
        "InvoiceTotalVatIncludedAmount names no AmountCurrencyIdentifier; EUR assumed",
        "InvoiceDetails/InvoiceTotalVatIncludedAmount",
        severity=Severity.WARNING,
    )
    return "EUR"


def _party(top: Index, fields: FieldReader, role: str) -> Party | None:
    """Seller or buyer from ``<Role>PartyDetails`` and the elements around it."""
    details = index_children(first(top, f"{role}PartyDetails"))
    name = joined_text(details, f"{role}OrganisationName")
    if name is None:
        fields.missing(f"{role}PartyDetails/{role}OrganisationName", f"{role.lower()} name")
        return None
    return Party(
        name=name,
        business_id=text(details, f"{role}PartyIdentifier"),
        vat_id=text(details, f"{role}OrganisationTaxCode"),
        ovt=text(top, f"{role}OrganisationUnitNumber"),
        endpoint_id=_endpoint(top, role),
        bank_accounts=_seller_accounts(top) if role == "Seller" else [],
    )


def _endpoint(top: Index, role: str) -> str | None:
    """The e-invoice address from ``MessageTransmissionDetails`` (operator-framed files)."""
    transmission = index_children(first(top, "MessageTransmissionDetails"))
    if role == "Seller":
        return text(index_children(first(transmission, "MessageSenderDetails")), "FromIdentifier")
    return text(index_children(first(transmission, "MessageReceiverDetails")), "ToIdentifier")


def _attribute(element: Element | None, name: str) -> str:
    """An attribute's stripped value, or "" when the element or attribute is absent."""
    return (element.get(name) or "").strip() if element is not None else ""


def _account(account_element: Element | None, bic: str | None) -> BankAccount:
    """An account given with ``IdentificationSchemeName`` IBAN or BBAN."""
    value = text_of(account_element)
    scheme = _attribute(account_element, "IdentificationSchemeName").upper()
    is_iban = scheme == "IBAN" or (not scheme and value is not None and value[:2].isalpha())
    if is_iban:
        return BankAccount(iban=value, bic=bic)
    return BankAccount(account_number=value, bic=bic)


def _seller_accounts(top: Index) -> list[BankAccount]:
    information = index_children(first(top, "SellerInformationDetails"))
    accounts = []
    for details_element in every(information, "SellerAccountDetails"):
        details = index_children(details_element)
        account = _account(first(details, "SellerAccountID"), text(details, "SellerBic"))
        if account.iban or account.account_number:
            accounts.append(account)
    return accounts


def _epi(top: Index) -> tuple[Index, Index, Index]:
    """The Epi beneficiary, bank and payment instruction parts."""
    epi = index_children(first(top, "EpiDetails"))
    parties = index_children(first(epi, "EpiPartyDetails"))
    beneficiary = index_children(first(parties, "EpiBeneficiaryPartyDetails"))
    bank = index_children(first(parties, "EpiBfiPartyDetails"))
    instruction = index_children(first(epi, "EpiPaymentInstructionDetails"))
    return beneficiary, bank, instruction


def _payment(epi: tuple[Index, Index, Index]) -> Payment:
    beneficiary, bank, instruction = epi
    account = _account(first(beneficiary, "EpiAccountID"), text(bank, "EpiBfiIdentifier"))
    reference_element = first(instruction, "EpiRemittanceInfoIdentifier")
    reference = text_of(reference_element)
    scheme_name = _attribute(reference_element, "IdentificationSchemeName").upper()
    scheme = _SCHEMES.get(scheme_name) or infer_reference_scheme(reference, finnish_context=True)
    return Payment(
        iban=account.iban,
        account_number=account.account_number,
        bic=account.bic,
        reference=reference,
        reference_scheme=scheme if reference else ReferenceScheme.NONE,
    )


def _due_date(details: Index, epi: tuple[Index, Index, Index], fields: FieldReader) -> date | None:
    """``InvoiceDueDate``, else the Epi payment date when the terms give none."""
    terms = index_children(first(details, "PaymentTermsDetails"))
    due = first(terms, "InvoiceDueDate")
    if text_of(due) is not None:
        return fields.ccyymmdd(due)
    _, _, instruction = epi
    return fields.ccyymmdd(first(instruction, "EpiDateOptionDate"))


def _totals(details: Index, epi: tuple[Index, Index, Index], fields: FieldReader) -> Totals | None:
    gross_element = first(details, "InvoiceTotalVatIncludedAmount")
    gross = fields.amount(gross_element)
    _, _, instruction = epi
    if gross is None:
        if text_of(gross_element) is None and details:
            fields.missing("InvoiceDetails/InvoiceTotalVatIncludedAmount", "invoice total")
        return None
    return Totals(
        lines_net=fields.amount(first(details, "RowsTotalVatExcludedAmount")),
        net=fields.amount(first(details, "InvoiceTotalVatExcludedAmount")),
        vat=fields.amount(first(details, "InvoiceTotalVatAmount")),
        gross=gross,
        paid=fields.amount(first(details, "InvoicePaidAmount")),
        payable=fields.amount(first(instruction, "EpiInstructedAmount")),
    )


def _lines(top: Index, fields: FieldReader) -> list[InvoiceLine]:
    lines: list[InvoiceLine] = []
    for row in every(top, "InvoiceRow"):
        line = _line(index_children(row), len(lines) + 1, fields)
        if line is not None:
            lines.append(line)
    return lines


def _line(row: Index, ordinal: int, fields: FieldReader) -> InvoiceLine | None:
    """One ``InvoiceRow``; None for a row with no quantity and no amount (free text only)."""
    if not any(name in row for name in _ROW_VALUES):
        return None
    quantities = [first(row, name) for name in _QUANTITIES]
    units = (_attribute(quantity, "QuantityUnitCode") for quantity in quantities)
    unit = next((code for code in units if code), None)
    return InvoiceLine(
        line_id=text(row, "RowPositionIdentifier") or str(ordinal),
        order_reference=text(row, "RowIdentifier"),
        order_line_reference=text(row, "RowOrderPositionIdentifier"),
        article_id=text(row, "ArticleIdentifier"),
        name=text(row, "ArticleName") or text(row, "RowFreeText"),
        ordered_quantity=fields.quantity(quantities[2]),
        delivered_quantity=fields.quantity(quantities[1]),
        invoiced_quantity=fields.quantity(quantities[0]),
        unit=unit,
        unit_price=fields.amount(first(row, "UnitPriceAmount")),
        price_base_quantity=fields.quantity(first(row, "UnitPriceBaseQuantity")),
        vat_rate=fields.percent(first(row, "RowVatRatePercent")),
        vat_amount=fields.amount(first(row, "RowVatAmount")),
        net_amount=fields.amount(first(row, "RowVatExcludedAmount")),
        gross_amount=fields.amount(first(row, "RowAmount")),
    )
