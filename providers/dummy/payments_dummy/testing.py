"""Typed helpers for a shop's tests on the dummy gateway, and their pytest fixtures.

Installing payments-dummy registers this module as a pytest plugin (the
``pytest11`` entry point ``payments_dummy.testing``), so a test asks for a
fixture by name and gets a gateway of its own::

    from payments_dummy.testing import DummyPayments

    def test_a_paid_order_ships(dummy_payments: DummyPayments) -> None:
        payment = shop.checkout(dummy_payments, order)  # your code takes a Payments
        dummy_payments.complete(payment.id)  # the customer pays
        headers, body = dummy_payments.signed_callback(payment.id)
        shop.on_callback(dummy_payments, headers, body)  # what the dummy would POST
        assert shop.order(order.id).shipped

The fixtures:

* ``dummy_payments``: a :class:`DummyPayments` (a :class:`~payments_core.Payments`)
  on a store no other test sees;
* ``async_dummy_payments``: an :class:`AsyncDummyPayments` on the same store (a
  plain fixture, so it works under pytest-asyncio and anyio alike);
* ``dummy_store``: that store's name, for code that opens its own facade
  (``Payments("dummy", store=dummy_store)`` sees the same payments).

Without the entry point (``PYTEST_DISABLE_PLUGIN_AUTOLOAD``), load it with
``pytest_plugins = ["payments_dummy.testing"]`` in a ``conftest.py``. The classes
and :func:`dummy_of` work without pytest, for scripts and local development.

The helpers play the parts a test cannot reach through the facade: the customer
on the hosted page (:meth:`~DummyPayments.complete`, :meth:`~DummyPayments.decline`,
:meth:`~DummyPayments.expire`) and the gateway's callback
(:meth:`~DummyPayments.signed_callback`). Checkout code keeps taking a
``Payments``; only the test names the dummy.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx

from payments_core import (
    AsyncPayments,
    ConfigurationError,
    DeclineCode,
    Payment,
    PaymentProvider,
    Payments,
)
from payments_dummy.provider import DummyProvider

try:
    import pytest
except ImportError:  # pragma: no cover - the helpers work without pytest
    _HAS_PYTEST = False
else:
    _HAS_PYTEST = True

__all__ = ["AsyncDummyPayments", "DummyPayments", "dummy_of"]


def dummy_of(payments: Payments | AsyncPayments) -> DummyProvider:
    """The dummy provider behind ``payments``, typed, for a test's or a demo's part.

    Checkout code takes a ``Payments`` and never names a provider; the code that
    plays the customer calls this to reach the dummy's own methods::

        dummy_of(payments).complete(payment.id)

    Raises :class:`~payments_core.ConfigurationError` when the gateway is not the dummy.
    """
    provider = payments.provider
    if not isinstance(provider, DummyProvider):
        raise ConfigurationError(
            f"gateway {payments.name!r} runs provider {provider.name!r}, not the dummy: "
            "the dummy's helpers need a dummy gateway",
            provider=provider.name,
        )
    return provider


class _DummyHelpers:
    """The customer's and the gateway's side of a test, on a facade over the dummy."""

    provider: DummyProvider

    def complete(self, payment_id: str) -> Payment:
        """The customer pays: the payment becomes ``captured`` (``authorized`` when the
        request asked for manual capture). Returns the payment as it is now."""
        return self.provider.complete(payment_id, "succeed")

    def decline(
        self, payment_id: str, code: DeclineCode | str = DeclineCode.GENERIC_DECLINE
    ) -> Payment:
        """The customer's bank declines: the payment becomes ``declined`` with ``code``."""
        return self.provider.complete(payment_id, "decline", decline_code=DeclineCode(code))

    def expire(self, payment_id: str) -> Payment:
        """The customer walks away until the payment page expires: ``expired``."""
        return self.provider.complete(payment_id, "expire")

    def signed_callback(self, payment_id: str) -> tuple[dict[str, str], bytes]:
        """The headers and raw body of the callback the dummy would POST now, signed
        as the gateway signs it: hand them to your callback endpoint or
        ``parse_webhook`` exactly as received."""
        return self.provider.webhook_for(payment_id)


def _no_network(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"the dummy gateway sends no HTTP, yet {request.url} was requested")


class DummyPayments(_DummyHelpers, Payments):
    """A :class:`~payments_core.Payments` on the dummy provider, with test helpers.

    It is a ``Payments`` (pass it to your checkout code) whose ``provider`` is
    typed :class:`~payments_dummy.DummyProvider`. Build it like ``Payments``,
    without naming the provider: ``DummyPayments(store="orders-test")``. Its
    HTTP client refuses every request, since the dummy sends none.
    """

    provider: DummyProvider

    def __init__(self, provider: str | PaymentProvider = "dummy", /, **kwargs: Any) -> None:
        kwargs.setdefault("http_client", httpx.Client(transport=httpx.MockTransport(_no_network)))
        super().__init__(provider, **kwargs)
        if not isinstance(self.provider, DummyProvider):
            name = self.provider.name
            self.close()
            raise ConfigurationError(
                f"DummyPayments runs the dummy provider, not {name!r}", provider=name
            )


class AsyncDummyPayments(_DummyHelpers, AsyncPayments):
    """An :class:`~payments_core.AsyncPayments` on the dummy provider, with test helpers.

    The helpers are plain methods: the dummy keeps everything in memory, so the
    customer's part needs no ``await``. Its HTTP client refuses every request,
    since the dummy sends none, and holds nothing to close.
    """

    provider: DummyProvider

    def __init__(self, provider: str | PaymentProvider = "dummy", /, **kwargs: Any) -> None:
        kwargs.setdefault(
            "http_client", httpx.AsyncClient(transport=httpx.MockTransport(_no_network))
        )
        super().__init__(provider, **kwargs)
        if not isinstance(self.provider, DummyProvider):
            name = self.provider.name
            self.provider.close()
            raise ConfigurationError(
                f"AsyncDummyPayments runs the dummy provider, not {name!r}", provider=name
            )


if _HAS_PYTEST:

    @pytest.fixture
    def dummy_store() -> str:
        """The name of a dummy store no other test uses."""
        return f"test-{uuid.uuid4().hex}"

    @pytest.fixture
    def dummy_payments(dummy_store: str) -> Iterator[DummyPayments]:
        """A :class:`DummyPayments` on this test's own store, closed afterwards."""
        with DummyPayments(store=dummy_store) as payments:
            yield payments

    @pytest.fixture
    def async_dummy_payments(dummy_store: str) -> Iterator[AsyncDummyPayments]:
        """An :class:`AsyncDummyPayments` on this test's own store (the one
        ``dummy_payments`` uses too)."""
        payments = AsyncDummyPayments(store=dummy_store)
        try:
            yield payments
        finally:
            payments.provider.close()
