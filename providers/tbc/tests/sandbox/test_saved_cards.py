"""Saved cards: registration (saveCard), execution (§4 F), deletion (§4 G)."""

from __future__ import annotations

import re
from typing import Any

from payments_tbc.sandbox import SavedCardState, TbcSandbox

ENVELOPE = {"httpStatusCode": 200, "developerMessage": None, "userMessage": None}


async def test_a_paid_registration_shows_the_recurring_card(tbc: Any) -> None:
    created = (await tbc.create(_registration())).json()
    await tbc.sandbox.pay(created["payId"], "4000000000000001")

    details = await tbc.details(created["payId"])

    assert details["recurringCard"] == {
        "recId": created["recId"],
        "cardMask": "4***********0001",
        "expiryDate": "1230",
    }


async def test_an_unpaid_registration_has_no_recurring_card(tbc: Any) -> None:
    created = (await tbc.create(_registration())).json()

    assert (await tbc.details(created["payId"]))["recurringCard"] is None


async def test_save_card_to_date_before_the_card_expiry_is_kept(tbc: Any) -> None:
    rec_id = await tbc.saved_card(saveCardToDate="0627")

    assert tbc.sandbox.payments.saved_cards[rec_id].expiry_date == "0627"


async def test_save_card_to_date_beyond_the_card_expiry_gives_the_card_expiry(tbc: Any) -> None:
    rec_id = await tbc.saved_card(saveCardToDate="1044")

    assert tbc.sandbox.payments.saved_cards[rec_id].expiry_date == "1230"


async def test_execution_answers_fixture_9_shape(tbc: Any) -> None:
    rec_id = await tbc.saved_card()

    response = await tbc.execute(rec_id, 9.99, initiator="merchant", merchantPaymentId="sub-77")

    assert response.status_code == 200
    body = response.json()
    assert list(body) == [
        "payId",
        "status",
        "currency",
        "amount",
        "confirmedAmount",
        "returnedAmount",
        "links",
        "transactionId",
        "paymentMethod",
        "preAuth",
        "recurringCard",
        "httpStatusCode",
        "developerMessage",
        "userMessage",
    ]
    assert body["status"] == "Succeeded"
    assert (body["amount"], body["confirmedAmount"], body["returnedAmount"]) == (9.99, 9.99, 0)
    assert body["links"] is None
    assert re.fullmatch(r"[A-Za-z0-9+/]{27}=", body["transactionId"])
    assert body["paymentMethod"] == 11
    assert body["recurringCard"] == {
        "recId": rec_id,
        "cardMask": "4***********0001",
        "expiryDate": "1230",
    }


async def test_an_executed_payment_can_be_read_and_refunded(tbc: Any) -> None:
    pay_id = (await tbc.execute(await tbc.saved_card())).json()["payId"]

    assert (await tbc.cancel(pay_id)).status_code == 200
    details = await tbc.details(pay_id)
    assert (details["status"], details["resultCode"]) == ("Returned", "approved")
    assert (details["links"], details["paymentMethod"]) == (None, 11)


async def test_execution_with_pre_auth_waits_for_confirmation(tbc: Any) -> None:
    body = (await tbc.execute(await tbc.saved_card(), 20, preAuth=True)).json()

    assert (body["status"], body["confirmedAmount"]) == ("WaitingConfirm", 0)
    assert (await tbc.complete(body["payId"], 20)).json()["status"] == "Succeeded"


async def test_a_card_declining_later_charges_fails_the_execution(tbc: Any) -> None:
    body = (await tbc.execute(await tbc.saved_card("4000000000000012"))).json()

    assert body["status"] == "Failed"
    assert (await tbc.details(body["payId"]))["resultCode"] == "decline_not_sufficient_funds"


async def test_execution_after_the_saved_expiry_fails_as_expired_card(
    tbc: Any, sandbox: TbcSandbox
) -> None:
    rec_id = await tbc.saved_card(saveCardToDate="0625")
    sandbox.advance_clock(30 * 86400)  # 2 July 2025
    await tbc.login()

    body = (await tbc.execute(rec_id)).json()

    assert body["status"] == "Failed"
    assert (await tbc.details(body["payId"]))["resultCode"] == "decline_expired_card"


