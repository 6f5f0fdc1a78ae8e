"""The error tree: one base, typed classes, normalized codes, no secrets in text."""

from __future__ import annotations

import httpx
import pytest
from pydantic import BaseModel, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails

import payments_core
from payments_core import (
    AuthenticationError,
    ConfigurationError,
    DeclineCode,
    ErrorCode,
    InvalidRequestError,
    InvalidStateError,
    NotFoundError,
    OperationVetoedError,
    OutcomeUnknownError,
    PaymentDeclinedError,
    PaymentError,
    ProviderResponseError,
    ProviderUnavailableError,
    RateLimitedError,
    UnsupportedOperationError,
    WebhookVerificationError,
)
from payments_core.provider import error_for_status
from payments_core.validation import Finding, field_names, findings, invalid_options, summary

ALL_ERRORS: list[type[PaymentError]] = [
    PaymentError,
    ConfigurationError,
    InvalidRequestError,
    OperationVetoedError,
    AuthenticationError,
    PaymentDeclinedError,
    NotFoundError,
    InvalidStateError,
    RateLimitedError,
    ProviderUnavailableError,
    ProviderResponseError,
    UnsupportedOperationError,
    WebhookVerificationError,
]

DEFAULTS: dict[type[PaymentError], tuple[ErrorCode, bool]] = {
    ConfigurationError: (ErrorCode.CONFIGURATION_ERROR, False),
    InvalidRequestError: (ErrorCode.INVALID_REQUEST, False),
    OperationVetoedError: (ErrorCode.OPERATION_VETOED, False),
    AuthenticationError: (ErrorCode.AUTHENTICATION_FAILED, False),
    PaymentDeclinedError: (ErrorCode.PAYMENT_DECLINED, False),
    NotFoundError: (ErrorCode.NOT_FOUND, False),
    InvalidStateError: (ErrorCode.INVALID_STATE, False),
    RateLimitedError: (ErrorCode.RATE_LIMITED, True),
    ProviderUnavailableError: (ErrorCode.PROVIDER_UNAVAILABLE, True),
    ProviderResponseError: (ErrorCode.INVALID_RESPONSE, False),
    UnsupportedOperationError: (ErrorCode.UNSUPPORTED_OPERATION, False),
    WebhookVerificationError: (ErrorCode.WEBHOOK_SIGNATURE_INVALID, False),
}


@pytest.mark.parametrize("cls", ALL_ERRORS, ids=lambda cls: cls.__name__)
def test_every_error_class_is_importable_from_the_package(cls: type[PaymentError]) -> None:
    assert getattr(payments_core, cls.__name__) is cls
    assert cls.__name__ in payments_core.__all__


@pytest.mark.parametrize("cls", ALL_ERRORS[1:], ids=lambda cls: cls.__name__)
def test_every_error_is_a_payment_error(cls: type[PaymentError]) -> None:
    assert issubclass(cls, PaymentError)
    assert issubclass(cls, Exception)


def test_a_veto_is_a_kind_of_invalid_request() -> None:
    assert issubclass(OperationVetoedError, InvalidRequestError)


@pytest.mark.parametrize(
    ("cls", "code", "retryable"),
    [(cls, *value) for cls, value in DEFAULTS.items()],
    ids=lambda value: getattr(value, "__name__", str(value)),
)
def test_each_error_has_its_default_code_and_retryability(
    cls: type[PaymentError], code: ErrorCode, retryable: bool
) -> None:
    error = cls("something happened")
    assert error.code is code
    assert error.retryable is retryable


