""":class:`BogProvider`: Bank of Georgia's Online Payments API v1 as a payments-core provider.

Every operation is a flow (see :mod:`payments_core.provider`): it yields the
``httpx.Request`` objects BOG needs and turns the answers into the core's models. The
flows never do I/O and check their input when called, before the first request, so
a bad request fails with nothing sent.

Beyond the five operations every provider has, BOG's saved cards, subscriptions and
Apple Pay on the merchant's page are flows here too; :mod:`payments_bog.api` runs them
through a :class:`~payments_core.Payments` facade.

Refund, capture and void first read the receipt and refuse (InvalidStateError) what BOG
would refuse anyway: a refund of an unpaid order, more than is left, a refund while
another is still pending, a capture of an order that is not held. BOG only
acknowledges these requests; the outcome shows later in the receipt and in a
callback, so they return a ``pending`` Operation.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, Literal

import httpx

from payments_bog import errors
from payments_bog.options import SplitPart, parse_split
from payments_bog.orders import (
    PreparedOrder,
    check_callback_url,
    check_split,
    out_split,
    prepare_order,
)
from payments_bog.receipt import money, order_facts, payment_from_receipt
from payments_bog.settings import BogSettings
from payments_bog.statuses import OrderFacts, payment_status
from payments_bog.tokens import token_lifetime
from payments_bog.wire import ActionAck, CreateOrderResponse, Receipt, json_object, read
from payments_core.auth import OAuth2ClientCredentials
from payments_core.errors import (
    ErrorCode,
    InvalidRequestError,
    InvalidStateError,
    OutcomeUnknownError,
    PaymentError,
    ProviderResponseError,
)
from payments_core.models import (
    CaptureMode,
    Operation,
    OperationKind,
    OperationRequest,
    OperationStatus,
    Payment,
    PaymentRequest,
    WebhookEvent,
    check_text,
)
from payments_core.money import Money
from payments_core.provider import (
    Capability,
    Flow,
    PaymentProvider,
    ProviderSettings,
    SentRequest,
)
from payments_core.retry import RETRY_STATUSES
from payments_core.status import PaymentStatus

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

__all__ = ["BogProvider", "SavedCardKind"]

SavedCardKind = Literal["recurrent", "subscription"]
"""``recurrent``: the customer pays again on BOG's page without typing the card;
``subscription``: the merchant charges the card with no customer present."""

_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}")
"""BOG's order ids are UUIDs; ids go into URL paths, so nothing else passes."""

REFUNDABLE_KEYS: Final = frozenset({"completed", "partial_completed", "refunded_partially"})
"""Order statuses a refund may be asked for in. Partial refunds may follow one
another, but only once the last one is settled: ``refund_requested`` is refused."""
REFUND_PENDING_KEY: Final = "refund_requested"
"""A refund is under way: BOG refuses another until it settles."""
PARTIAL_REFUND_METHODS: Final = frozenset({"card", "apple_pay", "google_pay"})
"""BOG refunds other methods (``bog_p2p``) only in full (reference §2.3)."""

_SAVE_CARD_PATHS: Final[dict[str, str]] = {"recurrent": "cards", "subscription": "subscriptions"}
_RESENT_KINDS: Final = {
    "refund": OperationKind.REFUND,
    "capture": OperationKind.CAPTURE,
    "void": OperationKind.VOID,
}
_HANDLED_AFTER_CREATE: Final = frozenset(range(400, 600)) - RETRY_STATUSES
"""Errors of the card-saving PUT that the create flow reports itself, with the order id."""


