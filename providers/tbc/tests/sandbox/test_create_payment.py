"""POST /v1/tpay/payments: the answer (reference fixture 3) and what the bank keeps."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from payments_tbc.sandbox import PaymentStatus, TbcSandbox


async def test_create_answers_fixture_3_shape(tbc: Any) -> None:
    response = await tbc.create()

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert list(body) == [
        "payId",
        "status",
        "currency",
        "amount",
        "links",
        "transactionId",
        "recId",
        "preAuth",
        "expirationMinutes",
        "httpStatusCode",
        "developerMessage",
        "userMessage",
    ]
    assert body["status"] == "Created"
    assert body["currency"] == "GEL"
    assert body["amount"] == 49.9
    assert body["transactionId"] is None
    assert body["recId"] is None
    assert body["preAuth"] is False
    assert body["expirationMinutes"] == 12
    assert (body["httpStatusCode"], body["developerMessage"], body["userMessage"]) == (
        200,
        None,
        None,
    )


async def test_pay_id_is_17_to_19_lowercase_alphanumerics(tbc: Any) -> None:
    ids = [await tbc.create_id() for _ in range(20)]

    assert all(re.fullmatch(r"[a-z0-9]{17,19}", pay_id) for pay_id in ids)
    assert len(set(ids)) == 20


async def test_links_are_self_then_approval_url_on_the_public_base_url(tbc: Any) -> None:
    body = (await tbc.create()).json()

    pay_id = body["payId"]
    assert body["links"] == [
        {
            "uri": f"https://tbc.sandbox.test/v1/tpay/payments/{pay_id}",
            "method": "GET",
            "rel": "self",
        },
        {
            "uri": f"https://tbc.sandbox.test/checkout/{pay_id}",
            "method": "REDIRECT",
            "rel": "approval_url",
        },
    ]


async def test_amounts_are_echoed_as_plain_numbers_without_trailing_zeros(tbc: Any) -> None:
    template = '{"amount":{"currency":"USD","total":%s},"returnurl":"https://shop.example/r"}'

    ten = await tbc.call("POST", "/payments", content=template % "10.00")
    forty_nine = await tbc.call("POST", "/payments", content=template % "49.90")
    cent = await tbc.call("POST", "/payments", content=template % "0.01")

    assert '"amount":10,' in ten.text
    assert '"amount":49.9,' in forty_nine.text
    assert '"amount":0.01,' in cent.text


async def test_save_card_answers_a_rec_id(tbc: Any, make_body: Any) -> None:
    body = (await tbc.create(make_body(saveCard=True, methods=[5]))).json()

    assert re.fullmatch(r"[0-9a-fA-F]{32}", body["recId"])


async def test_pre_auth_and_expiration_minutes_are_echoed(tbc: Any, make_body: Any) -> None:
    body = (await tbc.create(make_body(preAuth=True, expirationMinutes=5))).json()

    assert body["preAuth"] is True
    assert body["expirationMinutes"] == 5


async def test_expiration_minutes_default_to_12(tbc: Any, make_body: Any) -> None:
    request = make_body()
    del request["expirationMinutes"]

    body = (await tbc.create(request)).json()

    assert body["expirationMinutes"] == 12


async def test_property_names_are_read_in_any_casing(tbc: Any, sandbox: TbcSandbox) -> None:
    request = {
        "Amount": {"CURRENCY": "EUR", "Total": 12.5},
        "returnUrl": "https://shop.example/r",
        "CallbackURL": "https://shop.example/cb",
        "PREAUTH": True,
        "Language": "en",
    }

    response = await tbc.create(request)

    assert response.status_code == 200, response.text
    payment = sandbox.payments[response.json()["payId"]]
    assert (payment.currency, payment.amount, payment.pre_auth) == ("EUR", Decimal("12.5"), True)
    assert payment.callback_url == "https://shop.example/cb"
    assert payment.language == "EN"


async def test_a_repeated_create_makes_two_payments(tbc: Any, sandbox: TbcSandbox) -> None:
    first = await tbc.create()
    second = await tbc.create()

    assert first.json()["payId"] != second.json()["payId"]
    assert len(sandbox.payments) == 2
    assert sandbox.counters.payments_created == 2


async def test_the_bank_keeps_the_request_and_the_session_end(
    tbc: Any, sandbox: TbcSandbox
) -> None:
    pay_id = await tbc.create_id()

    payment = sandbox.payments[pay_id]
    assert payment.status is PaymentStatus.CREATED
    assert payment.merchant_payment_id == "order-1842"
    assert payment.description == "Order 1842"
    assert payment.methods == (5, 9, 14)
    assert payment.expires_at is not None
    assert (payment.expires_at - payment.created_at).total_seconds() == 12 * 60


async def test_a_body_that_is_not_declared_json_is_refused(tbc: Any, problem: Any) -> None:
    response = await tbc.http.post(
        "/v1/tpay/payments",
        content=b"amount=1",
        headers={**tbc.headers(), "Content-Type": "application/x-www-form-urlencoded"},
    )

    problem(response, 415, "application/json")


async def test_an_unknown_api_path_is_a_404_problem(tbc: Any, problem: Any) -> None:
    problem(await tbc.call("GET", "/refunds"), 404, "Not Found")


async def test_a_wrong_method_is_a_405_problem(tbc: Any, problem: Any) -> None:
    problem(await tbc.call("DELETE", "/payments/abc"), 405, "Method Not Allowed")
