"""The create-order body (``POST /ecommerce/orders``, reference §2.1) and the headers that shape it.

The same body creates a saved-card charge (``POST /ecommerce/orders/{parent}``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from ..vocabulary import CARD_METHODS, CURRENCIES, LOAN_METHODS, TransferMethod
from .fields import (
    RequestError,
    amount,
    callback_url,
    read_choice,
    read_number,
    read_object,
    read_optional_number,
    read_required_text,
    read_text,
    read_url,
)

TTL_RANGE: Final = (2, 1440)
DEFAULT_TTL: Final = 15
MAX_SPLIT_PARTS: Final = 10


@dataclass(frozen=True, slots=True)
class Item:
    product_id: str
    quantity: Decimal
    unit_price: Decimal
    description: str | None = None
    unit_discount_price: Decimal | None = None
    vat: Decimal | None = None
    vat_percent: Decimal | None = None
    total_price: Decimal | None = None
    image: str | None = None
    package_code: str | None = None
    tin: str | None = None
    pinfl: str | None = None
    product_discount_id: str | None = None


@dataclass(frozen=True, slots=True)
class Buyer:
    full_name: str | None
    email: str | None
    phone_number: str | None


@dataclass(frozen=True, slots=True)
class SplitPart:
    iban: str
    amount: Decimal | None
    percent: Decimal | None
    description: str | None


@dataclass(frozen=True, slots=True)
class Loan:
    type: str
    month: int


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A validated create-order body plus the headers that shape the order."""

    callback_url: str
    total_amount: Decimal
    items: tuple[Item, ...]
    currency: str = "GEL"
    external_order_id: str | None = None
    capture: str = "automatic"
    application_type: str | None = None
    buyer: Buyer | None = None
    total_discount_amount: Decimal | None = None
    delivery_amount: Decimal | None = None
    success_url: str | None = None
    fail_url: str | None = None
    ttl_minutes: int = DEFAULT_TTL
    payment_methods: tuple[TransferMethod, ...] = ()
    loan: Loan | None = None
    campaign: Mapping[str, str] | None = None
    account_tag: str | None = None
    split: tuple[SplitPart, ...] | None = None
    google_pay_token: str | None = None
    apple_pay_external: bool = False
    lang: str = "ka"
    theme: str = "light"

    @property
    def google_pay_external(self) -> bool:
        return self.google_pay_token is not None

    def allows(self, method: TransferMethod) -> bool:
        """Whether the order may be paid with ``method`` (an empty list allows all)."""
        if not self.payment_methods:
            return True
        if method is TransferMethod.CARD:
            return any(m in CARD_METHODS for m in self.payment_methods)
        return method in self.payment_methods


def _item(value: Any, index: int) -> Item:
    name = f"purchase_units.basket[{index}]"
    data = read_object(value, name, required=True)
    product_id = read_required_text(data.get("product_id"), f"{name}.product_id")
    if data.get("quantity") is None:
        raise RequestError(f"{name}.quantity is required")
    quantity = read_number(data["quantity"], f"{name}.quantity")
    if quantity <= 0:
        raise RequestError(f"{name}.quantity must be greater than 0")
    if data.get("unit_price") is None:
        raise RequestError(f"{name}.unit_price is required")
    unit_price = read_number(data["unit_price"], f"{name}.unit_price")
    if unit_price < 0:
        raise RequestError(f"{name}.unit_price must not be negative")

    def number(key: str) -> Decimal | None:
        return read_optional_number(data.get(key), f"{name}.{key}")

    def text(key: str) -> str | None:
        return read_text(data.get(key), f"{name}.{key}")

    return Item(
        product_id,
        quantity,
        unit_price,
        description=text("description"),
        unit_discount_price=number("unit_discount_price"),
        vat=number("vat"),
        vat_percent=number("vat_percent"),
        total_price=number("total_price"),
        image=text("image"),
        package_code=text("package_code"),
        tin=text("tin"),
        pinfl=text("pinfl"),
        product_discount_id=text("product_discount_id"),
    )


