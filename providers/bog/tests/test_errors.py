"""BOG's HTTP error answers mapped to the error tree, one case per test."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from payments_bog import BogProvider

from payments_core import (
    AuthenticationError,
    ErrorCode,
    InvalidRequestError,
    InvalidStateError,
    NotFoundError,
    ProviderUnavailableError,
    RateLimitedError,
)


def test_invalid_order_id_400_is_not_found(provider: BogProvider, respond: Any) -> None:
    error = provider.error_for_response(respond(400, {"message": "Invalid order_id"}))

    assert type(error) is NotFoundError
    assert error.provider_message == "Invalid order_id"
    assert error.http_status == 400
    assert error.provider == "bog"


def test_already_requested_400_is_an_invalid_state(provider: BogProvider, respond: Any) -> None:
    body = {"message": "Pre-authorization approval already requested for this order"}

    error = provider.error_for_response(respond(400, body))

    assert type(error) is InvalidStateError


def test_other_400_is_an_invalid_request_keeping_bogs_message(
    provider: BogProvider, respond: Any
) -> None:
    error = provider.error_for_response(respond(400, {"message": "callback_url is invalid"}))

    assert type(error) is InvalidRequestError
    assert error.code is ErrorCode.INVALID_REQUEST
    assert error.provider_message == "callback_url is invalid"
    assert "callback_url is invalid" in str(error)


def test_400_reads_error_description_and_key_when_there_is_no_message(
    provider: BogProvider, respond: Any
) -> None:
    body = {"error": "invalid_request", "error_description": "bad ttl", "key": "validation"}

    error = provider.error_for_response(respond(400, body))

    assert error.provider_message == "bad ttl"
    assert error.provider_code == "validation"


def test_401_is_an_authentication_error(provider: BogProvider, respond: Any) -> None:
    error = provider.error_for_response(
        respond(401, {"error": "invalid_client", "error_description": "Invalid client"})
    )

    assert type(error) is AuthenticationError
    assert error.provider_code == "invalid_client"


def test_404_is_not_found(provider: BogProvider, respond: Any) -> None:
    assert type(provider.error_for_response(respond(404, {}))) is NotFoundError


def test_409_is_an_idempotency_conflict(provider: BogProvider, respond: Any) -> None:
    error = provider.error_for_response(respond(409, {"message": "key reused"}))

    assert type(error) is InvalidRequestError
    assert error.code is ErrorCode.IDEMPOTENCY_CONFLICT


def test_429_is_rate_limited_with_retry_after(provider: BogProvider, respond: Any) -> None:
    error = provider.error_for_response(respond(429, {}, headers={"Retry-After": "7"}))

    assert isinstance(error, RateLimitedError)
    assert error.retry_after == 7
    assert error.retryable


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_provider_unavailable(provider: BogProvider, respond: Any, status: int) -> None:
    error = provider.error_for_response(respond(status, {"message": "oops"}))

    assert type(error) is ProviderUnavailableError
    assert error.retryable


@pytest.mark.parametrize(
    ("status", "error_class"),
    [(400, InvalidRequestError), (401, AuthenticationError), (503, ProviderUnavailableError)],
)
def test_non_json_bodies_are_mapped_by_status_alone(
    provider: BogProvider, status: int, error_class: type[Exception]
) -> None:
    response = httpx.Response(status, content=b"<html>Bad Gateway</html>")

    error = provider.error_for_response(response)

    assert type(error) is error_class
    assert error.provider_message is None


def test_long_messages_are_cut_in_the_error_text(provider: BogProvider, respond: Any) -> None:
    error = provider.error_for_response(respond(400, {"message": "x" * 5000}))

    assert len(error.message) < 400
    assert error.provider_message == "x" * 5000


def test_request_id_header_is_kept(provider: BogProvider, respond: Any) -> None:
    error = provider.error_for_response(respond(500, {}, headers={"X-Request-Id": "req-9"}))

    assert error.request_id == "req-9"
