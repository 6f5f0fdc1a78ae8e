"""Request bodies the emulated API accepts, and the rules TBC states for them.

Every rule of the reference (§4 B, D-F, §7, §10) is checked here; a broken rule
raises :class:`~.problems.ApiError` (HTTP 400, ``title`` "Bad Request"). Choices of
the emulator where the reference is silent ([INF]):

- Property names are matched ignoring case (``returnUrl`` = ``returnurl``, reference
  §3); the same name twice in one object, in two casings, is refused. Unknown
  properties are ignored and JSON ``null`` counts as absent.
- Types are strict: money and counts must be JSON numbers, flags JSON booleans and
  texts JSON strings (``"49.9"`` is refused as an amount).
- "Max 2 decimals" is about the value: ``49.900`` is fine, ``49.905`` is not.
- ``returnurl`` and ``callbackUrl`` must be absolute ``http(s)`` URLs; ``userIpAddress``
  an IP address; ``expirationMinutes`` a whole number from 1 to 1440; ``methods``, when
  given, non-empty; ``initiator`` absent or ``"merchant"``.
- ``subTotal``, ``tax`` and ``shipping`` must be amounts but need not add up.
- A split payment is recognised by its ``extra`` being shaped like a Georgian IBAN
  (``GE`` + 2 check digits + bank code + 16 digits); it must then be a valid TBC one
  (bank code ``TB``, mod-97 check), ``extra2`` must be the amount for it (at most 99 %
  of ``total``), and only methods 4, 5, 7, 9 and 14 may be listed.
  ``GE54TB0000000000000001`` is such an IBAN.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Final
from urllib.parse import urlsplit

from .problems import invalid
from .vocabulary import (
    CURRENCIES,
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
from .wire import BadJson, loads

CENT: Final = Decimal("0.01")
MAX_AMOUNT: Final = Decimal(10) ** 12
SPLIT_SHARE: Final = Decimal("0.99")
DESCRIPTION_MAX: Final = 30
EXTRA_MAX: Final = 25
EXTRA2_MAX: Final = 52
_GE_IBAN: Final = re.compile(r"GE\d{2}[A-Z]{2}\d{16}")
_MMYY: Final = re.compile(r"(0[1-9]|1[0-2])\d{2}")
_AMOUNT_TEXT: Final = re.compile(r"\d{1,12}(\.\d{1,2})?")


# -- reading JSON objects ---------------------------------------------------------


class Fields:
    """A JSON object read with case-insensitive property names."""

    def __init__(self, data: Mapping[str, Any], where: str = "") -> None:
        self.where = where
        self._values: dict[str, tuple[str, Any]] = {}
        for key, value in data.items():
            folded = key.casefold()
            if folded in self._values:
                first = self._values[folded][0]
                raise invalid(f"Property '{where}{key}' is given twice ('{where}{first}')")
            self._values[folded] = (key, value)

    def get(self, name: str) -> Any:
        """The value under ``name`` in any casing; ``None`` when absent or null."""
        found = self._values.get(name.casefold())
        return None if found is None else found[1]

    def path(self, name: str) -> str:
        return f"{self.where}{name}"


def parse_object(body: bytes, *, required: bool = True) -> Fields:
    """The request body as :class:`Fields`; an empty body is ``{}`` unless required."""
    if not body.strip():
        if required:
            raise invalid("A JSON request body is required")
        return Fields({})
    try:
        data = loads(body)
    except BadJson as exc:
        raise invalid(f"The request body is not valid JSON: {exc}") from None
    if data is None and not required:
        return Fields({})
    if not isinstance(data, dict):
        raise invalid("The request body must be a JSON object")
    return Fields(data)


def _object(fields: Fields, name: str, *, required: bool) -> Fields | None:
    value = fields.get(name)
    if value is None:
        if required:
            raise invalid(f"'{fields.path(name)}' is required")
        return None
    if not isinstance(value, dict):
        raise invalid(f"'{fields.path(name)}' must be an object")
    return Fields(value, f"{fields.path(name)}.")


def _text(fields: Fields, name: str, *, required: bool = False) -> str | None:
    value = fields.get(name)
    if value is None:
        if required:
            raise invalid(f"'{fields.path(name)}' is required")
        return None
    if not isinstance(value, str):
        raise invalid(f"'{fields.path(name)}' must be a string")
    if required and not value.strip():
        raise invalid(f"'{fields.path(name)}' must not be empty")
    return value


def _flag(fields: Fields, name: str) -> bool:
    value = fields.get(name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise invalid(f"'{fields.path(name)}' must be true or false")
    return value


def _whole(fields: Fields, name: str) -> int | None:
    value = fields.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise invalid(f"'{fields.path(name)}' must be a number")
    if value != int(value):
        raise invalid(f"'{fields.path(name)}' must be a whole number")
    return int(value)


def amount_value(value: Any, name: str, *, zero_allowed: bool = False) -> Decimal:
    """A money amount: a JSON number, positive (or zero), with at most 2 decimals."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise invalid(f"'{name}' must be a number")
    amount = Decimal(value)
    if not amount.is_finite():
        raise invalid(f"'{name}' must be a number")
    if amount < 0:
        raise invalid(f"'{name}' must not be negative")
    if amount == 0 and not zero_allowed:
        raise invalid(f"'{name}' must be greater than 0")
    if amount > MAX_AMOUNT:
        raise invalid(f"'{name}' is too large")
    try:
        exact = amount == amount.quantize(CENT)
    except InvalidOperation:
        exact = False
    if not exact:
        raise invalid(f"'{name}' must have at most 2 decimal places")
    return amount


