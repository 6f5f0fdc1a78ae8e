"""The emulated bank's payment book and the state machine that moves payments.

Pure Python and thread-safe; no HTTP here. Operations that a merchant cannot perform
in the payment's state raise :class:`~.problems.ApiError`. Callbacks the bank comes to
owe are queued as :class:`~.records.Notice` values; the caller takes them with
:meth:`PaymentStore.take_notices` and delivers them.

Statuses move only along :data:`.vocabulary.TRANSITIONS` (an illegal move is a bug
in the emulator: :class:`IllegalTransition`), so every payment's ``history`` lists
the intermediate ``Processing``, ``CancelPaymentProcessing`` and
``PaymentCompletionProcessing`` steps, although the emulator passes them at once.

Choices where TBC documents nothing ([INF]):

- A callback is owed when a payment reaches Succeeded, Failed, Expired or
  WaitingConfirm through the page, expiry or an execution; not for cancels or
  completions. Without ``callbackUrl`` the dashboard URL (the sandbox's
  ``callback_url``) is used; without either nothing is sent. Executions carry no
  ``callbackUrl``, so only the dashboard URL applies to them.
- Cancel: on WaitingConfirm, without ``amount``, releases the hold (``Returned``,
  ``returnedAmount`` = amount, ``confirmedAmount`` 0); with any ``amount`` it is refused.
  On Succeeded / PartialReturned it refunds what is left of ``confirmedAmount`` (no
  ``amount``) or ``amount``. Any cancel that carries an ``amount`` counts as a partial
  cancel for the once-per-day rule (reference §12), which uses the bank's calendar day
  in Tbilisi (:func:`.vocabulary.bank_day`). Cancels in any other status are refused.
- Completion confirms ``amount`` (at most the authorized amount) and releases the
  rest, which is not counted as returned. Later refunds are limited by
  ``confirmedAmount``.
- A session whose checkout card never finishes 3-D Secure stays ``Processing`` until
  it expires; a payment in ``Processing`` cannot be paid again.
- ``recId`` is issued at create time when ``saveCard`` is asked for; the card is
  usable once that payment succeeds (for a pre-auth: once it is completed). Charging
  an unknown, unusable or deleted ``recId`` is refused with 400; deleting an unknown or
  deleted one answers 404. A charge after the saved card's ``expiryDate`` month fails
  with ``decline_expired_card``; otherwise the card's ``recurring_result_code`` decides.
- Memory stays bounded (the emulator also serves long load tests). A payment in use
  is never forgotten: one whose checkout session is open (it expires at the latest
  after ``expirationMinutes``) and a pre-authorization waiting for completion.
  Every other payment is *finished*; the store keeps the ``max_finished_payments``
  finished ones most recently used (:data:`MAX_FINISHED_PAYMENTS` by default; any call
  naming a payment uses it) and forgets older ones, which then answer 404 like
  unknown payments. A saved card stays while it can be charged; one that failed or
  was deleted goes with the payment that registered it (charging or deleting it then
  answers as for an unknown ``recId``). Expiry finds due sessions through a heap
  ordered by expiry time, not by looking at every payment on every request.
- Payment methods: ``methods`` omitted allows 5, 4, 7, 9, 14, and 8 when installment
  products were sent, minus what ``saveCard``, the currency or a split rule out. Every
  method is paid with a test card on the page, whose outcome decides.
"""

from __future__ import annotations

import base64
import heapq
import itertools
import secrets
import string
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from . import views
from .cards import CardOutcome, SandboxCard
from .counters import check_limit
from .problems import ApiError, Problem, not_found, payment_not_found, refused
from .records import Notice, Payment, Return, SavedCard, SavedCardState
from .validation import CancelRequest, CreateRequest, ExecutionRequest, check_split_cancel
from .vocabulary import (
    CALLBACK_STATUSES,
    CARD_METHOD,
    COMPLETION_WINDOW,
    DEFAULT_METHODS,
    GEL_ONLY_METHODS,
    INSTALLMENT_METHOD,
    NO_SAVE_CARD_METHODS,
    REFUNDABLE,
    SAVED_CARD_METHOD,
    SPLIT_METHODS,
    TRANSITIONS,
    UNPAID,
    PaymentStatus,
    ResultCode,
    bank_day,
)