class BogProvider(PaymentProvider):
    """Bank of Georgia (BOG) Online Payments. See the package docs for an example."""

    name = "bog"
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
        # A configured key is read and checked now, so a bad one fails at start-up.
        # BOG's built-in keys (pinned by the tests) wait for the first callback:
        # a process that never checks one never imports ``cryptography``.
        self._key: RSAPublicKey | None = None
        self._key_pending = self.settings.verify_callbacks
        configured = self.settings.callback_public_key
        if self._key_pending and configured is not None and configured.strip():
            self._load_callback_key()

    def _load_callback_key(self) -> RSAPublicKey:
        from payments_bog.keys import load_public_key

        key = load_public_key(self.settings.callback_public_key, self.settings.environment)
        self._key, self._key_pending = key, False
        return key

    @property
    def _callback_key(self) -> RSAPublicKey | None:
        """The key callbacks are checked with (``None``: ``verify_callbacks`` is off)."""
        return self._load_callback_key() if self._key_pending else self._key

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
        prepared = prepare_order(request, self.settings)
        return self._create(self._url("/ecommerce/orders"), request, prepared)

    def get_payment(self, payment_id: str) -> Flow[Payment]:
        """``GET /receipt/{id}``."""
        order_id = _checked_id(payment_id)
        return self._read_payment(order_id)

    def refund(
        self, payment_id: str, amount: Money | None, *, idempotency_key: str
    ) -> Flow[Operation]:
        """Read the receipt, check what is refundable, then ``POST /payment/refund/{id}``.

        A full refund (``amount=None``) is sent with the explicit refundable amount:
        BOG's sandbox refused a refund without one, and the refundable amount is
        ``transfer_amount``, so a bank discount cannot make it too large.
        """
        order_id = _checked_id(payment_id)
        _checked_amount(amount)
        return self._refund(order_id, amount, idempotency_key)

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
        order_id = _checked_id(payment_id)
        _checked_amount(amount)
        note = _checked_description(description)
        parts = parse_split(split) if split is not None else None
        return self._capture(order_id, amount, idempotency_key, note, parts)

    def void(
        self, payment_id: str, *, idempotency_key: str, description: str | None = None
    ) -> Flow[Operation]:
        """Read the receipt, check the hold, then ``POST /payment/authorization/cancel/{id}``.

        ``description`` is BOG's note on the cancel (see :meth:`capture`).
        """
        order_id = _checked_id(payment_id)
        note = _checked_description(description)
        return self._void(order_id, idempotency_key, note)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        """Verify ``Callback-Signature`` over the raw bytes, then read the event."""
        from payments_bog.callbacks import parse_callback

        return parse_callback(headers, bytes(body), self._callback_key)

    # -- BOG's own operations -------------------------------------------------------------

    def save_card(self, order_id: str, kind: SavedCardKind, *, idempotency_key: str) -> Flow[None]:
        """``PUT /orders/{id}/cards`` or ``/subscriptions``: save the card this order is paid with.

        Call it after creating the order and before the customer pays (or use the
        ``save_card`` option of ``create_payment``, which does both in one call).
        """
        checked = _checked_id(order_id, "order_id")
        path = _saved_card_path(kind)
        return self._save_card(checked, path, idempotency_key, after_create=False)

    def charge_saved_card(self, parent_order_id: str, request: PaymentRequest) -> Flow[Payment]:
        """``POST /ecommerce/orders/{parent}``: a new order paid with the parent's saved card.

        The customer still confirms on BOG's page: the result has a ``redirect_url``.
        """
        parent = _checked_id(parent_order_id, "parent_order_id")
        prepared = prepare_order(request, self.settings)
        return self._create(self._url(f"/ecommerce/orders/{parent}"), request, prepared)

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
        parent = _checked_id(parent_order_id, "parent_order_id")
        if callback_url is not None:
            check_callback_url(callback_url, self.settings)
        if external_id is not None and not external_id.strip():
            raise InvalidRequestError(
                "external_id must not be empty", field="external_id", provider=self.name
            )
        return self._charge_subscription(parent, idempotency_key, callback_url, external_id)

    def delete_saved_card(self, order_id: str, *, idempotency_key: str) -> Flow[bool]:
        """``DELETE /charges/card/{id}``: forget the card saved with that order.

        Returns ``True`` when BOG deleted it now, ``False`` when BOG does not know the
        order: ``400 Invalid order_id``, BOG's answer for an unknown order (reference
        §2.2), or a 404 (some clients report it). Either way nothing is saved under it.
        """
        checked = _checked_id(order_id, "order_id")
        return self._delete_saved_card(checked, idempotency_key)

    def complete_apple_pay(
        self, order_id: str, apple_pay_token: str, *, idempotency_key: str
    ) -> Flow[Payment]:
        """``POST /ecommerce/orders/{id}/payment``: pay an external Apple Pay order.

        ``apple_pay_token`` is the JSON string Apple Pay's SDK produced, unmodified.
        The order must have been created with ``apple_pay_external``.
        """
        checked = _checked_id(order_id, "order_id")
        if not isinstance(apple_pay_token, str) or not apple_pay_token.strip():
            raise InvalidRequestError(
                "apple_pay_token must be the Apple Pay SDK's token string",
                field="apple_pay_token",
                provider=self.name,
            )
        return self._complete_apple_pay(checked, apple_pay_token, idempotency_key)

    # -- flows ------------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return f"{self.api_base_url}{path}"

    def _receipt_request(self, order_id: str) -> httpx.Request:
        return self.build_request("GET", self._url(f"/receipt/{order_id}"))

    def _read_receipt(self, response: httpx.Response) -> tuple[Receipt, dict[str, object]]:
        data = json_object(response, "receipt")
        return read(Receipt, data, "receipt"), data

    def _read_payment(self, order_id: str) -> Flow[Payment]:
        response = yield self._receipt_request(order_id)
        receipt, data = self._read_receipt(response)
        return payment_from_receipt(receipt, dict(data))

    def _create(self, url: str, request: PaymentRequest, prepared: PreparedOrder) -> Flow[Payment]:
        response = yield self.build_request(
            "POST",
            url,
            json=prepared.body.to_json(),
            headers=prepared.headers,
            idempotency_key=request.idempotency_key,
        )
        data = json_object(response, "create-order answer")
        order = read(CreateOrderResponse, data, "create-order answer")
        # Read whole before saving the card: once the PUT is sent, a failure must be
        # about the card, never about an answer to the create that could not be used.
        payment = _payment_from_order(order, data, request)
        if prepared.options.save_card is not None:
            path = _SAVE_CARD_PATHS[prepared.options.save_card]
            # A key of its own, derived from the create's: stable across retries, and
            # never mistaken for the create itself by a gateway that scopes keys widely.
            save_key = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{request.idempotency_key}/{path}"))
            yield from self._save_card(_answered_id(order.id), path, save_key, after_create=True)
        return payment

    def _save_card(
        self, order_id: str, path: str, idempotency_key: str, *, after_create: bool
    ) -> Flow[None]:
        """PUT the card-saving request; after a create, every failure names the order.

        The order exists by then, and the caller has no other way to learn its id:
        errors the driver throws in (a broken connection, 5xx, rate limits, an unknown
        outcome) are caught at the ``yield`` and raised again, built anew, with the
        order id and the news that the order was created.
        """
        try:
            response = yield self.build_request(
                "PUT",
                self._url(f"/orders/{order_id}/{path}"),
                idempotency_key=idempotency_key,
                accept_status=_HANDLED_AFTER_CREATE if after_create else (),
            )
        except PaymentError as exc:
            if not after_create:
                raise
            raise _card_not_saved(exc, order_id) from exc
        if response.status_code >= 400:
            error = self.error_for_response(response)
            if after_create:
                raise _card_not_saved(error, order_id)
            raise errors.restated(error, error.message, payment_id=order_id)
        return None

    def _charge_subscription(
        self,
        parent: str,
        idempotency_key: str,
        callback_url: str | None,
        external_id: str | None,
    ) -> Flow[Payment]:
        parent_receipt, parent_data = self._read_receipt((yield self._receipt_request(parent)))
        parent_payment = payment_from_receipt(parent_receipt, dict(parent_data))
        body: dict[str, object] = {}
        if callback_url is not None:
            body["callback_url"] = callback_url
        if external_id is not None:
            body["external_order_id"] = external_id
        response = yield self.build_request(
            "POST",
            self._url(f"/ecommerce/orders/{parent}/subscribe"),
            json=body,
            idempotency_key=idempotency_key,
        )
        data = json_object(response, "subscription answer")
        order = read(CreateOrderResponse, data, "subscription answer")
        return Payment(
            id=order.id,
            provider=self.name,
            status=PaymentStatus.PROCESSING,
            amount=parent_payment.amount,
            external_id=external_id,
            capture=parent_payment.capture,
            raw=data,
        )

    def _delete_saved_card(self, order_id: str, idempotency_key: str) -> Flow[bool]:
        response = yield self.build_request(
            "DELETE",
            self._url(f"/charges/card/{order_id}"),
            idempotency_key=idempotency_key,
            accept_status={400, 404},
        )
        if response.status_code < 400:
            return True
        if errors.is_unknown_order(response):
            return False
        raise self.error_for_response(response)

    def _complete_apple_pay(self, order_id: str, token: str, idempotency_key: str) -> Flow[Payment]:
        response = yield self.build_request(
            "POST",
            self._url(f"/ecommerce/orders/{order_id}/payment"),
            json={"apple_pay_token": token},
            idempotency_key=idempotency_key,
        )
        data = json_object(response, "Apple Pay answer")
        order = read(CreateOrderResponse, data, "Apple Pay answer")
        from_details = _payment_from_details(order, data)
        if from_details is not None:
            return from_details
        return (yield from self._read_payment(order_id))

    def _action(
        self, path: str, body: Mapping[str, object], idempotency_key: str
    ) -> Flow[httpx.Response]:
        """POST a money action."""
        return (
            yield self.build_request(
                "POST", self._url(path), json=dict(body), idempotency_key=idempotency_key
            )
        )

    def resend(self, operation: str, request: Any, sent: SentRequest) -> Flow[Operation] | None:
        """Repeat a refund, capture or void whose outcome was unknown: the same bytes.

        The checks before sending read the receipt; once the first attempt went
        through they would refuse its repeat ("nothing left to refund") although
        BOG answers a repeated key with the first outcome. So the repeat skips
        them and sends what was sent, under the same key.
        """
        kind = _RESENT_KINDS.get(operation)
        if kind is None or not isinstance(request, OperationRequest):
            return None
        return self._resend_action(kind, request, sent)

    def _resend_action(
        self, kind: OperationKind, request: OperationRequest, sent: SentRequest
    ) -> Flow[Operation]:
        response = yield sent.to_request()
        return self._operation(
            response, kind, request.payment_id, request.amount, request.idempotency_key or ""
        )

    def _refund(self, order_id: str, amount: Money | None, idempotency_key: str) -> Flow[Operation]:
        path = f"/payment/refund/{order_id}"
        receipt, data = self._read_receipt((yield self._receipt_request(order_id)))
        payment = payment_from_receipt(receipt, dict(data))
        key = receipt.status_key
        if key == REFUND_PENDING_KEY:
            raise _state_error(
                f"payment {order_id} has {_pending_refund(receipt, payment)} under way "
                f"(BOG: {key}); BOG takes no other refund until it is settled: wait for "
                "its callback or get_payment, then refund what is left",
                order_id,
            )
        if key not in REFUNDABLE_KEYS:
            raise _state_error(
                f"payment {order_id} is {payment.status.value} (BOG: {key}); "
                "only a paid payment can be refunded",
                order_id,
            )
        _same_currency(amount, payment)
        available = _refundable(receipt, payment)
        if available is not None and not available.is_positive():
            raise _state_error(
                f"payment {order_id} has nothing left to refund",
                order_id,
                ErrorCode.AMOUNT_EXCEEDS_AVAILABLE,
            )
        if amount is not None and available is not None and amount > available:
            raise _state_error(
                f"cannot refund {amount} of payment {order_id}: only {available} is refundable",
                order_id,
                ErrorCode.AMOUNT_EXCEEDS_AVAILABLE,
            )
        method = payment.method
        if (
            amount is not None
            and method is not None
            and method not in PARTIAL_REFUND_METHODS
            and (available is None or amount != available)
        ):
            raise _state_error(
                f"BOG refunds {method} payments only in full; leave the amount out",
                order_id,
            )
        to_refund = amount if amount is not None else available
        response = yield from self._action(
            path, {"amount": to_refund.amount} if to_refund is not None else {}, idempotency_key
        )
        return self._operation(response, OperationKind.REFUND, order_id, to_refund, idempotency_key)

    def _held(self, receipt: Receipt, payment: Payment, order_id: str, what: str) -> Money:
        if receipt.status_key != "blocked":
            raise _state_error(
                f"cannot {what} payment {order_id}: it is {payment.status.value} "
                f"(BOG: {receipt.status_key}), not authorized",
                order_id,
            )
        facts = order_facts(receipt)
        held = facts.authorized
        if held is None or held <= 0:
            raise ProviderResponseError(
                f"BOG's receipt for the held payment {order_id} shows no held amount",
                provider=self.name,
                payment_id=order_id,
            )
        return money(held, payment.amount.currency)

    def _capture(
        self,
        order_id: str,
        amount: Money | None,
        idempotency_key: str,
        description: str | None = None,
        split: tuple[SplitPart, ...] | None = None,
    ) -> Flow[Operation]:
        path = f"/payment/authorization/approve/{order_id}"
        receipt, data = self._read_receipt((yield self._receipt_request(order_id)))
        payment = payment_from_receipt(receipt, dict(data))
        held = self._held(receipt, payment, order_id, "capture")
        _same_currency(amount, payment)
        if amount is not None and amount > held:
            raise _state_error(
                f"cannot capture {amount} of payment {order_id}: only {held} is held",
                order_id,
                ErrorCode.AMOUNT_EXCEEDS_AVAILABLE,
            )
        to_capture = amount if amount is not None else held
        body: dict[str, object] = {"amount": to_capture.amount}
        if description is not None:
            body["description"] = description
        if split:
            check_split(split, to_capture, "split")
            body["split"] = out_split(split).model_dump(mode="python", exclude_none=True)
        response = yield from self._action(path, body, idempotency_key)
        return self._operation(
            response, OperationKind.CAPTURE, order_id, to_capture, idempotency_key
        )

    def _void(
        self, order_id: str, idempotency_key: str, description: str | None = None
    ) -> Flow[Operation]:
        path = f"/payment/authorization/cancel/{order_id}"
        receipt, data = self._read_receipt((yield self._receipt_request(order_id)))
        payment = payment_from_receipt(receipt, dict(data))
        held = self._held(receipt, payment, order_id, "void")
        body = {"description": description} if description is not None else {}
        response = yield from self._action(path, body, idempotency_key)
        return self._operation(response, OperationKind.VOID, order_id, held, idempotency_key)

    def _operation(
        self,
        response: httpx.Response,
        kind: OperationKind,
        order_id: str,
        amount: Money | None,
        idempotency_key: str,
    ) -> Operation:
        data = json_object(response, f"{kind.value} answer")
        ack = read(ActionAck, data, f"{kind.value} answer")
        return Operation(
            id=ack.action_id,
            kind=kind,
            status=OperationStatus.PENDING,
            payment_id=order_id,
            provider=self.name,
            amount=amount,
            provider_code=ack.key,
            message=ack.message,
            idempotency_key=idempotency_key,
            raw=data,
        )


