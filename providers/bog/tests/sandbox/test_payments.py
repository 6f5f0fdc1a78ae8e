"""Paying an order with the test cards and other methods."""

from __future__ import annotations

from typing import Any

import pytest
from payments_bog.sandbox import TEST_CARDS, BogSandbox, OrderError

SUCCESS_CARDS = ["4000000000000001", "5300000000000001", "3700000000000001"]
NO_FUNDS_CARDS = ["4000000000000002", "5300000000000002", "3700000000000002"]
DECLINE_CARDS = [card for card in TEST_CARDS.values() if card.code != "100"]


@pytest.mark.parametrize("card", SUCCESS_CARDS)
async def test_success_card_completes_the_order(bog: Any, card: str) -> None:
    receipt = await bog.receipt(await bog.paid(card))

    assert receipt["order_status"]["key"] == "completed"
    assert receipt["payment_detail"]["code"] == "100"
    assert receipt["reject_reason"] is None


@pytest.mark.parametrize("card", NO_FUNDS_CARDS)
async def test_insufficient_funds_card_rejects_with_code_107(bog: Any, card: str) -> None:
    receipt = await bog.receipt(await bog.paid(card))

    assert receipt["order_status"] == {"key": "rejected", "value": "უარყოფილი"}
    assert receipt["purchase_units"]["transfer_amount"] == "0.0"
    detail = receipt["payment_detail"]
    assert detail["code"] == "107"
    assert detail["code_description"] == "Payment declined due to insufficient funds in the account"
    assert receipt["reject_reason"] == detail["code_description"]
    assert detail["auth_code"] is None


@pytest.mark.parametrize("card", DECLINE_CARDS, ids=lambda card: card.number)
async def test_each_decline_card_rejects_with_its_code(bog: Any, card: Any) -> None:
    receipt = await bog.receipt(await bog.paid(card.number))

    assert receipt["order_status"]["key"] == "rejected"
    assert receipt["payment_detail"]["code"] == card.code
    assert receipt["reject_reason"] == card.description


async def test_card_0003_pays_its_first_payment(bog: Any) -> None:
    receipt = await bog.receipt(await bog.paid("4000000000000003"))

    assert receipt["order_status"]["key"] == "completed"


async def test_amex_card_type_is_amex(bog: Any) -> None:
    receipt = await bog.receipt(await bog.paid("3700000000000001"))

    assert receipt["payment_detail"]["card_type"] == "amex"


async def test_card_number_may_be_typed_with_spaces(bog: Any, sandbox: BogSandbox) -> None:
    order_id = await bog.create_id()

    receipt = await sandbox.pay(order_id, "4000 0000 0000 0001")

    assert receipt["order_status"]["key"] == "completed"


async def test_automatic_payment_passes_through_processing(bog: Any, sandbox: BogSandbox) -> None:
    order_id = await bog.paid()

    assert sandbox.store.order(order_id).history == ["created", "processing", "completed"]


async def test_paid_order_cannot_be_paid_again(bog: Any, sandbox: BogSandbox) -> None:
    order_id = await bog.paid()

    with pytest.raises(OrderError, match="can no longer be paid"):
        await sandbox.pay(order_id, "4000000000000001")


async def test_unknown_card_number_is_refused(bog: Any, sandbox: BogSandbox) -> None:
    order_id = await bog.create_id()

    with pytest.raises(OrderError, match="Unknown test card"):
        await sandbox.pay(order_id, "4111111111111111")


async def test_internet_banking_pays_when_the_order_allows_every_method(
    bog: Any, sandbox: BogSandbox
) -> None:
    order_id = await bog.create_id()

    receipt = await sandbox.pay(order_id, "bog_p2p")

    assert receipt["order_status"]["key"] == "completed"
    assert receipt["payment_detail"]["transfer_method"]["key"] == "bog_p2p"
    assert receipt["payment_detail"]["card_type"] is None


async def test_loan_payment_shows_the_first_letter_of_the_name(
    bog: Any, make_body: Any, sandbox: BogSandbox
) -> None:
    body = make_body(
        payment_method=["bnpl"],
        config={"loan": {"type": "STANDARD", "month": 4}},
        buyer={"full_name": "Nino Beridze"},
    )
    order_id = await bog.create_id(body)

    receipt = await sandbox.pay(order_id, "bnpl")

    assert receipt["payment_detail"]["payer_identifier"] == "N"


async def test_a_method_the_order_does_not_allow_is_refused(
    bog: Any, make_body: Any, sandbox: BogSandbox
) -> None:
    order_id = await bog.create_id(make_body(payment_method=["card"]))

    with pytest.raises(OrderError, match="not allowed"):
        await sandbox.pay(order_id, "bog_p2p")


async def test_card_is_refused_when_the_order_allows_only_internet_banking(
    bog: Any, make_body: Any, sandbox: BogSandbox
) -> None:
    order_id = await bog.create_id(make_body(payment_method=["bog_p2p"]))

    with pytest.raises(OrderError, match="Card payments are not allowed"):
        await sandbox.pay(order_id, "4000000000000001")


async def test_paying_over_http_control_endpoint(bog: Any) -> None:
    order_id = await bog.create_id()

    response = await bog.http.post(
        f"/sandbox/orders/{order_id}/pay", json={"card": "4000000000000002"}
    )

    assert response.status_code == 200
    assert response.json()["payment_detail"]["code"] == "107"


async def test_paying_an_unknown_order_over_http_is_invalid_order_id(bog: Any) -> None:
    response = await bog.http.post("/sandbox/orders/nope/pay", json={"card": "4000000000000001"})

    assert response.status_code == 400
    assert response.json() == {"message": "Invalid order_id"}


async def test_split_completes_with_the_payment(bog: Any, make_body: Any) -> None:
    split = {"split_payments": [{"iban": "GE29BG0000000123456789", "percent": 50}]}
    order_id = await bog.paid(body=make_body(config={"split": split}))

    receipt = await bog.receipt(order_id)

    assert receipt["split"]["split_status"] == "completed"
