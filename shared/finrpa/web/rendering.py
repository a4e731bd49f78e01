"""Jinja2 templates: one environment per app, autoescaping always on.

Templates live in ``templates/pages`` (whole pages, extending ``base.html``) and
``templates/partials`` (fragments the JavaScript swaps in). Every template gets ``t`` (the
user's translator: ``t("key")``, ``t.money(...)``, ``t.day(...)``), the principal, the CSRF token,
``static(name)`` and ``permitted(principal, "permission")``; nothing is ever marked safe.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.responses import HTMLResponse

from finrpa.review.roles import Permission, allows
from finrpa.web.i18n import Translator
from finrpa.web.security import Principal

TEMPLATE_DIR = Path(__file__).with_name("templates")
STATIC_DIR = Path(__file__).with_name("static")


@cache
def static_url(name: str) -> str:
    """/static/<name>?v=<content hash>: browsers cache it until the file changes."""
    digest = hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:10]
    return f"/static/{name}?v={digest}"


def query(params: Mapping[str, Any], **changes: Any) -> str:
    """``params`` with ``changes`` as a query string; a change to None drops the key."""
    merged = {**params, **changes}
    return urlencode({key: value for key, value in merged.items() if value is not None})


def permitted(principal: Principal | None, permission: str) -> bool:
    """Whether the signed-in user has ``permission`` (for showing links only to those who may
    follow them; the routes check again)."""
    return principal is not None and allows(principal.user.role, Permission(permission),
                                            principal.user.name)


def make_environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR), autoescape=True, undefined=StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, auto_reload=False)
    environment.globals.update(static=static_url, query=query, permitted=permitted)
    return environment


def render(request: Request, template: str, t: Translator, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    """Render ``template`` with the common context."""
    services = request.app.state.services
    principal = getattr(request.state, "principal", None)
    csrf = services.codec.csrf_token(principal.nonce) if principal and principal.nonce else ""
    html = services.templates.get_template(template).render(
        request=request, t=t, principal=principal, csrf_token=csrf, **context)
    return HTMLResponse(html, status_code=status_code)
