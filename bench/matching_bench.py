"""Invoice matching benchmark: finrpa's batch engine against DuckDB on the same data.

    python bench/matching_bench.py [--invoices 200000] [--seed N] [--repeat 3]

Generates (seeded) orders with 5 lines each, their receipts, ``--invoices`` invoices of 5 lines
(about 6 % need review) and an earlier batch's ledger; saves them once; then runs each system
in its own process, so that each one's peak memory (``ru_maxrss``) is its own:

* **finrpa**: order book, invoice table and ledger built from the columns ("load"), then
  ``match_batch``: the columnar pass *and* the full explanation of every exception ("match").
* **DuckDB**: the columns copied into native tables ("load"), then the equivalent SQL
  ("match"), with the same semantics (see ``matching_bench_duckdb``).

Both receive the same in-memory columns (numbers as fixed-point ints, text as Python strings).
Runs alternate between the systems ``--repeat`` times (each in a fresh process). Prints seconds
(the best run of each), peak RSS (the highest), the ratios finrpa/DuckDB (target 1.5) and
asserts that both found the same set of exception invoices.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

TARGET_RATIO = 1.5
MEMORY_LIMIT_MB = 2048


def _child(system: str, data_path: str, out_path: str, repeat: int) -> None:
    """Run one system ``repeat`` times in this process; write its figures and exceptions."""
    import gc

    import numpy as np

    from matching_bench_data import BenchData

    runner = __import__(f"matching_bench_{system}")
    data = BenchData.load(data_path)
    gc.collect()
    best: dict[str, float] | None = None
    for _ in range(repeat):
        exceptions, timings, extra = runner.run(data)
        if best is None or timings["total"] < best["total"]:
            best = timings
        gc.collect()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    np.save(out_path + ".npy", exceptions)
    Path(out_path + ".json").write_text(json.dumps({"timings": best, "peak_mb": peak_mb,
                                                    "extra": extra}))


def _run(system: str, data_path: str, workdir: str) -> dict:
    import numpy as np

    out = str(Path(workdir) / system)
    subprocess.run([sys.executable, __file__, "--child", system, data_path, out, "1"],
                   check=True)
    figures = json.loads(Path(out + ".json").read_text())
    figures["exceptions"] = np.load(out + ".npy")
    return figures


def _best(runs: list[dict]) -> dict:
    """The fastest run's figures, with the highest peak memory of all runs."""
    best = min(runs, key=lambda figures: figures["timings"]["total"])
    return best | {"peak_mb": max(figures["peak_mb"] for figures in runs)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    from matching_bench_data import LINES, generate

    with tempfile.TemporaryDirectory(prefix="matching-bench-") as workdir:
        data_path = str(Path(workdir) / "data.npz")
        print(f"generating {args.invoices:,} invoices x {LINES} lines, "
              f"{args.invoices * LINES:,} order lines and their receipts (seed {args.seed})")
        generate(args.invoices, args.seed).save(data_path)
        runs: dict[str, list[dict]] = {"finrpa": [], "duckdb": []}
        for _ in range(args.repeat):  # interleaved, so that a busy moment hits both
            for system, results in runs.items():
                results.append(_run(system, data_path, workdir))
    return _report(args.invoices, _best(runs["finrpa"]), _best(runs["duckdb"]))


def _report(invoices: int, finrpa: dict, duck: dict) -> int:
    same = set(finrpa["exceptions"].tolist()) == set(duck["exceptions"].tolist())
    count = len(finrpa["exceptions"])
    print(f"exceptions: finrpa {count:,} ({count / invoices:.1%}), DuckDB "
          f"{len(duck['exceptions']):,}; same set: {same}")
    print(f"finrpa reasons: {finrpa['extra']}")
    print(f"DuckDB quantity rounds: {duck['extra']}")
    print(f"{'':8}{'load s':>9}{'match s':>9}{'total s':>9}{'peak MB':>9}")
    for name, figures in (("finrpa", finrpa), ("DuckDB", duck)):
        t = figures["timings"]
        print(f"{name:8}{t['load']:9.2f}{t['match']:9.2f}{t['total']:9.2f}"
              f"{figures['peak_mb']:9.0f}")
    ratio = {key: finrpa["timings"][key] / duck["timings"][key] for key in ("match", "total")}
    find = finrpa["timings"]["find"]
    print(f"finrpa columnar pass alone (finding the exceptions, no explanations): {find:.2f} s "
          f"= {find / duck['timings']['match']:.2f}x DuckDB's query; explanations of "
          f"{count:,} exceptions: {finrpa['timings']['match'] - find:.2f} s")
    met = ratio["total"] <= TARGET_RATIO
    memory_ok = finrpa["peak_mb"] < MEMORY_LIMIT_MB
    print(f"finrpa/DuckDB: match {ratio['match']:.2f}x, total {ratio['total']:.2f}x "
          f"(target {TARGET_RATIO}x on total): {'met' if met else 'NOT MET'}; "
          f"finrpa peak memory {'under' if memory_ok else 'OVER'} {MEMORY_LIMIT_MB} MB")
    assert same, "finrpa and DuckDB found different exception invoices"
    return 0 if met and memory_ok else 1


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        sys.exit(main())
