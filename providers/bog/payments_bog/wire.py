"""BOG's JSON, as private pydantic models: what we send and how we read what comes back.

Nothing here leaves the package: the provider translates these shapes into the
core's models. Readers are lenient the way BOG's payloads need them to be
(reference §2.2, §5):

* amounts arrive as strings (``"10.90"``), numbers or ``null`` and are read as
  :class:`~decimal.Decimal`, never through ``float``; a negative one makes the
  payload unreadable;
* unknown fields are ignored, so BOG adding one breaks nothing;
* ``zoned_*`` dates are UTC with a ``Z``; the older ``create_date``-style fields are
  Tbilisi local time (UTC+4) without a zone, and are converted to UTC;
* ``transfer_method`` is ``{"key": "", "value": ""}`` before payment, and
  ``actions`` may be ``null`` or ``[]``.

Bodies are parsed with :func:`payments_core.wire.loads`, so every fractional number
is a Decimal from the start. A body we cannot read raises
:class:`~payments_core.errors.ProviderResponseError` naming the fields, never the
values (a receipt holds personal data).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Final, TypeVar

import httpx
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    ValidationError,
)
from pydantic_core import core_schema

from payments_core import wire as core_wire
from payments_core.errors import ProviderResponseError

__all__ = [
    "TBILISI",
    "ActionAck",
    "CreateOrderResponse",
    "ErrorBody",
    "Receipt",
    "WebhookEnvelope",
    "json_object",
    "read",
]

logger = logging.getLogger("payments_bog")

TBILISI: Final = timezone(timedelta(hours=4), "Asia/Tbilisi")
"""BOG's local time: UTC+4 all year (Georgia has no daylight saving time)."""

M = TypeVar("M", bound=BaseModel)


# -- lenient scalar readers ------------------------------------------------------------


def _number(value: object) -> Decimal | None:
    """String, number or null → Decimal (or None). Empty strings count as null."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("an amount cannot be a boolean")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):  # only when handed a dict parsed elsewhere
        number = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError("not a number") from None
    else:
        raise ValueError(f"an amount cannot be a {type(value).__name__}")
    if not number.is_finite():
        raise ValueError("not a finite number")
    return number


def _amount(value: object) -> Decimal | None:
    """An amount money is counted in: like :func:`_number`, and never below zero.

    BOG's amounts are sums of money taken, held or refunded; a negative one is
    nonsense, and read as it stands it would turn into a payment that cannot be.
    """
    number = _number(value)
    if number is not None and number < 0:
        raise ValueError("an amount cannot be negative")
    return number


def _text(value: object) -> str | None:
    """String or number → str; null stays None. Codes come as either."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | Decimal):
        return str(value)
    raise ValueError(f"expected text, got {type(value).__name__}")


def _parse_datetime(value: object, *, naive_zone: timezone) -> datetime | None:
    if value is None or isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            logger.debug("ignoring an unreadable BOG timestamp")
            return None
    else:
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=naive_zone)
    return moment.astimezone(UTC)


def _zoned(value: object) -> datetime | None:
    """A ``zoned_*`` field: UTC (a missing zone is taken as UTC too)."""
    return _parse_datetime(value, naive_zone=UTC)


def _local(value: object) -> datetime | None:
    """An old-style date field: Tbilisi local time unless it carries a zone."""
    return _parse_datetime(value, naive_zone=TBILISI)


def _list_or_empty(value: object) -> object:
    return [] if value is None else value


Amount = Annotated[Decimal | None, BeforeValidator(_amount)]
Number = Annotated[Decimal | None, BeforeValidator(_number)]
"""A basket line's figures: read as given, since no amount of the payment comes from them."""


class _TextType:
    """:func:`_text` as a field type, without a Python call for the common values.

    A receipt has dozens of text fields and nearly all hold a string or null:
    those are taken as they are (what :func:`_text` returns for them) by
    pydantic itself; anything else goes to :func:`_text`. A refusal names the
    field, like the plain validator's.
    """

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.union_schema(
            [
                core_schema.str_schema(strict=True),
                core_schema.none_schema(),
                core_schema.no_info_plain_validator_function(_text),
            ],
            mode="left_to_right",
            custom_error_type="bog_text",
            custom_error_message="expected text",
        )


