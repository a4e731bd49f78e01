"""A claimed batch with a payload that is not an invoice work item: that one is set aside with
what is wrong, and its neighbours are decided."""

from __future__ import annotations

import json
from pathlib import Path

from robots.invoice_matching.deciding import prepare
from robots.invoice_matching.producing import read_files

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "invoice_matching"


def test_a_bad_payload_is_set_aside_and_its_neighbours_prepared() -> None:
    good = [file.payload.text for file in read_files(sorted((FIXTURES / "invoices").iterdir())[:2])]
    broken = json.dumps({"source": "invoices/x.xml"})  # no file_sha256, not an invoice work item
    prepared = prepare([good[0], broken, good[1]])
    assert prepared.kept == [0, 2]
    assert len(prepared.table) == 2
    assert list(prepared.problems) == [1]
    assert "file_sha256" in prepared.problems[1]
