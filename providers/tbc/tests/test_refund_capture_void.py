"""Refund, capture and void: the payment is read first, TBC's rules enforced, then one POST."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from payments_tbc import TbcProvider

from payments_core import (
    CaptureMode,
    ErrorCode,
    InvalidRequestError,
    InvalidStateError,
    Money,
    NotFoundError,
    OperationKind,
    OperationStatus,
    PaymentDeclinedError,
    PaymentStatus,
)

KEY = "op-key-1"


def _after_read(flow: Any, kit: Any, body: dict[str, Any]) -> httpx.Request:
    """Answer the flow's read with ``body``; return the request that follows."""
    read = next(flow)
    assert read.method == "GET"
    step: httpx.Request = flow.send(kit.respond(200, body))
    return step


def _refused_after_read(flow: Any, kit: Any, body: dict[str, Any]) -> Any:
    next(flow)
    with pytest.raises((InvalidStateError, InvalidRequestError)) as caught:
        flow.send(kit.respond(200, body))
    return caught.value


# -- refunds ----------------------------------------------------------------------------------


def test_a_full_refund_is_a_cancel_without_an_amount(provider: TbcProvider, kit: Any):
    flow = provider.refund(kit.PAY_ID, None, idempotency_key=KEY)
    cancel = _after_read(flow, kit, kit.SUCCEEDED)
    assert (cancel.method, str(cancel.url)) == ("POST", f"{kit.TPAY}/payments/{kit.PAY_ID}/cancel")
    assert cancel.content == b""
    operation = kit.finish(flow, kit.respond(200, kit.ENVELOPE))
    assert operation.kind is OperationKind.REFUND
    assert operation.status is OperationStatus.PENDING
    assert operation.amount == Money("49.90", "GEL")
    assert operation.payment_id == kit.PAY_ID
    assert operation.idempotency_key == KEY


def test_a_partial_refund_sends_the_amount(provider: TbcProvider, kit: Any):
    flow = provider.refund(kit.PAY_ID, Money("10", "GEL"), idempotency_key=KEY)
    cancel = _after_read(flow, kit, kit.SUCCEEDED)
    assert cancel.content == b'{"amount":10.00}'
    operation = kit.finish(flow, kit.respond(200, content=b""))  # an empty 200 is an answer too
    assert operation.amount == Money("10", "GEL")


def test_refunding_the_whole_captured_amount_is_a_full_cancel(provider: TbcProvider, kit: Any):
    flow = provider.refund(kit.PAY_ID, Money("49.90", "GEL"), idempotency_key=KEY)
    assert _after_read(flow, kit, kit.SUCCEEDED).content == b""


def test_a_further_partial_refund_is_left_to_tbc(provider: TbcProvider, kit: Any):
    # The details carry no dates: whether today's partial refund was used is TBC's call.
    flow = provider.refund(kit.PAY_ID, Money("5", "GEL"), idempotency_key=KEY)
    cancel = _after_read(flow, kit, kit.PARTLY_RETURNED)
    assert cancel.content == b'{"amount":5.00}'


def test_the_rest_after_a_partial_refund_is_sent_with_its_amount(provider: TbcProvider, kit: Any):
    flow = provider.refund(kit.PAY_ID, Money("39.90", "GEL"), idempotency_key=KEY)
    assert _after_read(flow, kit, kit.PARTLY_RETURNED).content == b'{"amount":39.90}'


@pytest.mark.parametrize(
    ("body", "amount"),
    [
        ("SUCCEEDED", "49.91"),
        ("PARTLY_RETURNED", "39.91"),
    ],
)
def test_more_than_is_refundable_is_refused_after_the_read(
    provider: TbcProvider, kit: Any, body: str, amount: str
):
    flow = provider.refund(kit.PAY_ID, Money(amount, "GEL"), idempotency_key=KEY)
    error = _refused_after_read(flow, kit, getattr(kit, body))
    assert isinstance(error, InvalidStateError)
    assert error.code is ErrorCode.AMOUNT_EXCEEDS_AVAILABLE
    assert error.payment_id == kit.PAY_ID


@pytest.mark.parametrize("status", ["Created", "Processing", "Failed", "Expired", "Returned"])
def test_only_a_paid_payment_is_refunded(provider: TbcProvider, kit: Any, status: str):
    body = kit.details(status=status, confirmedAmount=0)
    if status == "Returned":
        body = kit.details(status=status, returnedAmount=Decimal("49.9"))
    error = _refused_after_read(provider.refund(kit.PAY_ID, None, idempotency_key=KEY), kit, body)
    assert isinstance(error, InvalidStateError)


