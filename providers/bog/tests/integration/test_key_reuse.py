"""One idempotency store in the core: a key is one operation, across retries and repeats.

A repeat after a lost answer resends the very bytes sent the first time (BOG
replays its first outcome); the same key with other parameters is refused
before anything is sent.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from payments_bog.sandbox import BogSandbox, Fault

from payments_core import (
    ErrorCode,
    InvalidRequestError,
    Money,
    OutcomeUnknownError,
    PaymentRequest,
    PaymentStatus,
)

from .conftest import AMOUNT, Shop, paid

Checkout = Callable[..., PaymentRequest]


def gel(amount: str) -> Money:
    return Money(amount, "GEL")


async def test_the_same_refund_key_with_another_amount_is_a_conflict_and_nothing_is_sent(
    shop: Shop, sandbox: BogSandbox, checkout: Checkout
) -> None:
    payment = await paid(shop, sandbox, checkout)
    await shop.refund(payment.id, gel("20.00"), idempotency_key="refund-k")

    with pytest.raises(InvalidRequestError) as conflict:
        await shop.refund(payment.id, gel("30.00"), idempotency_key="refund-k")

    assert conflict.value.code is ErrorCode.IDEMPOTENCY_CONFLICT
    assert sandbox.counters.refunds_by_idempotency_key == {"refund-k": 1}
    after = await shop.get_payment(payment.id)
    assert after.refunded_amount == gel("20.00")


async def test_a_full_refund_whose_answer_was_lost_is_repeated_with_the_same_bytes(
    shop: Shop, sandbox: BogSandbox, checkout: Checkout
) -> None:
    payment = await paid(shop, sandbox, checkout)
    sandbox.add_fault(Fault("refund", "drop", times=None, when="after"))

    with pytest.raises(OutcomeUnknownError) as unknown:
        await shop.refund(payment.id, idempotency_key="refund-lost")
    assert unknown.value.safe_to_repeat is True
    sandbox.clear_faults()

    # The refund went through; the checks before sending would now refuse it as
    # "nothing left to refund". The repeat skips them and BOG replays its answer.
    operation = await shop.refund(payment.id, idempotency_key="refund-lost")

    assert operation.payment_id == payment.id
    assert sandbox.counters.refunds_by_idempotency_key["refund-lost"] == 1
    after = await shop.get_payment(payment.id)
    assert after.refunded_amount == AMOUNT
    assert after.status is PaymentStatus.REFUNDED
