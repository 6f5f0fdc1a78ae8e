"""The normalized models every provider speaks: requests in, results out.

These pydantic models are the schema of the library. Providers translate their
own wire formats into them inside the provider package; nothing here knows any
provider's JSON. Results are frozen: a :class:`Payment` is a snapshot of what
the provider said at one moment, not a live object.

Building a model with bad input raises :class:`~payments_core.errors.InvalidRequestError`
naming the field, never a pydantic ``ValidationError``.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Self, TypeVar
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from payments_core.errors import DeclineCode, ErrorCode, InvalidRequestError
from payments_core.money import Money
from payments_core.status import PaymentStatus, is_final, is_paid
from payments_core.urls import check_url, is_loopback_host
from payments_core.validation import findings, summary

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
    "check_text",
    "checked_request",
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
    found = findings(exc, what=what)
    if code is ErrorCode.INVALID_REQUEST:
        code = next(
            (ErrorCode(f.type) for f in found if f.type in _ERROR_CODES), ErrorCode.INVALID_REQUEST
        )
    return InvalidRequestError(
        f"invalid {what}: " + summary(found),
        code=code,
        field=found[0].field if found else None,
    )


class _Model(BaseModel):
    """Base of the public models: typed errors instead of pydantic's."""

    # Built on first use, not at import: most processes touch a few of these models
    # (subclasses inherit it; pydantic builds a deferred model the first time it validates).
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True, defer_build=True)

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


class _Request(_Model):
    """Requests stay checked however they are changed.

    ``validate_assignment`` refuses a bad value when it is assigned
    (``item.quantity = -3``). ``revalidate_instances`` makes every validation of a
    request re-check the line items and buyer inside it, instead of trusting them
    because they are already model instances: whatever was changed in place
    since they were built is caught when the facade validates the request again.
    """

    model_config = ConfigDict(
        extra="forbid",
        arbitrary_types_allowed=True,
        validate_assignment=True,
        revalidate_instances="always",
    )

    def __setattr__(self, name: str, value: Any) -> None:
        try:
            super().__setattr__(name, value)
        except ValidationError as exc:
            raise validation_error_to_payment_error(exc, what=type(self).__name__) from None


# -- free text and URLs that reach a gateway ---------------------------------------------------

_FORBIDDEN_IN_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""C0 and C1 controls (NUL, tab, CR, LF ...), DEL, Unicode line and paragraph
separators, and the bidi embeddings, overrides and isolates."""
_VISIBLE_ASCII = re.compile("[!-~]+")


def _text_problem(value: str) -> str | None:
    if _FORBIDDEN_IN_TEXT.search(value):
        return (
            "must not contain control characters, line breaks or bidirectional "
            "override/isolate characters"
        )
    if all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in value):
        return "must not be blank"
    return None


def check_text(value: str, *, field: str) -> str:
    """Return ``value`` when it is safe free text to send to a gateway.

    Refused with :class:`~payments_core.errors.InvalidRequestError` naming ``field``:
    a blank value (empty, or only whitespace and invisible characters), and any
    control character (NUL, tab, CR/LF, other C0/C1 codes), Unicode line
    separator, or bidi embedding/override/isolate (U+202A-U+202E, U+2066-U+2069).
    Gateways store these values and show them in dashboards, receipts and
    logs, where such characters split lines, end strings early or make the text
    read differently from what it holds. Providers use this for free text they
    take outside a :class:`PaymentRequest`.
    """
    problem = _text_problem(value) if isinstance(value, str) else "must be a string"
    if problem is not None:
        raise InvalidRequestError(f"{field} {problem}", field=field)
    return value


def _gateway_text(value: str) -> str:
    problem = _text_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def _header_value(value: str) -> str:
    _gateway_text(value)
    if not _VISIBLE_ASCII.fullmatch(value):
        raise ValueError("must be printable ASCII without spaces: it is sent as an HTTP header")
    return value


_GatewayText = Annotated[str, AfterValidator(_gateway_text)]
"""A ``str`` that passes :func:`check_text`'s rules, as a pydantic field type."""


