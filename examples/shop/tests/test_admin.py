"""The admin page: refunds (full or an amount), pre-authorization capture and void."""

from __future__ import annotations

import httpx

from examples.shop.orders import Order
from examples.shop.tests.harness import ShopUnderTest
from payments_core import Money, PaymentStatus


async def _paid_order(shop: ShopUnderTest, capture: str = "automatic") -> Order:
    order = await shop.place_order("felt-slippers", capture=capture)
    await shop.pay(order)
    paid = shop.order(order.id)
    expected = PaymentStatus.AUTHORIZED if capture == "manual" else PaymentStatus.CAPTURED
    assert paid.status is expected
    return paid


async def _act(
    shop: ShopUnderTest, order: Order, action: str, amount: str = ""
) -> tuple[httpx.Response, str]:
    """Post an admin action; the redirect and the admin page it leads to."""
    response = await shop.client.post(f"/admin/orders/{order.id}/{action}", data={"amount": amount})
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin?notice=")
    page = await shop.client.get(response.headers["location"])
    return response, page.text


async def test_admin_page_lists_orders_with_the_actions_their_status_allows(
    any_shop: ShopUnderTest,
) -> None:
    paid = await _paid_order(any_shop)
    held = await _paid_order(any_shop, capture="manual")
    page = (await any_shop.client.get("/admin")).text
    assert f'data-order="{paid.id}"' in page
    assert f'action="/admin/orders/{paid.id}/refund"' in page
    assert f'action="/admin/orders/{paid.id}/capture"' not in page
    assert f'action="/admin/orders/{held.id}/capture"' in page
    assert f'action="/admin/orders/{held.id}/void"' in page
    assert f'action="/admin/orders/{held.id}/refund"' not in page


async def test_full_refund(any_shop: ShopUnderTest) -> None:
    order = await _paid_order(any_shop)
    _, page = await _act(any_shop, order, "refund")
    refunded = any_shop.order(order.id)
    assert refunded.status is PaymentStatus.REFUNDED
    assert refunded.refunded_amount == Money("55.00", "GEL")
    assert "The order is now refunded" in page
    assert 'data-status="refunded"' in page
    assert "admin" in {entry.source for entry in refunded.history}


async def test_partial_refunds_add_up(any_shop: ShopUnderTest) -> None:
    order = await _paid_order(any_shop)
    await _act(any_shop, order, "refund", "10.50")
    once = any_shop.order(order.id)
    assert once.status is PaymentStatus.PARTIALLY_REFUNDED
    assert once.refunded_amount == Money("10.50", "GEL")

    if any_shop.gateway == "tbc":
        # TBC allows one partial refund per payment per day: the second is refused by
        # the bank, explained to the admin, and the rest goes back as a full refund.
        _, page = await _act(any_shop, order, "refund", "44.50")
        assert "refund failed" in page
        assert 'class="notice error"' in page
        assert "partial cancel was already made" in any_shop.order(order.id).history[-1].text
        assert any_shop.order(order.id).refunded_amount == Money("10.50", "GEL")
        await _act(any_shop, order, "refund")
    else:
        await _act(any_shop, order, "refund", "44.50")
    assert any_shop.order(order.id).status is PaymentStatus.REFUNDED
    assert any_shop.order(order.id).refunded_amount == Money("55.00", "GEL")


async def test_a_refund_above_what_was_paid_is_refused_and_explained(
    any_shop: ShopUnderTest,
) -> None:
    order = await _paid_order(any_shop)
    _, page = await _act(any_shop, order, "refund", "60.00")
    assert "refund failed" in page
    assert 'class="notice error"' in page
    # refused for the amount (the wording is each gateway's), not for any other reason
    explained = any_shop.order(order.id).history[-1]
    assert explained.source == "admin"
    assert explained.text.startswith("refund failed: cannot refund 60.00 GEL")
    assert "only 55.00 GEL" in explained.text
    assert any_shop.order(order.id).status is PaymentStatus.CAPTURED


