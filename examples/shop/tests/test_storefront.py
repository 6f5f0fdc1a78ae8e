"""Products, cart, checkout and the customer's pages, on every gateway."""

from __future__ import annotations

import uuid

import httpx

from examples.shop.app import CART_COOKIE, create_app
from examples.shop.catalog import PRODUCTS
from examples.shop.orders import OrderBook
from examples.shop.tests.harness import DECLINED_CARD, SHOP, ShopUnderTest
from payments_core import AsyncPayments, CaptureMode, Money, PaymentStatus


async def test_product_page_lists_every_product_with_its_gel_price(
    dummy_shop: ShopUnderTest,
) -> None:
    page = await dummy_shop.client.get("/")
    assert page.status_code == 200
    for product in PRODUCTS:
        assert product.name in page.text
        assert f"{product.price.amount} GEL" in page.text
    assert page.text.count('action="/cart/add"') == len(PRODUCTS)


def test_catalog_prices_are_exact_gel_money() -> None:
    assert {p.price.currency for p in PRODUCTS} == {"GEL"}
    assert Money("7.90", "GEL") in {p.price for p in PRODUCTS}
    assert 3 <= len(PRODUCTS) <= 4


async def test_adding_to_the_cart_sets_a_cookie_and_shows_the_total(
    dummy_shop: ShopUnderTest,
) -> None:
    added = await dummy_shop.add("churchkhela", 2)
    assert added.status_code == 303
    assert added.headers["location"] == "/cart"
    assert CART_COOKIE in added.cookies
    await dummy_shop.add("svanetian-salt")
    cart = await dummy_shop.client.get("/cart")
    assert "Churchkhela" in cart.text
    assert "16.90 GEL" in cart.text  # 2 x 4.50 + 7.90, exact
    assert 'class="count">3<' in cart.text


async def test_removing_from_the_cart(dummy_shop: ShopUnderTest) -> None:
    await dummy_shop.add("churchkhela")
    await dummy_shop.client.post("/cart/remove", data={"product_id": "churchkhela"})
    cart = await dummy_shop.client.get("/cart")
    assert "Your cart is empty" in cart.text


async def test_unknown_product_is_not_added(dummy_shop: ShopUnderTest) -> None:
    response = await dummy_shop.client.post("/cart/add", data={"product_id": "caviar"})
    assert response.status_code == 404
    assert "No such product" in response.text


async def test_checkout_of_an_empty_cart_goes_back_to_the_cart(dummy_shop: ShopUnderTest) -> None:
    response = await dummy_shop.checkout()
    assert response.status_code == 303
    assert response.headers["location"] == "/cart"
    assert dummy_shop.orders.all() == []


async def test_checkout_creates_a_payment_and_redirects_to_the_bog_page(
    bog_shop: ShopUnderTest,
) -> None:
    assert bog_shop.sandbox is not None
    await bog_shop.add("saperavi", 2)
    response = await bog_shop.checkout()

    assert response.status_code == 303
    order = bog_shop.orders.all()[0]
    assert order.payment_id is not None
    assert response.headers["location"] == order.redirect_url
    assert response.headers["location"].startswith(f"{bog_shop.sandbox.public_base_url}/?order_id=")
    assert order.status is PaymentStatus.PENDING
    assert order.total == Money("76.00", "GEL")
    # The emulator holds the order the shop described, with its return and callback URLs.
    payment = await bog_shop.payments.get_payment(order.payment_id)
    assert payment.external_id == order.id
    assert payment.amount == Money("76.00", "GEL")
    bog_order = bog_shop.sandbox.store.order(order.payment_id)
    assert bog_order.request.success_url == f"{SHOP}/checkout/success/{order.id}"
    assert bog_order.request.fail_url == f"{SHOP}/checkout/fail/{order.id}"
    # The cart is emptied once the payment exists.
    assert "Your cart is empty" in (await bog_shop.client.get("/cart")).text


async def test_checkout_on_the_dummy_redirects_to_the_shops_stand_in_page(
    dummy_shop: ShopUnderTest,
) -> None:
    await dummy_shop.add()
    response = await dummy_shop.checkout()
    order = dummy_shop.orders.all()[0]
    assert response.headers["location"] == f"{SHOP}/dummy-pay/{order.payment_id}"


async def test_reserve_starts_a_manual_capture_payment(any_shop: ShopUnderTest) -> None:
    order = await any_shop.place_order(capture="manual")
    assert order.capture is CaptureMode.MANUAL
    assert order.payment_id is not None
    payment = await any_shop.payments.get_payment(order.payment_id)
    assert payment.capture is CaptureMode.MANUAL


async def test_paying_lands_on_the_success_page_with_the_order_paid(
    any_shop: ShopUnderTest,
) -> None:
    order = await any_shop.place_order("felt-slippers")
    back = await any_shop.pay(order)
    assert back.status_code == 303
    assert back.headers["location"] == any_shop.return_url(order)
    assert back.headers["location"] == f"{SHOP}/checkout/success/{order.id}"

    page = await any_shop.client.get(back.headers["location"])
    assert "Thank you! Your payment was received." in page.text
    assert 'data-status="captured"' in page.text
    assert "55.00 GEL" in page.text
    paid = any_shop.order(order.id)
    assert paid.status is PaymentStatus.CAPTURED
    assert paid.captured_amount == Money("55.00", "GEL")
    if any_shop.gateway == "tbc":
        assert paid.card is None  # TBC's payment details name the card only when it is saved
    else:
        assert paid.card is not None
        assert paid.card.masked_number is not None
        assert paid.card.masked_number in page.text
    # The gateway's callback reached the shop before the customer did.
    assert "callback" in {entry.source for entry in paid.history}


