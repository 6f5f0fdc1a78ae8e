"""Drivers: a flow runs the same over sync and async clients, and only typed errors escape."""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator
from typing import Any

import httpx
import pytest

from payments_core import (
    AsyncPayments,
    ConfigurationError,
    ErrorCode,
    InvalidRequestError,
    NotFoundError,
    PaymentError,
    Payments,
    PaymentStatus,
    ProviderResponseError,
    ProviderUnavailableError,
    RetryPolicy,
)
from payments_core.drivers import AsyncDriver, CallInfo, SyncDriver
from payments_core.hooks import Hooks
from payments_core.provider import error_for_status
from tests.conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    GATEWAY_URL,
    FakeClock,
    FakeGateway,
    HttpTestProvider,
    make_request,
)


@pytest.fixture
def provider() -> HttpTestProvider:
    return HttpTestProvider.from_settings({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})


@pytest.fixture
def driver(provider: HttpTestProvider, http_client: httpx.Client, clock: FakeClock) -> SyncDriver:
    return SyncDriver(
        provider,
        http_client,
        Hooks(autoload=False),
        policy=RetryPolicy(random=lambda: 1.0),
        sleep=clock.sleep,
        clock=clock,
    )


# -- a provider answering garbage ---------------------------------------------------------


def _payment_json(**fields: Any) -> httpx.Response:
    body: dict[str, Any] = {"id": "pay_1", "state": "paid", "amount": "1.00", "currency": "GEL"}
    body.update(fields)
    return httpx.Response(200, json=body)


GARBAGE: dict[str, Callable[[], httpx.Response]] = {
    "not-json": lambda: httpx.Response(200, text="<html>Service Unavailable</html>"),
    "empty-body": lambda: httpx.Response(200),
    "json-list": lambda: httpx.Response(200, json=[1, 2, 3]),
    "json-string": lambda: httpx.Response(200, json="ok"),
    "missing-fields": lambda: httpx.Response(200, json={"id": "pay_1"}),
    "unknown-status": lambda: _payment_json(state="on-fire"),
    "wrong-type-id": lambda: _payment_json(id=42),
    "null-id": lambda: _payment_json(id=None),
    "amount-as-object": lambda: _payment_json(amount={"value": 1}),
    "not-a-number-amount": lambda: _payment_json(amount="twelve"),
    "unknown-currency": lambda: _payment_json(currency="XYZ"),
    "over-precise-amount": lambda: _payment_json(amount="1.001"),
    "bad-bytes": lambda: httpx.Response(200, content=b'{"id": "\xff\xfe"}'),
}


@pytest.mark.parametrize("reply", GARBAGE.values(), ids=GARBAGE.keys())
def test_garbage_reply_is_a_provider_response_error(
    payments: Payments, gateway: FakeGateway, reply: Callable[[], httpx.Response]
) -> None:
    payment_id = gateway.add_payment()
    gateway.fail_next(reply())
    with pytest.raises(ProviderResponseError, match="could not read httpgw's response") as caught:
        payments.get_payment(payment_id)
    assert caught.value.code is ErrorCode.INVALID_RESPONSE
    assert caught.value.provider == "httpgw"
    assert caught.value.http_status == 200  # the reply itself, not a failure before it
    assert caught.value.retryable is False


@pytest.mark.parametrize("reply", GARBAGE.values(), ids=GARBAGE.keys())
async def test_garbage_reply_is_a_provider_response_error_async(
    async_payments: AsyncPayments, gateway: FakeGateway, reply: Callable[[], httpx.Response]
) -> None:
    payment_id = gateway.add_payment()
    gateway.fail_next(reply())
    with pytest.raises(ProviderResponseError, match="could not read httpgw's response") as caught:
        await async_payments.get_payment(payment_id)
    assert caught.value.code is ErrorCode.INVALID_RESPONSE
    assert caught.value.http_status == 200
    assert caught.value.retryable is False


def test_garbage_error_body_still_maps_by_status(payments: Payments, gateway: FakeGateway) -> None:
    payment_id = gateway.add_payment()
    gateway.fail_next(httpx.Response(404, text="<html>nope</html>"))
    with pytest.raises(NotFoundError) as caught:
        payments.get_payment(payment_id)
    assert caught.value.http_status == 404


