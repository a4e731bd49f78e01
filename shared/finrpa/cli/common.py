"""What every command shares: the console, error reporting and opening the store."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from pydantic import BaseModel
from rich.console import Console

from finrpa.errors import FinrpaError
from finrpa.queue.factory import open_store
from finrpa.queue.sql import SqlQueueStore

console = Console()
error_console = Console(stderr=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print an error naming what was wrong and exit (1 = failure, 2 = bad usage)."""
    error_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn finrpa's own errors into a clear message and exit code 1."""
    try:
        yield
    except FinrpaError as exc:
        fail(str(exc))


def store() -> SqlQueueStore:
    """The queue store the environment points at."""
    with reported_errors():
        return open_store()


def print_json(value: Any) -> None:
    """Print records as JSON for scripts."""
    def default(obj: Any) -> Any:
        if isinstance(obj, BaseModel):
            return obj.model_dump(mode="json")
        return str(obj)

    sys.stdout.write(json.dumps(value, default=default, ensure_ascii=False, indent=2) + "\n")


def command(func: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator: run a command with finrpa errors reported instead of raised."""
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with reported_errors():
            return func(*args, **kwargs)

    return wrapper
