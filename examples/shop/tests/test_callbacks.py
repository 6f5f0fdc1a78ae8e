"""``POST /payments/callback``: verified, deduplicated, and never a step backwards."""

from __future__ import annotations

from examples.shop.tests.harness import ShopUnderTest
from payments_core import CaptureMode, LineItem, Money, PaymentRequest, PaymentStatus


def _callbacks(shop: ShopUnderTest, order_id: str) -> list[str]:
    return [entry.text for entry in shop.order(order_id).history if entry.source == "callback"]


async def test_a_signed_callback_moves_the_order_forward(dummy_shop: ShopUnderTest) -> None:
    order = await dummy_shop.place_order()
    assert order.payment_id is not None
    dummy_shop.dummy.complete(order.payment_id, "succeed")
    headers, body = dummy_shop.dummy.webhook_for(order.payment_id)

    response = await dummy_shop.send_callback(headers, body)

    assert response.status_code == 200
    assert response.json() == {"result": "applied"}
    paid = dummy_shop.order(order.id)
    assert paid.status is PaymentStatus.CAPTURED
    assert paid.captured_amount == Money("38.00", "GEL")
    assert _callbacks(dummy_shop, order.id) == ["payment captured, 38.00 GEL captured"]


async def test_a_tampered_callback_is_refused_with_400(dummy_shop: ShopUnderTest) -> None:
    order = await dummy_shop.place_order()
    assert order.payment_id is not None
    dummy_shop.dummy.complete(order.payment_id, "decline")
    headers, body = dummy_shop.dummy.webhook_for(order.payment_id)
    forged = body.replace(b'"status":"declined"', b'"status":"captured"')
    assert forged != body

    response = await dummy_shop.send_callback(headers, forged)

    assert response.status_code == 400
    assert response.json() == {"error": "webhook_signature_invalid"}
    assert dummy_shop.order(order.id).status is PaymentStatus.PENDING


async def test_an_unsigned_callback_is_refused_with_400(dummy_shop: ShopUnderTest) -> None:
    order = await dummy_shop.place_order()
    assert order.payment_id is not None
    dummy_shop.dummy.complete(order.payment_id, "succeed")
    _, body = dummy_shop.dummy.webhook_for(order.payment_id)

    response = await dummy_shop.send_callback({"Content-Type": "application/json"}, body)

    assert response.status_code == 400
    assert response.json() == {"error": "webhook_signature_invalid"}
    assert dummy_shop.order(order.id).status is PaymentStatus.PENDING


async def test_bog_callbacks_are_verified_with_the_emulators_key(bog_shop: ShopUnderTest) -> None:
    assert bog_shop.sandbox is not None
    order = await bog_shop.place_order()
    await bog_shop.pay_on_bog(order)
    delivery = bog_shop.sandbox.callbacks[-1]
    assert delivery.url == "http://127.0.0.1:8000/payments/callback"
    assert delivery.status_code == 200
    headers = {"Content-Type": "application/json", "Callback-Signature": delivery.signature}

    tampered = delivery.body.replace(b'"completed"', b'"refunded"')
    assert tampered != delivery.body
    assert (await bog_shop.send_callback(headers, tampered)).status_code == 400
    replayed = await bog_shop.send_callback(headers, delivery.body)

    assert replayed.status_code == 200
    assert replayed.json() == {"result": "duplicate"}
    assert bog_shop.order(order.id).status is PaymentStatus.CAPTURED
    assert len(_callbacks(bog_shop, order.id)) == 1


async def test_tbc_callbacks_are_checked_by_address_and_read_back(tbc_shop: ShopUnderTest) -> None:
    assert tbc_shop.tbc is not None
    order = await tbc_shop.place_order()
    await tbc_shop.pay_on_tbc(order)
    delivery = tbc_shop.tbc.callbacks[-1]
    assert delivery.url == "http://127.0.0.1:8000/payments/callback"
    assert delivery.status_code == 200
    assert delivery.payload() == {"PaymentId": order.payment_id}
    assert tbc_shop.order(order.id).status is PaymentStatus.CAPTURED
    headers = {"Content-Type": "application/json"}

    # Unsigned, so the caller's address is what the shop passes on: from elsewhere, refused.
    foreign = await tbc_shop.send_callback(headers, delivery.body, client="203.0.113.9")
    assert foreign.status_code == 400
    assert foreign.json() == {"error": "webhook_signature_invalid"}
    # An id TBC does not know is refused when the payment is read back.
    unknown = await tbc_shop.send_callback(headers, b'{"PaymentId":"nosuchpayment1"}')
    assert unknown.status_code == 400
    # The same news again (same payment, same state read back) is a repeat.
    replayed = await tbc_shop.send_callback(headers, delivery.body)
    assert replayed.status_code == 200
    assert replayed.json() == {"result": "duplicate"}
    assert tbc_shop.order(order.id).status is PaymentStatus.CAPTURED
    assert len(_callbacks(tbc_shop, order.id)) == 1


