"""Who may do what in the review app: roles, permissions and the robot rule. Pure.

=========  ===================================================================================
reviewer   works the exception queue: accept (below the four-eyes limit), reject, correct,
           postpone, assign, comment; may give the *first* of two approvals
approver   everything a reviewer may, and the *second* approval above the four-eyes limit
ops        sees failed items too and retries them; assigns and comments; decides nothing;
           sees the robots' runs and their logs
admin      manages accounts, sees and does what reviewers and ops do; never a second approval
           (who hands out accounts should not also release large payments)
robot      a robot's own account: reads through the API, never decides
=========  ===================================================================================
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A user's role."""

    REVIEWER = "reviewer"
    APPROVER = "approver"
    OPS = "ops"
    ADMIN = "admin"
    ROBOT = "robot"


class Permission(StrEnum):
    """One thing a role may do."""

    VIEW = "view"
    SEE_FAILED = "see_failed"
    COMMENT = "comment"
    ASSIGN = "assign"
    DECIDE = "decide"
    SECOND_APPROVAL = "second_approval"
    RETRY = "retry"
    MANAGE_USERS = "manage_users"
    SEE_RUNS = "see_runs"


_REVIEWER = frozenset({Permission.VIEW, Permission.COMMENT, Permission.ASSIGN, Permission.DECIDE})
_OPS = frozenset({Permission.VIEW, Permission.SEE_FAILED, Permission.COMMENT, Permission.ASSIGN,
                  Permission.RETRY, Permission.SEE_RUNS})
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.REVIEWER: _REVIEWER,
    Role.APPROVER: _REVIEWER | {Permission.SECOND_APPROVAL},
    Role.OPS: _OPS,
    Role.ADMIN: _REVIEWER | _OPS | {Permission.MANAGE_USERS},
    Role.ROBOT: frozenset({Permission.VIEW}),
}
#: What a robot may never do, whatever its account's role says.
_NEVER_FOR_ROBOTS = frozenset({Permission.DECIDE, Permission.SECOND_APPROVAL, Permission.RETRY,
                               Permission.ASSIGN, Permission.COMMENT, Permission.MANAGE_USERS})
ROBOT_ACTOR_PREFIX = "robot:"


def is_robot(name: str, role: Role | str | None = None) -> bool:
    """True for a robot's account: role ``robot`` or an actor name starting ``robot:``."""
    return name.startswith(ROBOT_ACTOR_PREFIX) or role == Role.ROBOT


def allows(role: Role | str, permission: Permission, name: str = "") -> bool:
    """Whether a user called ``name`` with ``role`` has ``permission``."""
    if is_robot(name, role) and permission in _NEVER_FOR_ROBOTS:
        return False
    return permission in PERMISSIONS.get(Role(role), frozenset())
