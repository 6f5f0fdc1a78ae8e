"""Creating an order: the request BOG receives, and the Payment the flow returns."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from payments_bog import BogProvider

from payments_core import CaptureMode, LineItem, Money, PaymentRequest, PaymentStatus

ORDER_ID = "a767a276-cddd-43ec-9db3-9f9b39eee02d"
F3 = {
    "id": ORDER_ID,
    "_links": {
        "details": {"href": f"https://api.bog.ge/payments/v1/receipt/{ORDER_ID}"},
        "redirect": {"href": f"https://payment.bog.ge/?order_id={ORDER_ID}"},
    },
}

F2_BODY = (
    b'{"callback_url":"https://shop.example/bog/callback","external_order_id":"ORD-1001",'
    b'"capture":"automatic","buyer":{"full_name":"John Doe","masked_email":"j***@example.com",'
    b'"masked_phone":"5** *** 001"},"purchase_units":{"currency":"GEL","total_amount":27.50,'
    b'"total_discount_amount":2.50,"delivery":{"amount":5.00},"basket":[{"product_id":"SKU-1",'
    b'"description":"Widget","quantity":2,"unit_price":12.50,"total_price":25.00},'
    b'{"product_id":"SKU-2","quantity":1,"unit_price":0.00,"total_price":0.00}]},'
    b'"redirect_urls":{"success":"https://shop.example/ok","fail":"https://shop.example/fail"},'
    b'"ttl":15,"payment_method":["card","google_pay"]}'
)

Build = Callable[..., PaymentRequest]


def body_of(request: httpx.Request) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(request.content)
    return body


def test_create_posts_the_order_to_the_ecommerce_orders_endpoint(
    provider: BogProvider, order_request: Build
) -> None:
    request = next(provider.create_payment(order_request()))

    assert request.method == "POST"
    assert str(request.url) == "https://api.bog.ge/payments/v1/ecommerce/orders"
    assert request.headers["Content-Type"] == "application/json"


def test_create_body_maps_every_request_field_as_in_the_reference_example(
    provider: BogProvider, order_request: Build
) -> None:
    request = next(provider.create_payment(order_request()))

    assert request.content == F2_BODY


def test_amounts_are_json_numbers_with_the_decimals_exact_digits(
    provider: BogProvider, order_request: Build
) -> None:
    request = next(provider.create_payment(order_request()))

    assert b'"total_amount":27.50' in request.content
    assert b'"unit_price":12.50' in request.content
    assert b'"27.50"' not in request.content


def test_create_sends_language_and_idempotency_key_as_plain_headers(
    provider: BogProvider, order_request: Build
) -> None:
    request = next(provider.create_payment(order_request()))

    assert request.headers["Accept-Language"] == "en"
    assert request.headers["Idempotency-Key"] == "3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b"
    assert "Theme" not in request.headers


def test_theme_header_comes_from_settings(settings: dict[str, Any], order_request: Build) -> None:
    provider = BogProvider.from_settings(settings, theme="dark")

    request = next(provider.create_payment(order_request()))

    assert request.headers["Theme"] == "dark"


def test_theme_option_overrides_the_setting(settings: dict[str, Any], order_request: Build) -> None:
    provider = BogProvider.from_settings(settings, theme="dark")

    request = next(provider.create_payment(order_request(provider_options={"theme": "light"})))

    assert request.headers["Theme"] == "light"


@pytest.mark.parametrize(
    ("locale", "language"),
    [("en", "en"), ("en-US", "en"), ("ka_GE", "ka"), ("KA", "ka"), ("ru", "ka"), (None, "ka")],
)
def test_locale_becomes_accept_language_falling_back_to_the_setting(
    provider: BogProvider, order_request: Build, locale: str | None, language: str
) -> None:
    request = next(provider.create_payment(order_request(locale=locale)))

    assert request.headers["Accept-Language"] == language


def test_language_setting_is_used_when_the_locale_is_not_one_bog_shows(
    settings: dict[str, Any], order_request: Build
) -> None:
    provider = BogProvider.from_settings(settings, language="en")

    request = next(provider.create_payment(order_request(locale="de")))

    assert request.headers["Accept-Language"] == "en"


@pytest.mark.parametrize(("seconds", "minutes"), [(120, 2), (121, 3), (900, 15), (86400, 1440)])
def test_expires_in_seconds_become_ttl_minutes_rounded_up(
    provider: BogProvider, order_request: Build, seconds: int, minutes: int
) -> None:
    request = next(provider.create_payment(order_request(expires_in=seconds)))

    assert body_of(request)["ttl"] == minutes


def test_ttl_is_left_to_bog_when_expires_in_is_not_given(
    provider: BogProvider, order_request: Build
) -> None:
    request = next(provider.create_payment(order_request(expires_in=None)))

    assert "ttl" not in body_of(request)


def test_ttl_minutes_option_overrides_expires_in(
    provider: BogProvider, order_request: Build
) -> None:
    request = next(
        provider.create_payment(order_request(expires_in=900, provider_options={"ttl_minutes": 60}))
    )

    assert body_of(request)["ttl"] == 60


def test_manual_capture_is_sent_as_manual(provider: BogProvider, order_request: Build) -> None:
    request = next(provider.create_payment(order_request(capture=CaptureMode.MANUAL)))

    assert body_of(request)["capture"] == "manual"


def test_item_discount_vat_and_image_are_sent(provider: BogProvider, order_request: Build) -> None:
    from payments_core import LineItem

    item = LineItem(
        product_id="SKU-9",
        quantity=3,
        unit_price=Money("10.00", "GEL"),
        unit_discount=Money("1.50", "GEL"),
        vat_percent="18",
        image_url="https://shop.example/sku-9.png",
    )

    request = next(provider.create_payment(order_request(items=[item])))

    assert body_of(request)["purchase_units"]["basket"] == [
        {
            "product_id": "SKU-9",
            "quantity": 3,
            "unit_price": 10.0,
            "unit_discount_price": 1.5,
            "vat_percent": 18,
            "total_price": 25.5,
            "image": "https://shop.example/sku-9.png",
        }
    ]
    assert b'"total_price":25.50' in request.content


def test_basket_extras_from_provider_options_go_into_their_items(
    provider: BogProvider, order_request: Build
) -> None:
    extras = {
        "vat": "3.81",
        "package_code": "PKG-001",
        "tin": "123456789",
        "pinfl": "30101900000000",
        "product_discount_id": "SPRING-10",
    }

    request = next(
        provider.create_payment(order_request(provider_options={"basket": [extras, None]}))
    )

    first, second = body_of(request)["purchase_units"]["basket"]
    assert first == {
        "product_id": "SKU-1",
        "description": "Widget",
        "quantity": 2,
        "unit_price": 12.5,
        "vat": 3.81,
        "total_price": 25.0,
        "package_code": "PKG-001",
        "tin": "123456789",
        "pinfl": "30101900000000",
        "product_discount_id": "SPRING-10",
    }
    assert second == {"product_id": "SKU-2", "quantity": 1, "unit_price": 0.0, "total_price": 0.0}
    assert b'"vat":3.81,' in request.content


def test_optional_sections_are_left_out_when_not_given(
    provider: BogProvider, order_request: Build
) -> None:
    request = next(
        provider.create_payment(
            order_request(
                buyer=None,
                success_url=None,
                fail_url=None,
                shipping_amount=None,
                discount_amount=None,
                payment_methods=[],
            )
        )
    )

    body = body_of(request)
    for absent in ("buyer", "redirect_urls", "payment_method", "config"):
        assert absent not in body
    assert set(body["purchase_units"]) == {"currency", "total_amount", "basket"}


def test_metadata_is_not_sent_because_bog_has_no_field_for_it(
    provider: BogProvider, order_request: Build
) -> None:
    request = next(provider.create_payment(order_request(metadata={"cart": "42"})))

    assert b"cart" not in request.content


@pytest.mark.parametrize("currency", ["USD", "EUR", "GBP"])
def test_other_currencies_bog_takes_are_sent(
    provider: BogProvider, order_request: Build, currency: str
) -> None:
    from payments_core import LineItem

    request = next(
        provider.create_payment(
            order_request(
                amount=Money("10.00", currency),
                items=[LineItem(product_id="A", quantity=1, unit_price=Money("10", currency))],
                shipping_amount=None,
                discount_amount=None,
            )
        )
    )

    assert body_of(request)["purchase_units"]["currency"] == currency


# -- the answer -------------------------------------------------------------------------------


def test_created_order_is_pending_with_bogs_payment_page_as_redirect(
    provider: BogProvider, order_request: Build, respond: Any, finish: Any
) -> None:
    flow = provider.create_payment(order_request())
    next(flow)

    payment = finish(flow, respond(200, F3))

    assert payment.id == ORDER_ID
    assert payment.provider == "bog"
    assert payment.status is PaymentStatus.PENDING
    assert payment.redirect_url == f"https://payment.bog.ge/?order_id={ORDER_ID}"
    assert payment.amount == Money("27.50", "GEL")
    assert payment.external_id == "ORD-1001"
    assert payment.capture is CaptureMode.AUTOMATIC
    assert payment.raw == F3


def test_create_accepts_bogs_answer_with_extra_fields(
    provider: BogProvider, order_request: Build, respond: Any, finish: Any
) -> None:
    flow = provider.create_payment(order_request())
    next(flow)

    payment = finish(flow, respond(201, {**F3, "new_field": {"x": 1}}))

    assert payment.id == ORDER_ID


def test_unreadable_create_answer_is_a_provider_response_error(
    provider: BogProvider, order_request: Build, respond: Any
) -> None:
    from payments_core import ProviderResponseError

    flow = provider.create_payment(order_request())
    next(flow)

    with pytest.raises(ProviderResponseError):
        flow.send(respond(200, content=b"<html>gateway</html>"))


def test_create_answer_without_an_id_is_a_provider_response_error(
    provider: BogProvider, order_request: Build, respond: Any
) -> None:
    from payments_core import ProviderResponseError

    flow = provider.create_payment(order_request())
    next(flow)

    with pytest.raises(ProviderResponseError, match="id"):
        flow.send(respond(200, {"_links": {}}))


# -- saving the card in the same flow -----------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "path"), [("recurrent", "cards"), ("subscription", "subscriptions")]
)
def test_save_card_option_puts_the_card_request_before_returning_the_redirect(
    provider: BogProvider,
    order_request: Build,
    respond: Any,
    finish: Any,
    kind: str,
    path: str,
) -> None:
    flow = provider.create_payment(order_request(provider_options={"save_card": kind}))
    next(flow)

    save = flow.send(respond(200, F3))
    payment = finish(flow, httpx.Response(202))

    assert save.method == "PUT"
    assert str(save.url) == f"https://api.bog.ge/payments/v1/orders/{ORDER_ID}/{path}"
    assert save.content == b""
    # a key of its own, derived from the create's (the same on every retry)
    save_key = save.headers["Idempotency-Key"]
    assert save_key != "3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b"
    assert save_key == str(
        uuid.uuid5(uuid.NAMESPACE_URL, f"3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b/{path}")
    )
    assert payment.redirect_url == f"https://payment.bog.ge/?order_id={ORDER_ID}"


def test_refused_card_saving_names_the_order_that_was_created(
    provider: BogProvider, order_request: Build, respond: Any
) -> None:
    from payments_core import ProviderUnavailableError

    flow = provider.create_payment(order_request(provider_options={"save_card": "recurrent"}))
    next(flow)
    save = flow.send(respond(200, F3))

    with pytest.raises(ProviderUnavailableError) as raised:
        flow.send(respond(501, {"message": "Not Implemented"}))

    assert 501 in save.extensions["payments_core.accept_status"]
    assert raised.value.payment_id == ORDER_ID
    assert ORDER_ID in raised.value.message


# -- external wallets (F12) -----------------------------------------------------------------------


def test_external_apple_pay_order_is_created_without_a_redirect(
    provider: BogProvider, order_request: Build, respond: Any, finish: Any
) -> None:
    flow = provider.create_payment(
        order_request(
            payment_methods=["apple_pay"],
            provider_options={"apple_pay_external": True, "application_type": "web"},
        )
    )
    request = next(flow)

    payment = finish(
        flow,
        respond(
            200,
            {
                "id": "ap-ord",
                "result": {},
                "_links": {
                    "accept": {
                        "href": "https://api.bog.ge/payments/v1/ecommerce/orders/ap-ord/payment"
                    }
                },
            },
        ),
    )

    body = body_of(request)
    assert body["config"] == {"apple_pay": {"external": True}}
    assert body["application_type"] == "web"
    assert payment.status is PaymentStatus.CREATED
    assert payment.redirect_url is None


def test_external_google_pay_sends_its_token_and_may_finish_at_once(
    provider: BogProvider, order_request: Build, respond: Any, finish: Any
) -> None:
    flow = provider.create_payment(
        order_request(
            payment_methods=["google_pay"],
            provider_options={"google_pay_external": True, "google_pay_token": '{"sig":"x"}'},
        )
    )
    request = next(flow)

    payment = finish(
        flow,
        respond(
            200,
            {
                "id": "gp-ord",
                "status": "completed",
                "order_details": {},
                "_links": {"details": {"href": "https://api.bog.ge/payments/v1/receipt/gp-ord"}},
            },
        ),
    )

    assert body_of(request)["config"] == {
        "google_pay": {"external": True, "google_pay_token": '{"sig":"x"}'}
    }
    assert payment.status is PaymentStatus.CAPTURED
    assert payment.id == "gp-ord"


def test_external_google_pay_needing_3ds_is_pending_with_the_3ds_page(
    provider: BogProvider, order_request: Build, respond: Any, finish: Any
) -> None:
    three_ds = "https://payment.bog.ge/api/3ds/post-form?fieldName=a&fieldValue=b&baseUrl=c"
    flow = provider.create_payment(
        order_request(
            payment_methods=["google_pay"],
            provider_options={"google_pay_external": True, "google_pay_token": "tok"},
        )
    )
    next(flow)

    payment = finish(
        flow,
        respond(
            200,
            {"id": "gp-3ds", "status": "processing", "_links": {"redirect": {"href": three_ds}}},
        ),
    )

    assert payment.status is PaymentStatus.PENDING
    assert payment.redirect_url == three_ds


def test_external_google_pay_with_embedded_receipt_reads_the_receipt(
    provider: BogProvider,
    order_request: Build,
    respond: Any,
    finish: Any,
    receipt: Any,
) -> None:
    details = receipt("completed", payment_detail={"transfer_method": {"key": "google_pay"}})
    del details["order_id"]
    flow = provider.create_payment(
        order_request(
            payment_methods=["google_pay"],
            provider_options={"google_pay_external": True, "google_pay_token": "tok"},
        )
    )
    next(flow)

    payment = finish(
        flow, respond(200, {"id": "gp-ord", "status": "completed", "order_details": details})
    )

    assert payment.id == "gp-ord"
    assert payment.method == "google_pay"
    assert payment.captured_amount == Money("10.90", "GEL")


# -- BOG's own options ---------------------------------------------------------------------------


def test_loan_terms_go_into_config_with_the_loan_method(
    provider: BogProvider, order_request: Build
) -> None:
    request = next(
        provider.create_payment(
            order_request(
                payment_methods=["bog_loan"],
                provider_options={"loan": {"type": "STANDARD", "month": 12}},
            )
        )
    )

    body = body_of(request)
    assert body["payment_method"] == ["bog_loan"]
    assert body["config"] == {"loan": {"type": "STANDARD", "month": 12}}


def test_campaign_and_account_tag_go_into_config(
    provider: BogProvider, order_request: Build
) -> None:
    options = {"campaign": {"card": "visa", "type": "client_discount"}, "account_tag": "pos-2"}

    request = next(provider.create_payment(order_request(provider_options=options)))

    assert body_of(request)["config"] == {
        "campaign": {"card": "visa", "type": "client_discount"},
        "account": {"tag": "pos-2"},
    }


def test_split_parts_are_sent_with_exact_amounts_or_percentages(
    provider: BogProvider, order_request: Build
) -> None:
    options = {
        "split": [
            {"iban": "GE29BG0000000123456789", "amount": Money("10.50", "GEL"), "description": "a"},
            {"iban": "GE29BG0000000987654321", "percent": "12.5"},
        ]
    }

    request = next(provider.create_payment(order_request(provider_options=options)))

    assert (
        b'"split":{"split_payments":[{"iban":"GE29BG0000000123456789","amount":10.50,'
        b'"description":"a"},{"iban":"GE29BG0000000987654321","percent":12.5}]}'
    ) in request.content


def test_typed_options_can_be_built_and_handed_over_as_a_dict(
    provider: BogProvider, order_request: Build
) -> None:
    from payments_bog import BogOptions

    options = BogOptions(account_tag="pos-2", save_card="recurrent", ttl_minutes=30)

    flow = provider.create_payment(order_request(provider_options=options.to_provider_options()))
    request = next(flow)

    assert body_of(request)["ttl"] == 30
    assert body_of(request)["config"] == {"account": {"tag": "pos-2"}}


def test_a_weighed_quantity_goes_to_bog_as_an_exact_number(
    provider: BogProvider, order_request: Build
) -> None:
    request = order_request(
        amount=Money("4.36", "GEL"),
        items=[LineItem(product_id="cheese", quantity="1.310", unit_price=Money("3.33", "GEL"))],
        shipping_amount=None,
        discount_amount=None,
    )

    sent = next(provider.create_payment(request))

    assert b'"quantity":1.310' in sent.content
    assert b'"total_price":4.36' in sent.content  # 4.3623 rounded half up
