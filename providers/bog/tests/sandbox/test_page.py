"""The hosted payment page: Georgian and English, card choice, redirects."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from payments_bog.sandbox import TEST_CARDS, BogSandbox

TEST_VISA = "4000000000000001"


async def open_page(bog: Any, order_id: str, **params: str) -> Any:
    return await bog.http.get("/", params={"order_id": order_id, **params})


async def submit(bog: Any, order_id: str, card: str) -> Any:
    return await bog.http.post("/pay", data={"order_id": order_id, "card": card})


async def test_page_is_in_georgian_for_a_default_order(bog: Any) -> None:
    page = await open_page(bog, await bog.create_id())

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="ka">' in page.text
    assert "აირჩიეთ სატესტო ბარათი" in page.text
    assert "27.50 GEL" in page.text


async def test_page_is_in_english_for_an_english_order(bog: Any) -> None:
    page = await open_page(bog, await bog.create_id(**{"Accept-Language": "en"}))

    assert '<html lang="en">' in page.text
    assert "Choose a test card" in page.text


async def test_lang_query_overrides_the_order_language(bog: Any) -> None:
    page = await open_page(bog, await bog.create_id(), lang="en")

    assert "Choose a test card" in page.text
    assert "Sandbox Shop" in page.text


async def test_page_shows_the_items_and_every_test_card(bog: Any) -> None:
    page = await open_page(bog, await bog.create_id())

    assert "Widget" in page.text
    assert "SKU-2" in page.text
    for number in TEST_CARDS:
        assert f'value="{number}"' in page.text


async def test_page_offers_other_methods_but_not_loans_by_default(bog: Any) -> None:
    page = await open_page(bog, await bog.create_id(), lang="en")

    assert 'value="bog_p2p"' in page.text
    assert 'value="bog_loan"' not in page.text


async def test_page_escapes_merchant_supplied_text(bog: Any, make_body: Any) -> None:
    body = make_body()
    body["purchase_units"]["basket"][0]["description"] = "<script>alert(1)</script>"

    page = await open_page(bog, await bog.create_id(body))

    assert "<script>alert" not in page.text
    assert "&lt;script&gt;" in page.text


async def test_dark_theme_header_darkens_the_page(bog: Any) -> None:
    page = await open_page(bog, await bog.create_id(Theme="dark"))

    assert '<body class="dark">' in page.text


async def test_form_post_pays_calls_back_and_redirects_to_success(bog: Any, receiver: Any) -> None:
    order_id = await bog.create_id()

    response = await submit(bog, order_id, "4000000000000001")

    assert response.status_code == 303
    assert response.headers["location"] == "https://shop.example/ok"
    assert receiver.statuses() == ["completed"]


async def test_declined_card_redirects_to_fail(bog: Any) -> None:
    response = await submit(bog, await bog.create_id(), "4000000000000002")

    assert response.headers["location"] == "https://shop.example/fail"


async def test_held_preauth_redirects_to_success(bog: Any, make_body: Any) -> None:
    response = await submit(bog, await bog.create_id(make_body(capture="manual")), TEST_VISA)

    assert response.headers["location"] == "https://shop.example/ok"


async def test_without_redirect_urls_the_sandbox_result_page_is_used(
    bog: Any, make_body: Any
) -> None:
    body = make_body()
    del body["redirect_urls"]
    order_id = await bog.create_id(body, **{"Accept-Language": "en"})

    response = await submit(bog, order_id, TEST_VISA)
    location = response.headers["location"]
    result = await bog.http.get(location)

    assert urlsplit(location).path == "/result"
    assert parse_qs(urlsplit(location).query)["order_id"] == [order_id]
    assert "Completed" in result.text


async def test_expired_order_page_says_so(bog: Any, sandbox: BogSandbox) -> None:
    order_id = await bog.create_id(**{"Accept-Language": "en"})
    sandbox.advance_clock(3600)

    page = await open_page(bog, order_id)

    assert "expired" in page.text
    assert 'name="card"' not in page.text


async def test_paid_order_page_says_already_paid(bog: Any) -> None:
    order_id = await bog.paid()

    page = await open_page(bog, order_id)

    assert "შეკვეთა უკვე გადახდილია" in page.text


async def test_paying_a_paid_order_through_the_form_is_a_conflict(bog: Any) -> None:
    order_id = await bog.paid()

    response = await submit(bog, order_id, TEST_VISA)

    assert response.status_code == 409


async def test_cancel_link_returns_to_fail_and_leaves_the_order_unpaid(bog: Any) -> None:
    order_id = await bog.create_id()
    page = await open_page(bog, order_id)
    assert f"/cancel?order_id={order_id}" in page.text

    response = await bog.http.get("/cancel", params={"order_id": order_id})

    assert response.status_code == 303
    assert response.headers["location"] == "https://shop.example/fail"
    assert (await bog.receipt(order_id))["order_status"]["key"] == "created"


async def test_unknown_order_page_is_404(bog: Any) -> None:
    page = await open_page(bog, "nope", lang="en")

    assert page.status_code == 404
    assert "Order not found" in page.text


async def test_recurrent_order_page_offers_the_saved_card(bog: Any, make_body: Any) -> None:
    parent = await bog.create_id()
    await bog.call("PUT", f"/orders/{parent}/cards")
    await bog.sandbox.pay(parent, TEST_VISA)
    child = (await bog.call("POST", f"/ecommerce/orders/{parent}", make_body())).json()["id"]

    page = await open_page(bog, child, lang="en")
    response = await submit(bog, child, "saved")

    assert 'value="saved" checked' in page.text
    assert "Saved card" in page.text
    assert response.headers["location"] == "https://shop.example/ok"
