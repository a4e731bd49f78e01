"""The match ledger: counted quantities, remembered invoices, persistence in work items."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from finrpa.matching import MatchLedger, default_profile, ledger_entry, match_invoice

from .builders import PO, SUPPLIER, book_of, invoice, invoice_line, order_line

BOOK = book_of([order_line(1), order_line(2)])


def _decide(item, ledger: MatchLedger):
    return match_invoice(item, BOOK, ledger, default_profile())


def test_record_counts_matched_and_accepted_only() -> None:
    ledger = MatchLedger()
    matched = _decide(invoice(invoice_line(1, "4", ref="1")), ledger)
    exception = _decide(invoice(invoice_line(2, "3", "12.00", ref="2")), ledger)
    ledger.record(matched)
    with pytest.raises(ValueError, match="only a matched decision"):
        ledger.record(exception)
    ledger.record(exception, accepted=True)
    assert ledger.invoiced_lines() == {(PO, 1): Decimal(4), (PO, 2): Decimal(3)}


def test_credit_note_subtracts() -> None:
    ledger = MatchLedger()
    ledger.record(_decide(invoice(invoice_line(1, "4", ref="1")), ledger))
    ledger.record(_decide(invoice(invoice_line(1, "-1", ref="1"), credit=True), ledger))
    assert ledger.invoiced(PO, 1) == Decimal(3)
    assert ledger.invoiced(PO, 2) == 0


def test_entries_rebuild_the_ledger() -> None:
    ledger = MatchLedger()
    first = invoice(invoice_line(1, "4", ref="1"), number="A1")
    rejected = invoice(invoice_line(1, "2", "99.00", ref="1"), number="A2")
    accepted = invoice(invoice_line(2, "5", "99.00", ref="2"), number="A3")
    entries = []
    for ref, item in (("i1", first), ("i2", rejected), ("i3", accepted)):
        decision = _decide(item, ledger)
        entries.append(json.loads(json.dumps(ledger_entry(decision, item_ref=ref))))
    entries[2]["accepted"] = True
    assert [e["status"] for e in entries] == ["matched", "exception", "exception"]
    rebuilt = MatchLedger.from_entries(entries)
    assert rebuilt.invoiced_lines() == {(PO, 1): Decimal(4), (PO, 2): Decimal(5)}
    assert [s.item_ref for s in rebuilt.seen_invoices()] == ["i1", "i2", "i3"]
    assert rebuilt.seen(SUPPLIER, "A2", rejected.totals.gross, rejected.invoice_date)


def test_json_round_trip() -> None:
    ledger = MatchLedger()
    ledger.add_quantity(PO, 1, Decimal("2.5"))
    ledger.remember(invoice(invoice_line(1), number="X-1"), item_ref="7")
    copy = MatchLedger.from_json(ledger.to_json())
    assert copy.invoiced_lines() == ledger.invoiced_lines()
    assert copy.seen_invoices() == ledger.seen_invoices()


def test_seen_uses_the_duplicate_rule() -> None:
    ledger = MatchLedger()
    item = invoice(invoice_line(1), number="INV-0042", issued=date(2024, 5, 2))
    ledger.remember(item)
    gross = item.totals.gross
    assert ledger.seen(SUPPLIER, "INV-0042", Decimal("1"), date(2024, 1, 1))
    assert ledger.seen("FI" + SUPPLIER.replace("-", ""), "INV0042", gross, date(2024, 5, 2))
    assert not ledger.seen(SUPPLIER, "INV0042", gross + 1, date(2024, 5, 2))
    assert not ledger.seen(SUPPLIER, "INV-0042", gross, date(2024, 5, 2), credit_note=True)
