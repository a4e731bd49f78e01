"""UBL reader: UBL 2.x Invoice and CreditNote (Peppol BIS 3, EN 16931, Peppol BIS 2, EHF 2,
OIOUBL 2.02, SI-UBL 2.0) and Svefaktura 1.0 (UBL 1.0 based, its own namespace).

Elements are found by local name, so the one reader serves all the namespace variants. The
version label comes from ``CustomizationID``. Two dialect rules:

* OIOUBL puts the *tax* amount in ``TaxExclusiveAmount``; its net total is therefore computed
  as ``LineExtensionAmount - AllowanceTotalAmount + ChargeTotalAmount``.
* Svefaktura names things its own way (``SellerParty``, ``LegalTotal``, ``…TotalAmount``,
  ``InvoiceCurrencyCode``, ``Item/BasePrice``, ``PaymentInstructionID``); those names are read too.

The VAT total is the ``TaxTotal`` in the document currency (a second one may be in the tax
currency). A payee account with ``schemeID="IBAN"`` or an IBAN's shape is an IBAN; otherwise it
is kept as ``account_number``.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from lxml import etree

from finrpa.steps._invoice_reading import (
    Element,
    FieldReader,
    Index,
    InvoiceReadResult,
    every,
    first,
    first_of,
    index_children,
    infer_reference_scheme,
    local_name,
    text,
    text_of,
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
    Totals,
)

UBL2_NAMESPACE_PREFIX = "urn:oasis:names:specification:ubl:schema:xsd:"
SVEFAKTURA_NAMESPACE = "urn:sfti:documents:BasicInvoice:1:0"
_CREDIT_NOTE_CODES = frozenset({"381", "396", "81", "83", "532"})
_NOT_VAT_SCHEMES = frozenset({"TAX", "SWT", "FSKATT"})
_IBAN_SHAPE = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9 ]{8,}")
_EHF = re.compile(r"ehf:faktura:ver(\d+(?:\.\d+)?)", re.IGNORECASE)


def is_ubl_root(root: Element) -> bool:
    """True for a UBL 2 Invoice/CreditNote or a Svefaktura invoice."""
    namespace = etree.QName(root).namespace or ""
    if namespace == SVEFAKTURA_NAMESPACE:
        return local_name(root) == "Invoice"
    is_ubl2 = namespace.startswith(UBL2_NAMESPACE_PREFIX)
    return is_ubl2 and local_name(root) in ("Invoice", "CreditNote")


def ubl_version(root: Element) -> str:
    """A version label such as ``peppol-bis-3``, ``en16931``, ``ehf-2.0``, ``oioubl-2.02``."""
    if etree.QName(root).namespace == SVEFAKTURA_NAMESPACE:
        return "svefaktura-1.0"
    customization = syntax = None
    for child in root:
        if not isinstance(child.tag, str):
            continue
        name = local_name(child)
        if name == "CustomizationID":
            customization = text_of(child)
        elif name == "UBLVersionID":
            syntax = text_of(child)
        elif name == "ID":
            break  # the header identifiers come before the invoice number
    return _version_label(customization, syntax)


def _version_label(customization: str | None, syntax: str | None) -> str:
    if not customization:
        return f"ubl-{syntax or '2.1'}"
    lowered = customization.lower()
    ehf = _EHF.search(lowered)
    if "poacc:billing:3.0" in lowered:
        return "peppol-bis-3"
    if "nlcius" in lowered:
        return "si-ubl-2.0"
    if ehf:
        return f"ehf-{ehf[1]}"
    if "peppol4a:ver2.0" in lowered:
        return "peppol-bis-2"
    if lowered.startswith("oioubl"):
        return lowered
    if lowered.startswith("urn:cen.eu:en16931:2017"):
        return "en16931"
    return customization


def read_ubl(root: Element, source: str) -> InvoiceReadResult:
    """Read a parsed UBL ``<Invoice>``/``<CreditNote>`` into an :class:`Invoice`."""
    fields = FieldReader(source)
    top = index_children(root)
    credit = local_name(root) == "CreditNote"
    version = ubl_version(root)
    header = _header(top, fields)
    accounts, reference = _payee_accounts(every(top, "PaymentMeans"))
    seller = _party(top, ("AccountingSupplierParty", "SellerParty"), fields, accounts)
    buyer = _party(top, ("AccountingCustomerParty", "BuyerParty"), fields, [])
    totals = _totals(top, header[2] if header else None, version, fields)
    lines = _lines(top, credit, fields)
    if header is None or seller is None or buyer is None or totals is None:
        return InvoiceReadResult(None, tuple(fields.findings))
    number, issued, currency = header
    type_code = text(top, "CreditNoteTypeCode" if credit else "InvoiceTypeCode")
    invoice = fields.build(
        lambda: Invoice(
            source=DocumentSource(
                file=source,
                format=InvoiceFormat.UBL,
                version=version,
                customization_id=text(top, "CustomizationID"),
            ),
            invoice_type=_invoice_type(credit, type_code),
            type_code=type_code,
            invoice_number=number,
            invoice_date=issued,
            due_date=_due_date(top, fields),
            currency=currency,
            seller=seller,
            buyer=buyer,
            order_reference=text(index_children(first(top, "OrderReference")), "ID"),
            buyer_reference=text(top, "BuyerReference"),
            lines=lines,
            totals=totals,
            payment=_payment(seller, reference),
        )
    )
    return InvoiceReadResult(invoice, tuple(fields.findings))


def _invoice_type(credit: bool, type_code: str | None) -> InvoiceType:
    if credit or type_code in _CREDIT_NOTE_CODES:
        return InvoiceType.CREDIT_NOTE
    return InvoiceType.INVOICE


def _header(top: Index, fields: FieldReader) -> tuple[str, date, str] | None:
    """Invoice number, issue date and currency, or None after recording what is missing."""
    number = text(top, "ID")
    issued = fields.iso_date(first(top, "IssueDate"))
    currency = text(top, "DocumentCurrencyCode") or text(top, "InvoiceCurrencyCode")
    if number is None:
        fields.missing("cbc:ID", "invoice number")
    if text(top, "IssueDate") is None:
        fields.missing("cbc:IssueDate", "issue date")
    if currency is None:
        fields.missing("cbc:DocumentCurrencyCode", "document currency")
    if number is None or issued is None or currency is None:
        return None
    return number, issued, currency


def _due_date(top: Index, fields: FieldReader) -> date | None:
    """``DueDate``, else the payment means' due date (CreditNote, Svefaktura)."""
    if "DueDate" in top:
        return fields.iso_date(first(top, "DueDate"))
    for means in every(top, "PaymentMeans"):
        parts = index_children(means)
        due = first_of(parts, "PaymentDueDate", "DuePaymentDate")
        if due is not None:
            return fields.iso_date(due)
    return None


