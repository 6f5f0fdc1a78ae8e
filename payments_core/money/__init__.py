"""Money: an exact amount in one currency.

Amounts are :class:`~decimal.Decimal` end to end. A ``float`` is refused outright,
because ``0.1 + 0.2`` is not ``0.3`` and a payments library must not guess which
of the two the caller meant. An amount with more decimals than its currency has
minor units (``10.001`` GEL) is an error too, never a silent rounding.

Every computation runs in this module's own decimal context, so a caller's
``decimal.getcontext()`` (a low precision, another rounding, cleared traps) never
changes what an amount is. Amounts are bounded by :data:`MAX_MINOR_UNITS`.

The package holds the Money type (:mod:`payments_core.money.amount`), the table of
currencies (:mod:`payments_core.money.currencies`) and the exact-decimal field type
of providers' option models (:mod:`payments_core.money.exact`); every name is
imported from here.
"""

from payments_core.money.amount import MAX_MINOR_UNITS, Money, MoneyInput
from payments_core.money.currencies import CURRENCY_EXPONENTS, minor_unit_exponent
from payments_core.money.exact import ExactDecimal, exact_decimal

__all__ = [
    "CURRENCY_EXPONENTS",
    "MAX_MINOR_UNITS",
    "ExactDecimal",
    "Money",
    "MoneyInput",
    "exact_decimal",
    "minor_unit_exponent",
]
