"""The queue's contract, run against SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from finrpa.db.engine import make_engine
from finrpa.domain.items import ItemAction, ItemState
from finrpa.errors import InvalidTransition, ItemNotFound, LeaseLost, QueueError
from finrpa.queue.payloads import InvalidPayload, PayloadJson
from finrpa.queue.records import ItemOutcome, NewItem, QueueConfig
from finrpa.queue.sql import SqlQueueStore


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(database_url: str, clock: FakeClock) -> Iterator[SqlQueueStore]:
    engine = make_engine(database_url)
    queue_store = SqlQueueStore(engine, clock=clock, reap_interval_s=0)
    queue_store.configure_queue(
        QueueConfig(name="invoices", max_attempts=3, base_delay_s=60, lease_seconds=30)
    )
    yield queue_store
    engine.dispose()


def add(store: SqlQueueStore, key: str | None = None, **payload: object) -> int:
    new_item = NewItem(payload=payload or {"n": key}, business_key=key)
    return store.enqueue("invoices", new_item).item.id


def test_same_business_key_is_one_item(store: SqlQueueStore) -> None:
    first = store.enqueue("invoices", NewItem(payload={"a": 1}, business_key="INV-1"))
    second = store.enqueue("invoices", NewItem(payload={"a": 2}, business_key="INV-1"))
    assert first.created and not second.created
    assert second.item.id == first.item.id
    assert second.item.payload == {"a": 1}
    # the same key in another queue is another item
    other = store.enqueue("other", NewItem(payload={}, business_key="INV-1"))
    assert other.created and other.item.id != first.item.id


def test_enqueue_many_keeps_input_order_and_reports_repeats(store: SqlQueueStore) -> None:
    add(store, "K2")
    results = store.enqueue_many(
        "invoices",
        [NewItem(payload={"i": i}, business_key=key) for i, key in
         enumerate(["K1", "K2", None, "K3", "K1"])],
    )
    assert [r.created for r in results] == [True, False, True, True, False]
    assert [r.item.business_key for r in results] == ["K1", "K2", None, "K3", "K1"]
    assert results[4].item.id == results[0].item.id
    assert results[2].item.payload == {"i": 2}
    assert store.count("invoices", ItemState.PENDING) == 4


def test_claim_order_priority_then_age(store: SqlQueueStore) -> None:
    low = add(store, "low")
    high = store.enqueue("invoices", NewItem(payload={}, business_key="high", priority=5)).item.id
    later = add(store, "later")
    claimed = store.claim("invoices", "w1", limit=3)
    assert [item.id for item in claimed] == [high, low, later]
    assert all(item.state is ItemState.IN_PROGRESS and item.lease_owner == "w1" for item in claimed)
    assert store.claim("invoices", "w2") == []


def test_only_the_lease_owner_finishes_an_item(store: SqlQueueStore) -> None:
    item_id = add(store, "a")
    store.claim("invoices", "w1")
    for finish in (store.complete, store.release, store.extend_lease):
        with pytest.raises(LeaseLost):
            finish(item_id, "w2", *([10] if finish == store.extend_lease else []))
    with pytest.raises(LeaseLost):
        store.fail_business(item_id, "w2", "X", "y")
    store.complete(item_id, "w1")
    assert store.get(item_id).state is ItemState.DONE
    with pytest.raises(LeaseLost):
        store.complete(item_id, "w1")
    with pytest.raises(ItemNotFound):
        store.complete(999_999, "w1")


def test_application_exception_backs_off_then_parks(store: SqlQueueStore, clock: FakeClock) -> None:
    item_id = add(store, "flaky")
    for attempt in (1, 2):
        (item,) = store.claim("invoices", "w1")
        assert item.attempts == attempt
        state = store.fail_application(item_id, "w1", "ERP_DOWN", "ERP timed out")
        assert state is ItemState.PENDING
        assert store.claim("invoices", "w1") == []  # not before the backoff delay
        clock.advance(60 * 2 ** (attempt - 1))
    store.claim("invoices", "w1")
    assert store.fail_application(item_id, "w1", "ERP_DOWN", "again") is ItemState.FAILED
    parked = store.get(item_id)
    assert (parked.state, parked.attempts, parked.reason_code) == (ItemState.FAILED, 3, "ERP_DOWN")
    clock.advance(10_000)
    assert store.claim("invoices", "w1") == []
    retried = store.decide(item_id, ItemAction.RETRY, "ops-anna", "ERP is back")
    assert retried.state is ItemState.PENDING and retried.attempts == 0
    assert [item.id for item in store.claim("invoices", "w1")] == [item_id]


def test_business_exception_waits_for_people(store: SqlQueueStore, clock: FakeClock) -> None:
    item_id = add(store, "bad")
    store.claim("invoices", "w1")
    evidence = {"invoice_line": {"price": "12.00"}, "order_line": {"price": "10.00"}}
    state = store.fail_business(item_id, "w1", "PRICE_VARIANCE", "price 20 % over", evidence)
    assert state is ItemState.NEEDS_REVIEW
    clock.advance(100_000)
    assert store.claim("invoices", "w1") == []  # never retried automatically
    item = store.get(item_id)
    assert (item.reason_code, item.message, item.evidence) == (
        "PRICE_VARIANCE", "price 20 % over", evidence)
    assert item.lease_owner is None


@pytest.mark.parametrize(
    ("action", "note", "expected"),
    [(ItemAction.ACCEPT, "price agreed by phone", ItemState.DONE),
     (ItemAction.REJECT, "wrong supplier", ItemState.REJECTED),
     (ItemAction.REQUEUE, "order fixed", ItemState.PENDING)],
)
def test_decisions_are_recorded_with_who_and_why(
    store: SqlQueueStore, action: ItemAction, note: str, expected: ItemState
) -> None:
    item_id = add(store, "x")
    store.claim("invoices", "w1")
    store.fail_business(item_id, "w1", "ORDER_NOT_FOUND", "no order 123")
    decided = store.decide(item_id, action, "reviewer-liisa", note)
    assert decided.state is expected
    last = store.events(item_id)[-1]
    assert (last.actor, last.action, last.from_state, last.to_state) == (
        "reviewer-liisa", action.value, ItemState.NEEDS_REVIEW, expected)
    assert last.detail is not None and last.detail["note"] == note


def test_reject_needs_a_reason_and_decisions_need_review_state(store: SqlQueueStore) -> None:
    item_id = add(store, "x")
    with pytest.raises(InvalidTransition):
        store.decide(item_id, ItemAction.ACCEPT, "liisa")
    store.claim("invoices", "w1")
    store.fail_business(item_id, "w1", "X", "y")
    with pytest.raises(QueueError, match="reason"):
        store.decide(item_id, ItemAction.REJECT, "liisa", "  ")


def test_correction_is_validated_by_the_queue_model_and_requeued(store: SqlQueueStore) -> None:
    store.configure_queue(QueueConfig(name="typed", payload_model=(
        "tests.contract.payload_models:InvoiceWork")))
    with pytest.raises(InvalidPayload, match="amount"):
        store.enqueue("typed", NewItem(payload={"invoice_number": "1"}))
    item = store.enqueue("typed", NewItem(payload={"invoice_number": "1", "amount": "10.50",
                                                   "order_number": "PO-9"})).item
    assert item.payload["amount"] == "10.50"
    store.claim("typed", "w1")
    store.fail_business(item.id, "w1", "ORDER_NOT_FOUND", "no PO-9")
    with pytest.raises(InvalidPayload, match="amount"):
        store.decide(item.id, ItemAction.REQUEUE, "liisa", "fix", {"invoice_number": "1",
                                                                  "amount": "ten"})
    corrected = {"invoice_number": "1", "amount": "10.50", "order_number": "PO-10"}
    requeued = store.decide(item.id, ItemAction.REQUEUE, "liisa", "order number fixed", corrected)
    assert requeued.state is ItemState.PENDING
    assert requeued.payload["order_number"] == "PO-10"
    assert store.events(item.id)[-1].detail["changes"] == {"order_number": ["PO-9", "PO-10"]}
    assert [claimed.id for claimed in store.claim("typed", "w2")] == [item.id]


def test_expired_lease_returns_item_and_counts_attempt(store: SqlQueueStore,
                                                       clock: FakeClock) -> None:
    item_id = add(store, "a")
    store.claim("invoices", "dead-worker")
    clock.advance(29)
    assert store.claim("invoices", "w2") == []
    clock.advance(2)
    (item,) = store.claim("invoices", "w2")
    assert (item.id, item.attempts) == (item_id, 2)
    with pytest.raises(LeaseLost):
        store.complete(item_id, "dead-worker")
    store.complete(item_id, "w2")
    actions = [(e.actor, e.action) for e in store.events(item_id)]
    assert actions == [("system", "enqueue"), ("dead-worker", "claim"),
                       ("system:lease-reaper", "lease_expired"), ("w2", "claim"),
                       ("w2", "complete")]


def test_extended_lease_is_not_reaped(store: SqlQueueStore, clock: FakeClock) -> None:
    item_id = add(store, "slow")
    store.claim("invoices", "w1")
    clock.advance(25)
    store.extend_lease(item_id, "w1", 30)
    clock.advance(25)
    assert store.reap_expired() == 0
    store.complete(item_id, "w1")


def test_lease_expiry_parks_at_the_limit(store: SqlQueueStore, clock: FakeClock) -> None:
    item_id = add(store, "poison")
    for _ in range(3):
        assert store.claim("invoices", "w") != []
        clock.advance(31)
        store.reap_expired()
    assert store.get(item_id).state is ItemState.FAILED


def test_release_does_not_count_an_attempt(store: SqlQueueStore) -> None:
    item_id = add(store, "a")
    store.claim("invoices", "w1")
    store.release(item_id, "w1")
    item = store.get(item_id)
    assert (item.state, item.attempts, item.lease_owner) == (ItemState.PENDING, 0, None)


def test_files_are_content_addressed(store: SqlQueueStore) -> None:
    first = store.enqueue("invoices", NewItem(payload={}, files={"invoice.xml": b"<a/>"})).item
    second = add(store, "b")
    attached = store.add_file(second, "copy.xml", b"<a/>", actor="robot")
    (listed,) = store.list_files(first.id)
    assert listed.sha256 == attached.sha256 and listed.size == 4
    assert store.get_file(second, "copy.xml") == b"<a/>"
    store.add_file(second, "copy.xml", b"<b/>", actor="robot")
    assert store.get_file(second, "copy.xml") == b"<b/>"
    store.remove_file(second, "copy.xml", actor="robot")
    assert store.list_files(second) == []
    with pytest.raises(QueueError, match="no file"):
        store.get_file(second, "copy.xml")
    with pytest.raises(QueueError, match="invalid file name"):
        store.add_file(second, "../etc/passwd", b"x", actor="robot")
    assert store.get_file(first.id, "invoice.xml") == b"<a/>"


@pytest.mark.parametrize("claimed", [True, False])
def test_saved_payload_is_validated_and_audited(store: SqlQueueStore, claimed: bool) -> None:
    store.configure_queue(QueueConfig(name="typed", payload_model=(
        "tests.contract.payload_models:InvoiceWork")))
    item = store.enqueue("typed", NewItem(payload={"invoice_number": "1", "amount": "5"})).item
    if claimed:  # the robot's save of the item it holds takes the driver path
        store.claim("typed", "w1")
    with pytest.raises(InvalidPayload, match="amount"):
        store.save_payload(item.id, {"invoice_number": "1", "amount": "five"}, actor="w1")
    store.save_payload(item.id, {"invoice_number": "1", "amount": "5"}, actor="w1")  # no change
    store.save_payload(item.id, {"invoice_number": "1", "amount": "6.50"}, actor="w1")
    assert store.get(item.id).payload["amount"] == "6.50"
    saved = [e for e in store.events(item.id) if e.action == "payload_saved"]
    assert len(saved) == 1 and saved[0].actor == "w1"
    assert saved[0].detail == {"changes": {"amount": ["5", "6.50"]}}


def test_finish_many_finishes_a_batch_with_the_same_trail_as_one_by_one(
    store: SqlQueueStore,
) -> None:
    store.configure_queue(QueueConfig(name="typed", payload_model=(
        "tests.contract.payload_models:InvoiceWork")))
    ids = [store.enqueue("typed", NewItem(payload={"invoice_number": f"INV-{n}", "amount": "5"}))
           .item.id for n in range(3)]
    store.claim("typed", "w1", limit=3)
    evidence = {"order_line": {"price": "10.00"}}
    states = store.finish_many("w1", [
        ItemOutcome(item_id=ids[0], payload_update={"order_number": "PO-1"}),
        ItemOutcome(item_id=ids[1], outcome="business_exception", code="PRICE_VARIANCE",
                    message="price 20 % over", evidence=evidence,
                    payload_update={"amount": "7.5"}),
        ItemOutcome(item_id=ids[2]),
    ])
    assert states == [ItemState.DONE, ItemState.NEEDS_REVIEW, ItemState.DONE]
    done, review, plain = (store.get(item_id) for item_id in ids)
    assert plain.payload == {"invoice_number": "INV-2", "amount": "5", "order_number": None}
    # the update sets its keys and keeps the rest of the payload as it was
    assert done.payload == {"invoice_number": "INV-0", "amount": "5", "order_number": "PO-1"}
    assert review.payload == {"invoice_number": "INV-1", "amount": "7.5", "order_number": None}
    assert (review.state, review.reason_code, review.message, review.evidence) == (
        ItemState.NEEDS_REVIEW, "PRICE_VARIANCE", "price 20 % over", evidence)
    assert review.lease_owner is None and done.lease_owner is None
    assert [(e.action, e.actor, e.detail) for e in store.events(ids[1])][-2:] == [
        ("payload_saved", "w1", {"changes": {"amount": ["5", "7.5"]}}),
        ("business_exception", "w1", {"attempt": 1, "code": "PRICE_VARIANCE",
                                      "message": "price 20 % over"})]
    assert [(e.action, e.to_state) for e in store.events(ids[2])][-1] == (
        "complete", ItemState.DONE)
    # the review list's summary columns are filled as for fail_business
    with store.engine.connect() as connection:
        summary = connection.execute(text(
            "SELECT summary_title, summary_amount_minor FROM work_items WHERE id = :id"),
            {"id": ids[1]}).one()
    assert tuple(summary) == ("INV-1", 750)  # from the updated payload


def test_claim_can_hand_over_payloads_as_json_text(store: SqlQueueStore) -> None:
    payload = {"invoice_number": "INV-1", "lines": [{"amount": "10.50"}], "note": None}
    item_id = store.enqueue("invoices", NewItem(payload=payload)).item.id
    [item] = store.claim("invoices", "w1", raw_payload=True)
    assert item.id == item_id and isinstance(item.payload, str)
    assert json.loads(item.payload) == payload


def test_finish_many_is_all_or_nothing(store: SqlQueueStore) -> None:
    store.configure_queue(QueueConfig(name="typed", payload_model=(
        "tests.contract.payload_models:InvoiceWork")))
    mine = store.enqueue("typed", NewItem(payload={"invoice_number": "1", "amount": "5"})).item
    store.claim("typed", "w1")
    theirs = store.enqueue("typed", NewItem(payload={"invoice_number": "2", "amount": "5"})).item
    store.claim("typed", "w2")
    with pytest.raises(LeaseLost):
        store.finish_many("w1", [ItemOutcome(item_id=mine.id), ItemOutcome(item_id=theirs.id)])
    with pytest.raises(InvalidPayload, match="amount"):
        store.finish_many("w1", [ItemOutcome(item_id=mine.id,
                                             payload_update={"amount": "five"})])
    with pytest.raises(ItemNotFound):
        store.finish_many("w1", [ItemOutcome(item_id=mine.id), ItemOutcome(item_id=10**9)])
    assert store.get(mine.id).state is ItemState.IN_PROGRESS
    assert store.get(mine.id).payload["amount"] == "5"
    assert [e.action for e in store.events(mine.id)] == ["enqueue", "claim"]


def test_payload_serialised_elsewhere_is_stored_as_it_is(store: SqlQueueStore) -> None:
    from tests.contract.payload_models import InvoiceWork

    store.configure_queue(QueueConfig(name="typed", payload_model=(
        "tests.contract.payload_models:InvoiceWork")))
    ready = PayloadJson.of(InvoiceWork(invoice_number="INV-9", amount=Decimal("12.50")))
    [result] = store.enqueue_many("typed", [NewItem(payload=ready, business_key="k")])
    assert result.created and result.item.payload is ready
    assert store.get(result.item.id).payload == {
        "invoice_number": "INV-9", "order_number": None, "amount": "12.50"}
    # JSON that does not say it comes from the queue's model is validated as any payload
    with pytest.raises(InvalidPayload, match="amount"):
        store.enqueue("typed", NewItem(payload=PayloadJson("other:Model", '{"amount": "x"}')))


def test_find_by_keys(store: SqlQueueStore) -> None:
    first, second = add(store, "a"), add(store, "b")
    found = store.find_by_keys("invoices", ["b", "a", "missing"])
    assert {key: item.id for key, item in found.items()} == {"a": first, "b": second}
    assert store.find_by_keys("other", ["a"]) == {}



def test_digests_read_payload_parts_with_filters(store: SqlQueueStore, clock: FakeClock) -> None:
    due = clock.now + timedelta(days=3)
    first = store.enqueue("invoices", NewItem(
        payload={"invoice": {"number": "A-1", "totals": {"gross": "10.50"}}, "tags": ["x"]},
        business_key="a", due_at=due)).item.id
    second, third = add(store, "b", note="plain"), add(store, None)
    store.enqueue("payments", NewItem(payload={}, parent_id=second))
    paths = ["invoice.number", "invoice.totals.gross", "tags", "invoice.missing.deeper"]
    digests = store.digests("invoices", paths)
    assert [d.id for d in digests] == [first, second, third]
    assert digests[0].values == ("A-1", "10.50", ["x"], None)
    assert digests[0].due_at == due and digests[0].business_key == "a"
    assert digests[1].values == (None, None, None, None) and digests[1].state is ItemState.PENDING
    assert store.digests("invoices", ["note"], keys=["b", "missing", "a", "b"]) == [
        digests[0]._replace(values=(None,)), digests[1]._replace(values=("plain",))]
    assert [d.id for d in store.digests("invoices", without_children_in="payments")] == [
        first, third]
    assert store.digests("invoices", states=[ItemState.DONE, ItemState.FAILED]) == []
    assert store.digests("invoices", keys=[]) == [] and store.digests("other") == []
    with pytest.raises(QueueError):
        store.digests("invoices", ["invoice') OR 1=1 --"])

def test_lineage_and_stats(store: SqlQueueStore) -> None:
    parent = add(store, "parent")
    child = store.enqueue("payments", NewItem(payload={}, parent_id=parent)).item
    assert [c.id for c in store.children(parent)] == [child.id]
    counts = {s.queue: s.counts for s in store.stats()}
    assert counts == {"invoices": {ItemState.PENDING: 1}, "payments": {ItemState.PENDING: 1}}


def test_events_are_append_only_in_the_database(store: SqlQueueStore) -> None:
    item_id = add(store, "a")
    for statement in ("UPDATE item_events SET actor = 'mallory'", "DELETE FROM item_events"):
        with pytest.raises(Exception, match="append-only"), store.engine.begin() as connection:
            connection.execute(text(statement))
    assert [e.actor for e in store.events(item_id)] == ["system"]


def test_keyset_pagination(store: SqlQueueStore) -> None:
    ids = [add(store, f"k{i}") for i in range(7)]
    page1 = store.list_items(queue="invoices", limit=3)
    page2 = store.list_items(queue="invoices", limit=3, after_id=page1[-1].id)
    page3 = store.list_items(queue="invoices", limit=3, after_id=page2[-1].id)
    assert [i.id for i in page1 + page2 + page3] == ids
    assert store.list_items(state=ItemState.DONE) == []


def test_times_are_aware_utc(store: SqlQueueStore, clock: FakeClock) -> None:
    item = store.get(add(store, "a"))
    assert item.created_at == clock.now and item.created_at.tzinfo is not None
