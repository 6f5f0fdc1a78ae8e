"""Whether a payment update replaces what a platform holds: :func:`is_newer`.

Updates arrive out of order and more than once: a callback overtakes a poll,
a gateway retries an old callback, a customer's browser reloads the return
page. Applying a stale one moves money state backwards (a refunded order shown
as paid again). One function decides, for every consumer: the example shop,
the journal, the framework adapters and the conformance kit.
"""

from __future__ import annotations

from datetime import UTC, datetime

from payments_core.models import Operation, OperationKind, OperationStatus, Payment
from payments_core.money import Money
from payments_core.status import (
    MOVES_NEEDING_EVIDENCE,
    STATUS_FACTS,
    PaymentStatus,
    can_transition,
)

__all__ = ["is_newer"]


def _compare(current: Money | None, update: Money | None, currency: str) -> int:
    """-1 when the update shrank the amount, 1 when it grew, 0 otherwise.

    An amount the update does not report (``None``) tells nothing either way;
    an amount in another currency than the payment's is never newer (-1).
    """
    if update is None:
        return 0
    if update.currency != currency:
        return -1
    if current is None:
        return 1 if update.amount > 0 else 0
    if update.amount < current.amount:
        return -1
    return 1 if update.amount > current.amount else 0


def _failed_refunds(operations: tuple[Operation, ...]) -> int:
    return sum(
        1
        for op in operations
        if op.kind is OperationKind.REFUND and op.status is OperationStatus.FAILED
    )


def is_newer(current: Payment, update: Payment) -> bool:
    """True when ``update`` should replace ``current`` (same payment, newer state).

    The rules, in order:

    1. Another payment (id or provider differ) is never newer.
    2. Money never goes back: captured and refunded amounts never shrink.
    3. A declined, expired or canceled payment stays so; a refunded one too.
    4. An event time older than the one held is stale, whatever it says.
    5. Grown amounts are newer, unless the status claims nothing was paid yet or
       goes back against the table without more money refunded (an amount the
       held state did not report is not a reason to step back).
    6. With equal amounts, a forward move of :data:`~payments_core.status.TRANSITIONS`
       is newer; the same status is newer only with a later event time or a
       longer operation history.
    7. The moves that go against the table with equal amounts
       (:data:`~payments_core.status.MOVES_NEEDING_EVIDENCE`) need evidence:
       a later event time, a longer operation history, or — for a refund the
       bank refused, leaving ``refund_pending`` — one more failed refund in the
       history. A replayed old ``refund_pending`` carries none of these, so it
       cannot undo the refused refund's return, nor a refund that completed.
    """
    if update.id != current.id or update.provider != current.provider:
        return False
    currency = current.amount.currency
    if update.amount.currency != currency:
        return False
    changes = [
        _compare(current.captured_amount, update.captured_amount, currency),
        _compare(current.refunded_amount, update.refunded_amount, currency),
    ]
    if -1 in changes:
        return False
    old, new = current.status, update.status
    if STATUS_FACTS[old].final:
        return new == old and _later(current, update)
    if (
        current.updated_at is not None
        and update.updated_at is not None
        and _instant(update.updated_at) < _instant(current.updated_at)
    ):
        return False
    if 1 in changes and STATUS_FACTS[new].money_taken:
        # Grown money is news, unless the status goes back against the table on
        # an amount that was merely not reported before (nothing more refunded).
        refund_grew = changes[1] == 1
        if new == old or can_transition(old, new) or refund_grew:
            return True
    if new == old:
        return _later(current, update) or len(update.operations) > len(current.operations)
    if (old, new) in MOVES_NEEDING_EVIDENCE:
        refused_refund = old is PaymentStatus.REFUND_PENDING and _failed_refunds(
            update.operations
        ) > _failed_refunds(current.operations)
        return (
            _later(current, update)
            or len(update.operations) > len(current.operations)
            or refused_refund
        )
    return 1 not in changes and can_transition(old, new)


def _instant(moment: datetime) -> datetime:
    """Naive times are taken as UTC, so a provider's naive and aware times compare."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _later(current: Payment, update: Payment) -> bool:
    return (
        current.updated_at is not None
        and update.updated_at is not None
        and _instant(update.updated_at) > _instant(current.updated_at)
    )
