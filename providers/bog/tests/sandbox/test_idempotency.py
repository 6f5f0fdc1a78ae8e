"""Idempotency-Key: the same key on the same endpoint replays the first answer."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from payments_bog.sandbox import BogSandbox

KEY = "3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b"


async def test_repeated_create_replays_the_first_answer_and_creates_one_order(
    bog: Any, sandbox: BogSandbox
) -> None:
    first = await bog.create(key=KEY)
    second = await bog.create(key=KEY)

    assert second.status_code == first.status_code == 200
    assert second.content == first.content
    assert sandbox.counters.orders_created == 1
    assert sandbox.counters.orders_by_idempotency_key == {KEY: 1}
    assert sandbox.counters.idempotent_replays == 1


async def test_replay_ignores_a_changed_body(bog: Any, make_body: Any) -> None:
    first = await bog.create(key=KEY)
    second = await bog.create(make_body(external_order_id="OTHER"), key=KEY)

    assert second.json()["id"] == first.json()["id"]


async def test_different_keys_create_different_orders(bog: Any, sandbox: BogSandbox) -> None:
    first = await bog.create(key="key-1")
    second = await bog.create(key="key-2")

    assert first.json()["id"] != second.json()["id"]
    assert sandbox.counters.orders_by_idempotency_key == {"key-1": 1, "key-2": 1}


async def test_requests_without_a_key_are_never_replayed(bog: Any, sandbox: BogSandbox) -> None:
    await bog.create()
    await bog.create()

    assert sandbox.counters.orders_created == 2


async def test_a_refused_request_is_replayed_with_the_same_error(
    bog: Any, make_body: Any, sandbox: BogSandbox
) -> None:
    bad = make_body(ttl=1)
    first = await bog.create(bad, key=KEY)
    second = await bog.create(make_body(), key=KEY)

    assert (first.status_code, second.status_code) == (400, 400)
    assert second.content == first.content
    assert sandbox.counters.orders_created == 0


async def test_the_same_key_on_another_endpoint_is_a_new_request(bog: Any) -> None:
    created = await bog.create(key=KEY)
    order_id = created.json()["id"]
    await bog.sandbox.pay(order_id, "4000000000000001")

    refund = await bog.refund(order_id, key=KEY)

    assert refund.status_code == 200
    assert refund.json()["key"] == "request_received"


async def test_repeated_refund_returns_the_same_action_id_and_refunds_once(
    bog: Any, sandbox: BogSandbox
) -> None:
    order_id = await bog.paid()

    first = await bog.refund(order_id, Decimal("5.00"), key=KEY)
    second = await bog.refund(order_id, Decimal("5.00"), key=KEY)

    assert second.json()["action_id"] == first.json()["action_id"]
    receipt = await bog.receipt(order_id)
    assert receipt["purchase_units"]["refund_amount"] == "5.00"
    assert len(receipt["actions"]) == 1
    assert sandbox.counters.refunds_by_idempotency_key == {KEY: 1}
    assert sandbox.counters.actions_by_idempotency_key == {KEY: 1}


async def test_repeated_save_card_replays_202(bog: Any) -> None:
    order_id = await bog.create_id()

    first = await bog.call("PUT", f"/orders/{order_id}/cards", key=KEY)
    second = await bog.call("PUT", f"/orders/{order_id}/cards", key=KEY)

    assert (first.status_code, second.status_code) == (202, 202)
    assert second.content == b""


async def test_receipt_reads_ignore_idempotency_keys(bog: Any, sandbox: BogSandbox) -> None:
    order_id = await bog.create_id()
    await bog.call("GET", f"/receipt/{order_id}", key=KEY)
    await sandbox.pay(order_id, "4000000000000001")

    receipt = await bog.call("GET", f"/receipt/{order_id}", key=KEY)

    assert receipt.json()["order_status"]["key"] == "completed"


async def test_counters_are_readable_over_http(bog: Any) -> None:
    await bog.create(key=KEY)
    await bog.create(key=KEY)

    counters = (await bog.http.get("/sandbox/counters")).json()

    assert counters["orders_created"] == 1
    assert counters["orders_by_idempotency_key"] == {KEY: 1}
    assert counters["tokens_issued"] == 1
    assert ["POST", "/payments/v1/ecommerce/orders"] in counters["requests"]
