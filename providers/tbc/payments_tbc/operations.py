"""The operations every gateway has, as TBC's flows: create, read, refund, capture, void.

Each flow yields the requests of :class:`~payments_tbc.endpoints.Endpoints` and
turns TBC's answers into the core's models. The caller's input was checked when
the flow was made (:class:`~payments_tbc.provider.TbcProvider`); refund, capture
and void read the payment first and check its state
(:mod:`payments_tbc.prechecks`) before the request that moves money.

TBC only acknowledges a refund or void; the outcome shows in the payment, so
those return a ``pending`` Operation. An answer a flow cannot read raises
:class:`~payments_core.errors.ProviderResponseError` (never ``KeyError``), which
the driver turns into an unknown outcome when money may have moved.
"""

from __future__ import annotations

import logging

from payments_core.models import Operation, OperationKind, OperationStatus, Payment, PaymentRequest
from payments_core.money import Money
from payments_core.provider import Flow
from payments_core.status import PaymentStatus
from payments_tbc import PROVIDER
from payments_tbc.checkout import PreparedPayment
from payments_tbc.details import approval_url, money, payment_from_details
from payments_tbc.endpoints import Endpoints
from payments_tbc.prechecks import answered_id, capturable_amount, held_amount, refundable_amount
from payments_tbc.statuses import facts_for
from payments_tbc.wire import (
    CompletionAnswer,
    CreateAnswer,
    Details,
    acknowledgement,
    json_object,
    read,
)

__all__ = ["capture", "create", "read_details", "read_payment", "refund", "void"]

logger = logging.getLogger("payments_tbc")


def read_details(endpoints: Endpoints, pay_id: str) -> Flow[tuple[Payment, Details]]:
    """The payment, and the details TBC described it with (the status as TBC spells it)."""
    response = yield endpoints.payment(pay_id)
    data = json_object(response, "payment details")
    details = read(Details, data, "payment details")
    return payment_from_details(details, data, payment_id=pay_id), details


def read_payment(endpoints: Endpoints, pay_id: str) -> Flow[Payment]:
    """``GET /payments/{payId}`` as a :class:`Payment`."""
    payment, _ = yield from read_details(endpoints, pay_id)
    return payment


def create(
    endpoints: Endpoints, request: PaymentRequest, prepared: PreparedPayment
) -> Flow[Payment]:
    """``POST /payments``: ``pending`` with TBC's page as ``redirect_url`` (``created``
    when TBC gave no usable page)."""
    response = yield endpoints.create(prepared.body)
    data = json_object(response, "create-payment answer")
    answer = read(CreateAnswer, data, "create-payment answer")
    pay_id = answered_id(answer.payId)
    amount = _echoed_amount(answer, request.amount, pay_id)
    redirect_url = approval_url(answer.links)
    if redirect_url is None:
        logger.warning(
            "TBC created payment %s without a usable approval_url link: "
            "the buyer has no page to go to",
            pay_id,
        )
    return Payment(
        id=pay_id,
        provider=PROVIDER,
        status=PaymentStatus.PENDING if redirect_url else PaymentStatus.CREATED,
        amount=amount,
        external_id=request.external_id,
        redirect_url=redirect_url,
        capture=request.capture,
        provider_transaction_id=answer.transactionId,
        raw=data,
    )


def refund(
    endpoints: Endpoints, pay_id: str, amount: Money | None, idempotency_key: str
) -> Flow[Operation]:
    """Read, check what is refundable, then cancel: all of it (no amount) or part.

    A refund of the whole captured amount of a payment with nothing refunded yet
    is sent as TBC's full cancel, like ``amount=None``.
    """
    payment, details = yield from read_details(endpoints, pay_id)
    available = refundable_amount(payment, details.status, amount)
    captured = payment.captured_amount
    nothing_refunded = payment.refunded_amount is None or payment.refunded_amount.is_zero()
    whole = amount is None or (nothing_refunded and amount == captured)
    partial = None if whole else amount
    response = yield endpoints.cancel(pay_id, None if partial is None else partial.amount)
    data = acknowledgement(response, "refund answer")
    return Operation(
        kind=OperationKind.REFUND,
        status=OperationStatus.PENDING,
        payment_id=pay_id,
        provider=PROVIDER,
        amount=amount if amount is not None else available,
        idempotency_key=idempotency_key,
        raw=data,
    )


def capture(
    endpoints: Endpoints, pay_id: str, amount: Money | None, idempotency_key: str
) -> Flow[Operation]:
    """Read, check the hold, then complete: the held amount, or less (TBC releases the rest)."""
    payment, details = yield from read_details(endpoints, pay_id)
    held = capturable_amount(payment, details.status, amount)
    to_capture = amount if amount is not None else held
    response = yield endpoints.completion(pay_id, to_capture.amount)
    data = acknowledgement(response, "completion answer")
    answer = read(CompletionAnswer, data or {}, "completion answer")
    confirmed = answer.confirmedAmount
    captured = money(confirmed, held.currency) if confirmed is not None and confirmed > 0 else None
    return Operation(
        kind=OperationKind.CAPTURE,
        status=facts_for(answer.status).capture_outcome,
        payment_id=pay_id,
        provider=PROVIDER,
        amount=captured or to_capture,
        provider_code=answer.status,
        idempotency_key=idempotency_key,
        raw=data,
    )


def void(endpoints: Endpoints, pay_id: str, idempotency_key: str) -> Flow[Operation]:
    """Read, check the hold, then cancel it whole: the hold is released."""
    payment, details = yield from read_details(endpoints, pay_id)
    held = held_amount(payment, details.status, "void")
    response = yield endpoints.cancel(pay_id)
    data = acknowledgement(response, "cancel answer")
    return Operation(
        kind=OperationKind.VOID,
        status=OperationStatus.PENDING,
        payment_id=pay_id,
        provider=PROVIDER,
        amount=held,
        idempotency_key=idempotency_key,
        raw=data,
    )


def _echoed_amount(answer: CreateAnswer, asked: Money, pay_id: str) -> Money:
    """The amount TBC says it created the payment for (the request's when it does not say).

    Passed on as TBC gave it, so an impossible echo (negative, another currency)
    is refused by the core instead of being papered over with the request's.
    """
    currency = (answer.currency or asked.currency).strip().upper()
    if answer.amount is None and currency == asked.currency:
        return asked
    echoed = money(answer.amount if answer.amount is not None else asked.amount, currency)
    if echoed != asked:
        logger.warning("TBC created payment %s for %s, not the %s asked for", pay_id, echoed, asked)
    return echoed
