"""End to end: invoice files through ``finrpa run invoice_matching``, next to parsing them alone.

    python bench/robot_bench.py [--files 20000] [--keep DIR] [--repeat 2]

Generates ``--files`` invoice files of 5 lines (Finvoice 3.0 and UBL alternately, built with the
robot's fixture helpers), one purchase order per invoice (``purchase_orders.xlsx``) and its goods
receipts (``goods_receipts.xlsx``), about 7 % of the invoices with something a person must look
at (a price, a quantity, a receipt, a VAT rate, a total, a missing or unknown order). Then, each
in its own process:

1. **parse**: :func:`finrpa.steps.invoices.read_invoice` on every file, nothing else;
2. **run**: ``python -m finrpa.cli.main run invoice_matching --input DIR --output DIR`` on a
   fresh SQLite database (produce, match, report: the whole robot, queue included).

Each is measured ``--repeat`` times, alternately (so that a busy moment of the machine hits
both); prints every time, the best of each and their ratio run/parse (target: at most 3), and
checks ``summary.json``. The run uses the machine's cores as the robot does in production
(helper processes read files and prepare batches); the parse is one process.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from robots.invoice_matching.fixtures import (  # noqa: E402
    CATERING,
    CLEANING,
    COMPUTERS,
    FURNITURE,
    ORDER_COLUMNS,
    PAPER,
    RECEIPT_COLUMNS,
    VAT,
    InvoiceSpec,
    build_invoice,
)

from finrpa.steps.invoice_writers import write_finvoice, write_ubl  # noqa: E402
from finrpa.steps.sheets import write_xlsx_report  # noqa: E402

TARGET_RATIO = 3.0
LINES = 5
SUPPLIERS = (PAPER, CLEANING, FURNITURE, COMPUTERS, CATERING)
#: i % 100 → what is wrong with invoice i (the rest match): about 7 % exceptions.
FAULTS = {0: "price", 1: "quantity", 2: "unknown_order", 3: "no_order", 4: "total",
          5: "receipt", 6: "vat"}


def _order_rows(i: int) -> tuple[list[dict], list[dict]]:
    """Order ``PO-B{i}`` (5 goods lines of 10 pieces) and its receipts."""
    supplier = SUPPLIERS[i % len(SUPPLIERS)]
    orders, receipts = [], []
    for k in range(1, LINES + 1):
        po = f"PO-B{i:06d}"
        orders.append({
            "po_number": po, "line_number": k * 10,
            "supplier_business_id": supplier.business_id, "supplier_name": supplier.name,
            "item_code": f"ART-{k:02d}", "description": f"Tuote {k}",
            "quantity": Decimal(10), "unit": "PCE", "unit_price": _price(i, k),
            "vat_rate": VAT, "currency": "EUR", "status": "open"})
        received = 5 if FAULTS.get(i % 100) == "receipt" and k == 1 else 10
        receipts.append({"po_number": po, "line_number": k * 10,
                         "received_quantity": Decimal(received),
                         "receipt_date": _day(i)})
    return orders, receipts


def _price(i: int, k: int) -> Decimal:
    return Decimal(100 + (i * 7 + k * 13) % 900).scaleb(-1)


def _day(i: int) -> date:
    return date(2026, 10, 1) + timedelta(days=i % 28)


def _spec(i: int) -> InvoiceSpec:
    """Invoice i against order i, with the fault ``FAULTS`` gives it (if any)."""
    fault = FAULTS.get(i % 100)
    po: str | None = f"PO-B{i:06d}"
    if fault == "unknown_order":
        po = f"PO-X{i:06d}"
    elif fault == "no_order":
        po = None
    lines = []
    for k in range(1, LINES + 1):
        price = _price(i, k) * (Decimal("1.10") if fault == "price" and k == 1 else 1)
        quantity = "12" if fault == "quantity" and k == 1 else "10"
        lines.append((str(k * 10), f"ART-{k:02d}", f"Tuote {k}", quantity, "PCE", str(price)))
    return InvoiceSpec(
        f"B{i:06d}.xml", f"B-{i:06d}", SUPPLIERS[i % len(SUPPLIERS)], po, lines, [],
        day=i % 28, fmt="finvoice" if i % 2 == 0 else "ubl",
        vat_rate=Decimal(14) if fault == "vat" else VAT,
        gross_adjustment=Decimal("1.00") if fault == "total" else Decimal(0))


def generate(folder: Path, files: int) -> None:
    """Invoice files, orders and receipts for ``files`` invoices into ``folder``."""
    (folder / "invoices").mkdir(parents=True, exist_ok=True)
    orders: list[dict] = []
    receipts: list[dict] = []
    for i in range(files):
        spec = _spec(i)
        invoice = build_invoice(spec)
        content = write_finvoice(invoice) if spec.fmt == "finvoice" else write_ubl(invoice)
        (folder / "invoices" / spec.file).write_bytes(content)
        order, received = _order_rows(i)
        orders += order
        receipts += received
    write_xlsx_report(folder / "purchase_orders.xlsx", "Orders", ORDER_COLUMNS, orders)
    write_xlsx_report(folder / "goods_receipts.xlsx", "Receipts", RECEIPT_COLUMNS, receipts)


def _parse_child(folder: str) -> None:
    """Read every invoice file in this process; print seconds and failures as JSON."""
    from finrpa.steps.invoices import read_invoice

    paths = sorted((Path(folder) / "invoices").iterdir())
    started = time.perf_counter()
    failures = sum(1 for path in paths if not read_invoice(path).ok)
    print(json.dumps({"seconds": time.perf_counter() - started, "files": len(paths),
                      "failures": failures}))


def time_parse(folder: Path) -> dict:
    """Parse figures, measured in a fresh process."""
    out = subprocess.run([sys.executable, __file__, "--parse-child", str(folder)],
                         check=True, capture_output=True, text=True, cwd=REPO_ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def time_run(folder: Path, workdir: Path, env_extra: dict[str, str]) -> tuple[float, dict]:
    """Seconds of the whole robot run on a fresh SQLite database, and its summary.json."""
    output = workdir / "output"
    env = {**os.environ, "FINRPA_DATABASE_URL": f"sqlite:///{workdir / 'finrpa.db'}",
           **env_extra}
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "finrpa.cli.main", "run", "invoice_matching",
         "--input", str(folder), "--output", str(output)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"robot run failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return seconds, json.loads((output / "summary.json").read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--keep", type=Path, help="generate into (or reuse) this folder")
    parser.add_argument("--repeat", type=int, default=2,
                        help="parse and run this many times each, alternately; best of each")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="robot-bench-") as tmp:
        folder = args.keep or Path(tmp) / "input"
        if not (folder / "goods_receipts.xlsx").exists():
            started = time.perf_counter()
            generate(folder, args.files)
            print(f"generated {args.files:,} invoice files, orders and receipts in "
                  f"{time.perf_counter() - started:.1f} s")
        parses, runs = [], []
        for attempt in range(args.repeat):  # alternated, so that a busy moment hits both
            parses.append(time_parse(folder))
            workdir = Path(tmp) / f"run{attempt}"
            workdir.mkdir()
            runs.append(time_run(folder, workdir, {}))
    parse = min(parses, key=lambda figures: figures["seconds"])
    run_s, summary = min(runs, key=lambda result: result[0])
    print("parse runs: " + ", ".join(f"{p['seconds']:.1f} s" for p in parses)
          + "; finrpa runs: " + ", ".join(f"{r[0]:.1f} s" for r in runs))
    return _report(args.files, parse, run_s, summary)


def _report(files: int, parse: dict, run_s: float, summary: dict) -> int:
    ratio = run_s / parse["seconds"]
    print(f"parse only: {parse['seconds']:.1f} s for {parse['files']:,} files "
          f"({parse['files'] / parse['seconds']:,.0f} files/s, {parse['failures']} unreadable)")
    print(f"finrpa run: {run_s:.1f} s ({files / run_s:,.0f} invoices/s); "
          f"summary: {summary.get('invoices')} invoices, {summary.get('matched')} matched, "
          f"{summary.get('exceptions')} exceptions")
    met = ratio <= TARGET_RATIO
    print(f"run/parse: {ratio:.2f}x (target {TARGET_RATIO}x): {'met' if met else 'NOT MET'}")
    assert summary.get("invoices") == files, f"summary counts {summary.get('invoices')} invoices"
    return 0 if met else 1


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--parse-child":
        _parse_child(sys.argv[2])
    else:
        sys.exit(main())
