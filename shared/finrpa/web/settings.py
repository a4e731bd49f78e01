"""The web app's settings: finrpa's settings plus what only the review app needs.

Every field can be set as ``FINRPA_<FIELD>`` in the environment. They are read when
:func:`finrpa.web.app.create_app` is called, never at import time.
"""

from __future__ import annotations

import os
import secrets
from decimal import Decimal
from pathlib import Path

from pydantic import Field, SecretStr

from finrpa.settings import Settings


class WebSettings(Settings):
    """Settings of ``finrpa web``."""

    secret_key: SecretStr | None = Field(
        default=None, description="Signs session cookies; default: <home>/web-secret, created once")
    session_hours: float = Field(default=8.0, gt=0, description="A session's lifetime")
    cookie_secure: bool = Field(default=False, description="Send cookies over HTTPS only")
    four_eyes_limit: Decimal = Field(default=Decimal("10000.00"), ge=0,
                                     description="Accepting more than this takes two people")
    four_eyes_currency: str = Field(default="EUR", min_length=3, max_length=3)
    timezone: str = Field(default="Europe/Helsinki", description="Dates are shown in this zone")
    default_language: str = Field(default="fi", pattern="^(fi|sv|en)$")
    page_size: int = Field(default=50, ge=5, le=500)
    export_max_rows: int = Field(default=50_000, ge=1)
    counts_ttl_s: float = Field(default=10.0, ge=0, description="How long reason counts are kept")
    login_failures_per_name: int = Field(default=5, ge=1)
    login_failures_per_address: int = Field(default=20, ge=1)
    login_window_minutes: int = Field(default=15, ge=1)
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8000, ge=1, le=65535)

    @classmethod
    def from_settings(cls, settings: Settings) -> WebSettings:
        """Web settings extending ``settings`` (the rest from the environment)."""
        if isinstance(settings, WebSettings):
            return settings
        return cls(**settings.model_dump(exclude_unset=True))

    def resolved_secret(self) -> str:
        """The signing key: the setting, else a random key kept in ``<home>/web-secret``."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        path = Path(self.home) / "web-secret"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            draft = path.with_name(f".web-secret-{secrets.token_hex(4)}")
            descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
            try:
                os.link(draft, path)  # atomic: of several processes starting, one key wins
            except FileExistsError:
                pass
            finally:
                draft.unlink()
        return path.read_text().strip()
