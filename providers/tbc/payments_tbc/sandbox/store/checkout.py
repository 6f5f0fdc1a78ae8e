"""The checkout: creating a payment, paying it on the hosted page, and its session expiring.

Choices where TBC documents nothing ([INF]):

- Payment methods: ``methods`` omitted allows 5, 4, 7, 9, 14, and 8 when installment
  products were sent, minus what ``saveCard``, the currency or a split rule out. Every
  method is paid with a test card on the page, whose outcome decides.
- A session whose checkout card never finishes 3-D Secure stays ``Processing`` until
  it expires; a payment in ``Processing`` cannot be paid again.
- ``recId`` is issued at create time when ``saveCard`` is asked for; the card is
  usable once that payment succeeds (for a pre-auth: once it is completed).
- Expiry finds due sessions through a heap ordered by expiry time, not by looking at
  every payment on every request.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..cards import CardOutcome, SandboxCard, expiry_key
from ..problems import ApiError
from ..records import Payment, SavedCard, SavedCardState
from ..validation import CreateRequest
from ..vocabulary import (
    CARD_METHOD,
    DEFAULT_METHODS,
    GEL_ONLY_METHODS,
    INSTALLMENT_METHOD,
    NO_SAVE_CARD_METHODS,
    SPLIT_METHODS,
    UNPAID,
    PaymentStatus,
)
from .ids import card_transaction_id, new_pay_id, new_rec_id
from .ledger import PaymentLedger


class CheckoutClosed(ApiError):
    """The checkout session can no longer be paid (``expired`` tells why)."""

    def __init__(self, payment: Payment) -> None:
        self.expired = payment.status is PaymentStatus.EXPIRED
        if self.expired:
            super().__init__(410, "Gone", "The payment session has expired", 1)
        else:
            detail = f"The payment is no longer open (status {payment.status.value})"
            super().__init__(409, "Conflict", detail, 1)


def allowed_methods(request: CreateRequest) -> tuple[int, ...]:
    """The methods the page offers for a payment (see the module notes)."""
    if request.methods is not None:
        return request.methods
    methods = []
    for code in DEFAULT_METHODS:
        if code in GEL_ONLY_METHODS and request.currency != "GEL":
            continue
        if code == INSTALLMENT_METHOD and not request.installment_products:
            continue
        if request.save_card and code in NO_SAVE_CARD_METHODS:
            continue
        if request.split is not None and code not in SPLIT_METHODS:
            continue
        methods.append(code)
    return tuple(methods)


class CheckoutDesk(PaymentLedger):
    """Creating payments, paying them as the customer, and expiring their sessions."""

    # -- creating ---------------------------------------------------------------

    def create(self, request: CreateRequest, now: datetime) -> Payment:
        with self._changing():
            payment = Payment(
                pay_id=self._unique(new_pay_id, self._records),
                currency=request.currency,
                amount=request.total,
                pre_auth=request.pre_auth,
                created_at=now,
                request=request,
                methods=allowed_methods(request),
                callback_url=request.callback_url or self.dashboard_callback_url,
                expires_at=now + timedelta(minutes=request.expiration_minutes),
            )
            if request.save_card:
                payment.rec_id = self._unique(new_rec_id, self._cards)
                self._cards[payment.rec_id] = SavedCard(
                    payment.rec_id, payment.pay_id, request.save_card_to_date
                )
            self._add(payment)
            self._count("payments_created")
            return payment

    # -- the hosted page --------------------------------------------------------

    def pay(self, pay_id: str, card: SandboxCard, method: int | None, now: datetime) -> None:
        """Pay as the customer on the hosted page, with a test card."""
        with self._changing():
            payment = self.payment(pay_id)
            if payment.execution:
                raise ApiError(400, "Bad Request", "A saved-card charge has no checkout page")
            self._expire_if_due(payment, now)
            if payment.status is not PaymentStatus.CREATED:
                raise CheckoutClosed(payment)
            chosen = self._method(payment, method)
            self._move(payment, PaymentStatus.PROCESSING)
            payment.card = card
            payment.payment_method = chosen
            if card.outcome is CardOutcome.ABANDONED:
                return
            payment.transaction_id = card_transaction_id()
            saved = self._cards.get(payment.rec_id or "")
            if card.approved:
                self._approve(payment, now)
                if saved is not None and saved.state is SavedCardState.PENDING:
                    saved.card = card
                    saved.expiry_date = self._saved_expiry(card, saved.requested_to_date)
                    saved.state = (
                        SavedCardState.AWAITING_COMPLETION
                        if payment.pre_auth
                        else SavedCardState.ACTIVE
                    )
            else:
                payment.result_code = card.result_code
                self._move(payment, PaymentStatus.FAILED)
                if saved is not None and saved.state is SavedCardState.PENDING:
                    saved.state = SavedCardState.FAILED
            self._count("payments_paid")
            self._owe(payment)

    @staticmethod
    def _method(payment: Payment, method: int | None) -> int:
        if method is None:
            return CARD_METHOD if CARD_METHOD in payment.methods else payment.methods[0]
        if method not in payment.methods:
            raise ApiError(400, "Bad Request", f"Method {method} is not available for this payment")
        return method

    @staticmethod
    def _saved_expiry(card: SandboxCard, requested: str | None) -> str:
        """``saveCardToDate`` if it is not beyond the card's expiry, else the card's."""
        if requested is not None and expiry_key(requested) <= expiry_key(card.expiry):
            return requested
        return card.expiry

    # -- expiry -------------------------------------------------------------------

    def _expire_if_due(self, payment: Payment, now: datetime) -> bool:
        due = payment.expires_at is not None and payment.expires_at <= now
        if payment.status in UNPAID and due:
            self._expire(payment)
            return True
        return False

    def _expire(self, payment: Payment) -> None:
        self._move(payment, PaymentStatus.EXPIRED)
        saved = self._cards.get(payment.rec_id or "")
        if saved is not None and saved.state is SavedCardState.PENDING:
            saved.state = SavedCardState.FAILED
        self._count("payments_expired")
        self._owe(payment)

    def expire_due(self, now: datetime) -> int:
        """Expire every open session past its ``expirationMinutes``, in expiry order;
        how many expired."""
        with self._changing():
            expired = 0
            while (pay_id := self._expiring.pop_due(now)) is not None:
                payment = self._records.get(pay_id)
                if payment is not None and self._expire_if_due(payment, now):
                    self._use(payment)
                    expired += 1
            return expired

    def expire(self, pay_id: str) -> None:
        """Expire one open session now, whatever its ``expirationMinutes``."""
        with self._changing():
            payment = self.payment(pay_id)
            if payment.status not in UNPAID:
                raise CheckoutClosed(payment)
            self._expire(payment)
