"""Status transitions (reference §5 [INF]) as the payments' histories show them."""

from __future__ import annotations

from typing import Any

from payments_tbc.sandbox import PaymentStatus, TbcSandbox


async def test_a_sale_goes_created_processing_succeeded(tbc: Any, sandbox: TbcSandbox) -> None:
    pay_id = await tbc.paid()

    assert sandbox.payments[pay_id].history == ["Created", "Processing", "Succeeded"]


async def test_a_decline_goes_created_processing_failed(tbc: Any, sandbox: TbcSandbox) -> None:
    pay_id = await tbc.paid("4000000000000002")

    assert sandbox.payments[pay_id].history == ["Created", "Processing", "Failed"]


async def test_a_pre_auth_waits_for_confirmation(tbc: Any, sandbox: TbcSandbox) -> None:
    pay_id = await tbc.paid(preAuth=True)

    assert sandbox.payments[pay_id].history == ["Created", "Processing", "WaitingConfirm"]


async def test_a_completion_passes_through_completion_processing(
    tbc: Any, sandbox: TbcSandbox
) -> None:
    pay_id = await tbc.paid(preAuth=True)

    await tbc.complete(pay_id, 49.9)

    assert sandbox.payments[pay_id].history[-2:] == [
        "PaymentCompletionProcessing",
        "Succeeded",
    ]


async def test_a_refund_passes_through_cancel_processing(tbc: Any, sandbox: TbcSandbox) -> None:
    pay_id = await tbc.paid()

    await tbc.cancel(pay_id, 10)
    await tbc.cancel(pay_id)

    assert sandbox.payments[pay_id].history == [
        "Created",
        "Processing",
        "Succeeded",
        "CancelPaymentProcessing",
        "PartialReturned",
        "CancelPaymentProcessing",
        "Returned",
    ]


async def test_an_unpaid_session_expires_straight_from_created(
    tbc: Any, sandbox: TbcSandbox
) -> None:
    pay_id = await tbc.create_id()

    await sandbox.expire(pay_id)

    assert sandbox.payments[pay_id].history == ["Created", "Expired"]
    assert sandbox.payments[pay_id].status is PaymentStatus.EXPIRED
