"""Callbacks: BOG's envelope, SHA256withRSA signature over the exact bytes, retries."""

from __future__ import annotations

import base64
import json
import re
from decimal import Decimal
from typing import Any

import httpx
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from payments_bog.sandbox import BogSandbox


def verify(public_key_pem: str, body: bytes, signature: str) -> None:
    key = serialization.load_pem_public_key(public_key_pem.encode())
    assert isinstance(key, rsa.RSAPublicKey)
    key.verify(base64.b64decode(signature), body, padding.PKCS1v15(), hashes.SHA256())


async def test_callback_signature_verifies_with_the_published_key(
    bog: Any, sandbox: BogSandbox, receiver: Any
) -> None:
    order_id = await bog.paid()

    (call,) = receiver.calls
    public_key = (await bog.http.get("/sandbox/public-key")).text
    verify(public_key, call.body, call.headers["callback-signature"])
    assert public_key == sandbox.public_key_pem
    assert call.headers["content-type"] == "application/json"
    assert call.url == "https://shop.example/bog/callback"
    assert call.payload()["body"]["order_id"] == order_id


async def test_a_reserialized_body_does_not_verify(receiver: Any, bog: Any) -> None:
    await bog.paid()

    (call,) = receiver.calls
    reserialized = json.dumps(call.payload()).encode()
    with pytest.raises(InvalidSignature):
        verify(bog.sandbox.public_key_pem, reserialized, call.headers["callback-signature"])


async def test_callback_envelope_carries_the_receipt(bog: Any, receiver: Any) -> None:
    order_id = await bog.paid()

    payload = receiver.payloads()[0]
    assert set(payload) == {"event", "zoned_request_time", "body"}
    assert payload["event"] == "order_payment"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", payload["zoned_request_time"])
    assert payload["body"] == await bog.receipt(order_id)


async def test_callback_body_keeps_georgian_text_as_utf8(bog: Any, receiver: Any) -> None:
    await bog.paid()

    assert "გადახდილი".encode() in receiver.calls[0].body


async def test_a_declined_payment_is_called_back(bog: Any, receiver: Any) -> None:
    await bog.paid("4000000000000002")

    assert receiver.statuses() == ["rejected"]


async def test_refunds_and_preauth_outcomes_are_called_back(
    bog: Any, make_body: Any, receiver: Any
) -> None:
    paid = await bog.paid()
    await bog.refund(paid, Decimal("1.00"))
    held = await bog.paid(body=make_body(capture="manual"))
    await bog.approve(held, Decimal("1.00"))
    held_again = await bog.paid(body=make_body(capture="manual"))
    await bog.cancel(held_again)

    assert receiver.statuses() == [
        "completed",
        "refunded_partially",
        "blocked",
        "partial_completed",
        "blocked",
        "rejected",
    ]


async def test_failing_receiver_gets_retries_with_the_same_bytes(
    bog: Any, sandbox: BogSandbox, receiver: Any
) -> None:
    receiver.failures_left = 2

    await bog.paid()

    assert [d.status_code for d in sandbox.callbacks] == [500, 500, 200]
    assert [d.attempt for d in sandbox.callbacks] == [1, 2, 3]
    assert len({call.body for call in receiver.calls}) == 1
    assert len({call.headers["callback-signature"] for call in receiver.calls}) == 1
    assert (sandbox.counters.callbacks_delivered, sandbox.counters.callbacks_failed) == (1, 0)


async def test_delivery_gives_up_after_the_configured_retries(
    bog: Any, sandbox: BogSandbox, receiver: Any
) -> None:
    receiver.failures_left = 100

    await bog.paid()

    assert len(sandbox.callbacks) == 4
    assert not any(d.ok for d in sandbox.callbacks)
    assert (sandbox.counters.callbacks_delivered, sandbox.counters.callbacks_failed) == (0, 1)


async def test_unreachable_receiver_is_recorded_as_a_transport_error(
    private_key_pem: bytes,
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    sandbox = BogSandbox(
        callback_transport=httpx.MockTransport(refuse),
        callback_retries=1,
        callback_backoff=0,
        private_key_pem=private_key_pem,
    )
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url="http://bog") as http:
        token = await http.post(
            "/auth/realms/bog/protocol/openid-connect/token",
            data={"grant_type": "client_credentials"},
            auth=("sandbox-client", "sandbox-secret"),
        )
        created = await http.post(
            "/payments/v1/ecommerce/orders",
            json={
                "callback_url": "https://shop.example/cb",
                "purchase_units": {
                    "total_amount": 5,
                    "basket": [{"product_id": "a", "quantity": 1, "unit_price": 5}],
                },
            },
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        )
        await sandbox.pay(created.json()["id"], "4000000000000001")

    assert [d.status_code for d in sandbox.callbacks] == [None, None]
    assert sandbox.callbacks[0].error is not None
    assert "ConnectError" in sandbox.callbacks[0].error


async def test_a_given_private_key_signs_the_callbacks(private_key_pem: bytes) -> None:
    key = serialization.load_pem_private_key(private_key_pem, password=None)
    expected = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )

    assert BogSandbox(private_key_pem=private_key_pem).public_key_pem == expected


async def test_delivery_attempts_are_listed_over_http(bog: Any) -> None:
    await bog.paid()

    (entry,) = (await bog.http.get("/sandbox/callbacks")).json()

    assert entry["status_code"] == 200
    assert json.loads(entry["body"])["event"] == "order_payment"
