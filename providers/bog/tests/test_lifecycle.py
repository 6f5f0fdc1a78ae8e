"""Whole payment lives through ``Payments`` and ``AsyncPayments`` against a stand-in BOG.

Each test runs twice (sync and async facade) over the same provider code.
"""

from __future__ import annotations

from typing import Any

import pytest

from payments_core import (
    CaptureMode,
    DeclineCode,
    InvalidStateError,
    Money,
    NotFoundError,
    OperationKind,
    OperationStatus,
    PaymentStatus,
    can_transition,
)


async def test_automatic_payment_is_paid_then_refunded_in_two_steps(
    gateway: Any, order_request: Any
) -> None:
    created = await gateway.create_payment(order_request())
    assert created.status is PaymentStatus.PENDING
    assert created.redirect_url.endswith(created.id)

    gateway.bog.pay(created.id)
    paid = await gateway.get_payment(created.id)
    assert paid.status is PaymentStatus.CAPTURED
    assert paid.captured_amount == Money("27.50", "GEL")
    assert can_transition(created.status, paid.status)

    partial = await gateway.refund(created.id, Money("7.50", "GEL"))
    assert (partial.kind, partial.status) == (OperationKind.REFUND, OperationStatus.PENDING)
    after_partial = await gateway.get_payment(created.id)
    assert after_partial.status is PaymentStatus.PARTIALLY_REFUNDED
    assert after_partial.refundable_amount == Money("20.00", "GEL")

    rest = await gateway.refund(created.id)
    assert rest.amount == Money("20.00", "GEL")
    refunded = await gateway.get_payment(created.id)
    assert refunded.status is PaymentStatus.REFUNDED
    assert [op.kind for op in refunded.operations] == [OperationKind.REFUND] * 2


async def test_preauthorization_is_held_then_partly_captured(
    gateway: Any, order_request: Any
) -> None:
    created = await gateway.create_payment(order_request(capture=CaptureMode.MANUAL))
    gateway.bog.pay(created.id)

    held = await gateway.get_payment(created.id)
    assert held.status is PaymentStatus.AUTHORIZED
    assert held.authorized_amount == Money("27.50", "GEL")

    capture = await gateway.capture(created.id, Money("20.00", "GEL"))
    assert capture.kind is OperationKind.CAPTURE
    captured = await gateway.get_payment(created.id)
    assert captured.status is PaymentStatus.PARTIALLY_CAPTURED
    assert captured.captured_amount == Money("20.00", "GEL")

    refund = await gateway.refund(created.id)
    assert refund.amount == Money("20.00", "GEL")


async def test_preauthorization_is_held_then_voided(gateway: Any, order_request: Any) -> None:
    created = await gateway.create_payment(order_request(capture=CaptureMode.MANUAL))
    gateway.bog.pay(created.id)

    void = await gateway.void(created.id)
    voided = await gateway.get_payment(created.id)

    assert void.kind is OperationKind.VOID
    assert voided.status is PaymentStatus.CANCELED
    assert voided.is_final


async def test_declined_card_reads_as_declined(gateway: Any, order_request: Any) -> None:
    created = await gateway.create_payment(order_request())
    gateway.bog.pay(created.id, code="107")

    payment = await gateway.get_payment(created.id)

    assert payment.status is PaymentStatus.DECLINED
    assert payment.decline.code is DeclineCode.INSUFFICIENT_FUNDS


async def test_refund_above_what_is_left_sends_no_refund(gateway: Any, order_request: Any) -> None:
    created = await gateway.create_payment(order_request())
    gateway.bog.pay(created.id)
    gateway.bog.requests.clear()

    with pytest.raises(InvalidStateError):
        await gateway.refund(created.id, Money("27.51", "GEL"))

    assert [r.method for r in gateway.bog.requests] == ["GET"]


async def test_capture_of_an_automatic_payment_sends_no_approve(
    gateway: Any, order_request: Any
) -> None:
    created = await gateway.create_payment(order_request())
    gateway.bog.pay(created.id)
    gateway.bog.requests.clear()

    with pytest.raises(InvalidStateError):
        await gateway.capture(created.id)

    assert [r.method for r in gateway.bog.requests] == ["GET"]


async def test_unknown_order_is_not_found(gateway: Any) -> None:
    with pytest.raises(NotFoundError) as raised:
        await gateway.get_payment("5a1d2c4e-0000-4000-8000-000000000000")

    assert raised.value.payment_id == "5a1d2c4e-0000-4000-8000-000000000000"


async def test_repeating_a_create_with_the_same_request_creates_one_order(
    gateway: Any, order_request: Any
) -> None:
    request = order_request()

    first = await gateway.create_payment(request)
    second = await gateway.create_payment(request)

    assert first.id == second.id
    assert len(gateway.bog.orders) == 1


async def test_callback_for_a_paid_order_parses_through_the_facade(
    gateway: Any, order_request: Any
) -> None:
    created = await gateway.create_payment(order_request())
    gateway.bog.pay(created.id)
    headers, body = gateway.bog.callback(created.id)

    event = await gateway.parse_webhook(headers, body)

    assert event.payment.id == created.id
    assert event.payment.status is PaymentStatus.CAPTURED


async def test_one_token_serves_the_whole_lifecycle(gateway: Any, order_request: Any) -> None:
    created = await gateway.create_payment(order_request())
    gateway.bog.pay(created.id)
    await gateway.get_payment(created.id)
    await gateway.refund(created.id)

    assert gateway.bog.token_requests == 1
