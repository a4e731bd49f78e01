"""Sessions, API tokens, CSRF and security headers.

* **Sessions** are signed cookies (itsdangerous), HttpOnly and SameSite=Lax, holding the user's
  id, their ``session_epoch`` and a random nonce. Bumping the epoch (sign-out, password change,
  deactivation) ends every session of that user.
* **API tokens** come as ``Authorization: Bearer frpa_...``; the database keeps their SHA-256.
* **Secure by default:** :class:`AuthGate` refuses every request that has neither, except the
  sign-in page and static files. A new route is protected without doing anything.
* **CSRF:** every unsafe request authenticated by the cookie must carry the session's CSRF token
  (form field ``csrf_token`` or header ``X-CSRF-Token``); the sign-in form has its own token tied
  to a short-lived pre-session cookie. Token-authenticated API calls need none.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import anyio.to_thread
from fastapi import HTTPException, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import Headers
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from finrpa.review.accounts import AccountStore, User
from finrpa.review.approvals import Person

SESSION_COOKIE = "finrpa_session"
LOGIN_COOKIE = "finrpa_login"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC_PATHS = frozenset({"/login"})
PUBLIC_PREFIXES = ("/static/",)
LOGIN_COOKIE_SECONDS = 3600


@dataclass(frozen=True)
class Principal:
    """Who is making the request, and how they proved it."""

    user: User
    via: str  # "session" or "token"
    nonce: str | None = None

    @property
    def person(self) -> Person:
        return Person(self.user.name, self.user.role)


class SessionCodec:
    """Signs and reads the session and pre-session cookies; derives CSRF tokens."""

    def __init__(self, secret: str, max_age_s: int) -> None:
        self._secret = secret.encode()
        self.max_age_s = max_age_s
        self._sessions = URLSafeTimedSerializer(secret, salt="finrpa-session")
        self._logins = URLSafeTimedSerializer(secret, salt="finrpa-login")

    def session_cookie(self, user: User) -> str:
        return self._sessions.dumps({"u": user.id, "e": user.session_epoch,
                                     "n": secrets.token_urlsafe(16)})

    def read_session(self, cookie: str) -> tuple[int, int, str] | None:
        """(user id, epoch, nonce) of a valid, unexpired cookie."""
        try:
            data = self._sessions.loads(cookie, max_age=self.max_age_s)
            return int(data["u"]), int(data["e"]), str(data["n"])
        except (BadSignature, KeyError, TypeError, ValueError):
            return None

    def login_cookie(self) -> str:
        return self._logins.dumps(secrets.token_urlsafe(16))

    def read_login(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            return str(self._logins.loads(cookie, max_age=LOGIN_COOKIE_SECONDS))
        except BadSignature:
            return None

    def csrf_token(self, nonce: str) -> str:
        return hmac.new(self._secret, b"csrf:" + nonce.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, nonce: str | None, supplied: str | None) -> bool:
        if not nonce or not supplied:
            return False
        return hmac.compare_digest(self.csrf_token(nonce), supplied)


def resolve_principal(accounts: AccountStore, codec: SessionCodec,
                      headers: Headers) -> Principal | None:
    """The principal of a request's bearer token or session cookie (blocking: DB look-up)."""
    authorization = headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        user = accounts.user_for_token(authorization[7:].strip())
        return Principal(user, "token") if user else None
    cookie = _cookie(headers, SESSION_COOKIE)
    session = codec.read_session(cookie) if cookie else None
    if session is None:
        return None
    user_id, epoch, nonce = session
    user = accounts.by_id(user_id)
    if user is None or not user.active or user.session_epoch != epoch:
        return None
    return Principal(user, "session", nonce)


def _cookie(headers: Headers, name: str) -> str | None:
    for part in headers.get("cookie", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def refusal(scope: Scope) -> Response:
    """401 for the API and for writes; a redirect to the sign-in page for page views."""
    path = scope["path"]
    if path.startswith("/api"):
        return JSONResponse({"detail": "authentication required"}, status_code=401,
                            headers={"WWW-Authenticate": "Bearer"})
    if scope["method"] in SAFE_METHODS:
        query = scope.get("query_string", b"").decode("latin-1")
        target = path + (f"?{query}" if query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    return PlainTextResponse("authentication required", status_code=401)


class AuthGate:
    """ASGI middleware: no principal, no entry (except the public paths)."""

    def __init__(self, app: ASGIApp, resolve: Callable[[Headers], Principal | None],
                 cached: Callable[[Headers], tuple[bool, Principal | None]]) -> None:
        self.app = app
        self.resolve = resolve
        self.cached = cached

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_public(scope["path"]):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        known, principal = self.cached(headers)  # memory only: fine on the event loop
        if not known:
            principal = await anyio.to_thread.run_sync(self.resolve, headers)
        if principal is None:
            await refusal(scope)(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)


async def csrf_guard(request: Request) -> None:
    """App-wide dependency: refuse an unsafe cookie-authenticated request without the token."""
    if request.method in SAFE_METHODS:
        return
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is not None and principal.via == "token":
        return
    codec: SessionCodec = request.app.state.services.codec
    nonce = principal.nonce if principal else codec.read_login(
        request.cookies.get(LOGIN_COOKIE))
    supplied = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if supplied is None and content_type.startswith(("application/x-www-form-urlencoded",
                                                     "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        supplied = value if isinstance(value, str) else None
    if not codec.csrf_ok(nonce, supplied):
        raise HTTPException(status_code=403, detail="missing or invalid CSRF token")


#: The Content-Security-Policy of every page: nothing but our own files.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
#: A robot's own ``log.html`` (robocorp's self-contained page, inline scripts and styles): shown
#: as a sandboxed document of its own, in an opaque origin with no access to the app's cookies,
#: pages or API, no network, no forms and no framing.
LOG_CSP = ("sandbox allow-scripts allow-popups allow-downloads; default-src 'none'; "
           "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
           "connect-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
#: The API documentation page loads Swagger UI from its CDN.
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' https://cdn.jsdelivr.net; img-src 'self' data: "
            "https://fastapi.tiangolo.com; frame-ancestors 'none'")


class SecurityHeaders:
    """ASGI middleware adding CSP, nosniff, framing and caching headers to every response.

    A response that sets its own Content-Security-Policy keeps it (only the robot log route
    does, with :data:`LOG_CSP`); every other response gets :data:`CSP`.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[Any] = message.setdefault("headers", [])
                csp = DOCS_CSP if path == "/api/docs" else CSP
                own = any(name.lower() == b"content-security-policy" for name, _ in headers)
                extra = [] if own else [(b"content-security-policy", csp.encode())]
                extra += [(b"x-content-type-options", b"nosniff"),
                          (b"x-frame-options", b"DENY"),
                          (b"referrer-policy", b"same-origin")]
                if not path.startswith("/static/"):
                    extra.append((b"cache-control", b"no-store"))
                headers.extend(extra)
            await send(message)

        await self.app(scope, receive, send_with_headers)
