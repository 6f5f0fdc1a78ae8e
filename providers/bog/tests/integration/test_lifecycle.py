"""The life of a BOG payment against the emulator, under Payments and AsyncPayments.

Each test runs twice, once per facade (the ``shop`` fixture). The customer pays on the
emulator with a test card; callbacks arrive over real HTTP at the shop's receiver and
are verified with the sandbox's public key.
"""

from __future__ import annotations

from collections.abc import Callable

from payments_bog.sandbox import BogSandbox

from payments_core import (
    CaptureMode,
    DeclineCode,
    Money,
    OperationKind,
    OperationStatus,
    PaymentRequest,
    PaymentStatus,
)

from .conftest import (
    AMOUNT,
    CARD_INSUFFICIENT_FUNDS,
    CARD_LATER_DECLINED,
    CARD_OK,
    CallbackReceiver,
    Shop,
    paid,
)

Checkout = Callable[..., PaymentRequest]


def gel(amount: str) -> Money:
    return Money(amount, "GEL")


async def test_a_paid_order_is_reported_by_a_verified_callback_and_then_refunded_in_two_parts(
    shop: Shop, sandbox: BogSandbox, receiver: CallbackReceiver, checkout: Checkout
) -> None:
    created = await shop.create_payment(checkout())
    assert created.status is PaymentStatus.PENDING
    assert created.redirect_url is not None
    assert created.id in created.redirect_url

    await sandbox.pay(created.id, CARD_OK)

    event = await shop.parse_webhook(receiver.wait_for(created.id, "completed"))
    assert event.type == "order_payment"
    assert event.payment.id == created.id
    assert event.payment.status is PaymentStatus.CAPTURED
    assert event.payment.captured_amount == AMOUNT

    payment = await shop.get_payment(created.id)
    assert payment.status is PaymentStatus.CAPTURED
    assert payment.captured_amount == AMOUNT
    assert payment.card is not None
    assert payment.card.masked_number == "400000xxxxxx0001"

    first = await shop.refund(created.id, gel("10.00"))
    assert first.kind is OperationKind.REFUND
    assert first.amount == gel("10.00")
    partly = await shop.get_payment(created.id)
    assert partly.status is PaymentStatus.PARTIALLY_REFUNDED
    assert partly.refunded_amount == gel("10.00")

    rest = await shop.refund(created.id)
    assert rest.amount == gel("17.50")
    refunded = await shop.get_payment(created.id)
    assert refunded.status is PaymentStatus.REFUNDED
    assert refunded.refunded_amount == AMOUNT
    assert [op.amount for op in refunded.operations if op.kind is OperationKind.REFUND] == [
        gel("10.00"),
        gel("17.50"),
    ]

    last = await shop.parse_webhook(receiver.wait_for(created.id, "refunded"))
    assert last.payment.status is PaymentStatus.REFUNDED


async def test_a_partly_captured_authorization_is_partially_captured(
    shop: Shop, sandbox: BogSandbox, receiver: CallbackReceiver, checkout: Checkout
) -> None:
    created = await paid(shop, sandbox, checkout, capture=CaptureMode.MANUAL)
    held = await shop.parse_webhook(receiver.wait_for(created.id, "blocked"))
    assert held.payment.status is PaymentStatus.AUTHORIZED
    assert (await shop.get_payment(created.id)).authorized_amount == AMOUNT

    capture = await shop.capture(created.id, gel("20.00"))
    assert capture.kind is OperationKind.CAPTURE

    payment = await shop.get_payment(created.id)
    assert payment.status is PaymentStatus.PARTIALLY_CAPTURED
    assert payment.captured_amount == gel("20.00")
    event = await shop.parse_webhook(receiver.wait_for(created.id, "partial_completed"))
    assert event.payment.status is PaymentStatus.PARTIALLY_CAPTURED


async def test_a_voided_authorization_is_canceled(
    shop: Shop, sandbox: BogSandbox, receiver: CallbackReceiver, checkout: Checkout
) -> None:
    created = await paid(shop, sandbox, checkout, capture=CaptureMode.MANUAL)
    assert (await shop.get_payment(created.id)).status is PaymentStatus.AUTHORIZED

    void = await shop.void(created.id)
    assert void.kind is OperationKind.VOID
    assert void.amount == AMOUNT

    payment = await shop.get_payment(created.id)
    assert payment.status is PaymentStatus.CANCELED
    assert payment.captured_amount == gel("0")
    event = await shop.parse_webhook(receiver.wait_for(created.id, "rejected"))
    assert event.payment.status is PaymentStatus.CANCELED


async def test_a_card_without_funds_is_declined_for_insufficient_funds(
    shop: Shop, sandbox: BogSandbox, receiver: CallbackReceiver, checkout: Checkout
) -> None:
    created = await paid(shop, sandbox, checkout, card=CARD_INSUFFICIENT_FUNDS)

    payment = await shop.get_payment(created.id)
    assert payment.status is PaymentStatus.DECLINED
    assert payment.decline is not None
    assert payment.decline.code is DeclineCode.INSUFFICIENT_FUNDS
    assert payment.decline.provider_code == "107"
    event = await shop.parse_webhook(receiver.wait_for(created.id, "rejected"))
    assert event.payment.status is PaymentStatus.DECLINED
    assert event.payment.decline is not None
    assert event.payment.decline.code is DeclineCode.INSUFFICIENT_FUNDS


async def test_an_order_left_unpaid_past_its_ttl_expires(
    shop: Shop, sandbox: BogSandbox, receiver: CallbackReceiver, checkout: Checkout
) -> None:
    created = await shop.create_payment(checkout(expires_in=120))
    assert (await shop.get_payment(created.id)).status is PaymentStatus.PENDING

    sandbox.advance_clock(121)

    payment = await shop.get_payment(created.id)
    assert payment.status is PaymentStatus.EXPIRED
    assert payment.decline is not None
    assert payment.decline.code is DeclineCode.SESSION_EXPIRED
    event = await shop.parse_webhook(receiver.wait_for(created.id, "rejected"))
    assert event.payment.status is PaymentStatus.EXPIRED


async def test_a_refund_the_issuer_declines_shows_as_failed_with_bogs_action_code(
    shop: Shop, sandbox: BogSandbox, receiver: CallbackReceiver, checkout: Checkout
) -> None:
    created = await paid(shop, sandbox, checkout, card=CARD_LATER_DECLINED)
    assert (await shop.get_payment(created.id)).status is PaymentStatus.CAPTURED

    asked = await shop.refund(created.id, gel("5.00"))
    assert asked.status is OperationStatus.PENDING

    payment = await shop.get_payment(created.id)
    assert payment.status is PaymentStatus.CAPTURED
    assert payment.refunded_amount == gel("0")
    [refund] = [op for op in payment.operations if op.kind is OperationKind.REFUND]
    assert refund.id == asked.id
    assert refund.status is OperationStatus.FAILED
    assert refund.provider_code == "162"
    assert refund.amount == gel("5.00")

    callbacks = receiver.callbacks_for(created.id)
    assert len(callbacks) == 2  # paid, then the refund's outcome
    event = await shop.parse_webhook(callbacks[-1])
    assert event.payment.status is PaymentStatus.CAPTURED
    assert [op.status for op in event.payment.operations] == [OperationStatus.FAILED]
