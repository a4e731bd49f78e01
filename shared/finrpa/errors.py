"""The exception hierarchy of finrpa.

    FinrpaError                      root: catch this to catch anything finrpa raises on purpose
    ├── ConfigurationError           a setting, profile or schedule file is wrong
    ├── InvalidTransition            a work item was asked to move where its state machine forbids
    ├── QueueError                   the queue refused an operation
    │   ├── ItemNotFound             no item with that id
    │   └── LeaseLost                the caller no longer holds the item's lease
    └── InputError                   a document or workbook could not be read (carries findings)

Third-party errors (SQLAlchemy, lxml, openpyxl) are translated into these where they enter,
with the original kept as ``__cause__``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from finrpa.domain.findings import Finding


class FinrpaError(Exception):
    """Root of every error finrpa raises on purpose."""


class ConfigurationError(FinrpaError):
    """A setting, tolerance profile or schedule file is invalid."""


class InvalidTransition(FinrpaError):
    """A work item cannot move from its state with the requested action."""

    def __init__(self, state: str, action: str) -> None:
        super().__init__(f"cannot {action} a work item that is {state}")
        self.state = state
        self.action = action


class QueueError(FinrpaError):
    """The queue refused an operation."""


class ItemNotFound(QueueError):
    """No work item has the given id."""

    def __init__(self, item_id: int | str) -> None:
        super().__init__(f"no work item with id {item_id}")
        self.item_id = item_id


class LeaseLost(QueueError):
    """The caller does not hold the lease of the item (it expired or another worker has it)."""

    def __init__(self, item_id: int, owner: str) -> None:
        super().__init__(f"work item {item_id} is not leased by {owner}")
        self.item_id = item_id
        self.owner = owner


class InputError(FinrpaError):
    """A document could not be read; ``findings`` says where and why."""

    def __init__(self, findings: list[Finding]) -> None:
        first = findings[0].describe() if findings else "unreadable input"
        more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
        super().__init__(first + more)
        self.findings = findings
