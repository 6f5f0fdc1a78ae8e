"""BOG's operations beyond the common five, run through a payments facade.

The facades (:class:`~payments_core.Payments`, :class:`~payments_core.AsyncPayments`)
name what every gateway has. Saved cards, subscriptions and Apple Pay on the
merchant's page are BOG's own; these wrappers run them through the facade you
already have, so they share its HTTP client, token cache, retries, deadline and
plugins (``before_operation`` may veto them, observers see them)::

    with Payments("bog", client_id=..., client_secret=...) as payments:
        bog = BogPayments(payments)
        first = payments.create_payment(request_with_save_card_option)
        ...
        later = bog.charge_subscription(first.id)

Idempotency keys are minted per call when you leave them out; pass your own to make
a repeated call safe across process restarts.
"""

from __future__ import annotations

import uuid
from typing import Any, Final, TypeVar

from payments_bog.provider import BogProvider, SavedCardKind
from payments_core.errors import ConfigurationError
from payments_core.gateway import AsyncPayments, Payments
from payments_core.models import OperationRequest, Payment, PaymentRequest
from payments_core.provider import Flow

__all__ = ["AsyncBogPayments", "BogPayments"]

T = TypeVar("T")

SOURCE_CREATE: Final = "create"
SOURCE_POLL: Final = "poll"


def _bog_provider(payments: Payments | AsyncPayments) -> BogProvider:
    provider = getattr(payments, "provider", None)
    if not isinstance(provider, BogProvider):
        name = getattr(provider, "name", type(payments).__name__)
        raise ConfigurationError(
            f"BOG operations need a gateway whose provider is BOG, not {name!r}",
            provider="bog",
        )
    return provider


def _key(idempotency_key: str | None) -> str:
    return idempotency_key or str(uuid.uuid4())


