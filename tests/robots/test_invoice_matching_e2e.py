"""End to end: `finrpa run invoice_matching` on the fixture batch, on a real SQLite queue."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from finrpa.db.engine import make_engine
from finrpa.domain.items import ItemAction, ItemState
from finrpa.queue.sql import SqlQueueStore

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT / "fixtures" / "invoice_matching"
EXPECTED: dict[str, list[str]] = json.loads((FIXTURES / "expected.json").read_text("utf-8"))


def run_robot(database_url: str, output_dir: Path, input_dir: Path = FIXTURES,
              robots_dir: Path | None = None) -> str:
    env = {**os.environ, "FINRPA_DATABASE_URL": database_url, "COLUMNS": "160"}
    if robots_dir is not None:
        env["FINRPA_ROBOTS_DIR"] = str(robots_dir)
    result = subprocess.run(
        [sys.executable, "-m", "finrpa.cli.main", "run", "invoice_matching",
         "--input", str(input_dir), "--output", str(output_dir)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def results(output_dir: Path) -> list[dict]:
    lines = (output_dir / "results.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def proposal(output_dir: Path) -> list[dict[str, str]]:
    with (output_dir / "approved_for_payment.csv").open(encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, str]:
    folder = tmp_path_factory.mktemp("invoice-matching")
    url = f"sqlite:///{folder / 'finrpa.db'}"
    output = folder / "run1"
    stdout = run_robot(url, output)
    return url, output, stdout


def test_results_line_by_line(first_run: tuple[str, Path, str]) -> None:
    _, output, stdout = first_run
    rows = results(output)
    assert [row["source"] for row in rows] == sorted(EXPECTED)
    for row in rows:
        expected = EXPECTED[row["source"]]
        assert row["status"] == ("exception" if expected else "matched"), row
        assert sorted(row["reasons"]) == sorted(expected), row
        assert isinstance(row["work_item_id"], int)
    assert "run summary" in stdout


def test_small_batches_decide_as_one(first_run: tuple[str, Path, str],
                                     tmp_path: Path) -> None:
    """The match step decides a batch at a time: with batches of 4 invoices (so quantities,
    credit notes and duplicates cross batches) every result and explanation is the same."""
    _, output, _ = first_run
    robot = tmp_path / "robots" / "invoice_matching"
    shutil.copytree(REPO_ROOT / "robots" / "invoice_matching", robot,
                    ignore=shutil.ignore_patterns("__pycache__"))
    toml = (robot / "robot.toml").read_text(encoding="utf-8")
    assert "prefetch = 1000" in toml
    (robot / "robot.toml").write_text(toml.replace("prefetch = 1000", "prefetch = 4"), "utf-8")
    small = tmp_path / "out"
    run_robot(f"sqlite:///{tmp_path / 'finrpa.db'}", small, robots_dir=robot.parent)
    assert results(small) == results(output)


def test_every_reason_code_occurs(first_run: tuple[str, Path, str]) -> None:
    from finrpa.matching.model import ReasonCode

    _, output, _ = first_run
    seen = {code for row in results(output) for code in row["reasons"]}
    assert seen == {code.value for code in ReasonCode}


def test_summary_and_reports(first_run: tuple[str, Path, str]) -> None:
    _, output, _ = first_run
    summary = json.loads((output / "summary.json").read_text(encoding="utf-8"))
    matched = [source for source, codes in EXPECTED.items() if not codes]
    assert summary["invoices"] == len(EXPECTED)
    assert summary["matched"] == len(matched)
    assert summary["exceptions"] == len(EXPECTED) - len(matched)
    assert summary["by_reason"]["PRICE_VARIANCE"] == 2
    assert summary["duration_s"] > 0
    rows = proposal(output)
    assert len(rows) == len(matched)
    assert {row["Invoice number"] for row in rows} >= {"PT-5001", "PT-5002", "TK-7830"}
    credit = next(row for row in rows if row["Invoice number"] == "TK-7830")
    assert credit["Amount payable"].startswith("-")
    workbook = CalamineWorkbook.from_path(str(output / "exceptions.xlsx"))
    sheet = workbook.get_sheet_by_index(0).to_python()
    assert len(sheet) - 1 == summary["exceptions"]
    assert (output / "approved_for_payment.xlsx").is_file()


def test_exceptions_wait_for_review_with_evidence(first_run: tuple[str, Path, str]) -> None:
    url, output, _ = first_run
    store = SqlQueueStore(make_engine(url))
    by_source = {row["source"]: row for row in results(output)}
    price = store.get(by_source["invoices/027-hinta-ylittyy.xml"]["work_item_id"])
    assert price.state is ItemState.NEEDS_REVIEW and price.reason_code == "PRICE_VARIANCE"
    assert price.due_at is not None
    line = price.evidence["lines"][0]
    assert line["invoice_line"] and line["order_line"]
    assert "unit_price" in line["differences"]
    assert store.list_files(price.id)[0].name == "027-hinta-ylittyy.xml"
    matched = store.get(by_source["invoices/001-paperitukku-osatoimitus.xml"]["work_item_id"])
    assert matched.state is ItemState.DONE


def test_rerun_adds_nothing_and_decisions_flow_into_the_next_run(
    first_run: tuple[str, Path, str], tmp_path: Path
) -> None:
    url, output, _ = first_run
    store = SqlQueueStore(make_engine(url))
    before = store.stats()
    second = tmp_path / "run2"
    run_robot(url, second)
    assert store.stats() == before
    assert proposal(second) == []
    assert [row["status"] for row in results(second)] == [row["status"] for row in results(output)]

    # A reviewer accepts the price variance; another corrects the missing order number.
    by_source = {row["source"]: row for row in results(output)}
    accepted = by_source["invoices/027-hinta-ylittyy.xml"]["work_item_id"]
    store.decide(accepted, ItemAction.ACCEPT, "reviewer-liisa", "price agreed by phone")
    corrected_id = by_source["invoices/022-ei-tilausnumeroa.xml"]["work_item_id"]
    corrected = store.get(corrected_id).payload
    corrected["invoice"]["order_reference"] = "PO-26010"
    store.decide(corrected_id, ItemAction.REQUEUE, "reviewer-liisa", "order number from buyer",
                 corrected)
    third = tmp_path / "run3"
    run_robot(url, third)
    numbers = sorted(row["Invoice number"] for row in proposal(third))
    assert numbers == ["S-2026-150", "TK-7800"]
    assert store.get(corrected_id).state is ItemState.DONE
    fourth = tmp_path / "run4"
    run_robot(url, fourth)
    assert proposal(fourth) == []


def test_an_order_book_that_cannot_be_used_stops_the_step_and_loses_nothing(
    tmp_path: Path,
) -> None:
    """A repeated order line makes the book unusable: the match step fails (exit 1, its log
    says why) and every claimed invoice is back in the queue, pending, for the next run."""
    from robots.invoice_matching.fixtures import ORDER_COLUMNS
    from robots.invoice_matching.models import PurchaseOrderRow

    from finrpa.steps.sheet_columns import read_xlsx_columns
    from finrpa.steps.sheets import write_xlsx_report

    folder = tmp_path / "input"
    shutil.copytree(FIXTURES, folder)
    orders = read_xlsx_columns(folder / "purchase_orders.xlsx", PurchaseOrderRow).columns
    rows = [dict(zip(orders, values, strict=True)) for values in zip(*orders.values(),
                                                                     strict=True)]
    write_xlsx_report(folder / "purchase_orders.xlsx", "Orders", ORDER_COLUMNS,
                      [*rows, rows[0]])
    url = f"sqlite:///{tmp_path / 'finrpa.db'}"
    env = {**os.environ, "FINRPA_DATABASE_URL": url}
    result = subprocess.run(
        [sys.executable, "-m", "finrpa.cli.main", "run", "invoice_matching",
         "--input", str(folder), "--output", str(tmp_path / "out")],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "step match failed" in result.stdout + result.stderr
    console = (tmp_path / "out" / "logs" / "match" / "console.txt").read_text("utf-8")
    assert "appears more than once" in console
    store = SqlQueueStore(make_engine(url))
    assert store.count("invoice-matching", ItemState.PENDING) == len(EXPECTED)
    assert store.count("invoice-matching", ItemState.IN_PROGRESS) == 0
