"""Three outcomes, not two: a money-moving request that may have happened is
``OutcomeUnknownError``; one that provably never left says "nothing was sent".

The gateway here is a ``MockTransport`` that records what reached it, so every
test can count the requests a retry would have repeated.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import httpx
import pytest

from payments_core import (
    AuthenticationError,
    Capability,
    ErrorCode,
    InvalidRequestError,
    Money,
    Operation,
    OutcomeUnknownError,
    Payment,
    PaymentProvider,
    Payments,
    PaymentStatus,
    ProviderResponseError,
    ProviderSettings,
    ProviderUnavailableError,
)
from payments_core.models import OperationKind, OperationStatus
from payments_core.provider import Flow

BASE = "https://gw.test"
Handler = Callable[[httpx.Request], httpx.Response]


class GatewaySettings(ProviderSettings):
    pass


class KeylessProvider(PaymentProvider):
    """A gateway without idempotency keys (the declaration's default)."""

    name = "keyless"
    settings_model = GatewaySettings
    capabilities = frozenset({Capability.RETRIEVE, Capability.REFUND, Capability.PARTIAL_REFUND})

    def get_payment(self, payment_id: str) -> Flow[Payment]:
        response = yield self.build_request("GET", f"{BASE}/payments/{payment_id}")
        data = response.json()
        return Payment(
            id=payment_id,
            provider=self.name,
            status=PaymentStatus(data["status"]),
            amount=Money(data["amount"], "GEL"),
            captured_amount=Money(data.get("captured", "0"), "GEL"),
            refunded_amount=Money(data.get("refunded", "0"), "GEL"),
        )

    def refund(
        self, payment_id: str, amount: Money | None, *, idempotency_key: str
    ) -> Flow[Operation]:
        response = yield self.build_request(
            "POST",
            f"{BASE}/payments/{payment_id}/refunds",
            json={"amount": None if amount is None else amount.amount},
            idempotency_key=idempotency_key,
        )
        data = response.json()
        return Operation(
            id=data["id"],
            kind=OperationKind.REFUND,
            status=OperationStatus.SUCCEEDED,
            payment_id=payment_id,
            provider=self.name,
            amount=amount,
        )


class KeyedProvider(KeylessProvider):
    name = "keyed"
    honours_idempotency_keys = True


class Recorder:
    """A fake gateway: answers with ``handler`` and keeps every request."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    def posts(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == "POST"]


def facade(provider: type[PaymentProvider], handler: Handler, **settings: Any) -> Payments:
    recorder = Recorder(handler)
    client = httpx.Client(transport=httpx.MockTransport(recorder))
    payments = Payments(
        provider.from_settings({"max_retries": 2, **settings}),
        http_client=client,
        autoload_plugins=False,
        sleep=lambda _: None,
    )
    payments.recorder = recorder  # type: ignore[attr-defined]
    return payments


def recorder_of(payments: Payments) -> Recorder:
    recorder: Recorder = payments.recorder  # type: ignore[attr-defined]
    return recorder


def cut_body(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=b'{"id": "rf_1", "sta')


def test_a_cut_2xx_answer_to_a_refund_is_an_unknown_outcome_not_a_plain_failure() -> None:
    payments = facade(KeylessProvider, cut_body)
    with pytest.raises(OutcomeUnknownError) as unknown:
        payments.refund("pay_1", Money("5.00", "GEL"), idempotency_key="rk-1")
    assert unknown.value.code is ErrorCode.OUTCOME_UNKNOWN
    assert unknown.value.operation == "refund"
    assert unknown.value.idempotency_key == "rk-1"
    assert unknown.value.payment_id == "pay_1"
    assert unknown.value.http_status == 200


def test_a_keyless_gateway_is_not_safe_to_repeat_and_says_to_read_the_payment() -> None:
    payments = facade(KeylessProvider, cut_body)
    with pytest.raises(OutcomeUnknownError) as unknown:
        payments.refund("pay_1", Money("5.00", "GEL"))
    assert unknown.value.safe_to_repeat is False
    assert unknown.value.retryable is False
    assert "do not repeat" in str(unknown.value)
    assert "get_payment" in str(unknown.value)


def test_a_keyed_gateway_is_safe_to_repeat_and_says_to_repeat_with_the_same_key() -> None:
    payments = facade(KeyedProvider, cut_body)
    with pytest.raises(OutcomeUnknownError) as unknown:
        payments.refund("pay_1", Money("5.00", "GEL"))
    assert unknown.value.safe_to_repeat is True
    assert unknown.value.retryable is True
    assert "same idempotency key" in str(unknown.value)


def test_a_keyless_gateway_gets_a_refund_exactly_once_under_5xx() -> None:
    payments = facade(KeylessProvider, lambda r: httpx.Response(503))
    with pytest.raises(OutcomeUnknownError, match="answered HTTP 503") as unknown:
        payments.refund("pay_1", Money("5.00", "GEL"))
    assert unknown.value.http_status == 503
    assert unknown.value.safe_to_repeat is False
    assert len(recorder_of(payments).posts()) == 1
    assert "idempotency-key" not in recorder_of(payments).posts()[0].headers


def test_a_keyed_gateway_gets_the_refund_retried_under_one_key() -> None:
    payments = facade(KeyedProvider, lambda r: httpx.Response(503))
    with pytest.raises(OutcomeUnknownError, match="answered HTTP 503") as unknown:
        payments.refund("pay_1", Money("5.00", "GEL"), idempotency_key="rk-7")
    assert unknown.value.http_status == 503
    assert unknown.value.safe_to_repeat is True
    assert unknown.value.idempotency_key == "rk-7"
    keys = {r.headers["idempotency-key"] for r in recorder_of(payments).posts()}
    assert len(recorder_of(payments).posts()) == 3
    assert keys == {"rk-7"}


def test_repeating_an_unknown_refund_on_a_keyless_gateway_sends_nothing() -> None:
    payments = facade(KeylessProvider, cut_body)
    with pytest.raises(OutcomeUnknownError, match="could not be read") as first:
        payments.refund("pay_1", Money("5.00", "GEL"), idempotency_key="rk-2")
    assert first.value.http_status == 200
    with pytest.raises(OutcomeUnknownError) as again:
        payments.refund("pay_1", Money("5.00", "GEL"), idempotency_key="rk-2")
    assert len(recorder_of(payments).posts()) == 1
    assert again.value.safe_to_repeat is False
    assert "not sent again" in str(again.value)


def test_repeating_an_unknown_refund_on_a_keyed_gateway_resends_the_same_bytes() -> None:
    answers = iter([cut_body, lambda r: httpx.Response(200, json={"id": "rf_9"})])
    payments = facade(KeyedProvider, lambda r: next(answers)(r), max_retries=0)
    with pytest.raises(OutcomeUnknownError, match="could not be read") as first:
        payments.refund("pay_1", Money("5.00", "GEL"), idempotency_key="rk-3")
    assert first.value.safe_to_repeat is True
    operation = payments.refund("pay_1", Money("5.00", "GEL"), idempotency_key="rk-3")
    first, second = recorder_of(payments).posts()
    assert operation.id == "rf_9"
    assert first.content == second.content
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"] == "rk-3"


def test_the_same_key_with_another_amount_is_a_conflict_before_any_request() -> None:
    payments = facade(KeyedProvider, lambda r: httpx.Response(200, json={"id": "rf_1"}))
    payments.refund("pay_1", Money("5.00", "GEL"), idempotency_key="rk-4")
    with pytest.raises(InvalidRequestError) as conflict:
        payments.refund("pay_1", Money("6.00", "GEL"), idempotency_key="rk-4")
    assert conflict.value.code is ErrorCode.IDEMPOTENCY_CONFLICT
    assert "amount" in str(conflict.value)
    assert len(recorder_of(payments).posts()) == 1


def test_a_connection_refused_is_not_unknown_and_says_nothing_was_sent() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    payments = facade(KeylessProvider, refuse)
    with pytest.raises(ProviderUnavailableError) as failed:
        payments.refund("pay_1", Money("5.00", "GEL"))
    assert not isinstance(failed.value, OutcomeUnknownError)
    assert "nothing was sent" in str(failed.value)
    assert len(recorder_of(payments).posts()) == 3  # never sent, so safe to try again


def test_a_header_that_cannot_be_sent_is_typed_and_not_retried() -> None:
    def protocol_error(request: httpx.Request) -> httpx.Response:
        raise httpx.LocalProtocolError("Illegal header value")

    payments = facade(KeyedProvider, protocol_error)
    with pytest.raises(InvalidRequestError) as refused:
        payments.refund("pay_1", Money("5.00", "GEL"))
    assert "nothing was sent" in str(refused.value)
    assert not refused.value.retryable


class FailingTokenAuth(httpx.Auth):
    """A plugin author's own token auth whose token endpoint is down."""

    def __init__(self) -> None:
        self.token_requests = 0

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.token_requests += 1
        token = yield httpx.Request("POST", f"{BASE}/token")
        token.raise_for_status()
        request.headers["Authorization"] = "Bearer x"
        yield request


class CustomAuthProvider(KeylessProvider):
    name = "customauth"

    def __init__(self, settings: ProviderSettings) -> None:
        super().__init__(settings)
        self._auth = FailingTokenAuth()

    @property
    def auth(self) -> httpx.Auth:
        return self._auth


def test_a_failed_token_request_of_any_auth_is_not_unknown_and_is_retried() -> None:
    def token_down(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            return httpx.Response(503)
        return httpx.Response(200, json={"id": "rf_1"})

    payments = facade(CustomAuthProvider, token_down)
    with pytest.raises(ProviderUnavailableError) as failed:
        payments.refund("pay_1", Money("5.00", "GEL"))
    assert not isinstance(failed.value, OutcomeUnknownError)
    assert "nothing was sent" in str(failed.value)
    assert [r.url.path for r in recorder_of(payments).requests] == ["/token"] * 3


def test_a_refused_token_request_of_any_auth_is_an_authentication_error() -> None:
    payments = facade(
        CustomAuthProvider,
        lambda r: httpx.Response(401 if r.url.path == "/token" else 200, json={"id": "rf_1"}),
    )
    with pytest.raises(AuthenticationError, match="token endpoint refused") as refused:
        payments.refund("pay_1", Money("5.00", "GEL"))
    assert refused.value.http_status == 401
    assert "nothing was sent" in str(refused.value)
    assert [r.url.path for r in recorder_of(payments).requests] == ["/token"]


def test_an_impossible_answer_to_a_read_is_a_provider_response_error() -> None:
    payments = facade(
        KeylessProvider,
        lambda r: httpx.Response(
            200, json={"status": "captured", "amount": "10.00", "captured": "-0.01"}
        ),
    )
    with pytest.raises(ProviderResponseError) as failed:
        payments.get_payment("pay_1")
    assert "negative" in str(failed.value)


# -- found by review: each of these could act twice or misreport ------------------------


class SigningAuth(httpx.Auth):
    """Signs by adding a query parameter: the API request is rebuilt, not yielded as is."""

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        yield httpx.Request(
            request.method,
            request.url.copy_add_param("sig", "s1"),
            headers=request.headers,
            content=request.content,
        )


class SigningProvider(KeylessProvider):
    name = "signing"

    @property
    def auth(self) -> httpx.Auth:
        return SigningAuth()


def test_a_rebuilt_api_request_that_timed_out_counts_as_sent() -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    payments = facade(SigningProvider, timeout)
    with pytest.raises(OutcomeUnknownError) as unknown:
        payments.refund("pay_1", Money("5.00", "GEL"))
    assert len(recorder_of(payments).posts()) == 1
    assert "nothing was sent" not in str(unknown.value)


class RefundThenReadProvider(KeylessProvider):
    """A refund flow that reads the payment after the refund was accepted."""

    name = "refundread"

    def refund(
        self, payment_id: str, amount: Money | None, *, idempotency_key: str
    ) -> Flow[Operation]:
        operation = yield from super().refund(payment_id, amount, idempotency_key=idempotency_key)
        yield from self.get_payment(payment_id)
        return operation


def test_a_failure_after_the_refund_was_accepted_is_unknown_and_never_resent() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(200, json={"id": "rf_1"})
        raise httpx.ConnectError("read failed", request=request)

    payments = facade(RefundThenReadProvider, answer)
    with pytest.raises(OutcomeUnknownError) as unknown:
        payments.refund("pay_1", Money("5.00", "GEL"), idempotency_key="rk-after")
    assert "was carried out" in str(unknown.value)
    with pytest.raises(OutcomeUnknownError):
        payments.refund("pay_1", Money("5.00", "GEL"), idempotency_key="rk-after")
    assert len(recorder_of(payments).posts()) == 1


@pytest.mark.parametrize("status", [400, 404, 409, 429])
def test_an_error_answer_to_a_repeat_after_a_lost_answer_stays_unknown(status: int) -> None:
    answers = iter(["timeout", status])

    def answer(request: httpx.Request) -> httpx.Response:
        step = next(answers)
        if step == "timeout":
            raise httpx.ReadTimeout("no answer", request=request)
        return httpx.Response(int(step), headers={"retry-after": "0"})

    payments = facade(KeyedProvider, answer, max_retries=1)
    with pytest.raises(OutcomeUnknownError) as unknown:
        payments.refund("pay_1", Money("5.00", "GEL"), idempotency_key="rk-409")
    assert unknown.value.http_status == status
    assert len(payments.idempotency_store) == 1  # the key is kept, not released


class BrokenResendProvider(KeyedProvider):
    name = "brokenresend"

    def resend(self, operation: str, request: Any, sent: Any) -> Flow[Any] | None:
        raise RuntimeError("cannot rebuild")


def test_a_provider_that_cannot_repeat_leaves_the_key_unknown_and_the_error_typed() -> None:
    payments = facade(BrokenResendProvider, cut_body, max_retries=0)
    with pytest.raises(OutcomeUnknownError):
        payments.refund("pay_1", Money("5.00", "GEL"), idempotency_key="rk-br")
    for _ in range(2):  # not stuck "in flight": each repeat answers at once, typed
        with pytest.raises(OutcomeUnknownError, match="could not repeat"):
            payments.refund("pay_1", Money("5.00", "GEL"), idempotency_key="rk-br")


def test_a_header_that_cannot_be_sent_is_not_quoted_in_the_error() -> None:
    def protocol_error(request: httpx.Request) -> httpx.Response:
        raise httpx.LocalProtocolError("Illegal header value b'sk_live_SECRET123\\n'")

    payments = facade(KeyedProvider, protocol_error)
    with pytest.raises(InvalidRequestError) as refused:
        payments.refund("pay_1", Money("5.00", "GEL"))
    assert "SECRET123" not in str(refused.value)
    assert "LocalProtocolError" in str(refused.value)
