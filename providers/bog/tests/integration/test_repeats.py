"""A money action repeated with its idempotency key gets BOG's first answer, not a refusal.

After a timeout the library says "retry with the same key". If the first attempt
had gone through, the local checks (which read the receipt) would refuse the repeat
as "more than is refundable"; a platform would then record a refund that happened
as failed. The repeat must reach BOG, which answers it as the first time.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from payments_bog.sandbox import BogSandbox

from payments_core import CaptureMode, InvalidStateError, Money, PaymentRequest, PaymentStatus

from .conftest import AMOUNT, Shop, paid

Checkout = Callable[..., PaymentRequest]


def gel(amount: str) -> Money:
    return Money(amount, "GEL")


async def test_a_partial_refund_repeated_with_its_key_gets_the_first_answer(
    shop: Shop, sandbox: BogSandbox, checkout: Checkout
) -> None:
    payment = await paid(shop, sandbox, checkout)
    first = await shop.refund(payment.id, gel("20.00"), idempotency_key="refund-once")
    again = await shop.refund(payment.id, gel("20.00"), idempotency_key="refund-once")
    assert again.id == first.id
    assert sandbox.counters.refunds_by_idempotency_key["refund-once"] == 1
    after = await shop.get_payment(payment.id)
    assert after.refunded_amount == gel("20.00")
    assert after.status is PaymentStatus.PARTIALLY_REFUNDED


async def test_a_full_refund_repeated_with_its_key_sends_the_same_body(
    shop: Shop, sandbox: BogSandbox, checkout: Checkout
) -> None:
    payment = await paid(shop, sandbox, checkout)
    first = await shop.refund(payment.id, idempotency_key="refund-all")
    again = await shop.refund(payment.id, idempotency_key="refund-all")
    assert again.id == first.id
    assert (await shop.get_payment(payment.id)).refunded_amount == AMOUNT


async def test_a_capture_repeated_with_its_key_gets_the_first_answer(
    shop: Shop, sandbox: BogSandbox, checkout: Checkout
) -> None:
    payment = await paid(shop, sandbox, checkout, capture=CaptureMode.MANUAL)
    first = await shop.capture(payment.id, gel("10.00"), idempotency_key="capture-once")
    again = await shop.capture(payment.id, gel("10.00"), idempotency_key="capture-once")
    assert again.id == first.id
    assert (await shop.get_payment(payment.id)).captured_amount == gel("10.00")


async def test_a_new_refund_key_is_still_checked_before_sending(
    shop: Shop, sandbox: BogSandbox, checkout: Checkout
) -> None:
    payment = await paid(shop, sandbox, checkout)
    await shop.refund(payment.id, gel("20.00"), idempotency_key="first")
    refunds_before = dict(sandbox.counters.refunds_by_idempotency_key)
    with pytest.raises(InvalidStateError):
        await shop.refund(payment.id, gel("20.00"), idempotency_key="second")
    assert sandbox.counters.refunds_by_idempotency_key == refunds_before
