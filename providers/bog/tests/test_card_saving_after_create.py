"""``create_payment`` with ``save_card``: once BOG has created the order, no failure loses it.

The card-saving PUT follows the create. Whatever makes it fail (a refusal, a broken
connection, 5xx until the retries run out, a rate limit) the caller gets an error that
carries the created order's id and says the order exists; an unknown outcome of the
PUT stays an unknown outcome.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from payments_bog import BogProvider

from payments_core import (
    ErrorCode,
    InvalidRequestError,
    OutcomeUnknownError,
    PaymentError,
    PaymentRequest,
    Payments,
    PaymentStatus,
    ProviderUnavailableError,
    RateLimitedError,
    wire,
)

from .conftest import API, ORDER_ID

CREATE_KEY = "3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b"
SAVE_KEY = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{CREATE_KEY}/cards"))
CREATED = {
    "id": ORDER_ID,
    "_links": {
        "details": {"href": f"{API}/receipt/{ORDER_ID}"},
        "redirect": {"href": f"https://payment.bog.ge/?order_id={ORDER_ID}"},
    },
}

PutAnswer = Callable[[httpx.Request], httpx.Response]


class Bank:
    """BOG that creates orders and answers the card-saving PUT as the test says."""

    def __init__(self, put: PutAnswer) -> None:
        self.put = put
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path.endswith("/openid-connect/token"):
            body = {"access_token": "eyJ.t.sig", "token_type": "Bearer", "expires_in": 3600}
            return httpx.Response(200, content=wire.dumps(body))
        if request.method == "POST":
            return httpx.Response(200, content=wire.dumps(CREATED))
        return self.put(request)

    @property
    def puts(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == "PUT"]


def create(
    settings: dict[str, Any], request: PaymentRequest, put: PutAnswer, **overrides: Any
) -> tuple[Bank, PaymentError]:
    """Run ``create_payment`` through a facade; returns the bank and the error raised."""
    bank = Bank(put)
    provider = BogProvider.from_settings({**settings, **overrides})
    with (
        httpx.Client(transport=httpx.MockTransport(bank)) as client,
        Payments(
            provider, http_client=client, autoload_plugins=False, sleep=lambda _: None
        ) as payments,
        pytest.raises(PaymentError) as raised,
    ):
        payments.create_payment(request)
    return bank, raised.value


@pytest.fixture
def saving(order_request: Callable[..., PaymentRequest]) -> PaymentRequest:
    return order_request(provider_options={"save_card": "recurrent"})


def test_a_connection_lost_on_the_put_is_an_unknown_outcome_naming_the_order(
    settings: dict[str, Any], saving: PaymentRequest
) -> None:
    def drop(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError("connection reset", request=request)

    bank, error = create(settings, saving, drop, max_retries=1)

    assert type(error) is OutcomeUnknownError
    assert error.payment_id == ORDER_ID
    assert f"BOG created order {ORDER_ID}" in error.message
    assert "saved the card is unknown" in error.message
    assert error.operation == "create_payment"
    assert error.idempotency_key == CREATE_KEY
    assert error.external_id == "ORD-1001"
    assert error.safe_to_repeat is True
    assert error.code is ErrorCode.OUTCOME_UNKNOWN
    assert [put.headers["Idempotency-Key"] for put in bank.puts] == [SAVE_KEY, SAVE_KEY]


def test_5xx_on_every_attempt_of_the_put_is_an_unknown_outcome_naming_the_order(
    settings: dict[str, Any], saving: PaymentRequest
) -> None:
    def unavailable(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, content=b'{"message":"Service Unavailable"}')

    bank, error = create(settings, saving, unavailable, max_retries=2)

    assert type(error) is OutcomeUnknownError
    assert error.payment_id == ORDER_ID
    assert ORDER_ID in str(error)
    assert error.http_status == 503
    assert error.provider_message == "Service Unavailable"
    assert len(bank.puts) == 3


def test_a_rate_limited_put_keeps_retry_after_and_names_the_order(
    settings: dict[str, Any], saving: PaymentRequest
) -> None:
    def limited(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "3"}, content=b"{}")

    _, error = create(settings, saving, limited, max_retries=0)

    assert type(error) is RateLimitedError
    assert error.retry_after == 3
    assert error.payment_id == ORDER_ID
    assert f"BOG created order {ORDER_ID} but did not save its card" in error.message


def test_a_refused_put_through_the_facade_names_the_order_and_keeps_bogs_message(
    settings: dict[str, Any], saving: PaymentRequest
) -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, content=b'{"message":"Card saving is not enabled"}')

    _, error = create(settings, saving, refused)

    assert type(error) is InvalidRequestError
    assert error.payment_id == ORDER_ID
    assert error.provider_message == "Card saving is not enabled"
    assert error.http_status == 400
    assert error.message.startswith(f"BOG created order {ORDER_ID} but did not save its card")


def test_the_error_thrown_in_is_not_changed_but_raised_again_built_anew(
    provider: BogProvider, order_request: Callable[..., PaymentRequest], respond: Any
) -> None:
    flow = provider.create_payment(order_request(provider_options={"save_card": "recurrent"}))
    next(flow)
    flow.send(respond(200, CREATED))
    original = ProviderUnavailableError(
        "bog could not be reached (ConnectError)",
        code=ErrorCode.NETWORK_ERROR,
        provider="bog",
        request_id="req-7",
    )

    with pytest.raises(ProviderUnavailableError) as raised:
        flow.throw(original)

    error = raised.value
    assert error is not original
    assert original.message == "bog could not be reached (ConnectError)"
    assert original.payment_id is None
    assert error.payment_id == ORDER_ID
    assert error.code is ErrorCode.NETWORK_ERROR
    assert error.request_id == "req-7"
    assert error.args == (error.message,)
    assert error.__cause__ is original


def test_a_repeat_with_the_same_key_after_an_unknown_outcome_finishes_the_same_order(
    settings: dict[str, Any], saving: PaymentRequest
) -> None:
    outcomes = iter(["drop", "drop", "ok"])

    def flaky(request: httpx.Request) -> httpx.Response:
        if next(outcomes) == "drop":
            raise httpx.ReadError("connection reset", request=request)
        return httpx.Response(202)

    bank = Bank(flaky)
    provider = BogProvider.from_settings({**settings, "max_retries": 1})
    with (
        httpx.Client(transport=httpx.MockTransport(bank)) as client,
        Payments(
            provider, http_client=client, autoload_plugins=False, sleep=lambda _: None
        ) as payments,
    ):
        with pytest.raises(OutcomeUnknownError):
            payments.create_payment(saving)
        payment = payments.create_payment(saving)

    assert payment.id == ORDER_ID
    assert payment.status is PaymentStatus.PENDING
    creates = [r for r in bank.requests if r.method == "POST" and "/ecommerce/" in r.url.path]
    assert {r.headers["Idempotency-Key"] for r in creates} == {CREATE_KEY}
    assert {r.headers["Idempotency-Key"] for r in bank.puts} == {SAVE_KEY}
