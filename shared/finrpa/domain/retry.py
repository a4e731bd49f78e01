"""Retry decisions for application exceptions: exponential backoff, capped, as a pure function."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a queue retries items whose systems failed."""

    max_attempts: int = 3
    base_delay_s: float = 30.0
    factor: float = 2.0
    max_delay_s: float = 3600.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_delay_s < 0 or self.factor < 1 or self.max_delay_s < 0:
            raise ValueError("delays must be non-negative and the factor at least 1")


def backoff_delay(policy: RetryPolicy, attempts: int) -> timedelta:
    """Delay before the next attempt, after ``attempts`` attempts failed (1 → base delay)."""
    exponent = max(attempts - 1, 0)
    seconds = min(policy.base_delay_s * policy.factor**exponent, policy.max_delay_s)
    return timedelta(seconds=seconds)


def next_attempt_at(policy: RetryPolicy, attempts: int, now: datetime) -> datetime | None:
    """When to try again after a failed attempt, or None when the item must be parked."""
    if attempts >= policy.max_attempts:
        return None
    return now + backoff_delay(policy, attempts)
