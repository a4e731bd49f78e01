"""The ``finrpa`` command."""

from __future__ import annotations

import typer

from finrpa.cli import db, processes, queue, run, runs, schedules, users, web

app = typer.Typer(
    name="finrpa",
    help="Robotic process automation for finance back offices.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(queue.app, name="queue")
app.command("run")(run.run_command)
app.add_typer(schedules.app, name="schedules")
app.add_typer(runs.app, name="runs")
app.command("scheduler")(processes.scheduler_command)
app.command("worker")(processes.worker_command)
app.command("up")(processes.up_command)
app.add_typer(users.app, name="users")
app.command("web")(web.web_command)


if __name__ == "__main__":
    app()
