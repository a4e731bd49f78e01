"""What the pages show, built from records: formatted, translated, flagged. No I/O of its own
beyond the service calls each builder names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from finrpa.domain.items import ItemState
from finrpa.queue.sql import utc_now
from finrpa.review.ageing import business_age, created_before
from finrpa.review.approvals import Approval
from finrpa.review.corrections import EditableField, editable_fields
from finrpa.review.documents import MAX_SHOWN_BYTES, DocumentView, document_view
from finrpa.review.evidence import EvidenceView, evidence_view
from finrpa.review.listing import QueuePage, QueueRow, ReviewFilter
from finrpa.review.roles import Permission, allows
from finrpa.review.service import ItemDetail
from finrpa.web.i18n import Translator
from finrpa.web.security import Principal
from finrpa.web.services import Services


@dataclass(frozen=True)
class RowView:
    """One queue row as shown."""

    row: QueueRow
    title: str
    reason: str
    state: str
    select_label: str
    amount: str
    due: str
    overdue: bool
    age: int
    postponed_until: str | None
    first_approval_by: str | None


@dataclass(frozen=True)
class Abilities:
    """What the signed-in user may do, for showing only the forms that can succeed."""

    decide: bool
    assign: bool
    comment: bool
    retry: bool
    see_failed: bool
    second_approval: bool

    @classmethod
    def of(cls, principal: Principal) -> Abilities:
        role, name = principal.user.role, principal.user.name
        return cls(*(allows(role, permission, name) for permission in (
            Permission.DECIDE, Permission.ASSIGN, Permission.COMMENT, Permission.RETRY,
            Permission.SEE_FAILED, Permission.SECOND_APPROVAL)))


def queue_page(services: Services, flt: ReviewFilter, cursor: str | None,
               now: datetime | None = None) -> tuple[QueuePage, datetime]:
    """The page of rows the filter asks for, and the instant it was computed for."""
    now = now or utc_now()
    cutoff = (created_before(services.calendar, now, flt.min_age, services.zone)
              if flt.min_age else None)
    page = services.listing.page(flt, cursor, services.settings.page_size, now, cutoff)
    return page, now


def row_views(services: Services, page: QueuePage, t: Translator, now: datetime) -> list[RowView]:
    today = now.astimezone(services.zone).date()
    untitled = t("queue.untitled")
    labels: dict[tuple[str, str | None], str] = {}

    def label(prefix: str, code: str | None) -> str:
        if (prefix, code) not in labels:
            labels[prefix, code] = t.label(prefix, code)
        return labels[prefix, code]

    views = []
    for row in page.rows:
        created = row.created_at.astimezone(services.zone).date()
        views.append(RowView(
            row=row, title=row.title or untitled, reason=label("reason", row.reason_code),
            state=label("state", row.state), select_label=t("queue.select", id=row.id),
            amount=t.money(row.amount, row.currency), due=t.day(row.due_at),
            overdue=row.due_at is not None and row.due_at < now,
            age=business_age(services.calendar, created, today),
            postponed_until=t.day(row.available_at) if row.available_at > now else None,
            first_approval_by=row.first_approval_by))
    return views


def queue_context(services: Services, principal: Principal, flt: ReviewFilter,
                  cursor: str | None, t: Translator) -> dict[str, Any]:
    """Everything the queue page and its partial show."""
    page, now = queue_page(services, flt, cursor)
    params = flt.params()
    return {
        "flt": flt, "params": params, "rows": row_views(services, page, t, now),
        "next_cursor": page.next_cursor, "cursor": cursor,
        "counts": services.listing.reason_counts(flt.state, flt.queue),
        "queues": services.queue_names(),
        "users": services.assignable_users(),
        "can": Abilities.of(principal),
    }


@dataclass(frozen=True)
class ItemPage:
    """Everything the item page shows."""

    detail: ItemDetail
    evidence: EvidenceView
    documents: list[DocumentView]
    fields: list[EditableField]
    pending: Approval | None
    overdue: bool
    postponed_until: datetime | None


def item_page(services: Services, item_id: int,
              submitted: dict[str, str] | None = None) -> ItemPage:
    detail = services.review.detail(item_id)
    item, now = detail.item, utc_now()
    documents = []
    for attached in detail.files:
        content = (services.store.get_file(item_id, attached.name)
                   if attached.size <= MAX_SHOWN_BYTES else b"")
        view = document_view(attached.name, content)
        documents.append(view if attached.size <= MAX_SHOWN_BYTES
                         else DocumentView(attached.name, attached.size, "binary", None))
    fields = editable_fields(item.payload, detail.config.editable_fields)
    if submitted:
        fields = [EditableField(f.path, submitted.get(f.path, f.value)) for f in fields]
    return ItemPage(
        detail=detail, evidence=evidence_view(item.evidence), documents=documents,
        fields=fields, pending=detail.pending,
        overdue=item.due_at is not None and item.due_at < now
        and item.state is ItemState.NEEDS_REVIEW,
        postponed_until=item.available_at if (item.state is ItemState.NEEDS_REVIEW
                                              and item.available_at > now) else None)
