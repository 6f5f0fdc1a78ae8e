"""RFC 7807 problem bodies → the error tree (reference §14)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from payments_tbc.errors import error_for_response, system_code

from payments_core import (
    AuthenticationError,
    DeclineCode,
    InvalidRequestError,
    NotFoundError,
    PaymentDeclinedError,
    Payments,
    ProviderUnavailableError,
    RateLimitedError,
)


def _error(response: httpx.Response) -> Any:
    return error_for_response(response)


def test_the_bad_api_key_sample_with_a_string_status(kit: Any):
    body = {
        "type": "https://developers.tbcbank.ge/docs/error-type-401",
        "title": "Invalid Api Key",
        "status": "401",
        "detail": "Please make sure api key is valid",
        "systemCode": "System code for problem is tpay-access-token.401.001",
    }
    error = _error(kit.respond(401, body))
    assert isinstance(error, AuthenticationError)
    assert error.provider == "tbc"
    assert error.http_status == 401
    assert error.provider_code == "tpay-access-token.401.001"
    assert error.provider_message == "Please make sure api key is valid"
    assert "Invalid Api Key" in error.message
    assert "Please make sure api key is valid" in error.message


def test_a_business_400_with_a_result_code_is_a_decline(kit: Any):
    body = {
        "type": "https://developers.tbcbank.ge/docs/error-type-400",
        "title": "Bad Request",
        "status": 400,
        "detail": "Amount exceeds refundable amount",
        "systemCode": "System code for problem is tpay-payments.400.001",
        "resultCode": "decline_general",
    }
    error = _error(kit.respond(400, body))
    assert isinstance(error, PaymentDeclinedError)
    assert error.decline_code is DeclineCode.GENERIC_DECLINE
    assert error.provider_code == "decline_general"
    assert error.provider_message == "Amount exceeds refundable amount"


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, InvalidRequestError),
        (401, AuthenticationError),
        (403, AuthenticationError),
        (404, NotFoundError),
        (429, RateLimitedError),
        (500, ProviderUnavailableError),
        (503, ProviderUnavailableError),
    ],
)
def test_the_http_status_decides_the_class(kit: Any, status: int, kind: type):
    error = _error(kit.problem(status, "Title", "Detail"))
    assert type(error) is kind
    assert error.http_status == status
    assert error.provider_code == f"tpay-payments.{status}.001"


@pytest.mark.parametrize("body_status", [404, "404", "Not Found", None, {"x": 1}])
def test_the_bodys_status_in_any_form_never_breaks_the_mapping(kit: Any, body_status: Any):
    body = {"title": "InvalidPayment", "status": body_status, "detail": "PaymentNotFound"}
    error = _error(kit.respond(404, body))
    assert isinstance(error, NotFoundError)
    assert error.provider_message == "PaymentNotFound"


def test_the_message_falls_back_to_the_system_code_then_the_title(kit: Any):
    no_detail = _error(kit.respond(400, {"title": "Bad Request", "systemCode": "tpay.400.002"}))
    assert no_detail.provider_message == "tpay.400.002"
    title_only = _error(kit.respond(400, {"title": "Bad Request", "detail": ""}))
    assert title_only.provider_message == "Bad Request"


@pytest.mark.parametrize(
    "content", [b"", b"<html>Bad Gateway</html>", b"[1, 2]", b'{"title": {"nested": true}}']
)
def test_a_body_that_is_no_problem_leaves_the_status_to_decide(kit: Any, content: bytes):
    error = _error(kit.respond(502, content=content))
    assert isinstance(error, ProviderUnavailableError)
    assert error.http_status == 502


def test_rate_limits_carry_retry_after(kit: Any):
    error = _error(kit.respond(429, {"title": "Too Many Requests"}, headers={"Retry-After": "3"}))
    assert isinstance(error, RateLimitedError)
    assert error.retry_after == 3.0


def test_an_approved_result_code_on_a_400_is_no_decline(kit: Any):
    error = _error(kit.problem(400, "Bad Request", "Invalid amount", resultCode="approved"))
    assert type(error) is InvalidRequestError


def test_the_trace_id_becomes_the_request_id(kit: Any):
    error = _error(kit.respond(500, {"title": "Internal", "traceId": "00-abc-01"}))
    assert error.request_id == "00-abc-01"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("System code for problem is tpay-access-token.401.001", "tpay-access-token.401.001"),
        ("tpay-payments.400.017", "tpay-payments.400.017"),
        ("free text", "free text"),
        (None, None),
    ],
)
def test_system_codes(text: str | None, code: str | None):
    assert system_code(text) == code


def test_a_long_detail_is_cut_in_the_message(kit: Any):
    error = _error(kit.problem(400, "Bad Request", "x" * 5000))
    assert len(error.message) < 400


def test_a_refused_token_call_is_an_authentication_error(
    settings: dict[str, Any], fake_tbc: Any, kit: Any
):
    client = httpx.Client(transport=httpx.MockTransport(fake_tbc.handler))
    wrong = {**settings, "client_secret": "wrong"}
    payments = Payments("tbc", http_client=client, autoload_plugins=False, **wrong)
    with client, payments, pytest.raises(AuthenticationError) as caught:
        payments.get_payment(kit.PAY_ID)
    assert caught.value.provider == "tbc"
    assert len(fake_tbc.api_requests()) == 0  # the API request never left
