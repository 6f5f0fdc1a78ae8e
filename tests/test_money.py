"""Money: exact amounts, one currency, no floats, no silent rounding."""

from __future__ import annotations

import copy
import pickle
from decimal import (
    ROUND_DOWN,
    ROUND_UP,
    Decimal,
    Inexact,
    InvalidOperation,
    Rounded,
    localcontext,
)
from typing import Any

import pytest

from payments_core import ErrorCode, InvalidRequestError, LineItem, Money, Payment, PaymentStatus
from payments_core.money import MAX_MINOR_UNITS, minor_unit_exponent

# -- construction ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("12.50", Decimal("12.50")),
        ("12.5", Decimal("12.50")),
        (" 7 ", Decimal("7.00")),
        (12, Decimal("12.00")),
        (0, Decimal("0.00")),
        (Decimal("12.5"), Decimal("12.50")),
        (Decimal("1E+2"), Decimal("100.00")),
        ("12.500", Decimal("12.50")),
    ],
)
def test_money_is_built_from_str_int_or_decimal(amount: Any, expected: Decimal) -> None:
    money = Money(amount, "GEL")
    assert money.amount == expected
    assert str(money.amount) == str(expected)
    assert isinstance(money.amount, Decimal)


def test_amount_is_kept_at_the_currency_precision() -> None:
    assert str(Money("5", "GEL").amount) == "5.00"
    assert str(Money("5", "JPY").amount) == "5"
    assert str(Money("5", "KWD").amount) == "5.000"


@pytest.mark.parametrize("amount", [12.5, 0.1, 1.0, float("nan")])
def test_float_amount_is_refused(amount: float) -> None:
    with pytest.raises(InvalidRequestError, match="float") as caught:
        Money(amount, "GEL")  # type: ignore[arg-type]
    assert caught.value.code is ErrorCode.INVALID_AMOUNT


@pytest.mark.parametrize("amount", [True, None, [1], b"12"])
def test_amount_of_another_type_is_refused(amount: Any) -> None:
    with pytest.raises(InvalidRequestError, match="must be a Decimal, int or str, not") as caught:
        Money(amount, "GEL")
    assert caught.value.code is ErrorCode.INVALID_AMOUNT


@pytest.mark.parametrize("amount", ["twelve", "", "1,50", "NaN", "Infinity", "-inf"])
def test_amount_that_is_not_a_finite_number_is_refused(amount: str) -> None:
    with pytest.raises(InvalidRequestError, match=r"is not a (finite )?number") as caught:
        Money(amount, "GEL")
    assert caught.value.code is ErrorCode.INVALID_AMOUNT


@pytest.mark.parametrize(
    ("currency", "exponent"),
    [("JPY", 0), ("KRW", 0), ("GEL", 2), ("USD", 2), ("EUR", 2), ("KWD", 3), ("BHD", 3)],
)
def test_each_currency_has_its_minor_unit_exponent(currency: str, exponent: int) -> None:
    assert minor_unit_exponent(currency) == exponent


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("10.001", "GEL"), ("1.5", "JPY"), ("0.0001", "KWD"), ("12.345", "USD"), ("1E-3", "EUR")],
)
def test_over_precise_amount_is_refused_not_rounded(amount: str, currency: str) -> None:
    with pytest.raises(InvalidRequestError, match="decimals") as caught:
        Money(amount, currency)
    assert caught.value.code is ErrorCode.INVALID_AMOUNT


@pytest.mark.parametrize(
    ("amount", "currency"), [("1000", "JPY"), ("12.34", "GEL"), ("1.234", "KWD")]
)
def test_amount_at_exactly_the_currency_precision_is_accepted(amount: str, currency: str) -> None:
    assert str(Money(amount, currency).amount) == amount


@pytest.mark.parametrize("amount", ["1" + "0" * 40, "1" + "0" * 30 + ".001", "1E+40"])
def test_amount_too_large_for_exact_decimals_is_refused_with_a_typed_error(amount: str) -> None:
    with pytest.raises(InvalidRequestError, match="too large") as caught:
        Money(amount, "GEL")
    assert caught.value.code is ErrorCode.INVALID_AMOUNT


@pytest.mark.parametrize(
    ("amount", "currency"),
    [
        ("9999999999999.99", "GEL"),
        ("-9999999999999.99", "GEL"),
        ("999999999999999", "JPY"),
        ("999999999999.999", "KWD"),
    ],
)
def test_the_largest_amount_is_accepted_exactly(amount: str, currency: str) -> None:
    money = Money(amount, currency)
    assert str(money.amount) == amount
    assert abs(money.minor_units) == MAX_MINOR_UNITS