S = PaymentStatus
_PAY_ID_ALPHABET: Final = string.ascii_lowercase + string.digits
_HEX_MIXED: Final = "0123456789abcdefABCDEF"

MAX_FINISHED_PAYMENTS: Final = 10_000
"""Finished payments a store keeps (``TbcSandbox(max_finished_payments=...)``)."""


class IllegalTransition(RuntimeError):
    """A move outside the status table: a bug in the emulator, never a client error."""


class CheckoutClosed(ApiError):
    """The checkout session can no longer be paid (``expired`` tells why)."""

    def __init__(self, payment: Payment) -> None:
        self.expired = payment.status is S.EXPIRED
        if self.expired:
            super().__init__(410, "Gone", "The payment session has expired", 1)
        else:
            detail = f"The payment is no longer open (status {payment.status.value})"
            super().__init__(409, "Conflict", detail, 1)


def new_pay_id() -> str:
    """17-19 lowercase letters and digits, like ``6azzo13uw5u2116332``."""
    length = 17 + secrets.randbelow(3)
    return "".join(secrets.choice(_PAY_ID_ALPHABET) for _ in range(length))


def new_rec_id() -> str:
    """32 mixed-case hex-like characters, like ``A1b2C3d4E5f6A7b8C9d0E1f2A3b4C5d6``."""
    return "".join(secrets.choice(_HEX_MIXED) for _ in range(32))


def card_transaction_id() -> str:
    return secrets.token_hex(16).upper()


def saved_card_transaction_id() -> str:
    """A 28-character base64 id ending in ``=``, as the processor gives saved-card charges."""
    return base64.b64encode(secrets.token_bytes(20)).decode("ascii")


def _mmyy(value: str) -> tuple[int, int]:
    return int(value[2:]), int(value[:2])


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


Count = Callable[[str], None]


