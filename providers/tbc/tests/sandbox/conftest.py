"""Fixtures for the TBC emulator's tests: a sandbox in process, a callback receiver and
a thin client for the ``/v1/tpay`` API (plain httpx calls, nothing from the provider).
"""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from payments_tbc.sandbox import TbcSandbox

API = "/v1/tpay"
TOKEN_PATH = f"{API}/access-token"
NOW = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
"""The sandbox clock's base: noon in Tbilisi (UTC+4) on a Monday."""

CARD_OK = "4000000000000001"
CARD_NO_FUNDS = "4000000000000002"
CARD_3DS_FAILS = "4000000000000010"
CARD_ABANDONED = "4000000000000011"
CARD_LATER_DECLINED = "4000000000000012"
CALLBACK_URL = "https://shop.example/hooks/tbc"
RETURN_URL = "https://shop.example/pay/return?order=1842"
TBC_IBAN = "GE54TB0000000000000001"
OTHER_BANK_IBAN = "GE18BG0000000000000001"


def payment_body(**changes: Any) -> dict[str, Any]:
    """A valid create-payment body (reference fixture 2); top-level keys can be replaced."""
    body: dict[str, Any] = {
        "amount": {"currency": "GEL", "total": 49.9, "subTotal": 45.0, "tax": 4.9, "shipping": 0},
        "returnurl": RETURN_URL,
        "callbackUrl": CALLBACK_URL,
        "merchantPaymentId": "order-1842",
        "description": "Order 1842",
        "methods": [5, 9, 14],
        "expirationMinutes": 12,
        "preAuth": False,
        "language": "EN",
        "userIpAddress": "203.0.113.7",
        "skipInfoMessage": False,
    }
    body.update(copy.deepcopy(changes))
    return body


class Receiver:
    """The merchant's callback endpoint behind ``httpx.MockTransport``.

    Answers 200, or the statuses queued in ``script`` first.
    """

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.script: list[int] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.script.pop(0) if self.script else 200)

    def pay_ids(self) -> list[str]:
        return [json.loads(request.content)["PaymentId"] for request in self.requests]


class Tbc:
    """A thin TBC API client for tests: a token, the two headers, shortcuts."""

    def __init__(self, http: httpx.AsyncClient, sandbox: TbcSandbox) -> None:
        self.http = http
        self.sandbox = sandbox
        self.token = ""

    async def login(self) -> str:
        response = await self.http.post(
            TOKEN_PATH,
            data={"client_id": self.sandbox.client_id, "client_secret": self.sandbox.client_secret},
            headers={"apikey": self.sandbox.api_key},
        )
        assert response.status_code == 200, response.text
        self.token = response.json()["access_token"]
        return self.token

    def headers(self) -> dict[str, str]:
        return {"apikey": self.sandbox.api_key, "Authorization": f"Bearer {self.token}"}

    async def call(
        self, method: str, path: str, payload: Any = None, *, content: str | None = None
    ) -> httpx.Response:
        headers = self.headers()
        if content is not None:
            headers["Content-Type"] = "application/json"
        return await self.http.request(
            method, f"{API}{path}", json=payload, content=content, headers=headers
        )

    async def create(self, body: dict[str, Any] | None = None) -> httpx.Response:
        return await self.call("POST", "/payments", payment_body() if body is None else body)

    async def create_id(self, **changes: Any) -> str:
        response = await self.create(payment_body(**changes))
        assert response.status_code == 200, response.text
        return str(response.json()["payId"])

    async def paid(self, card: str = CARD_OK, **changes: Any) -> str:
        pay_id = await self.create_id(**changes)
        await self.sandbox.pay(pay_id, card)
        return pay_id

    async def details(self, pay_id: str) -> dict[str, Any]:
        response = await self.call("GET", f"/payments/{pay_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def cancel(self, pay_id: str, amount: Any = None) -> httpx.Response:
        payload = None if amount is None else {"amount": amount}
        return await self.call("POST", f"/payments/{pay_id}/cancel", payload)

    async def complete(self, pay_id: str, amount: Any) -> httpx.Response:
        return await self.call("POST", f"/payments/{pay_id}/completion", {"amount": amount})

    async def execute(self, rec_id: str, amount: Any = 9.99, **extra: Any) -> httpx.Response:
        payload = {"recId": rec_id, "money": {"amount": amount, "currency": "GEL"}, **extra}
        return await self.call("POST", "/payments/execution", payload)

    async def delete_card(self, rec_id: str) -> httpx.Response:
        return await self.call("POST", f"/payments/{rec_id}/delete")

    async def saved_card(self, card: str = CARD_OK, **changes: Any) -> str:
        """A recId whose card is saved and usable."""
        changes = {"saveCard": True, "methods": [5], **changes}
        response = await self.create(payment_body(**changes))
        assert response.status_code == 200, response.text
        await self.sandbox.pay(response.json()["payId"], card)
        return str(response.json()["recId"])


def assert_problem(
    response: httpx.Response, status: int, detail_part: str, number: int | None = None
) -> dict[str, Any]:
    """The response is TBC's problem body for ``status`` whose detail mentions ``detail_part``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = dict(response.json())
    assert body["type"] == f"https://developers.tbcbank.ge/docs/error-type-{status}"
    assert body["status"] == (str(status) if status == 401 else status)
    assert detail_part in body["detail"], body["detail"]
    assert body["systemCode"].startswith("System code for problem is tpay-")
    if number is not None:
        assert body["systemCode"].endswith(f".{status}.{number:03d}")
    return body


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


@pytest.fixture
def make_sandbox(receiver: Receiver) -> Callable[..., TbcSandbox]:
    """``make_sandbox(**options)``: a sandbox on the fixed clock, calling back ``receiver``."""

    def make(**options: Any) -> TbcSandbox:
        defaults: dict[str, Any] = {
            "callback_transport": httpx.MockTransport(receiver),
            "clock": lambda: NOW,
            "callback_backoff": 0,
        }
        return TbcSandbox(**{**defaults, **options})

    return make


@pytest.fixture
def sandbox(make_sandbox: Callable[..., TbcSandbox]) -> TbcSandbox:
    return make_sandbox()


@pytest.fixture
async def http(sandbox: TbcSandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=sandbox.transport(), base_url=sandbox.public_base_url
    ) as client:
        yield client


@pytest.fixture
async def tbc(http: httpx.AsyncClient, sandbox: TbcSandbox) -> Tbc:
    client = Tbc(http, sandbox)
    await client.login()
    return client


@pytest.fixture
def make_body() -> Callable[..., dict[str, Any]]:
    """``make_body(**changes)``: a fresh valid create-payment body."""
    return payment_body


@pytest.fixture
def problem() -> Callable[..., dict[str, Any]]:
    """``problem(response, status, detail_part, number=None)``: check a problem body."""
    return assert_problem


@pytest.fixture
async def tbc_for() -> AsyncIterator[Callable[[TbcSandbox], Awaitable[Tbc]]]:
    """``await tbc_for(sandbox)``: a logged-in client for a sandbox of the test's own."""
    clients: list[httpx.AsyncClient] = []

    async def make(sandbox: TbcSandbox) -> Tbc:
        http = httpx.AsyncClient(transport=sandbox.transport(), base_url=sandbox.public_base_url)
        clients.append(http)
        client = Tbc(http, sandbox)
        await client.login()
        return client

    yield make
    for http in clients:
        await http.aclose()
