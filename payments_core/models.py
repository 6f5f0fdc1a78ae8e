"""The normalized models every provider speaks: requests in, results out.

These pydantic models are the schema of the library. Providers translate their
own wire formats into them inside the provider package; nothing here knows any
provider's JSON. Results are frozen: a :class:`Payment` is a snapshot of what
the provider said at one moment, not a live object.

Building a model with bad input raises :class:`~payments_core.errors.InvalidRequestError`
naming the field, never a pydantic ``ValidationError``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Self
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from payments_core.errors import DeclineCode, ErrorCode, InvalidRequestError
from payments_core.money import Money
from payments_core.status import PaymentStatus, is_final, is_paid

__all__ = [
    "Buyer",
    "CaptureMode",
    "CardDetails",
    "Decline",
    "LineItem",
    "Operation",
    "OperationKind",
    "OperationRequest",
    "OperationStatus",
    "Payment",
    "PaymentRequest",
    "WebhookEvent",
    "validation_error_to_payment_error",
]


_ERROR_CODES = frozenset(code.value for code in ErrorCode)


def validation_error_to_payment_error(
    exc: ValidationError, *, what: str, code: ErrorCode = ErrorCode.INVALID_REQUEST
) -> InvalidRequestError:
    """Turn a pydantic ``ValidationError`` into one readable, typed error.

    The message names every failing field (``items.0.quantity: ...``) so the
    caller can fix the input without reading a pydantic traceback.
    """
    problems = []
    first_field: str | None = None
    for error in exc.errors(include_url=False, include_input=False):
        loc = ".".join(str(part) for part in error["loc"]) or what
        first_field = first_field or loc
        if error["type"] in _ERROR_CODES and code is ErrorCode.INVALID_REQUEST:
            code = ErrorCode(error["type"])
        message = str(error["msg"]).removeprefix("Value error, ")
        problems.append(f"{loc}: {message}")
    return InvalidRequestError(
        f"invalid {what}: " + "; ".join(problems), code=code, field=first_field
    )


class _Model(BaseModel):
    """Base of the public models: typed errors instead of pydantic's."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise validation_error_to_payment_error(exc, what=type(self).__name__) from None

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Self:
        try:
            return super().model_validate(obj, *args, **kwargs)
        except ValidationError as exc:
            raise validation_error_to_payment_error(exc, what=cls.__name__) from None

    @classmethod
    def model_validate_json(
        cls, json_data: str | bytes | bytearray, *args: Any, **kwargs: Any
    ) -> Self:
        try:
            return super().model_validate_json(json_data, *args, **kwargs)
        except ValidationError as exc:
            raise validation_error_to_payment_error(exc, what=cls.__name__) from None


class _Result(_Model):
    """Results are snapshots: frozen, and lenient about fields added later."""

    model_config = ConfigDict(frozen=True, extra="ignore", arbitrary_types_allowed=True)


def _require_positive(money: Money, field: str) -> Money:
    if not money.is_positive():
        raise PydanticCustomError(
            ErrorCode.INVALID_AMOUNT.value,
            "{field} must be greater than zero, got {amount}",
            {"field": field, "amount": str(money.amount)},
        )
    return money


class CaptureMode(StrEnum):
    """``automatic`` takes the money at once; ``manual`` only holds it (pre-authorization)."""

    AUTOMATIC = "automatic"
    MANUAL = "manual"


class LineItem(_Model):
    """One line of the basket."""

    product_id: Annotated[str, Field(min_length=1, max_length=255)]
    quantity: Annotated[int, Field(gt=0)]
    unit_price: Money
    description: str | None = None
    unit_discount: Money | None = None
    vat_percent: Decimal | None = None
    image_url: str | None = None

    @field_validator("quantity", mode="before")
    @classmethod
    def _int_quantity(cls, value: object) -> object:
        if isinstance(value, bool | float):
            raise ValueError("quantity must be a whole number")
        return value

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
        """``quantity * (unit_price - unit_discount)``."""
        price = (
            self.unit_price
            if self.unit_discount is None
            else (self.unit_price - self.unit_discount)
        )
        return price * self.quantity


class Buyer(_Model):
    """Who pays. Every field is optional; send what the provider should show or prefill."""

    full_name: str | None = None
    email: str | None = None
    phone: str | None = None


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def _check_url(value: str | None, field: str, *, https_only: bool) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{field} must be an absolute http(s) URL")
    if https_only and parts.scheme != "https":
        raise ValueError(f"{field} must use HTTPS: the provider posts payment results to it")
    return value


