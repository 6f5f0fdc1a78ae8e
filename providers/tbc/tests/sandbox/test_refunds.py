"""POST /payments/{payId}/cancel on captured payments: full and partial refunds (§12)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from payments_tbc.sandbox import TbcSandbox

ENVELOPE = {"httpStatusCode": 200, "developerMessage": None, "userMessage": None}


async def test_cancel_answers_the_bare_envelope(tbc: Any) -> None:
    response = await tbc.cancel(await tbc.paid())

    assert response.status_code == 200
    assert response.json() == ENVELOPE


async def test_cancel_without_amount_returns_everything(tbc: Any) -> None:
    pay_id = await tbc.paid()

    await tbc.cancel(pay_id)

    details = await tbc.details(pay_id)
    assert (details["status"], details["returnedAmount"]) == ("Returned", 49.9)
    assert details["confirmedAmount"] == 49.9


async def test_cancel_with_an_empty_json_object_is_a_full_refund(tbc: Any) -> None:
    pay_id = await tbc.paid()

    await tbc.call("POST", f"/payments/{pay_id}/cancel", {})

    assert (await tbc.details(pay_id))["status"] == "Returned"


async def test_partial_cancel_leaves_partial_returned(tbc: Any) -> None:
    pay_id = await tbc.paid()

    await tbc.cancel(pay_id, 10)

    details = await tbc.details(pay_id)
    assert (details["status"], details["returnedAmount"]) == ("PartialReturned", 10)


async def test_a_second_partial_cancel_the_same_day_is_refused(tbc: Any, problem: Any) -> None:
    pay_id = await tbc.paid()
    await tbc.cancel(pay_id, 10)

    body = problem(await tbc.cancel(pay_id, 5), 400, "already made on this payment today", 4)

    assert body["resultCode"] == "decline_general"
    assert (await tbc.details(pay_id))["returnedAmount"] == 10


async def test_a_partial_cancel_is_allowed_again_the_next_day(
    tbc: Any, sandbox: TbcSandbox
) -> None:
    pay_id = await tbc.paid()
    await tbc.cancel(pay_id, 10)
    sandbox.advance_clock(12 * 3600)  # noon to midnight in Tbilisi: the next bank day

    response = await tbc.cancel(pay_id, 5)

    assert response.status_code == 200
    assert (await tbc.details(pay_id))["returnedAmount"] == 15


async def test_a_full_cancel_is_allowed_after_a_partial_one_the_same_day(tbc: Any) -> None:
    pay_id = await tbc.paid()
    await tbc.cancel(pay_id, 10)

    response = await tbc.cancel(pay_id)

    assert response.status_code == 200
    details = await tbc.details(pay_id)
    assert (details["status"], details["returnedAmount"]) == ("Returned", 49.9)


async def test_the_partial_cancel_day_is_tbilisi_time_across_its_midnight(
    make_sandbox: Any, tbc_for: Any
) -> None:
    # 23:30 in Tbilisi (UTC+4): one hour later is the next bank day.
    sandbox: TbcSandbox = make_sandbox(clock=lambda: datetime(2025, 6, 2, 19, 30, tzinfo=UTC))
    tbc = await tbc_for(sandbox)
    pay_id = await tbc.paid()
    await tbc.cancel(pay_id, 1)
    sandbox.advance_clock(3600)

    assert (await tbc.cancel(pay_id, 1)).status_code == 200


async def test_the_partial_cancel_day_does_not_turn_at_utc_midnight(
    make_sandbox: Any, tbc_for: Any
) -> None:
    # 23:30 UTC is 03:30 in Tbilisi: one hour later is still the same bank day.
    sandbox: TbcSandbox = make_sandbox(clock=lambda: datetime(2025, 6, 2, 23, 30, tzinfo=UTC))
    tbc = await tbc_for(sandbox)
    pay_id = await tbc.paid()
    await tbc.cancel(pay_id, 1)
    sandbox.advance_clock(3600)

    assert (await tbc.cancel(pay_id, 1)).status_code == 400


async def test_refund_over_the_refundable_amount_is_refused_like_fixture_10b(
    tbc: Any, problem: Any
) -> None:
    pay_id = await tbc.paid()
    await tbc.cancel(pay_id, 40)

    body = problem(await tbc.cancel(pay_id, 10), 400, "Amount exceeds refundable amount", 3)

    assert body["resultCode"] == "decline_general"
    assert body["title"] == "Bad Request"


async def test_a_partial_cancel_of_the_whole_remainder_returns_it(tbc: Any) -> None:
    pay_id = await tbc.paid()

    await tbc.cancel(pay_id, 49.9)

    assert (await tbc.details(pay_id))["status"] == "Returned"


async def test_cancel_amount_must_have_at_most_two_decimals(tbc: Any, problem: Any) -> None:
    pay_id = await tbc.paid()

    response = await tbc.call("POST", f"/payments/{pay_id}/cancel", content='{"amount":1.005}')

    problem(response, 400, "at most 2 decimal places", 1)


async def test_cancel_amount_must_be_positive(tbc: Any, problem: Any) -> None:
    problem(await tbc.cancel(await tbc.paid(), 0), 400, "greater than 0", 1)


async def test_a_returned_payment_cannot_be_cancelled_again(tbc: Any, problem: Any) -> None:
    pay_id = await tbc.paid()
    await tbc.cancel(pay_id)

    problem(await tbc.cancel(pay_id), 400, "status Returned cannot be cancelled", 2)


async def test_an_unpaid_payment_cannot_be_cancelled(tbc: Any, problem: Any) -> None:
    problem(await tbc.cancel(await tbc.create_id()), 400, "status Created", 2)


async def test_a_failed_payment_cannot_be_cancelled(tbc: Any, problem: Any) -> None:
    problem(await tbc.cancel(await tbc.paid("4000000000000002")), 400, "status Failed", 2)


async def test_cancel_of_an_unknown_payment_is_404(tbc: Any, problem: Any) -> None:
    problem(await tbc.cancel("nosuchpayment0000"), 404, "PaymentNotFound")


async def test_a_repeated_cancel_refunds_twice(tbc: Any, sandbox: TbcSandbox) -> None:
    pay_id = await tbc.paid()
    await tbc.cancel(pay_id, 10)
    sandbox.advance_clock(12 * 3600)  # noon to midnight in Tbilisi: the next bank day
    await tbc.cancel(pay_id, 10)

    assert (await tbc.details(pay_id))["returnedAmount"] == 20
    assert sandbox.counters.refunds == 2


async def test_refunds_send_no_callback(tbc: Any, receiver: Any) -> None:
    pay_id = await tbc.paid()
    receiver.requests.clear()

    await tbc.cancel(pay_id, 10)
    await tbc.cancel(pay_id)

    assert receiver.requests == []


async def test_cancel_of_a_split_payment_needs_iban_and_amount(tbc: Any, problem: Any) -> None:
    pay_id = await tbc.paid(extra="GE54TB0000000000000001", extra2="20")

    problem(await tbc.cancel(pay_id, 10), 400, "required to cancel a split payment", 1)


async def test_cancel_of_a_split_payment_with_iban_and_amount_is_accepted(tbc: Any) -> None:
    pay_id = await tbc.paid(extra="GE54TB0000000000000001", extra2="20")

    response = await tbc.call(
        "POST",
        f"/payments/{pay_id}/cancel",
        {"amount": 10, "extra": "GE54TB0000000000000001", "extra2": "10"},
    )

    assert response.status_code == 200