@pytest.mark.parametrize("cls", ALL_ERRORS, ids=lambda cls: cls.__name__)
def test_every_error_carries_the_common_details(cls: type[PaymentError]) -> None:
    error = cls(
        "refused",
        code=ErrorCode.NOT_FOUND,
        provider="bog",
        provider_code="107",
        provider_message="Order not found",
        retryable=True,
        payment_id="pay-1",
        request_id="req-9",
        http_status=404,
    )
    assert error.message == "refused"
    assert error.code is ErrorCode.NOT_FOUND
    assert error.provider == "bog"
    assert error.provider_code == "107"
    assert error.provider_message == "Order not found"
    assert error.retryable is True
    assert error.payment_id == "pay-1"
    assert error.request_id == "req-9"
    assert error.http_status == 404
    data = error.to_dict()
    assert data["error"] == cls.__name__
    assert data["code"] == "not_found"
    assert data["retryable"] is True


def test_str_names_the_provider_and_ids() -> None:
    error = NotFoundError("no such payment", provider="bog", provider_code="107", payment_id="p1")
    assert str(error) == "no such payment (provider=bog, provider_code=107, payment_id=p1)"


def test_str_is_just_the_message_without_details() -> None:
    assert str(InvalidRequestError("bad")) == "bad"


def test_repr_shows_class_code_and_message_only() -> None:
    error = AuthenticationError(
        "refused", provider="bog", provider_message="client secret 'hunter2' is wrong"
    )
    assert repr(error) == "AuthenticationError(code='authentication_failed', message='refused')"


def test_provider_message_never_reaches_str_or_repr() -> None:
    error = AuthenticationError("refused", provider_message="Bearer at-live-abc123")
    assert "at-live-abc123" not in str(error)
    assert "at-live-abc123" not in repr(error)


def test_declined_error_carries_a_normalized_decline_code() -> None:
    error = PaymentDeclinedError("declined", decline_code=DeclineCode.INSUFFICIENT_FUNDS)
    assert error.decline_code is DeclineCode.INSUFFICIENT_FUNDS
    assert error.to_dict()["decline_code"] == "insufficient_funds"
    assert PaymentDeclinedError("declined").decline_code is DeclineCode.UNKNOWN


def test_rate_limited_error_keeps_retry_after() -> None:
    assert RateLimitedError("slow down", retry_after=3.0).retry_after == 3.0


def test_invalid_request_error_names_the_field() -> None:
    assert InvalidRequestError("bad", field="amount").field == "amount"


@pytest.mark.parametrize(
    ("status", "cls", "retryable"),
    [
        (400, InvalidRequestError, False),
        (401, AuthenticationError, False),
        (403, AuthenticationError, False),
        (404, NotFoundError, False),
        (409, InvalidRequestError, False),
        (422, InvalidRequestError, False),
        (429, RateLimitedError, True),
        (500, ProviderUnavailableError, True),
        (502, ProviderUnavailableError, True),
        (503, ProviderUnavailableError, True),
    ],
)
def test_bare_http_status_maps_to_an_error_class(
    status: int, cls: type[PaymentError], retryable: bool
) -> None:
    response = httpx.Response(status, headers={"x-request-id": "req-1"})
    error = error_for_status(response, provider="gw")
    assert type(error) is cls
    assert error.retryable is retryable
    assert error.http_status == status
    assert error.request_id == "req-1"
    assert error.provider == "gw"


def test_conflict_is_reported_as_an_idempotency_conflict() -> None:
    error = error_for_status(httpx.Response(409), provider="gw")
    assert error.code is ErrorCode.IDEMPOTENCY_CONFLICT


def test_rate_limit_reads_retry_after_seconds() -> None:
    error = error_for_status(httpx.Response(429, headers={"Retry-After": "7"}), provider="gw")
    assert isinstance(error, RateLimitedError)
    assert error.retry_after == 7.0


