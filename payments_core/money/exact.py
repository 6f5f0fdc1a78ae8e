"""Exact decimals for providers' option models: split amounts, VAT, instalment prices.

A provider's own options are not Money, but their numbers must stay as exact as
Money's: read from Money, Decimal, int or str, never from a float.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

from pydantic import BeforeValidator

from payments_core.money.amount import Money

__all__ = ["ExactDecimal", "exact_decimal"]


def exact_decimal(value: object) -> object:
    """A provider option's number as a Decimal: from Money, Decimal, int or str.

    For pydantic ``BeforeValidator`` use in providers' option models (split
    amounts, VAT, installment prices). A float or bool is refused, since it has
    already lost the exact digits; ``None`` passes through for optional fields.
    """
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, Money):
        return value.amount
    if isinstance(value, bool | float):
        raise ValueError(f"must be a Decimal, int or str, not {type(value).__name__}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError("is not a number") from None
        if not number.is_finite():
            raise ValueError("is not a finite number")
        return number
    raise ValueError(f"must be a Decimal, int or str, not {type(value).__name__}")


ExactDecimal = Annotated[Decimal, BeforeValidator(exact_decimal)]
"""A Decimal field of a provider's option model, read by :func:`exact_decimal`."""
