"""The receiver of ``payment_updated``: the one place an order's payment status changes.

The signal comes once per new state of a verified payment, in order (never an
older state after a newer one), so the receiver only maps the state to the order.
"""

from __future__ import annotations

import logging
from typing import Any

from examples.django_shop.orders.models import FAILED, PAID, REFUNDED, Order
from payments_core import Payment, PaymentStatus

logger = logging.getLogger(__name__)

_NOT_PAID = {PaymentStatus.DECLINED, PaymentStatus.EXPIRED, PaymentStatus.CANCELED}


def _order_for(payment: Payment) -> Order | None:
    order: Order | None = Order.objects.filter(payment_id=payment.id).first()
    number = (payment.external_id or "").removeprefix("order-")
    if order is None and number.isdigit():
        # The callback overtook create_payment's answer: find it by its number.
        order = Order.objects.filter(pk=int(number), payment_id="").first()
    return order


def update_order(sender: str, payment: Payment, **kwargs: Any) -> None:
    """Mark the order paid, refunded or failed as its payment says."""
    order = _order_for(payment)
    if order is None:
        logger.warning("gateway=%s payment_id=%s: no order for this payment", sender, payment.id)
        return
    if payment.status is PaymentStatus.REFUNDED:
        status = REFUNDED
    elif payment.is_paid:
        status = PAID
    elif payment.status in _NOT_PAID:
        status = FAILED
    else:
        return  # still on its way
    if status == PAID and payment.amount != order.total:
        logger.error("order %s: paid %s, but it costs %s", order.pk, payment.amount, order.total)
        return
    Order.objects.filter(pk=order.pk).update(status=status, gateway=sender, payment_id=payment.id)