@pytest.mark.parametrize(
    "error",
    [
        PaymentError("base", provider="p", payment_id="pay_1", http_status=502),
        InvalidRequestError("bad", field="amount", code=ErrorCode.INVALID_AMOUNT),
        RateLimitedError("slow down", retry_after=3.0),
        PaymentDeclinedError("no", decline_code=DeclineCode.INSUFFICIENT_FUNDS),
        OutcomeUnknownError(
            "lost", operation="refund", idempotency_key="k", external_id="o-1", safe_to_repeat=True
        ),
    ],
    ids=lambda error: type(error).__name__,
)
def test_replace_builds_a_new_error_of_the_same_class_keeping_every_detail(
    error: PaymentError,
) -> None:
    replaced = error.replace("new text", payment_id="pay_9")

    assert replaced is not error
    assert type(replaced) is type(error)
    assert replaced.message == "new text"
    assert str(replaced).startswith("new text")
    assert replaced.payment_id == "pay_9"
    assert error.payment_id != "pay_9"  # the original is untouched
    kept = {**error.to_dict(), "message": "new text", "payment_id": "pay_9"}
    assert replaced.to_dict() == kept


# -- pydantic's findings in the library's words (payments_core.validation) -------------------


class _Options(BaseModel):
    count: int
    sizes: list[int] = []

    @field_validator("count")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value <= 0:
            raise ValueError("must be greater than zero")
        return value

    @model_validator(mode="after")
    def _not_too_many(self) -> _Options:
        if len(self.sizes) > self.count:
            raise ValueError("more sizes than count")
        return self


def _failure(**data: object) -> ValidationError:
    with pytest.raises(ValidationError) as failed:
        _Options.model_validate(data)
    return failed.value


def test_each_finding_names_its_field_path_with_the_prefix_in_front() -> None:
    found = findings(_failure(count=0, sizes=[1, "x"]), what="options", prefix="provider_options")

    assert [f.field for f in found] == ["provider_options.count", "provider_options.sizes.1"]
    assert found[0] == Finding("provider_options.count", "must be greater than zero", "value_error")


def test_without_a_prefix_the_path_is_pydantic_own_and_a_whole_object_problem_is_named() -> None:
    assert [f.field for f in findings(_failure(count=0), what="options")] == ["count"]
    assert [f.field for f in findings(_failure(count=1, sizes=[1, 2]), what="options")] == [
        "options"
    ]


def test_a_validator_message_loses_pydantic_value_error_prefix() -> None:
    exc = _failure(count=0)
    assert "Value error, must be greater than zero" in str(exc)

    [finding] = findings(exc, what="options")

    assert finding.message == "must be greater than zero"
    assert summary([finding]) == "count: must be greater than zero"


def test_summary_joins_the_findings_in_order() -> None:
    found = findings(_failure(count=0, sizes=[1, "x"]), what="options")
    assert summary(found) == (
        "count: must be greater than zero; "
        "sizes.1: Input should be a valid integer, unable to parse string as an integer"
    )


def test_field_names_are_sorted_and_each_given_once() -> None:
    errors: list[InitErrorDetails] = [
        {"type": "missing", "loc": ("sizes",), "input": {}},
        {"type": "missing", "loc": ("count",), "input": {}},
        {"type": "int_parsing", "loc": ("sizes",), "input": "x"},
    ]
    exc = ValidationError.from_exception_data("_Options", errors)

    assert field_names(exc, what="options") == ["count", "sizes"]
    assert field_names(exc, what="options", prefix="reply") == ["reply.count", "reply.sizes"]


def test_refused_provider_options_are_one_typed_error_naming_the_provider_and_fields() -> None:
    error = invalid_options(_failure(count=0, sizes=[1, "x"]), provider="tbc")

    assert isinstance(error, InvalidRequestError)
    assert error.code is ErrorCode.INVALID_REQUEST
    assert (error.provider, error.field) == ("tbc", "provider_options.count")
    assert error.message.startswith(
        "invalid TBC options: provider_options.count: must be greater than zero; "
        "provider_options.sizes.1: "
    )


def test_options_under_another_field_are_named_under_it() -> None:
    error = invalid_options(_failure(count=0), provider="bog", prefix="split")
    assert error.message == "invalid BOG options: split.count: must be greater than zero"
    assert error.field == "split.count"
