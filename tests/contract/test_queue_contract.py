"""The queue's contract, run against SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from finrpa.db.engine import make_engine
from finrpa.domain.items import ItemAction, ItemState
from finrpa.errors import InvalidTransition, ItemNotFound, LeaseLost, QueueError
from finrpa.queue.payloads import InvalidPayload
from finrpa.queue.records import NewItem, QueueConfig
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


def test_find_by_keys(store: SqlQueueStore) -> None:
    first, second = add(store, "a"), add(store, "b")
    found = store.find_by_keys("invoices", ["b", "a", "missing"])
    assert {key: item.id for key, item in found.items()} == {"a": first, "b": second}
    assert store.find_by_keys("other", ["a"]) == {}


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
