"""The same checkout, unchanged, on every gateway: only the configuration differs.

Each provider's demo stage plays the bank and the customer (the dummy in memory,
BOG and TBC as emulators on loopback); the checkout itself gets nothing but
``stage.config``, the mapping ``Payments.from_config`` takes.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest

from examples.checkout.checkout import Order, checkout, checkout_async, order_request
from payments_core import (
    AsyncPayments,
    Money,
    Payment,
    PaymentRequest,
    Payments,
    PaymentStatus,
)
from payments_core.demo import DemoStage, load_stage

GATEWAYS = ["dummy", "bog", "tbc"]
CALLBACK_WAIT = 10.0


@pytest.fixture(params=GATEWAYS)
def stage(request: pytest.FixtureRequest) -> Iterator[DemoStage]:
    with load_stage(request.param)() as running:
        yield running


def _request(stage: DemoStage) -> tuple[Order, PaymentRequest]:
    number = f"order-{uuid.uuid4().hex[:10]}"
    request = order_request(
        number, stage.callback_url, allow_insecure=stage.allow_insecure_callback
    )
    return Order(number), request


def _assert_refunded_in_two_steps(order: Order) -> None:
    payment = order.payment
    assert payment is not None
    assert payment.status is PaymentStatus.REFUNDED
    assert payment.refunded_amount == Money("42.50", "GEL")
    statuses = [line.split(": ")[1] for line in order.history if "stale" not in line]
    assert "captured" in statuses
    assert "partially_refunded" in statuses


def test_the_checkout_runs_unchanged_on_the_sync_facade(stage: DemoStage) -> None:
    order, request = _request(stage)
    with Payments.from_config(stage.config) as payments:
        checkout(
            payments,
            order,
            request,
            stage.customer_pays,
            lambda payment_id: stage.wait_for_callback(payment_id, CALLBACK_WAIT),
        )
    _assert_refunded_in_two_steps(order)


async def test_the_checkout_runs_unchanged_on_the_async_facade(stage: DemoStage) -> None:
    order, request = _request(stage)

    async def customer_pays(payment: Payment) -> object:
        return await asyncio.to_thread(stage.customer_pays, payment)

    async def next_callback(payment_id: str) -> tuple[dict[str, str], bytes]:
        return await asyncio.to_thread(stage.wait_for_callback, payment_id, CALLBACK_WAIT)

    async with AsyncPayments.from_config(stage.config) as payments:
        await checkout_async(
            payments,
            order,
            request,
            customer_pays,
            next_callback,
        )
    _assert_refunded_in_two_steps(order)


def test_a_first_callback_delivered_again_after_the_refunds_changes_nothing(
    stage: DemoStage,
) -> None:
    order, request = _request(stage)
    first: list[tuple[dict[str, str], bytes]] = []

    def remember(payment_id: str) -> tuple[dict[str, str], bytes]:
        callback = stage.wait_for_callback(payment_id, CALLBACK_WAIT)
        first.append(callback)
        return callback

    with Payments.from_config(stage.config) as payments:
        checkout(payments, order, request, stage.customer_pays, remember)
        headers, body = first[0]
        order.update(payments.parse_webhook(headers, body).payment, "callback again")
    _assert_refunded_in_two_steps(order)
    assert order.history[-1].startswith("callback again: stale")