async def test_a_malformed_amount_is_refused_before_the_gateway_is_asked(
    dummy_shop: ShopUnderTest,
) -> None:
    order = await _paid_order(dummy_shop)
    reasons = {
        "abc": "amount 'abc' is not a number",
        "1.001": "amount 1.001 has more decimals than GEL allows",
        "-5": "amount must be greater than zero",
    }
    for amount, reason in reasons.items():
        _, page = await _act(dummy_shop, order, "refund", amount)
        assert "refund failed" in page, amount
        explained = dummy_shop.order(order.id).history[-1].text
        assert explained.startswith(f"refund failed: {reason}"), amount
    assert dummy_shop.order(order.id).status is PaymentStatus.CAPTURED
    assert order.payment_id is not None
    assert (await dummy_shop.payments.get_payment(order.payment_id)).operations == ()


async def test_capture_of_a_reservation(any_shop: ShopUnderTest) -> None:
    order = await _paid_order(any_shop, capture="manual")
    _, page = await _act(any_shop, order, "capture")
    captured = any_shop.order(order.id)
    assert captured.status is PaymentStatus.CAPTURED
    assert captured.captured_amount == Money("55.00", "GEL")
    assert "The order is now captured" in page


async def test_partial_capture_then_refund(any_shop: ShopUnderTest) -> None:
    order = await _paid_order(any_shop, capture="manual")
    await _act(any_shop, order, "capture", "30.00")
    partly = any_shop.order(order.id)
    assert partly.captured_amount == Money("30.00", "GEL")
    assert partly.status in (PaymentStatus.PARTIALLY_CAPTURED, PaymentStatus.CAPTURED)

    await _act(any_shop, order, "refund")
    refunded = any_shop.order(order.id)
    assert refunded.status is PaymentStatus.REFUNDED
    assert refunded.refunded_amount == Money("30.00", "GEL")


async def test_void_releases_a_reservation(any_shop: ShopUnderTest) -> None:
    order = await _paid_order(any_shop, capture="manual")
    _, page = await _act(any_shop, order, "void")
    assert any_shop.order(order.id).status is PaymentStatus.CANCELED
    assert "The order is now canceled" in page


async def test_capture_of_a_captured_payment_is_refused(dummy_shop: ShopUnderTest) -> None:
    order = await _paid_order(dummy_shop)
    _, page = await _act(dummy_shop, order, "capture")
    assert "capture failed" in page
    assert "only authorized payments can be captured" in dummy_shop.order(order.id).history[-1].text
    assert dummy_shop.order(order.id).status is PaymentStatus.CAPTURED


async def test_refresh_asks_the_gateway(dummy_shop: ShopUnderTest) -> None:
    order = await dummy_shop.place_order()
    assert order.payment_id is not None
    dummy_shop.dummy.complete(order.payment_id, "succeed")  # no callback sent
    _, page = await _act(dummy_shop, order, "refresh")
    assert f"Order {order.id} refreshed." in page
    assert dummy_shop.order(order.id).status is PaymentStatus.CAPTURED


async def test_admin_actions_posted_from_another_site_are_refused(
    dummy_shop: ShopUnderTest,
) -> None:
    order = await _paid_order(dummy_shop)
    response = await dummy_shop.client.post(
        f"/admin/orders/{order.id}/refund", headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 403
    assert "Cross-site form posts are refused" in response.text
    assert dummy_shop.order(order.id).status is PaymentStatus.CAPTURED


async def test_unknown_actions_and_orders_are_404(dummy_shop: ShopUnderTest) -> None:
    order = await _paid_order(dummy_shop)
    steal = await dummy_shop.client.post(f"/admin/orders/{order.id}/steal")
    assert steal.status_code == 404
    assert "No such action" in steal.text
    missing = await dummy_shop.client.post("/admin/orders/999/refund")
    assert missing.status_code == 404
    assert "No such order" in missing.text