def _party(
    top: Index, roles: tuple[str, ...], fields: FieldReader, accounts: list[BankAccount]
) -> Party | None:
    holder = next((first(top, role) for role in roles if role in top), None)
    party = index_children(first(index_children(holder), "Party"))
    legal = index_children(first(party, "PartyLegalEntity"))
    name = text(index_children(first(party, "PartyName")), "Name")
    name = name or text(legal, "RegistrationName")
    if name is None:
        fields.missing(f"cac:{roles[0]}/cac:Party/cac:PartyName/cbc:Name", f"{roles[0]} name")
        return None
    endpoint = first(party, "EndpointID")
    scheme = _attribute(endpoint, "schemeID") or None
    vat_id, registry_id = _tax_ids(party)
    return Party(
        name=name,
        business_id=text(legal, "CompanyID") or registry_id,
        vat_id=vat_id,
        ovt=_ovt(party, endpoint, scheme),
        endpoint_id=text_of(endpoint),
        endpoint_scheme=scheme,
        bank_accounts=accounts,
    )


def _attribute(element: Element | None, name: str) -> str:
    return (element.get(name) or "").strip() if element is not None else ""


def _tax_ids(party: Index) -> tuple[str | None, str | None]:
    """The VAT ID and, from Svefaktura's SWT scheme, the registry number."""
    vat_id = registry_id = None
    for scheme_element in every(party, "PartyTaxScheme"):
        parts = index_children(scheme_element)
        scheme = (text(index_children(first(parts, "TaxScheme")), "ID") or "").upper()
        if scheme == "SWT":
            registry_id = registry_id or text(parts, "CompanyID")
        elif scheme not in _NOT_VAT_SCHEMES:
            vat_id = vat_id or text(parts, "CompanyID")
    return vat_id, registry_id


def _ovt(party: Index, endpoint: Element | None, scheme: str | None) -> str | None:
    """The OVT code: a party identifier with EAS scheme 0216, else such an endpoint."""
    for identification in every(party, "PartyIdentification"):
        identifier = first(index_children(identification), "ID")
        if _attribute(identifier, "schemeID") == "0216":
            return text_of(identifier)
    return text_of(endpoint) if scheme == "0216" else None


def _account(account: Index) -> BankAccount:
    identifier = first(account, "ID")
    value = text_of(identifier)
    scheme = _attribute(identifier, "schemeID").upper()
    branch = index_children(first(account, "FinancialInstitutionBranch"))
    institution = index_children(first(branch, "FinancialInstitution"))
    bic = text(branch, "ID") or text(institution, "ID")
    if scheme == "IBAN" or (not scheme and value and _IBAN_SHAPE.fullmatch(value.upper())):
        return BankAccount(iban=value, bic=bic)
    return BankAccount(account_number=value, bic=bic)


