"""Content checks of a read invoice: seller business ID, bank accounts, payment reference and
whether the totals add up. Each problem is a :class:`Finding` naming the file and the element
the value came from (in the invoice's own format); nothing is raised.

* ``INVALID_BUSINESS_ID``: the seller's Y-tunnus fails its check digit (only Finnish sellers are
  checked: Finvoice and TEAPPSXML, or a FI VAT ID, or a Finnish Peppol scheme);
  ``MISSING_BUSINESS_ID`` (warning) when a Finnish seller gives none.
* ``INVALID_BANK_ACCOUNT``: an IBAN (payment account or any seller account) fails, or a Finnish
  domestic account number fails its Luhn check. Each distinct bad value is reported once.
  ``BANK_ACCOUNT_NOT_IBAN`` (warning): the payment account is not given as an IBAN.
* ``INVALID_PAYMENT_REFERENCE``: the reference fails the rules of its scheme (national 7-3-1 or
  RF mod 97); references of scheme ``other`` are not checked.
* ``TOTALS_INCONSISTENT``: net + VAT ≠ gross; line net amounts ≠ their stated total; line VAT
  amounts ≠ the VAT total; gross − paid + rounding ≠ payable.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache

from finrpa.domain.findings import Finding, Severity
from finrpa.steps.identifiers import (
    InvalidIdentifier,
    finnish_bban_to_iban,
    validate_business_id,
    validate_iban,
    validate_national_reference,
    validate_rf_reference,
)
from finrpa.steps.invoice_model import (
    BANK_ACCOUNT_NOT_IBAN,
    TOTALS_INCONSISTENT,
    Invoice,
    InvoiceFormat,
    ReferenceScheme,
)
from finrpa.steps.masking import mask_personal_ids

MISSING_BUSINESS_ID = "MISSING_BUSINESS_ID"
_FINNISH_SCHEMES = frozenset({"0037", "0212", "0213", "0216"})

# Where each checked value sits in each format (relative to the document root).
_WHERE: dict[InvoiceFormat, dict[str, str]] = {
    InvoiceFormat.FINVOICE: {
        "business_id": "SellerPartyDetails/SellerPartyIdentifier",
        "payment_account": "EpiDetails/EpiPartyDetails/EpiBeneficiaryPartyDetails/EpiAccountID",
        "seller_account": "SellerInformationDetails/SellerAccountDetails[{n}]/SellerAccountID",
        "reference": "EpiDetails/EpiPaymentInstructionDetails/EpiRemittanceInfoIdentifier",
        "net": "InvoiceDetails/InvoiceTotalVatExcludedAmount",
        "lines_net": "InvoiceDetails/RowsTotalVatExcludedAmount",
        "vat": "InvoiceDetails/InvoiceTotalVatAmount",
        "gross": "InvoiceDetails/InvoiceTotalVatIncludedAmount",
        "payable": "EpiDetails/EpiPaymentInstructionDetails/EpiInstructedAmount",
    },
    InvoiceFormat.TEAPPSXML: {
        "business_id": "INVOICE/PAYEE/CUSTOMER_INFORMATION/ORGANIZATION_NUMBER",
        "payment_account": "INVOICE/PAYEE/BANKS/IBAN_ACCOUNT_NUMBER",
        "seller_account": "INVOICE/PAYEE/BANKS[{n}]/IBAN_ACCOUNT_NUMBER",
        "reference": "INVOICE/PAYEE/DETAILS_OF_PAYMENT/FI_PAYMENT_REFERENCE",
        "net": "INVOICE/SUMMARY/INVOICE_TOTAL/AMOUNT[@VAT='EXCLUDED']",
        "lines_net": "INVOICE/SUMMARY/ROWS_TOTAL/AMOUNT",
        "vat": "INVOICE/SUMMARY/VAT_TOTAL/AMOUNT",
        "gross": "INVOICE/SUMMARY/INVOICE_TOTAL/AMOUNT[@VAT='INCLUDED']",
        "payable": "INVOICE/SUMMARY/INVOICE_TOTAL/AMOUNT[@VAT='INCLUDED']",
    },
    InvoiceFormat.UBL: {
        "business_id": "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID",
        "payment_account": "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID",
        "seller_account": "cac:PaymentMeans[{n}]/cac:PayeeFinancialAccount/cbc:ID",
        "reference": "cac:PaymentMeans/cbc:PaymentID",
        "net": "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount",
        "lines_net": "cac:LegalMonetaryTotal/cbc:LineExtensionAmount",
        "vat": "cac:TaxTotal/cbc:TaxAmount",
        "gross": "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount",
        "payable": "cac:LegalMonetaryTotal/cbc:PayableAmount",
    },
}


class _Report:
    """Collects findings about one invoice."""

    def __init__(self, invoice: Invoice) -> None:
        self.source = invoice.source.file
        self.where = _WHERE[invoice.source.format]
        self.findings: list[Finding] = []

    def add(
        self,
        code: str,
        message: str,
        field: str,
        value: str | None = None,
        severity: Severity = Severity.ERROR,
        evidence: dict[str, str] | None = None,
        n: int = 1,
    ) -> None:
        self.findings.append(
            Finding(
                code=code,
                message=mask_personal_ids(message),
                source=self.source,
                location=self.where[field].format(n=n),
                value=mask_personal_ids(value) if value is not None else None,
                severity=severity,
                evidence=evidence or {},
            )
        )

    def identifier(
        self, validate: Callable[[str], object], value: str, field: str, what: str, n: int = 1
    ) -> bool:
        """Run an identifier validator; record its failure. True when the value is valid."""
        failure = _failure(validate, value)
        if failure is not None:
            code, message = failure
            self.add(code, f"{what} {value!r}: {message}", field, value, n=n)
            return False
        return True


@lru_cache(maxsize=1 << 16)
def _failure(validate: Callable[[str], object], value: str) -> tuple[str, str] | None:
    """(code, message) when ``validate`` refuses ``value``. Cached: a batch of invoices repeats
    the same suppliers' business IDs and bank accounts over and over."""
    try:
        validate(value)
    except InvalidIdentifier as exc:
        return exc.code, exc.message
    return None


