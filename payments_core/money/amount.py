"""The Money type: an exact, immutable amount in one currency.

Everything that decides what an amount is lives here: its decimal context, its
bound, how an input becomes a Decimal, and the arithmetic. Building Money is on
every request's and every receipt's path, so the checks name their context
directly instead of entering one per amount.
"""

from __future__ import annotations

from decimal import (
    MAX_EMAX,
    MIN_EMIN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import Any, Final, Self

from pydantic import GetCoreSchemaHandler
from pydantic_core import PydanticCustomError, core_schema

from payments_core.errors import ErrorCode, InvalidRequestError
from payments_core.money.currencies import CURRENCY_EXPONENTS, minor_unit_exponent

__all__ = ["MAX_MINOR_UNITS", "Money", "MoneyInput"]

MAX_MINOR_UNITS: Final[int] = 10**15 - 1
"""Largest absolute amount Money holds, in minor units: 9,999,999,999,999.99 GEL,
999,999,999,999,999 JPY. No real payment comes near it, and an amount within it
has at most 15 significant digits, so it survives being read as an IEEE-754
double, which is how many gateways parse the amounts in a JSON body."""

_MAX_DIGITS: Final[int] = len(str(MAX_MINOR_UNITS))

_CONTEXT: Final[Context] = Context(
    prec=2 * _MAX_DIGITS + 10,  # room for any in-bound amount, so nothing ever rounds
    rounding=ROUND_HALF_EVEN,
    Emin=MIN_EMIN,
    Emax=MAX_EMAX,
    capitals=1,
    clamp=0,
    flags=[],
    traps=[InvalidOperation, DivisionByZero, Overflow],
)
"""The decimal context of every Money operation, whatever the caller's is."""

_QUANTA: Final[dict[int, Decimal]] = {
    exponent: Decimal(1).scaleb(-exponent, _CONTEXT)
    for exponent in set(CURRENCY_EXPONENTS.values())
}
"""The minor unit of each exponent (``Decimal("0.01")`` for 2), made once."""
_LARGEST: Final[dict[int, Decimal]] = {
    exponent: Decimal(MAX_MINOR_UNITS).scaleb(-exponent, _CONTEXT) for exponent in _QUANTA
}
"""MAX_MINOR_UNITS in major units for each exponent: the bound on ``abs(amount)``."""

MoneyInput = Decimal | int | str
"""What :class:`Money` accepts as an amount: never ``float``."""


def _to_decimal(amount: object) -> Decimal:
    if isinstance(amount, bool):
        raise InvalidRequestError(
            "amount must be a Decimal, int or str, not bool", code=ErrorCode.INVALID_AMOUNT
        )
    if isinstance(amount, float):
        raise InvalidRequestError(
            f"amount {amount!r} is a float; pass a Decimal or a string such as '{amount}' "
            "so that no precision is lost",
            code=ErrorCode.INVALID_AMOUNT,
        )
    if isinstance(amount, Decimal):
        value = amount
    elif isinstance(amount, int | str):
        try:
            value = Decimal(amount.strip() if isinstance(amount, str) else amount, _CONTEXT)
        except InvalidOperation:
            raise InvalidRequestError(
                f"amount {_shown(repr(amount))} is not a number", code=ErrorCode.INVALID_AMOUNT
            ) from None
    else:
        raise InvalidRequestError(
            f"amount must be a Decimal, int or str, not {type(amount).__name__}",
            code=ErrorCode.INVALID_AMOUNT,
        )
    if not value.is_finite():
        raise InvalidRequestError(
            f"amount {_shown(repr(amount))} is not a finite number",
            code=ErrorCode.INVALID_AMOUNT,
        )
    return value


def _shown(amount: object) -> str:
    """An amount for an error message, cut short if someone passed a million digits."""
    if isinstance(amount, int) and amount.bit_length() > 128:
        # str() of a huge int is slow, and refused past sys.get_int_max_str_digits()
        return f"(an integer of about {int(amount.bit_length() * 0.30103) + 1} digits)"
    text = str(amount)
    return text if len(text) <= 40 else f"{text[:20]}...{text[-8:]}"


def _too_large(what: str, currency: str, exponent: int) -> InvalidRequestError:
    """The refusal of an amount beyond MAX_MINOR_UNITS; ``what`` describes the amount."""
    with localcontext(_CONTEXT):
        largest = Decimal(MAX_MINOR_UNITS).scaleb(-exponent)
    return InvalidRequestError(
        f"{what} is too large: the largest amount Money holds is {largest} {currency}, "
        f"positive or negative ({MAX_MINOR_UNITS} minor units)",
        code=ErrorCode.INVALID_AMOUNT,
    )


class Money:
    """An exact, immutable amount of one currency.

    >>> Money("12.50", "GEL")
    Money('12.50', 'GEL')
    >>> Money("12.50", "GEL") + Money("1", "GEL")
    Money('13.50', 'GEL')

    The amount is kept at exactly the currency's precision (``Money("5", "GEL")``
    holds ``Decimal("5.00")``), so equal sums compare and hash equal.
    Negative amounts are allowed as values (a difference can be negative); the
    request models refuse them where a payment needs a positive amount. Beyond
    :data:`MAX_MINOR_UNITS` either way, building and arithmetic alike raise
    :class:`~payments_core.errors.InvalidRequestError` (``invalid_amount``).
    """

    __slots__ = ("_amount", "_currency")

    _amount: Decimal
    _currency: str

    def __init__(self, amount: MoneyInput, currency: str) -> None:
        if not isinstance(currency, str):
            raise InvalidRequestError(
                "currency must be a 3-letter ISO 4217 code", code=ErrorCode.INVALID_CURRENCY
            )
        code = currency.strip().upper()
        exponent = minor_unit_exponent(code)
        # Every step names _CONTEXT itself (or needs no context): entering a local
        # context per amount cost more than the checks, and a receipt has several.
        # A finite Decimal (what a receipt's amounts are) is what _to_decimal returns as is.
        value = amount if type(amount) is Decimal and amount.is_finite() else _to_decimal(amount)
        # |value| >= 10**15 is out of bounds in every currency; refusing it
        # here also spares quantize() absurd exponents.
        if value and value.adjusted() >= _MAX_DIGITS:
            raise _too_large(f"amount {_shown(amount)} {code}", code, exponent)
        try:
            quantized = value.quantize(_QUANTA[exponent], context=_CONTEXT)
        except InvalidOperation:  # unreachable within the bound; kept typed regardless
            raise _too_large(f"amount {_shown(amount)} {code}", code, exponent) from None
        if quantized != value:
            raise InvalidRequestError(
                f"amount {_shown(amount)} has more decimals than {code} allows "
                f"({exponent}); round it explicitly before building Money",
                code=ErrorCode.INVALID_AMOUNT,
            )
        # The same as abs(minor units) > MAX_MINOR_UNITS, compared exactly (copy_abs
        # and comparisons ignore the context; abs() would round to the caller's).
        if quantized.copy_abs() > _LARGEST[exponent]:
            raise _too_large(f"amount {_shown(amount)} {code}", code, exponent)
        if quantized.is_zero():
            quantized = quantized.copy_abs()  # "-0.00" would reach a gateway as such
        object.__setattr__(self, "_amount", quantized)
        object.__setattr__(self, "_currency", code)

    @classmethod
    def from_minor_units(cls, minor: int, currency: str) -> Self:
        """Build from an integer count of minor units (tetri, cents, fils)."""
        if isinstance(minor, bool) or not isinstance(minor, int):
            raise InvalidRequestError("minor units must be an int", code=ErrorCode.INVALID_AMOUNT)
        if not isinstance(currency, str):
            raise InvalidRequestError(
                "currency must be a 3-letter ISO 4217 code", code=ErrorCode.INVALID_CURRENCY
            )
        code = currency.strip().upper()
        exponent = minor_unit_exponent(code)
        if abs(minor) > MAX_MINOR_UNITS:
            raise _too_large(f"{_shown(minor)} minor units of {code}", code, exponent)
        return cls(Decimal(minor).scaleb(-exponent, _CONTEXT), currency)

    @classmethod
    def zero(cls, currency: str) -> Self:
        """Zero in ``currency``."""
        return cls(0, currency)

    @property
    def amount(self) -> Decimal:
        """The amount, quantized to the currency's minor unit."""
        return self._amount

    @property
    def currency(self) -> str:
        """Upper-case ISO 4217 code."""
        return self._currency

    @property
    def minor_units(self) -> int:
        """The amount as an integer count of minor units."""
        return int(self._amount.scaleb(minor_unit_exponent(self._currency), _CONTEXT))

    def is_zero(self) -> bool:
        return self._amount == 0

    def is_positive(self) -> bool:
        return self._amount > 0

    def _same_currency(self, other: object, op: str) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot {op} Money and {type(other).__name__}")
        if other._currency != self._currency:
            raise InvalidRequestError(
                f"cannot {op} {self._currency} and {other._currency}",
                code=ErrorCode.CURRENCY_MISMATCH,
            )
        return other

    # Arithmetic is on integer minor units: exact, whatever the decimal context,
    # and a result beyond MAX_MINOR_UNITS is refused like any other amount.

    def _result(self, minor: int, operation: str) -> Money:
        if abs(minor) > MAX_MINOR_UNITS:
            raise _too_large(
                f"the result of {operation} ({_shown(minor)} minor units of {self._currency})",
                self._currency,
                minor_unit_exponent(self._currency),
            )
        # What Money.from_minor_units(minor, self._currency) makes, without its checks:
        # the currency is this Money's own, the bound was just checked, and an int's
        # digits at the currency's exponent are already quantized (never a negative zero).
        currency = self._currency
        result = object.__new__(Money)
        object.__setattr__(
            result, "_amount", Decimal(minor).scaleb(-CURRENCY_EXPONENTS[currency], _CONTEXT)
        )
        object.__setattr__(result, "_currency", currency)
        return result

    def __add__(self, other: Money) -> Money:
        theirs = self._same_currency(other, "add").minor_units
        return self._result(self.minor_units + theirs, "the addition")

    def __sub__(self, other: Money) -> Money:
        theirs = self._same_currency(other, "subtract").minor_units
        return self._result(self.minor_units - theirs, "the subtraction")

    def __mul__(self, factor: int) -> Money:
        if isinstance(factor, bool) or not isinstance(factor, int):
            raise TypeError("Money can only be multiplied by an int (a quantity)")
        return self._result(self.minor_units * factor, "the multiplication")

    __rmul__ = __mul__

    def times(self, factor: int | Decimal) -> Money:
        """This amount times ``factor`` (a weighed quantity), rounded half up to the
        currency's minor unit: the one place a Money calculation rounds."""
        if isinstance(factor, bool) or not isinstance(factor, int | Decimal):
            raise TypeError("Money.times takes an int or a Decimal, not a float")
        if isinstance(factor, Decimal) and not factor.is_finite():
            raise TypeError("Money.times takes a finite factor")
        with localcontext(_CONTEXT):
            exact = Decimal(self.minor_units) * factor
            minor = int(exact.to_integral_value(rounding=ROUND_HALF_UP))
        return self._result(minor, "the multiplication")

    def __neg__(self) -> Money:
        return self._result(-self.minor_units, "the negation")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self._currency == other._currency and self._amount == other._amount

    def __hash__(self) -> int:
        return hash((self._amount, self._currency))

    def __lt__(self, other: Money) -> bool:
        return self._amount < self._same_currency(other, "compare")._amount

    def __le__(self, other: Money) -> bool:
        return self._amount <= self._same_currency(other, "compare")._amount

    def __gt__(self, other: Money) -> bool:
        return self._amount > self._same_currency(other, "compare")._amount

    def __ge__(self, other: Money) -> bool:
        return self._amount >= self._same_currency(other, "compare")._amount

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Money is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Money is immutable")

    def __repr__(self) -> str:
        return f"Money('{self._amount}', '{self._currency}')"

    def __str__(self) -> str:
        return f"{self._amount} {self._currency}"

    def __reduce__(self) -> tuple[type[Money], tuple[str, str]]:
        return (Money, (str(self._amount), self._currency))

    # -- pydantic integration: Money is a field type of the request/result models.

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls._validate,
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda m: {"amount": str(m.amount), "currency": m.currency}
            ),
        )

    @classmethod
    def _validate(cls, value: object) -> Money:
        """Accept ``Money`` or its dumped form; report problems as field errors."""
        if isinstance(value, Money):
            return value
        if isinstance(value, dict) and set(value) == {"amount", "currency"}:
            try:
                return cls(value["amount"], value["currency"])
            except InvalidRequestError as exc:
                raise PydanticCustomError(exc.code.value, exc.message) from None
        raise PydanticCustomError(
            ErrorCode.INVALID_AMOUNT.value,
            "expected Money, e.g. Money('12.50', 'GEL'), got {kind}",
            {"kind": type(value).__name__},
        )
