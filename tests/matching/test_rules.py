"""match_invoice: every rule and every reason code, on real Invoice models."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from finrpa.domain.calendar import BusinessCalendar
from finrpa.domain.findings import Finding, Severity
from finrpa.matching import (
    REASON_DESCRIPTIONS,
    MatchLedger,
    ReasonCode,
    default_profile,
    due_for_review,
    match_invoice,
)
from finrpa.matching.rules import amount
from finrpa.matching.tolerances import parse_profile
from finrpa.steps.invoice_model import Payment, ReferenceScheme

from .builders import (
    OTHER_SUPPLIER,
    PO,
    SUPPLIER,
    book_of,
    invoice,
    invoice_line,
    order_line,
)

D = Decimal
R = ReasonCode
BOOK = book_of([order_line(1), order_line(2, "5", "4.00"), order_line(3, "8", unit="h")],
               {("PO-1", 3): "0"})


def _reasons(item, book=BOOK, ledger=None, profile=None, findings=()) -> list[ReasonCode]:
    decision = match_invoice(item, book, ledger or MatchLedger(), profile or default_profile(),
                             findings)
    assert (decision.status == "matched") == (decision.reasons == [])
    return decision.reasons


def test_every_code_is_described() -> None:
    assert set(REASON_DESCRIPTIONS) == set(ReasonCode)
    assert all(code.value == code.name for code in ReasonCode)


def test_clean_invoice_matches_with_evidence_and_explanation() -> None:
    decision = match_invoice(
        invoice(invoice_line(1, "6", ref="1"), invoice_line(2, "5", "4.00", ref="2")),
        BOOK, MatchLedger(), default_profile())
    assert decision.status == "matched" and decision.reasons == [] and decision.details == []
    assert [(m.matched_by, m.invoiced_quantity, m.cumulative_invoiced, m.received)
            for m in decision.line_matches] == [("line_reference", D(6), D(6), D(10)),
                                                 ("line_reference", D(5), D(5), D(5))]
    assert "matched (2 line(s) within tolerances)" in decision.explanation
    json.dumps(decision.evidence)  # JSON-ready
    line = decision.evidence["lines"][0]
    assert line["order_line"]["unit_price"] == "10.00"
    assert line["invoice_line"]["unit_price"] == "10.00"
    assert line["reasons"] == [] and decision.evidence["reasons"] == []
    assert line["receipt"] == {"quantity": "10", "checked": True}
    assert line["tolerance"] == {"price_percent": "2", "price_amount": "20.00",
                                 "quantity_percent": "0"}


# -- reading and content -----------------------------------------------------------------------


def test_no_invoice_is_unreadable() -> None:
    broken = Finding(code="XML_MALFORMED", message="not XML", source="in/x.xml")
    decision = match_invoice(None, BOOK, MatchLedger(), default_profile(), [broken])
    assert decision.reasons == [R.UNREADABLE]
    assert decision.details[0].message == "in/x.xml: not XML [XML_MALFORMED]"
    assert match_invoice(None, BOOK, MatchLedger(), default_profile()).reasons == [R.UNREADABLE]


def test_read_error_findings_are_invalid_invoice_and_warnings_are_ignored() -> None:
    due = Finding(code="INVALID_DATE", message="'20240230' is not a valid date")
    note = Finding(code="CURRENCY_ASSUMED", message="EUR assumed", severity=Severity.WARNING)
    item = invoice(invoice_line(1, ref="1"))
    assert _reasons(item, findings=[due, note]) == [R.INVALID_INVOICE]
    assert _reasons(item, findings=[note]) == []


def test_line_without_quantity_or_price_and_invoice_without_lines_are_invalid() -> None:
    assert _reasons(invoice(invoice_line(1, None, ref="1"))) == [R.INVALID_INVOICE]
    assert _reasons(invoice(invoice_line(1, "1", None, ref="1"))) == [R.INVALID_INVOICE]
    assert _reasons(invoice()) == [R.INVALID_INVOICE]


def test_invalid_business_id() -> None:
    book = book_of([order_line(1, supplier="1234567-8")])
    assert _reasons(invoice(invoice_line(1, ref="1"), seller="1234567-8"), book) == [
        R.INVALID_BUSINESS_ID]


def test_invalid_bank_account_and_payment_reference() -> None:
    base = invoice(invoice_line(1, ref="1"))
    iban = base.payment.iban or ""
    bad_iban = iban[:-1] + str((int(iban[-1]) + 1) % 10)
    payment = Payment(iban=bad_iban, reference="1233", reference_scheme=ReferenceScheme.FI_NATIONAL)
    item = base.model_copy(update={"payment": payment, "seller": base.seller.model_copy(
        update={"bank_accounts": []})})
    assert _reasons(item) == [R.INVALID_BANK_ACCOUNT, R.INVALID_PAYMENT_REFERENCE]


# -- order ------------------------------------------------------------------------------------


def test_order_reference_missing_unknown_or_from_the_lines() -> None:
    assert _reasons(invoice(invoice_line(1, ref="1"), po=None)) == [R.NO_ORDER_REFERENCE]
    assert _reasons(invoice(invoice_line(1, ref="1"), po="PO-9")) == [R.ORDER_NOT_FOUND]
    assert _reasons(invoice(invoice_line(1, ref="1", order=PO), po=None)) == []


def test_closed_order_and_closed_line() -> None:
    book = book_of([order_line(1, status="closed"), order_line(2)])
    assert _reasons(invoice(invoice_line(2, ref="2")), book) == []
    assert _reasons(invoice(invoice_line(1, ref="1")), book) == [R.ORDER_CLOSED]
    closed = book_of([order_line(1, status="closed")])
    decision = match_invoice(invoice(invoice_line(1, ref="1")), closed, MatchLedger(),
                             default_profile())
    assert decision.reasons == [R.ORDER_CLOSED]
    assert [d.message for d in decision.details] == ["order PO-1 is closed"]


def test_supplier_compared_in_any_business_id_form() -> None:
    vat_id = "FI" + SUPPLIER.replace("-", "")
    as_vat_id = book_of([order_line(1, supplier=vat_id)])
    assert _reasons(invoice(invoice_line(1, ref="1")), as_vat_id) == []
    assert _reasons(invoice(invoice_line(1, ref="1"), seller=OTHER_SUPPLIER)) == [
        R.SUPPLIER_MISMATCH]


def test_currency_mismatch() -> None:
    assert _reasons(invoice(invoice_line(1, ref="1"), currency="SEK")) == [R.CURRENCY_MISMATCH]


# -- lines ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "how"),
    [
        (invoice_line(1, ref="2", article="A-1"), "line_reference"),
        (invoice_line(1, article="  a-1 "), "article_id"),
        (invoice_line(1, article="SUPPLIER-CODE", name="ARTICLE   1"), "description_price"),
    ],
)
def test_lines_match_by_reference_then_article_then_description(line, how) -> None:
    decision = match_invoice(invoice(line), BOOK, MatchLedger(), default_profile())
    assert decision.line_matches[0].matched_by == how
    assert decision.evidence["lines"][0]["matched_by"] == how


@pytest.mark.parametrize(
    "line",
    [
        invoice_line(1, ref="9"),
        invoice_line(1, ref="ten"),
        invoice_line(1, article="NOPE"),
        invoice_line(1, "1", "10.50", name="Article 1"),  # description matches, price does not
        invoice_line(1, ref="1", order="PO-2"),
    ],
)
def test_line_not_on_order(line) -> None:
    decision = match_invoice(invoice(line), BOOK, MatchLedger(), default_profile())
    assert decision.reasons == [R.LINE_NOT_ON_ORDER]
    assert decision.line_matches[0].order_line is None
    assert decision.details[0].line_index == 0
    assert decision.evidence["lines"][0]["reasons"] == ["LINE_NOT_ON_ORDER"]


@pytest.mark.parametrize(
    ("price", "quantity", "reasons"),
    [
        ("10.20", "1", []),  # exactly 2 % above: accepted
        ("10.21", "1", [R.PRICE_VARIANCE]),  # 2.1 %
        ("9.00", "10", []),  # lower price accepted
        ("10.10", "200", []),  # 1 %, exactly 20.00 over the line: accepted
        ("10.10", "201", [R.PRICE_VARIANCE]),  # 1 %, 20.10 over the line
    ],
)
def test_price_tolerance_boundaries(price: str, quantity: str, reasons) -> None:
    book = book_of([order_line(1, "1000")])
    assert _reasons(invoice(invoice_line(1, quantity, price, ref="1")), book) == reasons


def test_price_amount_tolerance_is_per_line() -> None:
    book = book_of([order_line(1, "1000", "100.00")])
    exactly = invoice(invoice_line(1, "20", "101.00", ref="1"))  # 1 %, 20.00 over the line
    above = invoice(invoice_line(1, "21", "101.00", ref="1"))  # 1 %, 21.00 over the line
    assert _reasons(exactly, book) == []
    decision = match_invoice(above, book, MatchLedger(), default_profile())
    assert decision.reasons == [R.PRICE_VARIANCE]
    assert decision.details[0].message == (
        "line 1: unit price 101.00 is 1.0 % above the order's 100.00 (21.00 over the line); "
        "tolerance 2 % or 20.00 per line")
    assert decision.evidence["lines"][0]["differences"]["unit_price"]["line_amount"] == "21.00"


def test_price_per_base_quantity_and_credit_note_price_not_checked() -> None:
    assert _reasons(invoice(invoice_line(1, "2", "20.00", ref="1", base="2"))) == []
    assert _reasons(invoice(invoice_line(1, "2", "99.00", ref="1"), credit=True)) == []


def test_vat_rate_must_equal_the_order_line() -> None:
    assert _reasons(invoice(invoice_line(1, ref="1", vat="25.50"))) == []
    assert _reasons(invoice(invoice_line(1, ref="1", vat="24"))) == [R.VAT_MISMATCH]
    assert _reasons(invoice(invoice_line(1, ref="1", vat=None))) == [R.VAT_MISMATCH]


@pytest.mark.parametrize(
    ("totals", "reasons"),
    [
        ({"gross": D("12.60")}, []),  # 0.05 off: within tolerance
        ({"gross": D("12.61")}, [R.TOTAL_MISMATCH]),
        ({"lines_net": D("9.90")}, [R.TOTAL_MISMATCH]),
        ({"vat": D("2.40"), "gross": D("12.40")}, [R.TOTAL_MISMATCH]),  # line VAT is 2.55
    ],
)
def test_header_totals_against_the_lines(totals, reasons) -> None:
    assert _reasons(invoice(invoice_line(1, ref="1"), totals=totals)) == reasons  # 10 + 2.55


# -- quantities -------------------------------------------------------------------------------


def _run(*items, book=BOOK, ledger=None, profile=None) -> list[list[ReasonCode]]:
    ledger = ledger or MatchLedger()
    outcome = []
    for item in items:
        decision = match_invoice(item, book, ledger, profile or default_profile())
        ledger.remember(item)
        if decision.matched:
            ledger.record(decision)
        outcome.append(decision.reasons)
    return outcome


def test_partial_deliveries_add_up_across_invoices() -> None:
    first, second, third = (invoice(invoice_line(1, q, ref="1"), number=n)
                            for q, n in (("6", "1"), ("4", "2"), ("2", "3")))
    assert _run(first, second, third) == [
        [], [], [R.QUANTITY_EXCEEDS_ORDER, R.QUANTITY_EXCEEDS_RECEIPT]]


def test_exception_invoices_do_not_use_up_the_order_until_accepted() -> None:
    ledger = MatchLedger()
    priced = invoice(invoice_line(1, "6", "11.00", ref="1"), number="1")
    decision = match_invoice(priced, BOOK, ledger, default_profile())
    assert decision.reasons == [R.PRICE_VARIANCE]
    assert ledger.invoiced(PO, 1) == 0
    ledger.record(decision, accepted=True)
    assert ledger.invoiced(PO, 1) == 6
    assert _run(invoice(invoice_line(1, "6", ref="1"), number="2"), ledger=ledger) == [
        [R.QUANTITY_EXCEEDS_ORDER, R.QUANTITY_EXCEEDS_RECEIPT]]


def test_receipt_limits_goods_and_service_lines_skip_it() -> None:
    short = book_of([order_line(1), order_line(3, "8", unit="h")], {("PO-1", 1): "5"},
                    receive_all=False)
    assert _reasons(invoice(invoice_line(1, "6", ref="1")), short) == [
        R.QUANTITY_EXCEEDS_RECEIPT]
    assert _reasons(invoice(invoice_line(3, "8", ref="3", unit="h")), short) == []
    no_receipts = parse_profile({"default": {"check_receipts": False}})
    assert _reasons(invoice(invoice_line(1, "6", ref="1")), short, profile=no_receipts) == []


def test_over_delivery_allowance() -> None:
    profile = parse_profile({"default": {"quantity_percent": 10}})
    book = book_of([order_line(1)], {("PO-1", 1): "20"})
    assert _reasons(invoice(invoice_line(1, "11", ref="1")), book, profile=profile) == []
    assert _reasons(invoice(invoice_line(1, "11.01", ref="1")), book, profile=profile) == [
        R.QUANTITY_EXCEEDS_ORDER]


def test_two_lines_on_one_order_line_add_up() -> None:
    item = invoice(invoice_line(1, "6", ref="1"), invoice_line(2, "5", ref="1"))
    decision = match_invoice(item, BOOK, MatchLedger(), default_profile())
    assert decision.reasons == [R.QUANTITY_EXCEEDS_ORDER, R.QUANTITY_EXCEEDS_RECEIPT]
    assert [m.cumulative_invoiced for m in decision.line_matches] == [D(6), D(11)]


@pytest.mark.parametrize("stated", ["4", "-4"])
def test_credit_note_gives_quantity_back_whatever_its_sign(stated: str) -> None:
    ledger = MatchLedger()
    full = invoice(invoice_line(1, "10", ref="1"), number="1")
    credit = invoice(invoice_line(1, stated, ref="1"), number="C1", credit=True)
    more = invoice(invoice_line(1, "4", ref="1"), number="2")
    assert _run(full, credit, more, ledger=ledger) == [[], [], []]
    assert ledger.invoiced(PO, 1) == 10


# -- duplicates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("earlier", "later", "duplicate"),
    [
        ({"number": "INV-7"}, {"number": "INV-7", "issued": date(2024, 4, 1)}, True),
        ({"number": "INV-007"}, {"number": "INV007"}, True),  # normalised equal
        ({"number": "INV-007"}, {"number": "INV-008"}, True),  # one edit apart, same amount
        ({"number": "INV-007"}, {"number": "INV-008", "issued": date(2024, 4, 1)}, False),
        ({"number": "INV-7"}, {"number": "INV-7", "seller": OTHER_SUPPLIER}, False),
        ({"number": "INV-7"}, {"number": "INV-7", "credit": True}, False),
    ],
)
def test_duplicates(earlier, later, duplicate: bool) -> None:
    ledger = MatchLedger()
    ledger.remember(invoice(invoice_line(1, ref="1"), **earlier), item_ref="item-1")
    decision = match_invoice(invoice(invoice_line(1, ref="1"), **later), BOOK, ledger,
                             default_profile())
    assert (R.DUPLICATE_INVOICE in decision.reasons) == duplicate
    if duplicate:
        assert decision.evidence["header"]["duplicate_of"]["item_ref"] == "item-1"


def test_several_codes_on_one_invoice_in_report_order() -> None:
    item = invoice(invoice_line(1, "12", "11.00", ref="1", vat="24"), invoice_line(2, ref="9"),
                   currency="SEK", totals={"gross": D("1")})
    decision = match_invoice(item, BOOK, MatchLedger(), default_profile())
    assert decision.reasons == [
        R.LINE_NOT_ON_ORDER, R.PRICE_VARIANCE, R.QUANTITY_EXCEEDS_ORDER,
        R.QUANTITY_EXCEEDS_RECEIPT, R.VAT_MISMATCH, R.TOTAL_MISMATCH, R.CURRENCY_MISMATCH]
    assert decision.explanation.splitlines()[0].startswith("Invoice 1001 of ")
    assert len(decision.explanation.splitlines()) == 1 + len(decision.details)


def test_supplier_override_applies_to_that_supplier_only() -> None:
    profile = parse_profile({"suppliers": {"FI" + SUPPLIER.replace("-", ""):
                                           {"price_percent": "5"}}})
    other = book_of([order_line(1, supplier=OTHER_SUPPLIER)])
    four_percent = invoice_line(1, "1", "10.40", ref="1")
    assert _reasons(invoice(four_percent), profile=profile) == []
    assert _reasons(invoice(four_percent, seller=OTHER_SUPPLIER), other, profile=profile) == [
        R.PRICE_VARIANCE]


def test_match_invoice_does_not_change_the_ledger() -> None:
    ledger = MatchLedger()
    match_invoice(invoice(invoice_line(1, "4", ref="1")), BOOK, ledger, default_profile())
    assert ledger.invoiced_lines() == {} and ledger.seen_invoices() == []


def test_due_for_review_is_lead_business_days_before_due() -> None:
    calendar = BusinessCalendar.finland()
    # Christmas Eve, Christmas Day and Boxing Day are closed: Mon 23rd, Fri 20th, Thu 19th
    assert due_for_review(date(2024, 12, 27), calendar, 3) == date(2024, 12, 19)
    assert due_for_review(date(2024, 6, 3), calendar, 0) == date(2024, 6, 3)


def test_amounts_are_shown_as_their_own_text_says() -> None:
    # The cache behind amount() must not confuse Decimals that are equal but print differently.
    for text, shown in (("-0", "-0"), ("0", "0"), ("0.000", "0"), ("1.0", "1"), ("1", "1"),
                        ("2.50", "2.5"), ("1E+1", "10"), ("-0.0", "-0"), ("1.0", "1")):
        assert amount(D(text)) == shown