class PaymentRequest(_Model):
    """Everything needed to start a payment, the same for every provider.

    ``idempotency_key`` is minted when you leave it out, once, here: every retry
    of this request (by the library or by you, if you keep the request) carries
    the same key, so the provider creates at most one payment.

    ``provider_options`` is the typed escape hatch for what only one provider
    has (BOG's loan or split settings): each provider validates its own part
    before anything is sent.
    """

    external_id: Annotated[str, Field(min_length=1, max_length=255)]
    amount: Money
    items: list[LineItem]
    callback_url: str
    success_url: str | None = None
    fail_url: str | None = None
    buyer: Buyer | None = None
    capture: CaptureMode = CaptureMode.AUTOMATIC
    expires_in: Annotated[int | None, Field(gt=0, le=366 * 24 * 3600)] = None
    """Seconds the customer has to pay; the provider's default when ``None``."""
    locale: str | None = None
    payment_methods: list[str] = Field(default_factory=list)
    idempotency_key: Annotated[str, Field(min_length=1, max_length=255)] = Field(
        default_factory=lambda: str(uuid.uuid4())
    )
    metadata: dict[str, str] = Field(default_factory=dict)
    provider_options: dict[str, Any] = Field(default_factory=dict, repr=False)
    shipping_amount: Money | None = None
    discount_amount: Money | None = None
    require_items_total: bool = False
    """When true, the items (plus shipping, minus discount) must add up to ``amount``."""
    allow_insecure_callback: bool = False
    """Permit an ``http://`` callback URL; only for a local emulator on loopback."""

    @field_validator("amount")
    @classmethod
    def _positive_amount(cls, value: Money) -> Money:
        return _require_positive(value, "amount")

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

    @field_validator("success_url", "fail_url")
    @classmethod
    def _redirect_urls(cls, value: str | None) -> str | None:
        return _check_url(value, "redirect URL", https_only=False)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        # Raised as typed errors directly: pydantic would report them without a field.
        try:
            _check_url(
                self.callback_url, "callback_url", https_only=not self.allow_insecure_callback
            )
        except ValueError as exc:
            raise InvalidRequestError(
                f"invalid PaymentRequest: {exc}", code=ErrorCode.INVALID_URL, field="callback_url"
            ) from None
        if (
            self.allow_insecure_callback
            and urlsplit(self.callback_url).hostname not in LOOPBACK_HOSTS
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


class CardDetails(_Result):
    """The card used, as far as a provider may show it: never the full number."""

    masked_number: str | None = None
    brand: str | None = None
    expiry: str | None = None
    """``MM/YY``."""

    @field_validator("masked_number")
    @classmethod
    def _never_a_full_number(cls, value: str | None) -> str | None:
        if value is not None and sum(ch.isdigit() for ch in value) > 10:
            raise ValueError("masked_number must be masked (at most 10 visible digits)")
        return value


class Decline(_Result):
    """Why a payment failed: the normalized code plus what the provider said."""

    code: DeclineCode
    provider_code: str | None = None
    message: str | None = None


class OperationKind(StrEnum):
    CAPTURE = "capture"
    REFUND = "refund"
    VOID = "void"


class OperationStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Operation(_Result):
    """A capture, refund or void: as answered when asked for, or as seen later in history.

    Several providers (BOG among them) only acknowledge the request and report the
    outcome later: ``status`` is then ``pending`` and the payment's status tells the rest.
    """

    id: str | None = None
    kind: OperationKind
    status: OperationStatus
    payment_id: str
    provider: str
    amount: Money | None = None
    """``None`` means "the whole amount" where the provider did not say how much."""
    created_at: datetime | None = None
    provider_code: str | None = None
    message: str | None = None
    idempotency_key: str | None = None
    raw: dict[str, Any] | None = Field(default=None, repr=False)


class OperationRequest(_Result):
    """What ``refund``, ``capture``, ``void`` and ``get_payment`` were asked to do.

    Handed to ``payments_before_operation`` hooks, so a plugin can inspect (and
    veto) an operation before anything is sent.
    """

    payment_id: str
    amount: Money | None = None
    idempotency_key: str | None = None


class Payment(_Result):
    """A provider's payment, normalized. ``raw`` keeps the provider's payload for debugging."""

    id: str
    provider: str
    status: PaymentStatus
    amount: Money
    external_id: str | None = None
    authorized_amount: Money | None = None
    captured_amount: Money | None = None
    refunded_amount: Money | None = None
    redirect_url: str | None = None
    method: str | None = None
    card: CardDetails | None = None
    decline: Decline | None = None
    capture: CaptureMode | None = None
    created_at: datetime | None = None
    expires_at: datetime | None = None
    provider_transaction_id: str | None = None
    operations: tuple[Operation, ...] = ()
    raw: dict[str, Any] | None = Field(default=None, repr=False)

    @property
    def is_final(self) -> bool:
        return is_final(self.status)

    @property
    def is_paid(self) -> bool:
        return is_paid(self.status)

    @property
    def refundable_amount(self) -> Money | None:
        """Captured minus refunded, when the provider reported both (else ``None``)."""
        if self.captured_amount is None:
            return None
        refunded = self.refunded_amount or Money.zero(self.amount.currency)
        return self.captured_amount - refunded


class WebhookEvent(_Result):
    """A verified callback: what happened to which payment.

    ``id`` is a dedupe key: the same delivery repeated has the same id, so a
    platform can drop duplicates before applying them.
    """

    id: str
    provider: str
    type: str
    payment: Payment
    received_at: datetime
    occurred_at: datetime | None = None
    raw: dict[str, Any] | None = Field(default=None, repr=False)
