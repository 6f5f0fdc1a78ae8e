"""Saved cards: charging a card saved by an earlier payment (execution), and deleting it.

Choices where TBC documents nothing ([INF]): charging an unknown, unusable or deleted
``recId`` is refused with 400; deleting an unknown or deleted one answers 404. A charge
after the saved card's ``expiryDate`` month fails with ``decline_expired_card``;
otherwise the card's ``recurring_result_code`` decides. Executions carry no
``callbackUrl``, so only the dashboard URL applies to their callbacks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .. import views
from ..cards import expiry_key
from ..problems import Problem, not_found, refused
from ..records import Payment, SavedCardState
from ..validation import ExecutionRequest
from ..vocabulary import SAVED_CARD_METHOD, PaymentStatus, ResultCode, bank_day
from .ids import new_pay_id, saved_card_transaction_id
from .ledger import PaymentLedger


class SavedCardDesk(PaymentLedger):
    """Executions on saved cards, and deleting saved cards."""

    def execute(self, request: ExecutionRequest, now: datetime) -> dict[str, Any]:
        """Charge a saved card; synchronous, like TBC's execution."""
        with self._changing():
            saved = self._cards.get(request.rec_id)
            if saved is None or saved.state is SavedCardState.DELETED:
                raise refused("Saved card not found", Problem.SAVED_CARD_UNUSABLE)
            if not saved.usable or saved.card is None or saved.expiry_date is None:
                raise refused(
                    f"The saved card cannot be charged yet (registration {saved.state.value})",
                    Problem.SAVED_CARD_UNUSABLE,
                )
            card = saved.card
            payment = Payment(
                pay_id=self._unique(new_pay_id, self._records),
                currency=request.currency,
                amount=request.amount,
                pre_auth=request.pre_auth,
                created_at=now,
                request=request,
                methods=(SAVED_CARD_METHOD,),
                callback_url=self.dashboard_callback_url,
                rec_id=saved.rec_id,
                card=card,
                payment_method=SAVED_CARD_METHOD,
                transaction_id=saved_card_transaction_id(),
            )
            self._add(payment)
            self._move(payment, PaymentStatus.PROCESSING)
            today = bank_day(now)
            if (today.year % 100, today.month) > expiry_key(saved.expiry_date):
                code = ResultCode.DECLINE_EXPIRED_CARD
            else:
                code = card.recurring_result_code
            if code is ResultCode.APPROVED:
                self._approve(payment, now)
            else:
                payment.result_code = code.value
                self._move(payment, PaymentStatus.FAILED)
            self._count("executions")
            self._owe(payment)
            return views.executed(payment, saved)

    def delete_card(self, rec_id: str) -> None:
        with self._changing():
            saved = self._cards.get(rec_id)
            if saved is None or saved.state is SavedCardState.DELETED:
                raise not_found("InvalidRecurringCard", "RecurringCardNotFound")
            saved.state = SavedCardState.DELETED
            if saved.pay_id not in self._records:
                del self._cards[rec_id]  # its registering payment is forgotten already
            self._count("cards_deleted")
