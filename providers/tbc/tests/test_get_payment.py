"""Payment details → Payment: the reference's fixtures, lenient reading, unreadable answers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from payments_tbc import TbcProvider, saved_card_id

from payments_core import (
    CaptureMode,
    DeclineCode,
    Money,
    NotFoundError,
    Payments,
    PaymentStatus,
    ProviderResponseError,
)


def _read(provider: TbcProvider, kit: Any, body: Any, pay_id: str | None = None) -> Any:
    flow = provider.get_payment(pay_id or kit.PAY_ID)
    request = next(flow)
    assert (request.method, str(request.url)) == (
        "GET",
        f"{kit.TPAY}/payments/{pay_id or kit.PAY_ID}",
    )
    response = (
        kit.respond(200, body) if not isinstance(body, bytes) else kit.respond(200, content=body)
    )
    return kit.finish(flow, response)


def test_a_succeeded_card_sale(provider: TbcProvider, kit: Any):
    payment = _read(provider, kit, kit.SUCCEEDED)
    assert payment.id == kit.PAY_ID
    assert payment.status is PaymentStatus.CAPTURED
    assert payment.amount == Money("49.90", "GEL")
    assert payment.captured_amount == Money("49.90", "GEL")
    assert payment.authorized_amount == Money("49.90", "GEL")
    assert payment.refunded_amount == Money("0", "GEL")
    assert payment.method == "card"
    assert payment.capture is CaptureMode.AUTOMATIC
    assert payment.provider_transaction_id == "3F1A9C0B7D2E4F60A1B2C3D4E5F60718"
    assert payment.decline is None
    assert payment.raw["status"] == "Succeeded"


def test_a_declined_payment(provider: TbcProvider, kit: Any):
    payment = _read(provider, kit, kit.details(kit.FAILED))
    assert payment.status is PaymentStatus.DECLINED
    assert payment.decline.code is DeclineCode.INSUFFICIENT_FUNDS
    assert payment.decline.provider_code == "decline_not_sufficient_funds"
    assert payment.captured_amount == Money("0", "GEL")
    assert payment.authorized_amount is None


def test_a_held_pre_authorization(provider: TbcProvider, kit: Any):
    payment = _read(provider, kit, kit.details(kit.HELD))
    assert payment.status is PaymentStatus.AUTHORIZED
    assert payment.authorized_amount == Money("100", "GEL")
    assert payment.captured_amount == Money("0", "GEL")
    assert payment.capture is CaptureMode.MANUAL


def test_a_partly_refunded_payment(provider: TbcProvider, kit: Any):
    payment = _read(provider, kit, kit.details(kit.PARTLY_RETURNED))
    assert payment.status is PaymentStatus.PARTIALLY_REFUNDED
    assert payment.refunded_amount == Money("10", "GEL")
    assert payment.refundable_amount == Money("39.90", "GEL")


def test_a_released_hold_is_canceled_with_nothing_refunded(provider: TbcProvider, kit: Any):
    body = kit.details(kit.HELD, status="Returned", returnedAmount=100)
    payment = _read(provider, kit, body)
    assert payment.status is PaymentStatus.CANCELED
    assert payment.refunded_amount == Money("0", "GEL")


@pytest.mark.parametrize("confirmed", [0, None, "0"])
def test_a_direct_sale_reported_paid_has_its_amount_captured(
    provider: TbcProvider, kit: Any, confirmed: Any
):
    payment = _read(provider, kit, kit.details(confirmedAmount=confirmed))
    assert payment.captured_amount == Money("49.90", "GEL")
    assert payment.status is PaymentStatus.CAPTURED


@pytest.mark.parametrize(
    ("amount", "expected"),
    [(Decimal("12.5"), "12.50"), ("12.5", "12.50"), (10, "10.00"), (" 0.01 ", "0.01")],
)
def test_amounts_are_read_from_numbers_or_strings(
    provider: TbcProvider, kit: Any, amount: Any, expected: str
):
    body = kit.details(amount=amount, confirmedAmount=amount)
    payment = _read(provider, kit, body)
    assert payment.amount == Money(expected, "GEL")
    assert payment.captured_amount == Money(expected, "GEL")


def test_null_amounts_are_unknown_not_zero(provider: TbcProvider, kit: Any):
    body = kit.details(kit.HELD, confirmedAmount=None, returnedAmount=None)
    payment = _read(provider, kit, body)
    assert payment.captured_amount is None
    assert payment.refunded_amount is None


def test_property_names_are_read_in_any_casing(provider: TbcProvider, kit: Any):
    body = {key[0].upper() + key[1:]: value for key, value in kit.SUCCEEDED.items()}
    body["PAYID"] = body.pop("PayId")
    payment = _read(provider, kit, body)
    assert payment.status is PaymentStatus.CAPTURED
    assert payment.captured_amount == Money("49.90", "GEL")


def test_strings_for_numbers_and_booleans_are_tolerated(provider: TbcProvider, kit: Any):
    body = kit.details(kit.HELD, preAuth="true", paymentMethod="9")
    payment = _read(provider, kit, body)
    assert payment.capture is CaptureMode.MANUAL
    assert payment.method == "apple_pay"


def test_unknown_fields_and_null_links_are_ignored(provider: TbcProvider, kit: Any):
    body = kit.details(links=None, RRN="123456789012", somethingNew={"a": 1})
    assert _read(provider, kit, body).status is PaymentStatus.CAPTURED


def test_the_saved_card_shows_masked_with_its_expiry(provider: TbcProvider, kit: Any):
    card = {"recId": kit.REC_ID, "cardMask": "4***********1111", "expiryDate": "1228"}
    payment = _read(provider, kit, kit.details(recurringCard=card))
    assert payment.card.masked_number == "4***********1111"
    assert payment.card.expiry == "12/28"
    assert saved_card_id(payment) == kit.REC_ID


def test_a_card_mask_showing_the_whole_number_is_left_out(
    payments: Payments, fake_tbc: Any, kit: Any
):
    card = {"recId": kit.REC_ID, "cardMask": "4111111111111111", "expiryDate": "1228"}
    body = kit.respond(200, kit.details(recurringCard=card))
    fake_tbc.inject("GET", f"/payments/{kit.PAY_ID}", body)
    payment = payments.get_payment(kit.PAY_ID)
    assert payment.card.masked_number is None
    assert "4111111111111111" not in repr(payment.model_dump())  # raw is masked too


@pytest.mark.parametrize("status", ["AutoReversed", "ExpirationProcessing", "SomethingNew"])
def test_an_unknown_status_reads_as_processing(provider: TbcProvider, kit: Any, status: str):
    payment = _read(provider, kit, kit.details(kit.HELD, status=status, preAuth=False))
    assert payment.status is PaymentStatus.PROCESSING
    assert not payment.is_final


UNREADABLE = [
    b"",
    b"not json",
    b"[]",
    b'{"payId": "ab12cd34ef5g6h7890", "status": "Succeeded", "currency": "GEL"}',
    b'{"payId": "ab12cd34ef5g6h7890", "status": "Succeeded", "amount": 10}',
    b'{"payId": "ab12cd34ef5g6h7890", "status": "Succeeded", "currency": "GEL", "amount": "ten"}',
    b'{"payId": "ab12cd34ef5g6h7890", "status": "Succeeded", "currency": "GEL", "amount": true}',
    b'{"payId": "ab12cd34ef5g6h7890", "status": "Succeeded", "currency": "GEL", "amount": 1.001}',
    b'{"payId": "ab12cd34ef5g6h7890", "status": "Succeeded", "currency": "XXQ", "amount": 1}',
    b'{"payId": "someoneelse123456", "status": "Succeeded", "currency": "GEL", "amount": 1}',
    b'{"payId": "ab12cd34ef5g6h7890", "status": "Succeeded", "currency": "GEL", "amount": 10,'
    b' "confirmedAmount": 20}',
    b'{"payId": "ab12cd34ef5g6h7890", "status": "Succeeded", "currency": "GEL", "amount": 10,'
    b' "links": "nope"}',
    b'{"payId": "ab12cd34ef5g6h7890", "status": "Succeeded", "currency": "GEL", "amount": -10}',
]


@pytest.mark.parametrize("content", UNREADABLE)
def test_an_unreadable_answer_is_a_provider_response_error(
    payments: Payments, fake_tbc: Any, kit: Any, content: bytes
):
    fake_tbc.inject("GET", f"/payments/{kit.PAY_ID}", kit.respond(200, content=content))
    with pytest.raises(ProviderResponseError):
        payments.get_payment(kit.PAY_ID)


def test_an_unknown_payment_is_not_found(payments: Payments, kit: Any):
    with pytest.raises(NotFoundError) as caught:
        payments.get_payment("nosuchpayment12345")
    assert caught.value.provider == "tbc"
    assert caught.value.provider_message == "PaymentNotFound"


async def test_reads_are_retried_on_a_503(gateway: Any, fake_tbc: Any, kit: Any):
    created = await gateway.create_payment(kit.payment_request())
    fake_tbc.inject("GET", f"/payments/{created.id}", kit.problem(503, "Unavailable", "later"))
    payment = await gateway.get_payment(created.id)
    assert payment.status is PaymentStatus.PENDING
    reads = [r for r in fake_tbc.requests if r.method == "GET"]
    assert len(reads) == 2
