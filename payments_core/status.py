"""Payment statuses, the table of moves between them, and what each one says.

Updates reach a platform out of order (a webhook overtakes a poll, a provider
retries an old callback). :func:`can_transition` lets it apply an update only
when it moves the payment forward, never backwards. The table is data: read it
top to bottom to see the whole life of a payment.

What a status says about the money (is it final, was money taken, is it held,
did some go back) is one row of :data:`STATUS_FACTS`; every check that asks
such a question of a status (:func:`is_final`, :func:`is_paid`, the plausibility
checks, :func:`payments_core.is_newer`) reads it there.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

__all__ = [
    "FINAL_STATUSES",
    "MOVES_NEEDING_EVIDENCE",
    "PAID_STATUSES",
    "STATUS_FACTS",
    "TRANSITIONS",
    "PaymentStatus",
    "StatusFacts",
    "can_transition",
    "is_final",
    "is_paid",
]


class PaymentStatus(StrEnum):
    """Where a payment stands, normalized across providers."""

    CREATED = "created"
    """Known to the provider; the customer has not started paying."""
    PENDING = "pending"
    """The customer is on the provider's page (or a redirect is waiting)."""
    PROCESSING = "processing"
    """The provider is processing the payment; no outcome yet."""
    AUTHORIZED = "authorized"
    """Funds are held on the customer's card, waiting for capture or void."""
    PARTIALLY_CAPTURED = "partially_captured"
    """Part of an authorization was captured; the rest was released or is still held."""
    CAPTURED = "captured"
    """Paid in full."""
    DECLINED = "declined"
    """The payment failed; see ``Payment.decline``."""
    EXPIRED = "expired"
    """The customer did not pay in time, or a hold lapsed."""
    CANCELED = "canceled"
    """The payment or hold was canceled (voided) before any money moved."""
    REFUND_PENDING = "refund_pending"
    """A refund was asked for and is not finished."""
    PARTIALLY_REFUNDED = "partially_refunded"
    """Some of the captured money went back to the customer."""
    REFUNDED = "refunded"
    """All captured money went back to the customer."""


_OUTCOMES: Final = (
    PaymentStatus.AUTHORIZED,
    PaymentStatus.CAPTURED,
    PaymentStatus.PARTIALLY_CAPTURED,
    PaymentStatus.DECLINED,
    PaymentStatus.EXPIRED,
    PaymentStatus.CANCELED,
)
_REFUNDS: Final = (
    PaymentStatus.REFUND_PENDING,
    PaymentStatus.PARTIALLY_REFUNDED,
    PaymentStatus.REFUNDED,
)

#: Every forward move. A status may also "move" to itself: the same status with
#: new amounts (a second partial refund) is an update, not a step back.
TRANSITIONS: Final[dict[PaymentStatus, frozenset[PaymentStatus]]] = {
    PaymentStatus.CREATED: frozenset(
        {PaymentStatus.PENDING, PaymentStatus.PROCESSING, *_OUTCOMES, *_REFUNDS}
    ),
    PaymentStatus.PENDING: frozenset({PaymentStatus.PROCESSING, *_OUTCOMES, *_REFUNDS}),
    PaymentStatus.PROCESSING: frozenset({*_OUTCOMES, *_REFUNDS}),
    PaymentStatus.AUTHORIZED: frozenset(
        {
            PaymentStatus.PARTIALLY_CAPTURED,
            PaymentStatus.CAPTURED,
            PaymentStatus.DECLINED,
            PaymentStatus.CANCELED,
            PaymentStatus.EXPIRED,
            *_REFUNDS,
        }
    ),
    PaymentStatus.PARTIALLY_CAPTURED: frozenset({PaymentStatus.CAPTURED, *_REFUNDS}),
    PaymentStatus.CAPTURED: frozenset(_REFUNDS),
    PaymentStatus.REFUND_PENDING: frozenset(
        {PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}
    ),
    PaymentStatus.PARTIALLY_REFUNDED: frozenset({PaymentStatus.REFUNDED}),
    PaymentStatus.REFUNDED: frozenset(),
    PaymentStatus.DECLINED: frozenset(),
    PaymentStatus.EXPIRED: frozenset(),
    PaymentStatus.CANCELED: frozenset(),
}
"""Forward moves. A refund status is reachable from any state where money was
or may be taken, because an update can arrive after several steps were missed
(a webhook for ``refunded`` reaching a platform that last saw ``pending``).

The table has no cycle: no status can be reached again from itself. Two real
moves go against it and need evidence beyond the status, which only
:func:`payments_core.is_newer` weighs: a refused refund returning
``refund_pending`` to where it was, and a further refund requested on a
``partially_refunded`` payment (see :data:`MOVES_NEEDING_EVIDENCE`)."""

