"""Settings from FINRPA_* environment variables, read when asked for (never at import time)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """finrpa's settings. Every field can be set as FINRPA_<FIELD> in the environment."""

    model_config = SettingsConfigDict(env_prefix="FINRPA_", extra="ignore")

    home: Path = Field(default=Path("var"), description="Folder for the SQLite file and run data")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default sqlite:///<home>/finrpa.db. "
        "PostgreSQL: postgresql+psycopg://user@host/db",
    )
    lease_seconds: float = Field(default=300.0, gt=0, description="Default work-item lease")
    worker_id: str | None = Field(default=None, description="Name of this worker in leases")

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file under ``home``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'finrpa.db').resolve()}"


def load_settings() -> Settings:
    """Read settings from the environment now."""
    return Settings()