Text = Annotated[str | None, _TextType]
ZonedTime = Annotated[datetime | None, BeforeValidator(_zoned)]
LocalTime = Annotated[datetime | None, BeforeValidator(_local)]


class _Wire(BaseModel):
    """Lenient reading: unknown fields ignored, results frozen."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True, defer_build=True)


# -- the receipt (GET /receipt/{id}, callback body) --------------------------------------


class KeyValue(_Wire):
    """``{key, value}`` pairs such as ``order_status``; ``value`` is a localized label."""

    key: Text = None
    value: Text = None


class ReceiptBuyer(_Wire):
    full_name: Text = None
    email: Text = None
    phone_number: Text = None


class ReceiptItem(_Wire):
    external_item_id: Text = None
    description: Text = None
    quantity: Number = None
    unit_price: Number = None
    unit_discount_price: Number = None
    vat: Number = None
    vat_percent: Number = None
    total_price: Number = None
    package_code: Text = None
    tin: Text = None
    pinfl: Text = None
    product_discount_id: Text = None


class PurchaseUnits(_Wire):
    request_amount: Amount = None
    transfer_amount: Amount = None
    refund_amount: Amount = None
    currency_code: Text = None
    items: Annotated[list[ReceiptItem], BeforeValidator(_list_or_empty)] = Field(
        default_factory=list
    )


class PaymentDetail(_Wire):
    transfer_method: KeyValue | None = None
    transaction_id: Text = None
    payer_identifier: Text = None
    payment_option: Text = None
    card_type: Text = None
    card_expiry_date: Text = None
    request_account_tag: Text = None
    transfer_account_tag: Text = None
    saved_card_type: Text = None
    parent_order_id: Text = None
    code: Text = None
    code_description: Text = None
    auth_code: Text = None
    pg_trx_id: Text = None

    @property
    def method(self) -> str | None:
        """The transfer method's key, or ``None`` before payment (BOG sends ``""``)."""
        key = self.transfer_method.key if self.transfer_method else None
        return key.strip().lower() or None if key else None


class ReceiptAction(_Wire):
    """One entry of ``actions[]``: a refund, approve or cancel and how it ended."""

    action_id: Text = None
    request_channel: Text = None
    action: Text = None
    status: Text = None
    zoned_action_date: ZonedTime = None
    action_date: LocalTime = None
    amount: Amount = None
    code: Text = None
    code_description: Text = None

    @property
    def happened_at(self) -> datetime | None:
        return self.zoned_action_date or self.action_date


class Receipt(_Wire):
    """A BOG order as ``GET /receipt/{id}`` (and a callback's ``body``) shows it."""

    order_id: str
    industry: Text = None
    capture: Text = None
    external_order_id: Text = None
    zoned_create_date: ZonedTime = None
    zoned_expire_date: ZonedTime = None
    create_date: LocalTime = None
    expire_date: LocalTime = None
    order_status: KeyValue | None = None
    buyer: ReceiptBuyer | None = None
    purchase_units: PurchaseUnits | None = None
    payment_detail: PaymentDetail | None = None
    actions: Annotated[list[ReceiptAction], BeforeValidator(_list_or_empty)] = Field(
        default_factory=list
    )
    lang: Text = None
    reject_reason: Text = None

    @property
    def status_key(self) -> str | None:
        key = self.order_status.key if self.order_status else None
        return key.strip().lower() if key else None

    @property
    def is_manual(self) -> bool:
        return (self.capture or "").strip().lower() == "manual"

    @property
    def created_at(self) -> datetime | None:
        return self.zoned_create_date or self.create_date

    @property
    def expires_at(self) -> datetime | None:
        return self.zoned_expire_date or self.expire_date


class WebhookEnvelope(_Wire):
    """A callback: ``{"event", "zoned_request_time", "body": <receipt>}``."""

    event: str
    zoned_request_time: ZonedTime = None
    body: Receipt


# -- answers to our requests -------------------------------------------------------------


class Link(_Wire):
    href: Text = None


class OrderLinks(_Wire):
    details: Link | None = None
    redirect: Link | None = None
    accept: Link | None = None


