"""``finrpa web``: serve the review web app with uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from finrpa.cli.common import command, console


@command
def web_command(
    host: Annotated[str | None, typer.Option(help="Address to listen on (FINRPA_WEB_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (FINRPA_WEB_PORT)")] = None,
    workers: Annotated[int, typer.Option(min=1, max=32, help="Server processes")] = 1,
    access_log: Annotated[bool, typer.Option(help="Log every request")] = True,
) -> None:
    """Serve the exception-queue web app (sign in with a user from `finrpa users add`)."""
    import uvicorn

    from finrpa.db.engine import ensure_schema, make_engine
    from finrpa.web.settings import WebSettings

    settings = WebSettings()
    engine = make_engine(settings.resolved_database_url())
    ensure_schema(engine)  # once, before the worker processes start
    engine.dispose()
    settings.resolved_secret()  # create the signing key once, before the workers read it
    host = host or settings.web_host
    port = port or settings.web_port
    console.print(f"finrpa review app on http://{host}:{port}/")
    if workers == 1:
        from finrpa.web.app import create_app

        uvicorn.run(create_app(settings), host=host, port=port, access_log=access_log,
                    proxy_headers=True)
    else:
        uvicorn.run("finrpa.web.app:app_from_environment", factory=True, host=host, port=port,
                    workers=workers, access_log=access_log, proxy_headers=True)