def test_a_held_payment_cannot_be_refunded_in_part(provider: TbcProvider, kit: Any):
    flow = provider.refund(kit.PAY_ID, Money("10", "GEL"), idempotency_key=KEY)
    error = _refused_after_read(flow, kit, kit.HELD)
    assert isinstance(error, InvalidStateError)
    assert "capture a smaller amount" in error.message


def test_a_held_payment_is_voided_not_refunded(provider: TbcProvider, kit: Any):
    error = _refused_after_read(
        provider.refund(kit.PAY_ID, None, idempotency_key=KEY), kit, kit.HELD
    )
    assert isinstance(error, InvalidStateError)
    assert "void" in error.message


def test_a_refund_in_another_currency_is_refused(provider: TbcProvider, kit: Any):
    flow = provider.refund(kit.PAY_ID, Money("10", "USD"), idempotency_key=KEY)
    error = _refused_after_read(flow, kit, kit.SUCCEEDED)
    assert (error.code, error.field) == (ErrorCode.CURRENCY_MISMATCH, "amount")


def test_a_completed_pre_authorization_refunds_what_was_captured(provider: TbcProvider, kit: Any):
    completed = kit.details(kit.HELD, status="Succeeded", confirmedAmount=80)
    over = provider.refund(kit.PAY_ID, Money("80.01", "GEL"), idempotency_key=KEY)
    assert _refused_after_read(over, kit, completed).code is ErrorCode.AMOUNT_EXCEEDS_AVAILABLE
    full = provider.refund(kit.PAY_ID, None, idempotency_key=KEY)
    assert _after_read(full, kit, completed).content == b""
    assert kit.finish(full, kit.respond(200, kit.ENVELOPE)).amount == Money("80", "GEL")


async def test_refunds_through_the_facade(gateway: Any, fake_tbc: Any, kit: Any):
    payment = await gateway.create_payment(kit.payment_request())
    fake_tbc.pay(payment.id)

    await gateway.refund(payment.id, Money("10.00", "GEL"))
    assert (await gateway.get_payment(payment.id)).status is PaymentStatus.PARTIALLY_REFUNDED
    with pytest.raises(InvalidStateError):
        await gateway.refund(payment.id, Money("40.00", "GEL"))
    await gateway.refund(payment.id)
    after = await gateway.get_payment(payment.id)
    assert after.status is PaymentStatus.REFUNDED
    assert after.refunded_amount == Money("49.90", "GEL")
    cancels = [r for r in fake_tbc.requests if r.url.path.endswith("/cancel")]
    assert [r.content for r in cancels] == [b'{"amount":10.00}', b""]
    assert all("idempotency-key" not in r.headers for r in cancels)


async def test_tbcs_refusal_is_raised_and_not_repeated(gateway: Any, fake_tbc: Any, kit: Any):
    payment = await gateway.create_payment(kit.payment_request())
    fake_tbc.pay(payment.id)
    fake_tbc.inject(
        "POST",
        "/cancel",
        kit.problem(
            400, "Bad Request", "Only one partial cancel a day", resultCode="decline_general"
        ),
    )
    with pytest.raises(PaymentDeclinedError):
        await gateway.refund(payment.id, Money("1.00", "GEL"))
    assert len([r for r in fake_tbc.requests if r.url.path.endswith("/cancel")]) == 1


async def test_refunding_an_unknown_payment_is_not_found(gateway: Any):
    with pytest.raises(NotFoundError):
        await gateway.refund("nosuchpayment12345")


# -- captures ---------------------------------------------------------------------------------


def test_a_full_capture_sends_the_authorized_amount(provider: TbcProvider, kit: Any):
    flow = provider.capture(kit.PAY_ID, None, idempotency_key=KEY)
    completion = _after_read(flow, kit, kit.HELD)
    assert str(completion.url) == f"{kit.TPAY}/payments/{kit.PAY_ID}/completion"
    assert completion.content == b'{"amount":100.00}'
    answer = {"status": "Succeeded", "amount": 100, "confirmedAmount": 100, **kit.ENVELOPE}
    operation = kit.finish(flow, kit.respond(200, answer))
    assert operation.kind is OperationKind.CAPTURE
    assert operation.status is OperationStatus.SUCCEEDED
    assert operation.amount == Money("100", "GEL")


