"""POST /payment/refund/{id}: full and partial refunds."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from payments_bog.sandbox import BogSandbox


def ten_ninety(make_body: Any) -> dict[str, Any]:
    body = make_body()
    body["purchase_units"]["total_amount"] = Decimal("10.90")
    return dict(body)


async def test_refund_answers_request_received_with_an_action_id(bog: Any) -> None:
    order_id = await bog.paid()

    response = await bog.refund(order_id)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["key"] == "request_received"
    assert body["message"] == "Refund request received"
    assert len(body["action_id"]) == 36


async def test_refund_without_amount_refunds_everything(bog: Any, make_body: Any) -> None:
    order_id = await bog.paid(body=ten_ninety(make_body))

    action_id = (await bog.refund(order_id)).json()["action_id"]

    receipt = await bog.receipt(order_id)
    assert receipt["order_status"] == {"key": "refunded", "value": "დაბრუნებული"}
    assert receipt["purchase_units"]["transfer_amount"] == "0.0"
    assert receipt["purchase_units"]["refund_amount"] == "10.90"
    (action,) = receipt["actions"]
    assert action["action_id"] == action_id
    assert action["action"] == "refund"
    assert action["status"] == "completed"
    assert action["amount"] == "10.90"
    assert action["request_channel"] == "public_api"


async def test_partial_refunds_repeat_until_fully_refunded(bog: Any, make_body: Any) -> None:
    order_id = await bog.paid(body=ten_ninety(make_body))

    await bog.refund(order_id, Decimal("5.50"))
    partly = await bog.receipt(order_id)
    await bog.refund(order_id, Decimal("5.40"))
    fully = await bog.receipt(order_id)

    assert partly["order_status"]["key"] == "refunded_partially"
    assert partly["purchase_units"]["transfer_amount"] == "5.40"
    assert partly["purchase_units"]["refund_amount"] == "5.50"
    assert fully["order_status"]["key"] == "refunded"
    assert [a["action"] for a in fully["actions"]] == ["partial_refund", "refund"]


async def test_refund_passes_through_refund_requested(bog: Any, sandbox: BogSandbox) -> None:
    order_id = await bog.paid()

    await bog.refund(order_id)

    assert sandbox.store.order(order_id).history[-2:] == ["refund_requested", "refunded"]


async def test_refund_above_transferred_amount_is_refused(bog: Any) -> None:
    order_id = await bog.paid()

    response = await bog.refund(order_id, Decimal("27.51"))

    assert response.status_code == 400
    assert response.json() == {"message": "Refund amount exceeds the transferred amount"}


async def test_refund_above_what_is_left_after_a_partial_refund_is_refused(bog: Any) -> None:
    order_id = await bog.paid()
    await bog.refund(order_id, Decimal("20"))

    response = await bog.refund(order_id, Decimal("10"))

    assert response.status_code == 400


async def test_refund_of_an_unpaid_order_is_refused(bog: Any) -> None:
    order_id = await bog.create_id()

    response = await bog.refund(order_id)

    assert response.status_code == 400
    assert "cannot be refunded" in response.json()["message"]


async def test_refund_of_a_declined_order_is_refused(bog: Any) -> None:
    order_id = await bog.paid("4000000000000002")

    assert (await bog.refund(order_id)).status_code == 400


async def test_refund_of_a_fully_refunded_order_is_refused(bog: Any) -> None:
    order_id = await bog.paid()
    await bog.refund(order_id)

    assert (await bog.refund(order_id)).status_code == 400


async def test_refund_of_an_unknown_order_is_invalid_order_id(bog: Any) -> None:
    response = await bog.refund("no-such-order")

    assert response.status_code == 400
    assert response.json() == {"message": "Invalid order_id"}


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-1"), Decimal("1.001")])
async def test_refund_amount_must_be_a_positive_two_decimal_number(
    bog: Any, amount: Decimal
) -> None:
    order_id = await bog.paid()

    assert (await bog.refund(order_id, amount)).status_code == 400


async def test_refund_amount_may_be_sent_as_text_like_bogs_example(bog: Any) -> None:
    order_id = await bog.paid()

    await bog.refund(order_id, "10.5")

    receipt = await bog.receipt(order_id)
    assert receipt["purchase_units"]["refund_amount"] == "10.5"


async def test_partial_refund_of_internet_banking_payment_is_refused(
    bog: Any, sandbox: BogSandbox
) -> None:
    order_id = await bog.create_id()
    await sandbox.pay(order_id, "bog_p2p")

    response = await bog.refund(order_id, Decimal("1.00"))

    assert response.status_code == 400
    assert "Partial refund is not available" in response.json()["message"]


async def test_full_refund_of_internet_banking_payment_is_accepted(
    bog: Any, sandbox: BogSandbox
) -> None:
    order_id = await bog.create_id()
    await sandbox.pay(order_id, "bog_p2p")

    assert (await bog.refund(order_id)).status_code == 200
    assert (await bog.receipt(order_id))["order_status"]["key"] == "refunded"


async def test_refund_of_loyalty_points_payment_is_refused(bog: Any, sandbox: BogSandbox) -> None:
    order_id = await bog.create_id()
    await sandbox.pay(order_id, "bog_loyalty")

    assert (await bog.refund(order_id)).status_code == 400


async def test_refund_on_card_0003_is_declined_with_action_code_162(bog: Any) -> None:
    order_id = await bog.paid("4000000000000003")

    response = await bog.refund(order_id, Decimal("5.00"))

    assert response.status_code == 200
    receipt = await bog.receipt(order_id)
    assert receipt["order_status"]["key"] == "completed"
    assert receipt["purchase_units"]["refund_amount"] == "0.0"
    (action,) = receipt["actions"]
    assert action["status"] == "rejected"
    assert action["code"] == "162"
    assert action["code_description"] == "The issuing bank declined the refund"


class TestDelayedOutcome:
    @pytest.fixture
    def sandbox_options(self) -> dict[str, Any]:
        return {"action_delay": 0.05}

    async def test_order_shows_refund_requested_until_the_delay_ends(
        self, bog: Any, receiver: Any
    ) -> None:
        order_id = await bog.paid()

        await bog.refund(order_id)
        during = await bog.receipt(order_id)
        await receiver.wait_for("refunded")
        after = await bog.receipt(order_id)

        assert during["order_status"]["key"] == "refund_requested"
        assert during["actions"] == []
        assert after["order_status"]["key"] == "refunded"

    async def test_second_refund_while_one_is_pending_is_refused(self, bog: Any) -> None:
        order_id = await bog.paid()
        await bog.refund(order_id, Decimal("1.00"))

        response = await bog.refund(order_id, Decimal("1.00"))

        assert response.status_code == 400
        assert "already requested" in response.json()["message"]

    async def test_pending_refund_settles_when_sandbox_time_passes(
        self, bog: Any, sandbox: BogSandbox
    ) -> None:
        order_id = await bog.paid()
        await bog.refund(order_id)

        sandbox.advance_clock(1)

        assert (await bog.receipt(order_id))["order_status"]["key"] == "refunded"
