"""The work-item state machine and retry decisions, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from finrpa.domain.items import (
    FINAL_STATES,
    ItemAction,
    ItemState,
    allowed_actions,
    is_decision,
    next_state,
)
from finrpa.domain.retry import RetryPolicy, backoff_delay, next_attempt_at
from finrpa.errors import InvalidTransition

S, A = ItemState, ItemAction


@pytest.mark.parametrize(
    ("state", "action", "expected"),
    [
        (S.PENDING, A.CLAIM, S.IN_PROGRESS),
        (S.IN_PROGRESS, A.COMPLETE, S.DONE),
        (S.IN_PROGRESS, A.BUSINESS_EXCEPTION, S.NEEDS_REVIEW),
        (S.IN_PROGRESS, A.RELEASE, S.PENDING),
        (S.NEEDS_REVIEW, A.ACCEPT, S.DONE),
        (S.NEEDS_REVIEW, A.REJECT, S.REJECTED),
        (S.NEEDS_REVIEW, A.REQUEUE, S.PENDING),
        (S.FAILED, A.RETRY, S.PENDING),
    ],
)
def test_allowed_transitions(state: ItemState, action: ItemAction, expected: ItemState) -> None:
    assert next_state(state, action) is expected


@pytest.mark.parametrize("action", [A.APPLICATION_EXCEPTION, A.LEASE_EXPIRED])
def test_retrying_actions_park_at_the_limit(action: ItemAction) -> None:
    assert next_state(S.IN_PROGRESS, action, attempts=1, max_attempts=3) is S.PENDING
    assert next_state(S.IN_PROGRESS, action, attempts=2, max_attempts=3) is S.PENDING
    assert next_state(S.IN_PROGRESS, action, attempts=3, max_attempts=3) is S.FAILED


def test_business_exception_is_never_retried_whatever_the_attempts() -> None:
    assert next_state(S.IN_PROGRESS, A.BUSINESS_EXCEPTION, attempts=0, max_attempts=9) is (
        S.NEEDS_REVIEW
    )


def test_every_other_pair_is_refused() -> None:
    allowed = {
        (S.PENDING, A.CLAIM), (S.IN_PROGRESS, A.COMPLETE), (S.IN_PROGRESS, A.BUSINESS_EXCEPTION),
        (S.IN_PROGRESS, A.APPLICATION_EXCEPTION), (S.IN_PROGRESS, A.LEASE_EXPIRED),
        (S.IN_PROGRESS, A.RELEASE), (S.NEEDS_REVIEW, A.ACCEPT), (S.NEEDS_REVIEW, A.REJECT),
        (S.NEEDS_REVIEW, A.REQUEUE), (S.FAILED, A.RETRY),
    }
    for state in ItemState:
        for action in ItemAction:
            if (state, action) in allowed:
                assert action in allowed_actions(state)
                continue
            with pytest.raises(InvalidTransition) as raised:
                next_state(state, action)
            assert state.value in str(raised.value) and action.value in str(raised.value)


def test_final_states_allow_nothing() -> None:
    for state in FINAL_STATES:
        assert allowed_actions(state) == frozenset()


def test_decisions_are_the_human_actions() -> None:
    assert {a for a in ItemAction if is_decision(a)} == {A.ACCEPT, A.REJECT, A.REQUEUE, A.RETRY}


def test_backoff_grows_exponentially_and_is_capped() -> None:
    policy = RetryPolicy(max_attempts=10, base_delay_s=30, factor=2, max_delay_s=200)
    delays = [backoff_delay(policy, attempt).total_seconds() for attempt in range(1, 6)]
    assert delays == [30, 60, 120, 200, 200]


def test_next_attempt_none_at_the_limit() -> None:
    policy = RetryPolicy(max_attempts=2, base_delay_s=10)
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert next_attempt_at(policy, 1, now) == now + timedelta(seconds=10)
    assert next_attempt_at(policy, 2, now) is None


def test_policy_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="factor"):
        RetryPolicy(factor=0.5)
