"""``finrpa runs``: list runs, show one, print its logs."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from finrpa.cli.common import command, console, fail, print_json
from finrpa.cli.schedules import JsonOption, local_time, status_text
from finrpa.runs.records import RunRecord, RunStatus
from finrpa.runs.service import open_run_store, run_logs
from finrpa.runs.settings import load_run_settings

app = typer.Typer(help="Look at robot runs and their logs.", no_args_is_help=True)
RunId = Annotated[int, typer.Argument(help="Run id")]


def _items(run: RunRecord) -> str:
    if run.items_done is None:
        return ""
    return f"{run.items_done}/{run.items_exceptions}/{run.items_failed}"


def _duration(run: RunRecord) -> str:
    return f"{run.duration_s:.1f} s" if run.duration_s is not None else ""


def runs_table(runs: list[RunRecord], title: str = "runs") -> Table:
    """A Rich table of runs (items: done/exceptions/failed)."""
    table = Table(title=title)
    for column in ("id", "schedule", "status", "origin", "try", "fired for", "started",
                   "duration", "items d/e/f", "error"):
        table.add_column(column, overflow="fold")
    for run in runs:
        error = (run.error or "").strip().splitlines()
        table.add_row(str(run.id), run.schedule, status_text(run.status.value), run.origin.value,
                      str(run.attempt), local_time(run.nominal_time), local_time(run.started_at),
                      _duration(run), _items(run), error[0][:70] if error else "")
    return table


@app.command("list")
@command
def list_command(
    schedule: Annotated[str | None, typer.Option(help="Only this schedule")] = None,
    status: Annotated[RunStatus | None, typer.Option(help="Only runs in this status")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10000, help="At most this many")] = 50,
    before: Annotated[int | None, typer.Option(help="Runs before this id (next page)")] = None,
    as_json: JsonOption = False,
) -> None:
    """List runs, newest first (times in UTC)."""
    runs = open_run_store().list_runs(schedule=schedule, status=status, limit=limit,
                                      before_id=before)
    if as_json:
        print_json(runs)
    else:
        console.print(runs_table(runs))


@app.command("show")
@command
def show_command(run_id: RunId, as_json: JsonOption = False) -> None:
    """Show one run: status, times, item counts, error, and where its logs are."""
    settings = load_run_settings()
    run = open_run_store(settings).get_run(run_id)
    logs = run_logs(run, settings)
    if as_json:
        print_json({"run": run, "logs": [{"task": step.task, "log_html": str(step.log_html),
                                          "console": str(step.console)} for step in logs]})
        return
    console.print(runs_table([run], title=f"run {run.id}"))
    facts = {
        "robot": run.robot, "nominal time": run.nominal_time.isoformat(),
        "created by": run.created_by, "retry of": str(run.retry_of or ""),
        "worker": run.lease_owner or "", "finished": local_time(run.finished_at),
        "exit code": "" if run.exit_code is None else str(run.exit_code),
        "artifacts": run.artifacts_dir or str(settings.run_dir(run.id)),
    }
    for name, value in facts.items():
        if value:
            console.print(f"[bold]{name}:[/] {value}", highlight=False)
    if run.error:
        console.print("[bold]error:[/]")
        console.print(run.error, highlight=False, markup=False)
    for step in logs:
        console.print(f"[bold]log of {step.task}:[/] {step.log_html}", highlight=False)


@app.command("logs")
@command
def logs_command(
    run_id: RunId,
    task: Annotated[str | None, typer.Option(help="Only this step")] = None,
    html: Annotated[bool, typer.Option("--html", help="Print the log.html paths only")] = False,
) -> None:
    """Print a run's console output, step by step (or the paths of its log.html files)."""
    settings = load_run_settings()
    run = open_run_store(settings).get_run(run_id)
    logs = [step for step in run_logs(run, settings) if task is None or step.task == task]
    if not logs:
        which = f" for step {task!r}" if task else ""
        fail(f"run {run_id} has no logs{which} (it is {run.status.value})")
    for step in logs:
        if html:
            typer.echo(str(step.log_html))
            continue
        console.rule(f"run {run.id}, step {step.task}")
        text = step.console.read_text(encoding="utf-8", errors="replace") \
            if step.console.is_file() else "(no console output)\n"
        typer.echo(text, nl=False)
