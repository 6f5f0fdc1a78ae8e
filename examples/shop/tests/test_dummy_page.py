"""The shop's stand-in payment page for the dummy gateway (``/dummy-pay/{id}``)."""

from __future__ import annotations

from examples.shop.tests.harness import SHOP, ShopUnderTest
from payments_core import PaymentStatus


async def test_the_page_shows_the_amount_and_both_choices(dummy_shop: ShopUnderTest) -> None:
    order = await dummy_shop.place_order("churchkhela", 2)
    page = await dummy_shop.client.get(f"/dummy-pay/{order.payment_id}")
    assert page.status_code == 200
    assert "9.00 GEL" in page.text
    assert f"Order {order.id}" in page.text
    assert 'value="succeed"' in page.text
    assert 'value="decline"' in page.text


async def test_paying_sends_the_signed_callback_through_the_shops_endpoint(
    dummy_shop: ShopUnderTest,
) -> None:
    order = await dummy_shop.place_order()
    back = await dummy_shop.client.post(
        f"/dummy-pay/{order.payment_id}", data={"outcome": "succeed"}
    )
    assert back.status_code == 303
    assert back.headers["location"] == f"{SHOP}/checkout/success/{order.id}"
    paid = dummy_shop.order(order.id)
    assert paid.status is PaymentStatus.CAPTURED
    assert [e.source for e in paid.history if "captured" in e.text] == ["callback"]


async def test_a_closed_payment_cannot_be_paid_again(dummy_shop: ShopUnderTest) -> None:
    order = await dummy_shop.place_order()
    url = f"/dummy-pay/{order.payment_id}"
    await dummy_shop.client.post(url, data={"outcome": "decline"})
    assert (await dummy_shop.client.get(url)).status_code == 409
    again = await dummy_shop.client.post(url, data={"outcome": "succeed"})
    assert again.status_code == 409
    assert dummy_shop.order(order.id).status is PaymentStatus.DECLINED


async def test_a_bad_outcome_or_payment_is_refused(dummy_shop: ShopUnderTest) -> None:
    order = await dummy_shop.place_order()
    url = f"/dummy-pay/{order.payment_id}"
    steal = await dummy_shop.client.post(url, data={"outcome": "steal"})
    assert steal.status_code == 400
    assert "outcome must be succeed or decline" in steal.text
    nope = await dummy_shop.client.get("/dummy-pay/dpay_nope")
    assert nope.status_code == 404
    assert "no dummy payment" in nope.text
    assert dummy_shop.order(order.id).status is PaymentStatus.PENDING


async def test_there_is_no_stand_in_page_on_a_real_gateway(real_shop: ShopUnderTest) -> None:
    shop = real_shop
    order = await shop.place_order()
    url = f"/dummy-pay/{order.payment_id}"
    for response in (
        await shop.client.get(url),
        await shop.client.post(url, data={"outcome": "succeed"}),
    ):
        assert response.status_code == 404
        assert "serves the dummy gateway only" in response.text
    assert shop.order(order.id).status is PaymentStatus.PENDING
