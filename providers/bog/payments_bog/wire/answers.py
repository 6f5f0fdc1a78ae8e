"""What BOG sends us, as private pydantic models, and the one way they are read.

Receipts (``GET /receipt/{id}`` and a callback's ``body``), the callback envelope,
and the answers to our requests (create order, refund/approve/cancel, errors).
Nothing here leaves the package: the provider translates these shapes into the
core's models. Reading is lenient the way BOG's payloads need it (see
:mod:`payments_bog.wire.lenient`): unknown fields are ignored, so BOG adding one
breaks nothing; ``transfer_method`` is ``{"key": "", "value": ""}`` before payment.

Bodies are parsed with :func:`payments_core.wire.loads`, so every fractional number
is a Decimal from the start. A body we cannot read raises
:class:`~payments_core.errors.ProviderResponseError` naming the fields, never the
values (a receipt holds personal data).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from payments_bog import PROVIDER
from payments_bog.wire.lenient import (
    Amount,
    ListOrEmpty,
    LocalTime,
    Number,
    Text,
    ZonedTime,
)
from payments_core import wire as core_wire
from payments_core.errors import ProviderResponseError
from payments_core.validation import field_names

__all__ = [
    "ActionAck",
    "CreateOrderResponse",
    "ErrorBody",
    "KeyValue",
    "PaymentDetail",
    "PurchaseUnits",
    "Receipt",
    "ReceiptAction",
    "ReceiptBuyer",
    "ReceiptItem",
    "WebhookEnvelope",
    "json_object",
    "read",
]

Model = TypeVar("Model", bound=BaseModel)


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
    items: Annotated[list[ReceiptItem], ListOrEmpty] = Field(default_factory=list)


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
    actions: Annotated[list[ReceiptAction], ListOrEmpty] = Field(default_factory=list)
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


# -- reading -------------------------------------------------------------------------------


def json_object(response: httpx.Response | bytes, what: str) -> dict[str, Any]:
    """The body as a JSON object (Decimals for fractions), or ProviderResponseError."""
    return core_wire.json_object(response, what, provider=PROVIDER)


def read(model: type[Model], data: Any, what: str) -> Model:
    """Validate ``data`` as ``model``; problems name the fields, never their values."""
    try:
        # What model_validate(data) runs, without its wrapper (a read per answer).
        made: Model = model.__pydantic_validator__.validate_python(data)
        return made
    except ValidationError as exc:
        fields = field_names(exc, what=what)
        raise ProviderResponseError(
            f"BOG's {what} cannot be read (fields: {', '.join(fields)})", provider=PROVIDER
        ) from None
