"""The checks every provider makes before it sends an operation on a payment."""

from __future__ import annotations

import pytest

from payments_core import Money, Payment, PaymentStatus
from payments_core.errors import ErrorCode, InvalidRequestError
from payments_core.provider import check_same_currency


def payment_in(currency: str) -> Payment:
    return Payment(
        id="order-1",
        provider="shop-gateway",
        status=PaymentStatus.CAPTURED,
        amount=Money("10.00", currency),
    )


@pytest.mark.parametrize("amount", [None, Money("4.00", "GEL")])
def test_an_amount_in_the_payments_currency_or_none_passes(amount: Money | None) -> None:
    check_same_currency(amount, payment_in("GEL"), provider="shop-gateway")


def test_an_amount_in_another_currency_is_refused_naming_both() -> None:
    with pytest.raises(InvalidRequestError) as caught:
        check_same_currency(Money("4.00", "USD"), payment_in("GEL"), provider="shop-gateway")
    error = caught.value
    assert error.code is ErrorCode.CURRENCY_MISMATCH
    assert (error.field, error.provider, error.payment_id) == ("amount", "shop-gateway", "order-1")
    assert error.message == "amount is in USD, but payment order-1 is in GEL"