@pytest.mark.parametrize("currency", ["XXX", "GE", "", "gelx", "EURO"])
def test_unknown_currency_is_refused(currency: str) -> None:
    with pytest.raises(InvalidRequestError, match="unknown currency") as caught:
        Money("1", currency)
    assert caught.value.code is ErrorCode.INVALID_CURRENCY


def test_currency_code_is_normalized_to_upper_case() -> None:
    assert Money("1", " gel ").currency == "GEL"


def test_currency_that_is_not_a_string_is_refused() -> None:
    with pytest.raises(InvalidRequestError) as caught:
        Money("1", 981)  # type: ignore[arg-type]
    assert caught.value.code is ErrorCode.INVALID_CURRENCY


def test_negative_money_is_a_value_but_not_positive() -> None:
    money = Money("-1.50", "GEL")
    assert money.amount == Decimal("-1.50")
    assert not money.is_positive()
    assert not money.is_zero()


# -- minor units ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [("12.34", "GEL", 1234), ("500", "JPY", 500), ("1.234", "KWD", 1234), ("-0.05", "USD", -5)],
)
def test_minor_units_round_trip(amount: str, currency: str, minor: int) -> None:
    assert Money(amount, currency).minor_units == minor
    assert Money.from_minor_units(minor, currency) == Money(amount, currency)


@pytest.mark.parametrize("minor", [1.5, "100", True])
def test_minor_units_must_be_an_int(minor: Any) -> None:
    with pytest.raises(InvalidRequestError, match="minor units must be an int") as caught:
        Money.from_minor_units(minor, "GEL")
    assert caught.value.code is ErrorCode.INVALID_AMOUNT


def test_zero_is_zero_in_its_currency() -> None:
    zero = Money.zero("KWD")
    assert zero.is_zero()
    assert str(zero.amount) == "0.000"


# -- arithmetic -------------------------------------------------------------------------


def test_addition_and_subtraction_between_equal_currencies() -> None:
    assert Money("10.10", "GEL") + Money("0.90", "GEL") == Money("11", "GEL")
    assert Money("10", "GEL") - Money("12.50", "GEL") == Money("-2.50", "GEL")
    assert -Money("3", "GEL") == Money("-3", "GEL")


def test_multiplication_by_a_quantity() -> None:
    assert Money("2.35", "GEL") * 3 == Money("7.05", "GEL")
    assert 3 * Money("2.35", "GEL") == Money("7.05", "GEL")


@pytest.mark.parametrize("factor", [1.5, Decimal("1.5"), True])
def test_multiplication_by_anything_but_an_int_is_refused(factor: Any) -> None:
    with pytest.raises(TypeError, match="only be multiplied by an int"):
        Money("2", "GEL") * factor


@pytest.mark.parametrize(
    "operation",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a < b,
        lambda a, b: a <= b,
        lambda a, b: a > b,
        lambda a, b: a >= b,
    ],
)
def test_arithmetic_between_different_currencies_is_refused(operation: Any) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        operation(Money("1", "GEL"), Money("1", "USD"))
    assert caught.value.code is ErrorCode.CURRENCY_MISMATCH


def test_arithmetic_with_a_bare_number_is_refused() -> None:
    with pytest.raises(TypeError, match="cannot add Money and Decimal"):
        Money("1", "GEL") + Decimal("1")  # type: ignore[operator]
    with pytest.raises(TypeError, match="cannot compare Money and int"):
        Money("1", "GEL") < 2  # type: ignore[operator]  # noqa: B015


def test_ordering_between_equal_currencies() -> None:
    small, big = Money("1.99", "GEL"), Money("2", "GEL")
    assert small < big
    assert small <= big
    assert big > small
    assert big >= small
    assert not big < small


# -- value semantics -----------------------------------------------------------------------


def test_money_is_immutable() -> None:
    money = Money("1", "GEL")
    with pytest.raises(AttributeError, match="Money is immutable"):
        money.amount = Decimal("2")  # type: ignore[misc]
    with pytest.raises(AttributeError, match="Money is immutable"):
        money._amount = Decimal("2")
    with pytest.raises(AttributeError, match="Money is immutable"):
        money.extra = 1
    assert money.amount == Decimal("1.00")


