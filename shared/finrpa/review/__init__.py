"""The review service: people's decisions on exception items, roles, four-eyes and accounts.

Pure rules live in ``roles``, ``approvals``, ``corrections``, ``evidence``, ``documents`` and
``ageing``; ``accounts``, ``approval_store`` and ``listing`` read and write the database;
``service`` ties them to the queue store.
"""

from finrpa.review.accounts import AccountError, AccountStore, User
from finrpa.review.approval_store import ApprovalStore
from finrpa.review.approvals import AcceptStep, Approval, FourEyesPolicy, Person
from finrpa.review.errors import ReviewConflict, ReviewError, ReviewRefused
from finrpa.review.listing import ReviewFilter, ReviewListing, Sort, StateFilter
from finrpa.review.logins import LoginPolicy
from finrpa.review.roles import Permission, Role, allows, is_robot
from finrpa.review.service import AcceptOutcome, BulkResult, ItemDetail, ReviewService

__all__ = [
    "AcceptOutcome",
    "AcceptStep",
    "AccountError",
    "AccountStore",
    "Approval",
    "ApprovalStore",
    "BulkResult",
    "FourEyesPolicy",
    "ItemDetail",
    "LoginPolicy",
    "Permission",
    "Person",
    "ReviewConflict",
    "ReviewError",
    "ReviewFilter",
    "ReviewListing",
    "ReviewRefused",
    "ReviewService",
    "Role",
    "Sort",
    "StateFilter",
    "User",
    "allows",
    "is_robot",
]
