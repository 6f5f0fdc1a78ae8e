"""Request bodies the emulated API accepts, and the checks BOG applies to them.

Every check failure raises :class:`RequestError`, which the app answers with
``400 {"message": ...}``. JSON is parsed with ``Decimal`` for every number, so money
never goes through ``float``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Final
from urllib.parse import urlsplit

from .vocabulary import CARD_METHODS, CURRENCIES, LOAN_METHODS, TransferMethod

LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1"})
TTL_RANGE: Final = (2, 1440)
DEFAULT_TTL: Final = 15
MAX_SPLIT_PARTS: Final = 10
_CENT: Final = Decimal("0.01")
_MAX_AMOUNT: Final = Decimal(10) ** 12


class RequestError(Exception):
    """A request BOG would refuse with HTTP 400; ``message`` goes into the reply."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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


@dataclass(frozen=True, slots=True)
class ActionRequest:
    """Body of a refund, approve or cancel call.

    ``split`` is an approve's split object as sent; it is checked by
    :func:`split_payments` once the amount it shares is known.
    """

    amount: Decimal | None = None
    description: str | None = None
    split: Any = None


def _reject_constant(name: str) -> Any:
    raise RequestError(f"Invalid number {name} in request body")


def parse_json(body: bytes, *, empty: Any = None) -> Any:
    """Decode a JSON body with exact decimals; an empty body gives ``empty``."""
    if not body.strip():
        if empty is None:
            raise RequestError("Request body is required")
        return empty
    try:
        return json.loads(body, parse_float=Decimal, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise RequestError("Request body is not valid JSON") from exc


def _object(value: Any, name: str, *, required: bool = False) -> dict[str, Any]:
    if value is None:
        if required:
            raise RequestError(f"{name} is required")
        return {}
    if not isinstance(value, dict):
        raise RequestError(f"{name} must be an object")
    return value


def _text(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise RequestError(f"{name} must be a string")
    return value


def _required_text(value: Any, name: str) -> str:
    text = _text(value, name)
    if text is None or not text.strip():
        raise RequestError(f"{name} is required")
    return text


def _number(value: Any, name: str, *, allow_text: bool = False) -> Decimal:
    if isinstance(value, bool):
        raise RequestError(f"{name} must be a number")
    if isinstance(value, int | Decimal):
        number = Decimal(value)
    elif allow_text and isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation as exc:
            raise RequestError(f"{name} must be a number") from exc
    else:
        raise RequestError(f"{name} must be a number")
    if not number.is_finite() or abs(number) >= _MAX_AMOUNT:
        raise RequestError(f"{name} is out of range")
    return number


def _optional_number(value: Any, name: str) -> Decimal | None:
    if value is None:
        return None
    number = _number(value, name)
    if number < 0:
        raise RequestError(f"{name} must not be negative")
    return number


def amount(value: Any, name: str, *, allow_text: bool = False) -> Decimal:
    """A money amount: a number greater than 0 with at most two decimal places."""
    number = _number(value, name, allow_text=allow_text)
    if number <= 0:
        raise RequestError(f"{name} must be greater than 0")
    if number != number.quantize(_CENT):
        raise RequestError(f"{name} must have at most two decimal places")
    return number


def _url(value: Any, name: str) -> str | None:
    text = _text(value, name)
    if text is None:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RequestError(f"{name} must be an absolute http(s) URL")
    return text


def callback_url(value: Any) -> str:
    """HTTPS is required; plain HTTP is accepted only for loopback receivers."""
    text = _required_text(value, "callback_url")
    parts = urlsplit(text)
    host = parts.hostname
    secure = parts.scheme == "https" and bool(host)
    local = parts.scheme == "http" and host in LOOPBACK_HOSTS
    if not (secure or local):
        raise RequestError("callback_url must be an HTTPS URL")
    return text


def _item(value: Any, index: int) -> Item:
    name = f"purchase_units.basket[{index}]"
    data = _object(value, name, required=True)
    product_id = _required_text(data.get("product_id"), f"{name}.product_id")
    if data.get("quantity") is None:
        raise RequestError(f"{name}.quantity is required")
    quantity = _number(data["quantity"], f"{name}.quantity")
    if quantity <= 0:
        raise RequestError(f"{name}.quantity must be greater than 0")
    if data.get("unit_price") is None:
        raise RequestError(f"{name}.unit_price is required")
    unit_price = _number(data["unit_price"], f"{name}.unit_price")
    if unit_price < 0:
        raise RequestError(f"{name}.unit_price must not be negative")

    def number(key: str) -> Decimal | None:
        return _optional_number(data.get(key), f"{name}.{key}")

    def text(key: str) -> str | None:
        return _text(data.get(key), f"{name}.{key}")

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
    data = _object(value, "buyer")
    return Buyer(
        full_name=_text(data.get("full_name"), "buyer.full_name"),
        email=_text(data.get("masked_email"), "buyer.masked_email"),
        phone_number=_text(data.get("masked_phone"), "buyer.masked_phone"),
    )


def _ttl(value: Any) -> int:
    if value is None:
        return DEFAULT_TTL
    number = _number(value, "ttl")
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
    data = _object(config["loan"], "config.loan")
    loan_type = _required_text(data.get("type"), "config.loan.type")
    if data.get("month") is None:
        raise RequestError("config.loan.month is required")
    month = _number(data["month"], "config.loan.month")
    if month <= 0 or month != month.to_integral_value():
        raise RequestError("config.loan.month must be a positive whole number")
    return Loan(loan_type, int(month))


def _campaign(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    data = _object(value, "config.campaign")
    allowed = {"card": ("visa", "mc", "solo"), "type": ("restrict", "client_discount")}
    campaign: dict[str, str] = {}
    for key, choices in allowed.items():
        text = _text(data.get(key), f"config.campaign.{key}")
        if text is None:
            continue
        if text not in choices:
            raise RequestError(f"config.campaign.{key} must be one of {', '.join(choices)}")
        campaign[key] = text
    return campaign


def _split(value: Any, currency: str, total: Decimal) -> tuple[SplitPart, ...] | None:
    if value is None:
        return None
    data = _object(value, "config.split")
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
        part = _object(entry, name, required=True)
        iban = _required_text(part.get("iban"), f"{name}.iban")
        has_amount, has_percent = part.get("amount") is not None, part.get("percent") is not None
        if has_amount == has_percent:
            raise RequestError(f"{name} must have exactly one of amount or percent")
        share = amount(part["amount"], f"{name}.amount") if has_amount else None
        percent = None
        if has_percent:
            percent = _number(part["percent"], f"{name}.percent")
            if not 0 < percent <= 100:
                raise RequestError(f"{name}.percent must be greater than 0 and at most 100")
        description = _text(part.get("description"), f"{name}.description")
        parts.append(SplitPart(iban, share, percent, description))
    if sum(p.amount or 0 for p in parts) > total:
        raise RequestError("config.split amounts exceed purchase_units.total_amount")
    if sum(p.percent or 0 for p in parts) > 100:
        raise RequestError("config.split percents add up to more than 100")
    return tuple(parts)


def _wallets(
    config: dict[str, Any], methods: tuple[TransferMethod, ...]
) -> tuple[str | None, bool]:
    google = _object(config.get("google_pay"), "config.google_pay")
    apple = _object(config.get("apple_pay"), "config.apple_pay")
    for name, data in (("google_pay", google), ("apple_pay", apple)):
        if not isinstance(data.get("external", False), bool):
            raise RequestError(f"config.{name}.external must be a boolean")
    token: str | None = None
    if google.get("external"):
        token = _required_text(google.get("google_pay_token"), "config.google_pay.google_pay_token")
        if TransferMethod.GOOGLE_PAY not in methods:
            raise RequestError('config.google_pay.external needs "google_pay" in payment_method')
    apple_external = bool(apple.get("external"))
    if apple_external and TransferMethod.APPLE_PAY not in methods:
        raise RequestError('config.apple_pay.external needs "apple_pay" in payment_method')
    if apple_external and token is not None:
        raise RequestError("An order can be external for Apple Pay or Google Pay, not both")
    return token, apple_external


def _choice(value: Any, name: str, choices: tuple[str, ...]) -> str | None:
    text = _text(value, name)
    if text is None:
        return None
    if text not in choices:
        raise RequestError(f"{name} must be one of {', '.join(choices)}")
    return text


def order_request(data: Any, *, lang: str = "ka", theme: str = "light") -> OrderRequest:
    """Check a create-order body the way BOG does (reference §2.1)."""
    body = _object(data, "Request body", required=True)
    callback = callback_url(body.get("callback_url"))
    units = _object(body.get("purchase_units"), "purchase_units", required=True)
    currency = _text(units.get("currency"), "purchase_units.currency") or "GEL"
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
    delivery = _object(units.get("delivery"), "purchase_units.delivery")
    capture = _choice(body.get("capture"), "capture", ("automatic", "manual")) or "automatic"
    methods = _methods(body.get("payment_method"))
    if capture == "manual" and methods and not any(m in CARD_METHODS for m in methods):
        raise RequestError("capture manual is available only for card, apple_pay and google_pay")
    config = _object(body.get("config"), "config")
    redirects = _object(body.get("redirect_urls"), "redirect_urls")
    google_token, apple_external = _wallets(config, methods)
    return OrderRequest(
        callback_url=callback,
        total_amount=total,
        items=items,
        currency=currency,
        external_order_id=_text(body.get("external_order_id"), "external_order_id"),
        capture=capture,
        application_type=_choice(
            body.get("application_type"), "application_type", ("web", "mobile")
        ),
        buyer=_buyer(body.get("buyer")),
        total_discount_amount=_optional_number(
            units.get("total_discount_amount"), "purchase_units.total_discount_amount"
        ),
        delivery_amount=_optional_number(delivery.get("amount"), "purchase_units.delivery.amount"),
        success_url=_url(redirects.get("success"), "redirect_urls.success"),
        fail_url=_url(redirects.get("fail"), "redirect_urls.fail"),
        ttl_minutes=_ttl(body.get("ttl")),
        payment_methods=methods,
        loan=_loan(config, methods),
        campaign=_campaign(config.get("campaign")),
        account_tag=_text(
            _object(config.get("account"), "config.account").get("tag"), "config.account.tag"
        ),
        split=_split(config.get("split"), currency, total),
        google_pay_token=google_token,
        apple_pay_external=apple_external,
        lang=lang,
        theme=theme,
    )


def action_request(data: Any) -> ActionRequest:
    """Body of refund / approve / cancel; the amount may come as a number or a string."""
    body = _object(data, "Request body")
    raw = body.get("amount")
    return ActionRequest(
        amount=None if raw is None else amount(raw, "amount", allow_text=True),
        description=_text(body.get("description"), "description"),
        split=body.get("split"),
    )


def split_payments(value: Any, currency: str, total: Decimal) -> tuple[SplitPart, ...] | None:
    """An approve's ``split``: the shape of ``config.split``, sharing the approved amount."""
    return _split(value, currency, total)


def subscribe_request(data: Any) -> tuple[str | None, str | None]:
    """``(callback_url, external_order_id)`` of a subscribe call; absent ones inherit."""
    body = _object(data, "Request body")
    url = None if body.get("callback_url") is None else callback_url(body["callback_url"])
    return url, _text(body.get("external_order_id"), "external_order_id")


def apple_pay_token(data: Any) -> str:
    body = _object(data, "Request body", required=True)
    return _required_text(body.get("apple_pay_token"), "apple_pay_token")


def language(header: str | None) -> str:
    """Page language from ``Accept-Language``: ``en`` when it asks for English, else ``ka``."""
    first = re.split(r"[,;\s-]", (header or "").strip().lower(), maxsplit=1)[0]
    return "en" if first == "en" else "ka"


def theme(header: str | None) -> str:
    return "dark" if (header or "").strip().lower() == "dark" else "light"
