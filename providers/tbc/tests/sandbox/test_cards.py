"""The test cards: each one's outcome on the page, as status and resultCode."""

from __future__ import annotations

from typing import Any

import pytest
from payments_tbc.sandbox import TEST_CARDS, CardOutcome, SandboxCard, TbcSandbox

DECLINING = [card for card in TEST_CARDS.values() if card.outcome is CardOutcome.DECLINED]


def test_there_is_a_card_for_every_documented_decline_code() -> None:
    codes = {card.result_code for card in DECLINING}

    assert codes == {
        "decline_general",
        "decline_expired_card",
        "decline_suspected_fraud",
        "decline_restricted_card",
        "decline_invalid_card_number",
        "decline_not_sufficient_funds",
        "decline_card_not_effective",
        "check_with_acquirer",
    }


def test_card_numbers_are_16_digits_and_labelled_in_both_languages() -> None:
    for number, card in TEST_CARDS.items():
        assert number == card.number
        assert len(number) == 16
        assert number.isdigit()
        assert card.label("EN")
        assert card.label("KA") != card.label("EN")


async def test_the_success_card_pays(tbc: Any) -> None:
    details = await tbc.details(await tbc.paid("4000000000000001"))

    assert (details["status"], details["resultCode"]) == ("Succeeded", "approved")


@pytest.mark.parametrize("card", DECLINING, ids=lambda card: card.result_code)
async def test_a_declining_card_fails_with_its_result_code(tbc: Any, card: SandboxCard) -> None:
    details = await tbc.details(await tbc.paid(card.number))

    assert details["status"] == "Failed"
    assert details["resultCode"] == card.result_code
    assert details["confirmedAmount"] == 0


async def test_a_3ds_failure_fails_with_decline_general(tbc: Any) -> None:
    details = await tbc.details(await tbc.paid("4000000000000010"))

    assert (details["status"], details["resultCode"]) == ("Failed", "decline_general")


async def test_an_abandoned_3ds_leaves_the_payment_processing(
    tbc: Any, sandbox: TbcSandbox, receiver: Any
) -> None:
    pay_id = await tbc.paid("4000000000000011")

    details = await tbc.details(pay_id)

    assert details["status"] == "Processing"
    assert details["resultCode"] is None
    assert receiver.requests == []


async def test_an_abandoned_3ds_session_expires_on_time(tbc: Any, sandbox: TbcSandbox) -> None:
    pay_id = await tbc.paid("4000000000000011")
    sandbox.advance_clock(12 * 60)

    details = await tbc.details(pay_id)

    assert details["status"] == "Expired"
    assert sandbox.payments[pay_id].history == ["Created", "Processing", "Expired"]


async def test_card_mask_keeps_the_first_digit_and_the_last_four(tbc: Any) -> None:
    rec_id = await tbc.saved_card("5200000000000001")

    card = TEST_CARDS["5200000000000001"]
    assert card.masked == "5***********0001"
    assert rec_id in tbc.sandbox.payments.saved_cards


async def test_pay_helper_accepts_a_sandbox_card(tbc: Any, sandbox: TbcSandbox) -> None:
    pay_id = await tbc.create_id()

    details = await sandbox.pay(pay_id, card=TEST_CARDS["4000000000000005"])

    assert details["resultCode"] == "decline_suspected_fraud"


async def test_pay_helper_refuses_an_unknown_card(tbc: Any, sandbox: TbcSandbox) -> None:
    from payments_tbc.sandbox import ApiError

    pay_id = await tbc.create_id()

    with pytest.raises(ApiError, match="test cards"):
        await sandbox.pay(pay_id, card="4111111111111111")
