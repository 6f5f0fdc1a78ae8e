"""Network and server faults injected into the emulator: no duplicate orders or refunds.

Creates and refunds carry an ``Idempotency-Key``; the driver retries them with the
same key, so whatever goes wrong between the shop and BOG, the emulator's counters
show at most one order (``orders_by_idempotency_key``) or refund
(``refunds_by_idempotency_key``) per key. Each fault ends either in success after a
retry or in the typed error that says what the shop should do next.

Back-off goes through the ``sleeps`` recorder: no real waiting, and the delays can be
read. Faults run in process under both facades; dropped connections also over the
real loopback server, where the emulator closes the socket.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from payments_bog.sandbox import BogSandbox, Fault

from payments_core import (
    ErrorCode,
    Money,
    OutcomeUnknownError,
    PaymentRequest,
    PaymentStatus,
    ProviderResponseError,
    ProviderUnavailableError,
    RateLimitedError,
)

from .conftest import IN_PROCESS, ROUTES, CallbackReceiver, Shop, Sleeps, paid

Checkout = Callable[..., PaymentRequest]
Connect = Callable[..., Shop]

TEN = Money("10.00", "GEL")
SHORT_TIMEOUT = 0.2
"""Seconds; the per-attempt timeout of tests whose faults answer too late."""


@dataclass(frozen=True)
class Case:
    """A fault the shop gets through by retrying, and the routes it is tried on."""

    name: str
    fault: Fault
    routes: tuple[str, ...] = IN_PROCESS
    settings: tuple[tuple[str, Any], ...] = ()


def create_cases() -> list[Case]:
    return [
        Case("5xx-before-processing", Fault("create_order", "error")),
        Case("5xx-after-processing", Fault("create_order", "error", when="after")),
        Case("429", Fault("create_order", "rate_limit", retry_after=1)),
        Case("dropped-before-processing", Fault("create_order", "drop"), ROUTES),
        Case("dropped-after-processing", Fault("create_order", "drop", when="after"), ROUTES),
        Case("token-revoked-early", Fault("create_order", "token_revoked")),
        Case(
            "answered-too-late-after-processing",
            Fault("create_order", "latency", delay=5.0, when="after"),
            settings=(("timeout", SHORT_TIMEOUT),),
        ),
        Case("token-endpoint-5xx", Fault("token", "error")),
        Case("token-endpoint-429", Fault("token", "rate_limit", retry_after=1)),
        Case("token-request-dropped", Fault("token", "drop"), ROUTES),
    ]


def refund_cases() -> list[Case]:
    return [
        Case("5xx-before-processing", Fault("refund", "error")),
        Case("5xx-after-processing", Fault("refund", "error", when="after")),
        Case("429", Fault("refund", "rate_limit", retry_after=1)),
        Case("dropped-before-processing", Fault("refund", "drop"), ROUTES),
        Case("dropped-after-processing", Fault("refund", "drop", when="after"), ROUTES),
        Case("token-revoked-early", Fault("refund", "token_revoked")),
        Case(
            "answered-too-late-after-processing",
            Fault("refund", "latency", delay=5.0, when="after"),
            settings=(("timeout", SHORT_TIMEOUT),),
        ),
    ]


def on_routes(cases: list[Case]) -> list[Any]:
    return [
        pytest.param(case, route, id=f"{case.name}/{route}")
        for case in cases
        for route in case.routes
    ]


def one_per_key(table: dict[str, int], key: str) -> None:
    assert table == {key: 1}, f"expected exactly one for key {key}, the emulator saw {table}"


# -- creates ------------------------------------------------------------------------------


@pytest.mark.parametrize(("case", "route"), on_routes(create_cases()))
async def test_a_create_retried_through_a_fault_makes_exactly_one_order(
    case: Case, route: str, connect: Connect, sandbox: BogSandbox, checkout: Checkout
) -> None:
    shop = connect(route, **dict(case.settings))
    sandbox.add_fault(case.fault)
    request = checkout()

    payment = await shop.create_payment(request)

    assert payment.status is PaymentStatus.PENDING
    one_per_key(sandbox.counters.orders_by_idempotency_key, request.idempotency_key)
    assert len(sandbox.store) == 1
    assert payment.id in sandbox.store
    assert sandbox.faults.armed() == []  # the fault did fire
    assert sandbox.counters.tokens_issued == (2 if case.fault.kind == "token_revoked" else 1)


@pytest.mark.parametrize("route", IN_PROCESS)
async def test_a_429_is_retried_after_the_delay_its_retry_after_asks_for(
    route: str, connect: Connect, sandbox: BogSandbox, sleeps: Sleeps, checkout: Checkout
) -> None:
    shop = connect(route)
    sandbox.add_fault(Fault("create_order", "rate_limit", retry_after=3))

    await shop.create_payment(checkout())

    assert sleeps.delays == [3.0]
    assert sandbox.counters.orders_created == 1


@pytest.mark.parametrize("route", IN_PROCESS)
async def test_a_create_that_keeps_getting_5xx_fails_as_retryable_provider_unavailable(
    route: str, connect: Connect, sandbox: BogSandbox, sleeps: Sleeps, checkout: Checkout
) -> None:
    shop = connect(route, max_retries=2)
    sandbox.add_fault(Fault("create_order", "error", times=None, status=502))

    with pytest.raises(ProviderUnavailableError) as failed:
        await shop.create_payment(checkout())

    assert failed.value.retryable is True
    assert failed.value.http_status == 502
    assert len(sleeps.delays) == 2  # the retry budget, spent on fake sleeps
    assert sandbox.counters.orders_created == 0


@pytest.mark.parametrize("route", IN_PROCESS)
async def test_a_create_that_keeps_being_answered_5xx_after_processing_leaves_one_order(
    route: str, connect: Connect, sandbox: BogSandbox, checkout: Checkout
) -> None:
    shop = connect(route)
    sandbox.add_fault(Fault("create_order", "error", times=None, when="after"))
    request = checkout()

    with pytest.raises(ProviderUnavailableError) as failed:
        await shop.create_payment(request)
    assert failed.value.retryable is True

    sandbox.clear_faults()
    payment = await shop.create_payment(request)  # the shop retries later, same request

    one_per_key(sandbox.counters.orders_by_idempotency_key, request.idempotency_key)
    assert len(sandbox.store) == 1
    assert payment.id in sandbox.store


@pytest.mark.parametrize("route", IN_PROCESS)
async def test_a_503_with_retry_after_is_retried_after_that_delay(
    route: str, connect: Connect, sandbox: BogSandbox, sleeps: Sleeps, checkout: Checkout
) -> None:
    shop = connect(route)
    sandbox.add_fault(Fault("create_order", "error", retry_after=5))

    await shop.create_payment(checkout())

    assert sleeps.delays == [5.0]
    assert sandbox.counters.orders_created == 1


@pytest.mark.parametrize("route", IN_PROCESS)
async def test_a_create_that_keeps_getting_429_fails_as_rate_limited_with_retry_after(
    route: str, connect: Connect, sandbox: BogSandbox, sleeps: Sleeps, checkout: Checkout
) -> None:
    shop = connect(route, max_retries=2)
    sandbox.add_fault(Fault("create_order", "rate_limit", times=None, retry_after=2))

    with pytest.raises(RateLimitedError) as limited:
        await shop.create_payment(checkout())

    assert limited.value.retry_after == 2.0
    assert limited.value.retryable is True
    assert sleeps.delays == [2.0, 2.0]
    assert sandbox.counters.orders_created == 0


@pytest.mark.parametrize("route", IN_PROCESS)
async def test_a_429_asking_for_longer_than_backoff_max_is_not_waited_for(
    route: str, connect: Connect, sandbox: BogSandbox, sleeps: Sleeps, checkout: Checkout
) -> None:
    shop = connect(route, backoff_max=8.0)
    sandbox.add_fault(Fault("create_order", "rate_limit", retry_after=60))

    with pytest.raises(RateLimitedError) as limited:
        await shop.create_payment(checkout())

    assert limited.value.retry_after == 60.0
    assert sleeps.delays == []


@pytest.mark.parametrize("route", ROUTES)
async def test_a_create_dropped_after_processing_every_time_is_an_unknown_outcome_with_one_order(
    route: str, connect: Connect, sandbox: BogSandbox, sleeps: Sleeps, checkout: Checkout
) -> None:
    shop = connect(route, max_retries=2)
    sandbox.add_fault(Fault("create_order", "drop", times=None, when="after"))
    request = checkout()

    with pytest.raises(OutcomeUnknownError) as failed:
        await shop.create_payment(request)

    assert failed.value.safe_to_repeat is True
    assert failed.value.code is ErrorCode.OUTCOME_UNKNOWN
    assert failed.value.idempotency_key == request.idempotency_key
    assert failed.value.external_id == request.external_id
    assert "outcome is unknown" in failed.value.message
    assert len(sleeps.delays) == 2
    one_per_key(sandbox.counters.orders_by_idempotency_key, request.idempotency_key)
    assert sandbox.counters.idempotent_replays == 2


@pytest.mark.parametrize("route", ROUTES)
async def test_a_create_dropped_before_processing_every_time_is_unknown_to_the_caller(
    route: str, connect: Connect, sandbox: BogSandbox, checkout: Checkout
) -> None:
    # The server received it and dropped the connection: from here nobody can
    # tell that it was not processed, so the caller must not be told "failed".
    shop = connect(route, max_retries=1)
    sandbox.add_fault(Fault("create_order", "drop", times=None))

    with pytest.raises(OutcomeUnknownError) as failed:
        await shop.create_payment(checkout())

    assert failed.value.safe_to_repeat is True
    assert failed.value.retryable is True
    assert sandbox.counters.orders_created == 0


@pytest.mark.parametrize("route", IN_PROCESS)
async def test_a_malformed_json_answer_to_a_create_is_an_unknown_outcome(
    route: str, connect: Connect, sandbox: BogSandbox, sleeps: Sleeps, checkout: Checkout
) -> None:
    shop = connect(route)
    sandbox.add_fault(Fault("create_order", "malformed"))

    with pytest.raises(OutcomeUnknownError) as unreadable:
        await shop.create_payment(checkout())

    assert unreadable.value.code is ErrorCode.OUTCOME_UNKNOWN
    assert unreadable.value.safe_to_repeat is True
    assert unreadable.value.http_status == 200
    assert sleeps.delays == []  # a 200 is not retried: the body is the problem
    assert sandbox.counters.orders_created == 0


@pytest.mark.parametrize("route", IN_PROCESS)
async def test_a_malformed_answer_after_processing_then_a_resend_leaves_one_order(
    route: str, connect: Connect, sandbox: BogSandbox, checkout: Checkout
) -> None:
    shop = connect(route)
    sandbox.add_fault(Fault("create_order", "malformed", when="after"))
    request = checkout()

    with pytest.raises(OutcomeUnknownError):
        await shop.create_payment(request)
    payment = await shop.create_payment(request)

    one_per_key(sandbox.counters.orders_by_idempotency_key, request.idempotency_key)
    assert len(sandbox.store) == 1
    assert payment.id in sandbox.store


@pytest.mark.parametrize("route", IN_PROCESS)
async def test_a_create_slower_than_the_timeout_is_an_unknown_outcome(
    route: str, connect: Connect, sandbox: BogSandbox, sleeps: Sleeps, checkout: Checkout
) -> None:
    shop = connect(route, timeout=SHORT_TIMEOUT, max_retries=1)
    sandbox.add_fault(Fault("create_order", "latency", times=None, delay=5.0))

    with pytest.raises(OutcomeUnknownError) as failed:
        await shop.create_payment(checkout())

    assert failed.value.code is ErrorCode.OUTCOME_UNKNOWN
    assert "ReadTimeout" in failed.value.message
    assert failed.value.retryable is True
    assert len(sleeps.delays) == 1
    assert sandbox.counters.orders_created == 0


# -- refunds ------------------------------------------------------------------------------


@pytest.mark.parametrize(("case", "route"), on_routes(refund_cases()))
async def test_a_refund_retried_through_a_fault_refunds_exactly_once(
    case: Case,
    route: str,
    connect: Connect,
    sandbox: BogSandbox,
    receiver: CallbackReceiver,
    checkout: Checkout,
) -> None:
    shop = connect(route, **dict(case.settings))
    payment = await paid(shop, sandbox, checkout)
    sandbox.add_fault(case.fault)

    operation = await shop.refund(payment.id, TEN, idempotency_key="refund-1")

    assert operation.amount == TEN
    one_per_key(sandbox.counters.refunds_by_idempotency_key, "refund-1")
    after = await shop.get_payment(payment.id)
    assert after.status is PaymentStatus.PARTIALLY_REFUNDED
    assert after.refunded_amount == TEN
    assert sandbox.faults.armed() == []
    receiver.wait_for(payment.id, "refunded_partially")
    assert [d.status_key for d in receiver.callbacks_for(payment.id)] == [
        "completed",
        "refunded_partially",
    ]


@pytest.mark.parametrize("route", ROUTES)
async def test_a_refund_dropped_after_processing_every_time_refunds_once_and_resends_safely(
    route: str, connect: Connect, sandbox: BogSandbox, checkout: Checkout
) -> None:
    shop = connect(route, max_retries=2)
    payment = await paid(shop, sandbox, checkout)
    sandbox.add_fault(Fault("refund", "drop", times=None, when="after"))

    with pytest.raises(ProviderUnavailableError) as failed:
        await shop.refund(payment.id, TEN, idempotency_key="refund-1")
    assert failed.value.retryable is True
    assert failed.value.payment_id == payment.id

    sandbox.clear_faults()
    again = await shop.refund(payment.id, TEN, idempotency_key="refund-1")

    assert again.amount == TEN
    one_per_key(sandbox.counters.refunds_by_idempotency_key, "refund-1")
    assert (await shop.get_payment(payment.id)).refunded_amount == TEN


@pytest.mark.parametrize("route", IN_PROCESS)
async def test_a_refund_that_keeps_getting_5xx_fails_retryable_and_refunds_nothing(
    route: str, connect: Connect, sandbox: BogSandbox, checkout: Checkout
) -> None:
    shop = connect(route)
    payment = await paid(shop, sandbox, checkout)
    sandbox.add_fault(Fault("refund", "error", times=None))

    with pytest.raises(ProviderUnavailableError) as failed:
        await shop.refund(payment.id, TEN, idempotency_key="refund-1")

    assert failed.value.retryable is True
    assert sandbox.counters.refunds_by_idempotency_key == {}
    assert (await shop.get_payment(payment.id)).status is PaymentStatus.CAPTURED


@pytest.mark.parametrize("route", IN_PROCESS)
async def test_a_refund_that_keeps_getting_429_fails_as_rate_limited(
    route: str, connect: Connect, sandbox: BogSandbox, sleeps: Sleeps, checkout: Checkout
) -> None:
    shop = connect(route, max_retries=1)
    payment = await paid(shop, sandbox, checkout)
    sandbox.add_fault(Fault("refund", "rate_limit", times=None, retry_after=4))

    with pytest.raises(RateLimitedError) as limited:
        await shop.refund(payment.id, TEN)

    assert limited.value.retry_after == 4.0
    assert sleeps.delays == [4.0]
    assert sandbox.counters.refunds_by_idempotency_key == {}


@pytest.mark.parametrize("route", IN_PROCESS)
async def test_a_malformed_refund_answer_is_an_unknown_outcome(
    route: str, connect: Connect, sandbox: BogSandbox, checkout: Checkout
) -> None:
    shop = connect(route)
    payment = await paid(shop, sandbox, checkout)
    sandbox.add_fault(Fault("refund", "malformed"))

    with pytest.raises(OutcomeUnknownError) as unknown:
        await shop.refund(payment.id, TEN)

    assert unknown.value.operation == "refund"
    assert unknown.value.payment_id == payment.id

    assert sandbox.counters.refunds_by_idempotency_key == {}


@pytest.mark.parametrize("route", IN_PROCESS)
async def test_a_receipt_that_is_not_json_fails_as_provider_response_error(
    route: str, connect: Connect, sandbox: BogSandbox, checkout: Checkout
) -> None:
    shop = connect(route)
    payment = await paid(shop, sandbox, checkout)
    sandbox.add_fault(Fault("receipt", "malformed"))

    with pytest.raises(ProviderResponseError):
        await shop.get_payment(payment.id)

    assert (await shop.get_payment(payment.id)).status is PaymentStatus.CAPTURED
