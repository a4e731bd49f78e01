"""A batch's matched invoices: explanation and ledger entry as one-by-one matching gives them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from finrpa.matching import InvoiceTable, MatchLedger, default_profile, match_batch
from finrpa.matching.ledger import ledger_entry
from finrpa.matching.outcomes import matched_outcome

from .builders import book_of, invoice, invoice_line, order_line, sequential


def _numbers_by_value(entry: dict) -> dict:
    lines = [{**line, "quantity": Decimal(line["quantity"])} for line in entry["lines"]]
    identity = {**entry["identity"], "gross": Decimal(entry["identity"]["gross"])}
    return {**entry, "lines": lines, "identity": identity}


def test_matched_outcome_says_what_match_invoice_says() -> None:
    book = book_of([order_line(1, quantity="10"), order_line(2, quantity="10")])
    invoices = [
        invoice(invoice_line(1, "4", ref="1"), invoice_line(2, "2.50", ref="2"), number="A-1"),
        invoice(invoice_line(1, "3", ref="1"), number="A-2"),
        invoice(invoice_line(1, "1", ref="1"), number="A-3", credit=True),
        invoice(invoice_line(1, "99", ref="1"), number="A-4"),  # over the order: review
    ]
    expected = sequential(invoices, book, MatchLedger(), default_profile())
    table = InvoiceTable.from_invoices(invoices, item_refs=["11", "12", "13", "14"])
    result = match_batch(table, book, MatchLedger(), default_profile())
    for index, decision in enumerate(expected[:3]):
        assert decision.status == "matched"
        outcome = matched_outcome(table, book, result, index, f"1{index + 1}")
        assert outcome.explanation == decision.explanation
        assert _numbers_by_value(outcome.ledger_entry) == _numbers_by_value(
            ledger_entry(decision, f"1{index + 1}"))
    assert expected[3].status == "exception"
    with pytest.raises(ValueError, match="did not match"):
        matched_outcome(table, book, result, 3)
