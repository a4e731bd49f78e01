"""``finrpa queue``: look into the work-item queues and act on items."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from finrpa.cli.common import command, console, fail, print_json, store
from finrpa.domain.items import ItemAction, ItemState
from finrpa.queue.records import NewItem, WorkItem

app = typer.Typer(help="Inspect work-item queues and act on items.", no_args_is_help=True)

STATE_STYLE = {
    ItemState.PENDING: "cyan",
    ItemState.IN_PROGRESS: "blue",
    ItemState.DONE: "green",
    ItemState.FAILED: "red",
    ItemState.NEEDS_REVIEW: "yellow",
    ItemState.REJECTED: "magenta",
}


def _state_text(state: ItemState) -> str:
    return f"[{STATE_STYLE[state]}]{state.value}[/]"


def items_table(items: list[WorkItem], title: str | None = None) -> Table:
    """A Rich table of work items."""
    table = Table(title=title)
    for column in ("id", "queue", "key", "state", "attempts", "reason", "message"):
        table.add_column(column, overflow="fold")
    for item in items:
        table.add_row(str(item.id), item.queue, item.business_key or "", _state_text(item.state),
                      str(item.attempts), item.reason_code or "", (item.message or "")[:80])
    return table


@app.command("list")
@command
def list_command(
    queue: Annotated[str | None, typer.Option(help="Only this queue")] = None,
    state: Annotated[ItemState | None, typer.Option(help="Only items in this state")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many items")] = 100,
    after: Annotated[int | None, typer.Option(help="Items after this id (next page)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON for scripts")] = False,
) -> None:
    """List work items, oldest first."""
    items = store().list_items(queue=queue, state=state, limit=limit, after_id=after)
    if as_json:
        print_json(items)
    else:
        console.print(items_table(items))


@app.command("show")
@command
def show_command(
    item_id: Annotated[int, typer.Argument(help="Work item id")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON for scripts")] = False,
) -> None:
    """Show one item: payload, evidence, files and its full history."""
    queue_store = store()
    item = queue_store.get(item_id)
    events = queue_store.events(item_id)
    files = queue_store.list_files(item_id)
    if as_json:
        print_json({"item": item, "files": files, "events": events})
        return
    console.print(items_table([item], title=f"work item {item.id}"))
    console.print_json(json.dumps(item.payload, ensure_ascii=False))
    if item.evidence is not None:
        console.print("[bold]evidence[/]")
        console.print_json(json.dumps(item.evidence, ensure_ascii=False))
    for attached in files:
        console.print(f"file {attached.name}  {attached.size} bytes  sha256 {attached.sha256}")
    history = Table(title="history")
    for column in ("at", "actor", "action", "from", "to", "detail"):
        history.add_column(column, overflow="fold")
    for event in events:
        history.add_row(event.at.isoformat(timespec="seconds"), event.actor, event.action,
                        event.from_state or "", event.to_state or "",
                        json.dumps(event.detail, ensure_ascii=False) if event.detail else "")
    console.print(history)


@app.command("add")
@command
def add_command(
    queue: Annotated[str, typer.Argument(help="Queue to add the item to")],
    payload: Annotated[Path, typer.Option(help="JSON file with the payload", exists=True,
                                          dir_okay=False, readable=True)],
    key: Annotated[str | None, typer.Option(help="Business key (unique per queue)")] = None,
    priority: Annotated[int, typer.Option(help="Higher is claimed first")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="JSON for scripts")] = False,
) -> None:
    """Add one work item; the same key added twice is one item."""
    try:
        content = json.loads(payload.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        fail(f"{payload}: not valid JSON: {exc}", code=2)
    result = store().enqueue(queue, NewItem(payload=content, business_key=key, priority=priority),
                             actor="cli")
    if as_json:
        print_json({"item": result.item, "created": result.created})
    elif result.created:
        console.print(f"added work item {result.item.id} to {queue}")
    else:
        console.print(f"key {key!r} is already work item {result.item.id} "
                      f"({result.item.state.value}); nothing added")


@app.command("retry")
@command
def retry_command(
    item_id: Annotated[int, typer.Argument(help="Id of a failed work item")],
    note: Annotated[str | None, typer.Option(help="Why it is retried")] = None,
    actor: Annotated[str, typer.Option(help="Who retries it")] = "ops",
) -> None:
    """Send a failed item back to pending (ops, after fixing the system that failed)."""
    item = store().decide(item_id, ItemAction.RETRY, actor, note)
    console.print(f"work item {item.id} is {item.state.value} again")


@app.command("stats")
@command
def stats_command(
    queue: Annotated[str | None, typer.Option(help="Only this queue")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON for scripts")] = False,
) -> None:
    """Count items per queue and state."""
    stats = store().stats(queue)
    if as_json:
        print_json([{"queue": s.queue, "counts": s.counts, "total": s.total} for s in stats])
        return
    table = Table(title="work items")
    table.add_column("queue")
    for state in ItemState:
        table.add_column(state.value, justify="right")
    table.add_column("total", justify="right")
    for entry in stats:
        table.add_row(entry.queue, *(str(entry.counts.get(state, 0)) for state in ItemState),
                      str(entry.total))
    console.print(table)
