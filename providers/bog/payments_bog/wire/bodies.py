"""What we send BOG: the create-order body and its parts, as private pydantic models.

Strict where the readers are lenient: these are built by us, so an unknown field
or a wrong type is a bug to catch, not BOG's looseness to tolerate. Fields are
declared in the order of BOG's documentation, and unset ones are left out of the
JSON. Amounts stay :class:`~decimal.Decimal` in the dump, for the core's
exact-number JSON writer (BOG wants numbers, written from the Decimal's digits).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict

__all__ = [
    "CreateOrderBody",
    "OutAccount",
    "OutApplePay",
    "OutBasketItem",
    "OutBuyer",
    "OutCampaign",
    "OutConfig",
    "OutDelivery",
    "OutGooglePay",
    "OutLoan",
    "OutPurchaseUnits",
    "OutRedirectUrls",
    "OutSplit",
    "OutSplitPart",
]


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
