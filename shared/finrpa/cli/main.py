"""The ``finrpa`` command."""

from __future__ import annotations

import typer

from finrpa.cli import db, queue, run

app = typer.Typer(
    name="finrpa",
    help="Robotic process automation for finance back offices.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(queue.app, name="queue")
app.command("run")(run.run_command)


if __name__ == "__main__":
    app()
