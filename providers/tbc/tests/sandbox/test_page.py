"""The hosted checkout page: Georgian and English, test cards, redirects, closed sessions."""

from __future__ import annotations

from typing import Any

from payments_tbc.sandbox import TEST_CARDS, TbcSandbox

RETURN_URL = "https://shop.example/pay/return?order=1842"


async def open_page(tbc: Any, pay_id: str, **params: str) -> Any:
    return await tbc.http.get(f"/checkout/{pay_id}", params=params)


async def submit(tbc: Any, pay_id: str, card: str, **fields: str) -> Any:
    return await tbc.http.post(f"/checkout/{pay_id}", data={"card": card, **fields})


async def test_approval_url_opens_the_page(tbc: Any) -> None:
    created = (await tbc.create()).json()
    approval = created["links"][1]["uri"]

    page = await tbc.http.get(approval)

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")


async def test_page_is_in_english_for_an_english_payment(tbc: Any) -> None:
    page = await open_page(tbc, await tbc.create_id(language="EN"))

    assert '<html lang="en">' in page.text
    assert "Choose a test card" in page.text
    assert "49.90 GEL" in page.text
    assert "Order 1842" in page.text


async def test_page_is_in_georgian_by_default(tbc: Any, make_body: Any) -> None:
    body = make_body()
    del body["language"]

    page = await open_page(tbc, (await tbc.create(body)).json()["payId"])

    assert '<html lang="ka">' in page.text
    assert "აირჩიეთ სატესტო ბარათი" in page.text


async def test_lang_query_overrides_the_payment_language(tbc: Any) -> None:
    page = await open_page(tbc, await tbc.create_id(language="EN"), lang="ka")

    assert "აირჩიეთ სატესტო ბარათი" in page.text


async def test_page_lists_every_test_card_and_the_allowed_methods(tbc: Any) -> None:
    page = await open_page(tbc, await tbc.create_id(methods=[5, 14]))

    for number in TEST_CARDS:
        assert f'value="{number}"' in page.text
    assert 'name="method" value="5"' in page.text
    assert 'name="method" value="14"' in page.text
    assert 'name="method" value="9"' not in page.text


async def test_a_card_saving_page_leaves_out_qr_installment_and_apple_pay(
    tbc: Any, make_body: Any
) -> None:
    body = make_body(saveCard=True)
    del body["methods"]
    pay_id = (await tbc.create(body)).json()["payId"]

    page = await open_page(tbc, pay_id)

    offered = {code for code in (4, 5, 7, 8, 9, 14) if f'name="method" value="{code}"' in page.text}
    assert offered == {5, 7, 14}


async def test_paying_redirects_303_to_the_returnurl_unchanged(
    tbc: Any, sandbox: TbcSandbox
) -> None:
    pay_id = await tbc.create_id()

    response = await submit(tbc, pay_id, "4000 0000 0000 0001")

    assert response.status_code == 303
    assert response.headers["location"] == RETURN_URL
    assert sandbox.payments[pay_id].status == "Succeeded"


async def test_a_declined_card_also_goes_back_to_the_returnurl(
    tbc: Any, sandbox: TbcSandbox
) -> None:
    pay_id = await tbc.create_id()

    response = await submit(tbc, pay_id, "4000000000000002")

    assert response.headers["location"] == RETURN_URL
    assert sandbox.payments[pay_id].status == "Failed"


async def test_the_chosen_method_is_the_payment_method(tbc: Any) -> None:
    pay_id = await tbc.create_id(methods=[5, 14])

    await submit(tbc, pay_id, "4000000000000001", method="14")

    assert (await tbc.details(pay_id))["paymentMethod"] == 14


async def test_a_method_the_payment_does_not_allow_is_refused(
    tbc: Any, sandbox: TbcSandbox
) -> None:
    pay_id = await tbc.create_id(methods=[5])

    response = await submit(tbc, pay_id, "4000000000000001", method="9")

    assert response.status_code == 400
    assert "Method 9 is not available" in response.text
    assert sandbox.payments[pay_id].status == "Created"


async def test_an_unknown_card_shows_the_form_again(tbc: Any, sandbox: TbcSandbox) -> None:
    pay_id = await tbc.create_id()

    response = await submit(tbc, pay_id, "4111111111111111")

    assert response.status_code == 400
    assert "not one of the sandbox&#x27;s test cards" in response.text
    assert 'name="card"' in response.text
    assert sandbox.payments[pay_id].status == "Created"


async def test_an_expired_session_shows_the_expired_page(tbc: Any, sandbox: TbcSandbox) -> None:
    pay_id = await tbc.create_id()
    sandbox.advance_clock(12 * 60)

    page = await open_page(tbc, pay_id)
    post = await submit(tbc, pay_id, "4000000000000001")

    assert page.status_code == 410
    assert "This payment session has expired." in page.text
    assert post.status_code == 410
    assert sandbox.payments[pay_id].status == "Expired"


async def test_the_expired_page_is_in_georgian_for_a_georgian_payment(
    tbc: Any, sandbox: TbcSandbox
) -> None:
    pay_id = await tbc.create_id(language="KA")
    await sandbox.expire(pay_id)

    page = await open_page(tbc, pay_id)

    assert "გადახდის სესიის ვადა ამოიწურა." in page.text


async def test_a_paid_payment_cannot_be_paid_again(tbc: Any, sandbox: TbcSandbox) -> None:
    pay_id = await tbc.paid()

    page = await open_page(tbc, pay_id)
    post = await submit(tbc, pay_id, "4000000000000001")

    assert page.status_code == 200
    assert "already been processed (Paid)" in page.text
    assert post.status_code == 409
    assert sandbox.counters.payments_paid == 1


async def test_an_unknown_payment_page_is_404(tbc: Any) -> None:
    page = await open_page(tbc, "nosuchpayment0000")

    assert page.status_code == 404
    assert "ვერ მოიძებნა" in page.text


async def test_page_mentions_pre_auth_and_card_saving(tbc: Any) -> None:
    pay_id = await tbc.create_id(preAuth=True, saveCard=True, methods=[5])

    page = await open_page(tbc, pay_id)

    assert "blocked on the card" in page.text
    assert "saved for future payments" in page.text
