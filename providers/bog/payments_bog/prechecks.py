"""What the BOG provider refuses before it sends a request, and in which words.

Two kinds of rule, both raised before the request they guard is built:

* the input's shape, checked when an operation is called, so a bad call fails
  with nothing sent: ids that go into URL paths, amounts, notes, the kind of saved
  card, the strings BOG's own operations take;
* the payment's state, checked against the receipt that refund, capture and void
  read first: BOG would refuse a refund of an unpaid order, of more than is left,
  or while another refund is still pending, and a capture or void of an order that
  is not held. Refusing it here (``InvalidStateError``) says why in words, where
  BOG only acknowledges the request and fails it later.

Which order states allow what is not decided here: it is a column of
:data:`~payments_bog.statuses.STATUS_FACTS`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from payments_bog import PROVIDER
from payments_bog.receipt import money, order_facts
from payments_bog.statuses import STATUS_FACTS
from payments_bog.wire.answers import Receipt
from payments_core.errors import (
    ErrorCode,
    InvalidRequestError,
    InvalidStateError,
    ProviderResponseError,
)
from payments_core.models import Payment, check_text
from payments_core.money import Money
from payments_core.provider import check_same_currency
from payments_core.urls import is_path_id

__all__ = [
    "PARTIAL_REFUND_METHODS",
    "SAVED_CARD_PATHS",
    "answered_id",
    "capture_amount",
    "checked_amount",
    "checked_apple_pay_token",
    "checked_description",
    "checked_external_id",
    "checked_id",
    "held_amount",
    "refund_amount",
    "saved_card_path",
]

PARTIAL_REFUND_METHODS: Final = frozenset({"card", "apple_pay", "google_pay"})
"""BOG refunds other methods (``bog_p2p``) only in full (reference §2.3)."""

SAVED_CARD_PATHS: Final[dict[str, str]] = {"recurrent": "cards", "subscription": "subscriptions"}
"""The kind of saved card → the last segment of its ``PUT /orders/{id}/...`` path."""


# -- the input's shape ------------------------------------------------------------------------


def checked_id(value: object, field: str = "payment_id") -> str:
    """An order id the caller gave; it goes into a URL path, so nothing else passes."""
    if not is_path_id(value):
        raise InvalidRequestError(
            f"invalid {field} {value!r}: expected a BOG order id (letters, digits, '.', '_', "
            "':', '-')",
            field=field,
            provider=PROVIDER,
        )
    return value


def answered_id(value: str) -> str:
    """An order id BOG answered with, before a request puts it into a URL path."""
    if not is_path_id(value):
        raise ProviderResponseError("BOG answered with an unusable order id", provider=PROVIDER)
    return value


def checked_amount(amount: object) -> None:
    """A positive Money, or ``None`` for everything there is."""
    if amount is None:
        return
    if not isinstance(amount, Money) or not amount.is_positive():
        raise InvalidRequestError(
            "amount must be a positive Money, e.g. Money('5.00', 'GEL'), or None for all",
            code=ErrorCode.INVALID_AMOUNT,
            field="amount",
            provider=PROVIDER,
        )


def checked_description(description: object) -> str | None:
    """BOG's note on an approve or cancel: free text it stores, so the core's text rules."""
    if description is None:
        return None
    try:
        return check_text(description, field="description")  # type: ignore[arg-type]
    except InvalidRequestError as exc:
        raise InvalidRequestError(exc.message, field="description", provider=PROVIDER) from None


def saved_card_path(kind: object) -> str:
    """The path segment of a saved-card kind (``recurrent`` or ``subscription``)."""
    path = SAVED_CARD_PATHS.get(kind) if isinstance(kind, str) else None
    if path is None:
        raise InvalidRequestError(
            f"kind must be 'recurrent' or 'subscription', not {kind!r}",
            field="kind",
            provider=PROVIDER,
        )
    return path


def checked_external_id(external_id: str | None) -> None:
    """A subscription charge's own external id: left out, or not blank."""
    if external_id is not None and not external_id.strip():
        raise InvalidRequestError(
            "external_id must not be empty", field="external_id", provider=PROVIDER
        )


def checked_apple_pay_token(token: object) -> None:
    """The token Apple Pay's SDK produced: a non-blank string, sent unmodified."""
    if not isinstance(token, str) or not token.strip():
        raise InvalidRequestError(
            "apple_pay_token must be the Apple Pay SDK's token string",
            field="apple_pay_token",
            provider=PROVIDER,
        )


