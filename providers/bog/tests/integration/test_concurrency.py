"""Many checkouts at once on a cold token cache: one token, every order made once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from payments_bog.sandbox import BogSandbox, Fault

from payments_core import Payment, PaymentRequest, Payments

from .conftest import Shop

Checkout = Callable[..., PaymentRequest]


async def test_two_hundred_concurrent_async_creates_on_a_cold_token_fetch_one_token(
    connect: Callable[..., Shop], sandbox: BogSandbox, checkout: Checkout
) -> None:
    shop = connect("async")
    requests = [checkout() for _ in range(200)]

    payments = await asyncio.gather(*(shop.create_payment(request) for request in requests))

    assert sandbox.counters.token_requests == 1
    assert sandbox.counters.tokens_issued == 1
    assert sandbox.counters.orders_created == 200
    assert sandbox.counters.orders_by_idempotency_key == {r.idempotency_key: 1 for r in requests}
    assert len({payment.id for payment in payments}) == 200
    assert [p.external_id for p in payments] == [r.external_id for r in requests]


@pytest.mark.parametrize(
    "fault",
    [Fault("token", "error"), Fault("token", "drop")],
    ids=["token-endpoint-5xx", "token-request-dropped"],
)
async def test_when_the_first_token_request_of_a_herd_fails_one_retry_serves_them_all(
    fault: Fault, connect: Callable[..., Shop], sandbox: BogSandbox, checkout: Checkout
) -> None:
    shop = connect("async")
    sandbox.add_fault(fault)
    requests = [checkout() for _ in range(100)]

    payments = await asyncio.gather(*(shop.create_payment(request) for request in requests))

    token_path = sandbox.token_url.removeprefix(sandbox.public_base_url)
    assert sandbox.counters.requests.count(("POST", token_path)) == 2  # the failed one, one more
    assert sandbox.counters.tokens_issued == 1
    assert sandbox.counters.orders_by_idempotency_key == {r.idempotency_key: 1 for r in requests}
    assert len({payment.id for payment in payments}) == 100


async def test_fifty_threads_creating_at_once_on_a_cold_token_fetch_one_token(
    connect: Callable[..., Shop], sandbox: BogSandbox, checkout: Checkout
) -> None:
    payments = connect("sync").payments
    assert isinstance(payments, Payments)
    requests = [checkout() for _ in range(50)]

    def create_all() -> list[Payment]:
        with ThreadPoolExecutor(max_workers=50) as pool:
            return list(pool.map(payments.create_payment, requests))

    created = await asyncio.to_thread(create_all)

    assert sandbox.counters.tokens_issued == 1
    assert sandbox.counters.orders_created == 50
    assert len({payment.id for payment in created}) == 50
