"""The invoice parsing benchmark runs and reads every generated file without findings."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "parse_bench_invoices.py"


def test_measure_reports_files_per_second_per_format() -> None:
    spec = importlib.util.spec_from_file_location("parse_bench_invoices", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    results = bench.measure(seconds=0.05, files_per_format=10)
    assert results["target_files_per_second"] == 2_000
    for name in ("finvoice", "ubl"):
        assert results[name]["files"] >= 1
        assert results[name]["failures"] == 0
        assert results[name]["files_per_second"] > 0
