"""BOG's own operations, beyond the five every gateway has, as flows.

Saved cards (save the card an order is paid with, delete it), subscriptions
(charge a saved card with no customer present) and Apple Pay on the merchant's
page. :class:`~payments_bog.provider.BogProvider` checks their input and returns
these flows; :class:`~payments_bog.BogPayments` runs them through a facade's
``run_flow``. A charge with a saved card while the customer is present is a
create against another URL, so it is :func:`payments_bog.operations.create`.

The card-saving PUT also ends a create that asked for it (the ``save_card``
option); then the order already exists, so its every failure names the order.
"""

from __future__ import annotations

from typing import Any, Final

from payments_bog import PROVIDER, errors
from payments_bog.exchange import BogApi, read_payment, read_receipt, receipt_request
from payments_bog.receipt import payment_from_receipt
from payments_bog.wire.answers import CreateOrderResponse, Receipt, json_object, read
from payments_core.errors import OutcomeUnknownError, PaymentError
from payments_core.models import Payment
from payments_core.provider import Flow
from payments_core.retry import RETRY_STATUSES
from payments_core.status import PaymentStatus

__all__ = [
    "charge_subscription",
    "complete_apple_pay",
    "delete_saved_card",
    "payment_from_details",
    "save_card",
]

_HANDLED_AFTER_CREATE: Final = frozenset(range(400, 600)) - RETRY_STATUSES
"""Errors of the card-saving PUT that the create flow reports itself, with the order id."""


def save_card(
    api: BogApi, order_id: str, path: str, idempotency_key: str, *, after_create: bool
) -> Flow[None]:
    """PUT the card-saving request; after a create, every failure names the order.

    The order exists by then, and the caller has no other way to learn its id:
    errors the driver throws in (a broken connection, 5xx, rate limits, an unknown
    outcome) are caught at the ``yield`` and raised again, built anew, with the
    order id and the news that the order was created.
    """
    try:
        response = yield api.build_request(
            "PUT",
            f"{api.api_base_url}/orders/{order_id}/{path}",
            idempotency_key=idempotency_key,
            accept_status=_HANDLED_AFTER_CREATE if after_create else (),
        )
    except PaymentError as exc:
        if not after_create:
            raise
        raise _card_not_saved(exc, order_id) from exc
    if response.status_code >= 400:
        error = api.error_for_response(response)
        if after_create:
            raise _card_not_saved(error, order_id)
        raise errors.restated(error, error.message, payment_id=order_id)
    return None


def charge_subscription(
    api: BogApi,
    parent: str,
    idempotency_key: str,
    callback_url: str | None,
    external_id: str | None,
) -> Flow[Payment]:
    """Read the parent's receipt (amount, capture mode), then ``POST .../subscribe``."""
    parent_receipt, parent_data = read_receipt((yield receipt_request(api, parent)))
    parent_payment = payment_from_receipt(parent_receipt, dict(parent_data))
    body: dict[str, object] = {}
    if callback_url is not None:
        body["callback_url"] = callback_url
    if external_id is not None:
        body["external_order_id"] = external_id
    response = yield api.build_request(
        "POST",
        f"{api.api_base_url}/ecommerce/orders/{parent}/subscribe",
        json=body,
        idempotency_key=idempotency_key,
    )
    data = json_object(response, "subscription answer")
    order = read(CreateOrderResponse, data, "subscription answer")
    return Payment(
        id=order.id,
        provider=PROVIDER,
        status=PaymentStatus.PROCESSING,
        amount=parent_payment.amount,
        external_id=external_id,
        capture=parent_payment.capture,
        raw=data,
    )


def delete_saved_card(api: BogApi, order_id: str, idempotency_key: str) -> Flow[bool]:
    """``DELETE /charges/card/{id}``; BOG's "no such order" answers read as ``False``."""
    response = yield api.build_request(
        "DELETE",
        f"{api.api_base_url}/charges/card/{order_id}",
        idempotency_key=idempotency_key,
        accept_status={400, 404},
    )
    if response.status_code < 400:
        return True
    if errors.is_unknown_order(response):
        return False
    raise api.error_for_response(response)


def complete_apple_pay(
    api: BogApi, order_id: str, token: str, idempotency_key: str
) -> Flow[Payment]:
    """``POST .../payment`` with the token; the payment from the answer, else the receipt."""
    response = yield api.build_request(
        "POST",
        f"{api.api_base_url}/ecommerce/orders/{order_id}/payment",
        json={"apple_pay_token": token},
        idempotency_key=idempotency_key,
    )
    data = json_object(response, "Apple Pay answer")
    order = read(CreateOrderResponse, data, "Apple Pay answer")
    from_details = payment_from_details(order, data)
    if from_details is not None:
        return from_details
    return (yield from read_payment(api, order_id))


def payment_from_details(order: CreateOrderResponse, data: dict[str, Any]) -> Payment | None:
    """The receipt some wallet answers embed as ``order_details``, when it is one."""
    details = order.order_details
    if not details or "purchase_units" not in details:
        return None
    receipt = read(Receipt, {"order_id": order.id, **details}, "order_details")
    return payment_from_receipt(receipt, dict(data), redirect_url=order.redirect_url)


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
