""":class:`BogProvider`: Bank of Georgia's Online Payments API v1 as a payments-core provider.

The class is what the core loads (entry point ``payments_bog:BogProvider``) and
what the facades call. It holds the merchant's settings, the token cache and the
callback key, builds every request the way BOG wants it, and has one method per
operation: each checks its input (:mod:`payments_bog.prechecks`) when called and
returns the flow that does the work, so a bad request fails with nothing sent.

Where the rest lives:

* :mod:`payments_bog.operations`: the flows of the five operations every provider
  has (create, read, refund, capture, void);
* :mod:`payments_bog.own_operations`: BOG's saved cards, subscriptions and Apple Pay
  on the merchant's page, which :mod:`payments_bog.api` runs through a facade;
* :mod:`payments_bog.prechecks`: what is refused before a request is sent;
* :mod:`payments_bog.key_memory`: the callback key, read once.

Each method imports the modules it runs from: building a gateway, which every
process does at start, does not pay for BOG's wire models; the first call does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import httpx

from payments_bog import PROVIDER, errors
from payments_bog.key_memory import CallbackKeyMemory
from payments_bog.settings import BogSettings
from payments_bog.tokens import token_lifetime
from payments_core.auth import OAuth2ClientCredentials
from payments_core.errors import PaymentError
from payments_core.models import (
    Operation,
    OperationRequest,
    Payment,
    PaymentRequest,
    WebhookEvent,
)
from payments_core.money import Money
from payments_core.provider import (
    Capability,
    Flow,
    PaymentProvider,
    ProviderSettings,
    SentRequest,
)

if TYPE_CHECKING:
    from payments_bog.options import SplitPart

__all__ = ["BogProvider", "SavedCardKind"]

SavedCardKind = Literal["recurrent", "subscription"]
"""``recurrent``: the customer pays again on BOG's page without typing the card;
``subscription``: the merchant charges the card with no customer present."""


class BogProvider(PaymentProvider):
    """Bank of Georgia (BOG) Online Payments. See the package docs for an example."""

    name = PROVIDER
    settings_model = BogSettings
    env_prefix = "BOG_"
    honours_idempotency_keys = True
    sensitive_options = frozenset({"google_pay_token", "apple_pay_token"})
    sensitive_fields = frozenset({"google_pay_token", "apple_pay_token"})
    capabilities = frozenset(
        {
            Capability.CREATE,
            Capability.RETRIEVE,
            Capability.REFUND,
            Capability.PARTIAL_REFUND,
            Capability.CAPTURE,
            Capability.PARTIAL_CAPTURE,
            Capability.VOID,
            Capability.WEBHOOKS,
            Capability.SAVED_CARDS,
            Capability.RECURRING,
        }
    )

    settings: BogSettings

    def __init__(self, settings: ProviderSettings) -> None:
        super().__init__(settings)
        self.api_base_url = self.settings.resolved_api_base_url
        self._auth = OAuth2ClientCredentials(
            self.settings.resolved_token_url,
            self.settings.client_id,
            self.settings.client_secret,
            lifetime_reader=token_lifetime,
            provider=self.name,
        )
        self._callback_keys = CallbackKeyMemory(self.settings)

    def __repr__(self) -> str:
        return f"<BogProvider environment={self.settings.environment!r} api={self.api_base_url!r}>"

    # -- what the drivers ask of a provider ------------------------------------------

    @property
    def auth(self) -> httpx.Auth:
        """One token cache per provider: every call of this merchant account shares it."""
        return self._auth

    def error_for_response(self, response: httpx.Response) -> PaymentError:
        return errors.error_for_response(response)

    def build_request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        accept_status: Iterable[int] = (),
        read_only: bool = False,
    ) -> httpx.Request:
        """Every API request asks for the merchant's language (``Accept-Language``).

        The reference names the header for creating orders (the payment page), but
        BOG's other answers carry text a customer may be shown too (status labels,
        action messages, a wallet payment's receipt); without the header they come
        in BOG's default, Georgian. A create's own language (its locale) wins.
        """
        return super().build_request(
            method,
            url,
            json=json,
            data=data,
            headers={"Accept-Language": self.settings.language, **(headers or {})},
            idempotency_key=idempotency_key,
            accept_status=accept_status,
            read_only=read_only,
        )

    # -- the five operations ------------------------------------------------------------

    def create_payment(self, request: PaymentRequest) -> Flow[Payment]:
        """``POST /ecommerce/orders``; with ``save_card``, the card-saving PUT follows."""
        import payments_bog.operations as operations
        import payments_bog.orders as orders

        prepared = orders.prepare_order(request, self.settings)
        return operations.create(self, f"{self.api_base_url}/ecommerce/orders", request, prepared)

    def get_payment(self, payment_id: str) -> Flow[Payment]:
        """``GET /receipt/{id}``."""
        import payments_bog.exchange as exchange
        import payments_bog.prechecks as prechecks

        order_id = prechecks.checked_id(payment_id)
        return exchange.read_payment(self, order_id)

    def refund(
        self, payment_id: str, amount: Money | None, *, idempotency_key: str
    ) -> Flow[Operation]:
        """Read the receipt, check what is refundable, then ``POST /payment/refund/{id}``.

        A full refund (``amount=None``) is sent with the explicit refundable amount:
        BOG's sandbox refused a refund without one, and the refundable amount is
        ``transfer_amount``, so a bank discount cannot make it too large.
        """
        import payments_bog.operations as operations
        import payments_bog.prechecks as prechecks

        order_id = prechecks.checked_id(payment_id)
        prechecks.checked_amount(amount)
        return operations.refund(self, order_id, amount, idempotency_key)

    def capture(
        self,
        payment_id: str,
        amount: Money | None,
        *,
        idempotency_key: str,
        description: str | None = None,
        split: Sequence[SplitPart | Mapping[str, Any]] | None = None,
    ) -> Flow[Operation]:
        """Read the receipt, check the hold, then ``POST /payment/authorization/approve/{id}``.

        The full capture is sent with the held amount explicitly (the sandbox needs it).
        ``description`` (BOG's note on the approve) and ``split`` (receivers of the
        captured money, shaped like ``provider_options.split``) are BOG's own; the
        facade's ``capture`` has no room for them, :class:`~payments_bog.BogPayments`
        passes them.
        """
        import payments_bog.operations as operations
        import payments_bog.options as options
        import payments_bog.prechecks as prechecks

        order_id = prechecks.checked_id(payment_id)
        prechecks.checked_amount(amount)
        note = prechecks.checked_description(description)
        parts = options.parse_split(split) if split is not None else None
        return operations.capture(self, order_id, amount, idempotency_key, note, parts)

    def void(
        self, payment_id: str, *, idempotency_key: str, description: str | None = None
    ) -> Flow[Operation]:
        """Read the receipt, check the hold, then ``POST /payment/authorization/cancel/{id}``.

        ``description`` is BOG's note on the cancel (see :meth:`capture`).
        """
        import payments_bog.operations as operations
        import payments_bog.prechecks as prechecks

        order_id = prechecks.checked_id(payment_id)
        note = prechecks.checked_description(description)
        return operations.void(self, order_id, idempotency_key, note)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        """Verify ``Callback-Signature`` over the raw bytes, then read the event."""
        import payments_bog.callbacks as callbacks

        return callbacks.parse_callback(headers, bytes(body), self._callback_keys.current())

    # -- BOG's own operations -------------------------------------------------------------

    def save_card(self, order_id: str, kind: SavedCardKind, *, idempotency_key: str) -> Flow[None]:
        """``PUT /orders/{id}/cards`` or ``/subscriptions``: save the card this order is paid with.

        Call it after creating the order and before the customer pays (or use the
        ``save_card`` option of ``create_payment``, which does both in one call).
        """
        import payments_bog.own_operations as own_operations
        import payments_bog.prechecks as prechecks

        checked = prechecks.checked_id(order_id, "order_id")
        path = prechecks.saved_card_path(kind)
        return own_operations.save_card(self, checked, path, idempotency_key, after_create=False)

    def charge_saved_card(self, parent_order_id: str, request: PaymentRequest) -> Flow[Payment]:
        """``POST /ecommerce/orders/{parent}``: a new order paid with the parent's saved card.

        The customer still confirms on BOG's page: the result has a ``redirect_url``.
        """
        import payments_bog.operations as operations
        import payments_bog.orders as orders
        import payments_bog.prechecks as prechecks

        parent = prechecks.checked_id(parent_order_id, "parent_order_id")
        prepared = orders.prepare_order(request, self.settings)
        url = f"{self.api_base_url}/ecommerce/orders/{parent}"
        return operations.create(self, url, request, prepared)

    def charge_subscription(
        self,
        parent_order_id: str,
        *,
        idempotency_key: str,
        callback_url: str | None = None,
        external_id: str | None = None,
    ) -> Flow[Payment]:
        """``POST /ecommerce/orders/{parent}/subscribe``: charge the saved card, no customer.

        BOG copies amount, currency and basket from the parent order, so the parent's
        receipt is read first (an unknown parent fails before anything is charged).
        The result is ``processing``: the outcome arrives by callback or receipt.
        """
        import payments_bog.orders as orders
        import payments_bog.own_operations as own_operations
        import payments_bog.prechecks as prechecks

        parent = prechecks.checked_id(parent_order_id, "parent_order_id")
        if callback_url is not None:
            orders.check_callback_url(callback_url, self.settings)
        prechecks.checked_external_id(external_id)
        return own_operations.charge_subscription(
            self, parent, idempotency_key, callback_url, external_id
        )

    def delete_saved_card(self, order_id: str, *, idempotency_key: str) -> Flow[bool]:
        """``DELETE /charges/card/{id}``: forget the card saved with that order.

        Returns ``True`` when BOG deleted it now, ``False`` when BOG does not know the
        order: ``400 Invalid order_id``, BOG's answer for an unknown order (reference
        §2.2), or a 404 (some clients report it). Either way nothing is saved under it.
        """
        import payments_bog.own_operations as own_operations
        import payments_bog.prechecks as prechecks

        checked = prechecks.checked_id(order_id, "order_id")
        return own_operations.delete_saved_card(self, checked, idempotency_key)

    def complete_apple_pay(
        self, order_id: str, apple_pay_token: str, *, idempotency_key: str
    ) -> Flow[Payment]:
        """``POST /ecommerce/orders/{id}/payment``: pay an external Apple Pay order.

        ``apple_pay_token`` is the JSON string Apple Pay's SDK produced, unmodified.
        The order must have been created with ``apple_pay_external``.
        """
        import payments_bog.own_operations as own_operations
        import payments_bog.prechecks as prechecks

        checked = prechecks.checked_id(order_id, "order_id")
        prechecks.checked_apple_pay_token(apple_pay_token)
        return own_operations.complete_apple_pay(self, checked, apple_pay_token, idempotency_key)

    def resend(self, operation: str, request: Any, sent: SentRequest) -> Flow[Operation] | None:
        """Repeat a refund, capture or void whose outcome was unknown: the same bytes.

        The checks before sending read the receipt; once the first attempt went
        through they would refuse its repeat ("nothing left to refund") although
        BOG answers a repeated key with the first outcome. So the repeat skips
        them and sends what was sent, under the same key.
        """
        import payments_bog.operations as operations

        kind = operations.RESENT_KINDS.get(operation)
        if kind is None or not isinstance(request, OperationRequest):
            return None
        return operations.resend_action(kind, request, sent)
