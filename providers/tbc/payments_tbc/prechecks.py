"""What TBC would refuse, refused here before a request is sent.

TBC has no idempotency keys, so a request that moves money is sent once and a
lost answer cannot be repeated: whatever can be known to fail is stopped first.
Two kinds of rule:

* the caller's input, checked when an operation's flow is made, before its first
  request: ids that go into URL paths, amounts and their currencies, the
  arguments of a saved-card charge (the create-payment request has its own
  module, :mod:`payments_tbc.checkout`);
* the payment's state, checked after the flow read the payment and before it
  sends the refund, capture or void: a refund of an unpaid payment or of more
  than is left, a partial cancel of a hold, a capture or void of a payment that
  is not held. What each of TBC's statuses allows is a column of
  :data:`~payments_tbc.statuses.STATUS_FACTS`.

A refusal of input is :class:`~payments_core.errors.InvalidRequestError`; a
refusal of state is :class:`~payments_core.errors.InvalidStateError`.
"""

from __future__ import annotations

import re
from typing import Final, NoReturn

from payments_core.errors import (
    ErrorCode,
    InvalidRequestError,
    InvalidStateError,
    ProviderResponseError,
)
from payments_core.models import Payment, check_text
from payments_core.money import Money
from payments_core.provider import check_same_currency
from payments_tbc import PROVIDER
from payments_tbc.checkout import check_currency
from payments_tbc.statuses import facts_for

__all__ = [
    "ID_PATTERN",
    "answered_id",
    "capturable_amount",
    "check_charge",
    "checked_amount",
    "checked_id",
    "held_amount",
    "refundable_amount",
]

ID_PATTERN: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")
"""TBC's ids (``payId``, ``recId``) are letters and digits; they go into URL paths.
Stricter than the core's :data:`~payments_core.urls.PATH_ID`: TBC's ids have no
``.`` or ``:``."""


# -- the caller's input ----------------------------------------------------------------


def _refuse(message: str, field: str) -> NoReturn:
    raise InvalidRequestError(message, field=field, provider=PROVIDER)


def checked_id(value: object, field: str = "payment_id") -> str:
    """``value`` when it is a TBC id; anything else could reach another endpoint."""
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
        shown = repr(value[:40]) if isinstance(value, str) else type(value).__name__
        raise InvalidRequestError(
            f"invalid {field} {shown}: expected a TBC id (letters, digits, '_', '-')",
            field=field,
            provider=PROVIDER,
        )
    return value


def answered_id(value: str | None) -> str:
    """An id TBC answered, held to the same rule before a later request puts it in a path."""
    if value is None or not ID_PATTERN.fullmatch(value):
        raise ProviderResponseError("TBC answered without a usable payId", provider=PROVIDER)
    return value


def checked_amount(amount: object) -> None:
    """The amount of a refund or capture: a positive Money TBC takes, or ``None`` for all."""
    if amount is None:
        return
    if not isinstance(amount, Money) or not amount.is_positive():
        raise InvalidRequestError(
            "amount must be a positive Money, e.g. Money('5.00', 'GEL'), or None for all",
            code=ErrorCode.INVALID_AMOUNT,
            field="amount",
            provider=PROVIDER,
        )
    check_currency(amount)


def check_charge(
    rec_id: object,
    amount: object,
    initiator: object,
    pre_auth: object,
    merchant_payment_id: str | None,
) -> str:
    """The arguments of a saved-card charge, in the order they are reported; the
    checked ``rec_id`` comes back."""
    checked = checked_id(rec_id, "rec_id")
    if not isinstance(amount, Money) or not amount.is_positive():
        _refuse("amount must be a positive Money, e.g. Money('9.99', 'GEL')", "amount")
    check_currency(amount)
    if initiator not in ("merchant", "customer"):
        _refuse(f"initiator must be 'merchant' or 'customer', not {initiator!r}", "initiator")
    if not isinstance(pre_auth, bool):
        _refuse("pre_auth must be True or False", "pre_auth")
    if merchant_payment_id is not None:
        try:
            check_text(merchant_payment_id, field="merchant_payment_id")
        except InvalidRequestError as exc:
            _refuse(exc.message, "merchant_payment_id")
    return checked


# -- the payment's state, read back just before ------------------------------------------


def _shown(status: str | None) -> str:
    return repr(status[:40]) if status else "no status"


def _state_error(
    message: str, pay_id: str, code: ErrorCode = ErrorCode.INVALID_STATE
) -> InvalidStateError:
    return InvalidStateError(message, code=code, provider=PROVIDER, payment_id=pay_id)


def refundable_amount(
    payment: Payment, tbc_status: str | None, amount: Money | None
) -> Money | None:
    """What is left to refund of ``payment``, once ``amount`` (``None``: all) may be refunded.

    ``tbc_status`` is the status TBC reported with ``payment``. ``None`` when TBC's
    details do not say how much is left: TBC then has the last word.
    """
    pay_id = payment.id
    facts = facts_for(tbc_status)
    captured = payment.captured_amount
    if facts.held and (captured is None or captured.is_zero()):
        if amount is not None:
            raise _state_error(
                f"payment {pay_id} is a pre-authorization not yet captured: TBC does not "
                "cancel part of a hold; capture a smaller amount instead",
                pay_id,
            )
        raise _state_error(
            f"payment {pay_id} is a pre-authorization not yet captured: nothing to "
            "refund; void it to release the hold",
            pay_id,
        )
    if not facts.refundable:
        under_way = "; another operation is under way" if facts.under_way else ""
        raise _state_error(
            f"payment {pay_id} is {payment.status.value} (TBC: {_shown(tbc_status)}); "
            f"only a paid payment can be refunded{under_way}",
            pay_id,
        )
    check_same_currency(amount, payment, provider=PROVIDER)
    available = payment.refundable_amount
    if available is not None and not available.is_positive():
        raise _state_error(
            f"payment {pay_id} has nothing left to refund",
            pay_id,
            ErrorCode.AMOUNT_EXCEEDS_AVAILABLE,
        )
    if amount is not None and available is not None and amount > available:
        raise _state_error(
            f"cannot refund {amount} of payment {pay_id}: only {available} is refundable",
            pay_id,
            ErrorCode.AMOUNT_EXCEEDS_AVAILABLE,
        )
    return available


def held_amount(payment: Payment, tbc_status: str | None, what: str) -> Money:
    """The amount a hold keeps, when ``payment`` may be captured or voided (``what``)."""
    facts = facts_for(tbc_status)
    if not facts.capturable:
        under_way = " (another operation is under way)" if facts.under_way else ""
        raise _state_error(
            f"cannot {what} payment {payment.id}: it is {payment.status.value} "
            f"(TBC: {_shown(tbc_status)}), not an authorization waiting for "
            f"confirmation{under_way}",
            payment.id,
        )
    return payment.authorized_amount or payment.amount


def capturable_amount(payment: Payment, tbc_status: str | None, amount: Money | None) -> Money:
    """The amount held, once ``amount`` (``None``: all of it) may be captured of it."""
    held = held_amount(payment, tbc_status, "capture")
    check_same_currency(amount, payment, provider=PROVIDER)
    if amount is not None and amount > held:
        raise _state_error(
            f"cannot capture {amount} of payment {payment.id}: only {held} is authorized",
            payment.id,
            ErrorCode.AMOUNT_EXCEEDS_AVAILABLE,
        )
    return held