def _buyer(value: Any) -> Buyer | None:
    if value is None:
        return None
    data = read_object(value, "buyer")
    return Buyer(
        full_name=read_text(data.get("full_name"), "buyer.full_name"),
        email=read_text(data.get("masked_email"), "buyer.masked_email"),
        phone_number=read_text(data.get("masked_phone"), "buyer.masked_phone"),
    )


def _ttl(value: Any) -> int:
    if value is None:
        return DEFAULT_TTL
    number = read_number(value, "ttl")
    low, high = TTL_RANGE
    if number != number.to_integral_value() or not low <= number <= high:
        raise RequestError(f"ttl must be a whole number of minutes from {low} to {high}")
    return int(number)


def _methods(value: Any) -> tuple[TransferMethod, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise RequestError("payment_method must be a list")
    known = {m.value for m in TransferMethod}
    methods: list[TransferMethod] = []
    for entry in value:
        if not isinstance(entry, str) or entry not in known:
            raise RequestError(f"Unknown payment_method: {entry}")
        methods.append(TransferMethod(entry))
    return tuple(methods)


def _loan(config: dict[str, Any], methods: tuple[TransferMethod, ...]) -> Loan | None:
    loan_only = len(methods) == 1 and methods[0] in LOAN_METHODS
    if config.get("loan") is None:
        if loan_only:
            raise RequestError(f"config.loan is required for payment_method [{methods[0]}]")
        return None
    if not loan_only:
        raise RequestError(
            'config.loan is allowed only with payment_method ["bog_loan"] or ["bnpl"]'
        )
    data = read_object(config["loan"], "config.loan")
    loan_type = read_required_text(data.get("type"), "config.loan.type")
    if data.get("month") is None:
        raise RequestError("config.loan.month is required")
    month = read_number(data["month"], "config.loan.month")
    if month <= 0 or month != month.to_integral_value():
        raise RequestError("config.loan.month must be a positive whole number")
    return Loan(loan_type, int(month))


def _campaign(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    data = read_object(value, "config.campaign")
    allowed = {"card": ("visa", "mc", "solo"), "type": ("restrict", "client_discount")}
    campaign: dict[str, str] = {}
    for key, choices in allowed.items():
        text = read_text(data.get(key), f"config.campaign.{key}")
        if text is None:
            continue
        if text not in choices:
            raise RequestError(f"config.campaign.{key} must be one of {', '.join(choices)}")
        campaign[key] = text
    return campaign


def split_parts(value: Any, currency: str, total: Decimal) -> tuple[SplitPart, ...] | None:
    if value is None:
        return None
    data = read_object(value, "config.split")
    entries = data.get("split_payments")
    if not isinstance(entries, list) or not entries:
        raise RequestError("config.split.split_payments must be a non-empty list")
    if len(entries) > MAX_SPLIT_PARTS:
        raise RequestError(f"config.split allows at most {MAX_SPLIT_PARTS} split_payments")
    if currency != "GEL":
        raise RequestError("Split payment is available only in GEL")
    parts: list[SplitPart] = []
    for index, entry in enumerate(entries):
        name = f"config.split.split_payments[{index}]"
        part = read_object(entry, name, required=True)
        iban = read_required_text(part.get("iban"), f"{name}.iban")
        has_amount, has_percent = part.get("amount") is not None, part.get("percent") is not None
        if has_amount == has_percent:
            raise RequestError(f"{name} must have exactly one of amount or percent")
        share = amount(part["amount"], f"{name}.amount") if has_amount else None
        percent = None
        if has_percent:
            percent = read_number(part["percent"], f"{name}.percent")
            if not 0 < percent <= 100:
                raise RequestError(f"{name}.percent must be greater than 0 and at most 100")
        description = read_text(part.get("description"), f"{name}.description")
        parts.append(SplitPart(iban, share, percent, description))
    if sum(p.amount or 0 for p in parts) > total:
        raise RequestError("config.split amounts exceed purchase_units.total_amount")
    if sum(p.percent or 0 for p in parts) > 100:
        raise RequestError("config.split percents add up to more than 100")
    return tuple(parts)


def _wallets(
    config: dict[str, Any], methods: tuple[TransferMethod, ...]
) -> tuple[str | None, bool]:
    google = read_object(config.get("google_pay"), "config.google_pay")
    apple = read_object(config.get("apple_pay"), "config.apple_pay")
    for name, data in (("google_pay", google), ("apple_pay", apple)):
        if not isinstance(data.get("external", False), bool):
            raise RequestError(f"config.{name}.external must be a boolean")
    token: str | None = None
    if google.get("external"):
        token = read_required_text(
            google.get("google_pay_token"), "config.google_pay.google_pay_token"
        )
        if TransferMethod.GOOGLE_PAY not in methods:
            raise RequestError('config.google_pay.external needs "google_pay" in payment_method')
    apple_external = bool(apple.get("external"))
    if apple_external and TransferMethod.APPLE_PAY not in methods:
        raise RequestError('config.apple_pay.external needs "apple_pay" in payment_method')
    if apple_external and token is not None:
        raise RequestError("An order can be external for Apple Pay or Google Pay, not both")
    return token, apple_external


def order_request(data: Any, *, lang: str = "ka", theme: str = "light") -> OrderRequest:
    """Check a create-order body the way BOG does (reference §2.1)."""
    body = read_object(data, "Request body", required=True)
    callback = callback_url(body.get("callback_url"))
    units = read_object(body.get("purchase_units"), "purchase_units", required=True)
    currency = read_text(units.get("currency"), "purchase_units.currency") or "GEL"
    if currency not in CURRENCIES:
        raise RequestError(
            f"purchase_units.currency must be one of {', '.join(sorted(CURRENCIES))}"
        )
    if units.get("total_amount") is None:
        raise RequestError("purchase_units.total_amount is required")
    total = amount(units["total_amount"], "purchase_units.total_amount")
    basket = units.get("basket")
    if not isinstance(basket, list) or not basket:
        raise RequestError("purchase_units.basket must contain at least one item")
    items = tuple(_item(entry, index) for index, entry in enumerate(basket))
    delivery = read_object(units.get("delivery"), "purchase_units.delivery")
    capture = read_choice(body.get("capture"), "capture", ("automatic", "manual")) or "automatic"
    methods = _methods(body.get("payment_method"))
    if capture == "manual" and methods and not any(m in CARD_METHODS for m in methods):
        raise RequestError("capture manual is available only for card, apple_pay and google_pay")
    config = read_object(body.get("config"), "config")
    redirects = read_object(body.get("redirect_urls"), "redirect_urls")
    google_token, apple_external = _wallets(config, methods)
    return OrderRequest(
        callback_url=callback,
        total_amount=total,
        items=items,
        currency=currency,
        external_order_id=read_text(body.get("external_order_id"), "external_order_id"),
        capture=capture,
        application_type=read_choice(
            body.get("application_type"), "application_type", ("web", "mobile")
        ),
        buyer=_buyer(body.get("buyer")),
        total_discount_amount=read_optional_number(
            units.get("total_discount_amount"), "purchase_units.total_discount_amount"
        ),
        delivery_amount=read_optional_number(
            delivery.get("amount"), "purchase_units.delivery.amount"
        ),
        success_url=read_url(redirects.get("success"), "redirect_urls.success"),
        fail_url=read_url(redirects.get("fail"), "redirect_urls.fail"),
        ttl_minutes=_ttl(body.get("ttl")),
        payment_methods=methods,
        loan=_loan(config, methods),
        campaign=_campaign(config.get("campaign")),
        account_tag=read_text(
            read_object(config.get("account"), "config.account").get("tag"), "config.account.tag"
        ),
        split=split_parts(config.get("split"), currency, total),
        google_pay_token=google_token,
        apple_pay_external=apple_external,
        lang=lang,
        theme=theme,
    )


def language(header: str | None) -> str:
    """Page language from ``Accept-Language``: ``en`` when it asks for English, else ``ka``."""
    first = re.split(r"[,;\s-]", (header or "").strip().lower(), maxsplit=1)[0]
    return "en" if first == "en" else "ka"


def theme(header: str | None) -> str:
    return "dark" if (header or "").strip().lower() == "dark" else "light"
