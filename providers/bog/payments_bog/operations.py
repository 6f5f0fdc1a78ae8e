"""The five operations every gateway has, as BOG flows: create, read, refund, capture, void.

Each is a generator that yields the ``httpx.Request`` objects BOG needs and turns
the answers into the core's models (see :mod:`payments_core.provider`); it does no
I/O. :class:`~payments_bog.provider.BogProvider` checks the caller's input first
and returns these flows; reading a payment is
:func:`payments_bog.exchange.read_payment`.

Refund, capture and void first read the receipt and refuse what BOG would refuse
anyway (:mod:`payments_bog.prechecks`). BOG only acknowledges these requests; the
outcome shows later in the receipt and in a callback, so they return a
``pending`` Operation.
"""

from __future__ import annotations

import uuid
from typing import Any, Final

from payments_bog import PROVIDER
from payments_bog.exchange import (
    BogApi,
    acknowledged,
    action_request,
    read_receipt,
    receipt_request,
)
from payments_bog.options import SplitPart
from payments_bog.orders import PreparedOrder, check_split, out_split
from payments_bog.own_operations import payment_from_details, save_card
from payments_bog.prechecks import (
    SAVED_CARD_PATHS,
    answered_id,
    capture_amount,
    held_amount,
    refund_amount,
)
from payments_bog.receipt import payment_from_receipt
from payments_bog.statuses import OrderFacts, payment_status
from payments_bog.wire.answers import CreateOrderResponse, json_object, read
from payments_core.models import (
    CaptureMode,
    Operation,
    OperationKind,
    OperationRequest,
    Payment,
    PaymentRequest,
)
from payments_core.money import Money
from payments_core.provider import Flow, SentRequest
from payments_core.status import PaymentStatus

__all__ = ["RESENT_KINDS", "capture", "create", "refund", "resend_action", "void"]

RESENT_KINDS: Final = {
    "refund": OperationKind.REFUND,
    "capture": OperationKind.CAPTURE,
    "void": OperationKind.VOID,
}
"""The operations whose unknown outcome is settled by sending the same bytes again."""


def create(
    api: BogApi, url: str, request: PaymentRequest, prepared: PreparedOrder
) -> Flow[Payment]:
    """``POST`` the order to ``url``; with ``save_card``, the card-saving PUT follows."""
    response = yield api.build_request(
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
        path = SAVED_CARD_PATHS[prepared.options.save_card]
        # A key of its own, derived from the create's: stable across retries, and
        # never mistaken for the create itself by a gateway that scopes keys widely.
        save_key = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{request.idempotency_key}/{path}"))
        yield from save_card(api, answered_id(order.id), path, save_key, after_create=True)
    return payment


def refund(
    api: BogApi, order_id: str, amount: Money | None, idempotency_key: str
) -> Flow[Operation]:
    """Read the receipt, check what is refundable, then ``POST /payment/refund/{id}``.

    A full refund (``amount=None``) is sent with the explicit refundable amount:
    BOG's sandbox refused a refund without one, and the refundable amount is
    ``transfer_amount``, so a bank discount cannot make it too large.
    """
    receipt, data = read_receipt((yield receipt_request(api, order_id)))
    payment = payment_from_receipt(receipt, data)
    to_refund = refund_amount(receipt, payment, order_id, amount)
    response = yield action_request(
        api,
        f"/payment/refund/{order_id}",
        {"amount": to_refund.amount} if to_refund is not None else {},
        idempotency_key,
    )
    return acknowledged(response, OperationKind.REFUND, order_id, to_refund, idempotency_key)


def capture(
    api: BogApi,
    order_id: str,
    amount: Money | None,
    idempotency_key: str,
    description: str | None = None,
    split: tuple[SplitPart, ...] | None = None,
) -> Flow[Operation]:
    """Read the receipt, check the hold, then ``POST /payment/authorization/approve/{id}``.

    The full capture is sent with the held amount explicitly (the sandbox needs it).
    """
    receipt, data = read_receipt((yield receipt_request(api, order_id)))
    payment = payment_from_receipt(receipt, data)
    to_capture = capture_amount(receipt, payment, order_id, amount)
    body: dict[str, object] = {"amount": to_capture.amount}
    if description is not None:
        body["description"] = description
    if split:
        check_split(split, to_capture, "split")
        body["split"] = out_split(split).model_dump(mode="python", exclude_none=True)
    response = yield action_request(
        api, f"/payment/authorization/approve/{order_id}", body, idempotency_key
    )
    return acknowledged(response, OperationKind.CAPTURE, order_id, to_capture, idempotency_key)


def void(
    api: BogApi, order_id: str, idempotency_key: str, description: str | None = None
) -> Flow[Operation]:
    """Read the receipt, check the hold, then ``POST /payment/authorization/cancel/{id}``."""
    receipt, data = read_receipt((yield receipt_request(api, order_id)))
    payment = payment_from_receipt(receipt, data)
    held = held_amount(receipt, payment, order_id, "void")
    body = {"description": description} if description is not None else {}
    response = yield action_request(
        api, f"/payment/authorization/cancel/{order_id}", body, idempotency_key
    )
    return acknowledged(response, OperationKind.VOID, order_id, held, idempotency_key)


def resend_action(
    kind: OperationKind, request: OperationRequest, sent: SentRequest
) -> Flow[Operation]:
    """The same bytes as the first attempt, under the same key (see ``BogProvider.resend``)."""
    response = yield sent.to_request()
    return acknowledged(
        response, kind, request.payment_id, request.amount, request.idempotency_key or ""
    )


def _payment_from_order(
    order: CreateOrderResponse, data: dict[str, Any], request: PaymentRequest
) -> Payment:
    """The payment as just created.

    ``pending`` when BOG returned its payment page (or a 3-D Secure page) for the
    customer; ``created`` when there is no page to send them to (Apple Pay on the
    merchant's page waits for ``complete_apple_pay``); the wallet's own status when
    an external Google Pay order finished at once.
    """
    embedded = payment_from_details(order, data)
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
        provider=PROVIDER,
        status=status,
        amount=request.amount,
        external_id=request.external_id,
        redirect_url=redirect_url,
        capture=request.capture,
        raw=data,  # the model keeps a copy of its own
    )
