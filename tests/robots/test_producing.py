"""The produce step reads files in helper processes when there are many: the same result."""

from __future__ import annotations

from pathlib import Path

import pytest
from robots.invoice_matching import producing

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "invoice_matching"


def test_helper_processes_read_what_one_process_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    alone = producing.read_all(FIXTURES)
    monkeypatch.setattr(producing, "PARALLEL_FROM", 1)
    monkeypatch.setattr(producing, "CHUNK", 7)
    spread = producing.read_all(FIXTURES)
    assert len(alone) == len(list((FIXTURES / "invoices").iterdir())) > 7
    assert spread == alone
    # processing order: invoice date, then file name; unreadable files last
    assert [file.sort_key for file in alone] == sorted(file.sort_key for file in alone)
    assert alone[-1].sort_key[0].year == 9999