def test_a_partial_capture(provider: TbcProvider, kit: Any):
    flow = provider.capture(kit.PAY_ID, Money("80", "GEL"), idempotency_key=KEY)
    assert _after_read(flow, kit, kit.HELD).content == b'{"amount":80.00}'
    answer = {"status": "Succeeded", "amount": 100, "confirmedAmount": 80, **kit.ENVELOPE}
    assert kit.finish(flow, kit.respond(200, answer)).amount == Money("80", "GEL")


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        (b"", OperationStatus.PENDING),
        (b'{"status": "PaymentCompletionProcessing"}', OperationStatus.PENDING),
        (b'{"status": "Failed", "confirmedAmount": 0}', OperationStatus.FAILED),
    ],
)
def test_the_capture_status_follows_tbcs_answer(
    provider: TbcProvider, kit: Any, answer: bytes, status: OperationStatus
):
    flow = provider.capture(kit.PAY_ID, None, idempotency_key=KEY)
    _after_read(flow, kit, kit.HELD)
    operation = kit.finish(flow, kit.respond(200, content=answer))
    assert operation.status is status
    assert operation.amount == Money("100", "GEL")


def test_more_than_authorized_is_refused(provider: TbcProvider, kit: Any):
    flow = provider.capture(kit.PAY_ID, Money("100.01", "GEL"), idempotency_key=KEY)
    error = _refused_after_read(flow, kit, kit.HELD)
    assert error.code is ErrorCode.AMOUNT_EXCEEDS_AVAILABLE


@pytest.mark.parametrize(
    ("status", "hint"),
    [
        ("Succeeded", ""),
        ("Created", ""),
        ("PaymentCompletionProcessing", "under way"),
        ("CancelPaymentProcessing", "under way"),
    ],
)
def test_only_a_waiting_pre_authorization_is_captured(
    provider: TbcProvider, kit: Any, status: str, hint: str
):
    body = kit.details(kit.HELD, status=status)
    error = _refused_after_read(provider.capture(kit.PAY_ID, None, idempotency_key=KEY), kit, body)
    assert isinstance(error, InvalidStateError)
    assert hint in error.message


# -- voids ------------------------------------------------------------------------------------


def test_a_void_is_a_full_cancel_of_the_hold(provider: TbcProvider, kit: Any):
    flow = provider.void(kit.PAY_ID, idempotency_key=KEY)
    cancel = _after_read(flow, kit, kit.HELD)
    assert (cancel.method, str(cancel.url)) == ("POST", f"{kit.TPAY}/payments/{kit.PAY_ID}/cancel")
    assert cancel.content == b""
    operation = kit.finish(flow, kit.respond(200, kit.ENVELOPE))
    assert operation.kind is OperationKind.VOID
    assert operation.status is OperationStatus.PENDING
    assert operation.amount == Money("100", "GEL")


@pytest.mark.parametrize("status", ["Succeeded", "Created", "Returned"])
def test_only_a_waiting_pre_authorization_is_voided(provider: TbcProvider, kit: Any, status: str):
    body = kit.details(kit.HELD, status=status)
    error = _refused_after_read(provider.void(kit.PAY_ID, idempotency_key=KEY), kit, body)
    assert isinstance(error, InvalidStateError)


async def test_pre_authorization_lifecycle_through_the_facade(
    gateway: Any, fake_tbc: Any, kit: Any
):
    held = await gateway.create_payment(kit.payment_request(capture=CaptureMode.MANUAL))
    fake_tbc.pay(held.id)
    assert (await gateway.get_payment(held.id)).status is PaymentStatus.AUTHORIZED
    capture = await gateway.capture(held.id, Money("40.00", "GEL"))
    assert capture.status is OperationStatus.SUCCEEDED
    captured = await gateway.get_payment(held.id)
    assert captured.status is PaymentStatus.PARTIALLY_CAPTURED
    assert captured.captured_amount == Money("40.00", "GEL")

    released = await gateway.create_payment(kit.payment_request(capture=CaptureMode.MANUAL))
    fake_tbc.pay(released.id)
    await gateway.void(released.id)
    after = await gateway.get_payment(released.id)
    assert after.status is PaymentStatus.CANCELED
    assert after.refunded_amount == Money("0", "GEL")
