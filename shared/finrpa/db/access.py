"""How the stores open connections: one write transaction, one read-only connection, upserts.

On SQLite a write transaction begins with BEGIN IMMEDIATE and a read-only one with a plain BEGIN
(see finrpa.db.engine), so reads never queue behind the single writer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, Table
from sqlalchemy.dialects import postgresql, sqlite


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A connection in a write transaction, committed on success, rolled back on error."""
    with engine.begin() as connection:
        yield connection


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A connection for reads only."""
    with engine.connect().execution_options(finrpa_readonly=True) as connection:
        yield connection


def dialect_insert(engine: Engine, table: Table) -> Any:
    """An INSERT that supports ``on_conflict_do_nothing/update`` on the engine's database."""
    module = postgresql if engine.dialect.name == "postgresql" else sqlite
    return module.insert(table)
