"""Fixtures for the dummy provider: one scenario, run under both facades."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from payments_dummy import DummyProvider

from payments_core import AsyncPayments, LineItem, Money, PaymentRequest, Payments


class Gateway:
    """The facade's methods as awaitables, whichever facade sits underneath.

    Lets one test body pin the same behaviour for ``Payments`` and ``AsyncPayments``.
    """

    def __init__(self, facade: Payments | AsyncPayments) -> None:
        self.facade = facade

    @property
    def provider(self) -> DummyProvider:
        provider = self.facade.provider
        assert isinstance(provider, DummyProvider)
        return provider

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        method = getattr(self.facade, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            result = method(*args, **kwargs)
            if isinstance(self.facade, AsyncPayments):
                return await result
            return result

        return call


@pytest.fixture(params=["sync", "async"])
async def gateway(request: pytest.FixtureRequest) -> AsyncIterator[Gateway]:
    """A dummy gateway with a store of its own, as ``Payments`` or ``AsyncPayments``."""
    settings = {"store": f"test-{uuid.uuid4().hex}", "autoload_plugins": False}
    if request.param == "sync":
        with Payments("dummy", **settings) as payments:
            yield Gateway(payments)
    else:
        async with AsyncPayments("dummy", **settings) as apayments:
            yield Gateway(apayments)


def gel(amount: str) -> Money:
    return Money(amount, "GEL")


@pytest.fixture
def make_request() -> Callable[..., PaymentRequest]:
    """A valid 30.00 GEL request; keyword arguments override fields."""

    def build(**overrides: Any) -> PaymentRequest:
        fields: dict[str, Any] = {
            "external_id": f"order-{uuid.uuid4().hex[:8]}",
            "amount": gel("30.00"),
            "items": [LineItem(product_id="sku-1", quantity=3, unit_price=gel("10.00"))],
            "callback_url": "https://shop.example/payments/callback",
            "success_url": "https://shop.example/ok",
            "fail_url": "https://shop.example/fail",
        }
        fields.update(overrides)
        return PaymentRequest(**fields)

    return build
