"""Shared fixtures: the public sample corpus and the database backends."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def corpus_path() -> Path:
    """The public sample corpus: FINRPA_CORPUS_DIR, else ../shared/corpus beside the repo."""
    configured = os.environ.get("FINRPA_CORPUS_DIR")
    return Path(configured) if configured else REPO_ROOT.parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The corpus folder; tests that need it skip with a clear message when it is absent."""
    path = corpus_path()
    if not path.is_dir():
        pytest.skip(f"public sample corpus not found at {path} (set FINRPA_CORPUS_DIR)")
    return path


# -- databases ------------------------------------------------------------------------------

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_base_url() -> str:
    return os.environ.get("FINRPA_TEST_PG_URL", DEFAULT_PG_URL)


def _postgres_reachable(url: str) -> str | None:
    """None when the server answers, else why not."""
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(url)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return str(exc).splitlines()[0]
    return None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped after the session.

    Skips when the server is unreachable, unless FINRPA_REQUIRE_POSTGRES=1 (CI), where it fails.
    """
    import uuid

    from sqlalchemy import create_engine, text

    base = postgres_base_url()
    problem = _postgres_reachable(base)
    if problem:
        message = f"PostgreSQL not reachable at {base}: {problem}"
        if os.environ.get("FINRPA_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    schema = f"finrpa_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    yield f"{base}{separator}options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def fresh_postgres_url(postgres_url: str) -> str:
    """Empty the session's PostgreSQL schema and return its URL."""
    from sqlalchemy import create_engine, text

    engine = create_engine(postgres_url)
    with engine.begin() as connection:
        schema = connection.execute(text("SELECT current_schema()")).scalar_one()
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return postgres_url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind: a SQLite file, and a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'finrpa.db'}"
    return fresh_postgres_url(request.getfixturevalue("postgres_url"))
