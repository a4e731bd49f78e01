"""Open the queue that the settings point at (the SQLite file by default)."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Engine

from finrpa.db.engine import make_engine
from finrpa.queue.sql import SqlQueueStore
from finrpa.settings import Settings, load_settings


@lru_cache(maxsize=8)
def _engine(url: str) -> Engine:
    return make_engine(url)


def open_store(settings: Settings | None = None) -> SqlQueueStore:
    """The queue store for ``settings`` (read from the environment when not given)."""
    settings = settings or load_settings()
    return SqlQueueStore(_engine(settings.resolved_database_url()))
