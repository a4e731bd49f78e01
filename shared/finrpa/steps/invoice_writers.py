"""Write an :class:`Invoice` as Finvoice 3.0 or Peppol BIS Billing 3.0 (UBL 2.1).

Used for round-trip tests and to generate sample fixtures. Every model field a format can carry
is written; what it cannot carry is left out:

* Finvoice has no EAS scheme for an endpoint and no rounding amount;
* Peppol BIS 3 lines have no ordered or delivered quantity, line VAT amount, line gross amount or
  line-level order number; buyer bank accounts exist in neither.

Values the receiving format requires but the model leaves empty are derived (a UBL net total
from the lines, a Finvoice type code from the invoice type), so the documents look like real ones.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TypeAlias

from lxml import etree

from finrpa.steps.invoice_model import (
    BankAccount,
    Invoice,
    InvoiceLine,
    InvoiceType,
    Party,
    ReferenceScheme,
)

_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
_UBL_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
PEPPOL_BIS3_CUSTOMIZATION = (
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
)
PEPPOL_BIS3_PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
_FINVOICE_DECLARATION = '<?xml version="1.0" encoding="ISO-8859-15"?>\n'
_FINVOICE_SCHEMES = {ReferenceScheme.FI_NATIONAL: "SPY", ReferenceScheme.RF: "ISO"}

Element: TypeAlias = etree._Element


def _number(value: Decimal, comma: bool) -> str:
    text = format(value, "f")
    return text.replace(".", ",") if comma else text


def _add(parent: Element, tag: str, value: str | Decimal | date | None, **attributes: str) -> None:
    """Append ``<tag>value</tag>`` unless value is None (Finvoice style: comma, CCYYMMDD)."""
    if value is None:
        return
    child = etree.SubElement(parent, tag, attributes)
    if isinstance(value, Decimal):
        child.text = _number(value, comma=True)
    elif isinstance(value, date):
        child.text = value.strftime("%Y%m%d")
        child.set("Format", "CCYYMMDD")
    else:
        child.text = value


# --- Finvoice 3.0 ------------------------------------------------------------------------------


def write_finvoice(invoice: Invoice) -> bytes:
    """The invoice as a Finvoice 3.0 document, ISO-8859-15 encoded, with decimal commas."""
    root = etree.Element("Finvoice", {"Version": "3.0"}, nsmap={"xsi": _XSI})
    root.set(f"{{{_XSI}}}noNamespaceSchemaLocation", "Finvoice3.0.xsd")
    _finvoice_transmission(root, invoice)
    _finvoice_party(root, invoice.seller, "Seller")
    _add(root, "SellerOrganisationUnitNumber", invoice.seller.ovt)
    if invoice.seller.bank_accounts:
        information = etree.SubElement(root, "SellerInformationDetails")
        for account in invoice.seller.bank_accounts:
            details = etree.SubElement(information, "SellerAccountDetails")
            _finvoice_account(details, "SellerAccountID", account)
            _add(details, "SellerBic", account.bic, IdentificationSchemeName="BIC")
    _finvoice_party(root, invoice.buyer, "Buyer")
    _add(root, "BuyerOrganisationUnitNumber", invoice.buyer.ovt)
    _finvoice_details(root, invoice)
    for line in invoice.lines:
        _finvoice_row(etree.SubElement(root, "InvoiceRow"), line, invoice.currency)
    _finvoice_epi(root, invoice)
    # Encoded here, not by libxml2: it silently drops characters beyond U+FFFF (an emoji in an
    # article name) when serialising to ISO-8859-15 instead of writing character references.
    text = etree.tostring(root, encoding="unicode", pretty_print=True)
    return (_FINVOICE_DECLARATION + text).encode("iso-8859-15", "xmlcharrefreplace")


def _finvoice_transmission(root: Element, invoice: Invoice) -> None:
    if invoice.seller.endpoint_id is None and invoice.buyer.endpoint_id is None:
        return
    transmission = etree.SubElement(root, "MessageTransmissionDetails")
    sender = etree.SubElement(transmission, "MessageSenderDetails")
    _add(sender, "FromIdentifier", invoice.seller.endpoint_id)
    receiver = etree.SubElement(transmission, "MessageReceiverDetails")
    _add(receiver, "ToIdentifier", invoice.buyer.endpoint_id)
    details = etree.SubElement(transmission, "MessageDetails")
    _add(details, "MessageIdentifier", invoice.invoice_number)


def _finvoice_party(root: Element, party: Party, role: str) -> None:
    details = etree.SubElement(root, f"{role}PartyDetails")
    _add(details, f"{role}PartyIdentifier", party.business_id)
    _add(details, f"{role}OrganisationName", party.name)
    _add(details, f"{role}OrganisationTaxCode", party.vat_id)


def _finvoice_account(parent: Element, tag: str, account: BankAccount | None) -> None:
    if account is None:
        return
    if account.iban is not None:
        _add(parent, tag, account.iban, IdentificationSchemeName="IBAN")
    elif account.account_number is not None:
        _add(parent, tag, account.account_number, IdentificationSchemeName="BBAN")


def _finvoice_details(root: Element, invoice: Invoice) -> None:
    details = etree.SubElement(root, "InvoiceDetails")
    credit = invoice.invoice_type is InvoiceType.CREDIT_NOTE
    code = invoice.type_code if (invoice.type_code or "").startswith("INV") else None
    _add(details, "InvoiceTypeCode", code or ("INV02" if credit else "INV01"))
    _add(details, "InvoiceTypeText", "HYVITYSLASKU" if credit else "LASKU")
    _add(details, "OriginCode", "Original")
    _add(details, "InvoiceNumber", invoice.invoice_number)
    _add(details, "InvoiceDate", invoice.invoice_date)
    _add(details, "OrderIdentifier", invoice.order_reference)
    _add(details, "BuyerReferenceIdentifier", invoice.buyer_reference)
    money = {"AmountCurrencyIdentifier": invoice.currency}
    totals = invoice.totals
    _add(details, "RowsTotalVatExcludedAmount", totals.lines_net, **money)
    _add(details, "InvoiceTotalVatExcludedAmount", totals.net, **money)
    _add(details, "InvoiceTotalVatAmount", totals.vat, **money)
    _add(details, "InvoiceTotalVatIncludedAmount", totals.gross, **money)
    _add(details, "InvoicePaidAmount", totals.paid, **money)
    for rate, (base, vat) in _vat_breakdown(invoice.lines).items():
        specification = etree.SubElement(details, "VatSpecificationDetails")
        _add(specification, "VatBaseAmount", base, **money)
        _add(specification, "VatRatePercent", rate)
        _add(specification, "VatRateAmount", vat, **money)
    if invoice.due_date is not None:
        _add(etree.SubElement(details, "PaymentTermsDetails"), "InvoiceDueDate", invoice.due_date)


def _vat_breakdown(lines: list[InvoiceLine]) -> dict[Decimal, tuple[Decimal, Decimal]]:
    """Net amount and VAT per rate, from lines that state a rate and a net amount."""
    breakdown: dict[Decimal, tuple[Decimal, Decimal]] = {}
    for line in lines:
        if line.vat_rate is None or line.net_amount is None:
            continue
        base, vat = breakdown.get(line.vat_rate, (Decimal(0), Decimal(0)))
        line_vat = line.vat_amount if line.vat_amount is not None else Decimal(0)
        breakdown[line.vat_rate] = (base + line.net_amount, vat + line_vat)
    return breakdown


def _finvoice_row(row: Element, line: InvoiceLine, currency: str) -> None:
    money = {"AmountCurrencyIdentifier": currency}
    unit = {"QuantityUnitCode": line.unit} if line.unit else {}
    _add(row, "ArticleIdentifier", line.article_id)
    _add(row, "ArticleName", line.name)
    _add(row, "OrderedQuantity", line.ordered_quantity, **unit)
    _add(row, "DeliveredQuantity", line.delivered_quantity, **unit)
    _add(row, "InvoicedQuantity", line.invoiced_quantity, **unit)
    _add(row, "UnitPriceAmount", line.unit_price, **money)
    _add(row, "UnitPriceBaseQuantity", line.price_base_quantity, **unit)
    _add(row, "RowPositionIdentifier", line.line_id)
    _add(row, "RowIdentifier", line.order_reference)
    _add(row, "RowOrderPositionIdentifier", line.order_line_reference)
    _add(row, "RowVatRatePercent", line.vat_rate)
    _add(row, "RowVatAmount", line.vat_amount, **money)
    _add(row, "RowVatExcludedAmount", line.net_amount, **money)
    _add(row, "RowAmount", line.gross_amount, **money)


def _finvoice_epi(root: Element, invoice: Invoice) -> None:
    payment = invoice.payment
    epi = etree.SubElement(root, "EpiDetails")
    identification = etree.SubElement(epi, "EpiIdentificationDetails")
    _add(identification, "EpiDate", invoice.invoice_date)
    _add(identification, "EpiReference", invoice.invoice_number)
    parties = etree.SubElement(epi, "EpiPartyDetails")
    bank = etree.SubElement(parties, "EpiBfiPartyDetails")
    _add(bank, "EpiBfiIdentifier", payment.bic, IdentificationSchemeName="BIC")
    beneficiary = etree.SubElement(parties, "EpiBeneficiaryPartyDetails")
    _add(beneficiary, "EpiNameAddressDetails", invoice.seller.name)
    _add(beneficiary, "EpiBei", invoice.seller.business_id)
    account = BankAccount(iban=payment.iban, account_number=payment.account_number)
    _finvoice_account(beneficiary, "EpiAccountID", account)
    instruction = etree.SubElement(epi, "EpiPaymentInstructionDetails")
    scheme = _FINVOICE_SCHEMES.get(payment.reference_scheme)
    _add(
        instruction,
        "EpiRemittanceInfoIdentifier",
        payment.reference,
        **({"IdentificationSchemeName": scheme} if scheme else {}),
    )
    money = {"AmountCurrencyIdentifier": invoice.currency}
    _add(instruction, "EpiInstructedAmount", invoice.totals.payable, **money)
    _add(instruction, "EpiCharge", "SHA", ChargeOption="SHA")
    _add(instruction, "EpiDateOptionDate", invoice.due_date)


# --- Peppol BIS Billing 3.0 -------------------------------------------------------------------


def _cbc(parent: Element, name: str, value: str | Decimal | date | None, **attributes: str) -> None:
    if value is None:
        return
    child = etree.SubElement(parent, f"{{{_CBC}}}{name}", attributes)
    if isinstance(value, Decimal):
        child.text = _number(value, comma=False)
    elif isinstance(value, date):
        child.text = value.isoformat()
    else:
        child.text = value


def _cac(parent: Element, name: str) -> Element:
    return etree.SubElement(parent, f"{{{_CAC}}}{name}")


def write_ubl(invoice: Invoice) -> bytes:
    """The invoice as a Peppol BIS 3 UBL Invoice, or CreditNote for a credit note (UTF-8)."""
    credit = invoice.invoice_type is InvoiceType.CREDIT_NOTE
    namespace = _UBL_CREDIT_NOTE if credit else _UBL_INVOICE
    root = etree.Element(
        f"{{{namespace}}}{'CreditNote' if credit else 'Invoice'}",
        nsmap={None: namespace, "cac": _CAC, "cbc": _CBC},
    )
    _cbc(root, "CustomizationID", PEPPOL_BIS3_CUSTOMIZATION)
    _cbc(root, "ProfileID", PEPPOL_BIS3_PROFILE)
    _cbc(root, "ID", invoice.invoice_number)
    _cbc(root, "IssueDate", invoice.invoice_date)
    if not credit:
        _cbc(root, "DueDate", invoice.due_date)
    code = invoice.type_code if (invoice.type_code or "").isdigit() else None
    code = code or ("381" if credit else "380")
    _cbc(root, "CreditNoteTypeCode" if credit else "InvoiceTypeCode", code)
    _cbc(root, "DocumentCurrencyCode", invoice.currency)
    _cbc(root, "BuyerReference", invoice.buyer_reference)
    if invoice.order_reference is not None:
        _cbc(_cac(root, "OrderReference"), "ID", invoice.order_reference)
    _ubl_party(_cac(root, "AccountingSupplierParty"), invoice.seller)
    _ubl_party(_cac(root, "AccountingCustomerParty"), invoice.buyer)
    _ubl_payment_means(root, invoice, credit)
    _ubl_tax_total(root, invoice)
    _ubl_monetary_total(root, invoice)
    line_tag = "CreditNoteLine" if credit else "InvoiceLine"
    for line in invoice.lines:
        _ubl_line(_cac(root, line_tag), line, invoice.currency, credit)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _ubl_party(holder: Element, party: Party) -> None:
    element = _cac(holder, "Party")
    scheme = {"schemeID": party.endpoint_scheme} if party.endpoint_scheme else {}
    _cbc(element, "EndpointID", party.endpoint_id, **scheme)
    if party.ovt is not None:
        _cbc(_cac(element, "PartyIdentification"), "ID", party.ovt, schemeID="0216")
    _cbc(_cac(element, "PartyName"), "Name", party.name)
    country = party.vat_id[:2] if party.vat_id and party.vat_id[:2].isalpha() else "FI"
    _cbc(_cac(_cac(element, "PostalAddress"), "Country"), "IdentificationCode", country.upper())
    if party.vat_id is not None:
        tax_scheme = _cac(element, "PartyTaxScheme")
        _cbc(tax_scheme, "CompanyID", party.vat_id)
        _cbc(_cac(tax_scheme, "TaxScheme"), "ID", "VAT")
    legal = _cac(element, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", party.name)
    _cbc(legal, "CompanyID", party.business_id)


def _ubl_payment_means(root: Element, invoice: Invoice, credit: bool) -> None:
    """The payment account (with the reference) first, then the seller's other accounts."""
    payment = invoice.payment
    main = BankAccount(iban=payment.iban, account_number=payment.account_number, bic=payment.bic)
    has_main = main.iban is not None or main.account_number is not None
    accounts = [main] if has_main else []
    accounts += [account for account in invoice.seller.bank_accounts if account != main]
    if not accounts and (payment.reference is not None or (credit and invoice.due_date)):
        accounts = [BankAccount()]
    for position, account in enumerate(accounts):
        means = _cac(root, "PaymentMeans")
        _cbc(means, "PaymentMeansCode", "58" if account.iban else "30")
        if credit and position == 0:
            _cbc(means, "PaymentDueDate", invoice.due_date)
        if position == 0:
            _cbc(means, "PaymentID", payment.reference)
        number = account.iban if account.iban is not None else account.account_number
        if number is not None:
            financial = _cac(means, "PayeeFinancialAccount")
            _cbc(financial, "ID", number)
            if account.bic is not None:
                _cbc(_cac(financial, "FinancialInstitutionBranch"), "ID", account.bic)


