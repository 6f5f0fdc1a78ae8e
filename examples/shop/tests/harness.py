"""The shop under test and what a customer does with it (the fixtures are in conftest)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
from payments_bog.sandbox import BogSandbox
from payments_dummy import DummyProvider
from payments_tbc.sandbox import TbcSandbox
from starlette.applications import Starlette
from starlette.types import ASGIApp

from examples.shop.orders import Order, OrderBook
from payments_core import AsyncPayments

SHOP = "http://127.0.0.1:8000"
"""The shop's base URL in these tests: loopback, so plain-http callback URLs are allowed."""

SUCCESS_CARD = "4000000000000001"
DECLINED_CARD = "4000000000000002"


class LateASGITransport(httpx.AsyncBaseTransport):
    """Carries the emulator's callbacks into an app that is built after the emulator."""

    def __init__(self) -> None:
        self.app: ASGIApp | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert self.app is not None, "the shop app is not built yet"
        return await httpx.ASGITransport(app=self.app).handle_async_request(request)


@dataclass
class ShopUnderTest:
    """The shop, a client acting as the customer's browser, and the gateway behind it."""

    app: Starlette
    client: httpx.AsyncClient
    payments: AsyncPayments
    orders: OrderBook
    sandbox: BogSandbox | None = None
    bank: httpx.AsyncClient | None = None
    """The browser's view of the emulator (hosted page), BOG or TBC."""
    tbc: TbcSandbox | None = None

    @property
    def gateway(self) -> str:
        """The provider's name: dummy, bog or tbc."""
        return self.payments.provider.name

    async def add(self, product_id: str = "saperavi", quantity: int = 1) -> httpx.Response:
        return await self.client.post(
            "/cart/add", data={"product_id": product_id, "quantity": str(quantity)}
        )

    async def checkout(self, capture: str = "automatic") -> httpx.Response:
        return await self.client.post("/checkout", data={"capture": capture})

    async def place_order(
        self, product_id: str = "saperavi", quantity: int = 1, capture: str = "automatic"
    ) -> Order:
        """Add to the cart and check out; the new order, its payment started."""
        await self.add(product_id, quantity)
        response = await self.checkout(capture)
        assert response.status_code == 303, response.text
        newest = self.orders.all()[0]
        assert newest.payment_id is not None
        return newest

    def order(self, order_id: str) -> Order:
        order = self.orders.get(order_id)
        assert order is not None
        return order

    @property
    def dummy(self) -> DummyProvider:
        provider = self.payments.provider
        assert isinstance(provider, DummyProvider)
        return provider

    async def pay_on_bog(self, order: Order, card: str = SUCCESS_CARD) -> httpx.Response:
        """Submit a test card on the emulator's hosted page, as the customer would."""
        assert self.bank is not None
        assert order.redirect_url is not None
        page = await self.bank.get(order.redirect_url)
        assert page.status_code == 200
        return await self.bank.post(
            "/pay", data={"order_id": order.payment_id or "", "card": card, "lang": "en"}
        )

    async def pay_on_tbc(self, order: Order, card: str = SUCCESS_CARD) -> httpx.Response:
        """Submit a test card on the TBC emulator's checkout page, as the customer would.

        The emulator delivers its callback (into the shop) before it answers 303.
        """
        assert self.bank is not None
        assert order.redirect_url is not None
        page = await self.bank.get(order.redirect_url)
        assert page.status_code == 200
        form = re.search(r'<form method="post" action="([^"]+)"', page.text)
        assert form is not None, page.text
        return await self.bank.post(form.group(1), data={"card": card, "lang": "EN"})

    async def send_callback(
        self, headers: dict[str, str], body: bytes, *, client: str = "127.0.0.1"
    ) -> httpx.Response:
        """POST to the shop's callback endpoint, as a caller at address ``client``."""
        if client == "127.0.0.1":  # the test client's own address
            return await self.client.post("/payments/callback", content=body, headers=headers)
        transport = httpx.ASGITransport(app=self.app, client=(client, 443))
        async with httpx.AsyncClient(transport=transport, base_url=SHOP) as elsewhere:
            return await elsewhere.post("/payments/callback", content=body, headers=headers)

    async def pay(self, order: Order, *, succeed: bool = True) -> httpx.Response:
        """The customer pays (or is declined) on whichever gateway's page; the 303 back."""
        card = SUCCESS_CARD if succeed else DECLINED_CARD
        if self.sandbox is not None:
            return await self.pay_on_bog(order, card)
        if self.tbc is not None:
            return await self.pay_on_tbc(order, card)
        outcome = "succeed" if succeed else "decline"
        return await self.client.post(f"/dummy-pay/{order.payment_id}", data={"outcome": outcome})

    def return_url(self, order: Order, *, succeed: bool = True) -> str:
        """Where the gateway sends the customer back after paying (or being declined).

        TBC has one return URL, the success URL, for every outcome: the shop's
        page tells the outcome from the payment it reads, never from the URL.
        """
        outcome = "success" if succeed or self.tbc is not None else "fail"
        return f"{SHOP}/checkout/{outcome}/{order.id}"
