"""BOG's ``order_status.key`` → the core's :class:`~payments_core.status.PaymentStatus`.

The table (:data:`STATUS_TABLE`) gives each documented key its usual meaning. A key
alone cannot say everything, so :func:`payment_status` refines it with what the
rest of the receipt shows (the amounts, the capture mode and the actions):

* ``created`` → ``pending``: BOG creates the order together with the link to its
  payment page, so the order is waiting for the customer from the start. It is the
  status ``create_payment`` returns too, so a later poll never looks like a step back.
* ``completed`` on a pre-authorized (manual) order whose captured amount is below the
  authorized one → ``partially_captured``: BOG may report ``completed`` after a
  partial approve instead of ``partial_completed``.
* ``completed`` / ``partial_completed`` / ``refunded*`` with refunded money →
  ``refunded`` when the refunds cover everything captured, else ``partially_refunded``.
* ``rejected`` → ``expired`` when ``reject_reason`` is ``expiration``; ``canceled``
  when a pre-authorization was cancelled (a completed ``cancel_authorize`` action);
  ``declined`` otherwise.
* ``refunded`` / ``refunded_partially`` on a manual order whose hold was cancelled and
  of which nothing was captured → ``canceled``: BOG does not document the status a
  cancel ends in, and some clients see these (reference §2.4).
* An unknown key → ``processing`` and a warning: the payment is not lost, not called
  paid, and the next poll or callback can still move it on.

Keys are compared case-insensitively.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Final

from payments_core.status import PaymentStatus

__all__ = ["STATUS_TABLE", "OrderFacts", "payment_status"]

logger = logging.getLogger("payments_bog")

S = PaymentStatus

STATUS_TABLE: Final[MappingProxyType[str, PaymentStatus]] = MappingProxyType(
    {
        "created": S.PENDING,
        "processing": S.PROCESSING,
        "auth_requested": S.PROCESSING,
        "blocked": S.AUTHORIZED,
        "completed": S.CAPTURED,
        "partial_completed": S.PARTIALLY_CAPTURED,
        "rejected": S.DECLINED,
        "refund_requested": S.REFUND_PENDING,
        "refunded": S.REFUNDED,
        "refunded_partially": S.PARTIALLY_REFUNDED,
    }
)
"""The usual meaning of each documented ``order_status.key`` (reference §4.1)."""

UNKNOWN_KEY_STATUS: Final = S.PROCESSING
"""What an order with a key BOG has not documented reads as."""

EXPIRATION: Final = "expiration"

_CAPTURED_KEYS: Final = frozenset({"completed", "partial_completed"})
_REFUND_KEYS: Final = frozenset({"refunded", "refunded_partially"})


@dataclass(frozen=True)
class OrderFacts:
    """What the status decision needs from a receipt, already read and normalized.

    Amounts are ``None`` when the receipt does not tell them.
    """

    key: str | None
    manual: bool = False
    reject_reason: str | None = None
    authorized: Decimal | None = None
    captured: Decimal | None = None
    refunded: Decimal | None = None
    hold_cancelled: bool = False
    """A ``cancel_authorize`` action completed on this order."""


def _positive(value: Decimal | None) -> bool:
    return value is not None and value > 0


def payment_status(facts: OrderFacts) -> PaymentStatus:
    """The normalized status of a BOG order (rules in the module docs)."""
    key = (facts.key or "").strip().lower()
    usual = STATUS_TABLE.get(key)
    if usual is None:
        logger.warning(
            "BOG sent an undocumented order status %r; reading it as %s",
            key,
            UNKNOWN_KEY_STATUS.value,
        )
        return UNKNOWN_KEY_STATUS
    if key == "rejected":
        if (facts.reject_reason or "").strip().lower() == EXPIRATION:
            return S.EXPIRED
        if facts.hold_cancelled:
            return S.CANCELED
        return S.DECLINED
    if (
        key in _REFUND_KEYS
        and facts.manual
        and facts.hold_cancelled
        and not _positive(facts.captured)
    ):
        return S.CANCELED
    if key in _CAPTURED_KEYS | _REFUND_KEYS:
        captured, refunded = facts.captured, facts.refunded
        if captured is not None and refunded is not None and captured > 0 and refunded > 0:
            return S.REFUNDED if refunded >= captured else S.PARTIALLY_REFUNDED
        if (
            key == "completed"
            and facts.manual
            and facts.authorized is not None
            and facts.captured is not None
            and facts.captured < facts.authorized
        ):
            return S.PARTIALLY_CAPTURED
    return usual
