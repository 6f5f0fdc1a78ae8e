"""What a caller asks of a gateway: a payment to start, or an operation on one.

:class:`PaymentRequest` is validated when it is built, again whenever a field is
assigned, and once more by the facade before a provider sees it;
:func:`checked_request` spares the provider a fourth check of the same object.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextvars import ContextVar
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Self, TypeVar
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from payments_core.errors import ErrorCode, InvalidRequestError
from payments_core.models.base import RequestModel, ResultModel
from payments_core.models.fields import (
    GatewayText,
    gateway_text,
    header_value,
    require_positive,
    text_problem,
    url_field,
)
from payments_core.money import Money
from payments_core.urls import check_url, is_loopback_host

__all__ = [
    "MAX_QUANTITY",
    "MAX_QUANTITY_DECIMALS",
    "Buyer",
    "CaptureMode",
    "LineItem",
    "OperationRequest",
    "PaymentRequest",
    "building_flow_for",
    "checked_request",
]


class CaptureMode(StrEnum):
    """``automatic`` takes the money at once; ``manual`` only holds it (pre-authorization)."""

    AUTOMATIC = "automatic"
    MANUAL = "manual"


MAX_QUANTITY_DECIMALS = 3
"""Decimals a quantity may have: grams of a kilogram, millimetres of a metre."""
MAX_QUANTITY = 1_000_000
"""No basket line is bigger; a larger number is a mistake (an id in the wrong field)."""


class LineItem(RequestModel):
    """One line of the basket."""

    product_id: Annotated[str, Field(min_length=1, max_length=255), AfterValidator(gateway_text)]
    quantity: int | Decimal
    """How many, or how much: a whole number, or a Decimal with up to three decimals
    for goods sold by weight or length (``Decimal("0.350")`` kg)."""
    unit_price: Money
    description: GatewayText | None = None
    unit_discount: Money | None = None
    vat_percent: Decimal | None = None
    image_url: str | None = None

    @field_validator("image_url")
    @classmethod
    def _image_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        # Shown by the customer's browser on the payment page: http and #fragments allowed.
        return url_field(value, info, https_only=False, allow_fragment=True)

    @field_validator("quantity", mode="before")
    @classmethod
    def _exact_quantity(cls, value: object) -> int | Decimal:
        if isinstance(value, bool | float):
            raise ValueError("quantity must be an int or a Decimal (or its string), not a float")
        if isinstance(value, int):
            quantity: int | Decimal = value
        elif isinstance(value, Decimal | str):
            try:
                quantity = Decimal(value)
            except ArithmeticError:
                raise ValueError("quantity must be a number") from None
        else:
            raise ValueError("quantity must be an int or a Decimal")
        if isinstance(quantity, Decimal):
            if not quantity.is_finite():
                raise ValueError("quantity must be a finite number")
            exponent = quantity.as_tuple().exponent
            if isinstance(exponent, int) and exponent < -MAX_QUANTITY_DECIMALS:
                raise ValueError(
                    f"quantity may have at most {MAX_QUANTITY_DECIMALS} decimals (a gram of a kg)"
                )
            if quantity == quantity.to_integral_value():
                quantity = int(quantity)
        if quantity <= 0:
            raise ValueError("quantity must be greater than 0")
        if quantity > MAX_QUANTITY:
            raise ValueError(f"quantity must be at most {MAX_QUANTITY}")
        return quantity

    @field_validator("unit_price")
    @classmethod
    def _non_negative_price(cls, value: Money) -> Money:
        if value.amount < 0:
            raise ValueError("unit_price must not be negative")
        return value

    @field_validator("vat_percent", mode="before")
    @classmethod
    def _exact_vat(cls, value: object) -> object:
        if isinstance(value, bool | float):
            raise ValueError("vat_percent must be a Decimal, int or str, not a float")
        return value

    @field_validator("vat_percent")
    @classmethod
    def _vat_range(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and not Decimal(0) <= value <= Decimal(100):
            raise ValueError("vat_percent must be between 0 and 100")
        return value

    @model_validator(mode="after")
    def _discount_within_price(self) -> Self:
        discount = self.unit_discount
        if discount is None:
            return self
        if discount.currency != self.unit_price.currency:
            raise PydanticCustomError(
                ErrorCode.CURRENCY_MISMATCH.value,
                "unit_discount must be in the unit_price's currency",
            )
        if discount.amount < 0 or discount > self.unit_price:
            raise PydanticCustomError(
                ErrorCode.INVALID_AMOUNT.value,
                "unit_discount must be between zero and the unit_price",
            )
        return self

    @property
    def total(self) -> Money:
        """``quantity * (unit_price - unit_discount)``; a weighed line is rounded half up
        to the currency's minor unit, as a till prints it."""
        price = (
            self.unit_price
            if self.unit_discount is None
            else (self.unit_price - self.unit_discount)
        )
        if isinstance(self.quantity, int):
            return price * self.quantity
        return price.times(self.quantity)


