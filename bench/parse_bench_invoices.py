"""How many typical 5-line e-invoice files ``read_invoice`` reads per second on one core.

Generates sample invoices (Finvoice 3.0 and Peppol BIS 3 UBL) into a temporary folder, then
reads them back with :func:`finrpa.steps.invoices.read_invoice`, one format at a time, in one
process and thread, next to the hardened XML parse of the same files alone (the baseline,
measured in the same run). The target is 2,000 files/s per format.

    .venv/bin/python bench/parse_bench_invoices.py [seconds-per-format] [files-per-format]
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from finrpa.steps.invoice_model import Invoice
from finrpa.steps.invoice_samples import sample_invoice
from finrpa.steps.invoice_writers import write_finvoice, write_ubl
from finrpa.steps.invoices import read_invoice
from finrpa.steps.xmlsafe import parse_xml_bytes

TARGET_FILES_PER_SECOND = 2_000
WRITERS: dict[str, Callable[[Invoice], bytes]] = {"finvoice": write_finvoice, "ubl": write_ubl}


def generate(folder: Path, files_per_format: int, lines: int = 5) -> dict[str, list[Path]]:
    """Write ``files_per_format`` invoices of each format into ``folder``."""
    paths: dict[str, list[Path]] = {name: [] for name in WRITERS}
    for seq in range(files_per_format):
        invoice = sample_invoice(seq, lines=lines)
        for name, write in WRITERS.items():
            path = folder / f"{name}-{seq:05d}.xml"
            path.write_bytes(write(invoice))
            paths[name].append(path)
    return paths


def _parse_only(path: Path) -> Any:
    """The baseline: the hardened parse of the file alone, no model built."""
    return parse_xml_bytes(path.read_bytes(), str(path))


def _read_for(paths: list[Path], seconds: float,
              read: Callable[[Path], Any] = read_invoice) -> dict[str, Any]:
    """Read the files round-robin for about ``seconds`` (at least one file)."""
    files = failures = 0
    started = time.perf_counter()
    deadline = started + seconds
    while True:
        for path in paths:
            if not read(path).ok:
                failures += 1
            files += 1
            if files % 50 == 0 and time.perf_counter() >= deadline:
                break
        else:
            if time.perf_counter() < deadline:
                continue
        break
    elapsed = time.perf_counter() - started
    return {
        "files": files,
        "failures": failures,
        "seconds": round(elapsed, 3),
        "files_per_second": round(files / elapsed, 1),
    }


def measure(seconds: float = 3.0, files_per_format: int = 2_000) -> dict[str, Any]:
    """Generate sample files and read each format for ``seconds``; files/s per format."""
    with tempfile.TemporaryDirectory(prefix="finrpa-invoice-bench-") as tmp:
        paths = generate(Path(tmp), files_per_format)
        results: dict[str, Any] = {
            name: _read_for(format_paths, seconds) for name, format_paths in paths.items()
        }
        for name, format_paths in paths.items():
            results[f"{name}_parse_only"] = _read_for(format_paths, seconds, _parse_only)
    results["target_files_per_second"] = TARGET_FILES_PER_SECOND
    return results


def main(argv: list[str]) -> int:
    seconds = float(argv[1]) if len(argv) > 1 else 3.0
    files_per_format = int(argv[2]) if len(argv) > 2 else 2_000
    results = measure(seconds, files_per_format)
    print(f"read_invoice, {files_per_format} typical 5-line files per format, one core:")
    below = False
    for name in WRITERS:
        result = results[name]
        rate = result["files_per_second"]
        below = below or rate < TARGET_FILES_PER_SECOND
        baseline = results[f"{name}_parse_only"]["files_per_second"]
        print(
            f"  {name:9s} {rate:9,.0f} files/s  ({result['files']} reads in {result['seconds']} s, "
            f"{result['failures']} not ok); XML parse alone {baseline:,.0f} files/s, "
            f"read_invoice/parse = {rate / baseline:.2f}x"
        )
    print(f"  target    {TARGET_FILES_PER_SECOND:9,d} files/s: {'NOT MET' if below else 'met'}")
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
