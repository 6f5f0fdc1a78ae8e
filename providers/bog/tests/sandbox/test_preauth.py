"""Pre-authorization (capture manual): hold, approve in full or in part, cancel."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from payments_bog.sandbox import BogSandbox


@pytest.fixture
def manual_body(make_body: Any) -> dict[str, Any]:
    body = make_body(capture="manual")
    body["purchase_units"]["total_amount"] = Decimal("60.00")
    return dict(body)


@pytest.fixture
async def held(bog: Any, manual_body: dict[str, Any]) -> str:
    return str(await bog.paid(body=manual_body))


async def test_paying_a_manual_order_blocks_the_amount_with_code_200(
    bog: Any, held: str, sandbox: BogSandbox
) -> None:
    receipt = await bog.receipt(held)

    assert receipt["capture"] == "manual"
    assert receipt["order_status"] == {"key": "blocked", "value": "დაბლოკილი"}
    assert receipt["purchase_units"]["transfer_amount"] == "60.00"
    assert receipt["payment_detail"]["code"] == "200"
    assert receipt["payment_detail"]["code_description"] == "Successful preauthorization"
    assert sandbox.store.order(held).history == ["created", "auth_requested", "blocked"]


async def test_declined_manual_order_is_rejected(bog: Any, manual_body: dict[str, Any]) -> None:
    receipt = await bog.receipt(await bog.paid("4000000000000002", manual_body))

    assert receipt["order_status"]["key"] == "rejected"
    assert receipt["payment_detail"]["code"] == "107"


async def test_approve_answers_request_received(bog: Any, held: str) -> None:
    response = await bog.approve(held)

    assert response.status_code == 200
    assert response.json()["message"] == "Pre-authorization payment approval request received"
    assert response.json()["key"] == "request_received"


async def test_approve_without_amount_completes_the_whole_hold(bog: Any, held: str) -> None:
    await bog.approve(held)

    receipt = await bog.receipt(held)
    assert receipt["order_status"]["key"] == "completed"
    assert receipt["purchase_units"]["transfer_amount"] == "60.00"
    (action,) = receipt["actions"]
    assert (action["action"], action["status"], action["amount"]) == (
        "authorize",
        "completed",
        "60.00",
    )


async def test_approve_of_the_exact_held_amount_is_a_full_approve(bog: Any, held: str) -> None:
    await bog.approve(held, Decimal("60"))

    assert (await bog.receipt(held))["order_status"]["key"] == "completed"


async def test_partial_approve_gives_partial_completed(bog: Any, held: str) -> None:
    await bog.approve(held, Decimal("30.0"))

    receipt = await bog.receipt(held)
    assert receipt["order_status"]["key"] == "partial_completed"
    assert receipt["purchase_units"]["transfer_amount"] == "30.0"
    (action,) = receipt["actions"]
    assert (action["action"], action["amount"]) == ("partial_authorize", "30.0")


async def test_approve_above_the_held_amount_is_refused(bog: Any, held: str) -> None:
    response = await bog.approve(held, Decimal("60.01"))

    assert response.status_code == 400
    assert "exceeds the pre-authorized amount" in response.json()["message"]


async def test_second_approve_is_refused_as_already_requested(bog: Any, held: str) -> None:
    await bog.approve(held)

    response = await bog.approve(held)

    assert response.status_code == 400
    assert "already requested" in response.json()["message"]


async def test_approve_of_an_automatic_order_is_refused(bog: Any) -> None:
    order_id = await bog.paid()

    response = await bog.approve(order_id)

    assert response.status_code == 400
    assert "Only a blocked pre-authorized order" in response.json()["message"]


async def test_approve_of_an_unpaid_manual_order_is_refused(
    bog: Any, manual_body: dict[str, Any]
) -> None:
    order_id = await bog.create_id(manual_body)

    assert (await bog.approve(order_id)).status_code == 400


async def test_cancel_releases_the_hold_and_rejects_the_order(bog: Any, held: str) -> None:
    response = await bog.cancel(held, {"description": "out of stock"})

    assert response.json()["message"] == "Pre-authorization payment cancellation request received"
    receipt = await bog.receipt(held)
    assert receipt["order_status"]["key"] == "rejected"
    assert receipt["purchase_units"]["transfer_amount"] == "0.0"
    assert receipt["reject_reason"] is None
    (action,) = receipt["actions"]
    assert (action["action"], action["status"], action["amount"]) == (
        "cancel_authorize",
        "completed",
        "60.00",
    )


async def test_cancel_with_an_amount_is_refused(bog: Any, held: str) -> None:
    response = await bog.cancel(held, {"amount": 10})

    assert response.status_code == 400


async def test_approve_after_cancel_is_refused(bog: Any, held: str) -> None:
    await bog.cancel(held)

    response = await bog.approve(held)

    assert response.status_code == 400
    assert "already requested" in response.json()["message"]


async def test_cancel_after_approve_is_refused(bog: Any, held: str) -> None:
    await bog.approve(held)

    assert (await bog.cancel(held)).status_code == 400


async def test_approve_on_card_0003_is_declined_with_179_and_the_hold_stays(
    bog: Any, manual_body: dict[str, Any]
) -> None:
    order_id = await bog.paid("4000000000000003", manual_body)

    await bog.approve(order_id)

    receipt = await bog.receipt(order_id)
    assert receipt["order_status"]["key"] == "blocked"
    (action,) = receipt["actions"]
    assert (action["status"], action["code"]) == ("rejected", "179")


async def test_cancel_on_card_0003_is_declined_too(bog: Any, manual_body: dict[str, Any]) -> None:
    order_id = await bog.paid("5300000000000003", manual_body)

    await bog.cancel(order_id)

    assert (await bog.receipt(order_id))["order_status"]["key"] == "blocked"


async def test_a_partially_completed_order_can_be_refunded(bog: Any, held: str) -> None:
    await bog.approve(held, Decimal("30.00"))

    await bog.refund(held)

    receipt = await bog.receipt(held)
    assert receipt["order_status"]["key"] == "refunded"
    assert receipt["purchase_units"]["refund_amount"] == "30.00"


async def test_a_blocked_order_cannot_be_refunded(bog: Any, held: str) -> None:
    assert (await bog.refund(held)).status_code == 400


async def test_cancel_marks_the_split_canceled(bog: Any, manual_body: dict[str, Any]) -> None:
    manual_body["config"] = {"split": {"split_payments": [{"iban": "GE00BG1", "percent": 10}]}}
    order_id = await bog.paid(body=manual_body)

    await bog.cancel(order_id)

    assert (await bog.receipt(order_id))["split"]["split_status"] == "canceled"


GEL_SPLIT = {"split_payments": [{"iban": "GE00BG0000000000000001", "amount": Decimal("5.00")}]}


async def test_approve_with_a_split_puts_it_on_the_receipt_once_completed(
    bog: Any, held: str
) -> None:
    payload = {"amount": Decimal("30.00"), "description": "shipped", "split": GEL_SPLIT}

    response = await bog.call("POST", f"/payment/authorization/approve/{held}", payload)

    assert response.status_code == 200
    split = (await bog.receipt(held))["split"]
    assert split["split_status"] == "completed"
    assert split["split_payments"] == [
        {"iban": "GE00BG0000000000000001", "amount": "5.00", "percent": None, "description": None}
    ]


async def test_approve_split_above_the_approved_amount_is_refused(bog: Any, held: str) -> None:
    split = {"split_payments": [{"iban": "GE00BG1", "amount": Decimal("30.01")}]}
    payload = {"amount": Decimal("30.00"), "split": split}

    response = await bog.call("POST", f"/payment/authorization/approve/{held}", payload)

    assert response.status_code == 400
    assert "exceed" in response.json()["message"]
    assert (await bog.receipt(held))["order_status"]["key"] == "blocked"


async def test_approve_split_of_an_order_not_in_gel_is_refused(
    bog: Any, manual_body: dict[str, Any]
) -> None:
    manual_body["purchase_units"]["currency"] = "USD"
    order_id = await bog.paid(body=manual_body)

    response = await bog.call(
        "POST", f"/payment/authorization/approve/{order_id}", {"split": GEL_SPLIT}
    )

    assert response.status_code == 400
    assert "GEL" in response.json()["message"]


async def test_internet_banking_cannot_pay_a_manual_order(
    bog: Any, manual_body: dict[str, Any], sandbox: BogSandbox
) -> None:
    order_id = await bog.create_id(manual_body)

    response = await bog.http.post(f"/sandbox/orders/{order_id}/pay", json={"card": "bog_p2p"})

    assert response.status_code == 400


class TestApprovalInFlight:
    @pytest.fixture
    def sandbox_options(self) -> dict[str, Any]:
        return {"action_delay": 0.05}

    async def test_second_approve_while_the_first_is_in_flight_is_refused(
        self, bog: Any, held: str, receiver: Any
    ) -> None:
        first = await bog.approve(held)
        second = await bog.approve(held)
        during = await bog.receipt(held)
        await receiver.wait_for("completed")

        assert first.status_code == 200
        assert second.status_code == 400
        assert "already requested" in second.json()["message"]
        assert during["order_status"]["key"] == "blocked"
