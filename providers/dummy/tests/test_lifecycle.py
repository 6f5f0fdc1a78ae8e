"""The whole life of a payment on the dummy provider, under Payments and AsyncPayments."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from payments_core import (
    CaptureMode,
    DeclineCode,
    ErrorCode,
    InvalidStateError,
    OperationKind,
    OperationStatus,
    PaymentRequest,
    PaymentStatus,
    can_transition,
)

from .conftest import Gateway, gel

MakeRequest = Callable[..., PaymentRequest]


async def test_pay_then_refund_in_two_parts(gateway: Gateway, make_request: MakeRequest) -> None:
    created = await gateway.create_payment(make_request())
    assert created.status is PaymentStatus.PENDING
    assert created.redirect_url
    assert created.redirect_url.endswith(created.id)

    gateway.provider.complete(created.id, "succeed")
    paid = await gateway.get_payment(created.id)
    assert paid.status is PaymentStatus.CAPTURED
    assert paid.captured_amount == gel("30.00")
    assert paid.is_paid

    partial = await gateway.refund(created.id, gel("12.50"))
    assert (partial.kind, partial.status) == (OperationKind.REFUND, OperationStatus.SUCCEEDED)
    after_partial = await gateway.get_payment(created.id)
    assert after_partial.status is PaymentStatus.PARTIALLY_REFUNDED
    assert after_partial.refundable_amount == gel("17.50")

    rest = await gateway.refund(created.id)
    assert rest.amount == gel("17.50")
    refunded = await gateway.get_payment(created.id)
    assert refunded.status is PaymentStatus.REFUNDED
    assert refunded.refunded_amount == gel("30.00")
    assert [op.kind for op in refunded.operations] == [OperationKind.REFUND] * 2

    statuses = [created.status, paid.status, after_partial.status, refunded.status]
    assert all(can_transition(a, b) for a, b in itertools.pairwise(statuses))


async def test_authorize_then_capture_part(gateway: Gateway, make_request: MakeRequest) -> None:
    created = await gateway.create_payment(make_request(capture=CaptureMode.MANUAL))
    gateway.provider.complete(created.id, "succeed")
    held = await gateway.get_payment(created.id)
    assert held.status is PaymentStatus.AUTHORIZED
    assert not held.is_paid

    capture = await gateway.capture(created.id, gel("20.00"))
    assert capture.kind is OperationKind.CAPTURE
    captured = await gateway.get_payment(created.id)
    assert captured.status is PaymentStatus.PARTIALLY_CAPTURED
    assert captured.captured_amount == gel("20.00")


async def test_authorize_then_void(gateway: Gateway, make_request: MakeRequest) -> None:
    created = await gateway.create_payment(make_request(capture=CaptureMode.MANUAL))
    gateway.provider.complete(created.id, "succeed")

    void = await gateway.void(created.id)
    assert void.kind is OperationKind.VOID
    canceled = await gateway.get_payment(created.id)
    assert canceled.status is PaymentStatus.CANCELED
    assert canceled.is_final


async def test_decline_outcome_chosen_up_front_carries_the_code(
    gateway: Gateway, make_request: MakeRequest
) -> None:
    options = {"outcome": "decline", "decline_code": "insufficient_funds"}
    payment = await gateway.create_payment(make_request(provider_options=options))
    assert payment.status is PaymentStatus.DECLINED
    assert payment.decline is not None
    assert payment.decline.code is DeclineCode.INSUFFICIENT_FUNDS


@pytest.mark.parametrize("code", list(DeclineCode))
async def test_every_decline_code_can_be_driven(
    gateway: Gateway, make_request: MakeRequest, code: DeclineCode
) -> None:
    created = await gateway.create_payment(make_request())
    gateway.provider.complete(created.id, "decline", decline_code=code)
    payment = await gateway.get_payment(created.id)
    assert payment.decline is not None
    assert payment.decline.code is code


async def test_refund_above_what_is_left_is_refused(
    gateway: Gateway, make_request: MakeRequest
) -> None:
    created = await gateway.create_payment(make_request(provider_options={"outcome": "succeed"}))
    await gateway.refund(created.id, gel("25.00"))
    with pytest.raises(InvalidStateError) as raised:
        await gateway.refund(created.id, gel("5.01"))
    assert raised.value.code is ErrorCode.AMOUNT_EXCEEDS_AVAILABLE
    assert (await gateway.get_payment(created.id)).refunded_amount == gel("25.00")


async def test_refund_of_an_unpaid_payment_is_refused(
    gateway: Gateway, make_request: MakeRequest
) -> None:
    created = await gateway.create_payment(make_request())
    with pytest.raises(InvalidStateError, match="is pending; only paid payments refund") as raised:
        await gateway.refund(created.id)
    assert raised.value.code is ErrorCode.INVALID_STATE
    assert raised.value.payment_id == created.id
    unchanged = await gateway.get_payment(created.id)
    assert unchanged.status is PaymentStatus.PENDING
    assert unchanged.operations == ()


async def test_capture_of_a_captured_payment_is_refused(
    gateway: Gateway, make_request: MakeRequest
) -> None:
    created = await gateway.create_payment(make_request(provider_options={"outcome": "succeed"}))
    with pytest.raises(
        InvalidStateError, match="is captured; only authorized payments can be captured"
    ) as raised:
        await gateway.capture(created.id)
    assert raised.value.code is ErrorCode.INVALID_STATE
    assert (await gateway.get_payment(created.id)).operations == ()


async def test_same_idempotency_key_creates_one_payment(
    gateway: Gateway, make_request: MakeRequest
) -> None:
    request = make_request()
    first = await gateway.create_payment(request)
    second = await gateway.create_payment(request)
    assert first.id == second.id


async def test_same_refund_key_refunds_once(gateway: Gateway, make_request: MakeRequest) -> None:
    created = await gateway.create_payment(make_request(provider_options={"outcome": "succeed"}))
    first = await gateway.refund(created.id, gel("5.00"), idempotency_key="refund-1")
    again = await gateway.refund(created.id, gel("5.00"), idempotency_key="refund-1")
    assert first.id == again.id
    assert (await gateway.get_payment(created.id)).refunded_amount == gel("5.00")


async def test_unpaid_payment_expires_after_expires_in(
    gateway: Gateway, make_request: MakeRequest
) -> None:
    created = await gateway.create_payment(make_request(expires_in=60))
    assert created.expires_at is not None
    later = created.expires_at
    gateway.provider.clock = lambda: later
    assert (await gateway.get_payment(created.id)).status is PaymentStatus.EXPIRED


async def test_webhook_round_trip_carries_current_state(
    gateway: Gateway, make_request: MakeRequest
) -> None:
    created = await gateway.create_payment(make_request(provider_options={"outcome": "succeed"}))
    headers, body = gateway.provider.webhook_for(created.id)
    event = await gateway.parse_webhook(headers, body)
    assert event.payment.id == created.id
    assert event.payment.status is PaymentStatus.CAPTURED
    assert event.payment.amount == gel("30.00")


def test_settings_changed_on_an_existing_settings_object_are_validated_again() -> None:
    from payments_dummy import DummyProvider, DummySettings

    from payments_core import ConfigurationError

    with pytest.raises(ConfigurationError, match="timeout"):
        DummyProvider.from_settings(DummySettings(), timeout=-5)
    provider = DummyProvider.from_settings(DummySettings(), webhook_secret="plain")
    assert "plain" not in repr(provider.settings)


async def test_a_full_refund_repeated_with_its_key_is_the_same_refund(
    gateway: Gateway, make_request: MakeRequest
) -> None:
    created = await gateway.create_payment(make_request(provider_options={"outcome": "succeed"}))
    first = await gateway.refund(created.id, idempotency_key="refund-all")
    again = await gateway.refund(created.id, idempotency_key="refund-all")
    assert again.id == first.id


async def test_a_full_capture_repeated_with_its_key_is_the_same_capture(
    gateway: Gateway, make_request: MakeRequest
) -> None:
    created = await gateway.create_payment(
        make_request(capture=CaptureMode.MANUAL, provider_options={"outcome": "succeed"})
    )
    first = await gateway.capture(created.id, idempotency_key="capture-all")
    again = await gateway.capture(created.id, idempotency_key="capture-all")
    assert again.id == first.id