# -- the flow protocol ----------------------------------------------------------------------


def test_driver_returns_the_flow_result(driver: SyncDriver, gateway: FakeGateway) -> None:
    payment_id = gateway.add_payment(state="paid", amount="3.20")
    payment = driver.run(driver.provider.get_payment(payment_id))
    assert payment.id == payment_id
    assert payment.status is PaymentStatus.CAPTURED
    assert str(payment.amount.amount) == "3.20"


def test_a_flow_can_send_several_requests(
    driver: SyncDriver, provider: HttpTestProvider, gateway: FakeGateway
) -> None:
    first, second = gateway.add_payment(), gateway.add_payment(state="refunded")

    def flow() -> Generator[httpx.Request, httpx.Response, list[int]]:
        a = yield provider.build_request("GET", f"{GATEWAY_URL}/payments/{first}")
        b = yield provider.build_request("GET", f"{GATEWAY_URL}/payments/{second}")
        return [a.status_code, b.status_code]

    assert driver.run(flow()) == [200, 200]
    assert [seen.path for seen in gateway.api_requests] == [
        f"/payments/{first}",
        f"/payments/{second}",
    ]


def test_a_flow_that_yields_something_else_is_a_provider_response_error(
    driver: SyncDriver,
) -> None:
    def flow() -> Generator[Any, httpx.Response, None]:
        yield "GET /payments"

    with pytest.raises(ProviderResponseError, match=r"not an httpx\.Request"):
        driver.run(flow())


def test_an_exception_in_the_flow_before_sending_is_wrapped(
    driver: SyncDriver, gateway: FakeGateway
) -> None:
    def flow() -> Generator[httpx.Request, httpx.Response, None]:
        raise KeyError("options")
        yield  # pragma: no cover

    with pytest.raises(
        ProviderResponseError, match=r"failed while preparing its request \(KeyError\)"
    ) as caught:
        driver.run(flow())
    assert "nothing was sent" in str(caught.value)
    assert gateway.seen == []


def test_a_payment_error_raised_by_the_flow_passes_through(driver: SyncDriver) -> None:
    def flow() -> Generator[httpx.Request, httpx.Response, None]:
        raise NotFoundError("gone", provider="httpgw")
        yield  # pragma: no cover

    with pytest.raises(NotFoundError, match="gone"):
        driver.run(flow())


def test_the_flow_is_closed_when_the_driver_gives_up(
    driver: SyncDriver, provider: HttpTestProvider, gateway: FakeGateway
) -> None:
    closed: list[bool] = []
    gateway.fail_next(*[503] * 3)

    def flow() -> Generator[httpx.Request, httpx.Response, None]:
        try:
            yield provider.build_request("GET", f"{GATEWAY_URL}/payments/x")
        finally:
            closed.append(True)

    with pytest.raises(ProviderUnavailableError) as caught:
        driver.run(flow())
    assert caught.value.http_status == 503
    assert closed == [True]


def test_error_statuses_the_flow_accepts_reach_the_flow(
    driver: SyncDriver, provider: HttpTestProvider, gateway: FakeGateway
) -> None:
    def flow() -> Generator[httpx.Request, httpx.Response, str]:
        response = yield provider.build_request(
            "GET", f"{GATEWAY_URL}/payments/missing", accept_status=[404]
        )
        return "already gone" if response.status_code == 404 else "there"

    assert driver.run(flow()) == "already gone"


def test_a_providers_own_invalid_request_error_after_a_reply_passes_through(
    driver: SyncDriver, provider: HttpTestProvider, gateway: FakeGateway
) -> None:
    def flow() -> Generator[httpx.Request, httpx.Response, None]:
        response = yield provider.build_request(
            "GET", f"{GATEWAY_URL}/payments/missing", accept_status=[404]
        )
        raise InvalidRequestError(
            "no such payment to refund", provider=provider.name, http_status=response.status_code
        )

    with pytest.raises(InvalidRequestError, match="no such payment to refund") as caught:
        driver.run(flow())
    assert type(caught.value) is InvalidRequestError


# -- error mapping ------------------------------------------------------------------------------


class _BrokenMapping(HttpTestProvider):
    def error_for_response(self, response: httpx.Response) -> PaymentError:
        raise RuntimeError("mapping bug")


