"""What BOG's ``order_status.key`` says about an order, and the normalized status it reads as.

Everything the provider knows about a key is one row of :data:`STATUS_FACTS`: its
usual :class:`~payments_core.status.PaymentStatus`, whether money is held or was
taken, whether BOG calls it captured or refunded, and whether a refund may be asked
for. The receipt's amounts, the refund checks and the status decision all read that
row, so a key's meaning lives in one place. :data:`STATUS_TABLE` is its status column.

A key alone cannot say everything, so :func:`payment_status` refines the usual
status with what the rest of the receipt shows (the amounts, the capture mode and
the actions):

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
  paid, and the next poll or callback can still move it on. It has no row, so it is
  neither held, paid nor refundable, and its amounts are unknown.

Keys are compared case-insensitively.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Final

from payments_core.status import PaymentStatus

__all__ = ["STATUS_FACTS", "STATUS_TABLE", "OrderFacts", "StatusFacts", "payment_status"]

logger = logging.getLogger("payments_bog")


@dataclass(frozen=True, slots=True)
class StatusFacts:
    """One row of :data:`STATUS_FACTS`: what an order in one BOG status is."""

    status: PaymentStatus
    """The usual normalized status; :func:`payment_status` refines it."""
    held: bool = False
    """Money is held (a pre-authorization): it may be captured or released."""
    paid: bool = False
    """Money was taken: the receipt's amounts read as captured and refunded."""
    captured: bool = False
    """BOG calls the order captured, in full or in part."""
    refunded: bool = False
    """BOG calls the order refunded, in full or in part."""
    refundable: bool = False
    """A refund may be asked for. Partial refunds may follow one another, but only
    once the last one is settled."""
    refund_pending: bool = False
    """A refund is under way: BOG takes no other until it settles."""


STATUS_FACTS: Final[MappingProxyType[str, StatusFacts]] = MappingProxyType(
    {
        "created": StatusFacts(PaymentStatus.PENDING),
        "processing": StatusFacts(PaymentStatus.PROCESSING),
        "auth_requested": StatusFacts(PaymentStatus.PROCESSING),
        "blocked": StatusFacts(PaymentStatus.AUTHORIZED, held=True),
        "completed": StatusFacts(PaymentStatus.CAPTURED, paid=True, captured=True, refundable=True),
        "partial_completed": StatusFacts(
            PaymentStatus.PARTIALLY_CAPTURED, paid=True, captured=True, refundable=True
        ),
        "rejected": StatusFacts(PaymentStatus.DECLINED),
        "refund_requested": StatusFacts(
            PaymentStatus.REFUND_PENDING, paid=True, refund_pending=True
        ),
        "refunded": StatusFacts(PaymentStatus.REFUNDED, paid=True, refunded=True),
        "refunded_partially": StatusFacts(
            PaymentStatus.PARTIALLY_REFUNDED, paid=True, refunded=True, refundable=True
        ),
    }
)
"""Every documented ``order_status.key`` (reference §4.1) and what it means."""

STATUS_TABLE: Final[MappingProxyType[str, PaymentStatus]] = MappingProxyType(
    {key: facts.status for key, facts in STATUS_FACTS.items()}
)
"""The usual meaning of each documented ``order_status.key``: the status column."""

UNKNOWN_KEY_STATUS: Final = PaymentStatus.PROCESSING
"""What an order with a key BOG has not documented reads as."""

EXPIRATION: Final = "expiration"


@dataclass(frozen=True, init=False)
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

    def __init__(
        self,
        key: str | None,
        manual: bool = False,
        reject_reason: str | None = None,
        authorized: Decimal | None = None,
        captured: Decimal | None = None,
        refunded: Decimal | None = None,
        hold_cancelled: bool = False,
    ) -> None:
        # The dataclass's own __init__, in one step: a frozen dataclass sets each field
        # with object.__setattr__, and every receipt read makes one of these.
        self.__dict__.update(
            key=key,
            manual=manual,
            reject_reason=reject_reason,
            authorized=authorized,
            captured=captured,
            refunded=refunded,
            hold_cancelled=hold_cancelled,
        )


def _positive(value: Decimal | None) -> bool:
    return value is not None and value > 0


def payment_status(facts: OrderFacts) -> PaymentStatus:
    """The normalized status of a BOG order (rules in the module docs)."""
    key = (facts.key or "").strip().lower()
    row = STATUS_FACTS.get(key)
    if row is None:
        logger.warning(
            "BOG sent an undocumented order status %r; reading it as %s",
            key,
            UNKNOWN_KEY_STATUS.value,
        )
        return UNKNOWN_KEY_STATUS
    usual = row.status
    if usual is PaymentStatus.DECLINED:
        if (facts.reject_reason or "").strip().lower() == EXPIRATION:
            return PaymentStatus.EXPIRED
        if facts.hold_cancelled:
            return PaymentStatus.CANCELED
        return PaymentStatus.DECLINED
    if row.refunded and facts.manual and facts.hold_cancelled and not _positive(facts.captured):
        return PaymentStatus.CANCELED
    if row.captured or row.refunded:
        captured, refunded = facts.captured, facts.refunded
        if captured is not None and refunded is not None and captured > 0 and refunded > 0:
            return (
                PaymentStatus.REFUNDED if refunded >= captured else PaymentStatus.PARTIALLY_REFUNDED
            )
        if (
            usual is PaymentStatus.CAPTURED
            and facts.manual
            and facts.authorized is not None
            and facts.captured is not None
            and facts.captured < facts.authorized
        ):
            return PaymentStatus.PARTIALLY_CAPTURED
    return usual
