"""Logs: enough to debug a payment, never a credential."""

from __future__ import annotations

import base64
import logging
from collections.abc import Generator

import httpx
import pytest

from payments_core import (
    AuthenticationError,
    Money,
    NotFoundError,
    PaymentRequest,
    Payments,
    RetryPolicy,
)
from payments_core.drivers import SyncDriver
from payments_core.hooks import Hooks
from tests.conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    GATEWAY_URL,
    TOKEN_PREFIX,
    FakeClock,
    FakeGateway,
    HttpTestProvider,
)

BASIC = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    """The formatted text plus every structured field of every record."""
    parts = [caplog.text]
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.extend(repr(value) for value in vars(record).values())
    return "\n".join(parts)


def assert_no_secrets(text: str) -> None:
    assert CLIENT_SECRET not in text
    assert BASIC not in text
    assert TOKEN_PREFIX not in text
    assert "Bearer" not in text
    assert "Basic " not in text


def http_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "payments_core.http"]


def test_debug_log_names_method_host_path_status_and_elapsed(
    payments: Payments,
    payment_request: PaymentRequest,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG):
        payments.create_payment(payment_request)
    [record] = http_records(caplog)
    assert record.levelno == logging.DEBUG
    message = record.getMessage()
    assert "POST gateway.test/payments -> 201 in " in message
    assert record.http_method == "POST"  # type: ignore[attr-defined]
    assert record.http_host == "gateway.test"  # type: ignore[attr-defined]
    assert record.http_path == "/payments"  # type: ignore[attr-defined]
    assert record.http_status == "201"  # type: ignore[attr-defined]
    assert record.elapsed >= 0  # type: ignore[attr-defined]
    assert record.provider == "httpgw"  # type: ignore[attr-defined]


def test_info_line_names_provider_payment_external_id_and_status(
    payments: Payments,
    payment_request: PaymentRequest,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="payments_core"):
        payment = payments.create_payment(payment_request)
    [record] = [r for r in caplog.records if r.name == "payments_core"]
    assert record.levelno == logging.INFO
    message = record.getMessage()
    for expected in (
        "provider=httpgw",
        f"payment_id={payment.id}",
        f"external_id={payment_request.external_id}",
        "status=pending",
        "operation=create_payment",
    ):
        assert expected in message
    assert record.payment_id == payment.id  # type: ignore[attr-defined]
    assert record.status == "pending"  # type: ignore[attr-defined]


def test_a_failed_operation_is_logged_as_a_warning_with_its_code(
    payments: Payments, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="payments_core"), pytest.raises(NotFoundError):
        payments.get_payment("pay_missing")
    [record] = [r for r in caplog.records if r.name == "payments_core"]
    assert record.levelno == logging.WARNING
    assert "operation=get_payment" in record.getMessage()
    assert "payment_id=pay_missing" in record.getMessage()
    assert "not_found" in record.getMessage()


def test_a_whole_lifecycle_at_debug_never_logs_a_credential(
    payments: Payments,
    gateway: FakeGateway,
    payment_request: PaymentRequest,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG):
        payment = payments.create_payment(payment_request)
        payments.get_payment(payment.id)
        gateway.revoke_tokens()  # forces a 401, a refresh and a retry
        payments.capture(payment.id)
        gateway.fail_next(503)
        payments.refund(payment.id, Money("1.00", "GEL"))
        payments.void(payment.id)
    assert len(gateway.token_requests) == 2
    # one line per attempt: create, get, capture (its 401 is retried inside the attempt),
    # the refund's 503 and its retry, void
    assert len(http_records(caplog)) == 6
    assert_no_secrets(everything_logged(caplog))


def test_authentication_failures_never_log_a_credential(
    payments: Payments, gateway: FakeGateway, caplog: pytest.LogCaptureFixture
) -> None:
    gateway.client_secret = "rotated"
    with caplog.at_level(logging.DEBUG), pytest.raises(AuthenticationError) as caught:
        payments.get_payment("pay_1")
    assert caught.value.provider_code == "unauthorized_client"
    text = everything_logged(caplog)
    assert "authentication_failed" in text
    assert_no_secrets(text)


def test_query_strings_are_not_logged(
    http_client: httpx.Client,
    gateway: FakeGateway,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    provider = HttpTestProvider.from_settings(
        {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    )
    driver = SyncDriver(
        provider, http_client, Hooks(autoload=False), policy=RetryPolicy(), sleep=clock.sleep
    )
    payment_id = gateway.add_payment()

    def flow() -> Generator[httpx.Request, httpx.Response, int]:
        response = yield provider.build_request(
            "GET", f"{GATEWAY_URL}/payments/{payment_id}?card_token=ct-SECRET-1"
        )
        return response.status_code

    with caplog.at_level(logging.DEBUG, logger="payments_core"):
        assert driver.run(flow()) == 200
    [record] = http_records(caplog)
    assert "ct-SECRET-1" not in record.getMessage()
    assert f"/payments/{payment_id}" in record.getMessage()
