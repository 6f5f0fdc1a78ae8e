"""BOG's extras against the emulator: approve notes and splits, pending refunds, card deletion.

Each test runs under both facades (the ``shop`` fixture) unless it needs the async
one for the emulator's delayed settlement.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from payments_bog.sandbox import BogSandbox

from payments_core import (
    CaptureMode,
    ErrorCode,
    InvalidStateError,
    Money,
    OperationKind,
    PaymentRequest,
    PaymentStatus,
)

from .conftest import Shop, paid

Checkout = Callable[..., PaymentRequest]


async def test_a_capture_with_a_note_and_a_split_shows_the_split_on_the_payment(
    shop: Shop, sandbox: BogSandbox, checkout: Checkout
) -> None:
    held = await paid(shop, sandbox, checkout, capture=CaptureMode.MANUAL)
    split = [{"iban": "GE00BG0000000000000001", "amount": "2.50", "description": "courier"}]

    operation = await shop._call(
        shop.bog.capture, held.id, Money("20.00", "GEL"), description="shipped", split=split
    )

    payment = await shop.get_payment(held.id)
    assert operation.kind is OperationKind.CAPTURE
    assert payment.status is PaymentStatus.PARTIALLY_CAPTURED
    assert payment.captured_amount == Money("20.00", "GEL")
    assert payment.raw is not None
    assert payment.raw["split"]["split_status"] == "completed"
    assert payment.raw["split"]["split_payments"][0]["amount"] == "2.50"


async def test_a_void_with_a_note_releases_the_hold(
    shop: Shop, sandbox: BogSandbox, checkout: Checkout
) -> None:
    held = await paid(shop, sandbox, checkout, capture=CaptureMode.MANUAL)

    await shop._call(shop.bog.void, held.id, description="out of stock")

    assert (await shop.get_payment(held.id)).status is PaymentStatus.CANCELED


async def test_deleting_the_card_of_an_order_bog_does_not_know_says_already_gone(
    shop: Shop,
) -> None:
    deleted = await shop.delete_saved_card("5a1d2c4e-0000-4000-8000-000000000000")

    assert deleted is False


async def test_a_refund_while_one_is_pending_is_refused_without_asking_bog(
    connect: Callable[..., Shop], sandbox: BogSandbox, checkout: Checkout
) -> None:
    shop = connect("async")
    payment = await paid(shop, sandbox, checkout)
    sandbox.action_delay = 60
    try:
        await shop.refund(payment.id, Money("5.00", "GEL"))

        with pytest.raises(InvalidStateError) as raised:
            await shop.refund(payment.id, Money("5.00", "GEL"))

        assert raised.value.code is ErrorCode.INVALID_STATE
        assert raised.value.payment_id == payment.id
        assert "refund_requested" in raised.value.message
        refunds = [r for r in sandbox.counters.requests if r[1].startswith("/payments/v1/payment/")]
        assert len(refunds) == 1
    finally:
        await sandbox.aclose()