def _tax_category(rate: Decimal | None) -> str:
    return "S" if rate else "Z"


def _ubl_tax_total(root: Element, invoice: Invoice) -> None:
    tax_total = _cac(root, "TaxTotal")
    vat = invoice.totals.vat
    if vat is None:
        vat = sum((v for _, v in _vat_breakdown(invoice.lines).values()), Decimal(0))
    _cbc(tax_total, "TaxAmount", vat, currencyID=invoice.currency)
    for rate, (base, rate_vat) in _vat_breakdown(invoice.lines).items():
        subtotal = _cac(tax_total, "TaxSubtotal")
        _cbc(subtotal, "TaxableAmount", base, currencyID=invoice.currency)
        _cbc(subtotal, "TaxAmount", rate_vat, currencyID=invoice.currency)
        category = _cac(subtotal, "TaxCategory")
        _cbc(category, "ID", _tax_category(rate))
        _cbc(category, "Percent", rate)
        _cbc(_cac(category, "TaxScheme"), "ID", "VAT")


def _ubl_monetary_total(root: Element, invoice: Invoice) -> None:
    totals = invoice.totals
    money = {"currencyID": invoice.currency}
    line_sum = sum((line.net_amount or Decimal(0) for line in invoice.lines), Decimal(0))
    lines_net = totals.lines_net if totals.lines_net is not None else line_sum
    monetary = _cac(root, "LegalMonetaryTotal")
    _cbc(monetary, "LineExtensionAmount", lines_net, **money)
    net = totals.net if totals.net is not None else lines_net
    _cbc(monetary, "TaxExclusiveAmount", net, **money)
    _cbc(monetary, "TaxInclusiveAmount", totals.gross, **money)
    _cbc(monetary, "PrepaidAmount", totals.paid, **money)
    _cbc(monetary, "PayableRoundingAmount", totals.rounding, **money)
    payable = totals.payable
    if payable is None:
        payable = totals.gross - (totals.paid or Decimal(0)) + (totals.rounding or Decimal(0))
    _cbc(monetary, "PayableAmount", payable, **money)


