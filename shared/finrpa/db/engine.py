"""Engines for the two supported databases, and bringing their schema up to date.

SQLite (the embedded default) runs in WAL mode; every write transaction starts with
``BEGIN IMMEDIATE`` so that two writers never deadlock on a lock upgrade, and a busy timeout
makes the second wait instead of failing. PostgreSQL is used as it comes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url

from finrpa.errors import ConfigurationError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
#: Arbitrary constant key for the PostgreSQL advisory lock that serialises migrations.
_MIGRATION_LOCK_KEY = 482_937_115


def make_engine(url: str, **engine_options: Any) -> Engine:
    """Create an engine for ``url`` (sqlite:///file or postgresql+psycopg://...)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database, **engine_options)
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            url = str(parsed.set(drivername="postgresql+psycopg"))
        engine_options.setdefault("pool_pre_ping", True)
        return create_engine(url, **engine_options)
    raise ConfigurationError(
        f"unsupported database {parsed.get_backend_name()!r} in FINRPA_DATABASE_URL: "
        "use sqlite:///path or postgresql+psycopg://user@host/db"
    )


def _sqlite_engine(url: str, database: str | None, **engine_options: Any) -> Engine:
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine_options.setdefault("connect_args", {}).setdefault("timeout", 30)
    engine = create_engine(url, **engine_options)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN IMMEDIATE below is what runs.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        readonly = connection.get_execution_options().get("finrpa_readonly", False)
        connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

    return engine


def alembic_config(engine: Engine) -> Any:
    """An Alembic Config pointing at finrpa's migrations, bound to ``engine``."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser treats % as interpolation; URLs may carry %-escapes (passwords, options).
    url = engine.url.render_as_string(hide_password=False).replace("%", "%%")
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision``; safe to call from several processes at once."""
    from alembic import command

    config = alembic_config(engine)
    if engine.dialect.name == "postgresql":
        with engine.connect() as lock_connection:
            lock_connection.execute(text(f"SELECT pg_advisory_lock({_MIGRATION_LOCK_KEY})"))
            try:
                command.upgrade(config, revision)
            finally:
                lock_connection.execute(text(f"SELECT pg_advisory_unlock({_MIGRATION_LOCK_KEY})"))
                lock_connection.commit()
    else:
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None when it has never been migrated."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def head_revision() -> str:
    """The newest migration's revision id."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS_DIR))
    head = script.get_current_head()
    assert head is not None
    return head


def ensure_schema(engine: Engine) -> None:
    """Create or migrate the schema on first use; a no-op when it is already current."""
    if current_revision(engine) != head_revision():
        upgrade(engine)
