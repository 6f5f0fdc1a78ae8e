"""A core :class:`~payments_core.models.PaymentRequest` → BOG's create-order request.

Everything is checked here, before the provider yields its first request, so bad
input never reaches BOG. The mapping:

==========================  ===============================================
PaymentRequest              BOG create-order body / header
==========================  ===============================================
external_id                 ``external_order_id``
amount                      ``purchase_units.total_amount`` + ``currency``
items                       ``purchase_units.basket[]`` (extras: ``provider_options.basket``)
shipping_amount             ``purchase_units.delivery.amount``
discount_amount             ``purchase_units.total_discount_amount``
buyer                       ``buyer.full_name`` / ``masked_email`` / ``masked_phone``
callback_url                ``callback_url`` (HTTPS)
success_url / fail_url      ``redirect_urls.success`` / ``.fail``
capture                     ``capture``
expires_in (seconds)        ``ttl`` (minutes, rounded **up**, 2 to 1440)
payment_methods             ``payment_method``
locale                      ``Accept-Language`` (``ka``/``en``, else the setting)
idempotency_key             ``Idempotency-Key``
provider_options            ``config.*``, ``application_type``, ``Theme`` …
metadata                    not sent: BOG has no field for it
==========================  ===============================================

Amounts are written as JSON numbers from the Decimal's own digits (``27.50``).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, NoReturn

from payments_bog import PROVIDER
from payments_bog.options import (
    PAYMENT_METHODS,
    TTL_RANGE,
    BasketExtras,
    BogOptions,
    SplitPart,
    parse_options,
)
from payments_bog.settings import BogSettings
from payments_bog.wire.bodies import (
    CreateOrderBody,
    OutAccount,
    OutApplePay,
    OutBasketItem,
    OutBuyer,
    OutCampaign,
    OutConfig,
    OutDelivery,
    OutGooglePay,
    OutLoan,
    OutPurchaseUnits,
    OutRedirectUrls,
    OutSplit,
    OutSplitPart,
)
from payments_core.errors import ErrorCode, InvalidRequestError
from payments_core.models import CaptureMode, LineItem, PaymentRequest, checked_request
from payments_core.money import Money
from payments_core.urls import check_callback_url as core_check_callback_url

__all__ = [
    "CURRENCIES",
    "PreparedOrder",
    "check_callback_url",
    "check_split",
    "out_split",
    "prepare_order",
]

logger = logging.getLogger("payments_bog")

CURRENCIES: Final = frozenset({"GEL", "USD", "EUR", "GBP"})
"""What BOG takes (others than GEL must be enabled for the merchant by BOG)."""
SPLIT_CURRENCY: Final = "GEL"
LOAN_METHOD_SETS: Final = (["bog_loan"], ["bnpl"])
PREAUTH_METHODS: Final = frozenset({"card", "google_pay", "apple_pay"})
"""Methods a pre-authorization (``capture: manual``) works with."""
LANGUAGES: Final = frozenset({"ka", "en"})


@dataclass(frozen=True)
class PreparedOrder:
    """A checked create-order request, ready to send."""

    body: CreateOrderBody
    headers: dict[str, str]
    options: BogOptions


def _refuse(message: str, field: str, code: ErrorCode = ErrorCode.INVALID_REQUEST) -> NoReturn:
    raise InvalidRequestError(message, code=code, field=field, provider=PROVIDER)


def check_callback_url(
    url: str,
    settings: BogSettings,
    field: str = "callback_url",
    *,
    request: PaymentRequest | None = None,
) -> str:
    """The core's callback-URL rule: plain http on loopback when the provider setting
    (or ``request``'s own ``allow_insecure_callback``) allows it."""
    return core_check_callback_url(
        url,
        provider=PROVIDER,
        allow_insecure=settings.allows_insecure_callback(request),
        field=field,
        logger=logger,
    )


def _ttl(request: PaymentRequest, options: BogOptions) -> int | None:
    """Minutes: the option wins; else ``expires_in`` rounded up to whole minutes."""
    if options.ttl_minutes is not None:
        return options.ttl_minutes
    if request.expires_in is None:
        return None
    minutes = -(-request.expires_in // 60)  # whole minutes, rounded up, in integers
    low, high = TTL_RANGE
    if not low <= minutes <= high:
        _refuse(
            f"expires_in must be between {low * 60} and {high * 60} seconds for BOG "
            f"(its ttl is {low}-{high} minutes); got {request.expires_in}",
            "expires_in",
        )
    return minutes


def _methods(request: PaymentRequest, options: BogOptions) -> list[str]:
    given = list(request.payment_methods)
    if options.payment_methods is not None:
        if given and given != list(options.payment_methods):
            _refuse(
                "payment_methods is given both on the request and in provider_options, "
                "differently; give it in one place",
                "payment_methods",
            )
        given = list(options.payment_methods)
    methods: list[str] = []
    for method in given:
        name = method.strip().lower()
        if name not in PAYMENT_METHODS:
            _refuse(
                f"BOG has no payment method {method!r}; it knows {', '.join(PAYMENT_METHODS)}",
                "payment_methods",
            )
        if name not in methods:
            methods.append(name)
    return methods


def _check_combinations(
    request: PaymentRequest, options: BogOptions, methods: list[str], currency: str
) -> None:
    loan_only = methods in LOAN_METHOD_SETS
    if options.loan is not None and not loan_only:
        _refuse(
            'a loan needs payment_methods to be exactly ["bog_loan"] or ["bnpl"]',
            "provider_options.loan",
        )
    if loan_only and options.loan is None:
        _refuse(
            f"payment_methods {methods} needs provider_options.loan "
            "(type and month from BOG's calculator)",
            "provider_options.loan",
        )
    if request.capture is CaptureMode.MANUAL and not set(methods) <= PREAUTH_METHODS:
        _refuse(
            "capture 'manual' (pre-authorization) works only with card, google_pay "
            f"and apple_pay; payment_methods has {sorted(set(methods) - PREAUTH_METHODS)}",
            "capture",
        )
    if options.apple_pay_external and "apple_pay" not in methods:
        _refuse(
            "apple_pay_external needs 'apple_pay' in payment_methods",
            "provider_options.apple_pay_external",
        )
    if options.google_pay_external and "google_pay" not in methods:
        _refuse(
            "google_pay_external needs 'google_pay' in payment_methods",
            "provider_options.google_pay_external",
        )
    if options.split is not None:
        check_split(options.split, request.amount, "provider_options.split")


def check_split(parts: Sequence[SplitPart], total: Money, field: str) -> None:
    """What BOG asks of split receivers together: GEL, amounts within ``total``, <= 100 %."""
    if total.currency != SPLIT_CURRENCY:
        _refuse(
            f"split payments are GEL only; this payment is in {total.currency}",
            field,
            ErrorCode.INVALID_CURRENCY,
        )
    amounts = sum((p.amount for p in parts if p.amount is not None), Decimal(0))
    percents = sum((p.percent for p in parts if p.percent is not None), Decimal(0))
    if amounts > total.amount:
        _refuse(
            f"split amounts add up to {amounts}, more than the payment's {total}",
            field,
            ErrorCode.INVALID_AMOUNT,
        )
    if percents > 100:
        _refuse(f"split percentages add up to {percents}, more than 100", field)


def out_split(parts: Sequence[SplitPart]) -> OutSplit:
    """Split receivers as BOG's ``split`` object (create-order ``config`` and approve)."""
    return OutSplit(
        split_payments=[
            OutSplitPart(
                iban=part.iban,
                amount=part.amount,
                percent=part.percent,
                description=part.description,
            )
            for part in parts
        ]
    )


def _basket_extras(request: PaymentRequest, options: BogOptions) -> list[BasketExtras | None]:
    """``provider_options.basket`` lined up with the items; a count that differs is refused."""
    extras = options.basket
    if extras is None:
        return [None] * len(request.items)
    if len(extras) != len(request.items):
        _refuse(
            f"provider_options.basket has {len(extras)} entries for {len(request.items)} "
            "items; give one per item, in the same order (null for none)",
            "provider_options.basket",
        )
    return list(extras)


def _vat(extras: BasketExtras | None, currency: str, index: int) -> Decimal | None:
    if extras is None or extras.vat is None:
        return None
    try:
        return Money(extras.vat, currency).amount
    except InvalidRequestError:
        _refuse(
            f"provider_options.basket.{index}.vat is not a valid {currency} amount",
            f"provider_options.basket.{index}.vat",
            ErrorCode.INVALID_AMOUNT,
        )


def _item(item: LineItem, extras: BasketExtras | None, index: int) -> OutBasketItem:
    return OutBasketItem(
        product_id=item.product_id,
        description=item.description,
        quantity=item.quantity,
        unit_price=item.unit_price.amount,
        unit_discount_price=item.unit_discount.amount if item.unit_discount else None,
        vat=_vat(extras, item.unit_price.currency, index),
        vat_percent=item.vat_percent,
        total_price=item.total.amount,
        image=item.image_url,
        package_code=extras.package_code if extras else None,
        tin=extras.tin if extras else None,
        pinfl=extras.pinfl if extras else None,
        product_discount_id=extras.product_discount_id if extras else None,
    )


def _config(options: BogOptions) -> OutConfig | None:
    if not (
        options.loan
        or options.campaign
        or options.google_pay_external
        or options.apple_pay_external
        or options.account_tag
        or options.split
    ):
        return None  # every part below would be None: the config would dump empty
    config = OutConfig(
        loan=OutLoan(type=options.loan.type, month=options.loan.month) if options.loan else None,
        campaign=(
            OutCampaign(card=options.campaign.card, type=options.campaign.type)
            if options.campaign
            else None
        ),
        google_pay=(
            OutGooglePay(external=True, google_pay_token=options.google_pay_token)
            if options.google_pay_external
            else None
        ),
        apple_pay=OutApplePay(external=True) if options.apple_pay_external else None,
        account=OutAccount(tag=options.account_tag) if options.account_tag else None,
        split=out_split(options.split) if options.split else None,
    )
    return config if config.model_dump(exclude_none=True) else None


@functools.cache
def _no_options() -> BogOptions:
    """What ``parse_options({})`` gives, made once: frozen, with nothing in it to change."""
    return parse_options({})


def language_for(locale: str | None, settings: BogSettings) -> str:
    """``Accept-Language``: the locale's language when BOG's page has it, else the setting."""
    if locale:
        primary = locale.replace("_", "-").split("-", 1)[0].strip().lower()
        if primary in LANGUAGES:
            return primary
        logger.debug("BOG's page has no %r; using %s", primary, settings.language)
    return settings.language


def prepare_order(request: PaymentRequest, settings: BogSettings) -> PreparedOrder:
    """Check ``request`` against BOG's rules and build the create-order body and headers."""
    if not isinstance(request, PaymentRequest):
        _refuse(f"create_payment needs a PaymentRequest, not {type(request).__name__}", "request")
    # The core's checks once more, nested line items and buyer included: the request
    # may have been changed in place, or copied with model_copy(update=...), since it
    # was built, and this provider can be driven without the facade.
    request = checked_request(request)
    raw_options = request.provider_options
    options = parse_options(raw_options) if raw_options else _no_options()
    currency = request.amount.currency
    if currency not in CURRENCIES:
        _refuse(
            f"BOG does not take {currency}; it takes {', '.join(sorted(CURRENCIES))}",
            "amount",
            ErrorCode.INVALID_CURRENCY,
        )
    if not request.items:
        _refuse("the basket is empty: BOG needs at least one item", "items")
    callback_url = check_callback_url(request.callback_url, settings, request=request)
    methods = _methods(request, options)
    _check_combinations(request, options, methods, currency)
    buyer = request.buyer
    out_buyer = (
        OutBuyer(full_name=buyer.full_name, masked_email=buyer.email, masked_phone=buyer.phone)
        if buyer is not None and (buyer.full_name or buyer.email or buyer.phone)
        else None
    )
    redirects = (
        OutRedirectUrls(success=request.success_url, fail=request.fail_url)
        if request.success_url or request.fail_url
        else None
    )
    body = CreateOrderBody(
        callback_url=callback_url,
        external_order_id=request.external_id,
        capture=request.capture.value,
        application_type=options.application_type,
        buyer=out_buyer,
        purchase_units=OutPurchaseUnits(
            currency=currency,
            total_amount=request.amount.amount,
            total_discount_amount=(
                request.discount_amount.amount if request.discount_amount else None
            ),
            delivery=(
                OutDelivery(amount=request.shipping_amount.amount)
                if request.shipping_amount
                else None
            ),
            basket=[
                _item(item, extras, index)
                for index, (item, extras) in enumerate(
                    zip(request.items, _basket_extras(request, options), strict=True)
                )
            ],
        ),
        redirect_urls=redirects,
        ttl=_ttl(request, options),
        payment_method=methods or None,
        config=_config(options),
    )
    headers = {"Accept-Language": language_for(request.locale, settings)}
    theme = options.theme or settings.theme
    if theme:
        headers["Theme"] = theme
    return PreparedOrder(body=body, headers=headers, options=options)