def _ubl_line(element: Element, line: InvoiceLine, currency: str, credit: bool) -> None:
    _cbc(element, "ID", line.line_id)
    unit = {"unitCode": line.unit} if line.unit else {}
    quantity_tag = "CreditedQuantity" if credit else "InvoicedQuantity"
    _cbc(element, quantity_tag, line.invoiced_quantity, **unit)
    _cbc(element, "LineExtensionAmount", line.net_amount, currencyID=currency)
    if line.order_line_reference is not None:
        _cbc(_cac(element, "OrderLineReference"), "LineID", line.order_line_reference)
    item = _cac(element, "Item")
    _cbc(item, "Name", line.name)
    if line.article_id is not None:
        _cbc(_cac(item, "SellersItemIdentification"), "ID", line.article_id)
    category = _cac(item, "ClassifiedTaxCategory")
    _cbc(category, "ID", _tax_category(line.vat_rate))
    _cbc(category, "Percent", line.vat_rate)
    _cbc(_cac(category, "TaxScheme"), "ID", "VAT")
    if line.unit_price is not None or line.price_base_quantity is not None:
        price = _cac(element, "Price")
        _cbc(price, "PriceAmount", line.unit_price, currencyID=currency)
        _cbc(price, "BaseQuantity", line.price_base_quantity, **unit)
