"""What a gateway's bare HTTP answer means: the error class of a status, ``Retry-After``.

Providers read their own error bodies and fall back on this; the driver and the
token auth use :func:`parse_retry_after` to honour a gateway's advice.
"""

from __future__ import annotations

import math
from typing import Any

import httpx

from payments_core.errors import (
    AuthenticationError,
    ErrorCode,
    InvalidRequestError,
    NotFoundError,
    PaymentError,
    ProviderUnavailableError,
    RateLimitedError,
)

__all__ = ["error_for_status", "parse_retry_after"]


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        # "nan", "inf", "-1": no usable advice (nan would compare as "retry at once").
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    from datetime import UTC, datetime
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def error_for_status(
    response: httpx.Response,
    *,
    provider: str,
    message: str | None = None,
    provider_code: str | None = None,
    payment_id: str | None = None,
) -> PaymentError:
    """The error class a bare HTTP status means; providers refine it with body details."""
    status = response.status_code
    request_id = response.headers.get("x-request-id")
    text = message or f"{provider} answered HTTP {status}"
    common: dict[str, Any] = {
        "provider": provider,
        "provider_code": provider_code,
        "provider_message": message,
        "payment_id": payment_id,
        "request_id": request_id,
        "http_status": status,
    }
    if status == 401 or status == 403:
        return AuthenticationError(text, **common)
    if status == 404:
        return NotFoundError(text, **common)
    if status == 409:
        return InvalidRequestError(text, code=ErrorCode.IDEMPOTENCY_CONFLICT, **common)
    if status == 429:
        return RateLimitedError(
            text, retry_after=parse_retry_after(response.headers.get("retry-after")), **common
        )
    if status >= 500:
        return ProviderUnavailableError(text, **common)
    return InvalidRequestError(text, **common)
