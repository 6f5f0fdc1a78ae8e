"""Pre-authorization: releasing a hold, or completing it for at most the authorized amount.

Choices where TBC documents nothing ([INF]):

- A cancel on WaitingConfirm, without ``amount``, releases the hold (``Returned``,
  ``returnedAmount`` = amount, ``confirmedAmount`` 0); with any ``amount`` it is refused.
- Completion confirms ``amount`` (at most the authorized amount) and releases the
  rest, which is not counted as returned. Later refunds are limited by
  ``confirmedAmount``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from .. import views
from ..problems import Problem, refused
from ..records import Payment, Return, SavedCardState
from ..validation import CancelRequest
from ..vocabulary import COMPLETION_WINDOW, PaymentStatus
from .ledger import PaymentLedger


class PreAuthDesk(PaymentLedger):
    """Releasing and completing pre-authorizations."""

    def _release(self, payment: Payment, request: CancelRequest, now: datetime) -> None:
        if request.amount is not None:
            raise refused(
                "A pre-authorization cannot be cancelled in part; complete a smaller amount instead"
            )
        self._move(payment, PaymentStatus.CANCEL_PAYMENT_PROCESSING)
        payment.returned_amount = payment.amount
        payment.returns.append(Return(payment.amount, now, partial=False, released=True))
        self._move(payment, PaymentStatus.RETURNED)
        saved = self._cards.get(payment.rec_id or "")
        if saved is not None and saved.state is SavedCardState.AWAITING_COMPLETION:
            saved.state = SavedCardState.FAILED
        self._count("cancels")
        self._count("releases")

    def complete(self, pay_id: str, amount: Decimal, now: datetime) -> dict[str, Any]:
        with self._changing():
            payment = self.payment(pay_id)
            if payment.status is not PaymentStatus.WAITING_CONFIRM:
                raise refused(
                    "Only a pre-authorized payment waiting for confirmation can be completed "
                    f"(status {payment.status.value})"
                )
            if amount > payment.amount:
                raise refused("Amount exceeds the authorized amount", Problem.AMOUNT_EXCEEDED)
            authorized = payment.authorized_at or payment.created_at
            if now > authorized + COMPLETION_WINDOW:
                raise refused(
                    "The pre-authorization is older than 30 days and can no longer be completed",
                    Problem.COMPLETION_WINDOW,
                )
            self._move(payment, PaymentStatus.PAYMENT_COMPLETION_PROCESSING)
            payment.confirmed_amount = amount
            self._move(payment, PaymentStatus.SUCCEEDED)
            saved = self._cards.get(payment.rec_id or "")
            if saved is not None and saved.state is SavedCardState.AWAITING_COMPLETION:
                saved.state = SavedCardState.ACTIVE
            self._count("completions")
            return views.completed(payment)
