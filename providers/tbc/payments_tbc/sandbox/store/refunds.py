"""Refunds: TBC's cancel of a captured payment, in full or in part.

Choices where TBC documents nothing ([INF]): a cancel on Succeeded / PartialReturned
refunds what is left of ``confirmedAmount`` (no ``amount``) or ``amount``. Any cancel
that carries an ``amount`` counts as a partial cancel for the once-per-day rule
(reference §12), which uses the bank's calendar day in Tbilisi
(:func:`..vocabulary.bank_day`). A cancel on WaitingConfirm releases the hold
(:mod:`.preauth`); cancels in any other status are refused.
"""

from __future__ import annotations

from datetime import datetime

from ..problems import Problem, refused
from ..records import Return
from ..validation import CancelRequest, check_split_cancel
from ..vocabulary import REFUNDABLE, PaymentStatus, bank_day
from .preauth import PreAuthDesk


class RefundDesk(PreAuthDesk):
    """The cancel call: a refund, or the release of a pre-authorization."""

    def cancel(self, pay_id: str, request: CancelRequest, now: datetime) -> None:
        with self._changing():
            payment = self.payment(pay_id)
            if payment.split is not None:
                check_split_cancel(request)
            if payment.status is PaymentStatus.WAITING_CONFIRM:
                self._release(payment, request, now)
                return
            if payment.status not in REFUNDABLE:
                raise refused(f"A payment in status {payment.status.value} cannot be cancelled")
            left = payment.refundable
            if left <= 0:
                raise refused("Nothing is left to return on this payment")
            partial = request.amount is not None
            amount = left if request.amount is None else request.amount
            if amount > left:
                raise refused("Amount exceeds refundable amount", Problem.AMOUNT_EXCEEDED)
            if partial:
                day = bank_day(now)
                if day in payment.partial_cancel_days:
                    raise refused(
                        "A partial cancel was already made on this payment today; "
                        "another one is possible from tomorrow",
                        Problem.PARTIAL_CANCEL_LIMIT,
                    )
                payment.partial_cancel_days.add(day)
            self._move(payment, PaymentStatus.CANCEL_PAYMENT_PROCESSING)
            payment.returned_amount += amount
            payment.returns.append(Return(amount, now, partial))
            done = payment.returned_amount == payment.confirmed_amount
            self._move(payment, PaymentStatus.RETURNED if done else PaymentStatus.PARTIAL_RETURNED)
            self._count("cancels")
            self._count("refunds")
            if partial:
                self._count("partial_refunds")
