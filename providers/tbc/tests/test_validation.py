"""Every rule TBC states is checked before anything is sent: a typed error naming the field."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from payments_tbc import TbcPayments, TbcProvider

from payments_core import (
    ConfigurationError,
    ErrorCode,
    InvalidRequestError,
    LineItem,
    Money,
    PaymentRequest,
    Payments,
)


class Nothing:
    """A transport that records what reaches it: these tests expect nothing."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(500)


@pytest.fixture
def sent() -> Nothing:
    return Nothing()


@pytest.fixture
def guarded(settings: dict[str, Any], sent: Nothing) -> Iterator[Payments]:
    client = httpx.Client(transport=httpx.MockTransport(sent))
    with client, Payments("tbc", http_client=client, autoload_plugins=False, **settings) as p:
        yield p


def _refused(payments: Payments, sent: Nothing, request: PaymentRequest) -> InvalidRequestError:
    with pytest.raises(InvalidRequestError) as caught:
        payments.create_payment(request)
    assert sent.requests == []
    return caught.value


OPTION_CASES = [
    ({"description": "x" * 31}, "provider_options.description"),
    ({"description": "line\nbreak"}, "provider_options.description"),
    ({"description": "   "}, "provider_options.description"),
    ({"extra": "x" * 26}, "provider_options.extra"),
    ({"extra": "ექსტრა"}, "provider_options.extra"),
    ({"extra": ""}, "provider_options.extra"),
    ({"extra": "tab\there"}, "provider_options.extra"),
    ({"extra2": "y" * 53}, "provider_options.extra2"),
    ({"extra2": "café"}, "provider_options.extra2"),
    ({"tax": "1.234"}, "provider_options.tax"),
    ({"tax": 1.5}, "provider_options.tax"),
    ({"tax": "-1"}, "provider_options.tax"),
    ({"user_ip_address": "203.0.113"}, "provider_options.user_ip_address"),
    ({"save_card_to_date": "1344", "save_card": True}, "provider_options.save_card_to_date"),
    ({"save_card_to_date": "10/44", "save_card": True}, "provider_options.save_card_to_date"),
    ({"save_card": "yes please"}, "provider_options.save_card"),
    ({"installment_products": []}, "provider_options.installment_products"),
    (
        {"installment_products": [{"name": "Sofa", "price": "1.001", "quantity": 1}]},
        "provider_options.installment_products.0.price",
    ),
    (
        {"installment_products": [{"name": "Sofa", "price": "49.90", "quantity": 0}]},
        "provider_options.installment_products.0.quantity",
    ),
    (
        {"installment_products": [{"name": "Sofa", "price": "49.90", "quantity": True}]},
        "provider_options.installment_products.0.quantity",
    ),
    (
        {"installment_products": [{"name": "", "price": "49.90", "quantity": 1}]},
        "provider_options.installment_products.0.name",
    ),
    ({"no_such_option": 1}, "provider_options.no_such_option"),
]


@pytest.mark.parametrize(("options", "field"), OPTION_CASES)
def test_bad_options_are_refused_naming_the_option(
    guarded: Payments, sent: Nothing, kit: Any, options: dict[str, Any], field: str
):
    error = _refused(guarded, sent, kit.payment_request(provider_options=options))
    assert error.field == field
    assert error.provider == "tbc"


@pytest.mark.parametrize("currency", ["GBP", "JPY", "AMD"])
def test_only_gel_usd_and_eur(guarded: Payments, sent: Nothing, kit: Any, currency: str):
    amount = Money(100, currency)
    request = kit.payment_request(
        amount=amount,
        items=[LineItem(product_id="A", quantity=1, unit_price=amount)],
        provider_options={},
    )
    error = _refused(guarded, sent, request)
    assert (error.code, error.field) == (ErrorCode.INVALID_CURRENCY, "amount")


@pytest.mark.parametrize("currency", ["GEL", "USD", "EUR"])
def test_gel_usd_and_eur_are_taken(provider: TbcProvider, kit: Any, currency: str):
    amount = Money("10.00", currency)
    request = kit.payment_request(
        amount=amount,
        items=[LineItem(product_id="A", quantity=1, unit_price=amount)],
        provider_options={},
    )
    assert kit.json_of(next(provider.create_payment(request)))["amount"]["currency"] == currency


def test_more_than_two_decimals_never_becomes_a_request(kit: Any):
    # Money holds GEL, USD and EUR at 2 decimals: a finer amount is refused on building.
    with pytest.raises(InvalidRequestError) as caught:
        Money("10.001", "GEL")
    assert caught.value.code is ErrorCode.INVALID_AMOUNT


@pytest.mark.parametrize(
    ("methods", "message"),
    [
        (["paypal"], "no payment method"),
        (["card", "card"], "twice"),
        (["bnpl", "web_qr"], "twice"),
        (["ertguli_points"], "no payment method"),
    ],
)
def test_methods_come_from_the_documented_set_and_are_unique(
    guarded: Payments, sent: Nothing, kit: Any, methods: list[str], message: str
):
    error = _refused(guarded, sent, kit.payment_request(payment_methods=methods))
    assert error.field == "payment_methods"
    assert message in error.message


@pytest.mark.parametrize("method", ["bnpl", "installment", "apple_pay"])
def test_a_card_cannot_be_saved_with_bnpl_installment_or_apple_pay(
    guarded: Payments, sent: Nothing, kit: Any, method: str
):
    request = kit.payment_request(
        payment_methods=["card", method],
        provider_options={"save_card": True},
        amount=Money("45.00", "GEL"),
    )
    error = _refused(guarded, sent, request)
    assert error.field == "provider_options.save_card"


