"""The batch path agrees with the per-invoice path, invoice by invoice, on generated batches
with partial deliveries, credit notes, duplicates, closed orders and over-precise values."""

from __future__ import annotations

import gc
import re
from datetime import date
from decimal import Decimal
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finrpa.matching import (
    InvoiceTable,
    MatchLedger,
    ReasonCode,
    ReasonDetail,
    ToleranceProfile,
    _batch_checks,
    default_profile,
    match_batch,
    record_batch,
)
from finrpa.matching.tolerances import parse_profile
from finrpa.steps.invoice_model import Invoice

from .builders import (
    OTHER_SUPPLIER,
    SUPPLIER,
    book_of,
    invoice,
    invoice_line,
    order_line,
    sequential,
)

D = Decimal
NUMBER = re.compile(r"-?\d+\.\d+")
ORDER_PRICES = {1: "10.00", 2: "4.95", 3: "10.00"}
NUMBERS = ["1", "2", "3", "03", "A-1", "A1", "12", "13", "14"]


def _rare(draw: st.DrawFn, usual: object, *unusual: object) -> object:
    """``usual`` nine times out of ten, else one of ``unusual``."""
    return draw(st.sampled_from([usual] * (9 * len(unusual)) + list(unusual)))


def _book(draw: st.DrawFn):
    ordered = [str(draw(st.integers(0, 10))) for _ in range(3)]
    lines = [
        order_line(1, ordered[0]),
        order_line(2, ordered[1], "4.95"),
        order_line(3, ordered[2], unit=draw(st.sampled_from(["PCE", "h"]))),
        order_line(1, "5", po="PO-2", status=draw(st.sampled_from(["open", "closed"]))),
        order_line(2, "5", po="PO-2"),
        order_line(1, "5", po="PO-3", supplier=OTHER_SUPPLIER, currency="SEK"),
        order_line(1, "5", po="PO-4", status="closed"),
    ]
    received = {("PO-1", n): str(draw(st.integers(0, 12))) for n in (1, 2, 3)}
    return book_of(lines, received)


def _line(draw: st.DrawFn, position: int):
    target = draw(st.integers(1, 3))
    price = _rare(draw, ORDER_PRICES[target], "10.20", "10.21", "9.00", "0", None, "10.00001")
    how = _rare(draw, "ref", "article", "name", "bad", "none")
    return invoice_line(
        position,
        _rare(draw, draw(st.sampled_from(["1", "2", "2.5", "4", "6"])), "0", "-1", None,
              "1.0000001"),
        price,  # type: ignore[arg-type]
        ref={"ref": str(target), "bad": draw(st.sampled_from(["9", "x", "01"]))}.get(how),
        article={"article": draw(st.sampled_from([f"A-{target}", f" a-{target} ", "zzz"]))
                 }.get(how),
        name={"name": f"  article   {target} "}.get(how),
        vat=_rare(draw, "25.5", "25.50", "24", None),  # type: ignore[arg-type]
        unit=draw(st.sampled_from(["PCE", "h"])),
        order=_rare(draw, None, "PO-2", "PO-1"),  # type: ignore[arg-type]
        base=_rare(draw, None, "2", "3"),  # type: ignore[arg-type]
    )


def _invoice(draw: st.DrawFn) -> Invoice | None:
    if draw(st.integers(0, 30)) == 0:
        return None
    count = _rare(draw, draw(st.integers(1, 3)), 0)
    lines = [_line(draw, position) for position in range(1, count + 1)]  # type: ignore[operator]
    totals = _rare(draw, None, {"gross": D("99.99")}, {"lines_net": D("1")})
    return invoice(
        *lines,
        number=draw(st.sampled_from(NUMBERS)),
        po=_rare(draw, "PO-1", "PO-2", "PO-3", "PO-4", None, "PO-X"),  # type: ignore[arg-type]
        seller=_rare(draw, SUPPLIER, OTHER_SUPPLIER, None),  # type: ignore[arg-type]
        currency=_rare(draw, "EUR", "SEK"),  # type: ignore[arg-type]
        credit=_rare(draw, False, True),  # type: ignore[arg-type]
        issued=draw(st.sampled_from([date(2024, 3, 1), date(2024, 3, 2)])),
        totals=totals,  # type: ignore[arg-type]
    )


def _profile(draw: st.DrawFn) -> ToleranceProfile:
    override = draw(st.sampled_from([
        {}, {"price_percent": "5"}, {"quantity_percent": "10"}, {"check_receipts": False},
        {"price_amount": "0.10", "service_units": ["PCE"]},
    ]))
    return parse_profile({"suppliers": {SUPPLIER: override}} if override else {})


