"""``finrpa db``: create or migrate the database."""

from __future__ import annotations

import typer

from finrpa.cli.common import command, console
from finrpa.db.engine import current_revision, head_revision, make_engine, upgrade
from finrpa.settings import load_settings

app = typer.Typer(help="Create or migrate the database.", no_args_is_help=True)


@app.command("upgrade")
@command
def upgrade_command() -> None:
    """Apply all migrations (creates the SQLite file on first use)."""
    url = load_settings().resolved_database_url()
    engine = make_engine(url)
    upgrade(engine)
    console.print(f"database at revision {current_revision(engine)}: {engine.url!r}")


@app.command("current")
@command
def current_command() -> None:
    """Show the database's revision and the newest one."""
    engine = make_engine(load_settings().resolved_database_url())
    console.print(f"current: {current_revision(engine) or 'none'}  head: {head_revision()}")