async def test_a_repeated_execution_charges_twice(tbc: Any, sandbox: TbcSandbox) -> None:
    rec_id = await tbc.saved_card()

    first = (await tbc.execute(rec_id)).json()
    second = (await tbc.execute(rec_id)).json()

    assert first["payId"] != second["payId"]
    assert sandbox.counters.executions == 2


async def test_execution_with_an_unknown_rec_id_is_refused(tbc: Any, problem: Any) -> None:
    body = problem(await tbc.execute("0" * 32), 400, "Saved card not found", 6)

    assert body["resultCode"] == "decline_general"


async def test_execution_before_the_registration_is_paid_is_refused(tbc: Any, problem: Any) -> None:
    rec_id = (await tbc.create(_registration())).json()["recId"]

    problem(await tbc.execute(rec_id), 400, "registration pending", 6)


async def test_execution_after_a_failed_registration_is_refused(tbc: Any, problem: Any) -> None:
    rec_id = await tbc.saved_card("4000000000000002")

    problem(await tbc.execute(rec_id), 400, "registration failed", 6)


async def test_a_card_saved_with_pre_auth_is_usable_only_after_completion(
    tbc: Any, problem: Any
) -> None:
    created = (await tbc.create(_registration(preAuth=True))).json()
    await tbc.sandbox.pay(created["payId"], "4000000000000001")

    problem(await tbc.execute(created["recId"]), 400, "registration awaiting_completion", 6)
    await tbc.complete(created["payId"], 49.9)

    assert (await tbc.execute(created["recId"])).json()["status"] == "Succeeded"


async def test_execution_needs_money_not_amount_total(tbc: Any, problem: Any) -> None:
    rec_id = await tbc.saved_card()
    payload = {"recId": rec_id, "amount": {"currency": "GEL", "total": 5}}

    problem(await tbc.call("POST", "/payments/execution", payload), 400, "'money' is required", 1)


async def test_execution_needs_a_rec_id(tbc: Any, problem: Any) -> None:
    payload = {"money": {"amount": 5, "currency": "GEL"}}

    problem(await tbc.call("POST", "/payments/execution", payload), 400, "'recId'", 1)


async def test_execution_amount_follows_the_money_rules(tbc: Any, problem: Any) -> None:
    problem(await tbc.execute(await tbc.saved_card(), 0), 400, "'money.amount'", 1)


async def test_execution_initiator_is_merchant_or_nothing(tbc: Any, problem: Any) -> None:
    response = await tbc.execute(await tbc.saved_card(), initiator="robot")

    problem(response, 400, "'initiator'", 1)


async def test_execution_extra_follows_the_25_character_rule(tbc: Any, problem: Any) -> None:
    response = await tbc.execute(await tbc.saved_card(), extra="x" * 26)

    problem(response, 400, "'extra' must be at most 25", 1)


async def test_delete_answers_the_envelope_and_stops_charges(
    tbc: Any, sandbox: TbcSandbox, problem: Any
) -> None:
    rec_id = await tbc.saved_card()

    response = await tbc.delete_card(rec_id)

    assert response.status_code == 200
    assert response.json() == ENVELOPE
    assert sandbox.payments.saved_cards[rec_id].state is SavedCardState.DELETED
    problem(await tbc.execute(rec_id), 400, "Saved card not found", 6)


async def test_a_deleted_card_no_longer_shows_on_its_registration(tbc: Any) -> None:
    created = (await tbc.create(_registration())).json()
    await tbc.sandbox.pay(created["payId"], "4000000000000001")

    await tbc.delete_card(created["recId"])

    assert (await tbc.details(created["payId"]))["recurringCard"] is None


async def test_delete_of_an_unknown_card_is_404(tbc: Any, problem: Any) -> None:
    body = problem(await tbc.delete_card("0" * 32), 404, "RecurringCardNotFound")

    assert body["title"] == "InvalidRecurringCard"


async def test_delete_twice_is_404_the_second_time(tbc: Any, problem: Any) -> None:
    rec_id = await tbc.saved_card()
    await tbc.delete_card(rec_id)

    problem(await tbc.delete_card(rec_id), 404, "RecurringCardNotFound")


def _registration(**changes: Any) -> dict[str, Any]:
    return {
        "amount": {"currency": "GEL", "total": 49.9},
        "returnurl": "https://shop.example/r",
        "saveCard": True,
        "methods": [5],
        **changes,
    }
