"""The review service: people's decisions on work items, with roles and four-eyes.

Every change goes through the QueueStore, so it lands in the item's audit trail; the rules of
who may do what are the pure functions of finrpa.review.roles and finrpa.review.approvals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from finrpa.domain.items import ItemAction, ItemState
from finrpa.errors import FinrpaError
from finrpa.queue.records import AttachedFile, ItemEvent, QueueConfig, WorkItem
from finrpa.queue.store import QueueStore
from finrpa.queue.summaries import ItemSummary, summarise
from finrpa.review.accounts import AccountStore
from finrpa.review.approval_store import COMPLETED, WITHDRAWN, ApprovalStore
from finrpa.review.approvals import (
    AcceptStep,
    Approval,
    FourEyesPolicy,
    Person,
    accept_step,
    correctors,
    current_approval,
    require_decider,
    require_withdrawable,
    review_round,
)
from finrpa.review.corrections import apply_corrections
from finrpa.review.errors import ReviewConflict, ReviewError, ReviewRefused
from finrpa.review.roles import Permission, allows, is_robot

MAX_TEXT = 4000


@dataclass(frozen=True)
class AcceptOutcome:
    """What an acceptance did: accepted, or recorded the first of two approvals."""

    step: AcceptStep
    item: WorkItem
    approval: Approval | None = None


@dataclass(frozen=True)
class BulkResult:
    """Ids done, and the ids refused with the reason code."""

    done: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ItemDetail:
    """Everything the item page shows."""

    item: WorkItem
    config: QueueConfig
    summary: ItemSummary
    events: list[ItemEvent]
    files: list[AttachedFile]
    approvals: list[Approval]
    pending: Approval | None
    needs_two: bool
    corrected_by: frozenset[str]

    @property
    def comments(self) -> list[ItemEvent]:
        return [event for event in self.events if event.action == "comment"]


def _text(value: str | None, code: str, what: str) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise ReviewError(code, f"{what} is required")
    if len(cleaned) > MAX_TEXT:
        raise ReviewError("text_too_long", f"{what} is longer than {MAX_TEXT} characters")
    return cleaned


class ReviewService:
    """Decisions, assignments, comments and four-eyes approvals."""

    def __init__(self, store: QueueStore, accounts: AccountStore, approvals: ApprovalStore,
                 policy: FourEyesPolicy, zone: ZoneInfo,
                 on_change: Callable[[], None] | None = None) -> None:
        self.store = store
        self.accounts = accounts
        self.approvals = approvals
        self.policy = policy
        self.zone = zone
        self._on_change = on_change or (lambda: None)

    # -- reading ---------------------------------------------------------------------

    def summary(self, item: WorkItem) -> ItemSummary:
        config = self.store.queue_config(item.queue)
        return summarise(config.summary_extractor, item.payload, item.evidence)

    def detail(self, item_id: int) -> ItemDetail:
        item = self.store.get(item_id)
        events = self.store.events(item_id)
        summary = self.summary(item)
        pending = current_approval(self.approvals.pending(item_id), review_round(events))
        return ItemDetail(
            item=item, config=self.store.queue_config(item.queue), summary=summary,
            events=events, files=self.store.list_files(item_id),
            approvals=self.approvals.history(item_id), pending=pending,
            needs_two=self.policy.applies(summary.amount, summary.currency),
            corrected_by=correctors(events))

    # -- decisions -------------------------------------------------------------------

    def accept(self, item_id: int, person: Person, note: str | None = None) -> AcceptOutcome:
        """Accept, or record the first approval, or complete the second one."""
        require_decider(person)
        detail = self.detail(item_id)
        if detail.item.state is not ItemState.NEEDS_REVIEW:
            raise ReviewConflict("not_in_review", f"item {item_id} is {detail.item.state}")
        step = accept_step(person, detail.needs_two, detail.pending, detail.corrected_by)
        note = (note or "").strip() or None
        if step is AcceptStep.FIRST_APPROVAL:
            round_id = review_round(detail.events) or 0
            approval = self.approvals.add_first(item_id, round_id, person.name, note)
            self.store.record_event(item_id, person.name, "first_approval", {
                "note": note, "amount": str(detail.summary.amount),
                "currency": detail.summary.currency})
            return AcceptOutcome(step, self.store.get(item_id), approval)
        pending = detail.pending
        if step is AcceptStep.SECOND_APPROVAL:
            assert pending is not None
            if not self.approvals.close(pending.id, COMPLETED, person.name):
                raise ReviewConflict("approval_changed", "the approval changed; reload the item")
        try:
            item = self.store.decide(item_id, ItemAction.ACCEPT, person.name, note)
        except FinrpaError:
            if pending is not None and step is AcceptStep.SECOND_APPROVAL:
                self.approvals.reopen(pending.id)
            raise
        if step is AcceptStep.SECOND_APPROVAL and pending is not None:
            self.store.record_event(item_id, person.name, "second_approval",
                                    {"first_approval_by": pending.actor})
        self._on_change()
        return AcceptOutcome(step, item, pending)

    def reject(self, item_id: int, person: Person, reason: str | None) -> WorkItem:
        require_decider(person)
        item = self.store.decide(item_id, ItemAction.REJECT, person.name,
                                 _text(reason, "reason_required", "a reason"))
        self.approvals.lapse_for_item(item_id, person.name)
        self._on_change()
        return item

    def correct(self, item_id: int, person: Person, changes: Mapping[str, str],
                note: str | None = None) -> WorkItem:
        """Send the item back to the robot, with the editable fields corrected."""
        require_decider(person)
        item = self.store.get(item_id)
        if item.state is not ItemState.NEEDS_REVIEW:
            raise ReviewConflict("not_in_review", f"item {item_id} is {item.state}")
        config = self.store.queue_config(item.queue)
        corrected, changed = apply_corrections(item.payload, config.editable_fields, changes)
        item = self.store.decide(item_id, ItemAction.REQUEUE, person.name,
                                 (note or "").strip() or None,
                                 corrected_payload=corrected if changed else None)
        self.approvals.lapse_for_item(item_id, person.name)
        self._on_change()
        return item

    def postpone(self, item_id: int, person: Person, until: date,
                 note: str | None = None) -> WorkItem:
        require_decider(person)
        instant = datetime.combine(until, time(0), tzinfo=self.zone)
        item = self.store.postpone(item_id, instant, person.name, (note or "").strip() or None)
        self._on_change()
        return item

    def retry(self, item_id: int, person: Person, note: str | None = None) -> WorkItem:
        self._require(person, Permission.RETRY)
        item = self.store.decide(item_id, ItemAction.RETRY, person.name,
                                 (note or "").strip() or None)
        self._on_change()
        return item

    def withdraw_approval(self, item_id: int, person: Person) -> None:
        detail = self.detail(item_id)
        approval = require_withdrawable(person, detail.pending)
        if not self.approvals.close(approval.id, WITHDRAWN, person.name):
            raise ReviewConflict("approval_changed", "the approval changed; reload the item")
        self.store.record_event(item_id, person.name, "approval_withdrawn",
                                {"approval_id": approval.id})

    # -- assigning and commenting ----------------------------------------------------

    def assign(self, item_id: int, person: Person, assignee: str | None) -> WorkItem:
        self._require(person, Permission.ASSIGN)
        if assignee is not None:
            user = self.accounts.by_name(assignee)
            if user is None or not user.active or is_robot(user.name, user.role):
                raise ReviewRefused("unknown_assignee", f"cannot assign to {assignee!r}")
        return self.store.assign(item_id, assignee, person.name)

    def comment(self, item_id: int, person: Person, text: str | None) -> None:
        self._require(person, Permission.COMMENT)
        self.store.record_event(item_id, person.name, "comment",
                                {"text": _text(text, "comment_required", "a comment")})

    # -- many at once ----------------------------------------------------------------

    def bulk(self, item_ids: Iterable[int], action: Callable[[int], Any]) -> BulkResult:
        """Apply ``action`` to each id; one refusal does not stop the others."""
        result = BulkResult()
        for item_id in dict.fromkeys(item_ids):
            try:
                action(item_id)
            except ReviewError as exc:
                result.refused[item_id] = exc.code
            except FinrpaError as exc:
                result.refused[item_id] = type(exc).__name__
            else:
                result.done.append(item_id)
        return result

    def bulk_assign(self, item_ids: Iterable[int], person: Person,
                    assignee: str | None) -> BulkResult:
        self._require(person, Permission.ASSIGN)
        return self.bulk(item_ids, lambda item_id: self.assign(item_id, person, assignee))

    def bulk_reject(self, item_ids: Iterable[int], person: Person,
                    reason: str | None) -> BulkResult:
        require_decider(person)
        reason = _text(reason, "reason_required", "a reason")
        return self.bulk(item_ids, lambda item_id: self.reject(item_id, person, reason))

    @staticmethod
    def _require(person: Person, permission: Permission) -> None:
        if not allows(person.role, permission, person.name):
            raise ReviewRefused("not_permitted", f"role {person.role} may not {permission}")
