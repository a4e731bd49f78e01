"""``finrpa schedules``: list, check, preview, pause, resume and trigger schedules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from finrpa.cli.common import command, console, error_console, fail, print_json
from finrpa.errors import FinrpaError
from finrpa.runs.records import RunRecord
from finrpa.runs.robots import load_robot
from finrpa.runs.schedules import (
    Schedule,
    build_trigger,
    load_schedule,
    load_schedules,
)
from finrpa.runs.service import open_run_store
from finrpa.runs.settings import RunSettings, load_run_settings
from finrpa.runs.triggers import preview

app = typer.Typer(help="Look at, check, pause and trigger schedules.", no_args_is_help=True)

STATUS_STYLE = {
    "queued": "cyan", "running": "blue", "succeeded": "green", "failed": "red",
    "timed_out": "red", "worker_lost": "magenta", "skipped": "yellow",
}
JsonOption = Annotated[bool, typer.Option("--json", help="JSON for scripts")]
ActorOption = Annotated[str, typer.Option("--by", help="Who does it (kept with the change)")]


def status_text(status: str) -> str:
    """A run status, coloured."""
    return f"[{STATUS_STYLE.get(status, 'white')}]{status}[/]"


def local_time(value: datetime | None, schedule: Schedule | None = None) -> str:
    """A time in the schedule's zone (else UTC), e.g. ``2026-12-01 07:00 EET``."""
    if value is None:
        return ""
    zone = schedule.zone if schedule else UTC
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z")


def find_schedule(settings: RunSettings, name: str) -> Schedule:
    """The schedule ``name`` from its file, or exit 1 naming the known ones."""
    path = settings.schedules_dir / f"{name}.toml"
    if not path.is_file():
        known = sorted(p.stem for p in settings.schedules_dir.glob("*.toml"))
        fail(f"no schedule {name!r}: {path} does not exist (known: {', '.join(known) or 'none'})")
    return load_schedule(path)


@app.command("list")
@command
def list_command(as_json: JsonOption = False) -> None:
    """List schedules: trigger, next firing, paused or not, and the last run."""
    settings = load_run_settings()
    schedules, errors = load_schedules(settings.schedules_dir)
    store = open_run_store(settings)
    states, latest = store.states(), store.latest_runs()
    now = datetime.now(UTC)
    rows = []
    for schedule in schedules:
        trigger = build_trigger(schedule)
        state = states.get(schedule.name)
        rows.append({
            "name": schedule.name, "robot": schedule.robot, "trigger": trigger.describe(),
            "enabled": schedule.enabled, "paused": bool(state and state.paused),
            "next": trigger.next_fire_time(now), "last_run": latest.get(schedule.name),
        })
    if as_json:
        print_json({"schedules": rows, "errors": [str(error) for error in errors]})
    else:
        console.print(_schedules_table(rows, {s.name: s for s in schedules}))
    for error in errors:
        error_console.print(f"[red]invalid:[/] {error}", highlight=False)
    if errors:
        raise typer.Exit(1)


def _schedules_table(rows: list[dict[str, object]], by_name: dict[str, Schedule]) -> Table:
    table = Table(title="schedules")
    for column in ("name", "robot", "when", "state", "next firing", "last run"):
        table.add_column(column, overflow="fold")
    for row in rows:
        schedule = by_name[str(row["name"])]
        state = "disabled" if not row["enabled"] else "paused" if row["paused"] else "active"
        last = row["last_run"]
        last_text = (f"{last.id} {status_text(last.status.value)}"
                     if isinstance(last, RunRecord) else "")
        next_time = row["next"] if isinstance(row["next"], datetime) else None
        table.add_row(str(row["name"]), str(row["robot"]), str(row["trigger"]), state,
                      local_time(next_time, schedule), last_text)
    return table


@app.command("check")
@command
def check_command(as_json: JsonOption = False) -> None:
    """Validate every schedule file and the robot each one names; exit 1 on any problem."""
    settings = load_run_settings()
    schedules, errors = load_schedules(settings.schedules_dir, settings.robots_dir)
    problems = [str(error) for error in errors]
    fine = []
    for schedule in schedules:
        try:
            load_robot(schedule.robot, settings.robots_dir)
        except FinrpaError as exc:
            problems.append(f"{settings.schedules_dir / schedule.name}.toml: robot: {exc}")
        else:
            fine.append(schedule.name)
    if as_json:
        print_json({"ok": fine, "problems": problems})
    else:
        for problem in problems:
            error_console.print(f"[red]problem:[/] {problem}", highlight=False)
        console.print(f"{len(fine)} schedule(s) fine, {len(problems)} problem(s)")
    if problems:
        raise typer.Exit(1)


@app.command("preview")
@command
def preview_command(
    name: Annotated[str, typer.Argument(help="Schedule name (file name without .toml)")],
    count: Annotated[int, typer.Option("--next", min=1, max=1000,
                                       help="How many firings")] = 20,
    after: Annotated[str | None, typer.Option(
        help="Start after this time (ISO 8601, e.g. 2026-12-01T00:00+02:00); default now")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Show the next firings, with holidays skipped and DST shifts noted."""
    schedule = find_schedule(load_run_settings(), name)
    start = _parse_after(after)
    entries = preview(build_trigger(schedule), start, count)
    if as_json:
        print_json([{"fire_time": e.fire_time.isoformat(), "notes": list(e.notes)}
                    for e in entries])
        return
    table = Table(title=f"{name}: {build_trigger(schedule).describe()}")
    for column in ("#", "fires at", "day", "notes"):
        table.add_column(column, overflow="fold")
    for number, entry in enumerate(entries, start=1):
        local = entry.fire_time.astimezone(schedule.zone)
        table.add_row(str(number), local_time(entry.fire_time, schedule), f"{local:%a}",
                      "\n".join(entry.notes))
    console.print(table)
    if not schedule.enabled:
        console.print("[yellow]note:[/] the schedule is disabled (enabled = false)")


def _parse_after(after: str | None) -> datetime:
    if after is None:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(after)
    except ValueError:
        fail(f"--after {after!r}: not an ISO 8601 time such as 2026-12-01T07:00+02:00", code=2)
    if parsed.tzinfo is None:
        fail(f"--after {after!r}: give a time zone offset, e.g. +02:00", code=2)
    return parsed


@app.command("pause")
@command
def pause_command(name: Annotated[str, typer.Argument(help="Schedule name")],
                  actor: ActorOption = "ops") -> None:
    """Pause a schedule on every scheduler: its firings are passed over until resumed."""
    settings = load_run_settings()
    find_schedule(settings, name)
    open_run_store(settings).set_paused(name, True, actor)
    console.print(f"schedule {name} paused; resume with: finrpa schedules resume {name}")


@app.command("resume")
@command
def resume_command(name: Annotated[str, typer.Argument(help="Schedule name")],
                   actor: ActorOption = "ops") -> None:
    """Resume a paused schedule (firings missed while paused are not caught up)."""
    settings = load_run_settings()
    find_schedule(settings, name)
    open_run_store(settings).set_paused(name, False, actor)
    console.print(f"schedule {name} resumed")


@app.command("trigger")
@command
def trigger_command(name: Annotated[str, typer.Argument(help="Schedule name")],
                    actor: ActorOption = "ops", as_json: JsonOption = False) -> None:
    """Queue a run of the schedule now (even when paused); a worker starts it."""
    settings = load_run_settings()
    run = open_run_store(settings).trigger(find_schedule(settings, name), actor)
    if as_json:
        print_json(run)
    else:
        console.print(f"queued run {run.id} of {name}; follow it with: finrpa runs show {run.id}")
