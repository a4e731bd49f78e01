"""The run's outputs: results.jsonl, summary.json, the payment proposal and the exception list.

Everything is read back from the queue, so the files tell what the queue holds for this input,
including decisions people made since an earlier run.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from finrpa.domain.items import ItemState
from finrpa.queue.records import ItemDigest
from finrpa.steps.csvfiles import write_csv_values
from finrpa.steps.reporting import ColumnKind, ReportColumn, report_values
from finrpa.steps.sheets import write_xlsx_report, write_xlsx_values
from robots.invoice_matching.models import PaymentLine

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


#: The payload parts the outputs show, by name: results.jsonl, the summary and exceptions.xlsx,
#: and for an approved invoice its payment line. Read once per item (``history``).
FIELDS = {
    "invoice_number": "invoice.invoice_number",
    "invoice_date": "invoice.invoice_date",
    "due_date": "invoice.due_date",
    "currency": "invoice.currency",
    "seller_name": "invoice.seller.name",
    "seller_business_id": "invoice.seller.business_id",
    "gross": "invoice.totals.gross",
    "paid": "invoice.totals.paid",
    "payable": "invoice.totals.payable",
    "iban": "invoice.payment.iban",
    "bic": "invoice.payment.bic",
    "payment_reference": "invoice.payment.reference",
    "status": "match.status",
    "reasons": "match.reasons",
    "explanation": "match.explanation",
}


@dataclass(frozen=True, slots=True)
class InvoiceResult:
    """One input file and what became of it: its item (None: not in the queue) and the item's
    payload parts named in FIELDS (as the payload stores them: JSON data)."""

    source: str
    item: ItemDigest | None
    fields: dict[str, Any]

    @property
    def status(self) -> str:
        return self.fields.get("status") or "pending"

    def as_json(self) -> dict[str, Any]:
        fields = self.fields
        gross = fields.get("gross")
        return {
            "source": self.source,
            "invoice_number": fields.get("invoice_number"),
            "seller_business_id": fields.get("seller_business_id"),
            "status": self.status,
            "reasons": fields.get("reasons") or [],
            "work_item_id": self.item.id if self.item else None,
            "state": self.item.state.value if self.item else None,
            "amount": None if gross is None else _decimal_text(gross),
            "currency": fields.get("currency"),
            "due_date": fields.get("due_date"),
            "explanation": fields.get("explanation") or "",
        }


def _decimal_text(value: Any) -> str:
    # Payloads store decimals as text; a number (from a hand-edited payload) reads the same.
    return value if isinstance(value, str) else str(Decimal(str(value)))


def payment_line(item_id: int, fields: dict[str, Any]) -> PaymentLine:
    """The payment-proposal row of a done invoice item, from its FIELDS."""
    if fields["invoice_number"] is None or fields["gross"] is None:
        raise ValueError(f"work item {item_id} is done but has no invoice")
    gross, paid, payable = (fields[name] for name in ("gross", "paid", "payable"))
    if payable is not None:
        amount = Decimal(str(payable))
    else:
        amount = Decimal(str(gross)) - (Decimal(str(paid)) if paid is not None else Decimal(0))
    return PaymentLine(
        invoice_item_id=item_id, seller_name=fields["seller_name"],
        seller_business_id=fields["seller_business_id"],
        invoice_number=fields["invoice_number"], invoice_date=fields["invoice_date"],
        due_date=fields["due_date"], currency=fields["currency"], amount_payable=amount,
        iban=fields["iban"], bic=fields["bic"], payment_reference=fields["payment_reference"],
        approval="matched" if fields["status"] == "matched" else "accepted",
    )


def write_results(output_dir: Path, results: Sequence[InvoiceResult]) -> Path:
    """results.jsonl: one line per input file, in input order."""
    path = output_dir / "results.jsonl"
    encode = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps builds one per call
    with path.open("w", encoding="utf-8") as handle:
        handle.writelines(f"{encode(result.as_json())}\n" for result in results)
    return path


def summarise(results: Sequence[InvoiceResult], duration_s: float, run_id: str | None,
              proposed: int) -> dict[str, Any]:
    """summary.json's content."""
    by_reason: Counter[str] = Counter()
    for result in results:
        by_reason.update(result.fields.get("reasons") or ())
    states = Counter(r.item.state.value for r in results if r.item is not None)
    statuses = Counter(result.status for result in results)
    return {
        "run_id": run_id,
        "invoices": len(results),
        "matched": statuses["matched"],
        "exceptions": statuses["exception"],
        "pending": statuses["pending"],
        "by_reason": dict(sorted(by_reason.items())),
        "waiting_for_review": states.get(ItemState.NEEDS_REVIEW.value, 0),
        "approved_for_payment": proposed,
        "duration_s": round(duration_s, 3),
    }


def write_summary(output_dir: Path, summary: dict[str, Any]) -> Path:
    path = output_dir / "summary.json"
    path.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


PROPOSAL_FILES = ("approved_for_payment.xlsx", "approved_for_payment.csv")
#: Suffix of the proposal files while their payment items are being marked proposed.
PENDING = ".pending"


def write_payment_proposal(output_dir: Path, lines: Sequence[PaymentLine]) -> list[Path]:
    """approved_for_payment.xlsx and .csv (for ERP import), from the same cell values, written
    under a ``.pending`` name: :func:`publish_payment_proposal` gives them their names once
    their payment items are marked proposed, so a crash in between never leaves a proposal
    whose invoices the next run would propose again."""
    values = report_values(PAYMENT_COLUMNS, lines)
    xlsx, csv = (output_dir / f"{name}{PENDING}" for name in PROPOSAL_FILES)
    return [
        write_xlsx_values(xlsx, "Payment proposal", PAYMENT_COLUMNS, values),
        write_csv_values(csv, PAYMENT_COLUMNS, values),
    ]


def publish_payment_proposal(output_dir: Path) -> list[Path]:
    """Rename the pending proposal files to their names."""
    published = []
    for name in PROPOSAL_FILES:
        target = output_dir / name
        (output_dir / f"{name}{PENDING}").replace(target)
        published.append(target)
    return published


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
