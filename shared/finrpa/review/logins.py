"""When sign-in is refused for too many failures. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class LoginPolicy:
    """At most ``per_name`` failures for one account, ``per_address`` from one address,
    within ``window``; beyond that every attempt is refused until the window moves on."""

    per_name: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)

    def blocked(self, failures_for_name: int, failures_from_address: int) -> bool:
        """Whether the next attempt is refused without even checking the password."""
        return failures_for_name >= self.per_name or failures_from_address >= self.per_address