# -- helpers --------------------------------------------------------------------------------


def _checked_id(value: object, field: str = "payment_id") -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise InvalidRequestError(
            f"invalid {field} {value!r}: expected a BOG order id (letters, digits, '.', '_', "
            "':', '-')",
            field=field,
            provider="bog",
        )
    return value


def _answered_id(value: str) -> str:
    if not _ID.fullmatch(value):
        raise ProviderResponseError("BOG answered with an unusable order id", provider="bog")
    return value


def _checked_description(description: object) -> str | None:
    """BOG's note on an approve or cancel: free text it stores, so the core's text rules."""
    if description is None:
        return None
    try:
        return check_text(description, field="description")  # type: ignore[arg-type]
    except InvalidRequestError as exc:
        raise InvalidRequestError(exc.message, field="description", provider="bog") from None


def _pending_refund(receipt: Receipt, payment: Payment) -> str:
    """The refund BOG is still working on, as precisely as the receipt tells it."""
    for action in reversed(receipt.actions):
        kind = (action.action or "").strip().lower()
        status = (action.status or "").strip().lower()
        if kind in ("refund", "partial_refund") and status not in ("completed", "rejected"):
            what = f"refund {action.action_id}" if action.action_id else "a refund"
            if action.amount is not None:
                what += f" of {money(action.amount, payment.amount.currency)}"
            return what
    return "a refund"


