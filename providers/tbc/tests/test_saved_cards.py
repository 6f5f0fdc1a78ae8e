"""TBC's own operations through the facades: charge and delete a saved card."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from payments_tbc import (
    AsyncTbcPayments,
    SavedCardCharge,
    SavedCardDeletion,
    TbcPayments,
    TbcProvider,
    saved_card_id,
)

from payments_core import (
    AsyncPayments,
    CaptureMode,
    ConfigurationError,
    DeclineCode,
    Money,
    PaymentDeclinedError,
    Payments,
    PaymentStatus,
    hookimpl,
)


def _tbc(gateway: Any) -> Any:
    facade = gateway.facade
    return AsyncTbcPayments(facade) if isinstance(facade, AsyncPayments) else TbcPayments(facade)


async def _call(gateway: Any, result: Any) -> Any:
    return await result if gateway.is_async else result


def test_the_execution_body_is_tbcs_documented_shape(provider: TbcProvider, kit: Any):
    flow = provider.charge_saved_card(
        kit.REC_ID, Money("9.99", "GEL"), merchant_payment_id="sub-77-2025-06"
    )
    request = next(flow)
    assert (request.method, str(request.url)) == ("POST", f"{kit.TPAY}/payments/execution")
    assert kit.json_of(request) == {
        "recId": kit.REC_ID,
        "money": {"amount": Decimal("9.99"), "currency": "GEL"},
        "preAuth": False,
        "initiator": "merchant",
        "merchantPaymentId": "sub-77-2025-06",
    }
    answer = {
        "payId": "rr55tt66uu77vv8899",
        "status": "Succeeded",
        "currency": "GEL",
        "amount": Decimal("9.99"),
        "confirmedAmount": Decimal("9.99"),
        "returnedAmount": 0,
        "links": None,
        "transactionId": "QmFzZTY0VWZjVHhuSWQwMTIzNDU=",
        "paymentMethod": 11,
        "preAuth": False,
        "recurringCard": {
            "recId": kit.REC_ID,
            "cardMask": "4***********1111",
            "expiryDate": "1228",
        },
        **kit.ENVELOPE,
    }
    payment = kit.finish(flow, kit.respond(200, answer))
    assert payment.id == "rr55tt66uu77vv8899"
    assert payment.status is PaymentStatus.CAPTURED
    assert payment.captured_amount == Money("9.99", "GEL")
    assert payment.method == "saved_card"
    assert payment.external_id == "sub-77-2025-06"
    assert payment.card.masked_number == "4***********1111"
    assert saved_card_id(payment) == kit.REC_ID


def test_a_customer_initiated_pre_authorized_charge(provider: TbcProvider, kit: Any):
    flow = provider.charge_saved_card(
        kit.REC_ID, Money("5", "USD"), initiator="customer", pre_auth=True
    )
    body = kit.json_of(next(flow))
    assert body == {
        "recId": kit.REC_ID,
        "money": {"amount": Decimal("5.00"), "currency": "USD"},
        "preAuth": True,
    }


def test_a_charge_answered_for_another_amount_is_unreadable(provider: TbcProvider, kit: Any):
    from payments_core import ProviderResponseError

    flow = provider.charge_saved_card(kit.REC_ID, Money("9.99", "GEL"))
    next(flow)
    answer = kit.details(payId="rr55tt66uu77vv8899", amount=99, confirmedAmount=99)
    with pytest.raises(ProviderResponseError):
        flow.send(kit.respond(200, answer))


async def test_charge_and_delete_through_the_facade(gateway: Any, fake_tbc: Any, kit: Any):
    first = await gateway.create_payment(
        kit.payment_request(provider_options={"save_card": True}, payment_methods=["card"])
    )
    assert kit.json_of(fake_tbc.api_requests()[0])["saveCard"] is True
    fake_tbc.pay(first.id)
    rec_id = saved_card_id(await gateway.get_payment(first.id))
    assert rec_id == kit.REC_ID

    tbc = _tbc(gateway)
    charged = await _call(gateway, tbc.charge_saved_card(rec_id, Money("9.99", "GEL")))
    assert charged.status is PaymentStatus.CAPTURED
    assert charged.id in fake_tbc.payments
    held = await _call(gateway, tbc.charge_saved_card(rec_id, Money("20.00", "GEL"), pre_auth=True))
    assert held.status is PaymentStatus.AUTHORIZED
    assert held.capture is CaptureMode.MANUAL

    assert await _call(gateway, tbc.delete_saved_card(rec_id)) is True
    assert await _call(gateway, tbc.delete_saved_card(rec_id)) is False
    deletes = [r for r in fake_tbc.requests if r.url.path.endswith("/delete")]
    assert [r.url.path for r in deletes] == [f"/v1/tpay/payments/{rec_id}/delete"] * 2
    assert all(r.content == b"" for r in deletes)

    with pytest.raises(PaymentDeclinedError) as caught:
        await _call(gateway, tbc.charge_saved_card(rec_id, Money("1.00", "GEL")))
    assert caught.value.decline_code is DeclineCode.GENERIC_DECLINE


async def test_a_repeated_charge_with_the_same_key_returns_the_first_payment(
    gateway: Any, fake_tbc: Any, kit: Any
):
    fake_tbc.cards.add(kit.REC_ID)
    tbc = _tbc(gateway)
    first = await _call(
        gateway, tbc.charge_saved_card(kit.REC_ID, Money("9.99", "GEL"), idempotency_key="k-1")
    )
    again = await _call(
        gateway, tbc.charge_saved_card(kit.REC_ID, Money("9.99", "GEL"), idempotency_key="k-1")
    )
    assert again == first
    assert len([r for r in fake_tbc.requests if r.url.path.endswith("/execution")]) == 1


def test_hooks_see_the_operations_and_may_veto_them(payments: Payments, fake_tbc: Any, kit: Any):
    seen: list[tuple[str, Any]] = []

    class Observer:
        @hookimpl
        def payments_before_operation(
            self, operation: str, provider: str, gateway: str, request: Any
        ):
            seen.append((operation, request))

    payments.register_plugin(Observer())
    fake_tbc.cards.add(kit.REC_ID)
    tbc = TbcPayments(payments)
    tbc.charge_saved_card(kit.REC_ID, Money("9.99", "GEL"), merchant_payment_id="m-1")
    tbc.delete_saved_card(kit.REC_ID)

    (charge_op, charge), (delete_op, delete) = seen
    assert charge_op == "charge_saved_card"
    assert isinstance(charge, SavedCardCharge)
    assert (charge.rec_id, charge.amount, charge.external_id) == (
        kit.REC_ID,
        Money("9.99", "GEL"),
        "m-1",
    )
    assert delete_op == "delete_saved_card"
    assert delete == SavedCardDeletion(rec_id=kit.REC_ID)


def test_the_wrappers_need_a_tbc_gateway_of_their_kind(payments: Payments):
    with pytest.raises(ConfigurationError):
        AsyncTbcPayments(payments)  # type: ignore[arg-type]
    dummy = Payments("dummy", autoload_plugins=False)
    with pytest.raises(ConfigurationError):
        TbcPayments(dummy)
    dummy.close()
    assert "TbcPayments" in repr(TbcPayments(payments))
