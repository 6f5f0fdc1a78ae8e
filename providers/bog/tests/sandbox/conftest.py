"""Shared fixtures: an in-process sandbox, a callback receiver and a small BOG API helper."""

from __future__ import annotations

import asyncio
import copy
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from payments_bog.sandbox import BogSandbox, generate_private_key_pem

TOKEN_PATH = "/auth/realms/bog/protocol/openid-connect/token"
API = "/payments/v1"
NOW = datetime(2025, 9, 29, 12, 57, 54, 595205, tzinfo=UTC)
"""The sandbox clock's base: the instant of BOG's live sample receipt (F4)."""

VISA_OK = "4000000000000001"
VISA_NO_FUNDS = "4000000000000002"
VISA_LATER_DECLINED = "4000000000000003"


def to_json(payload: Any) -> bytes:
    """JSON with Decimals written as exact numbers (never through float)."""

    def mark(value: Any) -> str:
        if isinstance(value, Decimal):
            return f"__decimal__{value}__"
        raise TypeError(type(value).__name__)

    text = json.dumps(payload, default=mark, ensure_ascii=False)
    return re.sub(r'"__decimal__([-0-9.Ee+]+)__"', r"\1", text).encode()


def order_body(**changes: Any) -> dict[str, Any]:
    """A valid create-order body (reference F2); top-level keys can be replaced."""
    body: dict[str, Any] = {
        "callback_url": "https://shop.example/bog/callback",
        "external_order_id": "ORD-1001",
        "purchase_units": {
            "currency": "GEL",
            "total_amount": Decimal("27.50"),
            "basket": [
                {
                    "product_id": "SKU-1",
                    "description": "Widget",
                    "quantity": 2,
                    "unit_price": Decimal("12.5"),
                },
                {"product_id": "SKU-2", "quantity": 1, "unit_price": Decimal("2.50")},
            ],
        },
        "redirect_urls": {
            "success": "https://shop.example/ok",
            "fail": "https://shop.example/fail",
        },
    }
    body.update(copy.deepcopy(changes))
    return body


@dataclass
class Received:
    url: str
    headers: dict[str, str]
    body: bytes

    def payload(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """The merchant's callback endpoint, as an ASGI app that records what it gets."""

    def __init__(self) -> None:
        self.calls: list[Received] = []
        self.failures_left = 0
        self._arrived = asyncio.Event()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        url = f"{scope['scheme']}://{headers.get('host', '')}{scope['path']}"
        self.calls.append(Received(url, headers, body))
        self._arrived.set()
        status = 200
        if self.failures_left:
            self.failures_left -= 1
            status = 500
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    def payloads(self) -> list[Any]:
        return [call.payload() for call in self.calls]

    def statuses(self) -> list[str]:
        return [p["body"]["order_status"]["key"] for p in self.payloads()]

    async def wait_for(self, status: str) -> None:
        """Wait (2 s at most) for a callback with ``status``; delayed actions settle later."""
        async with asyncio.timeout(2):
            while status not in self.statuses():
                self._arrived.clear()
                await self._arrived.wait()


class Bog:
    """A thin BOG API client for tests: plain httpx calls, a token, helper shortcuts."""

    def __init__(self, http: httpx.AsyncClient, sandbox: BogSandbox) -> None:
        self.http = http
        self.sandbox = sandbox
        self.token = ""

    async def login(self) -> str:
        response = await self.http.post(
            TOKEN_PATH,
            data={"grant_type": "client_credentials"},
            auth=(self.sandbox.client_id, self.sandbox.client_secret),
        )
        assert response.status_code == 200, response.text
        self.token = response.json()["access_token"]
        return self.token

    def headers(self, key: str | None = None, **extra: str) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}", **extra}
        if key is not None:
            headers["Idempotency-Key"] = key
        return headers

    async def call(
        self,
        method: str,
        path: str,
        payload: Any = None,
        *,
        key: str | None = None,
        **headers: str,
    ) -> httpx.Response:
        content = None if payload is None else to_json(payload)
        extra = {"Content-Type": "application/json"} if content is not None else {}
        return await self.http.request(
            method, f"{API}{path}", content=content, headers=self.headers(key, **extra, **headers)
        )

    async def create(
        self, body: dict[str, Any] | None = None, *, key: str | None = None, **headers: str
    ) -> httpx.Response:
        return await self.call(
            "POST", "/ecommerce/orders", body or order_body(), key=key, **headers
        )

    async def create_id(self, body: dict[str, Any] | None = None, **headers: str) -> str:
        response = await self.create(body, **headers)
        assert response.status_code == 200, response.text
        return str(response.json()["id"])

    async def receipt(self, order_id: str) -> dict[str, Any]:
        response = await self.call("GET", f"/receipt/{order_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def paid(self, card: str = VISA_OK, body: dict[str, Any] | None = None) -> str:
        order_id = await self.create_id(body)
        await self.sandbox.pay(order_id, card)
        return order_id

    async def refund(
        self, order_id: str, amount: Any = None, *, key: str | None = None
    ) -> httpx.Response:
        payload = {} if amount is None else {"amount": amount}
        return await self.call("POST", f"/payment/refund/{order_id}", payload, key=key)

    async def approve(self, order_id: str, amount: Any = None) -> httpx.Response:
        payload = {} if amount is None else {"amount": amount}
        return await self.call("POST", f"/payment/authorization/approve/{order_id}", payload)

    async def cancel(self, order_id: str, payload: Any = None) -> httpx.Response:
        return await self.call("POST", f"/payment/authorization/cancel/{order_id}", payload or {})


@pytest.fixture(scope="session")
def private_key_pem() -> bytes:
    return generate_private_key_pem()


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


@pytest.fixture
def sandbox_options() -> dict[str, Any]:
    """Override in a test module to configure the sandbox differently."""
    return {}


@pytest.fixture
async def sandbox(
    receiver: Receiver, private_key_pem: bytes, sandbox_options: dict[str, Any]
) -> AsyncIterator[BogSandbox]:
    options: dict[str, Any] = {
        "callback_transport": httpx.ASGITransport(app=receiver),
        "private_key_pem": private_key_pem,
        "clock": lambda: NOW,
        "callback_backoff": 0.001,
        **sandbox_options,
    }
    sandbox = BogSandbox(**options)
    yield sandbox
    await sandbox.aclose()


@pytest.fixture
async def http(sandbox: BogSandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=sandbox.transport(), base_url=sandbox.public_base_url
    ) as client:
        yield client


@pytest.fixture
async def bog(http: httpx.AsyncClient, sandbox: BogSandbox) -> Bog:
    client = Bog(http, sandbox)
    await client.login()
    return client


@pytest.fixture
def make_body() -> Any:
    """``make_body(**changes)``: a fresh valid create-order body."""
    return order_body
