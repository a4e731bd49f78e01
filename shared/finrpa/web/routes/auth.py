"""Sign-in, sign-out and the user's language."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from finrpa.review.accounts import LANGUAGES
from finrpa.web.deps import PrincipalDep, ServicesDep
from finrpa.web.i18n import negotiate
from finrpa.web.rendering import render
from finrpa.web.security import LOGIN_COOKIE, LOGIN_COOKIE_SECONDS, SESSION_COOKIE
from finrpa.web.services import Services

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only local paths: never redirect to another site after sign-in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/queue"
    return target


def _login_page(request: Request, services: Services, status_code: int = 200,
                error: str | None = None, name: str = "", next_path: str = "/queue",
                language: str | None = None) -> HTMLResponse:
    language = language or negotiate(request.headers.get("accept-language"),
                                      services.settings.default_language)
    cookie = request.cookies.get(LOGIN_COOKIE)
    nonce = services.codec.read_login(cookie)
    if nonce is None:
        cookie = services.codec.login_cookie()
        nonce = services.codec.read_login(cookie)
    assert nonce is not None and cookie is not None
    response = render(request, "pages/login.html", services.translator(language),
                      status_code=status_code, error=error, name=name, next_path=next_path,
                      login_csrf=services.codec.csrf_token(nonce), language=language,
                      languages=LANGUAGES)
    response.set_cookie(LOGIN_COOKIE, cookie, max_age=LOGIN_COOKIE_SECONDS, httponly=True,
                        samesite="lax", secure=services.settings.cookie_secure)
    return response


@router.get("/login")
def login_form(request: Request, services: ServicesDep, next: str | None = None,
               lang: str | None = None) -> HTMLResponse:
    language = lang if lang in LANGUAGES else None
    return _login_page(request, services, next_path=safe_next(next), language=language)


@router.post("/login")
def login(request: Request, services: ServicesDep, name: Annotated[str, Form(max_length=100)],
          password: Annotated[str, Form(max_length=1000)],
          next: Annotated[str, Form(max_length=2000)] = "/queue",
          lang: Annotated[str | None, Form(max_length=5)] = None) -> Response:
    name = name.strip().lower()
    language = lang if lang in LANGUAGES else None
    address = request.client.host if request.client else "unknown"
    failures = services.accounts.recent_failures(name, address, services.logins.window)
    if services.logins.blocked(*failures):
        return _login_page(request, services, 429, "login.too_many", name, safe_next(next),
                           language)
    user = services.accounts.verify_password(name, password)
    services.accounts.record_login(name, address, user is not None)
    if user is None:
        return _login_page(request, services, 401, "login.failed", name, safe_next(next),
                           language)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, services.codec.session_cookie(user),
                        max_age=services.codec.max_age_s, httponly=True, samesite="lax",
                        secure=services.settings.cookie_secure)
    response.delete_cookie(LOGIN_COOKIE)
    return response


@router.post("/logout")
def logout(services: ServicesDep, principal: PrincipalDep) -> Response:
    services.accounts.end_sessions(principal.user.id)
    services.accounts_changed()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.post("/account/language")
def set_language(services: ServicesDep, principal: PrincipalDep,
                 language: Annotated[str, Form(pattern="^(fi|sv|en)$")],
                 next: Annotated[str, Form(max_length=2000)] = "/queue") -> Response:
    services.accounts.set_language(principal.user.id, language)
    services.accounts_changed()
    return RedirectResponse(safe_next(next), status_code=303)
