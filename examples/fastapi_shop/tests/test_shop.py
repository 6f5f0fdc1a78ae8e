"""The FastAPI shop on the dummy gateway and on the TBC emulator: only the configuration differs.

The shop is reached in process through ``httpx.ASGITransport`` (as a caller at
127.0.0.1); its gateways are opened and closed as its lifespan would.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from payments_tbc.demo import sandbox_settings
from payments_tbc.sandbox import TbcSandbox

from examples.fastapi_shop.app import OrderBook, create_app
from payments_core.contrib.fastapi import Gateways

SHOP = "http://127.0.0.1:8000"


async def _start(client: httpx.AsyncClient, product_id: str = "tea") -> dict[str, Any]:
    answer = await client.post("/orders", json={"product_id": product_id, "quantity": 2})
    assert answer.status_code == 201, answer.text
    started: dict[str, Any] = answer.json()
    return started


async def _order(client: httpx.AsyncClient, order_id: str) -> dict[str, Any]:
    answer = await client.get(f"/orders/{order_id}")
    assert answer.status_code == 200, answer.text
    order: dict[str, Any] = answer.json()
    return order


@pytest.fixture
async def dummy_shop() -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = create_app({"provider": "dummy", "store": f"fastapi-shop-{uuid.uuid4().hex}"})
    gateways: Gateways = app.state.gateways
    transport = httpx.ASGITransport(app=app)
    async with gateways, httpx.AsyncClient(transport=transport, base_url=SHOP) as client:
        yield app, client


async def test_an_order_paid_on_the_dummy_is_marked_paid_by_its_callback(
    dummy_shop: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = dummy_shop
    started = await _start(client)
    assert started["redirect_url"]
    assert (await _order(client, started["order_id"]))["paid"] is False

    dummy: Any = app.state.gateways.default.provider
    dummy.complete(started["payment_id"])  # the customer pays on the gateway's page
    headers, body = dummy.webhook_for(started["payment_id"])  # the gateway calls back
    first = await client.post("/payments/webhooks/default", content=body, headers=headers)
    again = await client.post("/payments/webhooks/default", content=body, headers=headers)

    assert first.json() == {"result": "applied"}
    assert again.json() == {"result": "duplicate"}
    order = await _order(client, started["order_id"])
    assert order["paid"] is True
    assert order["status"] == "captured"
    assert order["amount"] == "25.00 GEL"
    assert order["history"] == ["checkout: pending", "callback: captured"]


async def test_a_forged_callback_does_not_mark_the_order_paid(
    dummy_shop: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = dummy_shop
    started = await _start(client)
    body = json.dumps({"payment": {"id": started["payment_id"], "status": "captured"}}).encode()

    answer = await client.post(
        "/payments/webhooks/default", content=body, headers={"X-Dummy-Signature": "sha256=00"}
    )

    assert (answer.status_code, answer.json()) == (400, {"error": "webhook_signature_invalid"})
    assert (await _order(client, started["order_id"]))["paid"] is False


async def test_unknown_products_and_orders_are_404(
    dummy_shop: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = dummy_shop
    assert (await client.post("/orders", json={"product_id": "caviar"})).status_code == 404
    assert (await client.get("/orders/ord-nosuchorder")).status_code == 404
    assert (
        await client.post("/orders", json={"product_id": "tea", "quantity": 0})
    ).status_code == (422)


class LateASGITransport(httpx.AsyncBaseTransport):
    """Carries the emulator's callbacks into the shop, which is built after the emulator."""

    def __init__(self) -> None:
        self.app: FastAPI | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert self.app is not None, "the shop is not built yet"
        return await httpx.ASGITransport(app=self.app).handle_async_request(request)


@pytest.fixture
def tbc() -> Iterator[tuple[TbcSandbox, str, LateASGITransport]]:
    late = LateASGITransport()
    sandbox = TbcSandbox(callback_transport=late)
    with sandbox.serve() as url:
        yield sandbox, url, late


async def test_the_same_shop_on_the_tbc_emulator_is_paid_through_a_read_back_callback(
    tbc: tuple[TbcSandbox, str, LateASGITransport],
) -> None:
    sandbox, url, late = tbc
    orders = OrderBook()
    config = {
        "default": "tbc",
        "gateways": {"tbc": {"provider": "tbc", **sandbox_settings(sandbox, url)}},
    }
    app = create_app(config, orders=orders)
    late.app = app
    gateways: Gateways = app.state.gateways
    transport = httpx.ASGITransport(app=app)
    async with gateways, httpx.AsyncClient(transport=transport, base_url=SHOP) as client:
        started = await _start(client, "honey")
        assert started["redirect_url"].startswith(url)

        await sandbox.pay(started["payment_id"])  # TBC posts {"PaymentId": ...} to the shop

        order = await _order(client, started["order_id"])
    assert [delivery.status_code for delivery in sandbox.callbacks] == [200]
    assert sandbox.callbacks[0].url == f"{SHOP}/payments/webhooks/tbc"
    assert order["paid"] is True
    assert order["amount"] == "36.00 GEL"
