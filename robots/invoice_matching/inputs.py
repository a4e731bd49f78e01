"""Reading the robot's input folder: invoice files, purchase orders and goods receipts."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from finrpa.domain.calendar import BusinessCalendar
from finrpa.domain.findings import Finding
from finrpa.matching.book import OrderBook
from finrpa.matching.book_loading import book_from_field_columns
from finrpa.steps.sheet_columns import read_xlsx_columns
from robots.invoice_matching.files import INVOICE_FOLDER, invoice_names
from robots.invoice_matching.models import GoodsReceiptRow, PurchaseOrderRow

HELSINKI = ZoneInfo("Europe/Helsinki")


def invoice_paths(input_dir: Path) -> list[Path]:
    """The invoice files, in input order (by name); hidden files are skipped."""
    folder = input_dir / INVOICE_FOLDER
    return [folder / name for name in invoice_names(input_dir)]


def review_due(
    due_date: date | None, calendar: BusinessCalendar, lead_days: int
) -> datetime | None:
    """When a person must have decided: the invoice's due date less the payment lead time
    in business days, end of that day in Helsinki."""
    if due_date is None:
        return None
    day = calendar.subtract_business_days(due_date, lead_days)
    return datetime.combine(day, time(23, 59, 59), tzinfo=HELSINKI)


def load_order_book(input_dir: Path) -> tuple[OrderBook, list[Finding]]:
    """Orders and receipts from the two workbooks; bad rows come back as findings."""
    orders = read_xlsx_columns(input_dir / "purchase_orders.xlsx", PurchaseOrderRow)
    receipts = read_xlsx_columns(input_dir / "goods_receipts.xlsx", GoodsReceiptRow)
    book = book_from_field_columns(orders.columns, receipts.columns)
    return book, [*orders.findings, *receipts.findings]
