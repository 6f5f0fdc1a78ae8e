"""What leaves a driver has its providers' raw payloads redacted.

A payment, its operations and a webhook event each keep the provider's payload
(``raw``) for debugging; the fields a provider declares sensitive are masked
here, once, for every result, so no caller sees them.
"""

from __future__ import annotations

from typing import Any, TypeVar

from payments_core.models import Operation, Payment, WebhookEvent
from payments_core.redact import payloads_untouched, redact_payload

__all__ = ["redact_result"]

T = TypeVar("T")


def redact_result(value: T, fields: frozenset[str], memo: dict[int, Any] | None = None) -> T:
    """``value`` with its ``raw`` payloads redacted (the same object when nothing changed).

    One ``memo`` serves the whole result, so the parts an event shares with its
    payment (and a payment with its operations) are walked once. The usual
    result needs no change, and all its payloads are checked for that at once;
    only one that does is taken apart.
    """
    memo = {} if memo is None else memo
    payloads: list[Any] = []
    _collect(value, payloads)
    if not payloads or payloads_untouched(payloads, fields, memo):
        return value
    return _redact(value, fields, memo)


def _collect(value: object, payloads: list[Any]) -> None:
    """The payloads :func:`_redact` would redact, in its order."""
    if isinstance(value, WebhookEvent):
        _collect(value.payment, payloads)
        payloads.append(value.raw)
    elif isinstance(value, Payment):
        payloads.append(value.raw)
        for operation in value.operations:
            _collect(operation, payloads)
    elif isinstance(value, Operation):
        payloads.append(value.raw)


def _redact(value: T, fields: frozenset[str], memo: dict[int, Any]) -> T:
    if isinstance(value, WebhookEvent):
        payment = _redact(value.payment, fields, memo)
        raw = redact_payload(value.raw, fields, memo)
        if payment is value.payment and raw is value.raw:
            return value
        return value.model_copy(update={"payment": payment, "raw": raw})
    if isinstance(value, Payment):
        raw = redact_payload(value.raw, fields, memo)
        operations = tuple(_redact(op, fields, memo) for op in value.operations)
        unchanged = all(new is old for new, old in zip(operations, value.operations, strict=True))
        if raw is value.raw and unchanged:
            return value
        return value.model_copy(update={"raw": raw, "operations": operations})
    if isinstance(value, Operation):
        raw = redact_payload(value.raw, fields, memo)
        return value if raw is value.raw else value.model_copy(update={"raw": raw})
    return value