class Buyer(RequestModel):
    """Who pays. Every field is optional; send what the provider should show or prefill."""

    full_name: GatewayText | None = None
    email: GatewayText | None = None
    phone: GatewayText | None = None


class PaymentRequest(RequestModel):
    """Everything needed to start a payment, the same for every provider.

    ``idempotency_key`` is minted when you leave it out, once, here: every retry
    of this request (by the library or by you, if you keep the request) carries
    the same key, so the provider creates at most one payment.

    ``provider_options`` is the typed escape hatch for what only one provider
    has (BOG's loan or split settings): each provider validates its own part
    before anything is sent.
    """

    external_id: Annotated[str, Field(min_length=1, max_length=255), AfterValidator(gateway_text)]
    amount: Money
    items: list[LineItem]
    callback_url: str
    success_url: str | None = None
    fail_url: str | None = None
    buyer: Buyer | None = None
    capture: CaptureMode = CaptureMode.AUTOMATIC
    expires_in: Annotated[int | None, Field(gt=0, le=366 * 24 * 3600)] = None
    """Seconds the customer has to pay; the provider's default when ``None``."""
    locale: GatewayText | None = None
    payment_methods: list[GatewayText] = Field(default_factory=list)
    idempotency_key: Annotated[
        str, Field(min_length=1, max_length=255), AfterValidator(header_value)
    ] = Field(default_factory=lambda: str(uuid.uuid4()))
    metadata: dict[str, str] = Field(default_factory=dict)
    provider_options: dict[str, Any] = Field(default_factory=dict, repr=False)
    shipping_amount: Money | None = None
    discount_amount: Money | None = None
    require_items_total: bool = False
    """When true, the items (plus shipping, minus discount) must add up to ``amount``."""
    allow_insecure_callback: bool = False
    """Permit an ``http://`` callback URL on loopback for this one request. The
    provider's ``allow_insecure_callback_url`` setting alone is enough (and is the
    usual switch for a local emulator); this flag is for one-off requests."""

    @field_validator("amount")
    @classmethod
    def _positive_amount(cls, value: Money) -> Money:
        return require_positive(value, "amount")

    @field_validator("items")
    @classmethod
    def _non_empty_basket(cls, value: list[LineItem]) -> list[LineItem]:
        if not value:
            raise ValueError("the basket is empty: add at least one item")
        return value

    @field_validator("shipping_amount", "discount_amount")
    @classmethod
    def _not_negative(cls, value: Money | None) -> Money | None:
        if value is not None and value.amount < 0:
            raise ValueError("must not be negative")
        return value

    @field_validator("metadata")
    @classmethod
    def _metadata_text(cls, value: dict[str, str]) -> dict[str, str]:
        # Checked as a whole so a bad key is quoted (repr) instead of becoming the location.
        for key, text in value.items():
            problem = text_problem(key)
            if problem is not None:
                raise ValueError(f"key {key[:40]!r} {problem}")
            problem = text_problem(text)
            if problem is not None:
                raise ValueError(f"the value of {key[:40]!r} {problem}")
        return value

    @field_validator("success_url", "fail_url")
    @classmethod
    def _redirect_urls(cls, value: str | None, info: ValidationInfo) -> str | None:
        # The customer's browser follows these: plain http and #fragments are allowed.
        return url_field(value, info, https_only=False, allow_fragment=True)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        # Raised as typed errors directly: pydantic would report them without a field.
        try:
            # Plain http on loopback passes here: whether this gateway may post to it
            # is the provider setting's decision (``allow_insecure_callback_url``),
            # made by the facade and the provider before anything is sent.
            check_url(
                self.callback_url,
                field="callback_url",
                https_only=True,
                allow_http_loopback=True,
            )
        except InvalidRequestError as exc:
            raise InvalidRequestError(
                f"invalid PaymentRequest: {exc.message}",
                code=ErrorCode.INVALID_URL,
                field="callback_url",
            ) from None
        if self.allow_insecure_callback and not is_loopback_host(
            urlsplit(self.callback_url).hostname
        ):
            raise InvalidRequestError(
                "invalid PaymentRequest: allow_insecure_callback is only for loopback "
                "callback URLs",
                code=ErrorCode.INVALID_URL,
                field="callback_url",
            )
        currency = self.amount.currency
        monies = [item.unit_price for item in self.items]
        monies += [m for m in (self.shipping_amount, self.discount_amount) if m is not None]
        monies += [item.unit_discount for item in self.items if item.unit_discount is not None]
        for money in monies:
            if money.currency != currency:
                raise InvalidRequestError(
                    f"invalid PaymentRequest: every amount must be in {currency}, "
                    f"found {money.currency}",
                    code=ErrorCode.CURRENCY_MISMATCH,
                    field="items",
                )
        if self.require_items_total:
            total = Money.zero(currency)
            for item in self.items:
                total += item.total
            if self.shipping_amount is not None:
                total += self.shipping_amount
            if self.discount_amount is not None:
                total -= self.discount_amount
            if total != self.amount:
                raise InvalidRequestError(
                    f"invalid PaymentRequest: items add up to {total}, but amount is {self.amount}",
                    code=ErrorCode.INVALID_AMOUNT,
                    field="items",
                )
        return self


