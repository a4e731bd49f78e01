"""The JSON API: the same reads and decisions as the pages, for scripts and other systems.

Authenticate with ``Authorization: Bearer <token>`` (``finrpa users token NAME``). Errors come
back as ``{"detail": ..., "code": ...}`` with 401, 403 (not allowed), 404, 409 (the item moved
on) or 422 (invalid input).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from finrpa.queue.records import ItemEvent
from finrpa.web import schemas
from finrpa.web.deps import FilterDep, PrincipalDep, ServicesDep, TranslatorDep
from finrpa.web.views import queue_page, row_views

router = APIRouter(prefix="/api/v1", tags=["review"])


@router.get("/me", response_model=schemas.Me)
def me(principal: PrincipalDep) -> schemas.Me:
    """The account the token or session belongs to."""
    user = principal.user
    return schemas.Me(name=user.name, display_name=user.display_name, role=user.role,
                      language=user.language)


@router.get("/items", response_model=schemas.ItemPage)
def list_items(services: ServicesDep, t: TranslatorDep, flt: FilterDep,
               cursor: str | None = None) -> schemas.ItemPage:
    """Items waiting for people, filtered and sorted as on the queue page; keyset pages."""
    page, now = queue_page(services, flt, cursor)
    rows = [schemas.ItemRow(
        **{key: getattr(view.row, key) for key in (
            "id", "queue", "state", "reason_code", "message", "title", "supplier", "amount",
            "currency", "due_at", "assignee", "created_at")},
        overdue=view.overdue, age_business_days=view.age,
        postponed_until=view.row.available_at if view.postponed_until else None,
        first_approval_by=view.first_approval_by) for view in row_views(services, page, t, now)]
    return schemas.ItemPage(items=rows, next_cursor=page.next_cursor)


@router.get("/reasons", response_model=list[schemas.ReasonCount])
def reasons(services: ServicesDep, flt: FilterDep) -> list[schemas.ReasonCount]:
    """Items per reason code in the chosen state and queue (refreshed every few seconds)."""
    return [schemas.ReasonCount(reason_code=reason, count=count)
            for reason, count in services.listing.reason_counts(flt.state, flt.queue)]


@router.get("/items/{item_id}", response_model=schemas.ItemDetailOut)
def get_item(item_id: int, services: ServicesDep) -> schemas.ItemDetailOut:
    """One item with its summary, four-eyes status, files and full history."""
    detail = services.review.detail(item_id)
    return schemas.ItemDetailOut(
        item=detail.item, title=detail.summary.title, supplier=detail.summary.supplier,
        amount=detail.summary.amount, currency=detail.summary.currency,
        needs_four_eyes=detail.needs_two,
        pending_approval=schemas.ApprovalOut.of(detail.pending) if detail.pending else None,
        approvals=[schemas.ApprovalOut.of(approval) for approval in detail.approvals],
        editable_fields=detail.config.editable_fields or [], files=detail.files,
        events=detail.events)


@router.get("/items/{item_id}/events", response_model=list[ItemEvent])
def item_events(item_id: int, services: ServicesDep) -> list[ItemEvent]:
    """The item's audit trail, oldest first (decisions, comments, assignments...)."""
    services.store.get(item_id)
    return services.store.events(item_id)


@router.get("/items/{item_id}/files/{name}", response_class=Response)
def item_file(item_id: int, name: str, services: ServicesDep) -> Response:
    """An attached file's bytes."""
    return Response(services.store.get_file(item_id, name),
                    media_type="application/octet-stream")


@router.post("/items/{item_id}/accept", response_model=schemas.AcceptOut)
def accept(item_id: int, body: schemas.NoteIn, services: ServicesDep,
           principal: PrincipalDep) -> schemas.AcceptOut:
    """Accept; above the four-eyes limit the first call records the first approval."""
    outcome = services.review.accept(item_id, principal.person, body.note)
    return schemas.AcceptOut(outcome=outcome.step.value, item=outcome.item)


@router.post("/items/{item_id}/reject", response_model=schemas.AcceptOut)
def reject(item_id: int, body: schemas.RejectIn, services: ServicesDep,
           principal: PrincipalDep) -> schemas.AcceptOut:
    """Reject with a reason."""
    item = services.review.reject(item_id, principal.person, body.reason)
    return schemas.AcceptOut(outcome="reject", item=item)


@router.post("/items/{item_id}/correct", response_model=schemas.AcceptOut)
def correct(item_id: int, body: schemas.CorrectIn, services: ServicesDep,
            principal: PrincipalDep) -> schemas.AcceptOut:
    """Correct editable fields and send the item back to the robot (pending)."""
    item = services.review.correct(item_id, principal.person, body.fields, body.note)
    return schemas.AcceptOut(outcome="requeue", item=item)


@router.post("/items/{item_id}/postpone", response_model=schemas.AcceptOut)
def postpone(item_id: int, body: schemas.PostponeIn, services: ServicesDep,
             principal: PrincipalDep) -> schemas.AcceptOut:
    """Hide the item from the queue until a date."""
    item = services.review.postpone(item_id, principal.person, body.until, body.note)
    return schemas.AcceptOut(outcome="postpone", item=item)


@router.post("/items/{item_id}/assign", response_model=schemas.AcceptOut)
def assign(item_id: int, body: schemas.AssignIn, services: ServicesDep,
           principal: PrincipalDep) -> schemas.AcceptOut:
    """Assign to a user (or nobody)."""
    item = services.review.assign(item_id, principal.person, body.assignee)
    return schemas.AcceptOut(outcome="assign", item=item)


@router.post("/items/{item_id}/comment", response_model=schemas.Ok)
def comment(item_id: int, body: schemas.CommentIn, services: ServicesDep,
            principal: PrincipalDep) -> schemas.Ok:
    """Add a comment to the item's history."""
    services.review.comment(item_id, principal.person, body.text)
    return schemas.Ok()


@router.post("/items/{item_id}/retry", response_model=schemas.AcceptOut)
def retry(item_id: int, body: schemas.NoteIn, services: ServicesDep,
          principal: PrincipalDep) -> schemas.AcceptOut:
    """Send a failed item back to pending (ops)."""
    item = services.review.retry(item_id, principal.person, body.note)
    return schemas.AcceptOut(outcome="retry", item=item)


@router.post("/items/{item_id}/withdraw-approval", response_model=schemas.Ok)
def withdraw(item_id: int, services: ServicesDep, principal: PrincipalDep) -> schemas.Ok:
    """Withdraw your own first approval while it waits."""
    services.review.withdraw_approval(item_id, principal.person)
    return schemas.Ok()


@router.post("/bulk/assign", response_model=schemas.BulkOut)
def bulk_assign(body: schemas.BulkAssignIn, services: ServicesDep,
                principal: PrincipalDep) -> schemas.BulkOut:
    """Assign many items; the refused ones come back with a reason code."""
    result = services.review.bulk_assign(body.item_ids, principal.person, body.assignee)
    return schemas.BulkOut(done=result.done, refused=result.refused)


@router.post("/bulk/reject", response_model=schemas.BulkOut)
def bulk_reject(body: schemas.BulkRejectIn, services: ServicesDep,
                principal: PrincipalDep) -> schemas.BulkOut:
    """Reject many items with one reason."""
    result = services.review.bulk_reject(body.item_ids, principal.person, body.reason)
    return schemas.BulkOut(done=result.done, refused=result.refused)
