"""The review app's pure rules: roles, four-eyes, corrections, ageing, cursors, login limits."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from finrpa.domain.calendar import BusinessCalendar
from finrpa.queue.records import ItemEvent
from finrpa.review.ageing import age_cutoff, business_age, created_before
from finrpa.review.approvals import (
    AcceptStep,
    Approval,
    FourEyesPolicy,
    Person,
    accept_step,
    correctors,
    current_approval,
    require_withdrawable,
    review_round,
)
from finrpa.review.corrections import apply_corrections, editable_fields, read_path
from finrpa.review.errors import ReviewConflict, ReviewRefused
from finrpa.review.listing import Cursor, ReviewFilter, Sort, decode_cursor, encode_cursor
from finrpa.review.logins import LoginPolicy
from finrpa.review.roles import Permission, Role, allows, is_robot

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HELSINKI = ZoneInfo("Europe/Helsinki")


def event(event_id: int, action: str, actor: str = "robot:x", to_state: str | None = None,
          detail: dict[str, object] | None = None) -> ItemEvent:
    return ItemEvent(id=event_id, item_id=1, at=AT, actor=actor, action=action,
                     to_state=to_state, detail=detail)


def approval(actor: str, round_id: int = 3, status: str = "pending") -> Approval:
    return Approval(id=1, item_id=1, round_event_id=round_id, actor=actor, at=AT, note=None,
                    status=status)


# -- roles ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "permission", "expected"), [
    (Role.REVIEWER, Permission.DECIDE, True),
    (Role.REVIEWER, Permission.SECOND_APPROVAL, False),
    (Role.APPROVER, Permission.SECOND_APPROVAL, True),
    (Role.OPS, Permission.DECIDE, False),
    (Role.OPS, Permission.RETRY, True),
    (Role.REVIEWER, Permission.SEE_FAILED, False),
    (Role.ADMIN, Permission.MANAGE_USERS, True),
    (Role.ADMIN, Permission.SECOND_APPROVAL, False),
    (Role.ROBOT, Permission.VIEW, True),
    (Role.ROBOT, Permission.DECIDE, False),
])
def test_role_permissions(role: Role, permission: Permission, expected: bool) -> None:
    assert allows(role, permission, "someone") is expected


def test_a_robot_never_decides_whatever_its_role() -> None:
    assert is_robot("robot:invoices") and is_robot("x", Role.ROBOT) and not is_robot("riikka")
    assert not allows(Role.APPROVER, Permission.DECIDE, "robot:invoices")
    assert not allows(Role.ADMIN, Permission.COMMENT, "robot:invoices")
    assert allows(Role.APPROVER, Permission.VIEW, "robot:invoices")


# -- four-eyes -----------------------------------------------------------------------------

def test_four_eyes_applies_above_the_limit_and_to_other_currencies() -> None:
    policy = FourEyesPolicy(Decimal("10000.00"), "EUR")
    assert not policy.applies(Decimal("10000.00"), "EUR")
    assert policy.applies(Decimal("10000.01"), "EUR")
    assert policy.applies(Decimal("10000.01"), None)  # no currency: the limit's
    assert policy.applies(Decimal("5.00"), "SEK")  # no exchange rates: two people
    assert not policy.applies(None, "EUR")


def test_accept_steps() -> None:
    riikka, aino = Person("riikka", Role.REVIEWER), Person("aino", Role.APPROVER)
    assert accept_step(riikka, False, None, frozenset()) is AcceptStep.ACCEPT
    assert accept_step(riikka, True, None, frozenset()) is AcceptStep.FIRST_APPROVAL
    assert accept_step(aino, True, approval("riikka"), frozenset()) is AcceptStep.SECOND_APPROVAL


@pytest.mark.parametrize(("person", "pending", "changed_by", "code"), [
    (Person("riikka", Role.REVIEWER), "aino", frozenset(), "approver_required"),
    (Person("aino", Role.APPROVER), "aino", frozenset(), "same_person"),
    (Person("aino", Role.APPROVER), None, frozenset({"aino"}), "corrector_cannot_approve"),
    (Person("aino", Role.APPROVER), "riikka", frozenset({"aino"}), "corrector_cannot_approve"),
    (Person("olli", Role.OPS), None, frozenset(), "not_permitted"),
    (Person("robot:x", Role.APPROVER), None, frozenset(), "robot_cannot_decide"),
    (Person("botti", Role.ROBOT), None, frozenset(), "robot_cannot_decide"),
])
def test_accept_refusals(person: Person, pending: str | None, changed_by: frozenset[str],
                         code: str) -> None:
    with pytest.raises(ReviewRefused) as refused:
        accept_step(person, True, approval(pending) if pending else None, changed_by)
    assert refused.value.code == code


def test_rounds_and_correctors_come_from_the_history() -> None:
    history = [
        event(1, "enqueue", to_state="pending"),
        event(2, "business_exception", to_state="needs_review"),
        event(3, "requeue", "riikka", "pending", {"changes": {"invoice": [1, 2]}}),
        event(4, "requeue", "rasmus", "pending", {"note": "as is"}),
        event(5, "business_exception", to_state="needs_review"),
        event(6, "comment", "aino", detail={"text": "hm"}),
    ]
    assert review_round(history) == 5
    assert correctors(history) == frozenset({"riikka"})
    assert current_approval(approval("aino", round_id=5), 5) is not None
    assert current_approval(approval("aino", round_id=2), 5) is None  # an earlier stay
    assert current_approval(approval("aino", round_id=5, status="completed"), 5) is None


def test_only_the_author_withdraws_an_approval() -> None:
    pending = approval("aino")
    assert require_withdrawable(Person("aino", Role.APPROVER), pending) is pending
    with pytest.raises(ReviewRefused):
        require_withdrawable(Person("antti", Role.APPROVER), pending)
    with pytest.raises(ReviewConflict):
        require_withdrawable(Person("aino", Role.APPROVER), None)


# -- corrections ---------------------------------------------------------------------------

PAYLOAD = {"invoice": {"order_reference": "PO-1", "lines": [{"qty": 2}], "paid": False},
           "note": None}


def test_editable_fields_read_dotted_paths() -> None:
    fields = editable_fields(PAYLOAD, ["invoice.order_reference", "invoice.lines.0.qty",
                                       "invoice.paid", "missing.path"])
    assert [(f.path, f.value) for f in fields] == [
        ("invoice.order_reference", "PO-1"), ("invoice.lines.0.qty", "2"),
        ("invoice.paid", "false"), ("missing.path", "")]
    assert read_path(PAYLOAD, "invoice.lines.5.qty") is None


def test_corrections_change_only_declared_paths_and_keep_types() -> None:
    paths = ["invoice.order_reference", "invoice.lines.0.qty", "note"]
    corrected, changed = apply_corrections(
        PAYLOAD, paths, {"invoice.order_reference": " PO-2002 ", "invoice.lines.0.qty": "3",
                         "note": ""})
    assert corrected["invoice"]["order_reference"] == "PO-2002"
    assert corrected["invoice"]["lines"][0]["qty"] == 3
    assert changed == {"invoice.order_reference": ("PO-1", "PO-2002"),
                       "invoice.lines.0.qty": (2, 3)}
    assert PAYLOAD["invoice"]["order_reference"] == "PO-1"  # the original is untouched
    with pytest.raises(ReviewRefused) as refused:
        apply_corrections(PAYLOAD, paths, {"invoice.paid": "true"})
    assert refused.value.code == "field_not_editable"


# -- ageing --------------------------------------------------------------------------------

def test_age_counts_finnish_business_days() -> None:
    calendar = BusinessCalendar.finland()
    # Friday 2026-12-04 to Tuesday 2026-12-08: Fri, (Sat, Sun), Mon; Independence Day is a Sunday
    assert business_age(calendar, date(2026, 12, 4), date(2026, 12, 8)) == 2
    assert business_age(calendar, date(2026, 12, 8), date(2026, 12, 8)) == 0
    # 2026-12-24..26 are closed: Thursday 23rd to Monday 28th is one business day (23rd)
    assert business_age(calendar, date(2026, 12, 23), date(2026, 12, 28)) == 1
    assert age_cutoff(calendar, date(2026, 12, 28), 1) == date(2026, 12, 23)
    assert age_cutoff(calendar, date(2026, 12, 28), 0) is None
    for days in range(1, 30):
        cutoff = age_cutoff(calendar, date(2026, 12, 28), days)
        assert cutoff is not None
        assert business_age(calendar, cutoff, date(2026, 12, 28)) >= days
        assert business_age(calendar, cutoff + timedelta(days=1), date(2026, 12, 28)) < days


def test_created_before_is_local_midnight_after_the_cutoff() -> None:
    calendar = BusinessCalendar.finland()
    now = datetime(2026, 12, 28, 10, 0, tzinfo=HELSINKI)
    assert created_before(calendar, now, 1, HELSINKI) == datetime(2026, 12, 24, 0, 0,
                                                                  tzinfo=HELSINKI)
    assert created_before(calendar, now, 0, HELSINKI) is None


# -- listing filters and cursors -----------------------------------------------------------

def test_filter_ignores_blank_form_fields_and_round_trips_as_params() -> None:
    flt = ReviewFilter.model_validate({"q": "", "amount_min": " ", "reason": "PRICE_VARIANCE",
                                       "overdue": "1", "sort": "due"})
    assert flt.q is None and flt.amount_min is None and flt.overdue
    assert flt.params() == {"reason": "PRICE_VARIANCE", "overdue": "1", "sort": "due"}
    assert ReviewFilter.model_validate(flt.params()) == flt


@pytest.mark.parametrize(("sort", "cursor"), [
    (Sort.OLDEST, Cursor(0, None, 17)),
    (Sort.AMOUNT_DESC, Cursor(0, 1_250_000, 3)),
    (Sort.SUPPLIER, Cursor(0, "åbo papper ab", 9)),
    (Sort.DUE, Cursor(0, datetime(2026, 3, 2, 10, 0, tzinfo=UTC), 5)),
    (Sort.DUE, Cursor(1, None, 5)),
])
def test_cursors_round_trip(sort: Sort, cursor: Cursor) -> None:
    assert decode_cursor(sort, encode_cursor(sort, cursor)) == cursor


def test_foreign_or_broken_cursors_start_from_the_top() -> None:
    token = encode_cursor(Sort.AMOUNT_DESC, Cursor(0, 100, 1))
    assert decode_cursor(Sort.SUPPLIER, token) is None
    for broken in ("", "!!!", "bm90IGpzb24", token[:-3]):
        assert decode_cursor(Sort.AMOUNT_DESC, broken) is None


def test_login_policy_blocks_at_the_limits() -> None:
    policy = LoginPolicy(per_name=5, per_address=20)
    assert not policy.blocked(4, 19)
    assert policy.blocked(5, 0) and policy.blocked(0, 20)