# -- the payment's state, from the receipt read first ------------------------------------------


def refund_amount(
    receipt: Receipt, payment: Payment, order_id: str, amount: Money | None
) -> Money | None:
    """What a refund sends: ``amount``, or (``None``) all that is refundable.

    Refundable is the smaller of ``transfer_amount`` and captured minus refunded.
    ``None`` only when the receipt tells neither.
    """
    key = receipt.status_key
    facts = STATUS_FACTS.get(key or "")
    if facts is not None and facts.refund_pending:
        raise _state_error(
            f"payment {order_id} has {_pending_refund(receipt, payment)} under way "
            f"(BOG: {key}); BOG takes no other refund until it is settled: wait for "
            "its callback or get_payment, then refund what is left",
            order_id,
        )
    if facts is None or not facts.refundable:
        raise _state_error(
            f"payment {order_id} is {payment.status.value} (BOG: {key}); "
            "only a paid payment can be refunded",
            order_id,
        )
    check_same_currency(amount, payment, provider=PROVIDER)
    candidates: list[Decimal] = []
    units = receipt.purchase_units
    if units is not None and units.transfer_amount is not None:
        candidates.append(units.transfer_amount)
    if payment.refundable_amount is not None:
        candidates.append(payment.refundable_amount.amount)
    available = money(min(candidates), payment.amount.currency) if candidates else None
    if available is not None and not available.is_positive():
        raise _state_error(
            f"payment {order_id} has nothing left to refund",
            order_id,
            ErrorCode.AMOUNT_EXCEEDS_AVAILABLE,
        )
    if amount is None:
        return available
    if available is not None and amount > available:
        raise _state_error(
            f"cannot refund {amount} of payment {order_id}: only {available} is refundable",
            order_id,
            ErrorCode.AMOUNT_EXCEEDS_AVAILABLE,
        )
    method = payment.method
    if (
        method is not None
        and method not in PARTIAL_REFUND_METHODS
        and (available is None or amount != available)
    ):
        raise _state_error(
            f"BOG refunds {method} payments only in full; leave the amount out",
            order_id,
        )
    return amount


def held_amount(receipt: Receipt, payment: Payment, order_id: str, what: str) -> Money:
    """The amount on hold, which a capture takes from and a void releases."""
    facts = STATUS_FACTS.get(receipt.status_key or "")
    if facts is None or not facts.held:
        raise _state_error(
            f"cannot {what} payment {order_id}: it is {payment.status.value} "
            f"(BOG: {receipt.status_key}), not authorized",
            order_id,
        )
    held = order_facts(receipt).authorized
    if held is None or held <= 0:
        raise ProviderResponseError(
            f"BOG's receipt for the held payment {order_id} shows no held amount",
            provider=PROVIDER,
            payment_id=order_id,
        )
    return money(held, payment.amount.currency)


def capture_amount(
    receipt: Receipt, payment: Payment, order_id: str, amount: Money | None
) -> Money:
    """What a capture sends: ``amount``, or (``None``) all that is held."""
    held = held_amount(receipt, payment, order_id, "capture")
    check_same_currency(amount, payment, provider=PROVIDER)
    if amount is None:
        return held
    if amount > held:
        raise _state_error(
            f"cannot capture {amount} of payment {order_id}: only {held} is held",
            order_id,
            ErrorCode.AMOUNT_EXCEEDS_AVAILABLE,
        )
    return amount


def _state_error(
    message: str, order_id: str, code: ErrorCode = ErrorCode.INVALID_STATE
) -> InvalidStateError:
    return InvalidStateError(message, code=code, provider=PROVIDER, payment_id=order_id)


def _pending_refund(receipt: Receipt, payment: Payment) -> str:
    """The refund BOG is still working on, as precisely as the receipt tells it."""
    for action in reversed(receipt.actions):
        kind = (action.action or "").strip().lower()
        status = (action.status or "").strip().lower()
        if kind in ("refund", "partial_refund") and status not in ("completed", "rejected"):
            what = f"refund {action.action_id}" if action.action_id else "a refund"
            if action.amount is not None:
                what += f" of {money(action.amount, payment.amount.currency)}"
            return what
    return "a refund"