def _amount(
    fields: Fields, name: str, *, required: bool = False, zero_allowed: bool = False
) -> Decimal | None:
    value = fields.get(name)
    if value is None:
        if required:
            raise invalid(f"'{fields.path(name)}' is required")
        return None
    return amount_value(value, fields.path(name), zero_allowed=zero_allowed)


def _ascii(fields: Fields, name: str, limit: int) -> str | None:
    value = _text(fields, name)
    if value is None:
        return None
    if not value.isascii():
        raise invalid(f"'{fields.path(name)}' must contain ASCII characters only")
    if len(value) > limit:
        raise invalid(f"'{fields.path(name)}' must be at most {limit} characters long")
    return value


def _url(fields: Fields, name: str, *, required: bool) -> str | None:
    value = _text(fields, name, required=required)
    if value is None:
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise invalid(f"'{fields.path(name)}' must be an absolute http(s) URL")
    return value.strip()


def _currency(fields: Fields, name: str) -> str:
    currency = _text(fields, name, required=True)
    assert currency is not None
    if currency not in CURRENCIES:
        raise invalid(f"'{fields.path(name)}' must be one of {', '.join(sorted(CURRENCIES))}")
    return currency


def _iban_ok(iban: str) -> bool:
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1


def _split_amount(text: str | None, name: str) -> Decimal:
    if text is None:
        raise invalid(f"'{name}' is required for a split payment: the amount for the IBAN")
    if not _AMOUNT_TEXT.fullmatch(text):
        raise invalid(f"'{name}' must be an amount with at most 2 decimal places, like 12.50")
    amount = Decimal(text)
    if amount <= 0:
        raise invalid(f"'{name}' must be greater than 0")
    return amount


def is_split_iban(extra: str | None) -> bool:
    """Whether ``extra`` is shaped like a Georgian IBAN (which makes the payment a split)."""
    return extra is not None and _GE_IBAN.fullmatch(extra) is not None


def _check_tbc_iban(iban: str, name: str) -> None:
    if not _iban_ok(iban):
        raise invalid(f"'{name}' is not a valid IBAN (check digits)")
    if iban[4:6] != "TB":
        raise invalid(f"'{name}' must be an account at TBC Bank for a split payment")


# -- create payment ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InstallmentProduct:
    name: str
    price: Decimal
    quantity: int


@dataclass(frozen=True, slots=True)
class Split:
    iban: str
    amount: Decimal


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
        name = _text(product, "name", required=True)
        price = _amount(product, "price", required=True)
        quantity = _whole(product, "quantity")
        if quantity is None:
            raise invalid(f"'{where}quantity' is required")
        if quantity < 1:
            raise invalid(f"'{where}quantity' must be at least 1")
        assert name is not None
        assert price is not None
        products.append(InstallmentProduct(name, price, quantity))
    return tuple(products)


def _language(fields: Fields) -> str:
    value = _text(fields, "language")
    if value is None:
        return DEFAULT_LANGUAGE
    language = value.upper()
    if language not in LANGUAGES:
        raise invalid("'language' must be KA or EN")
    return language


def _expiration_minutes(fields: Fields) -> int:
    minutes = _whole(fields, "expirationMinutes")
    if minutes is None:
        return DEFAULT_EXPIRATION_MINUTES
    if not 1 <= minutes <= MAX_EXPIRATION_MINUTES:
        raise invalid(f"'expirationMinutes' must be from 1 to {MAX_EXPIRATION_MINUTES}")
    return minutes


def _user_ip(fields: Fields) -> str | None:
    value = _text(fields, "userIpAddress")
    if value is None:
        return None
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise invalid("'userIpAddress' must be an IPv4 or IPv6 address") from None
    return value