class BogPayments:
    """BOG's own operations over a synchronous :class:`~payments_core.Payments`."""

    def __init__(self, payments: Payments) -> None:
        if not isinstance(payments, Payments):
            raise ConfigurationError("BogPayments wraps a Payments (use AsyncBogPayments)")
        self.provider = _bog_provider(payments)
        self._payments = payments

    def __repr__(self) -> str:
        return f"<BogPayments gateway={self._payments.name!r}>"

    def _run(
        self,
        operation: str,
        request: Any,
        flow: Flow[T],
        payment_id: str | None,
        source: str | None = None,
    ) -> T:
        return self._payments.run_flow(
            operation, request, flow, payment_id=payment_id, source=source
        )

    def save_card(
        self, order_id: str, kind: SavedCardKind, *, idempotency_key: str | None = None
    ) -> None:
        """Save the card ``order_id`` will be paid with, for ``recurrent`` or ``subscription``."""
        key = _key(idempotency_key)
        self._run(
            "save_card",
            OperationRequest(payment_id=order_id, idempotency_key=key),
            self.provider.save_card(order_id, kind, idempotency_key=key),
            order_id,
        )

    def charge_saved_card(self, parent_order_id: str, request: PaymentRequest) -> Payment:
        """A new payment with the card saved by ``parent_order_id``; has a ``redirect_url``."""
        return self._run(
            "charge_saved_card",
            request,
            self.provider.charge_saved_card(parent_order_id, request),
            parent_order_id,
            SOURCE_CREATE,
        )

    def charge_subscription(
        self,
        parent_order_id: str,
        *,
        callback_url: str | None = None,
        external_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Payment:
        """Charge the card saved for subscriptions by ``parent_order_id``; no customer step."""
        key = _key(idempotency_key)
        return self._run(
            "charge_subscription",
            OperationRequest(payment_id=parent_order_id, idempotency_key=key),
            self.provider.charge_subscription(
                parent_order_id,
                idempotency_key=key,
                callback_url=callback_url,
                external_id=external_id,
            ),
            parent_order_id,
            SOURCE_CREATE,
        )

    def delete_saved_card(self, order_id: str, *, idempotency_key: str | None = None) -> bool:
        """Forget the card saved by ``order_id``; ``False`` when it was already gone."""
        key = _key(idempotency_key)
        return self._run(
            "delete_saved_card",
            OperationRequest(payment_id=order_id, idempotency_key=key),
            self.provider.delete_saved_card(order_id, idempotency_key=key),
            order_id,
        )

    def complete_apple_pay(
        self, order_id: str, apple_pay_token: str, *, idempotency_key: str | None = None
    ) -> Payment:
        """Pay an external Apple Pay order with the token from Apple's SDK."""
        key = _key(idempotency_key)
        return self._run(
            "complete_apple_pay",
            OperationRequest(payment_id=order_id, idempotency_key=key),
            self.provider.complete_apple_pay(order_id, apple_pay_token, idempotency_key=key),
            order_id,
            SOURCE_POLL,
        )


class AsyncBogPayments:
    """BOG's own operations over an asynchronous :class:`~payments_core.AsyncPayments`."""

    def __init__(self, payments: AsyncPayments) -> None:
        if not isinstance(payments, AsyncPayments):
            raise ConfigurationError("AsyncBogPayments wraps an AsyncPayments (use BogPayments)")
        self.provider = _bog_provider(payments)
        self._payments = payments

    def __repr__(self) -> str:
        return f"<AsyncBogPayments gateway={self._payments.name!r}>"

    async def _run(
        self,
        operation: str,
        request: Any,
        flow: Flow[T],
        payment_id: str | None,
        source: str | None = None,
    ) -> T:
        return await self._payments.run_flow(
            operation, request, flow, payment_id=payment_id, source=source
        )

    async def save_card(
        self, order_id: str, kind: SavedCardKind, *, idempotency_key: str | None = None
    ) -> None:
        """Save the card ``order_id`` will be paid with, for ``recurrent`` or ``subscription``."""
        key = _key(idempotency_key)
        await self._run(
            "save_card",
            OperationRequest(payment_id=order_id, idempotency_key=key),
            self.provider.save_card(order_id, kind, idempotency_key=key),
            order_id,
        )

    async def charge_saved_card(self, parent_order_id: str, request: PaymentRequest) -> Payment:
        """A new payment with the card saved by ``parent_order_id``; has a ``redirect_url``."""
        return await self._run(
            "charge_saved_card",
            request,
            self.provider.charge_saved_card(parent_order_id, request),
            parent_order_id,
            SOURCE_CREATE,
        )

    async def charge_subscription(
        self,
        parent_order_id: str,
        *,
        callback_url: str | None = None,
        external_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Payment:
        """Charge the card saved for subscriptions by ``parent_order_id``; no customer step."""
        key = _key(idempotency_key)
        return await self._run(
            "charge_subscription",
            OperationRequest(payment_id=parent_order_id, idempotency_key=key),
            self.provider.charge_subscription(
                parent_order_id,
                idempotency_key=key,
                callback_url=callback_url,
                external_id=external_id,
            ),
            parent_order_id,
            SOURCE_CREATE,
        )

    async def delete_saved_card(self, order_id: str, *, idempotency_key: str | None = None) -> bool:
        """Forget the card saved by ``order_id``; ``False`` when it was already gone."""
        key = _key(idempotency_key)
        return await self._run(
            "delete_saved_card",
            OperationRequest(payment_id=order_id, idempotency_key=key),
            self.provider.delete_saved_card(order_id, idempotency_key=key),
            order_id,
        )

    async def complete_apple_pay(
        self, order_id: str, apple_pay_token: str, *, idempotency_key: str | None = None
    ) -> Payment:
        """Pay an external Apple Pay order with the token from Apple's SDK."""
        key = _key(idempotency_key)
        return await self._run(
            "complete_apple_pay",
            OperationRequest(payment_id=order_id, idempotency_key=key),
            self.provider.complete_apple_pay(order_id, apple_pay_token, idempotency_key=key),
            order_id,
            SOURCE_POLL,
        )
