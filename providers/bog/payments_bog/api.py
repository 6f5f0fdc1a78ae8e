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

``capture`` and ``void`` here are the facade's, plus what only BOG takes with them:
a ``description`` on the approve or cancel, and a ``split`` of the captured money::

    bog.capture(held.id, Money("30.00", "GEL"), description="shipped",
                split=[{"iban": "GE00BG0000000000000001", "percent": "10"}])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

from payments_bog import PROVIDER
from payments_bog.options import SplitPart, parse_split
from payments_bog.provider import BogProvider, SavedCardKind
from payments_core.errors import ConfigurationError
from payments_core.gateway import AsyncPayments, Payments
from payments_core.idempotency import mint_key
from payments_core.models import Operation, OperationRequest, Payment, PaymentRequest
from payments_core.money import Money
from payments_core.provider import Flow

__all__ = ["AsyncBogPayments", "BogActionRequest", "BogPayments"]

SplitInput = Sequence[SplitPart | Mapping[str, Any]]


class BogActionRequest(OperationRequest):
    """A capture or void with BOG's extras, as plugins see it and as its key is bound to.

    An :class:`~payments_core.models.OperationRequest`, so hooks and the facade's
    repeat of an unknown outcome treat it like the facade's own; the extras are part
    of the request, so the same key with another description or split is a conflict.
    """

    description: str | None = None
    split: tuple[SplitPart, ...] | None = None


T = TypeVar("T")

SOURCE_CREATE: Final = "create"
SOURCE_POLL: Final = "poll"


def _bog_provider(payments: Payments | AsyncPayments) -> BogProvider:
    provider = getattr(payments, "provider", None)
    if not isinstance(provider, BogProvider):
        name = getattr(provider, "name", type(payments).__name__)
        raise ConfigurationError(
            f"BOG operations need a gateway whose provider is BOG, not {name!r}",
            provider=PROVIDER,
        )
    return provider


def _key(idempotency_key: str | None) -> str:
    return idempotency_key or mint_key()


@dataclass(frozen=True)
class _PreparedOperation(Generic[T]):
    """One BOG operation, checked and keyed, ready for a facade's ``run_flow``: what
    the facade reports it as (``operation``, ``request``, ``payment_id``, ``source``)
    and the flow that does it."""

    operation: str
    request: Any
    flow: Flow[T]
    payment_id: str
    source: str | None = None


class _BogOperations:
    """Prepares each of BOG's own operations once; the sync and async wrappers only run them."""

    provider: BogProvider

    def _save_card(
        self, order_id: str, kind: SavedCardKind, key: str | None
    ) -> _PreparedOperation[None]:
        key = _key(key)
        return _PreparedOperation(
            "save_card",
            OperationRequest(payment_id=order_id, idempotency_key=key),
            self.provider.save_card(order_id, kind, idempotency_key=key),
            order_id,
        )

    def _charge_saved_card(
        self, parent_order_id: str, request: PaymentRequest
    ) -> _PreparedOperation[Payment]:
        return _PreparedOperation(
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
    ) -> _PreparedOperation[Payment]:
        key = _key(key)
        return _PreparedOperation(
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

    def _delete_saved_card(self, order_id: str, key: str | None) -> _PreparedOperation[bool]:
        key = _key(key)
        return _PreparedOperation(
            "delete_saved_card",
            OperationRequest(payment_id=order_id, idempotency_key=key),
            self.provider.delete_saved_card(order_id, idempotency_key=key),
            order_id,
        )

    def _capture(
        self,
        payment_id: str,
        amount: Money | None,
        description: str | None,
        split: SplitInput | None,
        key: str | None,
    ) -> _PreparedOperation[Operation]:
        key = _key(key)
        parts = parse_split(split) if split is not None else None
        # The flow first: the provider checks the input, before the request is built on it.
        flow = self.provider.capture(
            payment_id, amount, idempotency_key=key, description=description, split=parts
        )
        request = BogActionRequest(
            payment_id=payment_id,
            amount=amount,
            idempotency_key=key,
            description=description,
            split=parts,
        )
        return _PreparedOperation("capture", request, flow, payment_id)

    def _void(
        self, payment_id: str, description: str | None, key: str | None
    ) -> _PreparedOperation[Operation]:
        key = _key(key)
        flow = self.provider.void(payment_id, idempotency_key=key, description=description)
        request = BogActionRequest(
            payment_id=payment_id, idempotency_key=key, description=description
        )
        return _PreparedOperation("void", request, flow, payment_id)

    def _complete_apple_pay(
        self, order_id: str, token: str, key: str | None
    ) -> _PreparedOperation[Payment]:
        key = _key(key)
        return _PreparedOperation(
            "complete_apple_pay",
            # the Apple Pay token is a payment credential: plugins never see it
            OperationRequest(payment_id=order_id, idempotency_key=key),
            self.provider.complete_apple_pay(order_id, token, idempotency_key=key),
            order_id,
            SOURCE_POLL,
        )


class BogPayments(_BogOperations):
    """BOG's own operations over a synchronous :class:`~payments_core.Payments`."""

    def __init__(self, payments: Payments) -> None:
        if not isinstance(payments, Payments):
            raise ConfigurationError("BogPayments wraps a Payments (use AsyncBogPayments)")
        self.provider = _bog_provider(payments)
        self._payments = payments

    def __repr__(self) -> str:
        return f"<BogPayments gateway={self._payments.name!r}>"

    def _run(self, call: _PreparedOperation[T]) -> T:
        return self._payments.run_flow(
            call.operation, call.request, call.flow, payment_id=call.payment_id, source=call.source
        )

    def capture(
        self,
        payment_id: str,
        amount: Money | None = None,
        *,
        description: str | None = None,
        split: SplitInput | None = None,
        idempotency_key: str | None = None,
    ) -> Operation:
        """Capture a held payment like ``Payments.capture``, with BOG's note and split."""
        return self._run(self._capture(payment_id, amount, description, split, idempotency_key))

    def void(
        self,
        payment_id: str,
        *,
        description: str | None = None,
        idempotency_key: str | None = None,
    ) -> Operation:
        """Release a hold like ``Payments.void``, with BOG's note on the cancel."""
        return self._run(self._void(payment_id, description, idempotency_key))

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


class AsyncBogPayments(_BogOperations):
    """BOG's own operations over an asynchronous :class:`~payments_core.AsyncPayments`."""

    def __init__(self, payments: AsyncPayments) -> None:
        if not isinstance(payments, AsyncPayments):
            raise ConfigurationError("AsyncBogPayments wraps an AsyncPayments (use BogPayments)")
        self.provider = _bog_provider(payments)
        self._payments = payments

    def __repr__(self) -> str:
        return f"<AsyncBogPayments gateway={self._payments.name!r}>"

    async def _run(self, call: _PreparedOperation[T]) -> T:
        return await self._payments.run_flow(
            call.operation, call.request, call.flow, payment_id=call.payment_id, source=call.source
        )

    async def capture(
        self,
        payment_id: str,
        amount: Money | None = None,
        *,
        description: str | None = None,
        split: SplitInput | None = None,
        idempotency_key: str | None = None,
    ) -> Operation:
        """Capture a held payment like ``AsyncPayments.capture``, with BOG's note and split."""
        return await self._run(
            self._capture(payment_id, amount, description, split, idempotency_key)
        )

    async def void(
        self,
        payment_id: str,
        *,
        description: str | None = None,
        idempotency_key: str | None = None,
    ) -> Operation:
        """Release a hold like ``AsyncPayments.void``, with BOG's note on the cancel."""
        return await self._run(self._void(payment_id, description, idempotency_key))

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