def check_invoice(invoice: Invoice, tolerance: Decimal = Decimal(0)) -> list[Finding]:
    """Findings about the invoice's identifiers and totals; an empty list when all is well.

    ``tolerance`` is the largest difference accepted when sums are compared (default: none).
    """
    report = _Report(invoice)
    _check_business_id(invoice, report)
    _check_accounts(invoice, report)
    _check_reference(invoice, report)
    _check_totals(invoice, report, tolerance)
    return report.findings


def _is_finnish_seller(invoice: Invoice) -> bool:
    seller = invoice.seller
    return (
        invoice.source.format in (InvoiceFormat.FINVOICE, InvoiceFormat.TEAPPSXML)
        or (seller.vat_id or "").upper().startswith("FI")
        or seller.endpoint_scheme in _FINNISH_SCHEMES
        or seller.ovt is not None
    )


def _check_business_id(invoice: Invoice, report: _Report) -> None:
    if not _is_finnish_seller(invoice):
        return
    business_id = invoice.seller.business_id
    if business_id is None:
        report.add(
            MISSING_BUSINESS_ID,
            "the seller gives no business ID (Y-tunnus)",
            "business_id",
            severity=Severity.WARNING,
        )
        return
    report.identifier(validate_business_id, business_id, "business_id", "seller business ID")


def _check_accounts(invoice: Invoice, report: _Report) -> None:
    payment = invoice.payment
    checked: set[str] = set()
    if payment.iban is not None:
        checked.add(payment.iban)
        report.identifier(validate_iban, payment.iban, "payment_account", "payment IBAN")
    elif payment.account_number is not None:
        _check_domestic_account(payment.account_number, invoice, report)
    for n, account in enumerate(invoice.seller.bank_accounts, start=1):
        if account.iban is not None and account.iban not in checked:
            checked.add(account.iban)
            report.identifier(validate_iban, account.iban, "seller_account", "seller IBAN", n=n)


def _check_domestic_account(number: str, invoice: Invoice, report: _Report) -> None:
    """A payment account given in another form than an IBAN: a warning, and for a Finnish
    account number (BBAN) the Luhn check."""
    digits = number.replace("-", "").replace(" ", "")
    if _is_finnish_seller(invoice) and digits.isdigit():
        try:
            iban = finnish_bban_to_iban(number)
        except InvalidIdentifier as exc:
            message = f"payment account {number!r}: {exc.message}"
            report.add(exc.code, message, "payment_account", number)
            return
        hint = f"; as an IBAN it is {iban}"
    else:
        hint = ""
    report.add(
        BANK_ACCOUNT_NOT_IBAN,
        f"payment account {number!r} is not an IBAN{hint}",
        "payment_account",
        number,
        severity=Severity.WARNING,
    )


def _check_reference(invoice: Invoice, report: _Report) -> None:
    payment = invoice.payment
    if payment.reference is None:
        return
    if payment.reference_scheme is ReferenceScheme.FI_NATIONAL:
        report.identifier(
            validate_national_reference, payment.reference, "reference", "national reference"
        )
    elif payment.reference_scheme is ReferenceScheme.RF:
        report.identifier(validate_rf_reference, payment.reference, "reference", "RF reference")


def _differs(left: Decimal, right: Decimal, tolerance: Decimal) -> bool:
    return abs(left - right) > tolerance


def _check_totals(invoice: Invoice, report: _Report, tolerance: Decimal) -> None:
    totals = invoice.totals
    if totals.net is not None and totals.vat is not None:
        computed = totals.net + totals.vat
        if _differs(computed, totals.gross, tolerance):
            _inconsistent(report, "gross", "net + VAT", computed, totals.gross)
    nets = [line.net_amount for line in invoice.lines if line.net_amount is not None]
    stated_net, field = totals.lines_net, "lines_net"
    if stated_net is None:
        stated_net, field = totals.net, "net"
    if nets and stated_net is not None and _differs(sum(nets, Decimal(0)), stated_net, tolerance):
        _inconsistent(report, field, "sum of line net amounts", sum(nets, Decimal(0)), stated_net)
    vats = [line.vat_amount for line in invoice.lines]
    if vats and totals.vat is not None and all(vat is not None for vat in vats):
        line_vat = sum((vat for vat in vats if vat is not None), Decimal(0))
        if _differs(line_vat, totals.vat, tolerance):
            _inconsistent(report, "vat", "sum of line VAT amounts", line_vat, totals.vat)
    if totals.payable is not None:
        due = totals.gross - (totals.paid or Decimal(0)) + (totals.rounding or Decimal(0))
        if _differs(due, totals.payable, tolerance):
            _inconsistent(report, "payable", "gross - paid + rounding", due, totals.payable)


def _inconsistent(
    report: _Report, field: str, what: str, computed: Decimal, stated: Decimal
) -> None:
    report.add(
        TOTALS_INCONSISTENT,
        f"{what} is {computed}, but the document states {stated}",
        field,
        str(stated),
        evidence={"computed": str(computed), "stated": str(stated), "rule": what},
    )
