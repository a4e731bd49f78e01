"""Payload validation by the pydantic model a robot declares for its queue.

A queue's settings name the model as ``module:Class``; enqueues and reviewers' corrections are
validated by it, so a corrected invoice cannot be sent back with a field the robot cannot read.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import to_jsonable_python

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


@dataclass(frozen=True)
class PayloadJson:
    """A payload already serialised from an instance of a payload model (``model`` names it
    as ``module:Class``): what a producer hands over when it built the payloads elsewhere (in
    helper processes, say). Enqueued into a queue of that model, it is stored as it is."""

    model: str
    text: str

    @classmethod
    def of(cls, instance: BaseModel) -> PayloadJson:
        """The JSON of ``instance``, labelled with its model."""
        kind = type(instance)
        return cls(f"{kind.__module__}:{kind.__qualname__}", instance.model_dump_json())


def enqueue_payload(config: QueueConfig, payload: Any) -> Any:
    """:func:`validate_payload`, except that a :class:`PayloadJson` of the queue's own model is
    passed through unchanged (the hot path stores its text)."""
    if isinstance(payload, PayloadJson) and payload.model == config.payload_model:
        return payload
    return validate_payload(config, payload)


def validate_payload(config: QueueConfig, payload: Any) -> Any:
    """The payload as JSON-ready data, validated by the queue's model when it has one."""
    if isinstance(payload, PayloadJson):
        payload = json.loads(payload.text)
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


@lru_cache(maxsize=256)
def _field_adapter(model: type[BaseModel], key: str) -> TypeAdapter[Any] | None:
    info = model.model_fields.get(key)
    if info is None:
        return None
    # The field's type with its constraints (FieldInfo), validated on its own.
    field_type: Any = Annotated[info.annotation, info]
    return TypeAdapter(field_type)


def validate_payload_update(config: QueueConfig, update: dict[str, Any]) -> dict[str, Any]:
    """Top-level payload keys to set, JSON-ready; each validated as the queue model's field of
    that name (a key the model does not declare is refused when the model forbids extras)."""
    model = load_payload_model(config.payload_model) if config.payload_model else None
    validated: dict[str, Any] = {}
    for key, value in update.items():
        adapter = _field_adapter(model, key) if model is not None else None
        if adapter is None:
            if model is not None and model.model_config.get("extra") == "forbid":
                raise InvalidPayload(config.name, [{"loc": (key,), "msg": "not a field"}])
            validated[key] = to_jsonable_python(value)
            continue
        try:
            validated[key] = adapter.dump_python(
                adapter.validate_python(value, strict=False), mode="json")
        except ValidationError as exc:
            errors = [{**error, "loc": (key, *error["loc"])}
                      for error in exc.errors(include_url=False)]
            raise InvalidPayload(config.name, errors) from exc
    return validated