def _checked_amount(amount: object) -> None:
    if amount is None:
        return
    if not isinstance(amount, Money) or not amount.is_positive():
        raise InvalidRequestError(
            "amount must be a positive Money, e.g. Money('5.00', 'GEL'), or None for all",
            code=ErrorCode.INVALID_AMOUNT,
            field="amount",
            provider="bog",
        )


def _saved_card_path(kind: object) -> str:
    path = _SAVE_CARD_PATHS.get(kind) if isinstance(kind, str) else None
    if path is None:
        raise InvalidRequestError(
            f"kind must be 'recurrent' or 'subscription', not {kind!r}",
            field="kind",
            provider="bog",
        )
    return path


def _card_not_saved(error: PaymentError, order_id: str) -> PaymentError:
    """The error of a card-saving PUT that followed a create: it names the created order."""
    if isinstance(error, OutcomeUnknownError):
        message = (
            f"BOG created order {order_id}, but whether it saved the card is unknown: "
            f"{error.message}"
        )
    else:
        message = f"BOG created order {order_id} but did not save its card: {error.message}"
    return errors.restated(error, message, payment_id=order_id)


def _state_error(
    message: str, order_id: str, code: ErrorCode = ErrorCode.INVALID_STATE
) -> InvalidStateError:
    return InvalidStateError(message, code=code, provider="bog", payment_id=order_id)