def _ledger(draw: st.DrawFn) -> MatchLedger:
    ledger = MatchLedger()
    for line in (1, 2):
        quantity = draw(st.sampled_from(["0", "2", "0.5", "0.0000001"]))
        ledger.add_quantity("PO-1", line, D(quantity))
    if draw(st.booleans()):
        ledger.remember(invoice(invoice_line(1), number="3"))
    return ledger


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_batch_agrees_with_one_by_one(data: st.DataObject) -> None:
    draw = data.draw
    book, profile = _book(draw), _profile(draw)
    invoices = [_invoice(draw) for _ in range(draw(st.integers(1, 8)))]
    prior = _ledger(draw)
    reference_ledger = MatchLedger.from_json(prior.to_json())
    expected = sequential(invoices, book, reference_ledger, profile)

    table = InvoiceTable.from_invoices(invoices)
    batch_ledger = MatchLedger.from_json(prior.to_json())
    result = match_batch(table, book, batch_ledger, profile)

    assert [result.reason_codes(i) for i in range(len(invoices))] == [
        d.reasons for d in expected
    ]
    assert [result.status(i) for i in range(len(invoices))] == [d.status for d in expected]
    for index, decision in result.decisions.items():
        assert _explained(decision.details) == _explained(expected[index].details)
    record_batch(table, book, batch_ledger, result)
    assert _nonzero(batch_ledger) == _nonzero(reference_ledger)
    assert len(batch_ledger.seen_invoices()) == len(reference_ledger.seen_invoices())


def _explained(details: list[ReasonDetail]) -> list[tuple[str, int | None, str]]:
    """Code, line and message, numbers compared by value (1.0 = 1); a batch names an earlier
    duplicate by its batch position."""
    return [(d.code, d.line_index, NUMBER.sub(_plain, d.message.split(" (work item")[0]))
            for d in details]


def _plain(match: re.Match[str]) -> str:
    return f"{Decimal(match[0]).normalize():f}"


def _nonzero(ledger: MatchLedger) -> dict[tuple[str, int], Decimal]:
    return {key: value for key, value in ledger.invoiced_lines().items() if value != 0}


def test_matched_batch_has_no_decisions_to_explain() -> None:
    book = book_of([order_line(1)])
    table = InvoiceTable.from_invoices([invoice(invoice_line(1, "4", ref="1"))])
    result = match_batch(table, book, MatchLedger(), default_profile())
    assert result.matched.tolist() == [True]
    assert result.decisions == {}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_batches_in_a_row_agree_with_one_by_one(data: st.DataObject) -> None:
    """A robot decides its queue a batch at a time, recording each batch before the next: the
    same codes, and the same messages, as one by one (the ledger then knows more than a batch
    holds, so only the order lines and earlier invoices a batch can touch are consulted)."""
    draw = data.draw
    book, profile = _book(draw), _profile(draw)
    invoices = [_invoice(draw) for _ in range(draw(st.integers(2, 12)))]
    prior = _ledger(draw)
    for extra in range(draw(st.integers(0, 6))):  # a longer history than one batch
        prior.add_quantity(f"PO-OLD-{extra}", 1, D(1))
        prior.remember(invoice(invoice_line(1), number=f"OLD-{extra}"))
    expected = sequential(invoices, book, MatchLedger.from_json(prior.to_json()), profile)
    ledger = MatchLedger.from_json(prior.to_json())
    size = draw(st.integers(1, 3))
    decided: list[tuple[list[ReasonCode], list[tuple[str, int | None, str]]]] = []
    for start in range(0, len(invoices), size):
        chunk = invoices[start:start + size]
        table = InvoiceTable.from_invoices(chunk)
        result = match_batch(table, book, ledger, profile)
        for index in range(len(chunk)):
            details = result.decisions[index].details if index in result.decisions else []
            decided.append((result.reason_codes(index), _explained(details)))
        record_batch(table, book, ledger, result)
    assert decided == [(d.reasons, _explained(d.details) if d.reasons else [])
                       for d in expected]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_lines_matched_by_content_in_small_slices_agree(data: st.DataObject) -> None:
    """Lines without a line reference are compared with their order's rows in slices (a bound
    on memory); the smallest slices find the same rows as one slice."""
    draw = data.draw
    book = _book(draw)
    table = InvoiceTable.from_invoices([_invoice(draw) for _ in range(draw(st.integers(1, 8)))])
    whole = match_batch(table, book, MatchLedger(), default_profile(), explain=False)
    with mock.patch.object(_batch_checks, "_PAIRS", 1):
        sliced = match_batch(table, book, MatchLedger(), default_profile(), explain=False)
    assert sliced.lines.rows.tolist() == whole.lines.rows.tolist()
    assert sliced.reasons.tolist() == whole.reasons.tolist()


def test_batch_leaves_the_collector_on_and_a_caller_s_frozen_objects_frozen() -> None:
    book = book_of([order_line(1)])
    table = InvoiceTable.from_invoices([invoice(invoice_line(1, "40", ref="1"))])
    assert gc.isenabled()
    assert match_batch(table, book, MatchLedger(), default_profile()).decisions
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.freeze()  # a caller that keeps its objects out of collections
    try:
        frozen = gc.get_freeze_count()
        match_batch(table, book, MatchLedger(), default_profile())
        assert gc.get_freeze_count() == frozen and gc.isenabled()
    finally:
        gc.unfreeze()
