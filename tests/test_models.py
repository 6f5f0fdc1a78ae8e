"""Request and result models: bad input is a typed error naming the field."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from payments_core import (
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
    with pytest.raises(InvalidRequestError) as caught:
        make_request(**{field: Money("1", "EUR")})
    assert caught.value.code is ErrorCode.CURRENCY_MISMATCH


def test_item_discount_in_another_currency_is_refused() -> None:
    with pytest.raises(InvalidRequestError) as caught:
        LineItem(
            product_id="sku", quantity=1, unit_price=gel("12.50"), unit_discount=Money("1", "USD")
        )
    assert caught.value.code is ErrorCode.CURRENCY_MISMATCH


@pytest.mark.parametrize("discount", ["-1.00", "12.51"], ids=["negative", "above-price"])
def test_item_discount_outside_zero_and_the_price_is_refused(discount: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        LineItem(product_id="sku", quantity=1, unit_price=gel("12.50"), unit_discount=gel(discount))
    assert caught.value.code is ErrorCode.INVALID_AMOUNT


@pytest.mark.parametrize("field", ["shipping_amount", "discount_amount"])
def test_negative_shipping_or_discount_is_refused(field: str) -> None:
    with pytest.raises(InvalidRequestError, match=field):
        make_request(**{field: gel("-1.00")})


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
    with pytest.raises(InvalidRequestError):
        Money.from_minor_units(5, None)  # type: ignore[arg-type]


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


@pytest.mark.parametrize("field", ["success_url", "fail_url"])
def test_redirect_urls_must_be_absolute(field: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        make_request(**{field: "/thanks"})
    assert caught.value.field == field


def test_redirect_urls_may_be_plain_http() -> None:
    assert make_request(success_url="http://shop.test/ok").success_url == "http://shop.test/ok"


# -- PaymentRequest: other fields -------------------------------------------------------------


def test_idempotency_key_is_minted_once_per_request() -> None:
    first, second = make_request(), make_request()
    assert first.idempotency_key
    assert first.idempotency_key != second.idempotency_key
    assert first.idempotency_key == first.idempotency_key


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
    with pytest.raises(InvalidRequestError) as caught:
        item("-1.00")
    assert caught.value.field == "unit_price"


def test_request_round_trips_through_its_dump() -> None:
    request = make_request(shipping_amount=gel("2.00"))
    assert PaymentRequest.model_validate(request.model_dump()) == request


def test_model_validate_errors_are_typed_too() -> None:
    with pytest.raises(InvalidRequestError):
        PaymentRequest.model_validate({"external_id": "x"})


@pytest.mark.parametrize("text", ['{"id": "p"}', "not json", '{"amount": 12.5}'])
def test_model_validate_json_errors_are_typed_too(text: str) -> None:
    with pytest.raises(InvalidRequestError):
        Payment.model_validate_json(text)


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
