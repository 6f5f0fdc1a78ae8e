"""Unsigned callbacks: the caller's address and the body's shape are checked, then the
payment is read back and the event is built from TBC's answer alone."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from payments_core import (
    ErrorCode,
    Money,
    Payments,
    PaymentStatus,
    ProviderUnavailableError,
    WebhookVerificationError,
)


def _body(pay_id: str, **extra: Any) -> bytes:
    return json.dumps({"PaymentId": pay_id, **extra}).encode()


HEADERS = {"Content-Type": "application/json"}


async def test_the_event_comes_from_reading_the_payment_back(gateway: Any, fake_tbc: Any, kit: Any):
    created = await gateway.create_payment(kit.payment_request())
    fake_tbc.pay(created.id)
    before = len(fake_tbc.requests)

    event = await gateway.parse_webhook(HEADERS, _body(created.id), remote_addr=kit.TBC_ADDRESS)

    sent = fake_tbc.requests[before:]
    assert [(r.method, r.url.path) for r in sent] == [("GET", f"/v1/tpay/payments/{created.id}")]
    assert sent[0].headers["apikey"] == kit.API_KEY
    assert event.provider == "tbc"
    assert event.type == "payment.updated"
    assert event.payment.id == created.id
    assert event.payment.status is PaymentStatus.CAPTURED
    assert event.payment.captured_amount == Money("49.90", "GEL")
    assert event.raw == {"PaymentId": created.id}


async def test_a_forged_status_in_the_body_is_ignored(gateway: Any, fake_tbc: Any, kit: Any):
    created = await gateway.create_payment(kit.payment_request())  # not paid
    forged = _body(created.id, status="Succeeded", amount=1000, confirmedAmount=1000)

    event = await gateway.parse_webhook(HEADERS, forged, remote_addr=kit.TBC_ADDRESS)

    assert event.payment.status is PaymentStatus.PENDING
    assert event.payment.amount == Money("49.90", "GEL")
    assert event.payment.captured_amount == Money("0", "GEL")


async def test_an_unknown_payment_id_is_refused(gateway: Any, fake_tbc: Any, kit: Any):
    with pytest.raises(WebhookVerificationError) as caught:
        await gateway.parse_webhook(
            HEADERS, _body("nosuchpayment12345"), remote_addr=kit.TBC_ADDRESS
        )
    assert caught.value.provider == "tbc"
    assert caught.value.payment_id == "nosuchpayment12345"
    assert [r.method for r in fake_tbc.api_requests()] == ["GET"]


@pytest.mark.parametrize(
    "remote_addr", ["203.0.113.9", "193.104.20.46", "::1", "1.2.3.4:443", "not an address", ""]
)
async def test_a_caller_outside_tbcs_addresses_is_refused_before_anything_is_sent(
    gateway: Any, fake_tbc: Any, kit: Any, remote_addr: str
):
    with pytest.raises(WebhookVerificationError) as caught:
        await gateway.parse_webhook(HEADERS, _body(kit.PAY_ID), remote_addr=remote_addr)
    assert caught.value.code is ErrorCode.WEBHOOK_SIGNATURE_INVALID
    assert fake_tbc.requests == []


@pytest.mark.parametrize(
    "remote_addr",
    ["193.104.20.44", "193.104.20.45", "185.52.80.44", "185.52.80.45", "::ffff:185.52.80.45"],
)
async def test_tbcs_documented_addresses_are_let_through(
    gateway: Any, fake_tbc: Any, kit: Any, remote_addr: str
):
    created = await gateway.create_payment(kit.payment_request())
    event = await gateway.parse_webhook(HEADERS, _body(created.id), remote_addr=remote_addr)
    assert event.payment.id == created.id


async def test_no_remote_addr_skips_the_address_check(gateway: Any, kit: Any):
    created = await gateway.create_payment(kit.payment_request())
    event = await gateway.parse_webhook(HEADERS, _body(created.id))
    assert event.payment.id == created.id


def test_callback_addresses_are_configurable(settings: dict[str, Any], fake_tbc: Any, kit: Any):
    client = httpx.Client(transport=httpx.MockTransport(fake_tbc.handler))
    configured = {**settings, "callback_addresses": "10.0.0.0/8, 2001:db8::1"}
    with client, Payments("tbc", http_client=client, autoload_plugins=False, **configured) as p:
        created = p.create_payment(kit.payment_request())
        assert p.parse_webhook(HEADERS, _body(created.id), remote_addr="10.1.2.3").payment
        assert p.parse_webhook(HEADERS, _body(created.id), remote_addr="2001:db8::1").payment
        with pytest.raises(WebhookVerificationError):
            p.parse_webhook(HEADERS, _body(created.id), remote_addr=kit.TBC_ADDRESS)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[]",
        b'"ab12cd34ef5g6h7890"',
        b"{}",
        b'{"PaymentId": 5}',
        b'{"PaymentId": null}',
        b'{"PaymentId": ""}',
        b'{"PaymentId": "../../access-token"}',
        b'{"PaymentId": "ab12cd34ef5g6h7890?x=1"}',
        b'{"PaymentId": "a b"}',
        b'{"PaymentId": "ab12cd34ef5g6h7890", "paymentid": "zz90yy81xx72ww6354"}',
        b'{"Payment": "ab12cd34ef5g6h7890"}',
        b'{"PaymentId": "' + b"a" * 5000 + b'"}',
    ],
)
async def test_a_malformed_body_is_refused_before_anything_is_sent(
    gateway: Any, fake_tbc: Any, kit: Any, body: bytes
):
    with pytest.raises(WebhookVerificationError) as caught:
        await gateway.parse_webhook(HEADERS, body, remote_addr=kit.TBC_ADDRESS)
    assert caught.value.code is ErrorCode.WEBHOOK_MALFORMED
    assert fake_tbc.requests == []


async def test_the_id_key_is_matched_in_any_casing(gateway: Any, kit: Any):
    created = await gateway.create_payment(kit.payment_request())
    body = json.dumps({"paymentId": created.id}).encode()
    event = await gateway.parse_webhook(HEADERS, body, remote_addr=kit.TBC_ADDRESS)
    assert event.payment.id == created.id


async def test_repeats_of_one_state_dedupe_and_a_new_state_does_not(
    gateway: Any, fake_tbc: Any, kit: Any
):
    created = await gateway.create_payment(kit.payment_request())
    fake_tbc.pay(created.id)
    first = await gateway.parse_webhook(HEADERS, _body(created.id), remote_addr=kit.TBC_ADDRESS)
    again = await gateway.parse_webhook(HEADERS, _body(created.id), remote_addr=kit.TBC_ADDRESS)
    assert first.id == again.id
    assert created.id in first.id

    await gateway.refund(created.id, Money("10.00", "GEL"))
    later = await gateway.parse_webhook(HEADERS, _body(created.id), remote_addr=kit.TBC_ADDRESS)
    assert later.id != first.id
    assert later.payment.status is PaymentStatus.PARTIALLY_REFUNDED


async def test_a_read_back_failure_is_the_banks_not_the_callers(
    gateway: Any, fake_tbc: Any, kit: Any
):
    created = await gateway.create_payment(kit.payment_request())
    fake_tbc.inject("GET", created.id, kit.problem(503, "Unavailable", "later"), times=3)
    with pytest.raises(ProviderUnavailableError) as caught:
        await gateway.parse_webhook(HEADERS, _body(created.id), remote_addr=kit.TBC_ADDRESS)
    # not a verification failure: the shop answers non-2xx and TBC (or a poll) tries again
    assert not isinstance(caught.value, WebhookVerificationError)
    assert caught.value.retryable