async def test_a_signed_callback_does_not_depend_on_the_callers_address(
    dummy_shop: ShopUnderTest,
) -> None:
    # The endpoint passes every caller's address on; a gateway that signs ignores it.
    order = await dummy_shop.place_order()
    assert order.payment_id is not None
    dummy_shop.dummy.complete(order.payment_id, "succeed")
    headers, body = dummy_shop.dummy.webhook_for(order.payment_id)
    response = await dummy_shop.send_callback(headers, body, client="203.0.113.9")
    assert response.json() == {"result": "applied"}
    assert dummy_shop.order(order.id).status is PaymentStatus.CAPTURED


async def test_a_repeated_callback_is_applied_once(dummy_shop: ShopUnderTest) -> None:
    order = await dummy_shop.place_order()
    assert order.payment_id is not None
    dummy_shop.dummy.complete(order.payment_id, "succeed")
    headers, body = dummy_shop.dummy.webhook_for(order.payment_id)

    first = await dummy_shop.send_callback(headers, body)
    again = await dummy_shop.send_callback(headers, body)

    assert first.json() == {"result": "applied"}
    assert again.status_code == 200
    assert again.json() == {"result": "duplicate"}
    assert len(_callbacks(dummy_shop, order.id)) == 1


async def test_an_older_status_arriving_late_is_ignored(dummy_shop: ShopUnderTest) -> None:
    order = await dummy_shop.place_order()
    assert order.payment_id is not None
    old_headers, old_body = dummy_shop.dummy.webhook_for(order.payment_id)  # still pending
    dummy_shop.dummy.complete(order.payment_id, "succeed")
    new_headers, new_body = dummy_shop.dummy.webhook_for(order.payment_id)  # captured

    assert (await dummy_shop.send_callback(new_headers, new_body)).json() == {"result": "applied"}
    late = await dummy_shop.send_callback(old_headers, old_body)

    assert late.status_code == 200
    assert late.json() == {"result": "stale"}
    kept = dummy_shop.order(order.id)
    assert kept.status is PaymentStatus.CAPTURED
    assert "ignored an older update (pending)" in kept.history[-1].text


async def test_partial_refunds_reported_in_reverse_order_keep_the_larger_total(
    dummy_shop: ShopUnderTest,
) -> None:
    order = await dummy_shop.place_order("felt-slippers")
    assert order.payment_id is not None
    dummy_shop.dummy.complete(order.payment_id, "succeed")
    await dummy_shop.payments.refund(order.payment_id, Money("10.00", "GEL"))
    first = dummy_shop.dummy.webhook_for(order.payment_id)
    await dummy_shop.payments.refund(order.payment_id, Money("5.00", "GEL"))
    second = dummy_shop.dummy.webhook_for(order.payment_id)

    assert (await dummy_shop.send_callback(*second)).json() == {"result": "applied"}
    assert (await dummy_shop.send_callback(*first)).json() == {"result": "stale"}

    kept = dummy_shop.order(order.id)
    assert kept.status is PaymentStatus.PARTIALLY_REFUNDED
    assert kept.refunded_amount == Money("15.00", "GEL")


async def test_a_refund_status_after_missed_steps_is_still_applied(
    dummy_shop: ShopUnderTest,
) -> None:
    order = await dummy_shop.place_order()
    assert order.payment_id is not None
    dummy_shop.dummy.complete(order.payment_id, "succeed")
    await dummy_shop.payments.refund(order.payment_id)
    # The shop saw neither the capture nor the refund: pending -> refunded is forward.
    response = await dummy_shop.send_callback(*dummy_shop.dummy.webhook_for(order.payment_id))
    assert response.json() == {"result": "applied"}
    assert dummy_shop.order(order.id).status is PaymentStatus.REFUNDED


async def test_a_callback_for_a_payment_the_shop_does_not_know_is_acknowledged(
    dummy_shop: ShopUnderTest,
) -> None:
    price = Money("1.00", "GEL")
    stranger = await dummy_shop.payments.create_payment(
        PaymentRequest(
            external_id="not-a-shop-order",
            amount=price,
            items=[LineItem(product_id="x", quantity=1, unit_price=price)],
            callback_url="https://elsewhere.example/callback",
            capture=CaptureMode.AUTOMATIC,
        )
    )
    response = await dummy_shop.send_callback(*dummy_shop.dummy.webhook_for(stranger.id))
    assert response.status_code == 200
    assert response.json() == {"result": "unknown"}
