"""Bad input is refused before anything is sent.

Each test either calls the flow and gets the error before a first request exists, or
goes through the facade with a transport that records what reached it: nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from payments_bog import BogProvider

from payments_core import (
    ErrorCode,
    InvalidRequestError,
    LineItem,
    Money,
    PaymentRequest,
    Payments,
)

Build = Callable[..., PaymentRequest]


@pytest.fixture
def sent() -> list[httpx.Request]:
    return []


@pytest.fixture
def payments(provider: BogProvider, sent: list[httpx.Request]) -> Iterator[Payments]:
    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(500)

    client = httpx.Client(transport=httpx.MockTransport(record))
    with Payments(provider, http_client=client, autoload_plugins=False) as facade:
        yield facade


def refused(provider: BogProvider, request: PaymentRequest) -> InvalidRequestError:
    """The error create_payment raises, asserting it came before any request."""
    with pytest.raises(InvalidRequestError) as raised:
        next(provider.create_payment(request))
    return raised.value


def test_http_callback_on_loopback_is_refused_unless_a_switch_allows_it(
    provider: BogProvider, order_request: Build
) -> None:
    request = order_request(callback_url="http://127.0.0.1:8000/callback")

    error = refused(provider, request)

    assert error.field == "callback_url"
    assert error.code is ErrorCode.INVALID_URL
    assert "allow_insecure_callback_url" in error.message


def test_the_request_flag_alone_allows_a_loopback_http_callback(
    provider: BogProvider, order_request: Build
) -> None:
    request = order_request(
        callback_url="http://127.0.0.1:8000/callback", allow_insecure_callback=True
    )

    sent = next(provider.create_payment(request))

    assert b'"callback_url":"http://127.0.0.1:8000/callback"' in sent.content


def test_http_callback_on_loopback_is_sent_with_a_warning_when_the_setting_allows_it(
    settings: dict[str, Any], order_request: Build, caplog: pytest.LogCaptureFixture
) -> None:
    # The provider's setting alone is enough: one switch for local work.
    provider = BogProvider.from_settings(settings, allow_insecure_callback_url=True)
    request = order_request(callback_url="http://127.0.0.1:8000/callback")

    with caplog.at_level(logging.WARNING, logger="payments_bog"):
        sent = next(provider.create_payment(request))

    assert b'"callback_url":"http://127.0.0.1:8000/callback"' in sent.content
    assert "plain http" in caplog.text


def test_http_callback_to_a_public_host_is_refused_even_with_the_setting(
    settings: dict[str, Any], order_request: Build
) -> None:
    provider = BogProvider.from_settings(settings, allow_insecure_callback_url=True)
    unchecked = order_request().model_copy(update={"callback_url": "http://shop.example/cb"})

    error = refused(provider, unchecked)

    assert error.field == "callback_url"


def test_non_https_callback_never_reaches_the_transport(
    payments: Payments, order_request: Build, sent: list[httpx.Request]
) -> None:
    with pytest.raises(InvalidRequestError):
        payments.create_payment(order_request(callback_url="http://shop.example/callback"))

    assert sent == []


@pytest.mark.parametrize("seconds", [59, 60, 86401, 100000])
def test_expires_in_outside_bogs_ttl_range_is_refused(
    provider: BogProvider, order_request: Build, seconds: int
) -> None:
    error = refused(provider, order_request(expires_in=seconds))

    assert error.field == "expires_in"


@pytest.mark.parametrize("minutes", [0, 1, 1441, "15", 15.0])
def test_ttl_minutes_option_outside_2_to_1440_whole_minutes_is_refused(
    provider: BogProvider, order_request: Build, minutes: Any
) -> None:
    error = refused(provider, order_request(provider_options={"ttl_minutes": minutes}))

    assert error.field == "provider_options.ttl_minutes"


def test_currency_bog_does_not_take_is_refused(provider: BogProvider, order_request: Build) -> None:
    request = order_request(
        amount=Money("1000", "JPY"),
        items=[LineItem(product_id="A", quantity=1, unit_price=Money("1000", "JPY"))],
        shipping_amount=None,
        discount_amount=None,
    )

    error = refused(provider, request)

    assert error.code is ErrorCode.INVALID_CURRENCY
    assert error.field == "amount"


def test_more_than_ten_split_parts_are_refused(provider: BogProvider, order_request: Build) -> None:
    parts = [{"iban": f"GE00BG{i:016d}", "percent": "5"} for i in range(11)]

    error = refused(provider, order_request(provider_options={"split": parts}))

    assert error.field == "provider_options.split"


def test_split_outside_gel_is_refused(provider: BogProvider, order_request: Build) -> None:
    request = order_request(
        amount=Money("10.00", "USD"),
        items=[LineItem(product_id="A", quantity=1, unit_price=Money("10", "USD"))],
        shipping_amount=None,
        discount_amount=None,
        provider_options={"split": [{"iban": "GE00BG0000000000000001", "percent": "10"}]},
    )

    error = refused(provider, request)

    assert error.code is ErrorCode.INVALID_CURRENCY
    assert error.field == "provider_options.split"


@pytest.mark.parametrize(
    ("part", "field"),
    [
        ({"iban": "GE1"}, "provider_options.split.0"),
        ({"iban": "GE1", "amount": "1.00", "percent": "10"}, "provider_options.split.0"),
        ({"iban": "GE1", "amount": 1.5}, "provider_options.split.0.amount"),
        ({"iban": "GE1", "amount": "1.005"}, "provider_options.split.0"),
        ({"iban": "GE1", "percent": "0"}, "provider_options.split.0"),
        ({"iban": "GE1", "percent": "101"}, "provider_options.split.0"),
        ({"amount": "1.00"}, "provider_options.split.0.iban"),
    ],
)
def test_malformed_split_part_is_refused_naming_it(
    provider: BogProvider, order_request: Build, part: dict[str, Any], field: str
) -> None:
    error = refused(provider, order_request(provider_options={"split": [part]}))

    assert error.field == field


def test_split_amounts_above_the_payment_are_refused(
    provider: BogProvider, order_request: Build
) -> None:
    parts = [{"iban": "GE1", "amount": "20.00"}, {"iban": "GE2", "amount": "10.00"}]

    error = refused(provider, order_request(provider_options={"split": parts}))

    assert error.code is ErrorCode.INVALID_AMOUNT


def test_split_percentages_above_100_are_refused(
    provider: BogProvider, order_request: Build
) -> None:
    parts = [{"iban": "GE1", "percent": "60"}, {"iban": "GE2", "percent": "50"}]

    error = refused(provider, order_request(provider_options={"split": parts}))

    assert error.field == "provider_options.split"
    assert "add up to 110" in error.message


@pytest.mark.parametrize("methods", [["card"], ["bog_loan", "card"], []])
def test_loan_without_exactly_a_loan_method_is_refused(
    provider: BogProvider, order_request: Build, methods: list[str]
) -> None:
    request = order_request(
        payment_methods=methods, provider_options={"loan": {"type": "STANDARD", "month": 12}}
    )

    error = refused(provider, request)

    assert error.field == "provider_options.loan"


@pytest.mark.parametrize("method", ["bog_loan", "bnpl"])
def test_loan_method_without_loan_terms_is_refused(
    provider: BogProvider, order_request: Build, method: str
) -> None:
    error = refused(provider, order_request(payment_methods=[method]))

    assert error.field == "provider_options.loan"


def test_unknown_payment_method_is_refused(provider: BogProvider, order_request: Build) -> None:
    error = refused(provider, order_request(payment_methods=["paypal"]))

    assert error.field == "payment_methods"


def test_payment_methods_given_twice_differently_are_refused(
    provider: BogProvider, order_request: Build
) -> None:
    request = order_request(
        payment_methods=["card"], provider_options={"payment_methods": ["bog_p2p"]}
    )

    error = refused(provider, request)

    assert error.field == "payment_methods"
    assert "both on the request and in provider_options" in error.message


def test_manual_capture_with_a_method_that_cannot_preauthorize_is_refused(
    provider: BogProvider, order_request: Build
) -> None:
    from payments_core import CaptureMode

    request = order_request(capture=CaptureMode.MANUAL, payment_methods=["card", "bog_p2p"])

    error = refused(provider, request)

    assert error.field == "capture"


@pytest.mark.parametrize(
    "options",
    [
        {"google_pay_external": True},
        {"google_pay_token": "tok"},
        {"apple_pay_external": True},
        {"campaign": {}},
        {"campaign": {"card": "amex"}},
        {"application_type": "desktop"},
        {"save_card": "forever"},
        {"themee": "dark"},
    ],
)
def test_inconsistent_or_unknown_options_are_refused(
    provider: BogProvider, order_request: Build, options: dict[str, Any]
) -> None:
    error = refused(provider, order_request(payment_methods=["card"], provider_options=options))

    assert error.field is not None
    assert error.field.startswith("provider_options")


def test_empty_basket_is_refused_by_the_core_before_anything_is_sent(
    payments: Payments, order_request: Build, sent: list[httpx.Request]
) -> None:
    with pytest.raises(InvalidRequestError, match="basket"):
        payments.create_payment(order_request(items=[]))

    assert sent == []


def test_empty_basket_is_refused_by_the_provider_too(
    provider: BogProvider, order_request: Build
) -> None:
    unchecked = order_request().model_copy(update={"items": []})

    error = refused(provider, unchecked)

    assert error.field == "items"


def test_float_amounts_are_refused_by_the_core(order_request: Build) -> None:
    with pytest.raises(InvalidRequestError, match="float"):
        order_request(amount=Money(27.5, "GEL"))  # type: ignore[arg-type]


def test_float_split_amount_is_refused(provider: BogProvider, order_request: Build) -> None:
    error = refused(
        provider, order_request(provider_options={"split": [{"iban": "GE1", "amount": 2.5}]})
    )

    assert "float" in error.message


@pytest.mark.parametrize("payment_id", ["../ecommerce/orders", "", "a b", "x/y", "?q=1"])
def test_ids_that_could_reach_another_endpoint_are_refused(
    provider: BogProvider, payment_id: str
) -> None:
    with pytest.raises(InvalidRequestError):
        next(provider.get_payment(payment_id))
    with pytest.raises(InvalidRequestError):
        next(provider.refund(payment_id, None, idempotency_key="k"))


def test_refund_amount_must_be_positive_money(provider: BogProvider) -> None:
    with pytest.raises(InvalidRequestError):
        next(provider.refund("order-1", Money("0", "GEL"), idempotency_key="k"))
    with pytest.raises(InvalidRequestError):
        next(provider.capture("order-1", "5.00", idempotency_key="k"))  # type: ignore[arg-type]


def test_bog_options_built_directly_refuse_bad_values_with_a_typed_error() -> None:
    from payments_bog import BogOptions

    from payments_core import InvalidRequestError

    with pytest.raises(InvalidRequestError, match="ttl_minutes"):
        BogOptions(ttl_minutes=1)


def test_callback_url_with_an_impossible_port_is_refused(
    provider: BogProvider, order_request: Build
) -> None:
    unchecked = order_request().model_copy(update={"callback_url": "https://shop.example:99999/cb"})

    error = refused(provider, unchecked)

    assert error.field == "callback_url"
    assert error.code is ErrorCode.INVALID_URL


# -- URLs, free text and requests changed after they were built --------------------------------

AMBIGUOUS_CALLBACKS = [
    pytest.param(" https://shop.example/cb", id="leading-space"),
    pytest.param("https://shop.example/cb\r\n", id="trailing-crlf"),
    pytest.param("https://shop.exa\tmple/cb", id="tab"),
    pytest.param("https://shop.example/cb\x00", id="nul"),
    pytest.param("https://shop example/cb", id="space-in-host"),
    pytest.param("https://bog:pw@shop.example/cb", id="userinfo"),
    pytest.param("https://shop\uff0eexample/cb", id="fullwidth-dot"),
    pytest.param("https://shop\uff61example/cb", id="halfwidth-ideographic-dot"),
    pytest.param("https://shop.example:0/cb", id="port-zero"),
]


@pytest.mark.parametrize("url", AMBIGUOUS_CALLBACKS)
def test_ambiguous_callback_url_never_reaches_the_transport(
    payments: Payments, order_request: Build, sent: list[httpx.Request], url: str
) -> None:
    unchecked = order_request().model_copy(update={"callback_url": url})

    with pytest.raises(InvalidRequestError) as raised:
        payments.create_payment(unchecked)

    assert raised.value.field == "callback_url"
    assert raised.value.code is ErrorCode.INVALID_URL
    assert sent == []


@pytest.mark.parametrize("url", AMBIGUOUS_CALLBACKS)
def test_check_callback_url_refuses_ambiguous_urls_itself(provider: BogProvider, url: str) -> None:
    from payments_bog.orders import check_callback_url

    with pytest.raises(InvalidRequestError) as raised:
        check_callback_url(url, provider.settings)

    assert raised.value.field == "callback_url"
    assert raised.value.code is ErrorCode.INVALID_URL
    assert raised.value.provider == "bog"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.attacker.example/cb",
        "http://127.0.0.1.nip.io/cb",
        "http://shop.localhost/cb",
    ],
)
def test_http_callback_to_a_name_that_only_looks_local_is_refused_even_with_the_setting(
    settings: dict[str, Any], url: str
) -> None:
    from payments_bog.orders import check_callback_url

    provider = BogProvider.from_settings(settings, allow_insecure_callback_url=True)

    with pytest.raises(InvalidRequestError, match="loopback") as raised:
        check_callback_url(url, provider.settings)

    assert raised.value.field == "callback_url"
    assert raised.value.code is ErrorCode.INVALID_URL


@pytest.mark.parametrize("field", ["success_url", "fail_url"])
def test_ambiguous_redirect_url_is_refused_by_the_provider_too(
    provider: BogProvider, order_request: Build, field: str
) -> None:
    unchecked = order_request().model_copy(update={field: "https://shop\u3002example/ok"})

    error = refused(provider, unchecked)

    assert error.field == field
    assert error.code is ErrorCode.INVALID_URL


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("external_id", "ORD-1001\r\nX-Injected: 1"),
        ("external_id", "   "),
        ("external_id", "ORD\u202e1001"),
        ("locale", "en\x00"),
        ("idempotency_key", "key\r\nX-Injected: 1"),
    ],
)
def test_free_text_with_control_characters_is_refused_by_the_provider_too(
    provider: BogProvider, order_request: Build, field: str, value: str
) -> None:
    unchecked = order_request().model_copy(update={field: value})

    error = refused(provider, unchecked)

    assert error.field == field
    assert error.code is ErrorCode.INVALID_REQUEST


def test_buyer_name_with_a_line_break_is_refused_by_the_provider_too(
    provider: BogProvider, order_request: Build
) -> None:
    request = order_request()
    assert request.buyer is not None
    request.buyer.__dict__["full_name"] = "John\nDoe"

    error = refused(provider, request)

    assert error.field == "full_name"
    assert "control" in error.message


def test_line_item_made_bad_in_place_never_reaches_the_transport(
    payments: Payments, order_request: Build, sent: list[httpx.Request]
) -> None:
    request = order_request()
    # model_copy(update=...) skips validation, and putting it in the list checks nothing.
    request.items[0] = request.items[0].model_copy(
        update={"quantity": -3, "unit_price": Money("-10.00", "GEL")}
    )

    with pytest.raises(InvalidRequestError) as raised:
        payments.create_payment(request)

    assert raised.value.field == "quantity"
    assert "unit_price" in raised.value.message
    assert sent == []


def test_line_item_made_bad_in_place_is_refused_by_the_provider_too(
    provider: BogProvider, order_request: Build
) -> None:
    request = order_request()
    request.items[0] = request.items[0].model_copy(update={"unit_price": Money("-10.00", "GEL")})

    error = refused(provider, request)

    assert error.field == "unit_price"
    assert "negative" in error.message


def test_assigning_a_bad_quantity_to_a_line_item_of_a_built_request_is_refused(
    order_request: Build,
) -> None:
    request = order_request()

    with pytest.raises(InvalidRequestError) as raised:
        request.items[0].quantity = -3

    assert raised.value.field == "quantity"
    assert request.items[0].quantity == 2


# -- basket extras (provider_options.basket) ---------------------------------------------------


def test_basket_extras_must_line_up_with_the_items(
    provider: BogProvider, order_request: Build
) -> None:
    error = refused(provider, order_request(provider_options={"basket": [{"tin": "1"}]}))

    assert error.field == "provider_options.basket"
    assert "1 entries for 2 items" in error.message


@pytest.mark.parametrize(
    ("extras", "field"),
    [
        ({"vat": "-0.01"}, "provider_options.basket.0.vat"),
        ({"vat": 1.5}, "provider_options.basket.0.vat"),
        ({"tin": "12\n34"}, "provider_options.basket.0.tin"),
        ({"package_code": "  "}, "provider_options.basket.0.package_code"),
        ({"pinfl": "x" * 256}, "provider_options.basket.0.pinfl"),
        ({"colour": "red"}, "provider_options.basket.0.colour"),
    ],
)
def test_malformed_basket_extras_are_refused_naming_them(
    provider: BogProvider, order_request: Build, extras: dict[str, Any], field: str
) -> None:
    error = refused(provider, order_request(provider_options={"basket": [extras, None]}))

    assert error.field == field


def test_basket_vat_finer_than_the_currency_is_refused(
    provider: BogProvider, order_request: Build
) -> None:
    error = refused(provider, order_request(provider_options={"basket": [{"vat": "1.005"}, {}]}))

    assert error.code is ErrorCode.INVALID_AMOUNT
    assert error.field == "provider_options.basket.0.vat"