_T = TypeVar("_T")

_JUST_CHECKED: ContextVar[PaymentRequest | None] = ContextVar(
    "payments_core.just_checked_request", default=None
)
"""The request the facade validated itself, while it builds that request's flow."""


def checked_request(request: PaymentRequest) -> PaymentRequest:
    """``request`` validated once more, nested line items and buyer included.

    A provider calls this before building what it sends: a request may have been
    changed in place, or copied with ``model_copy(update=...)``, since it was built,
    and a provider can be driven without the facade. The facade validates every
    request itself; when it hands the provider the very object it has just
    validated, which nothing else has seen since (see :func:`building_flow_for`),
    the same validation again would only cost time, so the request comes back as is.
    """
    if _JUST_CHECKED.get() is request:
        return request
    return PaymentRequest.model_validate(request)


def building_flow_for(request: PaymentRequest, build: Callable[[], _T]) -> _T:
    """Run ``build`` (a provider's ``create_payment``) with ``request`` marked as just
    validated, for :func:`checked_request`. Only the facade calls this, and only for a
    request it validated and no hook has seen."""
    token = _JUST_CHECKED.set(request)
    try:
        return build()
    finally:
        _JUST_CHECKED.reset(token)


class OperationRequest(ResultModel):
    """What ``refund``, ``capture``, ``void`` and ``get_payment`` were asked to do.

    Handed to ``payments_before_operation`` hooks, so a plugin can inspect (and
    veto) an operation before anything is sent.
    """

    payment_id: str
    amount: Money | None = None
    idempotency_key: str | None = None