def test_money_attributes_cannot_be_deleted() -> None:
    money = Money("1", "GEL")
    with pytest.raises(AttributeError, match="Money is immutable"):
        del money._amount
    assert money.amount == Decimal("1.00")


def test_equal_amounts_in_the_same_currency_are_equal_and_hash_equal() -> None:
    a, b = Money("5", "GEL"), Money(Decimal("5.00"), "gel")
    assert a == b
    assert hash(a) == hash(b)
    assert len({a, b, Money(5, "GEL")}) == 1


def test_same_amount_in_different_currencies_is_not_equal() -> None:
    assert Money("5", "GEL") != Money("5", "USD")
    assert len({Money("5", "GEL"), Money("5", "USD")}) == 2


def test_money_never_equals_a_bare_number() -> None:
    assert Money("5", "GEL") != Decimal("5.00")
    assert Money("5", "GEL") != "5.00"


def test_money_survives_pickle_and_copy() -> None:
    money = Money("12.34", "KWD")
    assert pickle.loads(pickle.dumps(money)) == money
    assert copy.deepcopy(money) == money
    assert copy.copy(money) == money


def test_repr_and_str_show_amount_and_currency() -> None:
    assert repr(Money("12.5", "GEL")) == "Money('12.50', 'GEL')"
    assert str(Money("12.5", "GEL")) == "12.50 GEL"


# -- inside pydantic models ---------------------------------------------------------------


def test_money_round_trips_through_a_model_dump() -> None:
    item = LineItem(product_id="sku", quantity=2, unit_price=Money("1.234", "KWD"))
    dumped = item.model_dump()
    assert dumped["unit_price"] == {"amount": "1.234", "currency": "KWD"}
    assert LineItem.model_validate(dumped) == item


def test_money_round_trips_through_model_json() -> None:
    payment = Payment(
        id="p1", provider="x", status=PaymentStatus.CAPTURED, amount=Money("1000", "JPY")
    )
    text = payment.model_dump_json()
    assert '"amount":{"amount":"1000","currency":"JPY"}' in text
    again = Payment.model_validate_json(text)
    assert again.amount == Money("1000", "JPY")
    assert again == payment


@pytest.mark.parametrize(
    "value",
    [
        12.5,
        "12.50",
        {"amount": 12.5, "currency": "GEL"},
        {"amount": "1.001", "currency": "GEL"},
        {"amount": "1", "currency": "GEL", "extra": 1},
    ],
)
def test_a_model_refuses_what_is_not_money(value: Any) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        LineItem(product_id="sku", quantity=1, unit_price=value)
    assert caught.value.field == "unit_price"


# -- the bound on amounts ------------------------------------------------------------------


def test_the_bound_keeps_every_amount_exact_as_a_double() -> None:
    assert MAX_MINOR_UNITS == 10**15 - 1
    assert MAX_MINOR_UNITS < 2**53
    assert int(float(MAX_MINOR_UNITS)) == MAX_MINOR_UNITS


@pytest.mark.parametrize(
    ("amount", "currency"),
    [
        ("1e20", "GEL"),
        ("10000000000000", "GEL"),
        ("10000000000000.00", "GEL"),
        ("-10000000000000", "GEL"),
        ("1000000000000000", "JPY"),
        ("1000000000000", "KWD"),
        (10**15, "JPY"),
        (Decimal("1E+15"), "JPY"),
    ],
)
def test_an_amount_beyond_the_bound_is_refused(amount: Any, currency: str) -> None:
    with pytest.raises(InvalidRequestError, match="too large") as caught:
        Money(amount, currency)
    assert caught.value.code is ErrorCode.INVALID_AMOUNT
    assert currency in str(caught.value)


def test_a_huge_int_amount_is_refused_with_a_typed_error() -> None:
    with pytest.raises(InvalidRequestError, match="too large") as caught:
        Money(10**5000, "GEL")
    assert caught.value.code is ErrorCode.INVALID_AMOUNT


def test_minor_units_beyond_the_bound_are_refused() -> None:
    with pytest.raises(InvalidRequestError, match="too large") as caught:
        Money.from_minor_units(MAX_MINOR_UNITS + 1, "GEL")
    assert caught.value.code is ErrorCode.INVALID_AMOUNT


def test_an_addition_beyond_the_bound_is_refused() -> None:
    top = Money.from_minor_units(MAX_MINOR_UNITS, "GEL")
    with pytest.raises(InvalidRequestError, match=r"addition.*too large") as caught:
        top + Money("0.01", "GEL")
    assert caught.value.code is ErrorCode.INVALID_AMOUNT


