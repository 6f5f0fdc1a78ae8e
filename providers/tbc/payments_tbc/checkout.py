"""A core :class:`~payments_core.models.PaymentRequest` → TBC's create-payment body.

Everything is checked here, before the provider yields its first request, so bad
input never reaches TBC. The mapping (reference §4B):

===========================  ==================================================
PaymentRequest               TBC create-payment body
===========================  ==================================================
amount                       ``amount.total`` + ``amount.currency`` (GEL/USD/EUR)
items - discount_amount      ``amount.subTotal`` (with ``tax``, ``shipping``; only
                             when the parts add up to the total)
shipping_amount              ``amount.shipping``
success_url, else fail_url   ``returnurl`` (TBC has one return URL)
callback_url                 ``callbackUrl`` (HTTPS)
external_id                  ``merchantPaymentId``
payment_methods              ``methods`` (codes, unique)
capture                      ``preAuth`` (``manual`` → true)
locale                       ``language`` (``KA``/``EN``, else the setting)
expires_in (seconds)         ``expirationMinutes`` (rounded **up**; else the setting)
provider_options             ``description``, ``saveCard``, ``extra``... (:class:`TbcOptions`)
buyer, metadata              not sent: TBC has no field for them
===========================  ==================================================

Amounts are written as JSON numbers from the Decimal's own digits (``49.90``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, NoReturn

from pydantic import ValidationError

from payments_core.errors import ErrorCode, InvalidRequestError
from payments_core.models import CaptureMode, PaymentRequest
from payments_core.money import Money
from payments_core.urls import check_callback_url as core_check_callback_url
from payments_core.validation import findings
from payments_tbc import PROVIDER
from payments_tbc.codes import METHOD_CODES, NOT_WITH_SAVE_CARD
from payments_tbc.options import InstallmentProduct, TbcOptions, parse_options
from payments_tbc.settings import EXPIRATION_MINUTES_RANGE, Language, TbcSettings

__all__ = [
    "CURRENCIES",
    "INSTALLMENT_CURRENCY",
    "INSTALLMENT_METHOD",
    "PreparedPayment",
    "check_callback_url",
    "check_currency",
    "language_for",
    "prepare_payment",
]

logger = logging.getLogger("payments_tbc")

CURRENCIES: Final = frozenset({"GEL", "USD", "EUR"})
"""What TBC takes (each must also be enabled for the merchant)."""
INSTALLMENT_METHOD: Final = METHOD_CODES["installment"]
INSTALLMENT_CURRENCY: Final = "GEL"
LANGUAGES: Final[dict[str, Language]] = {"ka": "KA", "en": "EN"}


@dataclass(frozen=True)
class PreparedPayment:
    """A checked create-payment request, ready to send."""

    body: dict[str, Any]
    options: TbcOptions


def _refuse(message: str, field: str, code: ErrorCode = ErrorCode.INVALID_REQUEST) -> NoReturn:
    raise InvalidRequestError(message, code=code, field=field, provider=PROVIDER)


def check_currency(money: Money, field: str = "amount") -> None:
    """GEL, USD or EUR. These hold 2 decimals, so ``Money`` already keeps amounts at
    TBC's "0.00" format: anything finer was refused when the Money was built."""
    if money.currency not in CURRENCIES:
        _refuse(
            f"TBC takes {', '.join(sorted(CURRENCIES))}, not {money.currency}",
            field,
            ErrorCode.INVALID_CURRENCY,
        )


def check_callback_url(url: str, *, allow_insecure: bool, field: str = "callback_url") -> str:
    """The core's callback-URL rule, reported as TBC's: plain http on loopback only
    when ``allow_insecure`` (see ``ProviderSettings.allows_insecure_callback``)."""
    return core_check_callback_url(
        url, provider=PROVIDER, allow_insecure=allow_insecure, field=field, logger=logger
    )


def language_for(locale: str | None, default: Language) -> Language:
    """``KA`` or ``EN`` from a locale such as ``en``, ``en-US`` or ``ka_GE``; else ``default``."""
    if locale:
        primary = re.split(r"[-_]", locale.strip(), maxsplit=1)[0].lower()
        if primary in LANGUAGES:
            return LANGUAGES[primary]
    return default


def _return_url(request: PaymentRequest) -> str:
    """TBC has one return URL: the success URL, else the fail URL."""
    url = request.success_url or request.fail_url
    if url is None:
        _refuse(
            "TBC needs a return URL for the buyer's browser: give success_url (or fail_url)",
            "success_url",
        )
    if request.success_url and request.fail_url and request.success_url != request.fail_url:
        logger.debug("TBC has a single return URL: success_url is sent, fail_url is not")
    return url


def _methods(request: PaymentRequest) -> list[int]:
    codes: list[int] = []
    for name in request.payment_methods:
        code = METHOD_CODES.get(name.strip().lower())
        if code is None:
            _refuse(
                f"TBC has no payment method {name[:40]!r}; known: {', '.join(METHOD_CODES)}",
                "payment_methods",
            )
        if code in codes:
            _refuse(
                f"payment method {name[:40]!r} is listed twice (TBC methods must be unique)",
                "payment_methods",
            )
        codes.append(code)
    return codes


