"""A minimal FastAPI shop: start a checkout on the configured gateway, hear back, mark paid.

* ``POST /orders`` ``{"product_id": "tea", "quantity": 2}``: an order and its payment on
  the default gateway; the answer carries ``redirect_url``, where the customer pays.
* ``GET /orders/{order_id}``: the order, with its payment's status and ``paid``.
* ``POST /payments/webhooks/{gateway}``: the gateways' callbacks
  (:func:`payments_core.contrib.fastapi.webhook_router`); ``on_update`` marks the order
  paid the first time a verified state says so.

The gateway comes from configuration only (a mapping, or the TOML file that
``PAYMENTS_CONFIG`` names); nothing here names a provider. Orders live in memory.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from payments_core import (
    InvalidRequestError,
    LineItem,
    Money,
    Payment,
    PaymentError,
    PaymentRequest,
    WebhookEvent,
    is_loopback_host,
    is_newer,
)
from payments_core.contrib.fastapi import ROUTE_NAME, Gateways, webhook_router

__all__ = ["CATALOG", "Order", "OrderBook", "create_app"]

logger = logging.getLogger("examples.fastapi_shop")

DEFAULT_CONFIG: Mapping[str, Any] = {"provider": "dummy"}
PUBLIC_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class Product:
    name: str
    price: Money


CATALOG: Mapping[str, Product] = {
    "tea": Product("Georgian black tea, 100 g", Money("12.50", "GEL")),
    "honey": Product("Mountain honey, 250 g", Money("18.00", "GEL")),
}


@dataclass
class Order:
    """The shop's own record of an order and the last payment state it believes."""

    id: str
    product_id: str
    quantity: int
    amount: Money
    payment: Payment | None = None
    paid_at: datetime | None = None
    history: list[str] = field(default_factory=list)


class OrderBook:
    """Orders in memory, found by their own id or their payment's."""

    def __init__(self) -> None:
        self._orders: dict[str, Order] = {}
        self._by_payment: dict[str, str] = {}

    def new(self, product_id: str, quantity: int, amount: Money) -> Order:
        order = Order(f"ord-{uuid.uuid4().hex[:12]}", product_id, quantity, amount)
        self._orders[order.id] = order
        return order

    def get(self, order_id: str) -> Order | None:
        return self._orders.get(order_id)

    def for_payment(self, payment_id: str) -> Order | None:
        order_id = self._by_payment.get(payment_id)
        return None if order_id is None else self._orders.get(order_id)

    def apply(self, order: Order, payment: Payment, source: str) -> None:
        """Keep ``payment`` if it is news for the order; the first paid state marks it paid."""
        if order.payment is not None and not is_newer(order.payment, payment):
            order.history.append(f"{source}: {payment.status.value} (not news)")
            return
        order.payment = payment
        self._by_payment[payment.id] = order.id
        order.history.append(f"{source}: {payment.status.value}")
        if payment.is_paid and order.paid_at is None:
            order.paid_at = datetime.now(UTC)  # fulfil here: ship it, email the customer


class CheckoutForm(BaseModel):
    product_id: str
    quantity: int = Field(default=1, ge=1, le=10)


class CheckoutStarted(BaseModel):
    order_id: str
    payment_id: str
    redirect_url: str | None


class OrderView(BaseModel):
    order_id: str
    amount: str
    status: str | None
    paid: bool
    history: list[str]


def create_app(
    config: Mapping[str, Any] | str | None = None,
    *,
    public_url: str = PUBLIC_URL,
    orders: OrderBook | None = None,
) -> FastAPI:
    """The shop on the gateways ``config`` describes (default: ``PAYMENTS_CONFIG``, or dummy).

    ``public_url`` is where gateways and browsers reach the shop (callback and return
    URLs). ``app.state.gateways`` and ``app.state.orders`` are there for tests.
    Serve it with ``uvicorn --factory examples.fastapi_shop.app:create_app``.
    """
    if config is None:
        config = os.environ.get("PAYMENTS_CONFIG") or DEFAULT_CONFIG
    gateways = Gateways(config)  # checked now; the facades open and close with the app
    book = orders if orders is not None else OrderBook()

    async def on_update(payment: Payment, event: WebhookEvent) -> None:
        order = book.for_payment(payment.id) or book.get(payment.external_id or "")
        if order is None:  # not ours (another shop on the same account): nothing to do
            logger.warning("callback for payment %s of no order", payment.id)
            return
        book.apply(order, payment, "callback")

    app = FastAPI(title="FastAPI shop", lifespan=gateways.lifespan)
    app.state.gateways = gateways
    app.state.orders = book
    app.include_router(webhook_router(gateways, on_update=on_update, prefix="/payments"))
    base = public_url.rstrip("/")
    insecure = urlsplit(base).scheme == "http" and is_loopback_host(urlsplit(base).hostname)

    @app.exception_handler(PaymentError)
    async def payment_failed(request: Request, exc: PaymentError) -> JSONResponse:
        # The code only: a message may name what the customer need not see.
        status = 400 if isinstance(exc, InvalidRequestError) else 502
        return JSONResponse({"error": exc.code.value}, status_code=status)

    @app.post("/orders", status_code=201)
    async def start_checkout(form: CheckoutForm) -> CheckoutStarted:
        product = CATALOG.get(form.product_id)
        if product is None:
            raise HTTPException(404, "no such product")
        order = book.new(form.product_id, form.quantity, product.price * form.quantity)
        payments = gateways.default
        callback_path = app.url_path_for(ROUTE_NAME, gateway=payments.name)
        payment = await payments.create_payment(
            PaymentRequest(
                external_id=order.id,
                amount=order.amount,
                items=[
                    LineItem(
                        product_id=form.product_id,
                        description=product.name,
                        quantity=form.quantity,
                        unit_price=product.price,
                    )
                ],
                callback_url=f"{base}{callback_path}",
                success_url=f"{base}/orders/{order.id}",
                fail_url=f"{base}/orders/{order.id}",
                allow_insecure_callback=insecure,  # plain http only on loopback (development)
            )
        )
        book.apply(order, payment, "checkout")
        return CheckoutStarted(
            order_id=order.id, payment_id=payment.id, redirect_url=payment.redirect_url
        )

    @app.get("/orders/{order_id}")
    async def show_order(order_id: str) -> OrderView:
        order = book.get(order_id)
        if order is None:
            raise HTTPException(404, "no such order")
        return OrderView(
            order_id=order.id,
            amount=str(order.amount),
            status=None if order.payment is None else order.payment.status.value,
            paid=order.paid_at is not None,
            history=order.history,
        )

    return app