def test_a_subtraction_beyond_the_bound_is_refused() -> None:
    bottom = Money.from_minor_units(-MAX_MINOR_UNITS, "GEL")
    with pytest.raises(InvalidRequestError, match=r"subtraction.*too large") as caught:
        bottom - Money("0.01", "GEL")
    assert caught.value.code is ErrorCode.INVALID_AMOUNT


@pytest.mark.parametrize("factor", [2, 10**6, -(10**6)])
def test_a_multiplication_beyond_the_bound_is_refused(factor: int) -> None:
    with pytest.raises(InvalidRequestError, match=r"multiplication.*too large") as caught:
        Money("9000000000000", "GEL") * factor
    assert caught.value.code is ErrorCode.INVALID_AMOUNT


def test_a_multiplication_by_a_huge_quantity_is_refused_with_a_typed_error() -> None:
    with pytest.raises(InvalidRequestError, match=r"multiplication.*too large") as caught:
        Money("0.01", "GEL") * 10**5000
    assert caught.value.code is ErrorCode.INVALID_AMOUNT


def test_a_model_refuses_an_amount_beyond_the_bound() -> None:
    with pytest.raises(InvalidRequestError, match="too large") as caught:
        LineItem(product_id="sku", quantity=1, unit_price={"amount": "1e20", "currency": "GEL"})
    assert caught.value.field == "unit_price"


# -- independence from the caller's decimal context ----------------------------------------


def test_building_money_ignores_a_low_caller_precision() -> None:
    with localcontext(prec=6):
        money = Money("12345.67", "GEL")
    assert str(money.amount) == "12345.67"


def test_addition_ignores_a_low_caller_precision() -> None:
    with localcontext(prec=6):
        total = Money("9999.99", "GEL") + Money("0.02", "GEL")
    assert str(total.amount) == "10000.01"


def test_subtraction_ignores_a_low_caller_precision() -> None:
    with localcontext(prec=6):
        rest = Money("-9999.99", "GEL") - Money("0.02", "GEL")
    assert str(rest.amount) == "-10000.01"


def test_multiplication_ignores_a_low_caller_precision() -> None:
    with localcontext(prec=6):
        total = Money("1234.56", "GEL") * 100
    assert str(total.amount) == "123456.00"


def test_minor_units_ignore_a_low_caller_precision() -> None:
    money = Money("12345.67", "GEL")
    with localcontext(prec=6):
        assert money.minor_units == 1234567


def test_from_minor_units_ignores_a_low_caller_precision() -> None:
    with localcontext(prec=6):
        money = Money.from_minor_units(1234567, "GEL")
    assert str(money.amount) == "12345.67"


def test_negation_ignores_a_low_caller_precision() -> None:
    with localcontext(prec=3):
        negated = -Money("12345.67", "GEL")
    assert str(negated.amount) == "-12345.67"


@pytest.mark.parametrize("rounding", [ROUND_DOWN, ROUND_UP])
def test_arithmetic_ignores_the_caller_rounding(rounding: str) -> None:
    price, fee = Money("1234.56", "GEL"), Money("0.01", "GEL")
    with localcontext(prec=4, rounding=rounding):
        total = price + fee
        doubled = price * 2
    assert str(total.amount) == "1234.57"
    assert str(doubled.amount) == "2469.12"


def test_money_ignores_a_small_caller_emax() -> None:
    with localcontext(Emax=3):
        money = Money("12345.67", "GEL")
        assert money.minor_units == 1234567
    assert str(money.amount) == "12345.67"


def test_a_caller_trapping_inexact_still_gets_a_typed_error_for_extra_decimals() -> None:
    with (
        localcontext(traps=[Inexact, Rounded, InvalidOperation]),
        pytest.raises(InvalidRequestError, match="decimals") as caught,
    ):
        Money("10.001", "GEL")
    assert caught.value.code is ErrorCode.INVALID_AMOUNT


def test_a_caller_trapping_rounded_can_still_build_and_add_money() -> None:
    with localcontext(traps=[Inexact, Rounded, InvalidOperation]):
        total = Money("5", "GEL") + Money("0.50", "GEL")
    assert str(total.amount) == "5.50"


def test_negative_zero_is_plain_zero() -> None:
    assert str(Money("-0", "GEL").amount) == "0.00"
    assert str((-Money("0", "GEL")).amount) == "0.00"