class _NotAnError(HttpTestProvider):
    def error_for_response(self, response: httpx.Response) -> PaymentError:
        return "not an error"  # type: ignore[return-value]


@pytest.mark.parametrize("cls", [_BrokenMapping, _NotAnError])
def test_a_broken_error_mapping_falls_back_to_the_status(
    cls: type[HttpTestProvider],
    http_client: httpx.Client,
    gateway: FakeGateway,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    provider = cls.from_settings({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
    driver = SyncDriver(provider, http_client, Hooks(autoload=False), sleep=clock.sleep)
    with (
        caplog.at_level(logging.ERROR, logger="payments_core.http"),
        pytest.raises(NotFoundError, match="httpgw answered HTTP 404") as caught,
    ):
        driver.run(provider.get_payment("missing"))
    # the status's own mapping: the provider's would have kept the gateway's code
    assert caught.value.provider_code is None
    assert caught.value.http_status == 404
    logged = [r for r in caplog.records if "error_for_response failed" in r.getMessage()]
    assert len(logged) == (1 if cls is _BrokenMapping else 0)


def test_default_error_mapping_uses_status_and_request_id() -> None:
    error = error_for_status(
        httpx.Response(503, headers={"X-Request-Id": "r-1"}), provider="gw", payment_id="p-1"
    )
    assert isinstance(error, ProviderUnavailableError)
    assert (error.request_id, error.payment_id, error.http_status) == ("r-1", "p-1", 503)


def test_an_unexpected_client_failure_is_a_typed_error(
    provider: HttpTestProvider, clock: FakeClock
) -> None:
    def explode(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("bug in a custom transport")

    with httpx.Client(transport=httpx.MockTransport(explode)) as client:
        driver = SyncDriver(provider, client, Hooks(autoload=False), sleep=clock.sleep)
        with pytest.raises(ProviderUnavailableError) as caught:
            driver.run(provider.get_payment("p1"))
    assert caught.value.code is ErrorCode.NETWORK_ERROR


# -- the async driver does the same -------------------------------------------------------------


async def test_async_driver_runs_the_same_flow(
    provider: HttpTestProvider,
    async_http_client: httpx.AsyncClient,
    gateway: FakeGateway,
    clock: FakeClock,
) -> None:
    payment_id = gateway.add_payment()
    gateway.fail_next(503, httpx.Response(429, headers={"Retry-After": "2"}))
    driver = AsyncDriver(
        provider,
        async_http_client,
        Hooks(autoload=False),
        policy=RetryPolicy(backoff_base=1.0, random=lambda: 1.0),
        sleep=clock.asleep,
        clock=clock,
    )
    payment = await driver.run(provider.get_payment(payment_id))
    assert payment.id == payment_id
    assert clock.sleeps == [1.0, 2.0]
    assert len(gateway.api_requests) == 3


async def test_async_create_retries_with_the_same_key(
    async_payments: AsyncPayments, gateway: FakeGateway
) -> None:
    gateway.fail_next(httpx.ReadTimeout("slow"), 502)
    request = make_request()
    await async_payments.create_payment(request)
    assert [seen.headers["idempotency-key"] for seen in gateway.api_requests] == [
        request.idempotency_key
    ] * 3


async def test_async_unkeyed_post_is_sent_once(
    async_payments: AsyncPayments, gateway: FakeGateway
) -> None:
    payment_id = gateway.add_payment(state="authorized")
    gateway.fail_next(httpx.ReadTimeout("slow"))
    with pytest.raises(ProviderUnavailableError, match="outcome is unknown"):
        await async_payments.void(payment_id)
    assert len(gateway.api_requests) == 1


def test_http_log_names_the_attempt(
    driver: SyncDriver, gateway: FakeGateway, caplog: pytest.LogCaptureFixture
) -> None:
    payment_id = gateway.add_payment()
    gateway.fail_next(503)
    with caplog.at_level(logging.DEBUG, logger="payments_core.http"):
        driver.run(driver.provider.get_payment(payment_id))
    attempts = [r.attempt for r in caplog.records if r.name == "payments_core.http"]  # type: ignore[attr-defined]
    assert attempts == [1, 2]


def test_headers_configured_on_the_client_reach_the_provider_request(
    gateway: FakeGateway,
) -> None:
    payment_id = gateway.add_payment()
    client = httpx.Client(
        transport=httpx.MockTransport(gateway.handle),
        headers={"User-Agent": "shop/2.1", "X-Trace-Id": "trace-1", "Accept": "text/plain"},
    )
    provider = HttpTestProvider.from_settings(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    with Payments(provider, http_client=client, autoload_plugins=False) as payments:
        payments.get_payment(payment_id)
    (api,) = gateway.api_requests
    assert api.headers["user-agent"] == "shop/2.1"
    assert api.headers["x-trace-id"] == "trace-1"
    assert "accept-encoding" in api.headers
    assert api.headers["accept"] == "application/json"  # what the provider set wins


def test_a_change_to_the_clients_headers_reaches_the_next_call(gateway: FakeGateway) -> None:
    payment_id = gateway.add_payment()
    client = httpx.Client(
        transport=httpx.MockTransport(gateway.handle), headers={"X-Trace-Id": "trace-1"}
    )
    provider = HttpTestProvider.from_settings(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    with Payments(provider, http_client=client, autoload_plugins=False) as payments:
        payments.get_payment(payment_id)
        client.headers["X-Trace-Id"] = "trace-2"
        client.headers["X-Tenant"] = "shop-7"
        payments.get_payment(payment_id)
        del client.headers["X-Tenant"]
        payments.get_payment(payment_id)
    first, second, third = gateway.api_requests
    traces = [r.headers["x-trace-id"] for r in (first, second, third)]
    assert traces == ["trace-1", "trace-2", "trace-2"]
    assert [r.headers.get("x-tenant") for r in (first, second, third)] == [None, "shop-7", None]


def test_a_client_header_the_request_cannot_carry_stops_the_call_before_sending(
    gateway: FakeGateway,
) -> None:
    """A provider's request encodes its headers as ASCII: a client header that is not
    ASCII is a typed refusal, nothing sent, never a raw UnicodeError."""
    payment_id = gateway.add_payment()
    client = httpx.Client(
        transport=httpx.MockTransport(gateway.handle), headers=[(b"X-Shop", "магазин".encode())]
    )
    provider = HttpTestProvider.from_settings(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    payments = Payments(provider, http_client=client, autoload_plugins=False)
    with payments, pytest.raises(ConfigurationError, match="header set on the HTTP client"):
        payments.get_payment(payment_id)
    assert gateway.api_requests == []


@pytest.mark.parametrize(
    "key", ["k" * 10_000, "two\r\nlines", "ключ", "with space", ""], ids=str.__len__
)
def test_a_refund_key_that_cannot_be_sent_is_refused_before_any_request(key: str) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(500)

    client = httpx.Client(transport=httpx.MockTransport(handler))
    provider = HttpTestProvider.from_settings(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    with (
        Payments(provider, http_client=client, autoload_plugins=False) as payments,
        pytest.raises(InvalidRequestError) as refused,
    ):
        payments.refund("pay_1", idempotency_key=key)
    assert refused.value.field == "idempotency_key"
    assert seen == []


# -- one generator for both drivers, stepped by hand --------------------------------------


def test_the_call_is_one_generator_of_steps_for_either_driver(
    driver: SyncDriver, clock: FakeClock
) -> None:
    """A keyed POST answered 503, then 201: the call asks its driver to record, send,
    sleep, record and send again, and returns the flow's result; no I/O of its own."""

    def flow() -> Generator[httpx.Request, httpx.Response, int]:
        response = yield httpx.Request(
            "POST", f"{GATEWAY_URL}/payments", headers={"Idempotency-Key": "k-1"}
        )
        return response.status_code

    info = CallInfo(operation="create", on_send=lambda request: None)
    call = driver._call(flow(), info, clock() + 30.0)
    answers = iter([httpx.Response(503), httpx.Response(201)])
    steps: list[str] = []
    outcome: object = None
    while True:
        try:
            step = call.send(outcome)
        except StopIteration as done:
            result = done.value
            break
        steps.append(type(step).__name__)
        outcome = next(answers) if isinstance(step, httpx.Request) else None
    assert steps == ["Record", "Request", "Sleep", "Record", "Request"]
    assert result == 201
    assert info.progress.sending
    assert info.progress.carried_out
