"""Reading a payment: ``GET /receipt/{id}`` and the normalized Payment made from it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from payments_bog import BogProvider

from payments_core import (
    CaptureMode,
    DeclineCode,
    Money,
    NotFoundError,
    OperationKind,
    OperationStatus,
    Payment,
    PaymentStatus,
    ProviderResponseError,
)


def read(provider: BogProvider, respond: Any, finish: Any, body: Any) -> Payment:
    flow = provider.get_payment("order-1")
    next(flow)
    payment: Payment = finish(flow, respond(200, body))
    return payment


def test_get_payment_reads_the_receipt_endpoint(provider: BogProvider) -> None:
    request = next(provider.get_payment("1fcf4604-a135-4739-9c06-1064bc32f7ea"))

    assert request.method == "GET"
    assert str(request.url) == (
        "https://api.bog.ge/payments/v1/receipt/1fcf4604-a135-4739-9c06-1064bc32f7ea"
    )
    assert request.content == b""
    assert "Idempotency-Key" not in request.headers


def test_fresh_order_is_pending_with_nothing_taken(
    provider: BogProvider, respond: Any, finish: Any, receipt: Any
) -> None:
    payment = read(provider, respond, finish, receipt("created"))

    assert payment.id == "1fcf4604-a135-4739-9c06-1064bc32f7ea"
    assert payment.status is PaymentStatus.PENDING
    assert payment.amount == Money("5.30", "GEL")
    assert payment.captured_amount == Money("0", "GEL")
    assert payment.refunded_amount == Money("0", "GEL")
    assert payment.method is None
    assert payment.card is None
    assert payment.decline is None
    assert payment.operations == ()


def test_dates_prefer_the_zoned_utc_fields(
    provider: BogProvider, respond: Any, finish: Any, receipt: Any
) -> None:
    payment = read(provider, respond, finish, receipt("created"))

    assert payment.created_at == datetime(2025, 9, 29, 12, 57, 54, 595205, tzinfo=UTC)
    assert payment.expires_at == datetime(2025, 9, 29, 13, 12, 54, 595205, tzinfo=UTC)


def test_old_local_dates_are_read_as_tbilisi_time_when_zoned_ones_are_missing(
    provider: BogProvider, respond: Any, finish: Any, receipt: Any
) -> None:
    body = receipt("created")
    del body["zoned_create_date"], body["zoned_expire_date"]

    payment = read(provider, respond, finish, body)

    assert payment.created_at == datetime(2025, 9, 29, 12, 57, 54, 595205, tzinfo=UTC)
    assert payment.expires_at == datetime(2025, 9, 29, 13, 12, 54, 595205, tzinfo=UTC)


def test_completed_card_payment_is_captured_with_card_details(
    provider: BogProvider, respond: Any, finish: Any, receipt: Any
) -> None:
    payment = read(provider, respond, finish, receipt("completed"))

    assert payment.status is PaymentStatus.CAPTURED
    assert payment.is_paid
    assert payment.authorized_amount == Money("10.90", "GEL")
    assert payment.captured_amount == Money("10.90", "GEL")
    assert payment.refunded_amount == Money("0", "GEL")
    assert payment.method == "card"
    assert payment.card is not None
    assert payment.card.masked_number == "548888xxxxxx9893"
    assert payment.card.brand == "mc"
    assert payment.card.expiry == "03/24"
    assert payment.provider_transaction_id == "230513868679"
    assert payment.capture is CaptureMode.AUTOMATIC
    assert payment.external_id == "ORD-1001"


def test_receipt_payload_is_kept_as_raw(
    provider: BogProvider, respond: Any, finish: Any, receipt: Any
) -> None:
    body = receipt("completed")

    payment = read(provider, respond, finish, body)

    assert payment.raw is not None
    assert payment.raw["payment_detail"]["auth_code"] == "483921"


def test_rejected_payment_is_declined_with_the_normalized_reason(
    provider: BogProvider, respond: Any, finish: Any, receipt: Any
) -> None:
    payment = read(provider, respond, finish, receipt("rejected"))

    assert payment.status is PaymentStatus.DECLINED
    assert payment.decline is not None
    assert payment.decline.code is DeclineCode.INSUFFICIENT_FUNDS
    assert payment.decline.provider_code == "107"
    assert payment.decline.message == "Payment declined due to insufficient funds in the account"
    assert payment.captured_amount == Money("0", "GEL")


def test_expired_order_is_expired_with_a_session_expired_reason(
    provider: BogProvider, respond: Any, finish: Any, receipt: Any
) -> None:
    payment = read(provider, respond, finish, receipt("expired"))

    assert payment.status is PaymentStatus.EXPIRED
    assert payment.decline is not None
    assert payment.decline.code is DeclineCode.SESSION_EXPIRED
    assert payment.decline.message == "expiration"


def test_unknown_decline_code_keeps_the_raw_code(
    provider: BogProvider, respond: Any, finish: Any, receipt: Any
) -> None:
    body = receipt("rejected", payment_detail={"code": 987, "code_description": None})

    payment = read(provider, respond, finish, body)

    assert payment.decline is not None
    assert payment.decline.code is DeclineCode.UNKNOWN
    assert payment.decline.provider_code == "987"


def test_held_preauthorization_is_authorized_with_nothing_captured(
    provider: BogProvider, respond: Any, finish: Any, receipt: Any
) -> None:
    payment = read(provider, respond, finish, receipt("blocked"))

    assert payment.status is PaymentStatus.AUTHORIZED
    assert payment.capture is CaptureMode.MANUAL
    assert payment.authorized_amount == Money("60.00", "GEL")
    assert payment.captured_amount == Money("0", "GEL")
    assert not payment.is_paid


def test_partial_approve_is_partially_captured_with_a_capture_operation(
    provider: BogProvider, respond: Any, finish: Any, receipt: Any
) -> None:
    payment = read(provider, respond, finish, receipt("partial_completed"))

    assert payment.status is PaymentStatus.PARTIALLY_CAPTURED
    assert payment.authorized_amount == Money("60.00", "GEL")
    assert payment.captured_amount == Money("30.00", "GEL")
    (operation,) = payment.operations
    assert operation.kind is OperationKind.CAPTURE
    assert operation.status is OperationStatus.SUCCEEDED
    assert operation.amount == Money("30.00", "GEL")


def test_completed_manual_order_after_a_partial_approve_is_partially_captured(
    provider: BogProvider, respond: Any, finish: Any, receipt: Any
) -> None:
    body = receipt("partial_completed", order_status={"key": "completed"})

    payment = read(provider, respond, finish, body)

    assert payment.status is PaymentStatus.PARTIALLY_CAPTURED


def test_partial_refund_is_partially_refunded_with_amounts_from_the_receipt(
    provider: BogProvider, respond: Any, finish: Any, receipt: Any
) -> None:
    payment = read(provider, respond, finish, receipt("refunded_partially"))

    assert payment.status is PaymentStatus.PARTIALLY_REFUNDED
    assert payment.captured_amount == Money("10.90", "GEL")
    assert payment.refunded_amount == Money("5.50", "GEL")
    assert payment.refundable_amount == Money("5.40", "GEL")


def test_full_refund_reads_the_official_sample_with_its_history(
    provider: BogProvider, respond: Any, finish: Any, receipt: Any
) -> None:
    payment = read(provider, respond, finish, receipt("refunded"))

    assert payment.status is PaymentStatus.REFUNDED
    assert payment.captured_amount == Money("100.50", "GEL")
    assert payment.refunded_amount == Money("100.50", "GEL")
    capture, refund = payment.operations
    assert (capture.kind, capture.status) == (OperationKind.CAPTURE, OperationStatus.SUCCEEDED)
    assert (refund.kind, refund.status) == (OperationKind.REFUND, OperationStatus.SUCCEEDED)
    assert refund.id == "a89b872a-9700-4025-b3fb-047cbba7a5e6"
    assert refund.amount == Money("100.50", "GEL")
    assert refund.created_at == datetime(2022, 11, 28, 13, 58, 3, 427939, tzinfo=UTC)


def test_rejected_refund_action_is_a_failed_operation_with_its_code(
    provider: BogProvider, respond: Any, finish: Any, receipt: Any, action: Any
) -> None:
    body = receipt(
        "completed",
        actions=[action("partial_refund", "5.00", status="rejected", code="162")],
    )

    payment = read(provider, respond, finish, body)

    (operation,) = payment.operations
    assert operation.kind is OperationKind.REFUND
    assert operation.status is OperationStatus.FAILED
    assert operation.provider_code == "162"
    assert operation.message == "The issuing bank declined the refund"
    assert payment.status is PaymentStatus.CAPTURED


def test_cancelled_preauthorization_is_canceled_with_a_void_operation(
    provider: BogProvider, respond: Any, finish: Any, receipt: Any, action: Any
) -> None:
    body = receipt(
        "blocked",
        order_status={"key": "rejected"},
        purchase_units={"transfer_amount": "0.0"},
        actions=[action("cancel_authorize", "60.00")],
    )

    payment = read(provider, respond, finish, body)

    assert payment.status is PaymentStatus.CANCELED
    assert payment.decline is None
    (operation,) = payment.operations
    assert operation.kind is OperationKind.VOID


def test_card_details_come_only_from_a_masked_identifier(
    provider: BogProvider, respond: Any, finish: Any, receipt: Any
) -> None:
    body = receipt("completed", payment_detail={"payer_identifier": "5488881234569893"})

    payment = read(provider, respond, finish, body)

    assert payment.card is not None
    assert payment.card.masked_number is None
    assert "5488881234569893" not in repr(payment)


@pytest.mark.parametrize("method", ["bog_p2p", "bog_loyalty", "bnpl", "bog_loan"])
def test_non_card_methods_have_no_card_details(
    provider: BogProvider, respond: Any, finish: Any, receipt: Any, method: str
) -> None:
    body = receipt(
        "completed",
        payment_detail={"transfer_method": {"key": method}, "payer_identifier": "J"},
    )

    payment = read(provider, respond, finish, body)

    assert payment.method == method
    assert payment.card is None


def test_apple_pay_keeps_brand_but_not_the_device_number(
    provider: BogProvider, respond: Any, finish: Any, receipt: Any
) -> None:
    body = receipt(
        "completed",
        payment_detail={"transfer_method": {"key": "apple_pay"}, "payer_identifier": "0482"},
    )

    payment = read(provider, respond, finish, body)

    assert payment.card is not None
    assert payment.card.masked_number is None
    assert payment.card.brand == "mc"


def test_unknown_order_is_not_found(provider: BogProvider, respond: Any) -> None:
    error = provider.error_for_response(respond(400, {"message": "Invalid order_id"}))

    assert isinstance(error, NotFoundError)


def test_receipt_that_is_not_json_is_a_provider_response_error(
    provider: BogProvider, respond: Any
) -> None:
    flow = provider.get_payment("order-1")
    next(flow)

    with pytest.raises(ProviderResponseError):
        flow.send(respond(200, content=b"not json"))


def test_receipt_with_unreadable_amount_names_the_field_not_the_value(
    provider: BogProvider, respond: Any, receipt: Any
) -> None:
    flow = provider.get_payment("order-1")
    next(flow)
    body = receipt("completed", purchase_units={"request_amount": "ten lari"})

    with pytest.raises(ProviderResponseError) as raised:
        flow.send(respond(200, body))

    assert "purchase_units.request_amount" in raised.value.message
    assert "ten lari" not in raised.value.message


def test_receipt_in_a_currency_unknown_to_the_library_is_a_provider_response_error(
    provider: BogProvider, respond: Any, receipt: Any
) -> None:
    flow = provider.get_payment("order-1")
    next(flow)

    with pytest.raises(ProviderResponseError):
        flow.send(respond(200, receipt("completed", purchase_units={"currency_code": "XXQ"})))
