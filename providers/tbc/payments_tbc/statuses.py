"""TBC's payment statuses and what each one says, as one table.

TBC reports a payment's state as a ``status`` string (reference §5). Everything
this package knows about a status is a column of :data:`STATUS_FACTS`: the
normalized :class:`~payments_core.status.PaymentStatus` it usually means, whether
the money is held, taken or paid, which operations it allows, and how the amounts
may refine it. The code reading a payment, the checks made before a refund,
capture or void, and the reading of a capture's answer all look the facts up here,
so a status is described once and tested row by row.

* ``Created`` is ``pending``: TBC creates the payment together with the page the
  buyer is sent to, and it is what ``create_payment`` returns, so a poll never
  looks like a step back.
* ``PaymentCompletionProcessing`` stays ``authorized``: the funds are still held
  while the capture runs.
* ``CancelPaymentProcessing`` is a refund in progress; for a hold of which nothing
  was captured it is a release in progress and stays ``authorized``.

A status TBC has not documented reads as ``processing`` ([INF] reference §5: treat
any unknown string as non-final and poll again), with every fact false. TBC's
admin pages know a few more (AutoReversed, Deleted...); they are tolerated this
way too. Statuses are compared case-insensitively.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from payments_core.models import OperationStatus
from payments_core.status import PaymentStatus

__all__ = [
    "STATUS_FACTS",
    "STATUS_TABLE",
    "UNKNOWN_FACTS",
    "UNKNOWN_STATUS",
    "StatusFacts",
    "canonical_status",
    "facts_for",
    "payment_status",
]

logger = logging.getLogger("payments_tbc")


@dataclass(frozen=True, slots=True)
class StatusFacts:
    """What one of TBC's statuses says. A fact a row leaves out is false (or none)."""

    status: PaymentStatus
    """The normalized status it usually means; the amounts may refine it
    (:func:`payments_tbc.details.status_of`)."""
    held: bool = False
    """A pre-authorization whose funds are held and not captured yet."""
    money_taken: bool = False
    """TBC took the buyer's money (for a pre-authorization: or released the hold)."""
    paid: bool = False
    """The buyer paid: money returned since makes it refunded or partially refunded."""
    refundable: bool = False
    """A refund may be asked for (more may follow a partial refund)."""
    capturable: bool = False
    """An authorization waiting for confirmation: a capture or a void may be asked for."""
    under_way: bool = False
    """A capture or a cancel is running; other operations wait for it to end."""
    if_nothing_captured: PaymentStatus | None = None
    """The status instead, for a pre-authorization of which nothing was captured."""
    if_partly_captured: PaymentStatus | None = None
    """The status instead, for a pre-authorization captured in part (TBC released the rest)."""
    capture_outcome: OperationStatus = OperationStatus.PENDING
    """A capture whose completion answer carries this status."""


STATUS_FACTS: Final[MappingProxyType[str, StatusFacts]] = MappingProxyType(
    {
        "Created": StatusFacts(PaymentStatus.PENDING),
        "Processing": StatusFacts(PaymentStatus.PROCESSING),
        "Succeeded": StatusFacts(
            PaymentStatus.CAPTURED,
            money_taken=True,
            paid=True,
            refundable=True,
            if_partly_captured=PaymentStatus.PARTIALLY_CAPTURED,
            capture_outcome=OperationStatus.SUCCEEDED,
        ),
        "Failed": StatusFacts(PaymentStatus.DECLINED, capture_outcome=OperationStatus.FAILED),
        "Expired": StatusFacts(PaymentStatus.EXPIRED),
        "WaitingConfirm": StatusFacts(PaymentStatus.AUTHORIZED, held=True, capturable=True),
        "PaymentCompletionProcessing": StatusFacts(
            PaymentStatus.AUTHORIZED, held=True, under_way=True
        ),
        "CancelPaymentProcessing": StatusFacts(
            PaymentStatus.REFUND_PENDING,
            money_taken=True,
            under_way=True,
            if_nothing_captured=PaymentStatus.AUTHORIZED,
        ),
        "Returned": StatusFacts(
            PaymentStatus.REFUNDED,
            money_taken=True,
            paid=True,
            if_nothing_captured=PaymentStatus.CANCELED,
        ),
        "PartialReturned": StatusFacts(
            PaymentStatus.PARTIALLY_REFUNDED, money_taken=True, paid=True, refundable=True
        ),
    }
)
"""Each documented ``status`` (reference §5) in TBC's spelling → its facts."""

UNKNOWN_FACTS: Final = StatusFacts(PaymentStatus.PROCESSING)
"""The facts of a status TBC has not documented: not final, nothing allowed."""

UNKNOWN_STATUS: Final = UNKNOWN_FACTS.status
"""What a status TBC has not documented reads as."""

STATUS_TABLE: Final[MappingProxyType[str, PaymentStatus]] = MappingProxyType(
    {name: facts.status for name, facts in STATUS_FACTS.items()}
)
"""The ``status`` column alone: each documented status → its usual normalized status."""

_BY_LOWER: Final = {name.lower(): name for name in STATUS_FACTS}


def canonical_status(value: str) -> str | None:
    """TBC's documented spelling of ``value`` (compared case-insensitively), if any."""
    return _BY_LOWER.get(value.strip().lower())


def facts_for(value: str | None) -> StatusFacts:
    """The row of a status as TBC sent it; :data:`UNKNOWN_FACTS` when undocumented."""
    key = canonical_status(value) if value else None
    return UNKNOWN_FACTS if key is None else STATUS_FACTS[key]


def payment_status(value: str | None) -> PaymentStatus:
    """The usual meaning of a status; an unknown one is ``processing``, with a warning."""
    key = canonical_status(value) if value is not None else None
    if key is None:
        logger.warning(
            "TBC sent an undocumented payment status %r; reading it as %s",
            (value or "")[:60],
            UNKNOWN_STATUS.value,
        )
        return UNKNOWN_STATUS
    return STATUS_FACTS[key].status
