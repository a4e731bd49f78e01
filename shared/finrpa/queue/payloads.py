"""Payload validation by the pydantic model a robot declares for its queue.

A queue's settings name the model as ``module:Class``; enqueues and reviewers' corrections are
validated by it, so a corrected invoice cannot be sent back with a field the robot cannot read.
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ValidationError

from finrpa.errors import ConfigurationError, QueueError
from finrpa.queue.records import QueueConfig


@lru_cache(maxsize=64)
def load_payload_model(reference: str) -> type[BaseModel]:
    """Import the model named ``module:Class``."""
    module_name, _, class_name = reference.partition(":")
    try:
        model = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        raise ConfigurationError(f"payload model {reference!r} cannot be imported: {exc}") from exc
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise ConfigurationError(f"payload model {reference!r} is not a pydantic model")
    return model


class InvalidPayload(QueueError):
    """A payload does not fit the queue's model; ``errors`` lists field and problem."""

    def __init__(self, queue: str, errors: list[dict[str, Any]]) -> None:
        described = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'payload'}: {error['msg']}"
            for error in errors
        )
        super().__init__(f"payload for queue {queue!r} is invalid: {described}")
        self.errors = errors


def validate_payload(config: QueueConfig, payload: Any) -> Any:
    """The payload as JSON-ready data, validated by the queue's model when it has one."""
    model = load_payload_model(config.payload_model) if config.payload_model else None
    if isinstance(payload, BaseModel):
        if model is not None and isinstance(payload, model):
            # Built and validated as the queue's own model already: only serialise it.
            return payload.model_dump(mode="json")
        payload = payload.model_dump(mode="json")
    if model is None:
        return payload
    try:
        # Payloads are JSON: dates, decimals and enums arrive as strings, so validate leniently
        # even when the model is strict for values built in Python.
        return model.model_validate(payload, strict=False).model_dump(mode="json")
    except ValidationError as exc:
        raise InvalidPayload(config.name, exc.errors(include_url=False)) from exc
