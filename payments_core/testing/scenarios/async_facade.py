"""The async scenario: the same provider behind AsyncPayments runs the same flows.

Each phase runs on its own event loop (the customer's step may run one of its
own), so the kit needs no pytest-asyncio.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest

from payments_core.models import Payment, WebhookEvent
from payments_core.provider import Capability
from payments_core.testing.harness.calls import describe, fail, run
from payments_core.testing.harness.results import StatusTrail, expect_payment, expect_status
from payments_core.testing.harness.sessions import (
    async_transport_of,
    declared,
    open_async_session,
    open_session,
    run_async,
)
from payments_core.testing.scenarios.needs import needs
from payments_core.testing.steps.story import BEFORE_PAYMENT
from payments_core.testing.target import ConformanceTarget

T = TypeVar("T")

__all__ = ["test_async_facade_runs_the_same_flows"]


@needs(Capability.CREATE)
def test_async_facade_runs_the_same_flows(conformance_target: ConformanceTarget) -> None:
    """The same provider behind AsyncPayments: same flows, same normalized results, and
    a callback verified with ``await parse_webhook(...)``."""
    target = conformance_target
    if target.transport is not None and async_transport_of(target) is None:
        pytest.skip(
            "no async transport: set ConformanceTarget.async_transport (the sync "
            "transport() is not async-capable)"
        )
    request = target.make_request()

    async def before_paying() -> Payment:
        async with open_async_session(target, async_transport_of(target)) as a:
            what = "AsyncPayments.create_payment()"
            created = await _arun(what, lambda: a.payments.create_payment(request))
            expect_payment(created, what, a.provider.name, request=request)
            expect_status(created, BEFORE_PAYMENT, what)
            return created

    async def after_paying(created: Payment, callback: tuple[dict[str, str], bytes] | None) -> None:
        async with open_async_session(target, async_transport_of(target)) as a:
            name, trail = a.provider.name, StatusTrail()
            trail.add("AsyncPayments.create_payment()", created)
            if Capability.RETRIEVE.value in declared(a.provider):
                what = "AsyncPayments.get_payment() after the customer paid"
                fetched = await _arun(what, lambda: a.payments.get_payment(created.id))
                expect_payment(fetched, what, name, request=request, payment_id=created.id)
                trail.add(what, fetched)
            if callback is None:
                return
            what = "await AsyncPayments.parse_webhook() of a genuine callback"
            event = await _arun(what, lambda: a.payments.parse_webhook(*callback))
            if not isinstance(event, WebhookEvent):
                fail(f"{what} returned {describe(event)}; a provider must return WebhookEvent")
            expect_payment(event.payment, f"{what} (its payment)", name, payment_id=created.id)

    # Each phase on its own event loop: the customer's step may run one of its own.
    created = run_async(before_paying)
    with open_session(target) as s:
        s.customer_pays(created, "succeed")
        callback = None
        if s.declares(Capability.WEBHOOKS) and target.webhook_for is not None:
            callback = s.maybe_webhook(created)
    run_async(functools.partial(after_paying, created, callback))


async def _arun(what: str, call: Callable[[], Awaitable[T]]) -> T:
    """:func:`~payments_core.testing.harness.run` for a coroutine."""
    __tracebackhide__ = True
    try:
        return await call()
    except Exception as exc:
        error = exc

    def again() -> T:
        raise error

    return run(what, again)
