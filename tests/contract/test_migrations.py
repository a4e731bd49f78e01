"""Migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from finrpa.db.engine import current_revision, ensure_schema, head_revision, make_engine
from finrpa.db.schema import metadata


def test_migrated_schema_equals_declared_schema(database_url: str) -> None:
    engine = make_engine(database_url)
    assert current_revision(engine) is None
    ensure_schema(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []
    ensure_schema(engine)  # a second call is a no-op
    engine.dispose()