class CreateOrderResponse(_Wire):
    """Create order (and recurrent charge, subscribe, Apple Pay completion) answers.

    ``status`` and ``order_details`` come only with external wallet payments.
    """

    id: str
    status: Text = None
    order_details: dict[str, Any] | None = None
    links: OrderLinks = Field(default_factory=OrderLinks, alias="_links")

    @property
    def redirect_url(self) -> str | None:
        return self.links.redirect.href if self.links.redirect else None


class ActionAck(_Wire):
    """Refund, approve and cancel answers: the request was received, nothing more."""

    key: Text = None
    message: Text = None
    action_id: Text = None


class ErrorBody(_Wire):
    """What BOG's error answers may carry; no schema is published, so all optional."""

    message: Text = None
    error: Text = None
    error_description: Text = None
    key: Text = None


# -- the request we send -----------------------------------------------------------------


class _Out(BaseModel):
    """Request bodies: strict about what we build, dumped without the unset fields."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class OutBuyer(_Out):
    full_name: str | None = None
    masked_email: str | None = None
    masked_phone: str | None = None


class OutBasketItem(_Out):
    """One basket line, fields in the order of BOG's documentation.

    ``quantity`` may be fractional for BOG (goods sold by weight); whole numbers
    stay integers on the wire.
    """

    product_id: str
    description: str | None = None
    quantity: int | Decimal
    unit_price: Decimal
    unit_discount_price: Decimal | None = None
    vat: Decimal | None = None
    vat_percent: Decimal | None = None
    total_price: Decimal | None = None
    image: str | None = None
    package_code: str | None = None
    tin: str | None = None
    pinfl: str | None = None
    product_discount_id: str | None = None


class OutDelivery(_Out):
    amount: Decimal


class OutPurchaseUnits(_Out):
    currency: str
    total_amount: Decimal
    total_discount_amount: Decimal | None = None
    delivery: OutDelivery | None = None
    basket: list[OutBasketItem]


class OutRedirectUrls(_Out):
    success: str | None = None
    fail: str | None = None


class OutLoan(_Out):
    type: str
    month: int


class OutCampaign(_Out):
    card: str | None = None
    type: str | None = None


class OutGooglePay(_Out):
    external: bool
    google_pay_token: str | None = None


class OutApplePay(_Out):
    external: bool


class OutAccount(_Out):
    tag: str


class OutSplitPart(_Out):
    iban: str
    amount: Decimal | None = None
    percent: Decimal | None = None
    description: str | None = None


class OutSplit(_Out):
    split_payments: list[OutSplitPart]


class OutConfig(_Out):
    loan: OutLoan | None = None
    campaign: OutCampaign | None = None
    google_pay: OutGooglePay | None = None
    apple_pay: OutApplePay | None = None
    account: OutAccount | None = None
    split: OutSplit | None = None


class CreateOrderBody(_Out):
    """``POST /ecommerce/orders``; fields in the order of BOG's documentation."""

    callback_url: str
    external_order_id: str | None = None
    capture: str | None = None
    application_type: str | None = None
    buyer: OutBuyer | None = None
    purchase_units: OutPurchaseUnits
    redirect_urls: OutRedirectUrls | None = None
    ttl: int | None = None
    payment_method: list[str] | None = None
    config: OutConfig | None = None

    def to_json(self) -> dict[str, Any]:
        """A plain dict with Decimals intact, for the core's exact-number JSON writer."""
        return self.model_dump(mode="python", exclude_none=True)


# -- parsing -------------------------------------------------------------------------------


def json_object(response: httpx.Response | bytes, what: str) -> dict[str, Any]:
    """The body as a JSON object (Decimals for fractions), or ProviderResponseError."""
    return core_wire.json_object(response, what, provider="bog")


def read(model: type[M], data: Any, what: str) -> M:
    """Validate ``data`` as ``model``; problems name the fields, never their values."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields = sorted(
            {
                ".".join(str(part) for part in error["loc"]) or what
                for error in exc.errors(include_url=False, include_input=False)
            }
        )
        raise ProviderResponseError(
            f"BOG's {what} cannot be read (fields: {', '.join(fields)})", provider="bog"
        ) from None
