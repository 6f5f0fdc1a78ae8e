"""One checkout for every gateway: buy, pay, hear back, refund in two steps.

Nothing here names a provider. The gateway comes from configuration
(``Payments.from_config``); the customer's part (paying on the gateway's page)
and the gateway's callbacks arrive from outside, as they do in a real shop.
Every update goes through :func:`payments_core.is_newer`, so a callback that
arrives late or twice never moves the order backwards.

The sync and async versions read the same; a shop uses whichever its web
framework runs on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from payments_core import (
    AsyncPayments,
    LineItem,
    Money,
    Payment,
    PaymentRequest,
    Payments,
    is_newer,
)

__all__ = ["Callback", "Order", "checkout", "checkout_async", "order_request"]

Callback = tuple[dict[str, str], bytes]
"""A callback as the shop's endpoint received it: headers and the raw body."""

REFUND_WAIT = 10.0


@dataclass
class Order:
    """The shop's own record: the last payment state it believes, and why."""

    number: str
    payment: Payment | None = None
    history: list[str] = field(default_factory=list)

    def update(self, payment: Payment, source: str) -> None:
        """Keep ``payment`` only if it is newer than what the order holds."""
        if self.payment is None or is_newer(self.payment, payment):
            self.payment = payment
            self.history.append(f"{source}: {payment.status.value}")
        else:
            self.history.append(f"{source}: stale {payment.status.value} ignored")


def order_request(number: str, callback_url: str, *, allow_insecure: bool) -> PaymentRequest:
    """Two items, 42.50 GEL: what the customer put in the basket."""
    gel = "GEL"
    return PaymentRequest(
        external_id=number,
        amount=Money("42.50", gel),
        items=[
            LineItem(product_id="tea-01", quantity=2, unit_price=Money("12.50", gel)),
            LineItem(product_id="honey-02", quantity=1, unit_price=Money("17.50", gel)),
        ],
        require_items_total=True,
        callback_url=callback_url,
        allow_insecure_callback=allow_insecure,
        success_url=f"https://shop.example/orders/{number}",
        locale="en",
    )


def checkout(
    payments: Payments,
    order: Order,
    request: PaymentRequest,
    customer_pays: Callable[[Payment], object],
    next_callback: Callable[[str], Callback],
) -> Order:
    """Create, let the customer pay, apply the callback, refund 12.50, then the rest."""
    created = payments.create_payment(request)
    order.update(created, "create")
    customer_pays(created)
    headers, body = next_callback(created.id)
    order.update(payments.parse_webhook(headers, body).payment, "callback")
    order.update(payments.get_payment(created.id), "read")
    for amount in (Money("12.50", "GEL"), None):
        before = _refunded(order)
        payments.refund(created.id, amount)
        deadline = time.monotonic() + REFUND_WAIT
        while _refunded(order) <= before and time.monotonic() < deadline:
            time.sleep(0.02)
            order.update(payments.get_payment(created.id), "read")
    return order


async def checkout_async(
    payments: AsyncPayments,
    order: Order,
    request: PaymentRequest,
    customer_pays: Callable[[Payment], Awaitable[object]],
    next_callback: Callable[[str], Awaitable[Callback]],
) -> Order:
    """:func:`checkout` on an ``AsyncPayments``."""
    created = await payments.create_payment(request)
    order.update(created, "create")
    await customer_pays(created)
    headers, body = await next_callback(created.id)
    order.update((await payments.parse_webhook(headers, body)).payment, "callback")
    order.update(await payments.get_payment(created.id), "read")
    for amount in (Money("12.50", "GEL"), None):
        before = _refunded(order)
        await payments.refund(created.id, amount)
        deadline = time.monotonic() + REFUND_WAIT
        while _refunded(order) <= before and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
            order.update(await payments.get_payment(created.id), "read")
    return order


def _refunded(order: Order) -> Money:
    payment = order.payment
    assert payment is not None
    return payment.refunded_amount or Money.zero(payment.amount.currency)
