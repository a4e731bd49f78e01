"""Dependencies of the routes, as annotated aliases (``services: ServicesDep``).

They only read what the middleware and the app already hold, so they are ``async`` and never
block; the routes themselves are plain ``def`` and run in the thread pool.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request
from starlette.datastructures import FormData

from finrpa.review.listing import ReviewFilter, StateFilter
from finrpa.review.roles import Permission, allows
from finrpa.web.i18n import Translator
from finrpa.web.security import Principal
from finrpa.web.services import Services


async def get_services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_principal(request: Request) -> Principal:
    principal = getattr(request.state, "principal", None)
    if principal is None:  # the AuthGate middleware lets no such request through
        raise HTTPException(status_code=401, detail="authentication required")
    return principal  # type: ignore[no-any-return]


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def get_translator(services: ServicesDep, principal: PrincipalDep) -> Translator:
    return services.translator(principal.user.language)


TranslatorDep = Annotated[Translator, Depends(get_translator)]


async def get_filter(flt: Annotated[ReviewFilter, Query()],
                     principal: PrincipalDep) -> ReviewFilter:
    """The filter asked for, narrowed to what the user may see; "me" is the user."""
    changes: dict[str, object] = {}
    if not allows(principal.user.role, Permission.SEE_FAILED, principal.user.name):
        changes["state"] = StateFilter.NEEDS_REVIEW
    if flt.assignee == "me":
        changes["assignee"] = principal.user.name
    return flt.model_copy(update=changes) if changes else flt


FilterDep = Annotated[ReviewFilter, Depends(get_filter)]


async def read_form(request: Request) -> FormData:
    """The posted form (read once; the CSRF check has usually read it already)."""
    return await request.form()


FormDep = Annotated[FormData, Depends(read_form)]
