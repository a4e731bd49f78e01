"""Findings: what a reader, validator or matching rule found wrong, as a value.

A finding names the source (file), the place inside it (an XML element path, or a sheet, row
and column), the offending value (already masked when it could be personal data) and a stable
code. Findings are shown to reviewers on the exception page and stored as work-item evidence,
so they must never carry an unmasked personal identity code.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Severity(StrEnum):
    """How bad a finding is: an error stops automatic processing, a warning does not."""

    ERROR = "error"
    WARNING = "warning"


class Finding(BaseModel):
    """One thing found wrong (or worth a look) in an input, with where it was found."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(description="Stable machine-readable code, e.g. INVALID_IBAN")
    message: str = Field(description="What was wrong and what was expected, for a person")
    source: str | None = Field(default=None, description="File the finding is about")
    location: str | None = Field(
        default=None, description="Element path, or sheet/row/column, inside the source"
    )
    value: str | None = Field(default=None, description="The offending value, masked if personal")
    severity: Severity = Severity.ERROR
    evidence: dict[str, Any] = Field(default_factory=dict)

    def describe(self) -> str:
        """One line naming source, location and message, for logs and CLI output."""
        where = ":".join(part for part in (self.source, self.location) if part)
        text = f"{self.message} [{self.code}]"
        return f"{where}: {text}" if where else text


def has_errors(findings: list[Finding]) -> bool:
    """True when any finding is an error (not just a warning)."""
    return any(finding.severity is Severity.ERROR for finding in findings)
