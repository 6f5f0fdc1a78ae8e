"""Every create-payment rule the reference states (§4 B, §7, §10), one test each.

A broken rule answers 400 with TBC's problem body (``systemCode`` ``...400.001``,
no ``resultCode``); nothing is created.
"""

from __future__ import annotations

from typing import Any

import pytest
from payments_tbc.sandbox import TbcSandbox

OTHER_BANK_IBAN = "GE18BG0000000000000001"
TBC_IBAN = "GE54TB0000000000000001"


@pytest.fixture
def refused(tbc: Any, problem: Any, sandbox: TbcSandbox) -> Any:
    """``await refused(body, detail_part)``: the body is refused with that reason."""

    async def check(body: Any, detail_part: str) -> dict[str, Any]:
        response = await (
            tbc.create(body)
            if isinstance(body, dict)
            else tbc.call("POST", "/payments", content=body)
        )
        problem_body: dict[str, Any] = problem(response, 400, detail_part, 1)
        assert problem_body["title"] == "Bad Request"
        assert "resultCode" not in problem_body
        assert len(sandbox.payments) == 0
        return problem_body

    return check


@pytest.fixture
def accepted(tbc: Any) -> Any:
    async def check(body: dict[str, Any]) -> dict[str, Any]:
        response = await tbc.create(body)
        assert response.status_code == 200, response.text
        return dict(response.json())

    return check


def with_amount(make_body: Any, **amount: Any) -> dict[str, Any]:
    body: dict[str, Any] = make_body()
    body["amount"] = {"currency": "GEL", "total": 10, **amount}
    return body


async def test_a_body_that_is_not_json_is_refused(refused: Any) -> None:
    await refused('{"amount": ', "not valid JSON")


async def test_a_body_that_is_not_an_object_is_refused(refused: Any) -> None:
    await refused("[1, 2]", "JSON object")


async def test_an_empty_body_is_refused(refused: Any) -> None:
    await refused(" ", "request body is required")


async def test_amount_is_required(refused: Any, make_body: Any) -> None:
    body = make_body()
    del body["amount"]

    await refused(body, "'amount' is required")


async def test_amount_must_be_an_object(refused: Any, make_body: Any) -> None:
    await refused(make_body(amount=10), "'amount' must be an object")


async def test_currency_is_required(refused: Any, make_body: Any) -> None:
    await refused(make_body(amount={"total": 10}), "'amount.currency' is required")


async def test_currency_must_be_gel_usd_or_eur(refused: Any, make_body: Any) -> None:
    await refused(with_amount(make_body, currency="GBP"), "EUR, GEL, USD")


@pytest.mark.parametrize("currency", ["GEL", "USD", "EUR"])
async def test_each_documented_currency_is_accepted(
    accepted: Any, make_body: Any, currency: str
) -> None:
    body = await accepted(with_amount(make_body, currency=currency))

    assert body["currency"] == currency


async def test_total_is_required(refused: Any, make_body: Any) -> None:
    await refused(make_body(amount={"currency": "GEL"}), "'amount.total' is required")


async def test_total_must_be_a_json_number(refused: Any, make_body: Any) -> None:
    await refused(with_amount(make_body, total="10.00"), "'amount.total' must be a number")


async def test_total_with_three_decimals_is_refused(refused: Any) -> None:
    body = '{"amount":{"currency":"GEL","total":10.005},"returnurl":"https://shop.example/r"}'

    await refused(body, "at most 2 decimal places")


async def test_total_with_trailing_zero_decimals_is_accepted(tbc: Any) -> None:
    body = '{"amount":{"currency":"GEL","total":10.500},"returnurl":"https://shop.example/r"}'

    response = await tbc.call("POST", "/payments", content=body)

    assert response.status_code == 200
    assert response.json()["amount"] == 10.5


async def test_zero_total_is_refused_without_save_card(refused: Any, make_body: Any) -> None:
    await refused(with_amount(make_body, total=0), "0 is allowed only with saveCard")


async def test_zero_total_is_accepted_with_save_card(accepted: Any, make_body: Any) -> None:
    body = with_amount(make_body, total=0)
    body.update(saveCard=True, methods=[5])

    answer = await accepted(body)

    assert answer["amount"] == 0
    assert answer["recId"]


async def test_negative_total_is_refused_even_with_save_card(refused: Any, make_body: Any) -> None:
    body = with_amount(make_body, total=-1)
    body.update(saveCard=True, methods=[5])

    await refused(body, "must not be negative")