MOVES_NEEDING_EVIDENCE: Final[frozenset[tuple[PaymentStatus, PaymentStatus]]] = frozenset(
    {
        (PaymentStatus.REFUND_PENDING, PaymentStatus.CAPTURED),
        (PaymentStatus.REFUND_PENDING, PaymentStatus.PARTIALLY_CAPTURED),
        (PaymentStatus.REFUND_PENDING, PaymentStatus.PARTIALLY_REFUNDED),
        (PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUND_PENDING),
    }
)
"""Moves that are real with the amounts unchanged but also what a stale update
looks like: the bank refused a refund (``refund_pending`` back to where it was),
or a further refund was asked for. All but ``refund_pending → partially_refunded``
go against :data:`TRANSITIONS`; that one is forward when the refunded amount
grows, and needs evidence when it does not. Told apart from a stale update only
by a later event time or a longer operation history."""


@dataclass(frozen=True, slots=True)
class StatusFacts:
    """What one status says about the payment and its money. A fact a row leaves out is false."""

    final: bool = False
    """Nothing can follow: the status has no move in :data:`TRANSITIONS`."""
    money_taken: bool = False
    """Money was captured at some point, whether or not some or all of it went back
    since: the payment is paid or refunded."""
    paid: bool = False
    """Captured money sits with the merchant now: taken, and not all of it returned."""
    refunded: bool = False
    """Some or all of the captured money went back to the customer (the refund is done)."""


STATUS_FACTS: Final[MappingProxyType[PaymentStatus, StatusFacts]] = MappingProxyType(
    {
        PaymentStatus.CREATED: StatusFacts(),
        PaymentStatus.PENDING: StatusFacts(),
        PaymentStatus.PROCESSING: StatusFacts(),
        PaymentStatus.AUTHORIZED: StatusFacts(),
        PaymentStatus.PARTIALLY_CAPTURED: StatusFacts(money_taken=True, paid=True),
        PaymentStatus.CAPTURED: StatusFacts(money_taken=True, paid=True),
        PaymentStatus.DECLINED: StatusFacts(final=True),
        PaymentStatus.EXPIRED: StatusFacts(final=True),
        PaymentStatus.CANCELED: StatusFacts(final=True),
        PaymentStatus.REFUND_PENDING: StatusFacts(money_taken=True, paid=True),
        PaymentStatus.PARTIALLY_REFUNDED: StatusFacts(money_taken=True, paid=True, refunded=True),
        PaymentStatus.REFUNDED: StatusFacts(final=True, money_taken=True, refunded=True),
    }
)
"""Every status, and what it says. ``authorized`` took no money (the funds are only
held); ``refund_pending`` has not refunded anything yet; ``refunded`` was paid, and
holds nothing now. A status that took no money (``money_taken`` false) cannot carry
grown amounts, and a final one takes no update but itself."""

FINAL_STATUSES: Final[frozenset[PaymentStatus]] = frozenset(
    status for status, facts in STATUS_FACTS.items() if facts.final
)
"""Statuses nothing follows: declined, expired, canceled, refunded."""

PAID_STATUSES: Final[frozenset[PaymentStatus]] = frozenset(
    status for status, facts in STATUS_FACTS.items() if facts.paid
)
"""Statuses in which the merchant holds some of the customer's money. ``authorized``
is not paid (funds are only held) and ``pending`` is certainly not."""


def is_final(status: PaymentStatus) -> bool:
    """True when no further change is possible."""
    return status in FINAL_STATUSES


def is_paid(status: PaymentStatus) -> bool:
    """True when captured money sits with the merchant (not just held, not all returned)."""
    return status in PAID_STATUSES


def can_transition(old: PaymentStatus, new: PaymentStatus) -> bool:
    """True when moving from ``old`` to ``new`` goes forward (or stays put).

    This judges statuses alone. To decide whether a whole update replaces what
    you hold, use :func:`payments_core.is_newer`, which also weighs amounts,
    event times and the operation history.
    """
    return old == new or new in TRANSITIONS[old]
