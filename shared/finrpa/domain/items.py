"""The work-item state machine, as pure functions.

    pending ──claim──▶ in_progress ──complete──────────▶ done
       ▲                  │  │  └──business_exception──▶ needs_review ──accept──▶ done
       │                  │  │                              │   │  └──reject──▶ rejected
       │                  │  └─application_exception─┐      │   └─requeue (corrected payload)─┐
       │                  └─lease_expired──────────┐ │      │                                 │
       ├──────────── retry (below the limit) ◀─────┴─┘      │                                 │
       │                                     (at the limit) └▶ failed ──retry (ops)─┐         │
       └────────────────────────────────────────────────────────────────────────────┴─────────┘

An application exception (a system was down) is retried automatically with backoff until the
queue's attempt limit, then parked as ``failed`` for ops. A business exception (the data is wrong)
is never retried automatically: it waits in ``needs_review`` for a person.
"""

from __future__ import annotations

from enum import StrEnum

from finrpa.errors import InvalidTransition


class ItemState(StrEnum):
    """Where a work item is in its life."""

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    FAILED = "failed"
    NEEDS_REVIEW = "needs_review"
    REJECTED = "rejected"


class ItemAction(StrEnum):
    """Everything that can happen to a work item."""

    CLAIM = "claim"
    COMPLETE = "complete"
    APPLICATION_EXCEPTION = "application_exception"
    BUSINESS_EXCEPTION = "business_exception"
    LEASE_EXPIRED = "lease_expired"
    RELEASE = "release"
    ACCEPT = "accept"
    REJECT = "reject"
    REQUEUE = "requeue"
    RETRY = "retry"


#: States an item never leaves on its own; only a person can reopen them (none can today).
FINAL_STATES = frozenset({ItemState.DONE, ItemState.REJECTED})

#: (state, action) -> the possible next states; retrying actions have two outcomes.
_TRANSITIONS: dict[tuple[ItemState, ItemAction], frozenset[ItemState]] = {
    (ItemState.PENDING, ItemAction.CLAIM): frozenset({ItemState.IN_PROGRESS}),
    (ItemState.IN_PROGRESS, ItemAction.COMPLETE): frozenset({ItemState.DONE}),
    (ItemState.IN_PROGRESS, ItemAction.BUSINESS_EXCEPTION): frozenset({ItemState.NEEDS_REVIEW}),
    (ItemState.IN_PROGRESS, ItemAction.APPLICATION_EXCEPTION): frozenset(
        {ItemState.PENDING, ItemState.FAILED}
    ),
    (ItemState.IN_PROGRESS, ItemAction.LEASE_EXPIRED): frozenset(
        {ItemState.PENDING, ItemState.FAILED}
    ),
    # A worker hands back an item it claimed but never started (prefetched, then shut down).
    (ItemState.IN_PROGRESS, ItemAction.RELEASE): frozenset({ItemState.PENDING}),
    (ItemState.NEEDS_REVIEW, ItemAction.ACCEPT): frozenset({ItemState.DONE}),
    (ItemState.NEEDS_REVIEW, ItemAction.REJECT): frozenset({ItemState.REJECTED}),
    (ItemState.NEEDS_REVIEW, ItemAction.REQUEUE): frozenset({ItemState.PENDING}),
    (ItemState.FAILED, ItemAction.RETRY): frozenset({ItemState.PENDING}),
}


def allowed_actions(state: ItemState) -> frozenset[ItemAction]:
    """The actions that may be applied to an item in ``state``."""
    return frozenset(action for (source, action) in _TRANSITIONS if source is state)


def next_state(
    state: ItemState, action: ItemAction, *, attempts: int = 0, max_attempts: int = 1
) -> ItemState:
    """The state after ``action``; raises InvalidTransition when the action is not allowed.

    ``attempts`` counts the attempts made so far, the one that just ended included; it decides
    whether an application exception or an expired lease is retried or parked as failed.
    """
    targets = _TRANSITIONS.get((ItemState(state), ItemAction(action)))
    if targets is None:
        raise InvalidTransition(str(state), str(action))
    if len(targets) == 1:
        return next(iter(targets))
    return ItemState.PENDING if attempts < max_attempts else ItemState.FAILED


def is_decision(action: ItemAction) -> bool:
    """True for the actions a person takes on an item in review."""
    return action in {ItemAction.ACCEPT, ItemAction.REJECT, ItemAction.REQUEUE, ItemAction.RETRY}
