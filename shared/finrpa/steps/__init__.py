"""Reusable robot steps: readers, writers and validators for the documents finance robots handle.

Nothing here raises on bad input: every reader returns what it could read plus findings
(``finrpa.domain.findings.Finding``) that name the file and the element or row.

Invoices (Finvoice 1.x-3.0, TEAPPSXML, Peppol BIS 3 / UBL Invoice and CreditNote)::

    result = read_invoice("invoices/INV-1001.xml")   # format detected from the document
    result.invoice, result.findings, result.ok
    check_invoice(result.invoice)                    # business ID, IBAN, reference, totals

Bank statements (camt.053 001.02-001.08, camt.054)::

    document = read_camt("statement.xml")            # statements -> transactions, findings

Spreadsheets and CSV::

    rows = read_xlsx_rows("purchase_orders.xlsx", OrderLineModel)   # rows + per-row findings
    write_xlsx_report("report.xlsx", "Report", columns, records)
    rows = read_csv_rows("export.csv", Model)                        # ; or , decimal comma, Latin-9

Identifiers: ``validate_iban``, ``validate_business_id``, ``validate_national_reference``,
``create_rf_reference`` ... (see finrpa.steps.identifiers); ``mask_personal_ids`` for HETUs.
"""

from finrpa.steps.bank_model import BankStatement, BankTransaction, CamtDocument, CreditDebit
from finrpa.steps.camt import read_camt, read_camt_bytes
from finrpa.steps.csvfiles import read_csv_rows, write_csv
from finrpa.steps.identifiers import (
    InvalidIdentifier,
    ReferenceScheme,
    create_national_reference,
    create_rf_reference,
    validate_bic,
    validate_business_id,
    validate_iban,
    validate_national_reference,
    validate_payment_reference,
    validate_rf_reference,
    validate_vat_id,
)
from finrpa.steps.invoice_checks import check_invoice
from finrpa.steps.invoice_model import Invoice, InvoiceFormat, InvoiceLine, InvoiceType, Party
from finrpa.steps.invoice_writers import write_finvoice, write_ubl
from finrpa.steps.invoices import InvoiceReadResult, read_invoice, read_invoice_bytes
from finrpa.steps.masking import mask_in, mask_personal_ids
from finrpa.steps.reporting import ColumnKind, ReportColumn
from finrpa.steps.sheets import read_xlsx_rows, write_xlsx_report

__all__ = [
    "BankStatement",
    "BankTransaction",
    "CamtDocument",
    "ColumnKind",
    "CreditDebit",
    "InvalidIdentifier",
    "Invoice",
    "InvoiceFormat",
    "InvoiceLine",
    "InvoiceReadResult",
    "InvoiceType",
    "Party",
    "ReferenceScheme",
    "ReportColumn",
    "check_invoice",
    "create_national_reference",
    "create_rf_reference",
    "mask_in",
    "mask_personal_ids",
    "read_camt",
    "read_camt_bytes",
    "read_csv_rows",
    "read_invoice",
    "read_invoice_bytes",
    "read_xlsx_rows",
    "validate_bic",
    "validate_business_id",
    "validate_iban",
    "validate_national_reference",
    "validate_payment_reference",
    "validate_rf_reference",
    "validate_vat_id",
    "write_csv",
    "write_finvoice",
    "write_ubl",
    "write_xlsx_report",
]
