"""Parsing benchmarks: e-invoices per second and xlsx rows per second, each next to its baseline.

    make bench-parse        (or: python bench/parse_bench.py)

* Invoices: typical 5-line Finvoice 3.0 and Peppol BIS 3 files read by ``read_invoice`` on one
  core, next to the bare hardened XML parse of the same files. Target: 2,000 files/s.
* Workbooks: a 100,000-row purchase-order workbook read into validated rows by finrpa's reader
  (python-calamine) next to openpyxl's read-only mode building the same rows. Target: 4x.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import parse_bench_invoices
import parse_bench_xlsx

XLSX_TARGET_RATIO = 4.0


def main() -> int:
    status = parse_bench_invoices.main(["parse_bench_invoices"])
    print("\nxlsx: 100,000 purchase-order rows into validated records")
    figures = parse_bench_xlsx.measure(100_000)
    ratio = figures["ratio"]
    print(f"  finrpa (calamine)   {figures['finrpa_rows_per_s']:>9,} rows/s")
    print(f"  openpyxl read-only  {figures['openpyxl_rows_per_s']:>9,} rows/s")
    print(f"  finrpa/openpyxl = {ratio:.2f}x (target {XLSX_TARGET_RATIO}x): "
          f"{'met' if ratio >= XLSX_TARGET_RATIO else 'NOT MET'}")
    return status or (0 if ratio >= XLSX_TARGET_RATIO else 1)


if __name__ == "__main__":
    sys.exit(main())