async def test_sub_total_tax_and_shipping_must_be_amounts(refused: Any, make_body: Any) -> None:
    await refused(with_amount(make_body, tax="4.90"), "'amount.tax' must be a number")


async def test_breakdown_need_not_add_up_to_total(accepted: Any, make_body: Any) -> None:
    await accepted(with_amount(make_body, subTotal=1, tax=2, shipping=3))


async def test_returnurl_is_required(refused: Any, make_body: Any) -> None:
    body = make_body()
    del body["returnurl"]

    await refused(body, "'returnurl' is required")


async def test_returnurl_must_be_an_absolute_url(refused: Any, make_body: Any) -> None:
    await refused(make_body(returnurl="/pay/return"), "absolute http(s) URL")


async def test_callback_url_must_be_an_absolute_url(refused: Any, make_body: Any) -> None:
    await refused(make_body(callbackUrl="ftp://shop.example/cb"), "'callbackUrl'")


async def test_description_of_30_characters_is_accepted(accepted: Any, make_body: Any) -> None:
    await accepted(make_body(description="ა" * 30))


async def test_description_over_30_characters_is_refused(refused: Any, make_body: Any) -> None:
    await refused(make_body(description="x" * 31), "'description' must be at most 30")


async def test_extra_of_25_ascii_characters_is_accepted(accepted: Any, make_body: Any) -> None:
    await accepted(make_body(extra="x" * 25))


async def test_extra_over_25_characters_is_refused(refused: Any, make_body: Any) -> None:
    await refused(make_body(extra="x" * 26), "'extra' must be at most 25")


async def test_extra_must_be_ascii(refused: Any, make_body: Any) -> None:
    await refused(make_body(extra="შეკვეთა"), "'extra' must contain ASCII")


async def test_extra2_of_52_ascii_characters_is_accepted(accepted: Any, make_body: Any) -> None:
    await accepted(make_body(extra2="y" * 52))


async def test_extra2_over_52_characters_is_refused(refused: Any, make_body: Any) -> None:
    await refused(make_body(extra2="y" * 53), "'extra2' must be at most 52")


async def test_extra2_must_be_ascii(refused: Any, make_body: Any) -> None:
    await refused(make_body(extra2="ü"), "'extra2' must contain ASCII")


async def test_methods_must_be_an_array(refused: Any, make_body: Any) -> None:
    await refused(make_body(methods=5), "'methods' must be an array")


async def test_methods_must_be_whole_numbers(refused: Any, make_body: Any) -> None:
    await refused(make_body(methods=["5"]), "whole numbers")


async def test_methods_outside_the_documented_set_are_refused(refused: Any, make_body: Any) -> None:
    await refused(make_body(methods=[5, 11]), "unknown method 11")


async def test_methods_must_be_unique(refused: Any, make_body: Any) -> None:
    await refused(make_body(methods=[5, 9, 5]), "more than once")


async def test_methods_must_not_be_empty(refused: Any, make_body: Any) -> None:
    await refused(make_body(methods=[]), "must not be empty")


async def test_every_documented_method_is_accepted(accepted: Any, make_body: Any) -> None:
    products = [{"name": "Phone", "price": 49.9, "quantity": 1}]

    await accepted(make_body(methods=[4, 5, 6, 7, 8, 9, 14], installmentProducts=products))


async def test_installment_needs_installment_products(refused: Any, make_body: Any) -> None:
    await refused(make_body(methods=[8]), "'installmentProducts' is required with method 8")


async def test_installment_products_must_add_up_to_total(refused: Any, make_body: Any) -> None:
    products = [{"name": "Phone", "price": 20, "quantity": 2}]

    await refused(make_body(methods=[8], installmentProducts=products), "add up to 40")


async def test_installment_products_adding_up_to_total_are_accepted(
    accepted: Any, make_body: Any
) -> None:
    products = [
        {"name": "Case", "price": 9.95, "quantity": 2},
        {"Name": "Cable", "Price": 30, "Quantity": 1},
    ]

    await accepted(make_body(methods=[8], installmentProducts=products))


async def test_installment_product_needs_a_positive_whole_quantity(
    refused: Any, make_body: Any
) -> None:
    products = [{"name": "Phone", "price": 49.9, "quantity": 0}]

    await refused(
        make_body(methods=[8], installmentProducts=products),
        "'installmentProducts[0].quantity' must be at least 1",
    )


async def test_installment_is_for_gel_only(refused: Any, make_body: Any) -> None:
    body = with_amount(make_body, currency="USD", total=49.9)
    body.update(methods=[8], installmentProducts=[{"name": "a", "price": 49.9, "quantity": 1}])

    await refused(body, "Method 8 is available for GEL payments only")


