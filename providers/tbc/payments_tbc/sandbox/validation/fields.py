"""Reading the fields of a JSON body the way the emulator checks TBC's rules: names, types, amounts.

Property names are matched ignoring case (``returnUrl`` = ``returnurl``, reference
§3); the same name twice in one object, in two casings, is refused. Unknown
properties are ignored and JSON ``null`` counts as absent. Types are strict: money and
counts must be JSON numbers, flags JSON booleans and texts JSON strings (``"49.9"`` is
refused as an amount). "Max 2 decimals" is about the value: ``49.900`` is fine,
``49.905`` is not. Every broken rule raises :class:`~..problems.ApiError` (HTTP 400)
([INF] where the reference is silent).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Final
from urllib.parse import urlsplit

from ..problems import invalid
from ..vocabulary import CURRENCIES
from ..wire import BadJson, loads

CENT: Final = Decimal("0.01")
MAX_AMOUNT: Final = Decimal(10) ** 12


class Fields:
    """A JSON object read with case-insensitive property names."""

    def __init__(self, data: Mapping[str, Any], where: str = "") -> None:
        self.where = where
        self._values: dict[str, tuple[str, Any]] = {}
        for key, value in data.items():
            folded = key.casefold()
            if folded in self._values:
                first = self._values[folded][0]
                raise invalid(f"Property '{where}{key}' is given twice ('{where}{first}')")
            self._values[folded] = (key, value)

    def get(self, name: str) -> Any:
        """The value under ``name`` in any casing; ``None`` when absent or null."""
        found = self._values.get(name.casefold())
        return None if found is None else found[1]

    def path(self, name: str) -> str:
        return f"{self.where}{name}"


def parse_object(body: bytes, *, required: bool = True) -> Fields:
    """The request body as :class:`Fields`; an empty body is ``{}`` unless required."""
    if not body.strip():
        if required:
            raise invalid("A JSON request body is required")
        return Fields({})
    try:
        data = loads(body)
    except BadJson as exc:
        raise invalid(f"The request body is not valid JSON: {exc}") from None
    if data is None and not required:
        return Fields({})
    if not isinstance(data, dict):
        raise invalid("The request body must be a JSON object")
    return Fields(data)


def read_object(fields: Fields, name: str, *, required: bool) -> Fields | None:
    value = fields.get(name)
    if value is None:
        if required:
            raise invalid(f"'{fields.path(name)}' is required")
        return None
    if not isinstance(value, dict):
        raise invalid(f"'{fields.path(name)}' must be an object")
    return Fields(value, f"{fields.path(name)}.")


def read_text(fields: Fields, name: str, *, required: bool = False) -> str | None:
    value = fields.get(name)
    if value is None:
        if required:
            raise invalid(f"'{fields.path(name)}' is required")
        return None
    if not isinstance(value, str):
        raise invalid(f"'{fields.path(name)}' must be a string")
    if required and not value.strip():
        raise invalid(f"'{fields.path(name)}' must not be empty")
    return value


def read_flag(fields: Fields, name: str) -> bool:
    value = fields.get(name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise invalid(f"'{fields.path(name)}' must be true or false")
    return value


def read_whole(fields: Fields, name: str) -> int | None:
    value = fields.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise invalid(f"'{fields.path(name)}' must be a number")
    if value != int(value):
        raise invalid(f"'{fields.path(name)}' must be a whole number")
    return int(value)


def amount_value(value: Any, name: str, *, zero_allowed: bool = False) -> Decimal:
    """A money amount: a JSON number, positive (or zero), with at most 2 decimals."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise invalid(f"'{name}' must be a number")
    amount = Decimal(value)
    if not amount.is_finite():
        raise invalid(f"'{name}' must be a number")
    if amount < 0:
        raise invalid(f"'{name}' must not be negative")
    if amount == 0 and not zero_allowed:
        raise invalid(f"'{name}' must be greater than 0")
    if amount > MAX_AMOUNT:
        raise invalid(f"'{name}' is too large")
    try:
        exact = amount == amount.quantize(CENT)
    except InvalidOperation:
        exact = False
    if not exact:
        raise invalid(f"'{name}' must have at most 2 decimal places")
    return amount


def read_amount(
    fields: Fields, name: str, *, required: bool = False, zero_allowed: bool = False
) -> Decimal | None:
    value = fields.get(name)
    if value is None:
        if required:
            raise invalid(f"'{fields.path(name)}' is required")
        return None
    return amount_value(value, fields.path(name), zero_allowed=zero_allowed)


def read_ascii(fields: Fields, name: str, limit: int) -> str | None:
    value = read_text(fields, name)
    if value is None:
        return None
    if not value.isascii():
        raise invalid(f"'{fields.path(name)}' must contain ASCII characters only")
    if len(value) > limit:
        raise invalid(f"'{fields.path(name)}' must be at most {limit} characters long")
    return value


def read_url(fields: Fields, name: str, *, required: bool) -> str | None:
    value = read_text(fields, name, required=required)
    if value is None:
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise invalid(f"'{fields.path(name)}' must be an absolute http(s) URL")
    return value.strip()


def read_currency(fields: Fields, name: str) -> str:
    currency = read_text(fields, name, required=True)
    assert currency is not None
    if currency not in CURRENCIES:
        raise invalid(f"'{fields.path(name)}' must be one of {', '.join(sorted(CURRENCIES))}")
    return currency
