"""Retries: only what is safe to repeat, with the same key, within budget and deadline."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from payments_core import (
    ErrorCode,
    InvalidRequestError,
    OutcomeUnknownError,
    PaymentError,
    Payments,
    ProviderUnavailableError,
    RateLimitedError,
    RetryPolicy,
)
from payments_core.drivers import SyncDriver
from payments_core.hooks import Hooks
from payments_core.provider import parse_retry_after
from payments_core.registry import ProviderRegistry
from payments_core.retry import is_safe_to_retry
from tests.conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    FakeClock,
    FakeGateway,
    HttpTestProvider,
    make_request,
)

# -- the pure decisions -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "headers", "safe"),
    [
        ("GET", {}, True),
        ("HEAD", {}, True),
        ("POST", {}, False),
        ("POST", {"Idempotency-Key": "k1"}, True),
        ("DELETE", {}, False),
        ("PUT", {"Idempotency-Key": "k1"}, True),
    ],
)
def test_only_reads_and_keyed_requests_are_safe_to_retry(
    method: str, headers: dict[str, str], safe: bool
) -> None:
    request = httpx.Request(method, "https://gateway.test/x", headers=headers)
    assert is_safe_to_retry(request, "Idempotency-Key") is safe


def test_backoff_doubles_up_to_the_cap_with_full_jitter() -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_max=3.0, random=lambda: 1.0)
    assert [policy.delay(n) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    jittered = RetryPolicy(backoff_base=0.5, backoff_max=3.0, random=lambda: 0.25)
    assert jittered.delay(3) == 0.5


def test_retry_after_wins_over_the_computed_backoff() -> None:
    policy = RetryPolicy(backoff_base=0.5, random=lambda: 1.0)
    assert policy.delay(1, retry_after=4.0) == 4.0


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"retries_done": 0, "safe": True, "remaining": 60.0, "status_code": 503}, 1.0),
        ({"retries_done": 0, "safe": True, "remaining": 60.0, "status_code": None}, 1.0),
        ({"retries_done": 0, "safe": False, "remaining": 60.0, "status_code": 503}, None),
        ({"retries_done": 2, "safe": True, "remaining": 60.0, "status_code": 503}, None),
        ({"retries_done": 0, "safe": True, "remaining": 60.0, "status_code": 400}, None),
        ({"retries_done": 0, "safe": True, "remaining": 60.0, "status_code": 404}, None),
        ({"retries_done": 0, "safe": True, "remaining": 0.5, "status_code": 503}, None),
        (
            {
                "retries_done": 0,
                "safe": True,
                "remaining": 60,
                "status_code": 429,
                "retry_after": 9,
            },
            None,
        ),
        (
            {
                "retries_done": 0,
                "safe": True,
                "remaining": 60,
                "status_code": 429,
                "retry_after": 2,
            },
            2.0,
        ),
    ],
    ids=[
        "5xx",
        "transport-error",
        "unsafe",
        "budget-spent",
        "400",
        "404",
        "past-deadline",
        "retry-after-too-long",
        "retry-after",
    ],
)
def test_next_delay_decides_whether_and_how_long(
    kwargs: dict[str, object], expected: float | None
) -> None:
    policy = RetryPolicy(max_retries=2, backoff_base=1.0, backoff_max=8.0, random=lambda: 1.0)
    assert policy.next_delay(**kwargs) == expected  # type: ignore[arg-type]


def test_retry_after_is_read_as_seconds_or_an_http_date() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after("-4") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    seconds = parse_retry_after(later)
    assert seconds is not None
    assert 25 <= seconds <= 30


# -- through the facade: idempotency ----------------------------------------------------------


def test_every_attempt_of_a_create_carries_the_same_key_and_body(
    payments: Payments, gateway: FakeGateway
) -> None:
    gateway.fail_next(503, httpx.ReadTimeout("slow"))
    request = make_request()
    payment = payments.create_payment(request)
    attempts = gateway.api_requests
    assert list(gateway.payments) == [payment.id]  # the third attempt created the one payment
    assert len(attempts) == 3
    assert {seen.headers["idempotency-key"] for seen in attempts} == {request.idempotency_key}
    assert len({seen.content for seen in attempts}) == 1


def test_refund_retries_reuse_the_key_minted_once_by_the_facade(
    payments: Payments, gateway: FakeGateway
) -> None:
    payment_id = gateway.add_payment()
    gateway.fail_next(502, 503)
    payments.refund(payment_id)
    keys = [seen.headers.get("idempotency-key") for seen in gateway.api_requests]
    assert len(keys) == 3
    assert keys[0]
    assert keys == [keys[0]] * 3


def test_caller_supplied_key_is_sent_on_every_attempt(
    payments: Payments, gateway: FakeGateway
) -> None:
    payment_id = gateway.add_payment()
    gateway.fail_next(500)
    operation = payments.refund(payment_id, idempotency_key="refund-7")
    assert [seen.headers["idempotency-key"] for seen in gateway.api_requests] == [
        "refund-7",
        "refund-7",
    ]
    assert operation.idempotency_key == "refund-7"


def test_unkeyed_post_is_never_repeated_after_a_5xx(
    payments: Payments, gateway: FakeGateway, clock: FakeClock
) -> None:
    payment_id = gateway.add_payment(state="authorized")
    gateway.fail_next(503)
    with pytest.raises(OutcomeUnknownError) as caught:
        payments.void(payment_id)
    assert len(gateway.api_requests) == 1
    assert "idempotency-key" not in gateway.api_requests[0].headers
    assert caught.value.safe_to_repeat is False
    assert caught.value.retryable is False
    assert caught.value.operation == "void"
    assert clock.sleeps == []


def test_unkeyed_post_that_timed_out_after_sending_reports_an_unknown_outcome(
    payments: Payments, gateway: FakeGateway
) -> None:
    payment_id = gateway.add_payment(state="authorized")
    gateway.fail_next(httpx.ReadTimeout("no answer"))
    with pytest.raises(OutcomeUnknownError, match="outcome is unknown") as caught:
        payments.void(payment_id)
    assert len(gateway.api_requests) == 1
    assert caught.value.code is ErrorCode.OUTCOME_UNKNOWN
    assert caught.value.safe_to_repeat is False
    assert "do not repeat" in str(caught.value)


def test_unkeyed_post_that_never_connected_does_not_claim_an_unknown_outcome(
    payments: Payments, gateway: FakeGateway
) -> None:
    payment_id = gateway.add_payment(state="authorized")
    gateway.fail_next(*[httpx.ConnectError("refused")] * 3)
    with pytest.raises(ProviderUnavailableError) as caught:
        payments.void(payment_id)
    assert "unknown" not in str(caught.value)
    assert caught.value.code is ErrorCode.NETWORK_ERROR


def test_unkeyed_post_that_never_connected_is_tried_again(
    payments: Payments, gateway: FakeGateway
) -> None:
    """Nothing left the machine, so a second try cannot act twice."""
    payment_id = gateway.add_payment(state="authorized")
    gateway.fail_next(httpx.ConnectError("refused"))
    operation = payments.void(payment_id)
    assert operation.payment_id == payment_id
    assert [seen.url.endswith("/cancel") for seen in gateway.api_requests] == [True, True]


def test_a_read_that_keeps_timing_out_does_not_claim_an_unknown_outcome(
    payments: Payments, gateway: FakeGateway
) -> None:
    payment_id = gateway.add_payment()
    gateway.fail_next(*[httpx.ReadTimeout("slow")] * 3)
    with pytest.raises(ProviderUnavailableError, match=r"timed out \(ReadTimeout\)") as caught:
        payments.get_payment(payment_id)
    assert "unknown" not in str(caught.value)
    assert caught.value.code is ErrorCode.TIMEOUT
    assert len(gateway.api_requests) == 3


# -- through the facade: when and how long ----------------------------------------------------


def test_retry_after_is_obeyed_exactly(
    payments: Payments, gateway: FakeGateway, clock: FakeClock
) -> None:
    payment_id = gateway.add_payment()
    gateway.fail_next(httpx.Response(429, headers={"Retry-After": "3"}))
    payments.get_payment(payment_id)
    assert clock.sleeps == [3.0]
    assert len(gateway.api_requests) == 2


def test_retry_after_longer_than_allowed_gives_up_with_a_rate_limit_error(
    payments: Payments, gateway: FakeGateway, clock: FakeClock
) -> None:
    payment_id = gateway.add_payment()
    gateway.fail_next(httpx.Response(429, headers={"Retry-After": "120"}))
    with pytest.raises(RateLimitedError) as caught:
        payments.get_payment(payment_id)
    assert caught.value.retry_after == 120.0
    assert caught.value.retryable is True
    assert clock.sleeps == []
    assert len(gateway.api_requests) == 1


def test_retry_budget_is_respected(
    registry: ProviderRegistry,
    http_client: httpx.Client,
    gateway: FakeGateway,
    clock: FakeClock,
) -> None:
    payment_id = gateway.add_payment()
    gateway.fail_next(*[503] * 10)
    with (
        Payments(
            "httpgw",
            registry=registry,
            http_client=http_client,
            sleep=clock.sleep,
            autoload_plugins=False,
            retry=RetryPolicy(max_retries=4, backoff_base=0.1, random=lambda: 1.0),
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
        ) as payments,
        pytest.raises(ProviderUnavailableError) as caught,
    ):
        payments.get_payment(payment_id)
    assert len(gateway.api_requests) == 5
    assert clock.sleeps == pytest.approx([0.1, 0.2, 0.4, 0.8])
    assert caught.value.http_status == 503


def test_settings_set_the_retry_budget(
    registry: ProviderRegistry,
    http_client: httpx.Client,
    gateway: FakeGateway,
    clock: FakeClock,
) -> None:
    payment_id = gateway.add_payment()
    gateway.fail_next(*[503] * 10)
    with (
        Payments(
            "httpgw",
            registry=registry,
            http_client=http_client,
            sleep=clock.sleep,
            autoload_plugins=False,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            max_retries=0,
        ) as payments,
        pytest.raises(ProviderUnavailableError) as caught,
    ):
        payments.get_payment(payment_id)
    assert caught.value.http_status == 503
    assert caught.value.code is ErrorCode.PROVIDER_UNAVAILABLE
    assert len(gateway.api_requests) == 1


@pytest.mark.parametrize(
    ("fault", "error", "code"),
    [
        (503, ProviderUnavailableError, ErrorCode.PROVIDER_UNAVAILABLE),
        (500, ProviderUnavailableError, ErrorCode.PROVIDER_UNAVAILABLE),
        (429, RateLimitedError, ErrorCode.RATE_LIMITED),
        (httpx.ConnectError("refused"), ProviderUnavailableError, ErrorCode.NETWORK_ERROR),
        (httpx.ReadError("reset"), ProviderUnavailableError, ErrorCode.NETWORK_ERROR),
        (httpx.ReadTimeout("slow"), ProviderUnavailableError, ErrorCode.TIMEOUT),
        (httpx.ConnectTimeout("slow"), ProviderUnavailableError, ErrorCode.TIMEOUT),
    ],
    ids=["503", "500", "429", "connect", "read", "read-timeout", "connect-timeout"],
)
def test_persistent_failures_become_typed_retryable_errors(
    payments: Payments,
    gateway: FakeGateway,
    fault: int | Exception,
    error: type[Exception],
    code: ErrorCode,
) -> None:
    payment_id = gateway.add_payment()
    gateway.fail_next(*[fault] * 3)
    with pytest.raises(error) as caught:
        payments.get_payment(payment_id)
    assert caught.value.retryable is True  # type: ignore[attr-defined]
    assert caught.value.code is code  # type: ignore[attr-defined]
    assert caught.value.provider == "httpgw"  # type: ignore[attr-defined]
    assert len(gateway.api_requests) == 3


def test_transport_errors_keep_their_cause(payments: Payments, gateway: FakeGateway) -> None:
    payment_id = gateway.add_payment()
    gateway.fail_next(*[httpx.ReadError("reset")] * 3)
    with pytest.raises(ProviderUnavailableError) as caught:
        payments.get_payment(payment_id)
    assert isinstance(caught.value.__cause__, httpx.ReadError)


@pytest.mark.parametrize("status", [400, 403, 404, 409, 422])
def test_client_errors_are_not_retried(
    payments: Payments, gateway: FakeGateway, clock: FakeClock, status: int
) -> None:
    payment_id = gateway.add_payment()
    gateway.fail_next(status, status)
    with pytest.raises(PaymentError) as caught:
        payments.refund(payment_id)
    assert caught.value.http_status == status
    assert caught.value.provider_code == f"http_{status}"  # the gateway's own refusal
    assert caught.value.retryable is False
    assert len(gateway.api_requests) == 1
    assert clock.sleeps == []


def test_a_bad_request_error_carries_the_provider_code(
    payments: Payments, gateway: FakeGateway
) -> None:
    payment_id = gateway.add_payment()
    gateway.fail_next(httpx.Response(400, json={"code": "E42", "message": "amount too big"}))
    with pytest.raises(InvalidRequestError) as caught:
        payments.refund(payment_id)
    assert caught.value.provider_code == "E42"
    assert caught.value.provider_message == "amount too big"
    assert caught.value.http_status == 400
    assert caught.value.payment_id == payment_id


# -- deadline and per-attempt timeouts (fake clock on the driver) -----------------------------


@pytest.fixture
def provider() -> HttpTestProvider:
    return HttpTestProvider.from_settings(
        {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "timeout": 4.0}
    )


def driver_for(
    provider: HttpTestProvider, client: httpx.Client, clock: FakeClock, policy: RetryPolicy
) -> SyncDriver:
    return SyncDriver(
        provider, client, Hooks(autoload=False), policy=policy, sleep=clock.sleep, clock=clock
    )


def timeouts(gateway: FakeGateway) -> Iterator[dict[str, float]]:
    for seen in gateway.api_requests:
        yield seen.extensions["timeout"]


def test_deadline_stops_retries_before_the_budget_is_spent(
    provider: HttpTestProvider, http_client: httpx.Client, gateway: FakeGateway, clock: FakeClock
) -> None:
    payment_id = gateway.add_payment()
    gateway.fail_next(*[503] * 10)
    policy = RetryPolicy(max_retries=5, backoff_base=2.0, deadline=5.0, random=lambda: 1.0)
    driver = driver_for(provider, http_client, clock, policy)
    with pytest.raises(ProviderUnavailableError) as caught:
        driver.run(provider.get_payment(payment_id))
    assert caught.value.http_status == 503  # the last answer, not a deadline of its own
    assert caught.value.code is ErrorCode.PROVIDER_UNAVAILABLE
    # waits of 2 then 4 seconds: the second would end past the 5-second deadline
    assert clock.sleeps == [2.0]
    assert len(gateway.api_requests) == 2


def test_each_attempt_timeout_is_capped_by_what_is_left_of_the_deadline(
    provider: HttpTestProvider, http_client: httpx.Client, gateway: FakeGateway, clock: FakeClock
) -> None:
    payment_id = gateway.add_payment()
    gateway.fail_next(*[503] * 10)
    policy = RetryPolicy(
        max_retries=5, backoff_base=3.0, backoff_max=8.0, deadline=10.0, random=lambda: 1.0
    )
    driver = driver_for(provider, http_client, clock, policy)
    with pytest.raises(ProviderUnavailableError) as caught:
        driver.run(provider.get_payment(payment_id))
    assert caught.value.http_status == 503
    assert clock.sleeps == [3.0, 6.0]
    # per-attempt timeout 4s, but only 1s of the 10s deadline is left for the third attempt
    assert [t["read"] for t in timeouts(gateway)] == [4.0, 4.0, 1.0]
    for t in timeouts(gateway):
        assert t["connect"] == t["read"] == t["write"] == t["pool"]


def test_token_request_carries_the_api_call_timeout(
    provider: HttpTestProvider, http_client: httpx.Client, gateway: FakeGateway, clock: FakeClock
) -> None:
    payment_id = gateway.add_payment()
    clock_policy = RetryPolicy(deadline=2.5)
    driver = driver_for(provider, http_client, clock, clock_policy)
    driver.run(provider.get_payment(payment_id))
    [token] = gateway.token_requests
    assert token.extensions["timeout"]["read"] == 2.5


def test_an_operation_whose_deadline_passed_between_steps_fails_with_a_timeout(
    provider: HttpTestProvider, http_client: httpx.Client, gateway: FakeGateway, clock: FakeClock
) -> None:
    payment_id = gateway.add_payment()
    driver = driver_for(provider, http_client, clock, RetryPolicy(deadline=5.0))

    def two_step_flow() -> Iterator[httpx.Request]:
        yield provider.build_request("GET", f"https://gateway.test/payments/{payment_id}")
        clock.advance(6.0)  # the first step was slow
        yield provider.build_request("GET", f"https://gateway.test/payments/{payment_id}")

    with pytest.raises(ProviderUnavailableError, match="deadline") as caught:
        driver.run(two_step_flow())  # type: ignore[arg-type]
    assert caught.value.code is ErrorCode.TIMEOUT
    assert len(gateway.api_requests) == 1


def test_facade_attempt_timeouts_never_exceed_the_provider_timeout(
    payments: Payments, gateway: FakeGateway
) -> None:
    payment_id = gateway.add_payment()
    payments.get_payment(payment_id)
    [timeout] = list(timeouts(gateway))
    assert 0 < timeout["read"] <= payments.provider.settings.timeout


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "-1", "1e999", "", "soon"])
def test_retry_after_without_usable_advice_is_none(value: str) -> None:
    assert parse_retry_after(value) is None
