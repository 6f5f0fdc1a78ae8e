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
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

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


@dataclass(frozen=True)
class _Call(Generic[T]):
    """One BOG operation, checked and keyed, ready for a facade's ``run_flow``."""

    operation: str
    request: Any
    flow: Flow[T]
    payment_id: str
    source: str | None = None


class _BogCalls:
    """Builds each operation once; the sync and async wrappers only run them."""

    provider: BogProvider

    def _save_card(self, order_id: str, kind: SavedCardKind, key: str | None) -> _Call[None]:
        key = _key(key)
        return _Call(
            "save_card",
            OperationRequest(payment_id=order_id, idempotency_key=key),
            self.provider.save_card(order_id, kind, idempotency_key=key),
            order_id,
        )

    def _charge_saved_card(self, parent_order_id: str, request: PaymentRequest) -> _Call[Payment]:
        return _Call(
            "charge_saved_card",
            request,
            self.provider.charge_saved_card(parent_order_id, request),
            parent_order_id,
            SOURCE_CREATE,
        )

    def _charge_subscription(
        self,
        parent_order_id: str,
        callback_url: str | None,
        external_id: str | None,
        key: str | None,
    ) -> _Call[Payment]:
        key = _key(key)
        return _Call(
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

    def _delete_saved_card(self, order_id: str, key: str | None) -> _Call[bool]:
        key = _key(key)
        return _Call(
            "delete_saved_card",
            OperationRequest(payment_id=order_id, idempotency_key=key),
            self.provider.delete_saved_card(order_id, idempotency_key=key),
            order_id,
        )

    def _complete_apple_pay(self, order_id: str, token: str, key: str | None) -> _Call[Payment]:
        key = _key(key)
        return _Call(
            "complete_apple_pay",
            # the Apple Pay token is a payment credential: plugins never see it
            OperationRequest(payment_id=order_id, idempotency_key=key),
            self.provider.complete_apple_pay(order_id, token, idempotency_key=key),
            order_id,
            SOURCE_POLL,
        )


class BogPayments(_BogCalls):
    """BOG's own operations over a synchronous :class:`~payments_core.Payments`."""

    def __init__(self, payments: Payments) -> None:
        if not isinstance(payments, Payments):
            raise ConfigurationError("BogPayments wraps a Payments (use AsyncBogPayments)")
        self.provider = _bog_provider(payments)
        self._payments = payments

    def __repr__(self) -> str:
        return f"<BogPayments gateway={self._payments.name!r}>"

    def _run(self, call: _Call[T]) -> T:
        return self._payments.run_flow(
            call.operation, call.request, call.flow, payment_id=call.payment_id, source=call.source
        )

    def save_card(
        self, order_id: str, kind: SavedCardKind, *, idempotency_key: str | None = None
    ) -> None:
        """Save the card ``order_id`` will be paid with, for ``recurrent`` or ``subscription``."""
        self._run(self._save_card(order_id, kind, idempotency_key))

    def charge_saved_card(self, parent_order_id: str, request: PaymentRequest) -> Payment:
        """A new payment with the card saved by ``parent_order_id``; has a ``redirect_url``."""
        return self._run(self._charge_saved_card(parent_order_id, request))

    def charge_subscription(
        self,
        parent_order_id: str,
        *,
        callback_url: str | None = None,
        external_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Payment:
        """Charge the card saved for subscriptions by ``parent_order_id``; no customer step."""
        return self._run(
            self._charge_subscription(parent_order_id, callback_url, external_id, idempotency_key)
        )

    def delete_saved_card(self, order_id: str, *, idempotency_key: str | None = None) -> bool:
        """Forget the card saved by ``order_id``; ``False`` when it was already gone."""
        return self._run(self._delete_saved_card(order_id, idempotency_key))

    def complete_apple_pay(
        self, order_id: str, apple_pay_token: str, *, idempotency_key: str | None = None
    ) -> Payment:
        """Pay an external Apple Pay order with the token from Apple's SDK."""
        return self._run(self._complete_apple_pay(order_id, apple_pay_token, idempotency_key))


class AsyncBogPayments(_BogCalls):
    """BOG's own operations over an asynchronous :class:`~payments_core.AsyncPayments`."""

    def __init__(self, payments: AsyncPayments) -> None:
        if not isinstance(payments, AsyncPayments):
            raise ConfigurationError("AsyncBogPayments wraps an AsyncPayments (use BogPayments)")
        self.provider = _bog_provider(payments)
        self._payments = payments

    def __repr__(self) -> str:
        return f"<AsyncBogPayments gateway={self._payments.name!r}>"

    async def _run(self, call: _Call[T]) -> T:
        return await self._payments.run_flow(
            call.operation, call.request, call.flow, payment_id=call.payment_id, source=call.source
        )

    async def save_card(
        self, order_id: str, kind: SavedCardKind, *, idempotency_key: str | None = None
    ) -> None:
        """Save the card ``order_id`` will be paid with, for ``recurrent`` or ``subscription``."""
        await self._run(self._save_card(order_id, kind, idempotency_key))

    async def charge_saved_card(self, parent_order_id: str, request: PaymentRequest) -> Payment:
        """A new payment with the card saved by ``parent_order_id``; has a ``redirect_url``."""
        return await self._run(self._charge_saved_card(parent_order_id, request))

    async def charge_subscription(
        self,
        parent_order_id: str,
        *,
        callback_url: str | None = None,
        external_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Payment:
        """Charge the card saved for subscriptions by ``parent_order_id``; no customer step."""
        return await self._run(
            self._charge_subscription(parent_order_id, callback_url, external_id, idempotency_key)
        )

    async def delete_saved_card(self, order_id: str, *, idempotency_key: str | None = None) -> bool:
        """Forget the card saved by ``order_id``; ``False`` when it was already gone."""
        return await self._run(self._delete_saved_card(order_id, idempotency_key))

    async def complete_apple_pay(
        self, order_id: str, apple_pay_token: str, *, idempotency_key: str | None = None
    ) -> Payment:
        """Pay an external Apple Pay order with the token from Apple's SDK."""
        return await self._run(self._complete_apple_pay(order_id, apple_pay_token, idempotency_key))
