"""The token exchange and the loopback server, as the provider meets them."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest
from payments_bog.sandbox import BogSandbox

from payments_core import AuthenticationError, ErrorCode, PaymentRequest

from .conftest import CLIENT_ID, CLIENT_SECRET, IN_PROCESS, Shop

Checkout = Callable[..., PaymentRequest]


@pytest.mark.parametrize("route", IN_PROCESS)
async def test_a_secret_with_reserved_characters_authenticates_form_encoded(
    route: str, connect: Callable[..., Shop], sandbox: BogSandbox, checkout: Checkout
) -> None:
    assert any(ch in CLIENT_SECRET for ch in "/+=%")  # RFC 6749 §2.3.1 encodes these
    shop = connect(route)

    await shop.create_payment(checkout())

    assert sandbox.counters.tokens_issued == 1


async def test_the_raw_basic_pair_of_bogs_docs_is_accepted_too(sandbox: BogSandbox) -> None:
    async with httpx.AsyncClient(
        transport=sandbox.transport(), base_url=sandbox.public_base_url
    ) as http:
        answer = await http.post(
            sandbox.token_url,
            data={"grant_type": "client_credentials"},
            auth=(CLIENT_ID, CLIENT_SECRET),
        )

    assert answer.status_code == 200
    assert answer.json()["token_type"] == "Bearer"


@pytest.mark.parametrize("route", IN_PROCESS)
async def test_a_wrong_secret_is_an_authentication_error_with_keycloaks_code(
    route: str, connect: Callable[..., Shop], sandbox: BogSandbox, checkout: Checkout
) -> None:
    shop = connect(route, client_secret="not-" + CLIENT_SECRET)

    with pytest.raises(AuthenticationError) as refused:
        await shop.create_payment(checkout())

    assert refused.value.code is ErrorCode.AUTHENTICATION_FAILED
    assert refused.value.provider_code == "invalid_client"
    assert refused.value.http_status == 401
    assert sandbox.counters.tokens_issued == 0
    assert sandbox.counters.orders_created == 0


async def test_calls_on_a_kept_alive_loopback_connection_are_not_held_back(
    connect: Callable[..., Shop], checkout: Checkout
) -> None:
    # Nagle's algorithm against delayed ACKs costs ~40 ms per call on a kept-alive
    # connection when the server socket lacks TCP_NODELAY: 20 calls would take ~0.9 s.
    shop = connect("loopback-async")
    payment = await shop.create_payment(checkout())

    started = time.perf_counter()
    for _ in range(20):
        await shop.get_payment(payment.id)
    elapsed = time.perf_counter() - started

    assert elapsed < 0.5, f"20 receipts over loopback took {elapsed:.2f}s"