async def test_a_declined_card_shows_the_decline_reason(any_shop: ShopUnderTest) -> None:
    order = await any_shop.place_order()
    back = await any_shop.pay(order, succeed=False)
    # The fail URL; on TBC, with its one return URL, the success URL: the page goes by
    # the payment it reads, not by the URL.
    assert back.headers["location"] == any_shop.return_url(order, succeed=False)

    page = await any_shop.client.get(back.headers["location"])
    assert "Payment declined" in page.text
    assert 'data-decline="insufficient_funds"' in page.text
    declined = any_shop.order(order.id)
    assert declined.status is PaymentStatus.DECLINED
    assert declined.decline is not None
    if any_shop.gateway == "tbc":
        # TBC gives a result code and no text: the page words the normalized code.
        assert declined.decline.message is None
        assert declined.decline.provider_code == "decline_not_sufficient_funds"
        assert ">insufficient funds</span>" in page.text
    else:
        assert declined.decline.message is not None
        assert declined.decline.message in page.text


async def test_the_success_page_asks_the_gateway_instead_of_trusting_the_url(
    dummy_shop: ShopUnderTest,
) -> None:
    order = await dummy_shop.place_order()
    # Someone opens the success URL without paying: the order stays unpaid.
    page = await dummy_shop.client.get(f"/checkout/success/{order.id}")
    assert "Waiting for your bank" in page.text
    assert dummy_shop.order(order.id).status is PaymentStatus.PENDING
    # Paid without a callback reaching the shop: the page's poll finds out.
    assert order.payment_id is not None
    dummy_shop.dummy.complete(order.payment_id, "succeed")
    page = await dummy_shop.client.get(f"/checkout/success/{order.id}")
    assert "Thank you! Your payment was received." in page.text
    polled = dummy_shop.order(order.id)
    assert polled.status is PaymentStatus.CAPTURED
    assert polled.history[-1].source == "poll"


async def test_leaving_the_payment_page_unpaid_offers_to_continue(
    bog_shop: ShopUnderTest,
) -> None:
    order = await bog_shop.place_order()
    page = await bog_shop.client.get(f"/checkout/fail/{order.id}")
    assert "Payment not completed" in page.text
    assert "Continue to payment" in page.text
    assert order.redirect_url is not None
    assert f'href="{order.redirect_url}"' in page.text


async def test_leaving_tbcs_page_unpaid_lands_on_its_one_return_url_and_offers_to_continue(
    tbc_shop: ShopUnderTest,
) -> None:
    assert tbc_shop.bank is not None
    order = await tbc_shop.place_order()
    assert order.redirect_url is not None
    checkout = await tbc_shop.bank.get(order.redirect_url)
    # TBC's page links back to the one return URL it has: the shop's success URL.
    back = f"{SHOP}/checkout/success/{order.id}"
    assert f'href="{back}"' in checkout.text

    page = await tbc_shop.client.get(back)
    assert "Waiting for your bank" in page.text
    assert "If you left the payment page before paying, continue to payment." in page.text
    assert f'href="{order.redirect_url}"' in page.text
    assert tbc_shop.order(order.id).status is PaymentStatus.PENDING


async def test_order_page_shows_status_amounts_card_and_decline(bog_shop: ShopUnderTest) -> None:
    order = await bog_shop.place_order("svanetian-salt", 3)
    await bog_shop.pay_on_bog(order, DECLINED_CARD)
    page = await bog_shop.client.get(f"/orders/{order.id}")
    assert page.status_code == 200
    text = page.text
    assert f"Order {order.id}" in text
    assert 'data-status="declined"' in text
    assert "23.70 GEL" in text  # 3 x 7.90
    assert "400000xxxxxx0002" in text
    assert 'data-decline="insufficient_funds"' in text
    assert "Payment declined due to insufficient funds" in text
    assert str(order.payment_id) in text


async def test_an_unknown_order_is_404(dummy_shop: ShopUnderTest) -> None:
    for path in ("/orders/999", "/checkout/success/999", "/checkout/elsewhere/1001"):
        response = await dummy_shop.client.get(path)
        assert response.status_code == 404, path
        assert "Not found" in response.text


async def test_a_checkout_the_gateway_refuses_keeps_the_cart_and_says_why() -> None:
    payments = AsyncPayments("dummy", store=f"shop-test-{uuid.uuid4().hex}")
    orders = OrderBook()
    # A public http:// address: the callback URL must be HTTPS there.
    app = create_app(payments, orders=orders, public_url="http://shop.example")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://shop.example") as client:
        await client.post("/cart/add", data={"product_id": "saperavi"})
        response = await client.post("/checkout", data={"capture": "automatic"})
        assert response.status_code == 502
        assert "Checkout failed" in response.text
        assert "HTTPS" in response.text
        assert "Qvevri Saperavi" in (await client.get("/cart")).text
    (order,) = orders.all()
    assert order.payment_id is None
    assert order.error is not None
    assert "callback_url must use HTTPS" in order.error
    await payments.aclose()
