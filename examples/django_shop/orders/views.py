"""The checkout page: ``GET /`` shows it, ``POST /`` starts paying for a box of tea."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import format_html

from examples.django_shop.orders.models import FAILED, Order
from payments_core import LineItem, Money, PaymentError, PaymentRequest
from payments_core.contrib.django import callback_url, get_payments

logger = logging.getLogger(__name__)

SKU = "tea-01"
ITEM = "Georgian black tea, 250 g"
PRICE = Money("12.50", "GEL")


def checkout(request: Any) -> Any:
    if request.method == "POST":
        return _start_checkout(request)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "POST"])
    number = request.GET.get("order", "")
    order = Order.objects.filter(pk=int(number)).first() if number.isdigit() else None
    return _page(request, order)


def _start_checkout(request: Any) -> Any:
    order = Order.objects.create(item=ITEM, amount=PRICE.amount, currency=PRICE.currency)
    payments = get_payments()  # the default gateway of settings.PAYMENTS
    back = request.build_absolute_uri(f"{reverse('checkout')}?order={order.pk}")
    try:
        payment = payments.create_payment(
            PaymentRequest(
                external_id=order.external_id,
                amount=PRICE,
                items=[LineItem(product_id=SKU, description=ITEM, quantity=1, unit_price=PRICE)],
                callback_url=callback_url(request, payments.name),
                success_url=back,
                fail_url=back,
            )
        )
    except PaymentError as exc:
        logger.warning("order %s: the payment could not be started: %s", order.pk, exc.code)
        Order.objects.filter(pk=order.pk).update(status=FAILED)
        order.refresh_from_db()
        return _page(request, order, status=502)
    # Only the payment's id: its status comes from the callback, through the signal.
    Order.objects.filter(pk=order.pk).update(gateway=payments.name, payment_id=payment.id)
    if payment.redirect_url is None:
        return HttpResponseRedirect(back)
    return HttpResponseRedirect(payment.redirect_url)  # the gateway's payment page


def _page(request: Any, order: Order | None, status: int = 200) -> Any:
    about = ""
    if order is not None:
        about = format_html(
            "<p>Order {} ({}): <strong>{}</strong></p>",
            order.pk,
            order.total,
            order.get_status_display(),
        )
    html = format_html(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Tea shop</title>'
        "</head><body><h1>Tea shop</h1>{}"
        '<form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="{}">'
        "<button>Buy {} for {}</button></form></body></html>",
        about,
        get_token(request),
        ITEM,
        PRICE,
    )
    return HttpResponse(html, status=status)
