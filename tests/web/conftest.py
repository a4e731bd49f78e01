"""Fixtures of the web tests: an app on a fresh database, signed-in clients, seeded items."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI

from finrpa.web.app import create_app
from finrpa.web.services import Services
from finrpa.web.settings import WebSettings
from tests.web.seed import configure

PASSWORD = "correct horse battery staple"
#: name -> (role, language) of the accounts every web test database has.
USERS = {
    "riikka": ("reviewer", "en"),
    "rasmus": ("reviewer", "en"),
    "aino": ("approver", "en"),
    "antti": ("approver", "en"),
    "olli": ("ops", "en"),
    "sven": ("reviewer", "sv"),
    "botti": ("robot", "en"),
}


def load_test_client() -> type[Any]:
    """Starlette's TestClient; its import warns that it will move to httpx2 one day."""
    from starlette.exceptions import StarletteDeprecationWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StarletteDeprecationWarning)
        from fastapi.testclient import TestClient
    return TestClient


def web_settings(database_url: str, home: Path, **overrides: Any) -> WebSettings:
    return WebSettings(database_url=database_url, home=home, secret_key="s" * 48,
                       **overrides)


#: Tests hash with argon2id at its cheapest; production keeps argon2-cffi's defaults.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def add_users(services: Services) -> None:
    services.accounts.hasher = FAST_HASHER
    for name, (role, language) in USERS.items():
        if services.accounts.by_name(name) is None:
            password = None if role == "robot" else PASSWORD
            services.accounts.add_user(name, role, password, language=language,
                                       display_name=name.capitalize())


def csrf_from(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def sign_in(client: Any, name: str, password: str = PASSWORD) -> str:
    """Sign ``client`` in as ``name``; returns the session's CSRF token."""
    page = client.get("/login")
    response = client.post("/login", data={"name": name, "password": password,
                                           "csrf_token": csrf_from(page.text)},
                           follow_redirects=False)
    assert response.status_code == 303, response.text[:500]
    return csrf_from(client.get("/queue").text)


@pytest.fixture
def web_app(tmp_path: Path) -> Iterator[FastAPI]:
    """The app on a fresh SQLite database with the test users and the invoices queue."""
    app = create_app(web_settings(f"sqlite:///{tmp_path / 'web.db'}", tmp_path))
    add_users(app.state.services)
    configure(app.state.services.store)
    yield app
    app.state.services.close()


@pytest.fixture
def services(web_app: FastAPI) -> Services:
    return web_app.state.services  # type: ignore[no-any-return]


@pytest.fixture
def client_for(web_app: FastAPI) -> Iterator[Callable[[str | None], Any]]:
    """``client_for(name)``: a TestClient signed in as ``name`` (None: not signed in)."""
    client_class = load_test_client()
    clients: list[Any] = []

    def make(name: str | None) -> Any:
        client = client_class(web_app, base_url="http://testserver")
        clients.append(client)
        if name is not None:
            client.csrf = sign_in(client, name)
        return client

    yield make
    for client in clients:
        client.close()
