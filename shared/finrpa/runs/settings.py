"""Settings of the scheduler, the worker and the alert mailer, from FINRPA_* variables.

They extend :class:`finrpa.settings.Settings` (home folder, database URL, worker id), so one
object carries everything a process needs. Read when asked for, never at import time.
"""

from __future__ import annotations

import os
import socket
from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr

from finrpa.settings import Settings


class SmtpSecurity(StrEnum):
    """How the SMTP connection is protected."""

    NONE = "none"  # plain SMTP (a relay on localhost)
    STARTTLS = "starttls"  # plain connection upgraded with STARTTLS (port 587)
    TLS = "tls"  # TLS from the first byte (port 465)


class RunSettings(Settings):
    """What ``finrpa scheduler``, ``worker`` and ``up`` read; every field is FINRPA_<FIELD>."""

    schedules_dir: Path = Field(default=Path("schedules"), description="Schedule files")
    robots_dir: Path = Field(default=Path("robots"), description="Robot folders")
    project_dir: Path = Field(
        default=Path("."), description="Folder a schedule's input and output folders are under"
    )
    base_url: str = Field(
        default="http://127.0.0.1:8000", description="Review page address, for links in alerts"
    )
    run_lease_seconds: float = Field(default=30.0, gt=0, description="Lease on a running run")
    worker_poll_seconds: float = Field(default=1.0, gt=0, description="Worker's idle wait")
    kill_grace_seconds: float = Field(
        default=10.0, ge=0, description="SIGTERM to SIGKILL, when a run is stopped"
    )
    scheduler_tick_seconds: float = Field(default=1.0, gt=0, description="Longest idle wait")
    misfire_grace_seconds: float = Field(
        default=60.0, ge=0,
        description="A firing later than this is treated as missed (the catch-up policy applies)",
    )
    overdue_check_seconds: float = Field(default=300.0, gt=0, description="Overdue item scan")
    smtp_host: str | None = Field(default=None, description="SMTP server; unset: no mail")
    smtp_port: int = Field(default=587, gt=0, lt=65536)
    smtp_security: SmtpSecurity = SmtpSecurity.STARTTLS
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "finrpa@localhost"
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    alert_retry_seconds: float = Field(default=30.0, gt=0, description="First resend delay")
    alert_retry_max_seconds: float = Field(default=1800.0, gt=0, description="Longest delay")
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8000, gt=0, lt=65536)

    def runs_dir(self) -> Path:
        """Where each run's folder (logs, outputs) goes: ``<home>/runs``."""
        return self.home / "runs"

    def run_dir(self, run_id: int) -> Path:
        """The folder of one run."""
        return self.runs_dir() / str(run_id)

    def process_name(self, role: str) -> str:
        """This process's name in leases and run records: FINRPA_WORKER_ID or role@host:pid."""
        return self.worker_id or f"{role}@{socket.gethostname()}:{os.getpid()}"


def load_run_settings() -> RunSettings:
    """Read the settings from the environment now."""
    return RunSettings()
