"""``finrpa users``: local accounts of the review web app, and their API tokens."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from finrpa.cli.common import command, console, fail, print_json
from finrpa.db.engine import ensure_schema, make_engine
from finrpa.queue.sql import utc_now
from finrpa.review.accounts import LANGUAGES, AccountStore
from finrpa.review.roles import Role
from finrpa.settings import load_settings

app = typer.Typer(help="Manage the review app's users and API tokens.", no_args_is_help=True)


def _accounts() -> AccountStore:
    engine = make_engine(load_settings().resolved_database_url())
    ensure_schema(engine)
    return AccountStore(engine, utc_now)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            fail("no password on standard input", code=2)
        return password
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@app.command("add")
@command
def add_command(
    name: Annotated[str, typer.Argument(help="User name: lower-case letters, digits, . _ -")],
    role: Annotated[Role, typer.Option(help="reviewer, approver, ops, admin or robot")],
    display_name: Annotated[str | None, typer.Option(help="Name shown in the app")] = None,
    language: Annotated[str, typer.Option(help="fi, sv or en")] = "fi",
    password_stdin: Annotated[bool, typer.Option("--password-stdin",
                                                 help="Read the password from stdin")] = False,
) -> None:
    """Create a user; asks for the password (a robot account gets none: give it a token)."""
    if language not in LANGUAGES:
        fail(f"language must be one of {', '.join(LANGUAGES)}", code=2)
    password = None if role is Role.ROBOT else _read_password(password_stdin)
    user = _accounts().add_user(name, role, password, display_name=display_name,
                                language=language)
    console.print(f"user {user.name} ({user.role.value}) created")


@app.command("password")
@command
def password_command(
    name: Annotated[str, typer.Argument(help="User name")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin",
                                                 help="Read the password from stdin")] = False,
) -> None:
    """Set a new password; the user's open sessions end."""
    _accounts().set_password(name, _read_password(password_stdin))
    console.print(f"password of {name} changed")


@app.command("disable")
@command
def disable_command(name: Annotated[str, typer.Argument(help="User name")]) -> None:
    """Stop a user from signing in; their sessions end and tokens stop working."""
    _accounts().set_active(name, False)
    console.print(f"user {name} disabled")


@app.command("enable")
@command
def enable_command(name: Annotated[str, typer.Argument(help="User name")]) -> None:
    """Let a disabled user sign in again."""
    _accounts().set_active(name, True)
    console.print(f"user {name} enabled")


@app.command("token")
@command
def token_command(
    name: Annotated[str, typer.Argument(help="User name")],
    label: Annotated[str | None, typer.Option(help="What the token is for")] = None,
    revoke: Annotated[bool, typer.Option("--revoke", help="Revoke all the user's tokens")] = False,
) -> None:
    """Create an API token (printed once; only its hash is stored), or revoke them all."""
    accounts = _accounts()
    if revoke:
        console.print(f"{accounts.revoke_tokens(name)} token(s) of {name} revoked")
        return
    sys.stdout.write(accounts.create_token(name, label) + "\n")


@app.command("list")
@command
def list_command(
    as_json: Annotated[bool, typer.Option("--json", help="JSON for scripts")] = False,
) -> None:
    """List users."""
    users = _accounts().list_users()
    if as_json:
        print_json([{"name": u.name, "display_name": u.display_name, "role": u.role.value,
                     "language": u.language, "active": u.active} for u in users])
        return
    table = Table(title="users")
    for column in ("name", "display name", "role", "language", "active"):
        table.add_column(column)
    for user in users:
        table.add_row(user.name, user.display_name or "", user.role.value, user.language,
                      "yes" if user.active else "no")
    console.print(table)
