"""A customer buys tea: the checkout view, the gateway's callback, the order paid."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from examples.django_shop.tests.conftest import WEBHOOK_SECRET, Shop
from payments_core import LineItem, Money, PaymentRequest, ProviderUnavailableError


def _order(pk: int) -> Any:
    from examples.django_shop.orders.models import Order

    return Order.objects.get(pk=pk)


def test_the_page_offers_the_tea(shop: Shop) -> None:
    page = shop.client.get("/")
    assert page.status_code == 200
    assert "Buy Georgian black tea, 250 g for 12.50 GEL" in page.text


def test_buying_sends_the_customer_to_the_gateways_page(shop: Shop) -> None:
    response, order = shop.buy()

    assert response.status_code == 302
    assert order.payment_id
    assert response["Location"] == f"https://dummy.invalid/pay/{order.payment_id}"
    assert order.gateway == "dummy"
    assert order.status == "awaiting_payment"
    payment = shop.gateway.get_payment(order.payment_id)
    assert payment.external_id == f"order-{order.pk}"
    assert payment.amount == Money("12.50", "GEL")


def test_the_gateways_callback_marks_the_order_paid(shop: Shop) -> None:
    _, order = shop.buy()
    shop.dummy.complete(order.payment_id)  # the customer pays

    response = shop.callback(shop.dummy.webhook_for(order.payment_id))

    assert response.json() == {"result": "applied"}
    assert _order(order.pk).status == "paid"
    page = shop.client.get(f"/?order={order.pk}")
    assert f"Order {order.pk} (12.50 GEL): <strong>paid</strong>" in page.text


def test_repeated_and_late_callbacks_change_nothing(shop: Shop) -> None:
    _, order = shop.buy()
    pending = shop.dummy.webhook_for(order.payment_id)
    shop.dummy.complete(order.payment_id)
    paid = shop.dummy.webhook_for(order.payment_id)

    assert shop.callback(paid).json() == {"result": "applied"}
    assert shop.callback(paid).json() == {"result": "duplicate"}
    assert shop.callback(pending).json() == {"result": "stale"}
    assert _order(order.pk).status == "paid"

    shop.gateway.refund(order.payment_id)
    assert shop.callback(shop.dummy.webhook_for(order.payment_id)).json() == {"result": "applied"}
    assert _order(order.pk).status == "refunded"
    assert shop.callback(shop.dummy.webhook_for(order.payment_id)).json() == {"result": "stale"}
    assert _order(order.pk).status == "refunded"


def test_a_declined_payment_fails_the_order(shop: Shop) -> None:
    _, order = shop.buy()
    shop.dummy.complete(order.payment_id, "decline")

    shop.callback(shop.dummy.webhook_for(order.payment_id))

    assert _order(order.pk).status == "failed"


def test_a_forged_callback_leaves_the_order_unpaid(shop: Shop) -> None:
    _, order = shop.buy()
    headers, body = shop.dummy.webhook_for(order.payment_id)
    forged = body.replace(b'"pending"', b'"captured"')

    response = shop.callback((headers, forged))

    assert response.status_code == 400
    assert response.json() == {"error": "webhook_signature_invalid"}
    assert _order(order.pk).status == "awaiting_payment"
    assert WEBHOOK_SECRET not in response.text


def test_a_callback_that_overtakes_the_checkouts_answer_finds_its_order(shop: Shop) -> None:
    from examples.django_shop.orders.models import Order

    order = Order.objects.create(item="tea", amount="12.50", currency="GEL")
    payment = shop.gateway.create_payment(
        PaymentRequest(
            external_id=f"order-{order.pk}",
            amount=Money("12.50", "GEL"),
            items=[LineItem(product_id="tea-01", quantity=1, unit_price=Money("12.50", "GEL"))],
            callback_url="https://testserver/payments/webhooks/dummy/",
            provider_options={"outcome": "succeed"},
        )
    )

    shop.callback(shop.dummy.webhook_for(payment.id))

    order.refresh_from_db()
    assert (order.status, order.payment_id, order.gateway) == ("paid", payment.id, "dummy")


def test_a_payment_for_another_amount_does_not_pay_the_order(shop: Shop) -> None:
    from examples.django_shop.orders.models import Order

    order = Order.objects.create(item="tea", amount="12.50", currency="GEL")
    payment = shop.gateway.create_payment(
        PaymentRequest(
            external_id=f"order-{order.pk}",
            amount=Money("0.50", "GEL"),
            items=[LineItem(product_id="tea-01", quantity=1, unit_price=Money("0.50", "GEL"))],
            callback_url="https://testserver/payments/webhooks/dummy/",
            provider_options={"outcome": "succeed"},
        )
    )

    shop.callback(shop.dummy.webhook_for(payment.id))

    assert _order(order.pk).status == "awaiting_payment"


def test_a_checkout_the_gateway_cannot_start_says_so(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unavailable(request: PaymentRequest) -> None:
        raise ProviderUnavailableError("the gateway is down", provider="dummy")

    monkeypatch.setattr(shop.gateway, "create_payment", unavailable)

    response, order = shop.buy()

    assert response.status_code == 502
    assert order.status == "failed"
    assert "not paid" in response.text


def test_the_project_passes_djangos_checks(shop: Shop) -> None:
    call_command("check", fail_level="WARNING")
