"""The item page and the decisions taken on it (each a form posting here)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from finrpa.errors import FinrpaError
from finrpa.queue.payloads import InvalidPayload
from finrpa.review.approvals import AcceptStep
from finrpa.web.deps import FormDep, PrincipalDep, ServicesDep, TranslatorDep
from finrpa.web.errors import code_for, status_for
from finrpa.web.i18n import Translator
from finrpa.web.rendering import render
from finrpa.web.security import Principal
from finrpa.web.services import Services
from finrpa.web.views import Abilities, item_page

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=4000)]
FIELD_PREFIX = "field:"


def show_item(request: Request, services: Services, principal: Principal, t: Translator,
              item_id: int, status_code: int = 200, error: FinrpaError | None = None,
              submitted: dict[str, str] | None = None, notice: str | None = None
              ) -> HTMLResponse:
    page = item_page(services, item_id, submitted)
    field_errors: dict[str, str] = {}
    if isinstance(error, InvalidPayload):
        field_errors = {".".join(str(part) for part in problem["loc"]): problem["msg"]
                        for problem in error.errors}
    users = services.assignable_users()
    return render(request, "pages/item.html", t, status_code=status_code, page=page,
                  item=page.detail.item, can=Abilities.of(principal), users=users,
                  error=code_for(error) if error else None, field_errors=field_errors,
                  notice=notice)


def act(request: Request, services: Services, principal: Principal, t: Translator,
        item_id: int, action: Callable[[], Any], done: Callable[[Any], str],
        submitted: dict[str, str] | None = None) -> Response:
    """Run ``action``; redirect to ``done(result)``, or show the item with the error."""
    try:
        result = action()
    except FinrpaError as exc:
        return show_item(request, services, principal, t, item_id, status_for(exc), exc,
                         submitted)
    return RedirectResponse(done(result), status_code=303)


def back_to_item(item_id: int, notice: str) -> Callable[[Any], str]:
    return lambda _result: f"/items/{item_id}?notice={notice}"


@router.get("/items/{item_id}")
def item_view(request: Request, item_id: int, services: ServicesDep, principal: PrincipalDep,
              t: TranslatorDep, notice: str | None = None) -> Response:
    try:
        return show_item(request, services, principal, t, item_id, notice=notice)
    except FinrpaError as exc:
        return render(request, "pages/error.html", t, status_code=status_for(exc),
                      error=code_for(exc))


@router.get("/items/{item_id}/files/{name}")
def download(item_id: int, name: str, services: ServicesDep) -> Response:
    content = services.store.get_file(item_id, name)
    safe = "".join(char if char.isalnum() or char in "._-" else "_" for char in name)
    return Response(content, media_type="application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{safe}"'})


@router.post("/items/{item_id}/accept")
def accept(request: Request, item_id: int, services: ServicesDep, principal: PrincipalDep,
           t: TranslatorDep, note: Text = "") -> Response:
    def done(outcome: Any) -> str:
        if outcome.step is AcceptStep.FIRST_APPROVAL:
            return f"/items/{item_id}?notice=first_approval"
        return "/queue?notice=accepted"
    return act(request, services, principal, t, item_id,
               lambda: services.review.accept(item_id, principal.person, note), done)


@router.post("/items/{item_id}/reject")
def reject(request: Request, item_id: int, services: ServicesDep, principal: PrincipalDep,
           t: TranslatorDep, reason: Text = "") -> Response:
    return act(request, services, principal, t, item_id,
               lambda: services.review.reject(item_id, principal.person, reason),
               lambda _: "/queue?notice=rejected")


@router.post("/items/{item_id}/correct")
def correct(request: Request, item_id: int, services: ServicesDep, principal: PrincipalDep,
            t: TranslatorDep, form: FormDep) -> Response:
    changes = {key[len(FIELD_PREFIX):]: value for key, value in form.multi_items()
               if key.startswith(FIELD_PREFIX) and isinstance(value, str)}
    note = form.get("note")
    return act(request, services, principal, t, item_id,
               lambda: services.review.correct(item_id, principal.person, changes,
                                               note if isinstance(note, str) else None),
               back_to_item(item_id, "requeued"), submitted=changes)


@router.post("/items/{item_id}/postpone")
def postpone(request: Request, item_id: int, services: ServicesDep, principal: PrincipalDep,
             t: TranslatorDep, until: Annotated[date, Form()], note: Text = "") -> Response:
    return act(request, services, principal, t, item_id,
               lambda: services.review.postpone(item_id, principal.person, until, note),
               back_to_item(item_id, "postponed"))


@router.post("/items/{item_id}/assign")
def assign(request: Request, item_id: int, services: ServicesDep, principal: PrincipalDep,
           t: TranslatorDep, assignee: Annotated[str, Form(max_length=200)] = "",
           me: Annotated[str, Form(max_length=1)] = "") -> Response:
    target = principal.user.name if me or assignee == "me" else (assignee or None)
    return act(request, services, principal, t, item_id,
               lambda: services.review.assign(item_id, principal.person, target),
               back_to_item(item_id, "assigned"))


@router.post("/items/{item_id}/comment")
def comment(request: Request, item_id: int, services: ServicesDep, principal: PrincipalDep,
            t: TranslatorDep, text: Text = "") -> Response:
    return act(request, services, principal, t, item_id,
               lambda: services.review.comment(item_id, principal.person, text),
               back_to_item(item_id, "commented"))


@router.post("/items/{item_id}/retry")
def retry(request: Request, item_id: int, services: ServicesDep, principal: PrincipalDep,
          t: TranslatorDep, note: Text = "") -> Response:
    return act(request, services, principal, t, item_id,
               lambda: services.review.retry(item_id, principal.person, note),
               back_to_item(item_id, "retried"))


@router.post("/items/{item_id}/withdraw")
def withdraw(request: Request, item_id: int, services: ServicesDep, principal: PrincipalDep,
             t: TranslatorDep) -> Response:
    return act(request, services, principal, t, item_id,
               lambda: services.review.withdraw_approval(item_id, principal.person),
               back_to_item(item_id, "withdrawn"))
