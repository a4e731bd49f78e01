"""Why the review service refused something.

    FinrpaError (finrpa.errors)
    └── ReviewError
        ├── ReviewRefused      the person may not do this (role, four-eyes, robot): HTTP 403
        └── ReviewConflict     someone else got there first (approval taken, item moved): 409

``code`` is stable and is what the web app translates; ``message`` is English for logs and the
API.
"""

from __future__ import annotations

from finrpa.errors import FinrpaError


class ReviewError(FinrpaError):
    """A review action could not be done; ``code`` names why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class ReviewRefused(ReviewError):
    """The person lacks the right to do this."""


class ReviewConflict(ReviewError):
    """The item or approval changed under the person's feet."""
