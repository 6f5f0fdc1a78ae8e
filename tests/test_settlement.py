"""A repeat the provider cannot rebuild: the typed error keeps the provider's exception.

When a keyed call whose outcome was unknown is made again, the facade asks the
provider to rebuild the first request (``resend``). If that raises, the caller
gets an ``OutcomeUnknownError`` raised from the provider's exception, so the
traceback shows what went wrong inside the provider, on both facades.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from payments_core import (
    AsyncPayments,
    Capability,
    Money,
    Operation,
    OutcomeUnknownError,
    Payments,
    ProviderSettings,
)
from payments_core.models import OperationKind, OperationStatus
from payments_core.provider import Flow, PaymentProvider


class _Settings(ProviderSettings):
    pass


class CannotRepeat(PaymentProvider):
    """A keyed gateway whose refunds answer a cut body and cannot be rebuilt."""

    name = "cannotrepeat"
    honours_idempotency_keys = True
    settings_model = _Settings
    capabilities = frozenset({Capability.REFUND, Capability.PARTIAL_REFUND})

    def refund(
        self, payment_id: str, amount: Money | None, *, idempotency_key: str
    ) -> Flow[Operation]:
        response = yield self.build_request(
            "POST",
            f"https://gw.test/payments/{payment_id}/refunds",
            json={"amount": None if amount is None else amount.amount},
            idempotency_key=idempotency_key,
        )
        return Operation(
            id=response.json()["id"],
            kind=OperationKind.REFUND,
            status=OperationStatus.SUCCEEDED,
            payment_id=payment_id,
            provider=self.name,
            amount=amount,
        )

    def resend(self, operation: str, request: Any, sent: Any) -> Flow[Any] | None:
        raise RuntimeError("cannot rebuild")


def _cut_body(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=b'{"id": "rf_1", "sta')


def _provider() -> CannotRepeat:
    return CannotRepeat.from_settings({"max_retries": 0})


def _assert_raised_from_the_providers_exception(error: OutcomeUnknownError) -> None:
    assert "could not repeat the earlier refund (RuntimeError)" in str(error)
    assert isinstance(error.__cause__, RuntimeError)
    assert str(error.__cause__) == "cannot rebuild"
    assert error.__suppress_context__ is True


def test_a_repeat_that_cannot_be_rebuilt_is_raised_from_the_providers_exception() -> None:
    with (
        httpx.Client(transport=httpx.MockTransport(_cut_body)) as client,
        Payments(_provider(), http_client=client, autoload_plugins=False) as payments,
    ):
        with pytest.raises(OutcomeUnknownError):
            payments.refund("pay_1", Money("5.00", "GEL"), idempotency_key="rk-1")
        with pytest.raises(OutcomeUnknownError) as again:
            payments.refund("pay_1", Money("5.00", "GEL"), idempotency_key="rk-1")
    _assert_raised_from_the_providers_exception(again.value)


async def test_an_async_repeat_that_cannot_be_rebuilt_is_raised_from_it_too() -> None:
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(_cut_body)) as client,
        AsyncPayments(_provider(), http_client=client, autoload_plugins=False) as payments,
    ):
        with pytest.raises(OutcomeUnknownError):
            await payments.refund("pay_1", Money("5.00", "GEL"), idempotency_key="rk-1")
        with pytest.raises(OutcomeUnknownError) as again:
            await payments.refund("pay_1", Money("5.00", "GEL"), idempotency_key="rk-1")
    _assert_raised_from_the_providers_exception(again.value)