def _same_currency(amount: Money | None, payment: Payment) -> None:
    if amount is not None and amount.currency != payment.amount.currency:
        raise InvalidRequestError(
            f"amount is in {amount.currency}, but payment {payment.id} is in "
            f"{payment.amount.currency}",
            code=ErrorCode.CURRENCY_MISMATCH,
            field="amount",
            provider="bog",
            payment_id=payment.id,
        )


def _refundable(receipt: Receipt, payment: Payment) -> Money | None:
    """What is left to refund: ``transfer_amount`` and captured minus refunded, the smaller."""
    currency = payment.amount.currency
    candidates: list[Decimal] = []
    units = receipt.purchase_units
    if units is not None and units.transfer_amount is not None:
        candidates.append(units.transfer_amount)
    if payment.refundable_amount is not None:
        candidates.append(payment.refundable_amount.amount)
    return money(min(candidates), currency) if candidates else None


def _payment_from_details(order: CreateOrderResponse, data: dict[str, object]) -> Payment | None:
    """The receipt some wallet answers embed as ``order_details``, when it is one."""
    details = order.order_details
    if not details or "purchase_units" not in details:
        return None
    receipt = read(Receipt, {"order_id": order.id, **details}, "order_details")
    return payment_from_receipt(receipt, dict(data), redirect_url=order.redirect_url)


def _payment_from_order(
    order: CreateOrderResponse, data: dict[str, object], request: PaymentRequest
) -> Payment:
    """The payment as just created.

    ``pending`` when BOG returned its payment page (or a 3-D Secure page) for the
    customer; ``created`` when there is no page to send them to (Apple Pay on the
    merchant's page waits for ``complete_apple_pay``); the wallet's own status when
    an external Google Pay order finished at once.
    """
    embedded = _payment_from_details(order, data)
    if embedded is not None:
        return embedded
    redirect_url = order.redirect_url
    if redirect_url:
        status = PaymentStatus.PENDING
    elif order.status:
        status = payment_status(
            OrderFacts(key=order.status, manual=request.capture is CaptureMode.MANUAL)
        )
    else:
        status = PaymentStatus.CREATED
    return Payment(
        id=order.id,
        provider="bog",
        status=status,
        amount=request.amount,
        external_id=request.external_id,
        redirect_url=redirect_url,
        capture=request.capture,
        raw=dict(data),
    )
