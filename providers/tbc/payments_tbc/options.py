""":class:`TbcOptions`: what ``PaymentRequest.provider_options`` may say to TBC.

The core's :class:`~payments_core.models.PaymentRequest` covers what every gateway
has. TBC's own create-payment fields (reference §4B) go here, typed, and are
checked before anything is sent::

    PaymentRequest(
        ...,
        provider_options={
            "description": "Order 1842",
            "save_card": True,
            "user_ip_address": "203.0.113.7",
        },
    )

Mistakes raise :class:`~payments_core.errors.InvalidRequestError` with ``field``
naming the option (``provider_options.extra``). Amounts are Decimal, int, str or
:class:`~payments_core.money.Money`; a ``float`` is refused like everywhere.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, Final

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from payments_core import money
from payments_core.errors import InvalidRequestError
from payments_core.models import check_text
from payments_core.validation import invalid_options
from payments_tbc import PROVIDER

__all__ = [
    "DESCRIPTION_MAX",
    "EXTRA2_MAX",
    "EXTRA_MAX",
    "InstallmentProduct",
    "TbcOptions",
    "parse_options",
]

DESCRIPTION_MAX: Final = 30
"""Characters of ``description`` TBC shows on its page (reference §4B)."""
EXTRA_MAX: Final = 25
EXTRA2_MAX: Final = 52

_PRINTABLE_ASCII: Final = re.compile(r"[\x20-\x7e]*")
_MMYY: Final = re.compile(r"(0[1-9]|1[0-2])[0-9]{2}")


def _two_decimals(value: Decimal) -> Decimal:
    if value != value.quantize(Decimal("0.01")):
        raise ValueError("has more than 2 decimals (TBC takes amounts as 0.00)")
    return value


def _ascii(limit: int) -> AfterValidator:
    def check(value: str) -> str:
        if not value or not _PRINTABLE_ASCII.fullmatch(value):
            raise ValueError("must be printable ASCII (letters, digits, punctuation, spaces)")
        if len(value) > limit:
            raise ValueError(f"must be at most {limit} characters, got {len(value)}")
        return value

    return AfterValidator(check)


def _free_text(value: str, field: str) -> str:
    """:func:`~payments_core.models.check_text` as a pydantic check (keeps the location)."""
    try:
        return check_text(value, field=field)
    except InvalidRequestError as exc:
        raise ValueError(exc.message.removeprefix(f"{field} ")) from None


def _description(value: str) -> str:
    _free_text(value, "description")
    if len(value) > DESCRIPTION_MAX:
        raise ValueError(f"must be at most {DESCRIPTION_MAX} characters, got {len(value)}")
    return value


def _ip(value: str) -> str:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise ValueError("must be an IPv4 or IPv6 address") from None
    return value


def _mmyy(value: str) -> str:
    if not _MMYY.fullmatch(value):
        raise ValueError("must be MMYY, e.g. '1044' for October 2044")
    return value


def _name(value: str) -> str:
    return _free_text(value, "name")


TwoDecimals = Annotated[money.ExactDecimal, AfterValidator(_two_decimals)]
StrictInt = Annotated[int, Field(strict=True)]


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class InstallmentProduct(_Options):
    """One product of an installment (method 8) payment; TBC's ``{name, price, quantity}``."""

    name: Annotated[str, Field(min_length=1, max_length=255), AfterValidator(_name)]
    price: Annotated[TwoDecimals, Field(gt=0)]
    """Unit price in the payment's currency (GEL: installments are GEL only)."""
    quantity: Annotated[StrictInt, Field(gt=0)]


class TbcOptions(_Options):
    """TBC-specific fields of one payment (see the module docs)."""

    def __init__(self, /, **data: Any) -> None:
        # Built directly (TbcOptions(...)), bad options are typed errors too.
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise invalid_options(exc, provider=PROVIDER) from None

    description: Annotated[str, AfterValidator(_description)] | None = None
    """Shown on TBC's checkout page; at most 30 characters."""
    tax: Annotated[TwoDecimals, Field(ge=0)] | None = None
    """The tax part of the amount (``amount.tax``), informational. Sent with
    ``subTotal`` only when items, shipping and tax add up to the amount."""
    save_card: bool = False
    """Register the card for later charges (``saveCard``; TBC must enable it).
    Not with the bnpl, installment or Apple Pay methods."""
    save_card_to_date: Annotated[str, AfterValidator(_mmyy)] | None = None
    """``MMYY`` until which the saved card may be charged; needs ``save_card``."""
    extra: Annotated[str, _ascii(EXTRA_MAX)] | None = None
    """Printed on the buyer's statement (ASCII, at most 25); the recipient IBAN of a
    split payment."""
    extra2: Annotated[str, _ascii(EXTRA2_MAX)] | None = None
    """ASCII, at most 52; the recipient's amount of a split payment."""
    user_ip_address: Annotated[str, AfterValidator(_ip)] | None = None
    """The buyer's IP address."""
    skip_info_message: bool | None = None
    """Skip TBC's result screen and go straight back to the shop."""
    installment_products: (
        Annotated[list[InstallmentProduct], Field(min_length=1, max_length=100)] | None
    ) = None
    """Products of an installment payment; their prices times quantities must add up
    to the amount. Left out, they are made from the request's items."""

    def to_provider_options(self) -> dict[str, Any]:
        """This object as the plain dict ``PaymentRequest.provider_options`` takes."""
        return self.model_dump(mode="python", exclude_defaults=True)


def parse_options(raw: Mapping[str, Any] | TbcOptions | None) -> TbcOptions:
    """Validate ``provider_options``; problems raise InvalidRequestError naming the option."""
    if raw is None:
        return TbcOptions()
    if isinstance(raw, TbcOptions):
        return raw
    try:
        return TbcOptions.model_validate(dict(raw))
    except ValidationError as exc:
        raise invalid_options(exc, provider=PROVIDER) from None
