"""How results, requests and payments are written to the journal and read back.

JSON only, never pickle: a row read back is data, not code. Results are the
core's own models (``Payment``, ``Operation``, ``WebhookEvent``), stored tagged;
a provider flow's own pydantic model is stored with its import path and rebuilt
only if that class is a pydantic model; plain JSON values are stored as they are.
Everything stored has already passed the driver's redaction.
"""

from __future__ import annotations

import base64
import importlib
import json
from typing import Any

from pydantic import BaseModel

from payments_core.models import Operation, Payment, WebhookEvent
from payments_core.provider import SentRequest

_MODELS: dict[str, type[BaseModel]] = {
    "payment": Payment,
    "operation": Operation,
    "webhook_event": WebhookEvent,
}
_TAGS = {model: tag for tag, model in _MODELS.items()}


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, default=str)


def outcome_to_json(value: Any) -> str:
    tag = _TAGS.get(type(value))
    if tag is not None:
        return dumps({"type": tag, "data": value.model_dump(mode="json")})
    if isinstance(value, BaseModel):
        cls = type(value)
        return dumps(
            {
                "type": "model",
                "class": f"{cls.__module__}:{cls.__qualname__}",
                "data": value.model_dump(mode="json"),
            }
        )
    return dumps({"type": "json", "data": value})


def outcome_from_json(text: str | None) -> Any:
    if text is None:
        return None
    stored = json.loads(text)
    kind, data = stored.get("type"), stored.get("data")
    if kind in _MODELS:
        return _MODELS[kind].model_validate(data)
    if kind == "model":
        module, _, name = str(stored.get("class", "")).partition(":")
        target: Any = importlib.import_module(module)
        for part in name.split("."):
            target = getattr(target, part)
        if isinstance(target, type) and issubclass(target, BaseModel):
            return target.model_validate(data)
        raise ValueError(f"{stored.get('class')!r} is not a pydantic model")
    return data


def status_of(value: Any) -> str | None:
    """The status word of a result, when it has one (a payment's or an operation's)."""
    status = getattr(value, "status", None)
    return getattr(status, "value", None) if status is not None else None


def sent_to_json(sent: SentRequest) -> str:
    return dumps(
        {
            "method": sent.method,
            "url": sent.url,
            "headers": [list(pair) for pair in sent.headers],
            "content": base64.b64encode(sent.content).decode("ascii"),
        }
    )


def sent_from_json(text: str | None) -> SentRequest | None:
    if text is None:
        return None
    data = json.loads(text)
    return SentRequest(
        method=data["method"],
        url=data["url"],
        headers=tuple((str(name), str(value)) for name, value in data["headers"]),
        content=base64.b64decode(data["content"]),
    )


def payment_to_json(payment: Payment) -> str:
    return dumps(payment.model_dump(mode="json"))


def payment_from_json(text: str) -> Payment:
    return Payment.model_validate_json(text)
