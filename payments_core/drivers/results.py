"""What leaves a driver has its providers' raw payloads redacted.

A payment, its operations and a webhook event each keep the provider's payload
(``raw``) for debugging; the fields a provider declares sensitive are masked
here, once, for every result, so no caller sees them.
"""

from __future__ import annotations

from typing import Any, TypeVar

from payments_core.models import Operation, Payment, WebhookEvent
from payments_core.redact import redact_payload

__all__ = ["redact_result"]

T = TypeVar("T")


def redact_result(value: T, fields: frozenset[str], memo: dict[int, Any] | None = None) -> T:
    """``value`` with its ``raw`` payloads redacted (the same object when nothing changed).

    One ``memo`` serves the whole result, so the parts an event shares with its
    payment (and a payment with its operations) are walked once.
    """
    memo = {} if memo is None else memo
    if isinstance(value, WebhookEvent):
        payment = redact_result(value.payment, fields, memo)
        raw = redact_payload(value.raw, fields, memo)
        if payment is value.payment and raw is value.raw:
            return value
        return value.model_copy(update={"payment": payment, "raw": raw})
    if isinstance(value, Payment):
        raw = redact_payload(value.raw, fields, memo)
        operations = tuple(redact_result(op, fields, memo) for op in value.operations)
        unchanged = all(new is old for new, old in zip(operations, value.operations, strict=True))
        if raw is value.raw and unchanged:
            return value
        return value.model_copy(update={"raw": raw, "operations": operations})
    if isinstance(value, Operation):
        raw = redact_payload(value.raw, fields, memo)
        return value if raw is value.raw else value.model_copy(update={"raw": raw})
    return value
