"""Pre-authorization: WaitingConfirm, completion (§4 E, §11) and release by cancel."""

from __future__ import annotations

from typing import Any

from payments_tbc.sandbox import TbcSandbox


async def held(tbc: Any, total: Any = 100) -> str:
    pay_id: str = await tbc.paid(preAuth=True, amount={"currency": "GEL", "total": total})
    return pay_id


async def test_an_approved_pre_auth_waits_with_nothing_confirmed(tbc: Any) -> None:
    details = await tbc.details(await held(tbc))

    assert details["status"] == "WaitingConfirm"
    assert (details["amount"], details["confirmedAmount"]) == (100, 0)
    assert (details["preAuth"], details["resultCode"]) == (True, "approved")


async def test_completion_of_less_answers_fixture_7(tbc: Any) -> None:
    response = await tbc.complete(await held(tbc), 80)

    assert response.status_code == 200
    assert response.json() == {
        "status": "Succeeded",
        "amount": 100,
        "confirmedAmount": 80,
        "httpStatusCode": 200,
        "developerMessage": None,
        "userMessage": None,
    }


async def test_completion_of_the_whole_hold_confirms_it_all(tbc: Any) -> None:
    pay_id = await held(tbc)

    await tbc.complete(pay_id, 100)

    details = await tbc.details(pay_id)
    assert (details["status"], details["confirmedAmount"]) == ("Succeeded", 100)


async def test_completion_over_the_authorized_amount_is_refused(tbc: Any, problem: Any) -> None:
    body = problem(await tbc.complete(await held(tbc), 100.01), 400, "authorized amount", 3)

    assert body["resultCode"] == "decline_general"


async def test_completion_needs_an_amount(tbc: Any, problem: Any) -> None:
    pay_id = await held(tbc)

    problem(await tbc.call("POST", f"/payments/{pay_id}/completion", {}), 400, "'amount'", 1)


async def test_completion_within_30_days_is_accepted(tbc: Any, sandbox: TbcSandbox) -> None:
    pay_id = await held(tbc)
    sandbox.advance_clock(30 * 86400)
    await tbc.login()

    assert (await tbc.complete(pay_id, 100)).status_code == 200


async def test_completion_after_30_days_is_refused(
    tbc: Any, sandbox: TbcSandbox, problem: Any
) -> None:
    pay_id = await held(tbc)
    sandbox.advance_clock(30 * 86400 + 1)
    await tbc.login()

    problem(await tbc.complete(pay_id, 100), 400, "older than 30 days", 5)


async def test_a_completed_payment_cannot_be_completed_again(tbc: Any, problem: Any) -> None:
    pay_id = await held(tbc)
    await tbc.complete(pay_id, 50)

    problem(await tbc.complete(pay_id, 50), 400, "status Succeeded", 2)


async def test_a_sale_cannot_be_completed(tbc: Any, problem: Any) -> None:
    problem(await tbc.complete(await tbc.paid(), 10), 400, "waiting for confirmation", 2)


async def test_completion_of_an_unknown_payment_is_404(tbc: Any, problem: Any) -> None:
    problem(await tbc.complete("nosuchpayment0000", 1), 404, "PaymentNotFound")


async def test_full_cancel_of_a_hold_releases_it(tbc: Any, sandbox: TbcSandbox) -> None:
    pay_id = await held(tbc)

    assert (await tbc.cancel(pay_id)).status_code == 200

    details = await tbc.details(pay_id)
    assert (details["status"], details["confirmedAmount"]) == ("Returned", 0)
    assert details["returnedAmount"] == 100
    assert sandbox.counters.releases == 1


async def test_partial_cancel_of_a_hold_is_refused(tbc: Any, problem: Any) -> None:
    pay_id = await held(tbc)

    problem(await tbc.cancel(pay_id, 10), 400, "complete a smaller amount instead", 2)

    assert (await tbc.details(pay_id))["status"] == "WaitingConfirm"


async def test_refunds_after_completion_are_limited_to_the_confirmed_amount(
    tbc: Any, problem: Any
) -> None:
    pay_id = await held(tbc)
    await tbc.complete(pay_id, 80)

    problem(await tbc.cancel(pay_id, 90), 400, "exceeds refundable amount", 3)
    await tbc.cancel(pay_id)

    details = await tbc.details(pay_id)
    assert (details["status"], details["returnedAmount"]) == ("Returned", 80)


async def test_completion_sends_no_callback(tbc: Any, receiver: Any) -> None:
    pay_id = await held(tbc)
    receiver.requests.clear()

    await tbc.complete(pay_id, 100)

    assert receiver.requests == []
