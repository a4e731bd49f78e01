"""Security of the web app: no way in without a session or token, CSRF, escaping, sessions."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import Mount, Route

from finrpa.web.security import LOGIN_COOKIE, SESSION_COOKIE
from finrpa.web.services import Services
from tests.web.conftest import PASSWORD, csrf_from
from tests.web.seed import seed_exception

#: The only (path, method) anyone may use without signing in.
PUBLIC = {("/login", "GET"), ("/login", "POST")}


def concrete(path: str) -> str:
    """A route path with its parameters filled in."""
    return re.sub(r"\{[^}]+\}", "1", path)


def every_endpoint(app: FastAPI) -> list[tuple[str, str]]:
    """(path, method) of every route the app serves, included routers resolved."""
    try:  # FastAPI 0.120+ keeps included routers as one entry each
        from fastapi.routing import iter_route_contexts

        routes: list[Any] = list(iter_route_contexts(app.routes))
    except ImportError:  # pragma: no cover - older FastAPI lists every route itself
        routes = list(app.routes)
    found = []
    for route in routes:
        original = getattr(route, "original_route", route)
        if isinstance(original, Mount):
            assert route.path == "/static", f"unexpected mount {route.path}"
            continue
        assert isinstance(original, APIRoute | Route), f"unexpected route type {original!r}"
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                found.append((route.path, method))
    return found


def test_every_route_refuses_a_request_without_session_or_token(
        web_app: FastAPI, client_for: Callable[[str | None], Any]) -> None:
    anonymous = client_for(None)
    endpoints = every_endpoint(web_app)
    assert len(endpoints) > 25  # the enumeration really found the app's routes
    assert set(endpoints) >= PUBLIC
    checked = 0
    for path, method in endpoints:
        if (path, method) in PUBLIC:
            continue
        response = anonymous.request(method, concrete(path), follow_redirects=False)
        if path.startswith("/api"):
            assert response.status_code == 401, (method, path, response.status_code)
        elif method == "GET":
            assert response.status_code == 303, (method, path, response.status_code)
            assert response.headers["location"].startswith("/login?next=")
        else:
            assert response.status_code == 401, (method, path, response.status_code)
        checked += 1
    assert checked == len(endpoints) - len(PUBLIC)


def test_a_forged_or_foreign_token_is_refused(client_for: Callable[[str | None], Any]) -> None:
    anonymous = client_for(None)
    for header in ("Bearer frpa_not-a-real-token", "Bearer ", "Basic cmlpa2thOng="):
        response = anonymous.get("/api/v1/items", headers={"Authorization": header})
        assert response.status_code == 401


def test_a_tampered_session_cookie_is_refused(client_for: Callable[[str | None], Any]) -> None:
    client = client_for("riikka")
    cookie = client.cookies.get(SESSION_COOKIE)
    assert client.get("/queue", follow_redirects=False).status_code == 200
    client.cookies.clear()
    forged = ("B" if cookie[0] != "B" else "C") + cookie[1:]  # another payload, same signature
    client.cookies.set(SESSION_COOKIE, forged)
    assert client.get("/queue", follow_redirects=False).status_code == 303


def test_form_posts_without_a_valid_csrf_token_are_refused(
        services: Services, client_for: Callable[[str | None], Any]) -> None:
    item_id = seed_exception(services.store)
    client = client_for("riikka")
    altered = client.csrf[:-1] + ("1" if client.csrf.endswith("0") else "0")
    for token in (None, "", "0" * 64, altered):
        data = {"note": "ok"} if token is None else {"note": "ok", "csrf_token": token}
        response = client.post(f"/items/{item_id}/accept", data=data, follow_redirects=False)
        assert response.status_code == 403
    assert services.store.get(item_id).state == "needs_review"
    # another user's token is no good either
    other = client_for("rasmus")
    response = client.post(f"/items/{item_id}/accept",
                           data={"note": "ok", "csrf_token": other.csrf}, follow_redirects=False)
    assert response.status_code == 403
    ok = client.post(f"/items/{item_id}/accept", data={"csrf_token": client.csrf},
                     follow_redirects=False)
    assert ok.status_code == 303 and services.store.get(item_id).state == "done"


def test_sign_in_needs_its_own_csrf_token(client_for: Callable[[str | None], Any]) -> None:
    anonymous = client_for(None)
    anonymous.get("/login")
    response = anonymous.post("/login", data={"name": "riikka", "password": PASSWORD},
                              follow_redirects=False)
    assert response.status_code == 403
    assert SESSION_COOKIE not in response.cookies


def test_a_supplier_name_with_markup_is_shown_as_text(
        services: Services, client_for: Callable[[str | None], Any]) -> None:
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    item_id = seed_exception(services.store, supplier=f"Paha {evil} Oy")
    client = client_for("riikka")
    for page in (client.get("/queue").text, client.get(f"/items/{item_id}").text,
                 client.get("/queue/rows?q=paha").text):
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


def test_cookies_and_headers_are_hardened(client_for: Callable[[str | None], Any]) -> None:
    anonymous = client_for(None)
    login_page = anonymous.get("/login")
    assert "HttpOnly" in login_page.headers["set-cookie"]
    page = anonymous.get("/login")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    response = anonymous.post("/login", data={"name": "riikka", "password": PASSWORD,
                                              "csrf_token": csrf_from(page.text)},
                              follow_redirects=False)
    cookie = response.headers["set-cookie"]
    assert SESSION_COOKIE in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert LOGIN_COOKIE in str(response.headers.get_list("set-cookie"))


def test_sign_in_never_redirects_off_site(client_for: Callable[[str | None], Any]) -> None:
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        anonymous = client_for(None)
        page = anonymous.get("/login")
        response = anonymous.post("/login", data={
            "name": "riikka", "password": PASSWORD, "next": target,
            "csrf_token": csrf_from(page.text)}, follow_redirects=False)
        assert response.headers["location"] == "/queue"


def test_sign_out_ends_the_session_everywhere(client_for: Callable[[str | None], Any]) -> None:
    client = client_for("riikka")
    stolen = client.cookies.get(SESSION_COOKIE)
    response = client.post("/logout", data={"csrf_token": client.csrf}, follow_redirects=False)
    assert response.status_code == 303
    thief = client_for(None)
    thief.cookies.set(SESSION_COOKIE, stolen)
    assert thief.get("/queue", follow_redirects=False).status_code == 303


def test_repeated_failed_sign_ins_are_throttled(client_for: Callable[[str | None], Any]) -> None:
    anonymous = client_for(None)
    token = csrf_from(anonymous.get("/login").text)
    statuses = [anonymous.post("/login", data={"name": "riikka", "password": "wrong password",
                                               "csrf_token": token}).status_code
                for _ in range(5)]
    assert statuses == [401] * 5
    blocked = anonymous.post("/login", data={"name": "riikka", "password": PASSWORD,
                                             "csrf_token": token}, follow_redirects=False)
    assert blocked.status_code == 429
    assert SESSION_COOKIE not in blocked.cookies
    # another account from elsewhere is not locked out by it
    other = client_for("rasmus")
    assert other.get("/queue").status_code == 200


def test_unknown_and_disabled_users_cannot_sign_in(
        services: Services, client_for: Callable[[str | None], Any]) -> None:
    anonymous = client_for(None)
    token = csrf_from(anonymous.get("/login").text)
    response = anonymous.post("/login", data={"name": "nobody", "password": PASSWORD,
                                              "csrf_token": token})
    assert response.status_code == 401
    client = client_for("rasmus")
    assert client.get("/queue", follow_redirects=False).status_code == 200
    services.accounts.set_active("rasmus", False)  # as `finrpa users disable` does
    services.principals.invalidate()  # each process re-checks a session within 2 seconds
    assert client.get("/queue", follow_redirects=False).status_code == 303
    response = anonymous.post("/login", data={"name": "rasmus", "password": PASSWORD,
                                              "csrf_token": token})
    assert response.status_code == 401


def test_one_user_cannot_act_on_another_users_pending_approval(
        services: Services, client_for: Callable[[str | None], Any]) -> None:
    item_id = seed_exception(services.store, amount="25000.00")
    aino, antti = client_for("aino"), client_for("antti")
    first = aino.post(f"/items/{item_id}/accept", data={"csrf_token": aino.csrf},
                      follow_redirects=False)
    assert first.headers["location"] == f"/items/{item_id}?notice=first_approval"
    # antti may complete it, but not withdraw aino's approval
    refused = antti.post(f"/items/{item_id}/withdraw", data={"csrf_token": antti.csrf})
    assert refused.status_code == 403
    assert "Only the person who approved can withdraw" in refused.text
    # nor may aino approve twice
    twice = aino.post(f"/items/{item_id}/accept", data={"csrf_token": aino.csrf})
    assert twice.status_code == 403 and "from someone else" in twice.text
    assert services.store.get(item_id).state == "needs_review"
    assert services.review.approvals.pending(item_id).actor == "aino"
    # the API gives the same answers to tokens
    token = services.accounts.create_token("antti")
    response = client_for(None).post(f"/api/v1/items/{item_id}/withdraw-approval",
                                     headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403 and response.json()["code"] == "not_your_approval"


def test_a_robot_token_reads_but_never_decides(
        services: Services, client_for: Callable[[str | None], Any]) -> None:
    item_id = seed_exception(services.store)
    token = services.accounts.create_token("botti", "robot reads")
    robot = client_for(None)
    headers = {"Authorization": f"Bearer {token}"}
    assert robot.get(f"/api/v1/items/{item_id}", headers=headers).status_code == 200
    for action, body in (("accept", {}), ("reject", {"reason": "no"}),
                         ("comment", {"text": "hi"})):
        response = robot.post(f"/api/v1/items/{item_id}/{action}", json=body, headers=headers)
        assert response.status_code == 403, action
    assert services.store.get(item_id).state == "needs_review"


def test_downloads_are_never_rendered_by_the_browser(
        services: Services, client_for: Callable[[str | None], Any]) -> None:
    item_id = seed_exception(services.store, number="INV-HTML",
                             files={"page.html": b"<script>alert(1)</script>"})
    client = client_for("riikka")
    response = client.get(f"/items/{item_id}/files/page.html")
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"].startswith("attachment")
    assert "<script>alert(1)" not in client.get(f"/items/{item_id}").text
