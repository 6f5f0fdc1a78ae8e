"""Request and result models: bad input is a typed error naming the field."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from payments_core import (
    Buyer,
    CaptureMode,
    CardDetails,
    Decline,
    DeclineCode,
    ErrorCode,
    InvalidRequestError,
    LineItem,
    Money,
    Operation,
    OperationKind,
    OperationStatus,
    Payment,
    PaymentRequest,
    PaymentStatus,
    WebhookEvent,
)
from payments_core.idempotency import check_idempotency_key
from payments_core.models import check_text
from payments_core.provider import ProviderSettings
from tests.conftest import make_request


def gel(amount: str) -> Money:
    return Money(amount, "GEL")


def item(price: str = "12.50", quantity: int = 1, currency: str = "GEL") -> LineItem:
    return LineItem(product_id="sku-1", quantity=quantity, unit_price=Money(price, currency))


# -- PaymentRequest: amounts ----------------------------------------------------------------


def test_a_valid_request_keeps_what_it_was_given() -> None:
    request = make_request(capture=CaptureMode.MANUAL, locale="ka", metadata={"cart": "7"})
    assert request.amount == gel("12.50")
    assert request.capture is CaptureMode.MANUAL
    assert request.metadata == {"cart": "7"}
    assert request.items[0].total == gel("12.50")


def test_float_amount_is_refused() -> None:
    with pytest.raises(InvalidRequestError) as caught:
        make_request(amount=12.5)
    assert caught.value.field == "amount"
    assert caught.value.code is ErrorCode.INVALID_AMOUNT


@pytest.mark.parametrize("amount", ["0", "-1.00"], ids=["zero", "negative"])
def test_amount_must_be_positive(amount: str) -> None:
    with pytest.raises(InvalidRequestError, match="greater than zero") as caught:
        make_request(amount=gel(amount), items=[item("1.00")])
    assert caught.value.field == "amount"
    assert caught.value.code is ErrorCode.INVALID_AMOUNT


def test_over_precise_amount_is_refused() -> None:
    with pytest.raises(InvalidRequestError) as caught:
        make_request(amount={"amount": "12.501", "currency": "GEL"})
    assert caught.value.code is ErrorCode.INVALID_AMOUNT
    assert caught.value.field == "amount"


def test_items_in_another_currency_are_refused() -> None:
    with pytest.raises(InvalidRequestError, match="USD") as caught:
        make_request(items=[item(currency="USD")])
    assert caught.value.code is ErrorCode.CURRENCY_MISMATCH


@pytest.mark.parametrize("field", ["shipping_amount", "discount_amount"])
def test_shipping_or_discount_in_another_currency_is_refused(field: str) -> None:
    with pytest.raises(
        InvalidRequestError, match="every amount must be in GEL, found EUR"
    ) as caught:
        make_request(**{field: Money("1", "EUR")})
    assert caught.value.code is ErrorCode.CURRENCY_MISMATCH


def test_item_discount_in_another_currency_is_refused() -> None:
    with pytest.raises(
        InvalidRequestError, match="unit_discount must be in the unit_price's"
    ) as caught:
        LineItem(
            product_id="sku", quantity=1, unit_price=gel("12.50"), unit_discount=Money("1", "USD")
        )
    assert caught.value.code is ErrorCode.CURRENCY_MISMATCH


@pytest.mark.parametrize("discount", ["-1.00", "12.51"], ids=["negative", "above-price"])
def test_item_discount_outside_zero_and_the_price_is_refused(discount: str) -> None:
    with pytest.raises(InvalidRequestError, match="unit_discount must be between zero") as caught:
        LineItem(product_id="sku", quantity=1, unit_price=gel("12.50"), unit_discount=gel(discount))
    assert caught.value.code is ErrorCode.INVALID_AMOUNT


@pytest.mark.parametrize("field", ["shipping_amount", "discount_amount"])
def test_negative_shipping_or_discount_is_refused(field: str) -> None:
    with pytest.raises(InvalidRequestError, match=f"{field}: must not be negative") as caught:
        make_request(**{field: gel("-1.00")})
    assert caught.value.field == field


@pytest.mark.parametrize(
    "vat", [0.1, Decimal("100.5"), Decimal("-1")], ids=["float", "above", "below"]
)
def test_vat_percent_must_be_an_exact_percentage(vat: object) -> None:
    with pytest.raises(InvalidRequestError, match="vat_percent"):
        LineItem(product_id="sku", quantity=1, unit_price=gel("1.00"), vat_percent=vat)


def test_expires_in_beyond_a_year_is_refused() -> None:
    with pytest.raises(InvalidRequestError, match="expires_in"):
        make_request(expires_in=10**400)


def test_minor_units_need_a_currency_code() -> None:
    with pytest.raises(InvalidRequestError, match="currency must be a 3-letter") as caught:
        Money.from_minor_units(5, None)  # type: ignore[arg-type]
    assert caught.value.code is ErrorCode.INVALID_CURRENCY


def test_empty_basket_is_refused() -> None:
    with pytest.raises(InvalidRequestError, match="basket is empty") as caught:
        make_request(items=[])
    assert caught.value.field == "items"


# -- PaymentRequest: items total -----------------------------------------------------------


def test_items_need_not_add_up_unless_the_request_says_so() -> None:
    assert make_request(amount=gel("99.00"), items=[item("1.00")]).amount == gel("99.00")


def test_items_that_do_not_add_up_are_refused_when_required() -> None:
    with pytest.raises(InvalidRequestError, match="add up to") as caught:
        make_request(amount=gel("20.00"), items=[item("9.99", 2)], require_items_total=True)
    assert caught.value.code is ErrorCode.INVALID_AMOUNT
    assert caught.value.field == "items"


def test_items_total_counts_quantity_discounts_shipping_and_order_discount() -> None:
    discounted = LineItem(
        product_id="sku", quantity=3, unit_price=gel("10.00"), unit_discount=gel("1.00")
    )
    request = make_request(
        amount=gel("29.50"),  # 3 * 9.00 + 5.00 shipping - 2.50 discount
        items=[discounted],
        shipping_amount=gel("5.00"),
        discount_amount=gel("2.50"),
        require_items_total=True,
    )
    assert request.amount == gel("29.50")


# -- PaymentRequest: URLs ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://shop.test/callback",
        "ftp://shop.test/callback",
        "shop.test/callback",
        "https://",
        "",
    ],
)
def test_callback_url_must_be_absolute_https(url: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        make_request(callback_url=url)
    assert caught.value.code is ErrorCode.INVALID_URL
    assert caught.value.field == "callback_url"


def test_insecure_callback_is_allowed_only_on_loopback_when_asked() -> None:
    request = make_request(callback_url="http://127.0.0.1:8000/cb", allow_insecure_callback=True)
    assert request.callback_url == "http://127.0.0.1:8000/cb"


def test_insecure_callback_to_a_public_host_is_refused_even_when_asked() -> None:
    with pytest.raises(InvalidRequestError, match="loopback") as caught:
        make_request(callback_url="http://shop.test/cb", allow_insecure_callback=True)
    assert caught.value.code is ErrorCode.INVALID_URL


@pytest.mark.parametrize(
    ("setting", "request_flag", "allowed"),
    [
        (False, False, False),
        (False, True, True),
        (True, False, True),
        (True, True, True),
    ],
)
def test_an_insecure_callback_is_allowed_when_the_setting_or_the_request_says_so(
    setting: bool, request_flag: bool, allowed: bool
) -> None:
    settings = ProviderSettings(allow_insecure_callback_url=setting)
    request = make_request(
        callback_url="http://127.0.0.1:8000/cb", allow_insecure_callback=request_flag
    )
    assert settings.allows_insecure_callback(request) is allowed


@pytest.mark.parametrize("setting", [False, True])
def test_without_a_request_only_the_setting_allows_an_insecure_callback(setting: bool) -> None:
    settings = ProviderSettings(allow_insecure_callback_url=setting)
    assert settings.allows_insecure_callback() is setting
    assert settings.allows_insecure_callback(None) is setting


@pytest.mark.parametrize("field", ["success_url", "fail_url"])
def test_redirect_urls_must_be_absolute(field: str) -> None:
    with pytest.raises(InvalidRequestError, match="must be an absolute http") as caught:
        make_request(**{field: "/thanks"})
    assert caught.value.field == field
    assert caught.value.code is ErrorCode.INVALID_URL


def test_redirect_urls_may_be_plain_http() -> None:
    assert make_request(success_url="http://shop.test/ok").success_url == "http://shop.test/ok"


# One fresh example of each defect class that urlsplit lets through today.
AMBIGUOUS_URLS = [
    pytest.param(" https://shop.test/cb", id="leading-space"),
    pytest.param("https://shop.test/cb\n", id="trailing-newline"),
    pytest.param("https://shop.te\tst/cb", id="tab-in-host"),
    pytest.param("https://shop.test/c\r\nb", id="crlf"),
    pytest.param("https://shop.test/cb\x00", id="nul"),
    pytest.param("https://shop .test/cb", id="space-in-host"),
    pytest.param("https://admin:pw@shop.test/cb", id="userinfo"),
    pytest.param("https://shop\uff0etest/cb", id="fullwidth-dot"),
    pytest.param("https://shop\u3002test/cb", id="ideographic-dot"),
    pytest.param("https://sh\u00f6p.test/cb", id="non-ascii-host"),
    pytest.param("https://shop.test:70000/cb", id="port-too-big"),
    pytest.param("https://shop.test:0/cb", id="port-zero"),
    pytest.param("https://shop.test:http/cb", id="port-not-a-number"),
    pytest.param("https://shop_1.test/cb", id="underscore-in-host"),
    pytest.param("https://shop.test/\u202ecb", id="bidi-override"),
]


@pytest.mark.parametrize("url", AMBIGUOUS_URLS)
def test_callback_url_that_parsers_may_read_differently_is_refused(url: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        make_request(callback_url=url)
    assert caught.value.code is ErrorCode.INVALID_URL
    assert caught.value.field == "callback_url"


@pytest.mark.parametrize("field", ["success_url", "fail_url"])
@pytest.mark.parametrize("url", AMBIGUOUS_URLS)
def test_redirect_url_that_parsers_may_read_differently_is_refused(field: str, url: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        make_request(**{field: url})
    assert caught.value.code is ErrorCode.INVALID_URL
    assert caught.value.field == field
    assert f"{field}: " in caught.value.message


def test_callback_url_with_a_fragment_is_refused() -> None:
    with pytest.raises(InvalidRequestError, match="fragment") as caught:
        make_request(callback_url="https://shop.test/cb#x")
    assert caught.value.field == "callback_url"


def test_redirect_url_may_have_a_fragment_for_single_page_shops() -> None:
    assert make_request(success_url="https://shop.test/#/thanks").success_url == (
        "https://shop.test/#/thanks"
    )


@pytest.mark.parametrize("url", ["http://127.0.0.2:8000/cb", "http://[::1]:8000/cb"])
def test_insecure_callback_is_allowed_on_any_loopback_address(url: str) -> None:
    assert make_request(callback_url=url, allow_insecure_callback=True).callback_url == url


def test_line_item_image_url_is_checked_like_any_url() -> None:
    with pytest.raises(InvalidRequestError) as caught:
        LineItem(
            product_id="sku",
            quantity=1,
            unit_price=gel("1"),
            image_url="https://cdn\uff0eshop.test/a.png",
        )
    assert caught.value.code is ErrorCode.INVALID_URL
    assert caught.value.field == "image_url"


# -- PaymentRequest: other fields -------------------------------------------------------------


def test_idempotency_key_is_minted_once_per_request() -> None:
    first, second = make_request(), make_request()
    assert check_idempotency_key(first.idempotency_key) == first.idempotency_key  # sendable
    assert first.idempotency_key != second.idempotency_key
    # validating the request again (as the facade does) keeps its key instead of minting one
    assert PaymentRequest.model_validate(first).idempotency_key == first.idempotency_key
    assert PaymentRequest.model_validate(dict(first)).idempotency_key == first.idempotency_key


def test_given_idempotency_key_is_kept() -> None:
    assert make_request(idempotency_key="order-1001-try-1").idempotency_key == "order-1001-try-1"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("external_id", ""),
        ("expires_in", 0),
        ("idempotency_key", ""),
        ("capture", "later"),
        ("unknown_field", 1),
    ],
)
def test_invalid_request_fields_are_refused_naming_the_field(field: str, value: Any) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        make_request(**{field: value})
    assert caught.value.field == field
    assert field in str(caught.value)


@pytest.mark.parametrize(
    ("field", "value"),
    [("quantity", 0), ("quantity", 1.5), ("quantity", True), ("product_id", "")],
)
def test_invalid_line_items_are_refused(field: str, value: Any) -> None:
    values: dict[str, Any] = {"product_id": "sku", "quantity": 1, "unit_price": gel("1")}
    values[field] = value
    with pytest.raises(InvalidRequestError) as caught:
        LineItem(**values)
    assert caught.value.field == field


def test_negative_unit_price_is_refused() -> None:
    with pytest.raises(InvalidRequestError, match="unit_price must not be negative") as caught:
        item("-1.00")
    assert caught.value.field == "unit_price"


# -- free text that reaches a gateway -----------------------------------------------------------

BAD_TEXT = [
    pytest.param(" ", "blank", id="space"),
    pytest.param(" \u3000\u00a0 ", "blank", id="only-whitespace"),
    pytest.param("\u200b", "blank", id="only-invisible"),
    pytest.param("ord\x00er", "control", id="nul"),
    pytest.param("order\r\nX-Injected: 1", "control", id="crlf"),
    pytest.param("order\n", "control", id="lf"),
    pytest.param("ord\ter", "control", id="tab"),
    pytest.param("order\x1b[31m", "control", id="escape"),
    pytest.param("order\x7f", "control", id="del"),
    pytest.param("order\x9b", "control", id="c1"),
    pytest.param("order\u2028", "control", id="line-separator"),
    pytest.param("order-\u202e1001", "bidirectional", id="rlo"),
    pytest.param("\u202aorder", "bidirectional", id="lre"),
    pytest.param("order\u2066x\u2069", "bidirectional", id="isolate"),
]


@pytest.mark.parametrize(("text", "problem"), BAD_TEXT)
def test_external_id_that_is_blank_or_holds_control_or_bidi_characters_is_refused(
    text: str, problem: str
) -> None:
    with pytest.raises(InvalidRequestError, match=problem) as caught:
        make_request(external_id=text)
    assert caught.value.field == "external_id"
    assert caught.value.code is ErrorCode.INVALID_REQUEST


@pytest.mark.parametrize("field", ["product_id", "description"])
@pytest.mark.parametrize(("text", "problem"), BAD_TEXT)
def test_line_item_text_that_is_blank_or_holds_control_or_bidi_characters_is_refused(
    field: str, text: str, problem: str
) -> None:
    values: dict[str, Any] = {"product_id": "sku", "quantity": 1, "unit_price": gel("1")}
    values[field] = text
    with pytest.raises(InvalidRequestError, match=problem) as caught:
        LineItem(**values)
    assert caught.value.field == field


@pytest.mark.parametrize("field", ["full_name", "email", "phone"])
@pytest.mark.parametrize(("text", "problem"), BAD_TEXT)
def test_buyer_text_that_is_blank_or_holds_control_or_bidi_characters_is_refused(
    field: str, text: str, problem: str
) -> None:
    with pytest.raises(InvalidRequestError, match=problem) as caught:
        Buyer(**{field: text})
    assert caught.value.field == field


@pytest.mark.parametrize(("text", "problem"), BAD_TEXT)
def test_locale_that_is_blank_or_holds_control_or_bidi_characters_is_refused(
    text: str, problem: str
) -> None:
    with pytest.raises(InvalidRequestError, match=problem) as caught:
        make_request(locale=text)
    assert caught.value.field == "locale"


@pytest.mark.parametrize(("text", "problem"), BAD_TEXT)
def test_payment_method_that_is_blank_or_holds_control_or_bidi_characters_is_refused(
    text: str, problem: str
) -> None:
    with pytest.raises(InvalidRequestError, match=problem) as caught:
        make_request(payment_methods=["card", text])
    assert caught.value.field == "payment_methods.1"


@pytest.mark.parametrize(("text", "problem"), BAD_TEXT)
def test_metadata_value_that_is_blank_or_holds_control_or_bidi_characters_is_refused(
    text: str, problem: str
) -> None:
    with pytest.raises(InvalidRequestError, match=problem) as caught:
        make_request(metadata={"cart": text})
    assert caught.value.field == "metadata"
    assert "'cart'" in caught.value.message


@pytest.mark.parametrize(("text", "problem"), BAD_TEXT)
def test_metadata_key_that_is_blank_or_holds_control_or_bidi_characters_is_refused(
    text: str, problem: str
) -> None:
    with pytest.raises(InvalidRequestError, match=problem) as caught:
        make_request(metadata={text: "7"})
    assert caught.value.field == "metadata"
    assert repr(text) in caught.value.message  # quoted with escapes, never raw


@pytest.mark.parametrize(
    "key", ["k\u00e9y", "key\r\nX-Injected: 1", " key", "key ", "a key", "key\x00", "\u202ekey"]
)
def test_idempotency_key_must_be_a_clean_ascii_header_value(key: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        make_request(idempotency_key=key)
    assert caught.value.field == "idempotency_key"
    assert caught.value.code is ErrorCode.INVALID_REQUEST


def test_free_text_in_any_script_is_kept() -> None:
    request = make_request(
        external_id="\u10e8\u10d4\u10d9\u10d5\u10d4\u10d7\u10d0-1001",
        locale="ka-GE",
        metadata={"\u10d9\u10d0\u10da\u10d0\u10d7\u10d0": "\u05e9\u05dc\u05d5\u05dd \u200f!"},
        buyer=Buyer(full_name="\u10dc\u10d8\u10dc\u10dd \u10d1\u10d4\u10e0\u10d8\u10eb\u10d4"),
    )
    assert request.external_id.endswith("-1001")


def test_check_text_refuses_with_the_field_named() -> None:
    with pytest.raises(InvalidRequestError, match="control") as caught:
        check_text("sub\x00", field="external_id")
    assert caught.value.field == "external_id"
    assert caught.value.code is ErrorCode.INVALID_REQUEST


def test_check_text_returns_clean_text_unchanged() -> None:
    assert check_text("order 1001", field="external_id") == "order 1001"


# -- changing a request after it was built ---------------------------------------------------


def test_assigning_a_bad_value_to_a_line_item_is_refused() -> None:
    request = make_request()
    with pytest.raises(InvalidRequestError, match="greater than 0") as caught:
        request.items[0].quantity = -3
    assert caught.value.field == "quantity"
    assert request.items[0].quantity == 1


def test_assigning_a_negative_unit_price_is_refused() -> None:
    request = make_request()
    with pytest.raises(InvalidRequestError, match="negative") as caught:
        request.items[0].unit_price = gel("-10.00")
    assert caught.value.field == "unit_price"


def test_assigning_a_bad_buyer_field_is_refused() -> None:
    buyer = Buyer(full_name="Nino")
    with pytest.raises(InvalidRequestError, match="control") as caught:
        buyer.full_name = "Nino\r\nX"
    assert caught.value.field == "full_name"


def test_assigning_a_bad_callback_url_to_a_request_is_refused() -> None:
    request = make_request()
    with pytest.raises(InvalidRequestError, match="HTTPS") as caught:
        request.callback_url = "http://shop.test/cb"
    assert caught.value.field == "callback_url"
    assert caught.value.code is ErrorCode.INVALID_URL


def test_validating_a_request_again_rechecks_line_items_changed_in_place() -> None:
    request = make_request()
    # model_copy(update=...) skips validation: the copy holds a negative quantity.
    request.items[0] = request.items[0].model_copy(update={"quantity": -3})
    with pytest.raises(InvalidRequestError, match="greater than 0") as caught:
        PaymentRequest.model_validate(dict(request))
    assert caught.value.field == "quantity"


def test_building_a_request_rechecks_line_items_made_without_validation() -> None:
    unchecked = LineItem.model_construct(product_id="sku", quantity=1, unit_price=gel("-10.00"))
    with pytest.raises(InvalidRequestError, match="negative") as caught:
        make_request(items=[unchecked])
    assert caught.value.field == "unit_price"


def test_validating_a_request_again_rechecks_its_buyer() -> None:
    request = make_request(buyer=Buyer(full_name="Nino"))
    assert request.buyer is not None
    request.buyer.__dict__["email"] = "n@shop.test\r\nBcc: x"
    with pytest.raises(InvalidRequestError, match="control") as caught:
        PaymentRequest.model_validate(request)
    assert caught.value.field == "email"


def test_request_round_trips_through_its_dump() -> None:
    request = make_request(shipping_amount=gel("2.00"))
    assert PaymentRequest.model_validate(request.model_dump()) == request


def test_model_validate_errors_are_typed_too() -> None:
    with pytest.raises(InvalidRequestError, match="amount: Field required") as caught:
        PaymentRequest.model_validate({"external_id": "x"})
    assert caught.value.field == "amount"
    for missing in ("items", "callback_url"):
        assert f"{missing}: Field required" in caught.value.message


@pytest.mark.parametrize(
    ("text", "field", "problem"),
    [
        ('{"id": "p"}', "provider", "provider: Field required"),
        ("not json", "Payment", "Invalid JSON"),
        ('{"amount": 12.5}', "id", "amount: expected Money"),
    ],
    ids=["missing-fields", "not-json", "float-amount"],
)
def test_model_validate_json_errors_are_typed_too(text: str, field: str, problem: str) -> None:
    with pytest.raises(InvalidRequestError, match=problem) as caught:
        Payment.model_validate_json(text)
    assert caught.value.field == field


# -- results -------------------------------------------------------------------------------


def payment(**overrides: Any) -> Payment:
    values: dict[str, Any] = {
        "id": "pay-1",
        "provider": "gw",
        "status": PaymentStatus.CAPTURED,
        "amount": gel("10.00"),
    }
    values.update(overrides)
    return Payment(**values)


def test_payment_is_frozen() -> None:
    snapshot = payment()
    with pytest.raises(Exception, match="frozen"):
        snapshot.status = PaymentStatus.REFUNDED  # type: ignore[misc]
    assert snapshot.status is PaymentStatus.CAPTURED


def test_payment_ignores_fields_added_later() -> None:
    assert payment(new_provider_field=1).id == "pay-1"


def test_payment_status_properties_follow_the_status_table() -> None:
    assert payment(status=PaymentStatus.CAPTURED).is_paid
    assert not payment(status=PaymentStatus.AUTHORIZED).is_paid
    assert payment(status=PaymentStatus.DECLINED).is_final
    assert not payment(status=PaymentStatus.PENDING).is_final


def test_refundable_amount_is_captured_minus_refunded() -> None:
    assert payment(captured_amount=gel("10"), refunded_amount=gel("3.50")).refundable_amount == (
        gel("6.50")
    )
    assert payment(captured_amount=gel("10")).refundable_amount == gel("10")
    assert payment().refundable_amount is None


def test_raw_payload_is_kept_but_not_shown_in_repr() -> None:
    snapshot = payment(raw={"card_token": "tok-SECRET-123"})
    assert snapshot.raw == {"card_token": "tok-SECRET-123"}
    assert "tok-SECRET-123" not in repr(snapshot)


@pytest.mark.parametrize("number", ["4111111111111111", "4111 1111 1111 1111"])
def test_card_details_refuse_a_full_card_number(number: str) -> None:
    with pytest.raises(InvalidRequestError, match="masked"):
        CardDetails(masked_number=number)


def test_card_details_keep_a_masked_number() -> None:
    assert CardDetails(masked_number="411111******1111").masked_number == "411111******1111"


def test_operation_and_webhook_event_build_from_plain_values() -> None:
    operation = Operation(
        kind=OperationKind.REFUND,
        status=OperationStatus.PENDING,
        payment_id="pay-1",
        provider="gw",
        amount=gel("1.00"),
    )
    event = WebhookEvent(
        id="evt-1",
        provider="gw",
        type="payment.updated",
        payment=payment(decline=Decline(code=DeclineCode.INSUFFICIENT_FUNDS)),
        received_at=datetime(2024, 1, 1, tzinfo=UTC),
    )
    assert operation.amount == gel("1.00")
    assert event.payment.decline is not None
    assert event.payment.decline.code is DeclineCode.INSUFFICIENT_FUNDS


# -- weighed goods ---------------------------------------------------------------------


def test_a_weighed_quantity_is_kept_exact_and_its_line_total_rounds_half_up() -> None:
    item = LineItem(product_id="cheese", quantity="0.350", unit_price=Money("3.33", "GEL"))
    assert item.quantity == Decimal("0.350")
    assert item.total == Money("1.17", "GEL")  # 1.1655 rounds half up


def test_a_whole_quantity_given_as_a_decimal_stays_an_int() -> None:
    item = LineItem(product_id="tea", quantity=Decimal("2.000"), unit_price=Money("1.00", "GEL"))
    assert item.quantity == 2
    assert isinstance(item.quantity, int)


@pytest.mark.parametrize(
    ("quantity", "reason"),
    [
        (0.5, "not a float"),
        ("0.0005", "at most 3 decimals"),
        ("0", "greater than 0"),
        ("-1.5", "greater than 0"),
        ("NaN", "finite"),
        ("abc", "must be a number"),
        (10**7, "at most 1000000"),
        (True, "not a float"),
    ],
)
def test_a_quantity_that_is_not_a_sane_number_is_refused(quantity: object, reason: str) -> None:
    with pytest.raises(InvalidRequestError, match=reason) as refused:
        LineItem(product_id="x", quantity=quantity, unit_price=Money("1.00", "GEL"))
    assert refused.value.field is not None
    assert "quantity" in refused.value.field


def test_items_including_a_weighed_line_must_add_up_when_asked() -> None:
    request = PaymentRequest(
        external_id="w-1",
        amount=Money("6.17", "GEL"),
        items=[
            LineItem(product_id="cheese", quantity="0.350", unit_price=Money("3.33", "GEL")),
            LineItem(product_id="bread", quantity=1, unit_price=Money("5.00", "GEL")),
        ],
        require_items_total=True,
        callback_url="https://shop.example/cb",
    )
    assert sum((item.total for item in request.items), Money.zero("GEL")) == request.amount
