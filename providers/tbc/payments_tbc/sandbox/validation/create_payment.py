"""The create-payment body (``POST /v1/tpay/payments``, reference §4 B, §7, §10).

Choices of the emulator where the reference is silent ([INF]): ``returnurl`` and
``callbackUrl`` must be absolute ``http(s)`` URLs; ``userIpAddress`` an IP address;
``expirationMinutes`` a whole number from 1 to 1440; ``methods``, when given,
non-empty; ``subTotal``, ``tax`` and ``shipping`` must be amounts but need not add up.
A split payment (:mod:`.splits`) may take at most 99 % of ``total`` and list only
methods 4, 5, 7, 9 and 14.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from ..problems import invalid
from ..vocabulary import (
    DEFAULT_EXPIRATION_MINUTES,
    DEFAULT_LANGUAGE,
    GEL_ONLY_METHODS,
    INSTALLMENT_METHOD,
    LANGUAGES,
    MAX_EXPIRATION_MINUTES,
    METHODS,
    NO_SAVE_CARD_METHODS,
    SPLIT_METHODS,
)
from .fields import (
    Fields,
    read_amount,
    read_ascii,
    read_currency,
    read_flag,
    read_object,
    read_text,
    read_url,
    read_whole,
)
from .splits import SPLIT_SHARE, Split, check_tbc_iban, is_split_iban, split_amount

DESCRIPTION_MAX: Final = 30
EXTRA_MAX: Final = 25
EXTRA2_MAX: Final = 52
_MMYY: Final = re.compile(r"(0[1-9]|1[0-2])\d{2}")


@dataclass(frozen=True, slots=True)
class InstallmentProduct:
    name: str
    price: Decimal
    quantity: int


@dataclass(frozen=True, slots=True)
class CreateRequest:
    """A validated ``POST /v1/tpay/payments`` body."""

    currency: str
    total: Decimal
    return_url: str
    sub_total: Decimal | None = None
    tax: Decimal | None = None
    shipping: Decimal | None = None
    callback_url: str | None = None
    extra: str | None = None
    extra2: str | None = None
    user_ip_address: str | None = None
    expiration_minutes: int = DEFAULT_EXPIRATION_MINUTES
    methods: tuple[int, ...] | None = None
    installment_products: tuple[InstallmentProduct, ...] = ()
    pre_auth: bool = False
    language: str = DEFAULT_LANGUAGE
    merchant_payment_id: str | None = None
    skip_info_message: bool = False
    save_card: bool = False
    save_card_to_date: str | None = None
    description: str | None = None
    split: Split | None = None


def _methods(fields: Fields) -> tuple[int, ...] | None:
    value = fields.get("methods")
    if value is None:
        return None
    if not isinstance(value, list):
        raise invalid("'methods' must be an array of method codes")
    if not value:
        raise invalid("'methods' must not be empty; omit it to allow every method")
    codes: list[int] = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int):
            raise invalid("'methods' must contain whole numbers only")
        if item not in METHODS:
            allowed = ", ".join(str(code) for code in METHODS)
            raise invalid(f"'methods' contains unknown method {item}; use {allowed}")
        if item in codes:
            raise invalid(f"'methods' lists method {item} more than once")
        codes.append(item)
    return tuple(codes)


def _installment_products(fields: Fields) -> tuple[InstallmentProduct, ...]:
    value = fields.get("installmentProducts")
    if value is None:
        return ()
    if not isinstance(value, list):
        raise invalid("'installmentProducts' must be an array")
    products = []
    for index, item in enumerate(value):
        where = f"installmentProducts[{index}]."
        if not isinstance(item, dict):
            raise invalid(f"'installmentProducts[{index}]' must be an object")
        product = Fields(item, where)
        name = read_text(product, "name", required=True)
        price = read_amount(product, "price", required=True)
        quantity = read_whole(product, "quantity")
        if quantity is None:
            raise invalid(f"'{where}quantity' is required")
        if quantity < 1:
            raise invalid(f"'{where}quantity' must be at least 1")
        assert name is not None
        assert price is not None
        products.append(InstallmentProduct(name, price, quantity))
    return tuple(products)


def _language(fields: Fields) -> str:
    value = read_text(fields, "language")
    if value is None:
        return DEFAULT_LANGUAGE
    language = value.upper()
    if language not in LANGUAGES:
        raise invalid("'language' must be KA or EN")
    return language


def _expiration_minutes(fields: Fields) -> int:
    minutes = read_whole(fields, "expirationMinutes")
    if minutes is None:
        return DEFAULT_EXPIRATION_MINUTES
    if not 1 <= minutes <= MAX_EXPIRATION_MINUTES:
        raise invalid(f"'expirationMinutes' must be from 1 to {MAX_EXPIRATION_MINUTES}")
    return minutes


def _user_ip(fields: Fields) -> str | None:
    value = read_text(fields, "userIpAddress")
    if value is None:
        return None
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise invalid("'userIpAddress' must be an IPv4 or IPv6 address") from None
    return value


def _save_card_to_date(fields: Fields) -> str | None:
    value = read_text(fields, "saveCardToDate")
    if value is not None and not _MMYY.fullmatch(value):
        raise invalid("'saveCardToDate' must be MMYY, like 1230")
    return value


def create_request(fields: Fields) -> CreateRequest:
    """Validate a create-payment body (reference §4 B, §7, §10)."""
    amount = read_object(fields, "amount", required=True)
    assert amount is not None
    currency = read_currency(amount, "currency")
    save_card = read_flag(fields, "saveCard")
    total = read_amount(amount, "total", required=True, zero_allowed=True)
    assert total is not None
    if total == 0 and not save_card:
        raise invalid("'amount.total' must be greater than 0 (0 is allowed only with saveCard)")
    breakdown = {
        name: read_amount(amount, name, zero_allowed=True)
        for name in ("subTotal", "tax", "shipping")
    }
    return_url = read_url(fields, "returnurl", required=True)
    assert return_url is not None
    methods = _methods(fields)
    listed = set(methods or ())
    for code in sorted(listed & GEL_ONLY_METHODS):
        if currency != "GEL":
            raise invalid(f"Method {code} is available for GEL payments only")
    if save_card and listed & NO_SAVE_CARD_METHODS:
        blocked = ", ".join(str(code) for code in sorted(listed & NO_SAVE_CARD_METHODS))
        raise invalid(f"'saveCard' cannot be combined with method(s) {blocked}")
    products = _installment_products(fields)
    if INSTALLMENT_METHOD in listed:
        if not products:
            raise invalid("'installmentProducts' is required with method 8 (installment)")
        summed = sum((p.price * p.quantity for p in products), Decimal(0))
        if summed != total:
            raise invalid(
                f"'installmentProducts' add up to {summed}, which is not 'amount.total' ({total})"
            )
    description = read_text(fields, "description")
    if description is not None and len(description) > DESCRIPTION_MAX:
        raise invalid(f"'description' must be at most {DESCRIPTION_MAX} characters long")
    extra = read_ascii(fields, "extra", EXTRA_MAX)
    extra2 = read_ascii(fields, "extra2", EXTRA2_MAX)
    split = None
    if is_split_iban(extra):
        assert extra is not None
        check_tbc_iban(extra, "extra")
        share = split_amount(extra2, "extra2")
        if share > total * SPLIT_SHARE:
            raise invalid("'extra2' must not exceed 99% of 'amount.total' for a split payment")
        if methods is not None and not listed <= SPLIT_METHODS:
            allowed = ", ".join(str(code) for code in sorted(SPLIT_METHODS))
            raise invalid(f"A split payment accepts only methods {allowed}")
        split = Split(extra, share)
    return CreateRequest(
        currency=currency,
        total=total,
        return_url=return_url,
        sub_total=breakdown["subTotal"],
        tax=breakdown["tax"],
        shipping=breakdown["shipping"],
        callback_url=read_url(fields, "callbackUrl", required=False),
        extra=extra,
        extra2=extra2,
        user_ip_address=_user_ip(fields),
        expiration_minutes=_expiration_minutes(fields),
        methods=methods,
        installment_products=products,
        pre_auth=read_flag(fields, "preAuth"),
        language=_language(fields),
        merchant_payment_id=read_text(fields, "merchantPaymentId"),
        skip_info_message=read_flag(fields, "skipInfoMessage"),
        save_card=save_card,
        save_card_to_date=_save_card_to_date(fields),
        description=description,
        split=split,
    )