async def test_expiration_minutes_must_be_at_least_1(refused: Any, make_body: Any) -> None:
    await refused(make_body(expirationMinutes=0), "'expirationMinutes' must be from 1")


async def test_expiration_minutes_must_be_whole(refused: Any, make_body: Any) -> None:
    await refused(make_body(expirationMinutes=2.5), "whole number")


async def test_expiration_minutes_over_a_day_are_refused(refused: Any, make_body: Any) -> None:
    await refused(make_body(expirationMinutes=1441), "from 1 to 1440")


async def test_pre_auth_must_be_a_boolean(refused: Any, make_body: Any) -> None:
    await refused(make_body(preAuth="true"), "'preAuth' must be true or false")


async def test_legacy_points_method_is_for_gel_only(refused: Any, make_body: Any) -> None:
    body = with_amount(make_body, currency="EUR")
    body["methods"] = [5, 6]

    await refused(body, "Method 6 is available for GEL payments only")


async def test_skip_info_message_must_be_a_boolean(refused: Any, make_body: Any) -> None:
    await refused(make_body(skipInfoMessage=1), "'skipInfoMessage' must be true or false")


async def test_merchant_payment_id_must_be_a_string(refused: Any, make_body: Any) -> None:
    await refused(make_body(merchantPaymentId=1842), "'merchantPaymentId' must be a string")


async def test_language_must_be_ka_or_en(refused: Any, make_body: Any) -> None:
    await refused(make_body(language="RU"), "'language' must be KA or EN")


async def test_language_is_read_in_any_case(
    accepted: Any, make_body: Any, sandbox: TbcSandbox
) -> None:
    answer = await accepted(make_body(language="ka"))

    assert sandbox.payments[answer["payId"]].language == "KA"


@pytest.mark.parametrize("method", [4, 8, 9])
async def test_save_card_cannot_be_combined_with_qr_installment_or_apple_pay(
    refused: Any, make_body: Any, method: int
) -> None:
    products = [{"name": "Phone", "price": 49.9, "quantity": 1}]

    await refused(
        make_body(saveCard=True, methods=[5, method], installmentProducts=products),
        f"'saveCard' cannot be combined with method(s) {method}",
    )


async def test_save_card_to_date_must_be_mmyy(refused: Any, make_body: Any) -> None:
    await refused(make_body(saveCard=True, methods=[5], saveCardToDate="2030-12"), "MMYY")


async def test_user_ip_address_must_be_an_ip(refused: Any, make_body: Any) -> None:
    await refused(make_body(userIpAddress="shop.example"), "'userIpAddress'")


async def test_a_property_given_twice_in_two_casings_is_refused(
    refused: Any, make_body: Any
) -> None:
    body = make_body()
    body["returnUrl"] = "https://shop.example/other"

    await refused(body, "given twice")


async def test_unknown_properties_are_ignored(accepted: Any, make_body: Any) -> None:
    await accepted(make_body(somethingNew={"x": 1}))


async def test_split_payment_with_a_tbc_iban_is_accepted(
    accepted: Any, make_body: Any, sandbox: TbcSandbox
) -> None:
    answer = await accepted(make_body(extra=TBC_IBAN, extra2="20.00"))

    split = sandbox.payments[answer["payId"]].split
    assert split is not None
    assert (split.iban, str(split.amount)) == (TBC_IBAN, "20.00")


async def test_split_iban_must_be_at_tbc(refused: Any, make_body: Any) -> None:
    await refused(make_body(extra=OTHER_BANK_IBAN, extra2="20"), "account at TBC Bank")


async def test_split_iban_check_digits_must_be_right(refused: Any, make_body: Any) -> None:
    await refused(make_body(extra="GE00TB0000000000000001", extra2="20"), "check digits")


async def test_split_needs_the_amount_in_extra2(refused: Any, make_body: Any) -> None:
    await refused(make_body(extra=TBC_IBAN), "'extra2' is required for a split payment")


async def test_split_amount_must_not_exceed_99_percent(refused: Any, make_body: Any) -> None:
    await refused(make_body(extra=TBC_IBAN, extra2="49.41"), "99%")


async def test_split_accepts_only_split_methods(refused: Any, make_body: Any) -> None:
    products = [{"name": "Phone", "price": 49.9, "quantity": 1}]

    await refused(
        make_body(extra=TBC_IBAN, extra2="20", methods=[5, 8], installmentProducts=products),
        "A split payment accepts only methods 4, 5, 7, 9, 14",
    )
