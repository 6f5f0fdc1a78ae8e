"""Verifying a gateway's callback: a flow like every operation, with its own checks.

The raw body and headers are checked here, then the provider's verification
flow runs through the driver (a gateway without signatures reads the payment
back). Whatever goes wrong comes out as a
:class:`~payments_core.errors.WebhookVerificationError`; a verified event is
logged, marked as the journal's inbox saw it, and handed to the hooks.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from payments_core.errors import ErrorCode, PaymentError, WebhookVerificationError
from payments_core.gateway.building import FacadeBase
from payments_core.gateway.calls import require
from payments_core.gateway.instrumentation import in_context
from payments_core.models import WebhookEvent
from payments_core.provider import Capability, Flow

__all__ = ["Webhooks", "delivered"]

logger = logging.getLogger("payments_core")


class Webhooks(FacadeBase):
    """The facades' callback checks, reports and logs."""

    def _webhook_flow(
        self,
        headers: Mapping[str, str] | Iterable[tuple[str, str]],
        body: object,
        remote_addr: str | None,
    ) -> Flow[WebhookEvent]:
        """Check the input, then the provider's verification flow, errors typed."""
        require(self.provider, Capability.WEBHOOKS, "webhooks")
        if not isinstance(body, bytes | bytearray | memoryview):
            raise WebhookVerificationError(
                "pass the raw request body as bytes, exactly as received",
                code=ErrorCode.WEBHOOK_MALFORMED,
                provider=self.provider.name,
            )
        if remote_addr is not None and not isinstance(remote_addr, str):
            raise WebhookVerificationError(
                "remote_addr must be the caller's address as a string",
                code=ErrorCode.WEBHOOK_MALFORMED,
                provider=self.provider.name,
            )
        try:
            parsed_headers = httpx.Headers(list(_header_items(headers)))
        except Exception as exc:
            raise WebhookVerificationError(
                f"could not read the callback's headers ({type(exc).__name__})",
                code=ErrorCode.WEBHOOK_MALFORMED,
                provider=self.provider.name,
            ) from None
        return self._guarded_webhook(parsed_headers, bytes(body), remote_addr)

    def _guarded_webhook(
        self, headers: httpx.Headers, body: bytes, remote_addr: str | None
    ) -> Flow[WebhookEvent]:
        try:
            event = yield from self.provider.webhook(headers, body, remote_addr=remote_addr)
        except PaymentError:
            raise
        except Exception as exc:
            raise WebhookVerificationError(
                f"could not read the callback ({type(exc).__name__})",
                code=ErrorCode.WEBHOOK_MALFORMED,
                provider=self.provider.name,
            ) from exc
        if not isinstance(event, WebhookEvent):
            raise WebhookVerificationError(
                f"provider {self.provider.name!r} returned {type(event).__name__} for a "
                "callback, not a WebhookEvent",
                code=ErrorCode.WEBHOOK_MALFORMED,
                provider=self.provider.name,
            )
        return event

    def _webhook_failed(self, error: PaymentError) -> PaymentError:
        """Log a refused callback; the error to raise, naming the provider."""
        error = in_context(error, self.provider.name)
        logger.warning(
            "provider=%s gateway=%s callback refused: %s %s",
            self.provider.name,
            self.name,
            error.code.value,
            error.message,
            extra={"provider": self.provider.name, "error_code": error.code.value},
        )
        return error

    def _webhook_received(self, event: WebhookEvent) -> None:
        """Log the callback; hooks hear a new one (``payment_updated`` only if it applied)."""
        if logger.isEnabledFor(logging.INFO):  # the line is built only for someone reading it
            payment = event.payment
            fields = {
                "provider": self.provider.name,
                "gateway": self.name,
                "event_id": event.id,
                "event_type": event.type,
                "payment_id": payment.id,
                "external_id": payment.external_id,
                "provider_transaction_id": payment.provider_transaction_id,
                "status": payment.status.value,
                "delivery": "duplicate" if event.duplicate else "stale" if event.stale else None,
            }
            logger.info(
                "callback %s",
                " ".join(f"{key}={value}" for key, value in fields.items() if value is not None),
                extra=fields,
            )
        if event.duplicate:
            return
        self.hooks.webhook_received(event)
        if not event.stale:
            self.hooks.payment_updated(event.payment, "webhook")


def delivered(event: WebhookEvent, delivery: Any) -> WebhookEvent:
    """The event marked as the journal's inbox saw it."""
    duplicate, stale = delivery == "duplicate", delivery == "stale"
    if not (duplicate or stale):
        return event
    return event.model_copy(update={"duplicate": duplicate, "stale": stale})


def _header_items(
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
) -> Iterable[tuple[str, str]]:
    return headers.items() if isinstance(headers, Mapping) else headers
