""":class:`BogOptions`: what ``PaymentRequest.provider_options`` may say to BOG.

The core's :class:`~payments_core.models.PaymentRequest` covers what every gateway
has. BOG's own features (installment loans, card campaigns, POS account tags, split
payments, wallets on the merchant's page, the page theme, saving the card, the basket
fields a core line item has no room for) go here, typed, and are checked before
anything is sent::

    PaymentRequest(
        ...,
        provider_options={
            "split": [{"iban": "GE00BG0000000000000001", "percent": "10"}],
            "save_card": "recurrent",
            "basket": [{"vat": "3.81", "package_code": "PKG-001"}, None],
        },
    )

Mistakes raise :class:`~payments_core.errors.InvalidRequestError` with ``field``
naming the option (``provider_options.split.0.percent``). Amounts are Decimal, int,
str or :class:`~payments_core.money.Money`; a ``float`` is refused like everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Annotated, Any, Final, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from payments_bog import PROVIDER
from payments_core.errors import InvalidRequestError
from payments_core.models import check_text
from payments_core.money import ExactDecimal
from payments_core.validation import invalid_options

__all__ = [
    "MAX_SPLIT_PARTS",
    "PAYMENT_METHODS",
    "TTL_RANGE",
    "BasketExtras",
    "BogOptions",
    "Campaign",
    "Loan",
    "SplitPart",
    "parse_options",
    "parse_split",
]

PaymentMethod = Literal[
    "card", "google_pay", "apple_pay", "bog_p2p", "bog_loyalty", "bnpl", "bog_loan", "gift_card"
]
PAYMENT_METHODS: Final[tuple[str, ...]] = (
    "card",
    "google_pay",
    "apple_pay",
    "bog_p2p",
    "bog_loyalty",
    "bnpl",
    "bog_loan",
    "gift_card",
)
"""BOG's ``payment_method`` values (reference §2.1)."""

TTL_RANGE: Final = (2, 1440)
"""Minutes an order may stay payable (BOG's default is 15)."""
MAX_SPLIT_PARTS: Final = 10

StrictInt = Annotated[int, Field(strict=True)]


def _free_text(value: str) -> str:
    """Text BOG stores and shows: the core's rules for free text (no controls, not blank)."""
    try:
        return check_text(value, field="value")
    except InvalidRequestError as exc:
        raise ValueError(exc.message.removeprefix("value ")) from None


FreeText = Annotated[str, AfterValidator(_free_text)]


class _Options(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, arbitrary_types_allowed=True, defer_build=True
    )


class Loan(_Options):
    """Installment (``bog_loan``) or buy-now-pay-later (``bnpl``) terms from BOG's calculator."""

    type: Annotated[str, Field(min_length=1)]
    """The calculator's ``discount_code`` (e.g. ``STANDARD``)."""
    month: Annotated[StrictInt, Field(gt=0)]
    """Months chosen in the calculator."""


class Campaign(_Options):
    """A card campaign: which card brand it applies to, and how."""

    card: Literal["visa", "mc", "solo"] | None = None
    type: Literal["restrict", "client_discount"] | None = None

    @model_validator(mode="after")
    def _something_set(self) -> Self:
        if self.card is None and self.type is None:
            raise ValueError("give the campaign's card, type, or both")
        return self


class SplitPart(_Options):
    """One receiver of a split payment: an IBAN and either a GEL amount or a percentage."""

    iban: Annotated[str, Field(min_length=1)]
    amount: ExactDecimal | None = None
    percent: ExactDecimal | None = None
    description: str | None = None

    @model_validator(mode="after")
    def _amount_or_percent(self) -> Self:
        if (self.amount is None) == (self.percent is None):
            raise ValueError("give exactly one of amount and percent")
        if self.amount is not None:
            if self.amount <= 0:
                raise ValueError("amount must be greater than zero")
            if self.amount != self.amount.quantize(Decimal("0.01")):
                raise ValueError("amount has more than 2 decimals (split payments are in GEL)")
        if self.percent is not None and not 0 < self.percent <= 100:
            raise ValueError("percent must be above 0 and at most 100")
        return self


