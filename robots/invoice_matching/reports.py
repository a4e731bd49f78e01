"""The run's outputs: results.jsonl, summary.json, the payment proposal and the exception list.

Everything is read back from the queue, so the files tell what the queue holds for this input,
including decisions people made since an earlier run.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from finrpa.domain.items import ItemState
from finrpa.queue.records import WorkItem
from finrpa.steps.csvfiles import write_csv
from finrpa.steps.reporting import ColumnKind, ReportColumn
from finrpa.steps.sheets import write_xlsx_report
from robots.invoice_matching.models import PaymentLine, WorkDigest

PAYMENT_COLUMNS = [
    ReportColumn("Seller", "seller_name"),
    ReportColumn("Business ID", "seller_business_id"),
    ReportColumn("Invoice number", "invoice_number"),
    ReportColumn("Invoice date", "invoice_date", ColumnKind.DATE),
    ReportColumn("Due date", "due_date", ColumnKind.DATE),
    ReportColumn("Currency", "currency"),
    ReportColumn("Amount payable", "amount_payable", ColumnKind.MONEY),
    ReportColumn("IBAN", "iban"),
    ReportColumn("BIC", "bic"),
    ReportColumn("Payment reference", "payment_reference"),
    ReportColumn("Approval", "approval"),
    ReportColumn("Work item", "invoice_item_id", ColumnKind.INTEGER),
]


@dataclass(frozen=True)
class InvoiceResult:
    """One input file and what became of it."""

    source: str
    item: WorkItem | None
    work: WorkDigest | None

    @property
    def status(self) -> str:
        if self.work is None or self.work.match is None:
            return "pending"
        return self.work.match.status

    def as_json(self) -> dict[str, Any]:
        invoice = self.work.invoice if self.work else None
        match = self.work.match if self.work else None
        return {
            "source": self.source,
            "invoice_number": invoice.invoice_number if invoice else None,
            "seller_business_id": invoice.seller.business_id if invoice else None,
            "status": self.status,
            "reasons": match.reasons if match else [],
            "work_item_id": self.item.id if self.item else None,
            "state": self.item.state.value if self.item else None,
            "amount": str(invoice.totals.gross) if invoice else None,
            "currency": invoice.currency if invoice else None,
            "due_date": invoice.due_date.isoformat() if invoice and invoice.due_date else None,
            "explanation": match.explanation if match else "",
        }


def payment_line(item: WorkItem) -> PaymentLine:
    """The payment-proposal row of a done invoice item."""
    work = WorkDigest.model_validate(item.payload)
    invoice = work.invoice
    assert invoice is not None, f"work item {item.id} is done but has no invoice"
    totals = invoice.totals
    payable = totals.payable if totals.payable is not None else totals.gross - (
        totals.paid or Decimal(0))
    return PaymentLine(
        invoice_item_id=item.id, seller_name=invoice.seller.name,
        seller_business_id=invoice.seller.business_id, invoice_number=invoice.invoice_number,
        invoice_date=invoice.invoice_date, due_date=invoice.due_date, currency=invoice.currency,
        amount_payable=payable, iban=invoice.payment.iban, bic=invoice.payment.bic,
        payment_reference=invoice.payment.reference,
        approval="matched" if work.match and work.match.status == "matched" else "accepted",
    )


def write_results(output_dir: Path, results: Sequence[InvoiceResult]) -> Path:
    """results.jsonl: one line per input file, in input order."""
    path = output_dir / "results.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for result in results:
            handle.write(json.dumps(result.as_json(), ensure_ascii=False) + "\n")
    return path


def summarise(results: Sequence[InvoiceResult], duration_s: float, run_id: str | None,
              proposed: int) -> dict[str, Any]:
    """summary.json's content."""
    by_reason: Counter[str] = Counter()
    for result in results:
        if result.work and result.work.match:
            by_reason.update(result.work.match.reasons)
    states = Counter(r.item.state.value for r in results if r.item is not None)
    return {
        "run_id": run_id,
        "invoices": len(results),
        "matched": sum(1 for r in results if r.status == "matched"),
        "exceptions": sum(1 for r in results if r.status == "exception"),
        "pending": sum(1 for r in results if r.status == "pending"),
        "by_reason": dict(sorted(by_reason.items())),
        "waiting_for_review": states.get(ItemState.NEEDS_REVIEW.value, 0),
        "approved_for_payment": proposed,
        "duration_s": round(duration_s, 3),
    }


def write_summary(output_dir: Path, summary: dict[str, Any]) -> Path:
    path = output_dir / "summary.json"
    path.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def write_payment_proposal(output_dir: Path, lines: Iterable[PaymentLine]) -> list[Path]:
    """approved_for_payment.xlsx and .csv (for ERP import)."""
    rows = list(lines)
    return [
        write_xlsx_report(output_dir / "approved_for_payment.xlsx", "Payment proposal",
                          PAYMENT_COLUMNS, rows),
        write_csv(output_dir / "approved_for_payment.csv", PAYMENT_COLUMNS, rows),
    ]


EXCEPTION_COLUMNS = [
    ReportColumn("Source file", "source"),
    ReportColumn("Invoice number", "invoice_number"),
    ReportColumn("Seller business ID", "seller_business_id"),
    ReportColumn("Amount", lambda row: Decimal(row["amount"]) if row["amount"] else None,
                 ColumnKind.MONEY),
    ReportColumn("Currency", "currency"),
    ReportColumn("Review by", "review_by"),
    ReportColumn("Reasons", lambda row: ", ".join(row["reasons"])),
    ReportColumn("Explanation", "explanation", width=80),
    ReportColumn("State", "state"),
    ReportColumn("Work item", "work_item_id", ColumnKind.INTEGER),
]


def write_exceptions(output_dir: Path, results: Sequence[InvoiceResult]) -> Path:
    """exceptions.xlsx: one row per exception with its reasons and a readable explanation."""
    rows = []
    for result in results:
        if result.status != "exception":
            continue
        row = result.as_json()
        due = result.item.due_at if result.item else None
        row["review_by"] = due.date().isoformat() if due else None
        rows.append(row)
    return write_xlsx_report(output_dir / "exceptions.xlsx", "Exceptions", EXCEPTION_COLUMNS, rows)
