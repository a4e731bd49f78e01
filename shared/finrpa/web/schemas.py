"""Request and response bodies of the JSON API (/api/v1)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from finrpa.domain.items import ItemState
from finrpa.queue.records import AttachedFile, ItemEvent, WorkItem
from finrpa.review.approvals import Approval
from finrpa.runs.records import RunRecord


class Me(BaseModel):
    name: str
    display_name: str | None
    role: str
    language: str


class ItemRow(BaseModel):
    """An item as the queue lists it."""

    id: int
    queue: str
    state: ItemState
    reason_code: str | None
    message: str | None
    title: str | None
    supplier: str | None
    amount: Decimal | None = Field(description="In ``currency``, two decimals")
    currency: str | None
    due_at: datetime | None
    overdue: bool
    age_business_days: int
    assignee: str | None
    created_at: datetime
    postponed_until: datetime | None
    first_approval_by: str | None = Field(description="Set while a second approval is awaited")


class ItemPage(BaseModel):
    items: list[ItemRow]
    next_cursor: str | None = Field(description="Pass as ``cursor`` for the next page")


class ReasonCount(BaseModel):
    reason_code: str | None
    count: int


class ApprovalOut(BaseModel):
    id: int
    actor: str
    at: datetime
    note: str | None
    status: str

    @classmethod
    def of(cls, approval: Approval) -> ApprovalOut:
        return cls(id=approval.id, actor=approval.actor, at=approval.at, note=approval.note,
                   status=approval.status)


class ItemDetailOut(BaseModel):
    item: WorkItem
    title: str | None
    supplier: str | None
    amount: Decimal | None
    currency: str | None
    needs_four_eyes: bool
    pending_approval: ApprovalOut | None
    approvals: list[ApprovalOut]
    editable_fields: list[str]
    files: list[AttachedFile]
    events: list[ItemEvent]


class NoteIn(BaseModel):
    note: str | None = Field(default=None, max_length=4000)


class RejectIn(BaseModel):
    reason: str = Field(min_length=1, max_length=4000)


class CorrectIn(BaseModel):
    fields: dict[str, str] = Field(description="Editable path -> new value, e.g. "
                                               '{"invoice.order_reference": "PO-1234"}')
    note: str | None = Field(default=None, max_length=4000)


class PostponeIn(BaseModel):
    until: date
    note: str | None = Field(default=None, max_length=4000)


class AssignIn(BaseModel):
    assignee: str | None = Field(description="User name; null to unassign")


class CommentIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


class BulkAssignIn(BaseModel):
    item_ids: list[int] = Field(min_length=1, max_length=1000)
    assignee: str | None


class BulkRejectIn(BaseModel):
    item_ids: list[int] = Field(min_length=1, max_length=1000)
    reason: str = Field(min_length=1, max_length=4000)


class AcceptOut(BaseModel):
    outcome: str = Field(description="accept, first_approval or second_approval")
    item: WorkItem


class BulkOut(BaseModel):
    done: list[int]
    refused: dict[int, str]


class Ok(BaseModel):
    ok: bool = True
    detail: dict[str, Any] | None = None


class RunPage(BaseModel):
    """A page of runs, newest first; ``next_before`` is the ``before`` of the next page."""

    runs: list[RunRecord]
    next_before: int | None


class RunStepLog(BaseModel):
    """Where one step's logs are (page addresses; None: not written)."""

    task: str
    log_url: str | None
    console_url: str | None


class RunDetailOut(BaseModel):
    """One run, the first line of its error, and its step logs in step order."""

    run: RunRecord
    error_summary: str
    logs: list[RunStepLog]
