"""TBC has no idempotency keys: money-moving requests go exactly once, and a lost or
unreadable answer is an unknown outcome that must not be repeated."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from payments_tbc import AsyncTbcPayments, TbcPayments

from payments_core import (
    AsyncPayments,
    CaptureMode,
    Money,
    OutcomeUnknownError,
    PaymentStatus,
)


def _posts(fake_tbc: Any, suffix: str) -> list[httpx.Request]:
    return [r for r in fake_tbc.requests if r.method == "POST" and r.url.path.endswith(suffix)]


CUT_CREATE_ANSWERS = [
    b'{"payId":"ab12cd34ef5g6h7890","status":"Created","links":[{"uri":"https://pay',
    b"",
    b"<html>OK</html>",
    b'{"status": "Created"}',
    b'{"payId": "../../x", "status": "Created"}',
    b'{"payId": "ab12cd34ef5g6h7890", "links": "not a list"}',
]


@pytest.mark.parametrize("content", CUT_CREATE_ANSWERS)
async def test_an_unreadable_create_answer_is_an_unknown_outcome_with_the_external_id(
    gateway: Any, fake_tbc: Any, kit: Any, content: bytes
):
    fake_tbc.inject("POST", "/v1/tpay/payments", kit.respond(200, content=content))
    with pytest.raises(OutcomeUnknownError) as caught:
        await gateway.create_payment(kit.payment_request())
    error = caught.value
    assert error.safe_to_repeat is False
    assert error.retryable is False
    assert error.external_id == "order-1842"
    assert error.operation == "create_payment"
    assert error.provider == "tbc"
    assert len(_posts(fake_tbc, "/v1/tpay/payments")) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_a_create_answered_with_5xx_is_sent_once(
    gateway: Any, fake_tbc: Any, kit: Any, status: int
):
    fake_tbc.inject("POST", "/v1/tpay/payments", kit.problem(status, "Down", "later"), times=5)
    with pytest.raises(OutcomeUnknownError) as caught:
        await gateway.create_payment(kit.payment_request())
    assert caught.value.safe_to_repeat is False
    assert caught.value.http_status == status
    assert len(_posts(fake_tbc, "/v1/tpay/payments")) == 1


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadError("connection reset"),
        httpx.ReadTimeout("read timed out"),
        httpx.RemoteProtocolError("server disconnected"),
    ],
)
async def test_a_dropped_connection_after_sending_is_an_unknown_outcome(
    gateway: Any, fake_tbc: Any, kit: Any, failure: Exception
):
    fake_tbc.inject("POST", "/v1/tpay/payments", failure, times=5)
    with pytest.raises(OutcomeUnknownError) as caught:
        await gateway.create_payment(kit.payment_request())
    assert caught.value.safe_to_repeat is False
    assert caught.value.external_id == "order-1842"
    assert len(_posts(fake_tbc, "/v1/tpay/payments")) == 1


async def test_the_same_create_after_an_unknown_outcome_is_not_sent_again(
    gateway: Any, fake_tbc: Any, kit: Any
):
    request = kit.payment_request()
    fake_tbc.inject("POST", "/v1/tpay/payments", kit.problem(503, "Down", "later"))
    with pytest.raises(OutcomeUnknownError):
        await gateway.create_payment(request)
    with pytest.raises(OutcomeUnknownError) as caught:
        await gateway.create_payment(request)
    assert "not sent again" in caught.value.message
    assert len(_posts(fake_tbc, "/v1/tpay/payments")) == 1


async def test_a_refund_with_a_lost_answer_is_unknown_and_names_the_payment(
    gateway: Any, fake_tbc: Any, kit: Any
):
    payment = await gateway.create_payment(kit.payment_request())
    fake_tbc.pay(payment.id)
    fake_tbc.inject("POST", "/cancel", httpx.ReadError("reset"))
    with pytest.raises(OutcomeUnknownError) as caught:
        await gateway.refund(payment.id, Money("5.00", "GEL"))
    assert caught.value.payment_id == payment.id
    assert caught.value.operation == "refund"
    assert caught.value.safe_to_repeat is False
    assert len(_posts(fake_tbc, "/cancel")) == 1


@pytest.mark.parametrize(
    "content",
    [b"garbage", b"[]", b'{"httpStatusCode": 500, "developerMessage": "failed"}'],
)
async def test_an_unreadable_refund_acknowledgement_is_unknown(
    gateway: Any, fake_tbc: Any, kit: Any, content: bytes
):
    payment = await gateway.create_payment(kit.payment_request())
    fake_tbc.pay(payment.id)
    fake_tbc.inject("POST", "/cancel", kit.respond(200, content=content))
    with pytest.raises(OutcomeUnknownError):
        await gateway.refund(payment.id)


async def test_a_capture_answered_with_503_is_sent_once(gateway: Any, fake_tbc: Any, kit: Any):
    payment = await gateway.create_payment(kit.payment_request(capture=CaptureMode.MANUAL))
    fake_tbc.pay(payment.id)
    fake_tbc.inject("POST", "/completion", kit.problem(503, "Down", "later"), times=5)
    with pytest.raises(OutcomeUnknownError) as caught:
        await gateway.capture(payment.id)
    assert caught.value.safe_to_repeat is False
    assert len(_posts(fake_tbc, "/completion")) == 1
    # the read before it is a GET: those are retried freely
    assert (await gateway.get_payment(payment.id)).status is PaymentStatus.AUTHORIZED


async def test_a_void_answered_with_503_is_sent_once(gateway: Any, fake_tbc: Any, kit: Any):
    payment = await gateway.create_payment(kit.payment_request(capture=CaptureMode.MANUAL))
    fake_tbc.pay(payment.id)
    fake_tbc.inject("POST", "/cancel", kit.problem(503, "Down", "later"), times=5)
    with pytest.raises(OutcomeUnknownError):
        await gateway.void(payment.id)
    assert len(_posts(fake_tbc, "/cancel")) == 1


async def test_a_saved_card_charge_with_a_lost_answer_is_unknown_and_not_resent(
    gateway: Any, fake_tbc: Any, kit: Any
):
    fake_tbc.cards.add(kit.REC_ID)
    tbc = (
        AsyncTbcPayments(gateway.facade)
        if isinstance(gateway.facade, AsyncPayments)
        else TbcPayments(gateway.facade)
    )

    async def charge() -> Any:
        result = tbc.charge_saved_card(
            kit.REC_ID,
            Money("9.99", "GEL"),
            merchant_payment_id="sub-77-2025-06",
            idempotency_key="charge-77-2025-06",
        )
        return await result if gateway.is_async else result

    fake_tbc.inject("POST", "/execution", httpx.ReadError("reset"))
    with pytest.raises(OutcomeUnknownError) as caught:
        await charge()
    assert caught.value.external_id == "sub-77-2025-06"
    assert caught.value.idempotency_key == "charge-77-2025-06"
    assert caught.value.safe_to_repeat is False
    with pytest.raises(OutcomeUnknownError):
        await charge()  # the same key after an unknown outcome: refused, not charged twice
    assert len(_posts(fake_tbc, "/execution")) == 1


async def test_a_connection_refused_is_nothing_sent_and_retried(
    gateway: Any, fake_tbc: Any, kit: Any
):
    fake_tbc.inject("POST", "/v1/tpay/payments", httpx.ConnectError("refused"))
    payment = await gateway.create_payment(kit.payment_request())
    assert payment.status is PaymentStatus.PENDING
