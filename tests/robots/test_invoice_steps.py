"""The produce step reads files in helper processes when there are many: the same result;
the report publishes a payment proposal only once its payments are marked proposed."""

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


def test_proposal_gets_its_name_only_when_published(tmp_path: Path) -> None:
    """A crash between writing the proposal and marking its payments proposed leaves only
    ``.pending`` files: nothing an ERP import would pick up and pay twice."""
    from datetime import date
    from decimal import Decimal

    from robots.invoice_matching.models import PaymentLine
    from robots.invoice_matching.reports import publish_payment_proposal, write_payment_proposal

    line = PaymentLine(invoice_item_id=1, seller_name="Oy", seller_business_id="1234567-1",
                       invoice_number="1", invoice_date=date(2026, 1, 2), due_date=None,
                       currency="EUR", amount_payable=Decimal("10.00"), iban=None, bic=None,
                       payment_reference=None, approval="matched")
    write_payment_proposal(tmp_path, [line])
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "approved_for_payment.csv.pending", "approved_for_payment.xlsx.pending"]
    publish_payment_proposal(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "approved_for_payment.csv", "approved_for_payment.xlsx"]
