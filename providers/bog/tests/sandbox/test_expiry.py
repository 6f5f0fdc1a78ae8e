"""Unpaid orders expire after their ttl (sandbox clock), with a callback."""

from __future__ import annotations

from typing import Any

import pytest
from payments_bog.sandbox import BogSandbox, OrderError


async def test_unpaid_order_is_rejected_for_expiration_after_its_ttl(
    bog: Any, sandbox: BogSandbox, receiver: Any
) -> None:
    order_id = await bog.create_id()

    sandbox.advance_clock(15 * 60)
    receipt = await bog.receipt(order_id)

    assert receipt["order_status"]["key"] == "rejected"
    assert receipt["reject_reason"] == "expiration"
    assert receipt["payment_detail"]["transfer_method"] == {"key": "", "value": ""}
    assert receipt["purchase_units"]["transfer_amount"] is None
    assert receipt["actions"] is None
    assert [p["body"]["reject_reason"] for p in receiver.payloads()] == ["expiration"]


async def test_order_can_be_paid_just_before_it_expires(bog: Any, sandbox: BogSandbox) -> None:
    order_id = await bog.create_id()
    sandbox.advance_clock(15 * 60 - 0.001)

    receipt = await sandbox.pay(order_id, "4000000000000001")

    assert receipt["order_status"]["key"] == "completed"


async def test_expired_order_cannot_be_paid(bog: Any, sandbox: BogSandbox) -> None:
    order_id = await bog.create_id()
    sandbox.advance_clock(16 * 60)

    with pytest.raises(OrderError, match="expired"):
        await sandbox.pay(order_id, "4000000000000001")


async def test_paid_order_never_expires(bog: Any, sandbox: BogSandbox) -> None:
    order_id = await bog.paid()

    sandbox.advance_clock(24 * 3600)
    await bog.login()

    assert (await bog.receipt(order_id))["order_status"]["key"] == "completed"


async def test_expiry_follows_the_order_ttl(bog: Any, make_body: Any, sandbox: BogSandbox) -> None:
    order_id = await bog.create_id(make_body(ttl=2))

    sandbox.advance_clock(121)

    assert (await bog.receipt(order_id))["reject_reason"] == "expiration"


async def test_expiry_callback_is_sent_once(bog: Any, sandbox: BogSandbox, receiver: Any) -> None:
    order_id = await bog.create_id()
    sandbox.advance_clock(1800)

    await bog.receipt(order_id)
    await bog.receipt(order_id)

    assert len(receiver.calls) == 1


async def test_advancing_the_clock_over_http_expires_orders_and_calls_back(
    bog: Any, receiver: Any
) -> None:
    order_id = await bog.create_id()

    response = await bog.http.post("/sandbox/clock/advance", json={"seconds": 900})

    assert response.status_code == 200
    assert response.json() == {"now": "2025-09-29T13:12:54.595205Z"}
    assert receiver.payloads()[0]["body"]["order_id"] == order_id


async def test_the_clock_never_goes_back(sandbox: BogSandbox) -> None:
    with pytest.raises(ValueError, match="forward"):
        sandbox.advance_clock(-1)