def _url_field(
    value: str | None, info: ValidationInfo, *, https_only: bool, allow_fragment: bool
) -> str | None:
    """:func:`~payments_core.urls.check_url` for a model field, keeping pydantic's location."""
    if value is None:
        return None
    try:
        return check_url(
            value, field=str(info.field_name), https_only=https_only, allow_fragment=allow_fragment
        )
    except InvalidRequestError as exc:
        raise PydanticCustomError(
            ErrorCode.INVALID_URL.value, "{problem}", {"problem": exc.message}
        ) from None


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


MAX_QUANTITY_DECIMALS = 3
"""Decimals a quantity may have: grams of a kilogram, millimetres of a metre."""
MAX_QUANTITY = 1_000_000
"""No basket line is bigger; a larger number is a mistake (an id in the wrong field)."""


class LineItem(_Request):
    """One line of the basket."""

    product_id: Annotated[str, Field(min_length=1, max_length=255), AfterValidator(_gateway_text)]
    quantity: int | Decimal
    """How many, or how much: a whole number, or a Decimal with up to three decimals
    for goods sold by weight or length (``Decimal("0.350")`` kg)."""
    unit_price: Money
    description: _GatewayText | None = None
    unit_discount: Money | None = None
    vat_percent: Decimal | None = None
    image_url: str | None = None

    @field_validator("image_url")
    @classmethod
    def _image_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        # Shown by the customer's browser on the payment page: http and #fragments allowed.
        return _url_field(value, info, https_only=False, allow_fragment=True)

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


class Buyer(_Request):
    """Who pays. Every field is optional; send what the provider should show or prefill."""

    full_name: _GatewayText | None = None
    email: _GatewayText | None = None
    phone: _GatewayText | None = None


class PaymentRequest(_Request):
    """Everything needed to start a payment, the same for every provider.

    ``idempotency_key`` is minted when you leave it out, once, here: every retry
    of this request (by the library or by you, if you keep the request) carries
    the same key, so the provider creates at most one payment.

    ``provider_options`` is the typed escape hatch for what only one provider
    has (BOG's loan or split settings): each provider validates its own part
    before anything is sent.
    """

    external_id: Annotated[str, Field(min_length=1, max_length=255), AfterValidator(_gateway_text)]
    amount: Money
    items: list[LineItem]
    callback_url: str
    success_url: str | None = None
    fail_url: str | None = None
    buyer: Buyer | None = None
    capture: CaptureMode = CaptureMode.AUTOMATIC
    expires_in: Annotated[int | None, Field(gt=0, le=366 * 24 * 3600)] = None
    """Seconds the customer has to pay; the provider's default when ``None``."""
    locale: _GatewayText | None = None
    payment_methods: list[_GatewayText] = Field(default_factory=list)
    idempotency_key: Annotated[
        str, Field(min_length=1, max_length=255), AfterValidator(_header_value)
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

    @field_validator("metadata")
    @classmethod
    def _metadata_text(cls, value: dict[str, str]) -> dict[str, str]:
        # Checked as a whole so a bad key is quoted (repr) instead of becoming the location.
        for key, text in value.items():
            problem = _text_problem(key)
            if problem is not None:
                raise ValueError(f"key {key[:40]!r} {problem}")
            problem = _text_problem(text)
            if problem is not None:
                raise ValueError(f"the value of {key[:40]!r} {problem}")
        return value

    @field_validator("success_url", "fail_url")
    @classmethod
    def _redirect_urls(cls, value: str | None, info: ValidationInfo) -> str | None:
        # The customer's browser follows these: plain http and #fragments are allowed.
        return _url_field(value, info, https_only=False, allow_fragment=True)

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


class CardDetails(_Result):
    """The card used, as far as a provider may show it: never the full number."""

    masked_number: str | None = None
    brand: str | None = None
    expiry: str | None = None
    """``MM/YY``."""

    @field_validator("masked_number")
    @classmethod
    def _never_a_full_number(cls, value: str | None) -> str | None:
        if value is not None and sum(map(str.isdigit, value)) > 10:
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
    updated_at: datetime | None = None
    """When the gateway says this state came about (its event time), if it says:
    :func:`payments_core.is_newer` uses it to order updates with equal amounts."""
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
    duplicate: bool = False
    """With a journal: this delivery was seen before and is not applied again.
    Without one the facade cannot tell, and it is always ``False``."""
    stale: bool = False
    """With a journal: new, but older than the payment state already known
    (a late callback); recorded, not applied."""
