"""The app factory: ``create_app(settings)`` returns the review web app, ready to serve.

Nothing happens at import time: the database is opened, migrated if needed, and the services
wired when the factory is called, from the settings it is given.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from finrpa.errors import FinrpaError
from finrpa.settings import Settings
from finrpa.web.errors import api_error
from finrpa.web.rendering import STATIC_DIR
from finrpa.web.routes import api, auth, items, queue, runs, runs_api
from finrpa.web.security import AuthGate, SecurityHeaders, csrf_guard
from finrpa.web.services import build_services
from finrpa.web.settings import WebSettings

OPENAPI_URL = "/api/v1/openapi.json"


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """The review app for ``settings`` (finrpa's settings, or WebSettings).

    ``engine`` lets a caller share an engine it already has (``finrpa up``, tests).
    """
    web_settings = WebSettings.from_settings(settings) if settings else WebSettings()
    services = build_services(web_settings, engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if engine is None:
            services.close()

    app = FastAPI(
        title="finrpa review API",
        version="1",
        description=api.__doc__ or "",
        docs_url=None,
        redoc_url=None,
        openapi_url=OPENAPI_URL,
        dependencies=[Depends(csrf_guard)],
        lifespan=lifespan,
    )
    app.state.services = services
    app.add_middleware(AuthGate, resolve=services.principal, cached=services.cached_principal)
    app.add_middleware(SecurityHeaders)
    app.add_exception_handler(FinrpaError, api_error)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (auth, queue, items, runs, api, runs_api):
        app.include_router(module.router)

    @app.get("/api/docs", include_in_schema=False)
    def api_docs(_request: Request) -> HTMLResponse:
        """Swagger UI for the JSON API (signed-in users and token holders only)."""
        return get_swagger_ui_html(openapi_url=OPENAPI_URL, title="finrpa review API")

    return app


def app_from_environment() -> FastAPI:
    """The app with settings from the environment (uvicorn's factory for several workers)."""
    return create_app(WebSettings())