class BasketExtras(_Options):
    """BOG's basket fields the core's :class:`~payments_core.models.LineItem` has no room for.

    ``vat`` is the VAT amount of the line in the payment's currency; the others are
    BOG's fiscal and product codes, passed through as given (reference §2.1).
    """

    vat: Annotated[ExactDecimal, Field(ge=0)] | None = None
    package_code: Annotated[FreeText, Field(max_length=255)] | None = None
    tin: Annotated[FreeText, Field(max_length=255)] | None = None
    pinfl: Annotated[FreeText, Field(max_length=255)] | None = None
    product_discount_id: Annotated[FreeText, Field(max_length=255)] | None = None


class BogOptions(_Options):
    """BOG-specific settings of one payment (see the module docs)."""

    def __init__(self, /, **data: Any) -> None:
        # Built directly (BogOptions(...)), bad options are typed errors too.
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise invalid_options(exc, provider=PROVIDER) from None

    payment_methods: list[PaymentMethod] | None = None
    """Same as ``PaymentRequest.payment_methods``; give it in one place only."""
    loan: Loan | None = None
    """Needs ``payment_methods`` to be exactly ``["bog_loan"]`` or ``["bnpl"]``."""
    campaign: Campaign | None = None
    account_tag: Annotated[str, Field(min_length=1)] | None = None
    """Which of the merchant's POS terminals takes the payment (unknown tag: the default)."""
    split: Annotated[list[SplitPart], Field(min_length=1, max_length=MAX_SPLIT_PARTS)] | None = None
    """Up to 10 receivers; GEL payments only."""
    apple_pay_external: bool = False
    """Apple Pay runs on the merchant's page; finish it with ``complete_apple_pay``."""
    google_pay_external: bool = False
    """Google Pay runs on the merchant's page; pass its token as ``google_pay_token``."""
    google_pay_token: Annotated[str, Field(min_length=1)] | None = None
    application_type: Literal["web", "mobile"] | None = None
    theme: Literal["light", "dark"] | None = None
    """Overrides the ``theme`` setting for this payment."""
    ttl_minutes: Annotated[StrictInt, Field(ge=TTL_RANGE[0], le=TTL_RANGE[1])] | None = None
    """Overrides ``PaymentRequest.expires_in``: minutes the order stays payable."""
    save_card: Literal["recurrent", "subscription"] | None = None
    """Save the card for later charges: ``recurrent`` (customer present, via
    ``charge_saved_card``) or ``subscription`` (merchant-initiated, via
    ``charge_subscription``)."""
    basket: list[BasketExtras | None] | None = None
    """One entry per ``PaymentRequest.items`` entry, in the same order (``None`` for
    an item without extras): the line's ``vat``, ``package_code``, ``tin``, ``pinfl``
    and ``product_discount_id``."""

    def to_provider_options(self) -> dict[str, Any]:
        """This object as the plain dict ``PaymentRequest.provider_options`` takes."""
        return self.model_dump(mode="python", exclude_defaults=True)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.google_pay_token is not None and not self.google_pay_external:
            raise ValueError("google_pay_token needs google_pay_external: true")
        if self.google_pay_external and self.google_pay_token is None:
            raise ValueError("google_pay_external needs the google_pay_token")
        return self


_SPLIT_PARTS: Final = TypeAdapter(
    Annotated[list[SplitPart], Field(min_length=1, max_length=MAX_SPLIT_PARTS)],
    config=ConfigDict(defer_build=True),
)


def parse_split(raw: object, field: str = "split") -> tuple[SplitPart, ...]:
    """Split receivers given outside ``provider_options`` (an approve's ``split``).

    Each part is checked like ``BogOptions.split``; problems name ``field``.
    """
    if isinstance(raw, str | bytes | Mapping) or not isinstance(raw, Sequence):
        raise InvalidRequestError(
            f"{field} must be a list of split parts (iban and amount or percent)",
            field=field,
            provider=PROVIDER,
        )
    try:
        return tuple(_SPLIT_PARTS.validate_python(list(raw)))
    except ValidationError as exc:
        raise invalid_options(exc, provider=PROVIDER, prefix=field) from None


def parse_options(raw: Mapping[str, Any] | BogOptions | None) -> BogOptions:
    """Validate ``provider_options``; problems raise InvalidRequestError naming the option."""
    if raw is None:
        return BogOptions()
    if isinstance(raw, BogOptions):
        return raw
    try:
        return BogOptions.model_validate(dict(raw))
    except ValidationError as exc:
        raise invalid_options(exc, provider=PROVIDER) from None
