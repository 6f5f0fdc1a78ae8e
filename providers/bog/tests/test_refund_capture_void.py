"""Refund, capture (approve) and void (cancel): the receipt check first, then the action.

A refused operation stops after the receipt read: the flow raises instead of yielding
the POST.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from payments_bog import BogProvider

from payments_core import (
    ErrorCode,
    InvalidRequestError,
    InvalidStateError,
    Money,
    Operation,
    OperationKind,
    OperationStatus,
)

REFUND_ACK = {
    "key": "request_received",
    "message": "Refund request received",
    "action_id": "5b666901-eb05-4f83-abeb-8311e175f337",
}
APPROVE_ACK = {
    "key": "request_received",
    "message": "Pre-authorization payment approval request received",
    "action_id": "e786283f-dc7f-48ba-bb75-12857f5a43ad",
}
CANCEL_ACK = {
    "key": "request_received",
    "message": "Pre-authorization payment cancellation request received",
    "action_id": "aa9478c7-f82f-45a9-8a30-e7b4275b1224",
}


def after_receipt(flow: Any, respond: Any, body: dict[str, Any]) -> httpx.Request:
    """Step past the receipt read; return the action request that follows."""
    first = next(flow)
    assert first.method == "GET"
    assert first.url.path.startswith("/payments/v1/receipt/")
    step: httpx.Request = flow.send(respond(200, body))
    return step


def refused_after_receipt(
    flow: Any, respond: Any, body: dict[str, Any], error: type[Exception] = InvalidStateError
) -> Any:
    next(flow)
    with pytest.raises(error) as raised:
        flow.send(respond(200, body))
    return raised.value


# -- refund -----------------------------------------------------------------------------------


def test_partial_refund_posts_the_amount_as_a_number_with_the_key(
    provider: BogProvider, respond: Any, receipt: Any
) -> None:
    flow = provider.refund("order-1", Money("5.50", "GEL"), idempotency_key="key-1")

    request = after_receipt(flow, respond, receipt("completed"))

    assert request.method == "POST"
    assert str(request.url) == "https://api.bog.ge/payments/v1/payment/refund/order-1"
    assert request.content == b'{"amount":5.50}'
    assert request.headers["Idempotency-Key"] == "key-1"


def test_full_refund_sends_the_refundable_amount_explicitly(
    provider: BogProvider, respond: Any, receipt: Any
) -> None:
    flow = provider.refund("order-1", None, idempotency_key="key-1")

    request = after_receipt(flow, respond, receipt("refunded_partially"))

    assert request.content == b'{"amount":5.40}'


def test_full_refund_without_transfer_amount_sends_captured_minus_refunded(
    provider: BogProvider, respond: Any, receipt: Any
) -> None:
    body = receipt("completed", purchase_units={"transfer_amount": None})
    flow = provider.refund("order-1", None, idempotency_key="key-1")

    request = after_receipt(flow, respond, body)

    assert json.loads(request.content) == {"amount": 10.9}


def test_refund_returns_a_pending_operation_with_bogs_action_id(
    provider: BogProvider, respond: Any, finish: Any, receipt: Any
) -> None:
    flow = provider.refund("order-1", Money("5.50", "GEL"), idempotency_key="key-1")
    after_receipt(flow, respond, receipt("completed"))

    operation: Operation = finish(flow, respond(200, REFUND_ACK))

    assert operation.kind is OperationKind.REFUND
    assert operation.status is OperationStatus.PENDING
    assert operation.id == "5b666901-eb05-4f83-abeb-8311e175f337"
    assert operation.payment_id == "order-1"
    assert operation.amount == Money("5.50", "GEL")
    assert operation.idempotency_key == "key-1"
    assert operation.message == "Refund request received"
    assert operation.provider_code == "request_received"


@pytest.mark.parametrize("kind", ["created", "rejected", "expired", "blocked", "refunded"])
def test_refund_of_a_payment_that_holds_no_money_is_refused_before_sending(
    provider: BogProvider, respond: Any, receipt: Any, kind: str
) -> None:
    flow = provider.refund("order-1", None, idempotency_key="key-1")

    error = refused_after_receipt(flow, respond, receipt(kind))

    assert error.payment_id == "order-1"


def test_refund_above_the_refundable_amount_is_refused_before_sending(
    provider: BogProvider, respond: Any, receipt: Any
) -> None:
    flow = provider.refund("order-1", Money("5.41", "GEL"), idempotency_key="key-1")

    error = refused_after_receipt(flow, respond, receipt("refunded_partially"))

    assert error.code is ErrorCode.AMOUNT_EXCEEDS_AVAILABLE


def test_refund_of_a_partially_captured_preauth_is_limited_to_the_captured_part(
    provider: BogProvider, respond: Any, receipt: Any
) -> None:
    body = receipt("partial_completed", purchase_units={"transfer_amount": "60.00"})
    flow = provider.refund("order-1", Money("30.01", "GEL"), idempotency_key="key-1")

    error = refused_after_receipt(flow, respond, body)

    assert error.code is ErrorCode.AMOUNT_EXCEEDS_AVAILABLE


def test_refund_in_another_currency_is_refused_before_sending(
    provider: BogProvider, respond: Any, receipt: Any
) -> None:
    flow = provider.refund("order-1", Money("5.00", "USD"), idempotency_key="key-1")

    error = refused_after_receipt(flow, respond, receipt("completed"), InvalidRequestError)

    assert error.code is ErrorCode.CURRENCY_MISMATCH


def test_partial_refund_of_a_method_bog_refunds_only_in_full_is_refused(
    provider: BogProvider, respond: Any, receipt: Any
) -> None:
    body = receipt("completed", payment_detail={"transfer_method": {"key": "bog_p2p"}})
    flow = provider.refund("order-1", Money("1.00", "GEL"), idempotency_key="key-1")

    error = refused_after_receipt(flow, respond, body)

    assert "only in full" in error.message


def test_full_refund_of_a_p2p_payment_is_sent(
    provider: BogProvider, respond: Any, receipt: Any
) -> None:
    body = receipt("completed", payment_detail={"transfer_method": {"key": "bog_p2p"}})
    flow = provider.refund("order-1", None, idempotency_key="key-1")

    request = after_receipt(flow, respond, body)

    assert request.content == b'{"amount":10.90}'


@pytest.mark.parametrize("amount", [Money("1.00", "GEL"), None])
def test_a_refund_while_another_is_pending_is_refused_before_sending(
    provider: BogProvider, respond: Any, receipt: Any, amount: Money | None
) -> None:
    body = receipt("refunded_partially", order_status={"key": "refund_requested"})
    flow = provider.refund("order-1", amount, idempotency_key="key-2")

    error = refused_after_receipt(flow, respond, body)

    assert type(error) is InvalidStateError
    assert error.code is ErrorCode.INVALID_STATE
    assert error.payment_id == "order-1"
    assert "a refund under way (BOG: refund_requested)" in error.message


def test_the_refusal_names_the_pending_refund_when_the_receipt_lists_it(
    provider: BogProvider, respond: Any, receipt: Any, action: Any
) -> None:
    body = receipt(
        "completed",
        order_status={"key": "refund_requested"},
        actions=[action("partial_refund", "2.00", status="in_progress", action_id="r-9")],
    )
    flow = provider.refund("order-1", Money("1.00", "GEL"), idempotency_key="key-2")

    error = refused_after_receipt(flow, respond, body)

    assert "refund r-9 of 2.00 GEL under way" in error.message


# -- capture ----------------------------------------------------------------------------------


def test_partial_capture_approves_the_amount(
    provider: BogProvider, respond: Any, finish: Any, receipt: Any
) -> None:
    flow = provider.capture("order-1", Money("30.00", "GEL"), idempotency_key="key-1")

    request = after_receipt(flow, respond, receipt("blocked"))
    operation: Operation = finish(flow, respond(200, APPROVE_ACK))

    assert str(request.url) == (
        "https://api.bog.ge/payments/v1/payment/authorization/approve/order-1"
    )
    assert request.content == b'{"amount":30.00}'
    assert request.headers["Idempotency-Key"] == "key-1"
    assert operation.kind is OperationKind.CAPTURE
    assert operation.status is OperationStatus.PENDING
    assert operation.id == "e786283f-dc7f-48ba-bb75-12857f5a43ad"
    assert operation.amount == Money("30.00", "GEL")


def test_full_capture_sends_the_held_amount_explicitly(
    provider: BogProvider, respond: Any, receipt: Any
) -> None:
    flow = provider.capture("order-1", None, idempotency_key="key-1")

    request = after_receipt(flow, respond, receipt("blocked"))

    assert request.content == b'{"amount":60.00}'


def test_capture_above_the_held_amount_is_refused_before_sending(
    provider: BogProvider, respond: Any, receipt: Any
) -> None:
    flow = provider.capture("order-1", Money("60.01", "GEL"), idempotency_key="key-1")

    error = refused_after_receipt(flow, respond, receipt("blocked"))

    assert error.code is ErrorCode.AMOUNT_EXCEEDS_AVAILABLE


@pytest.mark.parametrize("kind", ["created", "completed", "partial_completed", "rejected"])
def test_capture_of_a_payment_that_is_not_held_is_refused_before_sending(
    provider: BogProvider, respond: Any, receipt: Any, kind: str
) -> None:
    flow = provider.capture("order-1", None, idempotency_key="key-1")

    error = refused_after_receipt(flow, respond, receipt(kind))

    assert error.code is ErrorCode.INVALID_STATE


SPLIT = [
    {"iban": "GE00BG0000000000000001", "percent": "10"},
    {"iban": "GE00BG0000000000000002", "amount": "5.00", "description": "courier"},
]


def test_capture_sends_bogs_description_and_split_with_the_amount(
    provider: BogProvider, respond: Any, receipt: Any
) -> None:
    flow = provider.capture(
        "order-1",
        Money("30.00", "GEL"),
        idempotency_key="key-1",
        description="shipped",
        split=SPLIT,
    )

    request = after_receipt(flow, respond, receipt("blocked"))

    assert request.content == (
        b'{"amount":30.00,"description":"shipped","split":{"split_payments":['
        b'{"iban":"GE00BG0000000000000001","percent":10},'
        b'{"iban":"GE00BG0000000000000002","amount":5.00,"description":"courier"}]}}'
    )


def test_capture_split_of_a_payment_not_in_gel_is_refused_before_sending(
    provider: BogProvider, respond: Any, receipt: Any
) -> None:
    body = receipt("blocked", purchase_units={"currency_code": "USD"})
    flow = provider.capture("order-1", None, idempotency_key="key-1", split=SPLIT)

    error = refused_after_receipt(flow, respond, body, InvalidRequestError)

    assert error.code is ErrorCode.INVALID_CURRENCY
    assert error.field == "split"


def test_capture_split_amounts_above_the_captured_amount_are_refused_before_sending(
    provider: BogProvider, respond: Any, receipt: Any
) -> None:
    split = [{"iban": "GE00BG0000000000000001", "amount": "30.01"}]
    flow = provider.capture("order-1", Money("30.00", "GEL"), idempotency_key="k", split=split)

    error = refused_after_receipt(flow, respond, receipt("blocked"), InvalidRequestError)

    assert error.code is ErrorCode.INVALID_AMOUNT
    assert "30.01" in error.message


def test_a_malformed_capture_split_is_refused_before_anything_is_sent(
    provider: BogProvider,
) -> None:
    with pytest.raises(InvalidRequestError) as raised:
        provider.capture("order-1", None, idempotency_key="k", split=[{"iban": "GE1"}])

    assert raised.value.field == "split.0"


@pytest.mark.parametrize("description", ["line\nbreak", "   ", 42])
def test_a_bad_capture_description_is_refused_before_anything_is_sent(
    provider: BogProvider, description: Any
) -> None:
    with pytest.raises(InvalidRequestError) as raised:
        provider.capture("order-1", None, idempotency_key="k", description=description)

    assert raised.value.field == "description"


def test_capture_in_another_currency_is_refused_before_sending(
    provider: BogProvider, respond: Any, receipt: Any
) -> None:
    flow = provider.capture("order-1", Money("1.00", "EUR"), idempotency_key="key-1")

    refused_after_receipt(flow, respond, receipt("blocked"), InvalidRequestError)


# -- void -------------------------------------------------------------------------------------


def test_void_cancels_the_hold(
    provider: BogProvider, respond: Any, finish: Any, receipt: Any
) -> None:
    flow = provider.void("order-1", idempotency_key="key-1")

    request = after_receipt(flow, respond, receipt("blocked"))
    operation: Operation = finish(flow, respond(200, CANCEL_ACK))

    assert str(request.url) == (
        "https://api.bog.ge/payments/v1/payment/authorization/cancel/order-1"
    )
    assert request.content == b"{}"
    assert request.headers["Idempotency-Key"] == "key-1"
    assert operation.kind is OperationKind.VOID
    assert operation.status is OperationStatus.PENDING
    assert operation.amount == Money("60.00", "GEL")


def test_void_sends_bogs_description(provider: BogProvider, respond: Any, receipt: Any) -> None:
    flow = provider.void("order-1", idempotency_key="key-1", description="out of stock")

    request = after_receipt(flow, respond, receipt("blocked"))

    assert request.content == b'{"description":"out of stock"}'


@pytest.mark.parametrize("kind", ["created", "completed", "refunded"])
def test_void_of_a_payment_that_is_not_held_is_refused_before_sending(
    provider: BogProvider, respond: Any, receipt: Any, kind: str
) -> None:
    flow = provider.void("order-1", idempotency_key="key-1")

    refused_after_receipt(flow, respond, receipt(kind))


def test_unreadable_action_answer_is_a_provider_response_error(
    provider: BogProvider, respond: Any, receipt: Any
) -> None:
    from payments_core import ProviderResponseError

    flow = provider.void("order-1", idempotency_key="key-1")
    after_receipt(flow, respond, receipt("blocked"))

    with pytest.raises(ProviderResponseError):
        flow.send(respond(200, content=b""))
