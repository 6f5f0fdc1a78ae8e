"""Create payment: the exact request TBC gets (body, headers, token call) and the result."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from payments_tbc import TbcProvider

from payments_core import CaptureMode, LineItem, Money, Payments, PaymentStatus


def test_the_create_body_is_tbcs_documented_shape(payments: Payments, fake_tbc: Any, kit: Any):
    payment = payments.create_payment(kit.payment_request())

    create = fake_tbc.api_requests()[0]
    assert (create.method, str(create.url)) == ("POST", f"{kit.TPAY}/payments")
    assert kit.json_of(create) == {
        "amount": {
            "currency": "GEL",
            "total": Decimal("49.90"),
            "subTotal": Decimal("45.00"),
            "tax": Decimal("4.90"),
        },
        "returnurl": "https://shop.example/pay/return?order=1842",
        "callbackUrl": "https://shop.example/hooks/tbc",
        "merchantPaymentId": "order-1842",
        "description": "Order 1842",
        "methods": [5, 9, 14],
        "expirationMinutes": 12,
        "preAuth": False,
        "language": "EN",
        "userIpAddress": "203.0.113.7",
        "skipInfoMessage": False,
    }
    # amounts are JSON numbers written from the Decimal's digits, never through float
    assert b'"total":49.90,"subTotal":45.00,"tax":4.90' in create.content
    assert payment.id in fake_tbc.payments


def test_every_api_call_carries_the_apikey_and_bearer_token_and_no_idempotency_key(
    payments: Payments, fake_tbc: Any, kit: Any
):
    payment = payments.create_payment(kit.payment_request())
    payments.get_payment(payment.id)

    _token_call, *api_calls = fake_tbc.requests
    assert len(api_calls) == 2
    for request in api_calls:
        assert request.headers["apikey"] == kit.API_KEY
        assert request.headers["Authorization"].startswith("Bearer eyJ")
        assert request.headers["Authorization"].removeprefix("Bearer ") in fake_tbc.tokens
        assert "idempotency-key" not in request.headers
    assert api_calls[0].headers["Content-Type"] == "application/json"


def test_the_token_call_sends_form_credentials_and_the_apikey(
    payments: Payments, fake_tbc: Any, kit: Any
):
    payments.create_payment(kit.payment_request())

    token_call = fake_tbc.requests[0]
    assert (token_call.method, str(token_call.url)) == ("POST", kit.TOKEN_URL)
    assert token_call.headers["apikey"] == kit.API_KEY
    assert token_call.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "authorization" not in token_call.headers
    form = dict(parse_qsl(token_call.content.decode()))
    assert form["client_id"] == kit.CLIENT_ID
    assert form["client_secret"] == kit.CLIENT_SECRET
    assert "idempotency-key" not in token_call.headers


def test_one_token_serves_many_calls(payments: Payments, fake_tbc: Any, kit: Any):
    for n in range(3):
        payments.create_payment(kit.payment_request(external_id=f"order-{n}"))
    token_calls = [r for r in fake_tbc.requests if r.url.path.endswith("/access-token")]
    assert len(token_calls) == 1


async def test_the_result_is_pending_with_tbcs_page(gateway: Any, kit: Any):
    request = kit.payment_request()
    payment = await gateway.create_payment(request)

    assert payment.provider == "tbc"
    assert payment.status is PaymentStatus.PENDING
    assert payment.redirect_url == f"https://checkout.tbc.test/pay/{payment.id}"
    assert payment.amount == Money("49.90", "GEL")
    assert payment.external_id == "order-1842"
    assert payment.capture is CaptureMode.AUTOMATIC


def _created(provider: TbcProvider, kit: Any, answer: dict[str, Any], **changes: Any) -> Any:
    flow = provider.create_payment(kit.payment_request(**changes))
    next(flow)
    return kit.finish(flow, kit.respond(200, answer))


CREATE_ANSWER: dict[str, Any] = {
    "payId": "ab12cd34ef5g6h7890",
    "status": "Created",
    "currency": "GEL",
    "amount": Decimal("49.9"),
    "links": [
        {
            "uri": "https://api.tbcbank.ge/v1/tpay/payments/ab12cd34ef5g6h7890",
            "method": "GET",
            "rel": "self",
        },
        {
            "uri": "https://checkout.example.invalid/pay/ab12cd34ef5g6h7890",
            "method": "REDIRECT",
            "rel": "approval_url",
        },
    ],
    "transactionId": None,
    "recId": None,
    "preAuth": False,
    "expirationMinutes": 12,
    "httpStatusCode": 200,
    "developerMessage": None,
    "userMessage": None,
}


def test_the_reference_create_answer_reads(provider: TbcProvider, kit: Any):
    payment = _created(provider, kit, CREATE_ANSWER)
    assert payment.id == "ab12cd34ef5g6h7890"
    assert payment.redirect_url == "https://checkout.example.invalid/pay/ab12cd34ef5g6h7890"
    assert payment.status is PaymentStatus.PENDING
    assert payment.raw["payId"] == "ab12cd34ef5g6h7890"


def test_the_approval_link_is_found_by_rel_in_any_position_and_casing(
    provider: TbcProvider, kit: Any
):
    answer = {
        **CREATE_ANSWER,
        "Links": [{"URI": "https://pay.example/x", "Method": "redirect", "Rel": "Approval_URL"}],
    }
    del answer["links"]
    assert _created(provider, kit, answer).redirect_url == "https://pay.example/x"


@pytest.mark.parametrize(
    "links",
    [None, [], [{"uri": "javascript:alert(1)", "rel": "approval_url"}], [{"rel": "approval_url"}]],
)
def test_without_a_usable_approval_link_the_payment_is_created_without_a_page(
    provider: TbcProvider, kit: Any, links: Any, caplog: pytest.LogCaptureFixture
):
    payment = _created(provider, kit, {**CREATE_ANSWER, "links": links})
    assert payment.redirect_url is None
    assert payment.status is PaymentStatus.CREATED
    assert payment.id == CREATE_ANSWER["payId"]
    assert "approval_url" in caplog.text


def test_manual_capture_asks_for_a_pre_authorization(provider: TbcProvider, kit: Any):
    flow = provider.create_payment(kit.payment_request(capture=CaptureMode.MANUAL))
    assert kit.json_of(next(flow))["preAuth"] is True


@pytest.mark.parametrize(
    ("locale", "setting", "language"),
    [
        ("en", "KA", "EN"),
        ("en-US", "KA", "EN"),
        ("ka_GE", "EN", "KA"),
        ("KA", "EN", "KA"),
        ("ru", "KA", "KA"),
        ("ru", "EN", "EN"),
        (None, "EN", "EN"),
        (None, "KA", "KA"),
    ],
)
def test_the_language_comes_from_the_locale_else_the_setting(
    settings: dict[str, Any], kit: Any, locale: str | None, setting: str, language: str
):
    provider = TbcProvider.from_settings(settings, language=setting)
    flow = provider.create_payment(kit.payment_request(locale=locale))
    assert kit.json_of(next(flow))["language"] == language


@pytest.mark.parametrize(
    ("expires_in", "minutes"), [(None, 12), (60, 1), (61, 2), (600, 10), (3600, 60)]
)
def test_expires_in_becomes_whole_minutes_rounded_up(
    provider: TbcProvider, kit: Any, expires_in: int | None, minutes: int
):
    flow = provider.create_payment(kit.payment_request(expires_in=expires_in))
    assert kit.json_of(next(flow))["expirationMinutes"] == minutes


def test_the_expiration_setting_is_the_default(settings: dict[str, Any], kit: Any):
    provider = TbcProvider.from_settings(settings, expiration_minutes=5)
    flow = provider.create_payment(kit.payment_request())
    assert kit.json_of(next(flow))["expirationMinutes"] == 5


@pytest.mark.parametrize(
    ("names", "codes"),
    [
        (["card"], [5]),
        (["bnpl", "internet_bank"], [4, 7]),
        (["web_qr"], [4]),
        (["apple_pay", "google_pay", "card"], [9, 14, 5]),
        (["Card", " GOOGLE_PAY "], [5, 14]),
    ],
)
def test_payment_method_names_become_tbc_codes(
    provider: TbcProvider, kit: Any, names: list[str], codes: list[int]
):
    flow = provider.create_payment(kit.payment_request(payment_methods=names))
    assert kit.json_of(next(flow))["methods"] == codes


def test_no_payment_methods_leaves_the_choice_to_tbc(provider: TbcProvider, kit: Any):
    flow = provider.create_payment(kit.payment_request(payment_methods=[]))
    assert "methods" not in kit.json_of(next(flow))


def test_the_success_url_is_the_return_url_else_the_fail_url(provider: TbcProvider, kit: Any):
    both = provider.create_payment(
        kit.payment_request(success_url="https://s.example/ok", fail_url="https://s.example/no")
    )
    assert kit.json_of(next(both))["returnurl"] == "https://s.example/ok"
    fail_only = provider.create_payment(
        kit.payment_request(success_url=None, fail_url="https://s.example/no")
    )
    assert kit.json_of(next(fail_only))["returnurl"] == "https://s.example/no"


def test_tbc_options_reach_the_body(provider: TbcProvider, kit: Any):
    options = {
        "save_card": True,
        "save_card_to_date": "1044",
        "extra": "GE00TB0000000000000001",
        "extra2": "Shop 42 / order 1842",
        "skip_info_message": True,
    }
    flow = provider.create_payment(
        kit.payment_request(provider_options=options, payment_methods=["card"])
    )
    body = kit.json_of(next(flow))
    assert body["saveCard"] is True
    assert body["saveCardToDate"] == "1044"
    assert body["extra"] == "GE00TB0000000000000001"
    assert body["extra2"] == "Shop 42 / order 1842"
    assert body["skipInfoMessage"] is True
    assert "description" not in body
    assert "userIpAddress" not in body


def test_shipping_is_part_of_the_breakdown(provider: TbcProvider, kit: Any):
    request = kit.payment_request(
        amount=Money("50.00", "GEL"),
        shipping_amount=Money("5.00", "GEL"),
        provider_options={},
    )
    body = kit.json_of(next(provider.create_payment(request)))
    assert body["amount"] == {
        "currency": "GEL",
        "total": Decimal("50.00"),
        "subTotal": Decimal("45.00"),
        "shipping": Decimal("5.00"),
    }


def test_a_breakdown_that_does_not_add_up_is_left_out(provider: TbcProvider, kit: Any):
    request = kit.payment_request(amount=Money("60.00", "GEL"), provider_options={})
    body = kit.json_of(next(provider.create_payment(request)))
    assert body["amount"] == {"currency": "GEL", "total": Decimal("60.00")}


def test_installment_products_come_from_the_items_when_not_given(provider: TbcProvider, kit: Any):
    request = kit.payment_request(
        amount=Money("45.00", "GEL"),
        items=[
            LineItem(
                product_id="SKU-1",
                description="Kettle",
                quantity=2,
                unit_price=Money("21.00", "GEL"),
                unit_discount=Money("1.00", "GEL"),
            ),
            LineItem(product_id="SKU-2", quantity=1, unit_price=Money("5.00", "GEL")),
            LineItem(product_id="GIFT", quantity=1, unit_price=Money("0", "GEL")),
        ],
        payment_methods=["installment"],
        provider_options={},
    )
    body = kit.json_of(next(provider.create_payment(request)))
    assert body["methods"] == [8]
    assert body["installmentProducts"] == [
        {"name": "Kettle", "price": Decimal("20.00"), "quantity": 2},
        {"name": "SKU-2", "price": Decimal("5.00"), "quantity": 1},
    ]


def test_given_installment_products_are_sent_as_given(provider: TbcProvider, kit: Any):
    products = [{"name": "Sofa", "price": "49.90", "quantity": 1}]
    request = kit.payment_request(
        payment_methods=["installment"], provider_options={"installment_products": products}
    )
    body = kit.json_of(next(provider.create_payment(request)))
    assert body["installmentProducts"] == [
        {"name": "Sofa", "price": Decimal("49.90"), "quantity": 1}
    ]


def test_the_create_answer_sets_redirect_without_a_second_request(provider: TbcProvider, kit: Any):
    flow = provider.create_payment(kit.payment_request())
    request = next(flow)
    assert isinstance(request, httpx.Request)
    payment = kit.finish(flow, kit.respond(200, CREATE_ANSWER))
    assert payment.redirect_url is not None