class PaymentStore:
    """Every payment and saved card of the emulated merchant.

    Read it in tests: ``store[pay_id]`` is the live :class:`~.records.Payment`,
    ``store.saved_cards[rec_id]`` a :class:`~.records.SavedCard`. ``count`` is told
    the name of each counter an operation moves (see :class:`.counters.Counters`).
    """

    def __init__(
        self,
        count: Count | None = None,
        dashboard_callback_url: str | None = None,
        max_finished_payments: int = MAX_FINISHED_PAYMENTS,
    ) -> None:
        self.max_finished_payments = check_limit("max_finished_payments", max_finished_payments)
        self._payments: dict[str, Payment] = {}
        self._cards: dict[str, SavedCard] = {}
        self._outbox: list[Notice] = []
        self._lock = threading.RLock()
        self._count = count or (lambda name: None)
        self.dashboard_callback_url = dashboard_callback_url
        self._depth = 0
        self._touched: list[Payment] = []
        """Payments used by the call in progress; filed when it ends."""
        self._finished: OrderedDict[str, None] = OrderedDict()
        """Ids of finished payments, least recently used first: the only ones forgotten."""
        self._seq = itertools.count()
        self._expiring: list[tuple[datetime, int, str]] = []
        """(expires_at, n, pay id) of checkout sessions; a heap, stale entries skipped."""
        self._unpaid = 0

    # -- reading ----------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._payments)

    def __contains__(self, pay_id: object) -> bool:
        return pay_id in self._payments

    def __iter__(self) -> Iterator[str]:
        with self._lock:
            return iter(list(self._payments))

    def __getitem__(self, pay_id: str) -> Payment:
        with self._changing():
            return self._use(self._payments[pay_id])

    def get(self, pay_id: str) -> Payment | None:
        with self._changing():
            payment = self._payments.get(pay_id)
            return None if payment is None else self._use(payment)

    def values(self) -> list[Payment]:
        with self._lock:
            return list(self._payments.values())

    @property
    def saved_cards(self) -> dict[str, SavedCard]:
        with self._lock:
            return dict(self._cards)

    @property
    def finished_count(self) -> int:
        """How many of the payments kept are finished (at most ``max_finished_payments``)."""
        return len(self._finished)

    def payment(self, pay_id: str) -> Payment:
        """The payment, or the 404 problem for an unknown id."""
        with self._changing():
            try:
                return self._use(self._payments[pay_id])
            except KeyError:
                raise payment_not_found() from None

    def details(self, pay_id: str) -> dict[str, Any]:
        with self._changing():
            payment = self.payment(pay_id)
            return views.details(payment, self._cards.get(payment.rec_id or ""))

    # -- keeping memory bounded -------------------------------------------------------

    @contextmanager
    def _changing(self) -> Iterator[None]:
        """The store's lock; when the outermost call ends, the payments it used are filed."""
        with self._lock:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if not self._depth and self._touched:
                    self._file()

    def _use(self, payment: Payment) -> Payment:
        self._touched.append(payment)
        return payment

    def _add(self, payment: Payment) -> None:
        """Keep a new payment (open, so in use)."""
        self._payments[payment.pay_id] = payment
        self._use(payment)
        if payment.status in UNPAID:
            self._unpaid += 1
        if payment.expires_at is None:
            return
        heapq.heappush(self._expiring, (payment.expires_at, next(self._seq), payment.pay_id))
        if len(self._expiring) > 2 * self._unpaid + 64:
            self._expiring = [
                entry
                for entry in self._expiring
                if (kept := self._payments.get(entry[2])) is not None and kept.status in UNPAID
            ]
            heapq.heapify(self._expiring)

    def _file(self) -> None:
        """Mark the payments just used as in use or most recently finished; forget the oldest."""
        finished = self._finished
        for payment in self._touched:
            if self._payments.get(payment.pay_id) is not payment:
                continue
            if payment.status in UNPAID or payment.status is S.WAITING_CONFIRM:
                finished.pop(payment.pay_id, None)
            else:
                finished[payment.pay_id] = None
                finished.move_to_end(payment.pay_id)
        self._touched.clear()
        while len(finished) > self.max_finished_payments:
            pay_id, _ = finished.popitem(last=False)
            payment = self._payments.pop(pay_id)
            saved = self._cards.get(payment.rec_id or "")
            if saved is not None and saved.pay_id == pay_id and not self._chargeable(saved):
                del self._cards[saved.rec_id]

    @staticmethod
    def _chargeable(saved: SavedCard) -> bool:
        """Usable now or later: kept while its registering payment is forgotten."""
        return saved.state not in (SavedCardState.FAILED, SavedCardState.DELETED)

    # -- creating ---------------------------------------------------------------

    def create(self, request: CreateRequest, now: datetime) -> Payment:
        with self._changing():
            payment = Payment(
                pay_id=self._unique(new_pay_id, self._payments),
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

    @staticmethod
    def _unique(make: Callable[[], str], taken: dict[str, Any]) -> str:
        while True:
            value = make()
            if value not in taken:
                return value

    # -- the hosted page --------------------------------------------------------

    def pay(self, pay_id: str, card: SandboxCard, method: int | None, now: datetime) -> None:
        """Pay as the customer on the hosted page, with a test card."""
        with self._changing():
            payment = self.payment(pay_id)
            if payment.execution:
                raise ApiError(400, "Bad Request", "A saved-card charge has no checkout page")
            self._expire_if_due(payment, now)
            if payment.status is not S.CREATED:
                raise CheckoutClosed(payment)
            chosen = self._method(payment, method)
            self._move(payment, S.PROCESSING)
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
                self._move(payment, S.FAILED)
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
        if requested is not None and _mmyy(requested) <= _mmyy(card.expiry):
            return requested
        return card.expiry

    def _approve(self, payment: Payment, now: datetime) -> None:
        payment.result_code = ResultCode.APPROVED.value
        payment.authorized_at = now
        if payment.pre_auth:
            self._move(payment, S.WAITING_CONFIRM)
        else:
            payment.confirmed_amount = payment.amount
            self._move(payment, S.SUCCEEDED)

    # -- expiry -------------------------------------------------------------------

    def _expire_if_due(self, payment: Payment, now: datetime) -> bool:
        due = payment.expires_at is not None and payment.expires_at <= now
        if payment.status in UNPAID and due:
            self._expire(payment)
            return True
        return False

    def _expire(self, payment: Payment) -> None:
        self._move(payment, S.EXPIRED)
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
            expiring = self._expiring
            while expiring and expiring[0][0] <= now:
                _, _, pay_id = heapq.heappop(expiring)
                payment = self._payments.get(pay_id)
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

    # -- cancel and completion ------------------------------------------------------

    def cancel(self, pay_id: str, request: CancelRequest, now: datetime) -> None:
        with self._changing():
            payment = self.payment(pay_id)
            if payment.split is not None:
                check_split_cancel(request)
            if payment.status is S.WAITING_CONFIRM:
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
            self._move(payment, S.CANCEL_PAYMENT_PROCESSING)
            payment.returned_amount += amount
            payment.returns.append(Return(amount, now, partial))
            done = payment.returned_amount == payment.confirmed_amount
            self._move(payment, S.RETURNED if done else S.PARTIAL_RETURNED)
            self._count("cancels")
            self._count("refunds")
            if partial:
                self._count("partial_refunds")

    def _release(self, payment: Payment, request: CancelRequest, now: datetime) -> None:
        if request.amount is not None:
            raise refused(
                "A pre-authorization cannot be cancelled in part; complete a smaller amount instead"
            )
        self._move(payment, S.CANCEL_PAYMENT_PROCESSING)
        payment.returned_amount = payment.amount
        payment.returns.append(Return(payment.amount, now, partial=False, released=True))
        self._move(payment, S.RETURNED)
        saved = self._cards.get(payment.rec_id or "")
        if saved is not None and saved.state is SavedCardState.AWAITING_COMPLETION:
            saved.state = SavedCardState.FAILED
        self._count("cancels")
        self._count("releases")

    def complete(self, pay_id: str, amount: Decimal, now: datetime) -> dict[str, Any]:
        with self._changing():
            payment = self.payment(pay_id)
            if payment.status is not S.WAITING_CONFIRM:
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
            self._move(payment, S.PAYMENT_COMPLETION_PROCESSING)
            payment.confirmed_amount = amount
            self._move(payment, S.SUCCEEDED)
            saved = self._cards.get(payment.rec_id or "")
            if saved is not None and saved.state is SavedCardState.AWAITING_COMPLETION:
                saved.state = SavedCardState.ACTIVE
            self._count("completions")
            return views.completed(payment)

    # -- saved cards ------------------------------------------------------------------

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
                pay_id=self._unique(new_pay_id, self._payments),
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
            self._move(payment, S.PROCESSING)
            today = bank_day(now)
            if (today.year % 100, today.month) > _mmyy(saved.expiry_date):
                code = ResultCode.DECLINE_EXPIRED_CARD
            else:
                code = card.recurring_result_code
            if code is ResultCode.APPROVED:
                self._approve(payment, now)
            else:
                payment.result_code = code.value
                self._move(payment, S.FAILED)
            self._count("executions")
            self._owe(payment)
            return views.executed(payment, saved)

    def delete_card(self, rec_id: str) -> None:
        with self._changing():
            saved = self._cards.get(rec_id)
            if saved is None or saved.state is SavedCardState.DELETED:
                raise not_found("InvalidRecurringCard", "RecurringCardNotFound")
            saved.state = SavedCardState.DELETED
            if saved.pay_id not in self._payments:
                del self._cards[rec_id]  # its registering payment is forgotten already
            self._count("cards_deleted")

    # -- helpers ------------------------------------------------------------------------

    def _move(self, payment: Payment, status: PaymentStatus) -> None:
        if status not in TRANSITIONS[payment.status]:
            raise IllegalTransition(f"{payment.status} -> {status} is not a TBC transition")
        if payment.status in UNPAID and status not in UNPAID:
            self._unpaid -= 1
        payment.status = status
        payment.history.append(status)

    def _owe(self, payment: Payment) -> None:
        if payment.status in CALLBACK_STATUSES and payment.callback_url:
            self._outbox.append(Notice(payment.pay_id, payment.callback_url))

    def take_notices(self) -> list[Notice]:
        """The callbacks owed so far, each handed out once."""
        with self._changing():
            notices, self._outbox = self._outbox, []
            return notices
