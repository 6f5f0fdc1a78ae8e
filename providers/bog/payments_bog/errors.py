"""BOG's HTTP error answers → the core's error tree.

BOG publishes no error schema (reference §4.3). What is known, and how it maps:

=====================================  ==============================================
BOG answers                            raised
=====================================  ==============================================
400 ``{"message": "Invalid order_id"}``  :class:`NotFoundError` — BOG's "no such order"
400 ``"... already requested ..."``      :class:`InvalidStateError` — an approve in flight
other 400, 422                         :class:`InvalidRequestError`
401, 403                               :class:`AuthenticationError`
404                                    :class:`NotFoundError`
409                                    :class:`InvalidRequestError` (``idempotency_conflict``)
429                                    :class:`RateLimitedError` with ``retry_after``
5xx                                    :class:`ProviderUnavailableError`
=====================================  ==============================================

The body is read when it is JSON (``message``, else ``error_description``; the code
from ``key`` or ``error``) and ignored otherwise: the status alone still decides the
class. BOG's text is kept as ``provider_message``; request headers and bodies never
go into an error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import httpx

from payments_bog import PROVIDER
from payments_core.errors import (
    InvalidStateError,
    NotFoundError,
    PaymentError,
    ProviderResponseError,
)
from payments_core.provider import error_for_status

if TYPE_CHECKING:
    from payments_bog.wire.answers import ErrorBody

__all__ = ["error_for_response", "is_unknown_order", "restated"]

MAX_MESSAGE: Final = 300
"""BOG's message is cut to this many characters in our error message."""

UNKNOWN_ORDER_MARKER: Final = "invalid order_id"
ALREADY_REQUESTED_MARKER: Final = "already requested"


def _body(response: httpx.Response) -> ErrorBody:
    # BOG's answer models load with the first answer read, not when a gateway is built.
    from payments_bog.wire.answers import ErrorBody, json_object, read

    if not response.content:
        return ErrorBody()
    try:
        return read(ErrorBody, json_object(response, "error answer"), "error answer")
    except ProviderResponseError:
        return ErrorBody()


def error_for_response(response: httpx.Response) -> PaymentError:
    """The typed error for one of BOG's error answers (table in the module docs)."""
    body = _body(response)
    provider_message = body.message or body.error_description
    provider_code = body.key or body.error
    status = response.status_code
    text = f"BOG answered HTTP {status}"
    if provider_message:
        text += f": {provider_message[:MAX_MESSAGE]}"
    lowered = (provider_message or "").lower()
    special: type[PaymentError] | None = None
    if status == 400 and UNKNOWN_ORDER_MARKER in lowered:
        special = NotFoundError
    elif status == 400 and ALREADY_REQUESTED_MARKER in lowered:
        special = InvalidStateError
    if special is not None:
        return special(
            text,
            provider=PROVIDER,
            provider_code=provider_code,
            provider_message=provider_message,
            request_id=response.headers.get("x-request-id"),
            http_status=status,
        )
    error = error_for_status(
        response, provider=PROVIDER, message=provider_message, provider_code=provider_code
    )
    return restated(error, text, payment_id=error.payment_id)


def is_unknown_order(response: httpx.Response) -> bool:
    """BOG's "no such order": ``400 Invalid order_id`` (reference §2.2), or a plain 404."""
    if response.status_code == 404:
        return True
    if response.status_code != 400:
        return False
    body = _body(response)
    return UNKNOWN_ORDER_MARKER in (body.message or body.error_description or "").lower()


def restated(error: PaymentError, message: str, *, payment_id: str | None) -> PaymentError:
    """``error`` built anew with another message and payment id, every other detail kept."""
    return error.replace(message, payment_id=payment_id, provider=error.provider or PROVIDER)