def _expiration_minutes(request: PaymentRequest, settings: TbcSettings) -> int:
    if request.expires_in is None:
        return settings.expiration_minutes
    minutes = -(-request.expires_in // 60)  # whole minutes, rounded up, in integers
    low, high = EXPIRATION_MINUTES_RANGE
    if not low <= minutes <= high:
        _refuse(
            f"expires_in must be between {low * 60} and {high * 60} seconds for TBC "
            f"(its expirationMinutes is {low}-{high}); got {request.expires_in}",
            "expires_in",
        )
    return minutes


def _items_total(request: PaymentRequest) -> Money:
    total = Money.zero(request.amount.currency)
    for item in request.items:
        total += item.total
    if request.discount_amount is not None:
        total -= request.discount_amount
    return total


def _amount_block(request: PaymentRequest, options: TbcOptions) -> dict[str, Any]:
    """``amount``: the total, and the breakdown when it adds up.

    [INF] TBC documents no sum check on ``subTotal``/``tax``/``shipping``; a
    breakdown that does not add up to the total is left out rather than sent.
    """
    total = request.amount
    currency = total.currency
    block: dict[str, Any] = {"currency": currency, "total": total.amount}
    sub_total = _items_total(request)
    shipping = request.shipping_amount
    tax = None if options.tax is None else _money(options.tax, currency, "provider_options.tax")
    parts = sub_total
    for part in (tax, shipping):
        if part is not None:
            parts += part
    if sub_total.amount >= 0 and parts == total:
        block["subTotal"] = sub_total.amount
        if tax is not None:
            block["tax"] = tax.amount
        if shipping is not None:
            block["shipping"] = shipping.amount
    else:
        logger.debug(
            "TBC amount breakdown left out: items, tax and shipping add up to %s, not %s",
            parts,
            total,
        )
    return block


def _money(amount: Decimal, currency: str, field: str) -> Money:
    try:
        return Money(amount, currency)
    except InvalidRequestError as exc:
        _refuse(exc.message, field, exc.code)


def _installment_products(
    request: PaymentRequest, options: TbcOptions, methods: list[int]
) -> list[InstallmentProduct] | None:
    """Products for ``installmentProducts``: given, or made from the items for method 8.

    Their prices times quantities must add up to the total (reference §4B).
    """
    field = "provider_options.installment_products"
    products = options.installment_products
    wanted = INSTALLMENT_METHOD in methods
    if products is None and not wanted:
        return None
    if wanted and request.amount.currency != INSTALLMENT_CURRENCY:
        _refuse(
            f"TBC's installment method takes GEL only, not {request.amount.currency}",
            "payment_methods",
            ErrorCode.INVALID_CURRENCY,
        )
    made = products is None
    if products is None:
        products = _products_from_items(request)
    total = Money.zero(request.amount.currency)
    for product in products:
        total += _money(product.price, request.amount.currency, field) * product.quantity
    if total != request.amount:
        hint = (
            "the items (without shipping) add up to that; pass "
            "provider_options.installment_products that add up to the amount"
            if made
            else "prices times quantities must add up to the amount"
        )
        _refuse(
            f"installment products add up to {total}, but the amount is {request.amount}: {hint}",
            field,
            ErrorCode.INVALID_AMOUNT,
        )
    return products


def _products_from_items(request: PaymentRequest) -> list[InstallmentProduct]:
    """One product per paid line item: name, unit price after discount, quantity."""
    products = []
    for index, item in enumerate(request.items):
        unit = item.unit_price
        if item.unit_discount is not None:
            unit -= item.unit_discount
        if not unit.is_positive():
            continue  # a free line adds nothing to the sum
        try:
            products.append(
                InstallmentProduct(
                    name=item.description or item.product_id,
                    price=unit.amount,
                    quantity=item.quantity,
                )
            )
        except ValidationError as exc:
            first = findings(exc, what="product")[0]
            _refuse(
                f"item {index} cannot be an installment product: {first.field} {first.message}",
                f"items.{index}",
            )
    return products


def _check_save_card(options: TbcOptions, methods: list[int]) -> None:
    if options.save_card_to_date is not None and not options.save_card:
        _refuse("save_card_to_date needs save_card: true", "provider_options.save_card_to_date")
    if not options.save_card:
        return
    clash = sorted(set(methods) & NOT_WITH_SAVE_CARD)
    if clash:
        names = [name for name, code in METHOD_CODES.items() if code in clash]
        _refuse(
            f"TBC cannot save the card of a payment offering {', '.join(names)}: "
            "leave those methods out or do not save the card",
            "provider_options.save_card",
        )


def prepare_payment(request: PaymentRequest, settings: TbcSettings) -> PreparedPayment:
    """Check ``request`` against TBC's rules and build the body; raises before any I/O."""
    options = parse_options(request.provider_options)
    check_currency(request.amount)
    return_url = _return_url(request)
    callback_url = check_callback_url(
        request.callback_url, allow_insecure=settings.allows_insecure_callback(request)
    )
    methods = _methods(request)
    _check_save_card(options, methods)
    products = _installment_products(request, options, methods)
    body: dict[str, Any] = {
        "amount": _amount_block(request, options),
        "returnurl": return_url,
        "callbackUrl": callback_url,
        "merchantPaymentId": request.external_id,
    }
    if options.description is not None:
        body["description"] = options.description
    if methods:
        body["methods"] = methods
    body["expirationMinutes"] = _expiration_minutes(request, settings)
    body["preAuth"] = request.capture is CaptureMode.MANUAL
    body["language"] = language_for(request.locale, settings.language)
    if options.user_ip_address is not None:
        body["userIpAddress"] = options.user_ip_address
    if options.skip_info_message is not None:
        body["skipInfoMessage"] = options.skip_info_message
    if options.save_card:
        body["saveCard"] = True
        if options.save_card_to_date is not None:
            body["saveCardToDate"] = options.save_card_to_date
    if options.extra is not None:
        body["extra"] = options.extra
    if options.extra2 is not None:
        body["extra2"] = options.extra2
    if products is not None:
        body["installmentProducts"] = [
            {"name": p.name, "price": p.price, "quantity": p.quantity} for p in products
        ]
    return PreparedPayment(body=body, options=options)
