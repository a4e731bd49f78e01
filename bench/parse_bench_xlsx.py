"""Benchmark: finrpa's xlsx reader (python-calamine) against openpyxl read-only mode.

Writes a purchase-order-like workbook with openpyxl's write-only mode, then reads it twice in
the same run, both times into the same validated pydantic rows:

* finrpa: :func:`finrpa.steps.sheets.read_xlsx_rows` (calamine, typed cell conversion, then
  ``model_validate`` per row);
* openpyxl: ``load_workbook(read_only=True)`` + ``iter_rows(values_only=True)`` and
  ``model_validate`` per row, converting floats the same careful way (``format(x, ".15g")``),
  which is how one would write it with openpyxl alone.

Both results are compared row for row before any figure is printed.

    .venv/bin/python bench/parse_bench_xlsx.py [ROWS]
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from openpyxl import Workbook, load_workbook
from pydantic import BaseModel

from finrpa.steps.sheets import read_xlsx_rows

COLUMNS = (
    "po_number",
    "line_number",
    "supplier_business_id",
    "supplier_name",
    "item_code",
    "description",
    "quantity",
    "unit",
    "unit_price",
    "vat_rate",
    "currency",
    "status",
    "order_date",
)
SUPPLIERS = (
    ("0201256-6", "Helsingin Toimistotarvike Oy"),
    ("2077474-0", "Esimerkki Kalustetukku Oy"),
    ("0114162-2", "Lounais-Suomen Siivouspalvelu Oy"),
    ("1234567-1", "Pohjolan IT-palvelut Oy"),
)
UNITS = ("kpl", "h", "kg", "l", "pkt")
STATUSES = ("open", "received", "invoiced", "closed")


class PurchaseOrderLine(BaseModel):
    """One purchase-order line as a robot reads it from an ERP export."""

    po_number: str
    line_number: int
    supplier_business_id: str
    supplier_name: str
    item_code: str
    description: str | None = None
    quantity: Decimal
    unit: str
    unit_price: Decimal
    vat_rate: Decimal
    currency: str = "EUR"
    status: Literal["open", "received", "invoiced", "closed"]
    order_date: date


def write_workbook(path: Path, rows: int) -> None:
    """Write ``rows`` purchase-order lines with openpyxl's write-only mode."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Orders")
    sheet.append(COLUMNS)
    for i in range(rows):
        business_id, supplier = SUPPLIERS[i % len(SUPPLIERS)]
        sheet.append(
            [
                f"45{i // 5:08d}",
                i % 5 + 1,
                business_id,
                supplier,
                f"ITEM-{i % 997:04d}",
                f"Tuote {i % 997}, toimitus {i % 12 + 1}/2024",
                (i % 40) + 1,
                UNITS[i % len(UNITS)],
                round(1 + (i % 10_000) * 0.37, 2),
                25.5 if i % 3 else 14,
                "EUR",
                STATUSES[i % len(STATUSES)],
                date(2024, i % 12 + 1, i % 28 + 1),
            ]
        )
    workbook.save(path)


def _decimal(value: Any) -> Decimal:
    return Decimal(format(value, ".15g")) if isinstance(value, float) else Decimal(str(value))


def read_with_openpyxl(path: Path) -> list[PurchaseOrderLine]:
    """The openpyxl read-only way to the same validated rows."""
    workbook = load_workbook(path, read_only=True, data_only=True)
    sheet = workbook["Orders"]
    rows = sheet.iter_rows(values_only=True)
    headers = [str(h) for h in next(rows)]
    result = []
    for values in rows:
        record = dict(zip(headers, values, strict=False))
        for name in ("quantity", "unit_price", "vat_rate"):
            record[name] = _decimal(record[name])
        record["po_number"] = str(record["po_number"])
        if hasattr(record["order_date"], "date"):
            record["order_date"] = record["order_date"].date()
        result.append(PurchaseOrderLine.model_validate(record))
    workbook.close()
    return result


def _timed(function: Any, *args: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    value = function(*args)
    return time.perf_counter() - start, value


def measure(rows: int = 100_000) -> dict[str, Any]:
    """Write a workbook of ``rows`` lines, read it both ways; rows/s and the speed ratio."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "purchase_orders.xlsx"
        write_seconds, _ = _timed(write_workbook, path, rows)
        finrpa_seconds, finrpa_result = _timed(read_xlsx_rows, path, PurchaseOrderLine)
        openpyxl_seconds, openpyxl_rows = _timed(read_with_openpyxl, path)
        size = path.stat().st_size
    if finrpa_result.findings:
        raise AssertionError(f"finrpa reader reported findings: {finrpa_result.findings[:3]}")
    if len(finrpa_result.rows) != rows or finrpa_result.rows != openpyxl_rows:
        raise AssertionError("the two readers disagree about the rows")
    return {
        "rows": rows,
        "file_bytes": size,
        "write_seconds": round(write_seconds, 3),
        "finrpa_seconds": round(finrpa_seconds, 3),
        "openpyxl_seconds": round(openpyxl_seconds, 3),
        "finrpa_rows_per_s": round(rows / finrpa_seconds),
        "openpyxl_rows_per_s": round(rows / openpyxl_seconds),
        "ratio": round(openpyxl_seconds / finrpa_seconds, 2),
    }


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    figures = measure(count)
    print(json.dumps(figures, indent=2))
    print(
        f"finrpa {figures['finrpa_rows_per_s']:,} rows/s, openpyxl read-only "
        f"{figures['openpyxl_rows_per_s']:,} rows/s: finrpa is {figures['ratio']}x as fast"
    )