def test_save_card_to_date_needs_save_card(guarded: Payments, sent: Nothing, kit: Any):
    request = kit.payment_request(provider_options={"save_card_to_date": "1044"})
    assert _refused(guarded, sent, request).field == "provider_options.save_card_to_date"


def test_expiration_beyond_the_range_is_refused(guarded: Payments, sent: Nothing, kit: Any):
    error = _refused(guarded, sent, kit.payment_request(expires_in=3601))
    assert error.field == "expires_in"


@pytest.mark.parametrize("minutes", [0, 61, -5])
def test_the_expiration_setting_has_a_range(settings: dict[str, Any], minutes: int):
    with pytest.raises(ConfigurationError) as caught:
        TbcProvider.from_settings(settings, expiration_minutes=minutes)
    assert "expiration_minutes" in caught.value.message


def test_installment_products_must_add_up_to_the_amount(guarded: Payments, sent: Nothing, kit: Any):
    products = [{"name": "Sofa", "price": "20.00", "quantity": 2}]
    request = kit.payment_request(
        payment_methods=["installment"], provider_options={"installment_products": products}
    )
    error = _refused(guarded, sent, request)
    assert (error.field, error.code) == (
        "provider_options.installment_products",
        ErrorCode.INVALID_AMOUNT,
    )


def test_items_that_do_not_add_up_need_explicit_installment_products(
    guarded: Payments, sent: Nothing, kit: Any
):
    request = kit.payment_request(
        amount=Money("50.00", "GEL"),
        shipping_amount=Money("5.00", "GEL"),
        payment_methods=["installment"],
        provider_options={},
    )
    error = _refused(guarded, sent, request)
    assert error.field == "provider_options.installment_products"
    assert "pass provider_options.installment_products" in error.message


def test_installment_is_gel_only(guarded: Payments, sent: Nothing, kit: Any):
    amount = Money("45.00", "USD")
    request = kit.payment_request(
        amount=amount,
        items=[LineItem(product_id="A", quantity=1, unit_price=amount)],
        payment_methods=["installment"],
        provider_options={},
    )
    error = _refused(guarded, sent, request)
    assert (error.field, error.code) == ("payment_methods", ErrorCode.INVALID_CURRENCY)


def test_a_return_url_is_required(guarded: Payments, sent: Nothing, kit: Any):
    error = _refused(guarded, sent, kit.payment_request(success_url=None, fail_url=None))
    assert error.field == "success_url"


def test_an_http_callback_on_loopback_needs_one_switch(
    guarded: Payments, sent: Nothing, kit: Any, settings: dict[str, Any]
) -> None:
    plain = kit.payment_request(callback_url="http://127.0.0.1:8000/hooks/tbc")
    error = _refused(guarded, sent, plain)
    assert (error.field, error.code) == ("callback_url", ErrorCode.INVALID_URL)
    assert "allow_insecure_callback_url" in error.message

    # Either switch alone is enough: the provider setting (the usual one for an
    # emulator) or the request's own flag.
    provider = TbcProvider.from_settings(settings, allow_insecure_callback_url=True)
    body = kit.json_of(next(provider.create_payment(plain)))
    assert body["callbackUrl"] == "http://127.0.0.1:8000/hooks/tbc"
    flagged = kit.payment_request(
        callback_url="http://127.0.0.1:8000/hooks/tbc", allow_insecure_callback=True
    )
    strict = TbcProvider.from_settings(settings)
    assert kit.json_of(next(strict.create_payment(flagged)))["callbackUrl"].startswith("http:")


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda p: p.get_payment("../etc"), "payment_id"),
        (lambda p: p.refund("ab/cd", None), "payment_id"),
        (lambda p: p.refund("abc", Money("0", "GEL")), "amount"),
        (lambda p: p.refund("abc", Money("-1", "GEL")), "amount"),
        (lambda p: p.refund("abc", Decimal("1")), "amount"),
        (lambda p: p.refund("abc", Money("1", "GBP")), "amount"),
        (lambda p: p.capture("abc", Money("1", "GBP")), "amount"),
        (lambda p: p.capture("abc", Money("0", "GEL")), "amount"),
        (lambda p: p.void("a b"), "payment_id"),
    ],
)
def test_bad_operation_input_is_refused_before_sending(
    guarded: Payments, sent: Nothing, call: Any, field: str
):
    with pytest.raises(InvalidRequestError) as caught:
        call(guarded)
    assert caught.value.field == field
    assert sent.requests == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"rec_id": "not a rec id"}, "rec_id"),
        ({"amount": Decimal("9.99")}, "amount"),
        ({"amount": Money("0", "GEL")}, "amount"),
        ({"amount": Money("9.99", "GBP")}, "amount"),
        ({"initiator": "robot"}, "initiator"),
        ({"merchant_payment_id": "sub\n77"}, "merchant_payment_id"),
        ({"pre_auth": "no"}, "pre_auth"),
    ],
)
def test_bad_saved_card_charges_are_refused_before_sending(
    guarded: Payments, sent: Nothing, kit: Any, kwargs: dict[str, Any], field: str
):
    values: dict[str, Any] = {"rec_id": kit.REC_ID, "amount": Money("9.99", "GEL"), **kwargs}
    rec_id, amount = values.pop("rec_id"), values.pop("amount")
    with pytest.raises(InvalidRequestError) as caught:
        TbcPayments(guarded).charge_saved_card(rec_id, amount, **values)
    assert caught.value.field == field
    assert sent.requests == []


def test_a_bad_rec_id_is_refused_for_delete(guarded: Payments, sent: Nothing):
    with pytest.raises(InvalidRequestError) as caught:
        TbcPayments(guarded).delete_saved_card("../../payments")
    assert caught.value.field == "rec_id"
    assert sent.requests == []