def _save_card_to_date(fields: Fields) -> str | None:
    value = _text(fields, "saveCardToDate")
    if value is not None and not _MMYY.fullmatch(value):
        raise invalid("'saveCardToDate' must be MMYY, like 1230")
    return value


def create_request(fields: Fields) -> CreateRequest:
    """Validate a create-payment body (reference §4 B, §7, §10)."""
    amount = _object(fields, "amount", required=True)
    assert amount is not None
    currency = _currency(amount, "currency")
    save_card = _flag(fields, "saveCard")
    total = _amount(amount, "total", required=True, zero_allowed=True)
    assert total is not None
    if total == 0 and not save_card:
        raise invalid("'amount.total' must be greater than 0 (0 is allowed only with saveCard)")
    breakdown = {
        name: _amount(amount, name, zero_allowed=True) for name in ("subTotal", "tax", "shipping")
    }
    return_url = _url(fields, "returnurl", required=True)
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
    description = _text(fields, "description")
    if description is not None and len(description) > DESCRIPTION_MAX:
        raise invalid(f"'description' must be at most {DESCRIPTION_MAX} characters long")
    extra = _ascii(fields, "extra", EXTRA_MAX)
    extra2 = _ascii(fields, "extra2", EXTRA2_MAX)
    split = None
    if is_split_iban(extra):
        assert extra is not None
        _check_tbc_iban(extra, "extra")
        share = _split_amount(extra2, "extra2")
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
        callback_url=_url(fields, "callbackUrl", required=False),
        extra=extra,
        extra2=extra2,
        user_ip_address=_user_ip(fields),
        expiration_minutes=_expiration_minutes(fields),
        methods=methods,
        installment_products=products,
        pre_auth=_flag(fields, "preAuth"),
        language=_language(fields),
        merchant_payment_id=_text(fields, "merchantPaymentId"),
        skip_info_message=_flag(fields, "skipInfoMessage"),
        save_card=save_card,
        save_card_to_date=_save_card_to_date(fields),
        description=description,
        split=split,
    )


# -- cancel, completion, execution ------------------------------------------------


@dataclass(frozen=True, slots=True)
class CancelRequest:
    amount: Decimal | None
    extra: str | None = None
    extra2: str | None = None


def cancel_request(fields: Fields) -> CancelRequest:
    """Validate a cancel body (reference §4 D): an optional ``amount``, split fields."""
    return CancelRequest(
        amount=_amount(fields, "amount"),
        extra=_ascii(fields, "extra", EXTRA_MAX),
        extra2=_ascii(fields, "extra2", EXTRA2_MAX),
    )


def check_split_cancel(request: CancelRequest) -> None:
    """A cancel of a split payment names the IBAN and the amount taken back from it."""
    if request.extra is None or request.extra2 is None:
        raise invalid("'extra' (IBAN) and 'extra2' (amount) are required to cancel a split payment")
    if not is_split_iban(request.extra):
        raise invalid("'extra' must be the IBAN of the split payment")
    _check_tbc_iban(request.extra, "extra")
    _split_amount(request.extra2, "extra2")


def completion_amount(fields: Fields) -> Decimal:
    """Validate a completion body (reference §4 E): ``{"amount": <number>}``."""
    amount = _amount(fields, "amount", required=True)
    assert amount is not None
    return amount


@dataclass(frozen=True, slots=True)
class ExecutionRequest:
    """A validated ``POST /v1/tpay/payments/execution`` body."""

    rec_id: str
    amount: Decimal
    currency: str
    pre_auth: bool = False
    merchant_initiated: bool = False
    merchant_payment_id: str | None = None
    extra: str | None = None
    extra2: str | None = None


def execution_request(fields: Fields) -> ExecutionRequest:
    """Validate a saved-card charge (reference §4 F): ``money.amount``, not ``amount.total``."""
    rec_id = _text(fields, "recId", required=True)
    money = _object(fields, "money", required=True)
    assert rec_id is not None
    assert money is not None
    amount = _amount(money, "amount", required=True)
    assert amount is not None
    currency = _currency(money, "currency")
    initiator = _text(fields, "initiator")
    if initiator is not None and initiator.casefold() != "merchant":
        raise invalid("'initiator' must be \"merchant\" or left out (customer-initiated)")
    return ExecutionRequest(
        rec_id=rec_id,
        amount=amount,
        currency=currency,
        pre_auth=_flag(fields, "preAuth"),
        merchant_initiated=initiator is not None,
        merchant_payment_id=_text(fields, "merchantPaymentId"),
        extra=_ascii(fields, "extra", EXTRA_MAX),
        extra2=_ascii(fields, "extra2", EXTRA2_MAX),
    )
