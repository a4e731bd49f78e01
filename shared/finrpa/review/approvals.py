"""Four-eyes rules for accepting an item: who may accept, approve first, or approve second. Pure.

Accepting an item whose amount exceeds the limit takes two people: the first acceptance is
recorded as a *first approval* and the item waits; a second, different person with the approver
role completes it. Whoever corrected the item (sent it back with a changed payload, or saved a
changed payload) may give neither approval. An approval belongs to one stay in review (the
*round*, named by the event that brought the item into review): after a correction and a new
exception, approvals start over.

Amounts in another currency than the limit's always take two people: the review app has no
exchange rates, and erring towards a second look is the safe side. Items without an amount
(supplier master data, say) take one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from finrpa.domain.items import ItemState
from finrpa.queue.records import ItemEvent
from finrpa.review.errors import ReviewConflict, ReviewRefused
from finrpa.review.roles import Permission, Role, allows, is_robot

#: Events whose actor changed the item's data.
_CORRECTING_ACTIONS = frozenset({"requeue", "payload_saved", "correct"})


@dataclass(frozen=True)
class FourEyesPolicy:
    """Above ``limit`` (in ``currency``) an acceptance takes two people."""

    limit: Decimal = Decimal("10000.00")
    currency: str = "EUR"

    def applies(self, amount: Decimal | None, currency: str | None) -> bool:
        """Whether accepting an item of ``amount`` ``currency`` takes two people."""
        if amount is None:
            return False
        if (currency or self.currency).upper() != self.currency.upper():
            return True
        return amount > self.limit


@dataclass(frozen=True)
class Person:
    """Who acts: the account's name and role."""

    name: str
    role: Role


@dataclass(frozen=True)
class Approval:
    """A first approval, waiting (``pending``) or closed."""

    id: int
    item_id: int
    round_event_id: int
    actor: str
    at: datetime
    note: str | None
    status: str


class AcceptStep(StrEnum):
    """What an acceptance by this person does."""

    ACCEPT = "accept"
    FIRST_APPROVAL = "first_approval"
    SECOND_APPROVAL = "second_approval"


def review_round(events: Iterable[ItemEvent]) -> int | None:
    """The id of the event that brought the item into its current stay in review."""
    found = None
    for event in events:
        if event.to_state == ItemState.NEEDS_REVIEW:
            found = event.id
    return found


def correctors(events: Iterable[ItemEvent]) -> frozenset[str]:
    """Everyone who changed the item's payload, over its whole history."""
    return frozenset(
        event.actor for event in events
        if event.action in _CORRECTING_ACTIONS and (event.detail or {}).get("changes")
    )


def current_approval(pending: Approval | None, round_id: int | None) -> Approval | None:
    """``pending`` when it belongs to the current stay in review, else None (it lapsed)."""
    if pending is None or pending.status != "pending" or pending.round_event_id != round_id:
        return None
    return pending


def require_decider(person: Person) -> None:
    """Refuse robots and roles that may not decide."""
    if is_robot(person.name, person.role):
        raise ReviewRefused("robot_cannot_decide", "a robot's account can never decide")
    if not allows(person.role, Permission.DECIDE, person.name):
        raise ReviewRefused("not_permitted", f"role {person.role} may not decide items")


def accept_step(person: Person, needs_two: bool, pending: Approval | None,
                changed_by: frozenset[str]) -> AcceptStep:
    """What ``person`` accepting the item does, or ReviewRefused saying why they may not."""
    require_decider(person)
    if not needs_two:
        return AcceptStep.ACCEPT
    if person.name in changed_by:
        raise ReviewRefused("corrector_cannot_approve",
                            f"{person.name} corrected this item and cannot approve it")
    if pending is None:
        return AcceptStep.FIRST_APPROVAL
    if pending.actor == person.name:
        raise ReviewRefused("same_person", "the second approval must come from another person")
    if not allows(person.role, Permission.SECOND_APPROVAL, person.name):
        raise ReviewRefused("approver_required", "the second approval needs the approver role")
    return AcceptStep.SECOND_APPROVAL


def require_withdrawable(person: Person, pending: Approval | None) -> Approval:
    """The approval ``person`` may withdraw: only their own, while it waits."""
    if pending is None:
        raise ReviewConflict("no_pending_approval", "no approval is waiting on this item")
    if pending.actor != person.name:
        raise ReviewRefused("not_your_approval", "only the person who approved can withdraw it")
    return pending
