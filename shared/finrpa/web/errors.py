"""finrpa's errors as HTTP answers: one status and one stable code per error type."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse

from finrpa.errors import FinrpaError, InvalidTransition, ItemNotFound, QueueError
from finrpa.queue.payloads import InvalidPayload
from finrpa.review.errors import ReviewConflict, ReviewError, ReviewRefused
from finrpa.runs.records import RunNotFound


class RunLogNotFound(FinrpaError):
    """The run has no log of that step (or the step's name is no step of the run)."""

    def __init__(self, run_id: int, step: str) -> None:
        super().__init__(f"run {run_id} has no log of step {step!r}")


#: (error type, HTTP status), most specific first.
_STATUS: tuple[tuple[type[FinrpaError], int], ...] = (
    (ReviewRefused, 403),
    (ReviewConflict, 409),
    (InvalidTransition, 409),
    (ItemNotFound, 404),
    (RunNotFound, 404),
    (RunLogNotFound, 404),
    (InvalidPayload, 422),
    (ReviewError, 422),
    (QueueError, 422),
)


def status_for(exc: FinrpaError) -> int:
    for kind, status in _STATUS:
        if isinstance(exc, kind):
            return status
    return 400


def code_for(exc: FinrpaError) -> str:
    """A stable code for the error; the web pages translate ``error.<code>``."""
    if isinstance(exc, ReviewError):
        return exc.code
    if isinstance(exc, InvalidTransition):
        return "invalid_transition"
    if isinstance(exc, ItemNotFound):
        return "not_found"
    if isinstance(exc, InvalidPayload):
        return "invalid_payload"
    if isinstance(exc, RunNotFound):
        return "run_not_found"
    if isinstance(exc, RunLogNotFound):
        return "log_not_found"
    return "refused"


async def api_error(request: Request, exc: Exception) -> JSONResponse:
    """The JSON answer for a finrpa error (registered for the API and as the fallback)."""
    assert isinstance(exc, FinrpaError)
    body: dict[str, object] = {"detail": str(exc), "code": code_for(exc)}
    if isinstance(exc, InvalidPayload):
        body["errors"] = [{"field": ".".join(str(part) for part in error["loc"]),
                           "message": error["msg"]} for error in exc.errors]
    return JSONResponse(body, status_code=status_for(exc))
