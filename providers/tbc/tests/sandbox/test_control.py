"""/sandbox/...: driving the emulator over HTTP (for a served sandbox)."""

from __future__ import annotations

from typing import Any

from payments_tbc.sandbox import TEST_CARDS, TbcSandbox


async def test_cards_lists_every_test_card(tbc: Any) -> None:
    cards = (await tbc.http.get("/sandbox/cards")).json()

    assert [card["number"] for card in cards] == list(TEST_CARDS)
    assert cards[0] == {
        "number": "4000000000000001",
        "brand": "Visa",
        "outcome": "approved",
        "resultCode": "approved",
        "label": "Successful payment",
    }


async def test_pay_control_pays_with_a_card(tbc: Any, receiver: Any) -> None:
    pay_id = await tbc.create_id()

    response = await tbc.http.post(
        f"/sandbox/payments/{pay_id}/pay", json={"card": "4000000000000004"}
    )

    assert response.json()["resultCode"] == "decline_restricted_card"
    assert receiver.pay_ids() == [pay_id]


async def test_pay_control_refuses_an_unknown_payment(tbc: Any) -> None:
    response = await tbc.http.post("/sandbox/payments/nosuch/pay", json={})

    assert response.status_code == 404
    assert response.json() == {"message": "PaymentNotFound"}


async def test_expire_control_expires_a_session(tbc: Any) -> None:
    pay_id = await tbc.create_id()

    response = await tbc.http.post(f"/sandbox/payments/{pay_id}/expire")

    assert response.json()["status"] == "Expired"


async def test_clock_control_advances_time_and_expires_sessions(
    tbc: Any, sandbox: TbcSandbox, receiver: Any
) -> None:
    pay_id = await tbc.create_id()

    response = await tbc.http.post("/sandbox/clock/advance", json={"seconds": 720})

    assert response.json() == {"now": "2025-06-02T08:12:00+00:00"}
    assert sandbox.payments[pay_id].status == "Expired"
    assert receiver.pay_ids() == [pay_id]


async def test_fault_controls_arm_and_clear_faults(tbc: Any) -> None:
    armed = await tbc.http.post(
        "/sandbox/faults", json={"endpoint": "get_payment", "kind": "error"}
    )
    failed = await tbc.call("GET", "/payments/x")
    await tbc.http.post("/sandbox/faults", json={"endpoint": "get_payment", "kind": "error"})
    cleared = await tbc.http.delete("/sandbox/faults")

    assert (armed.status_code, armed.json()) == (201, {"armed": 1})
    assert failed.status_code == 503
    assert cleared.json() == {"cleared": 1}


async def test_fault_control_refuses_an_impossible_fault(tbc: Any) -> None:
    response = await tbc.http.post("/sandbox/faults", json={"endpoint": "x", "kind": "error"})

    assert response.status_code == 400
    assert "unknown endpoint" in response.json()["message"]


async def test_token_control_revokes_tokens(tbc: Any) -> None:
    response = await tbc.http.post("/sandbox/tokens/revoke")

    assert response.json() == {"revoked": 1}
    assert (await tbc.call("GET", "/payments/x")).status_code == 401


async def test_counters_and_callbacks_controls_report(tbc: Any) -> None:
    pay_id = await tbc.paid()

    counters = (await tbc.http.get("/sandbox/counters")).json()
    callbacks = (await tbc.http.get("/sandbox/callbacks")).json()

    assert counters["payments_paid"] == 1
    assert callbacks[0]["pay_id"] == pay_id
    assert callbacks[0]["body"] == f'{{"PaymentId":"{pay_id}"}}'