def _payee_accounts(means_elements: list[Element]) -> tuple[list[BankAccount], str | None]:
    """All payee accounts of the payment means, and the first payment reference."""
    accounts: list[BankAccount] = []
    reference = None
    for means in means_elements:
        parts = index_children(means)
        account_parts = index_children(first(parts, "PayeeFinancialAccount"))
        reference = reference or text(parts, "PaymentID")
        reference = reference or text(account_parts, "PaymentInstructionID")
        if account_parts:
            account = _account(account_parts)
            if (account.iban or account.account_number) and account not in accounts:
                accounts.append(account)
    return accounts, reference


def _payment(seller: Party, reference: str | None) -> Payment:
    """Pay to the first payee account. A reference of digits only counts as a Finnish national
    reference when the payment is Finnish (FI IBAN or FI VAT ID)."""
    main = seller.bank_accounts[0] if seller.bank_accounts else BankAccount()
    finnish = (main.iban or "").startswith("FI") or (seller.vat_id or "").startswith("FI")
    return Payment(
        iban=main.iban,
        account_number=main.account_number,
        bic=main.bic,
        reference=reference,
        reference_scheme=infer_reference_scheme(reference, finnish_context=finnish),
    )


def _amount(index: Index, fields: FieldReader, *names: str) -> Decimal | None:
    """The first of ``names`` present in ``index``, as an amount."""
    for name in names:
        if name in index:
            return fields.amount(first(index, name))
    return None


def _vat_total(top: Index, currency: str | None, fields: FieldReader) -> Decimal | None:
    """The ``TaxTotal`` amount in the document currency (or the only one given)."""
    for tax_total in every(top, "TaxTotal"):
        parts = index_children(tax_total)
        amount = first_of(parts, "TaxAmount", "TotalTaxAmount")
        in_currency = _attribute(amount, "currencyID") or _attribute(amount, "amountCurrencyID")
        if amount is not None and (not in_currency or currency is None or in_currency == currency):
            return fields.amount(amount)
    return None


def _totals(top: Index, currency: str | None, version: str, fields: FieldReader) -> Totals | None:
    monetary_element = first_of(top, "LegalMonetaryTotal", "LegalTotal")
    monetary = index_children(monetary_element)
    gross = _amount(monetary, fields, "TaxInclusiveAmount", "TaxInclusiveTotalAmount")
    lines_net = _amount(monetary, fields, "LineExtensionAmount", "LineExtensionTotalAmount")
    net = _amount(monetary, fields, "TaxExclusiveAmount", "TaxExclusiveTotalAmount")
    if version.startswith("oioubl") and lines_net is not None:
        allowances = _amount(monetary, fields, "AllowanceTotalAmount") or Decimal(0)
        charges = _amount(monetary, fields, "ChargeTotalAmount") or Decimal(0)
        net = lines_net - allowances + charges
    if gross is None:
        if "TaxInclusiveAmount" not in monetary and "TaxInclusiveTotalAmount" not in monetary:
            fields.missing("cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount", "total with VAT")
        return None
    return Totals(
        lines_net=lines_net,
        net=net,
        vat=_vat_total(top, currency, fields),
        gross=gross,
        paid=_amount(monetary, fields, "PrepaidAmount"),
        rounding=_amount(monetary, fields, "PayableRoundingAmount", "RoundOffAmount"),
        payable=_amount(monetary, fields, "PayableAmount"),
    )


def _lines(top: Index, credit: bool, fields: FieldReader) -> list[InvoiceLine]:
    tag, quantity = "InvoiceLine", "InvoicedQuantity"
    if credit:
        tag, quantity = "CreditNoteLine", "CreditedQuantity"
    return [
        _line(index_children(line), ordinal, quantity, fields)
        for ordinal, line in enumerate(every(top, tag), start=1)
    ]


def _line(parts: Index, ordinal: int, quantity_name: str, fields: FieldReader) -> InvoiceLine:
    item = index_children(first(parts, "Item"))
    price = index_children(first(parts, "Price") if "Price" in parts else first(item, "BasePrice"))
    quantity = first(parts, quantity_name)
    order_line = index_children(first(parts, "OrderLineReference"))
    order = index_children(first(order_line, "OrderReference"))
    category = index_children(first_of(item, "ClassifiedTaxCategory", "TaxCategory"))
    seller_item = index_children(first(item, "SellersItemIdentification"))
    return InvoiceLine(
        line_id=text(parts, "ID") or str(ordinal),
        order_reference=text(order, "ID") or text(order, "BuyersID"),
        order_line_reference=text(order_line, "LineID"),
        article_id=text(seller_item, "ID"),
        name=text(item, "Name") or text(item, "Description"),
        invoiced_quantity=fields.quantity(quantity),
        unit=_attribute(quantity, "unitCode") or _attribute(quantity, "quantityUnitCode") or None,
        unit_price=fields.amount(first(price, "PriceAmount")),
        price_base_quantity=fields.quantity(first(price, "BaseQuantity")),
        vat_rate=fields.percent(first(category, "Percent")),
        vat_amount=_amount(index_children(first(parts, "TaxTotal")), fields, "TaxAmount"),
        net_amount=fields.amount(first(parts, "LineExtensionAmount")),
    )
