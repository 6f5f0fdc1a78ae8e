"""The payment book itself: keeping payments and saved cards, finding them, moving their status.

Statuses move only along :data:`..vocabulary.TRANSITIONS` (an illegal move is a bug
in the emulator: :class:`IllegalTransition`), so every payment's ``history`` lists
the intermediate ``Processing``, ``CancelPaymentProcessing`` and
``PaymentCompletionProcessing`` steps, although the emulator passes them at once.

Callbacks the bank comes to owe are queued as :class:`~..records.Notice` values; the
caller takes them with :meth:`PaymentLedger.take_notices` and delivers them. A
callback is owed when a payment reaches Succeeded, Failed, Expired or WaitingConfirm
through the page, expiry or an execution; not for cancels or completions. Without
``callbackUrl`` the dashboard URL (the sandbox's ``callback_url``) is used; without
either nothing is sent ([INF]).

Memory stays bounded (the emulator also serves long load tests). A payment in use is
never forgotten: one whose checkout session is open (it expires at the latest after
``expirationMinutes``) and a pre-authorization waiting for completion. Every other
payment is *finished*; the book keeps the ``max_finished_payments`` finished ones
most recently used (:data:`MAX_FINISHED_PAYMENTS` by default; any call naming a
payment uses it) and forgets older ones, which then answer 404 like unknown
payments. A saved card stays while it can be charged; one that failed or was deleted
goes with the payment that registered it (charging or deleting it then answers as for
an unknown ``recId``). The bookkeeping is the emulators' shared
:class:`~payments_core.sandbox.book.RecordBook`; expiry is found through a
:class:`~payments_core.sandbox.due.DueQueue`, not by looking at every payment.

The store's other parts (:mod:`.checkout`, :mod:`.preauth`, :mod:`.refunds`,
:mod:`.saved_cards`) build on :class:`PaymentLedger`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, Final

from payments_core.sandbox.book import RecordBook
from payments_core.sandbox.due import DueQueue

from .. import views
from ..problems import payment_not_found
from ..records import Notice, Payment, SavedCard, SavedCardState
from ..vocabulary import CALLBACK_STATUSES, TRANSITIONS, UNPAID, PaymentStatus, ResultCode

MAX_FINISHED_PAYMENTS: Final = 10_000
"""Finished payments a store keeps (``TbcSandbox(max_finished_payments=...)``)."""

Count = Callable[[str], None]


class IllegalTransition(RuntimeError):
    """A move outside the status table: a bug in the emulator, never a client error."""


class PaymentLedger(RecordBook[Payment]):
    """Every payment and saved card of the emulated merchant.

    Read it in tests: ``store[pay_id]`` is the live :class:`~..records.Payment`,
    ``store.saved_cards[rec_id]`` a :class:`~..records.SavedCard`. ``count`` is told
    the name of each counter an operation moves (see :class:`..counters.Counters`).
    """

    def __init__(
        self,
        count: Count | None = None,
        dashboard_callback_url: str | None = None,
        max_finished_payments: int = MAX_FINISHED_PAYMENTS,
    ) -> None:
        super().__init__(max_finished_payments, limit_name="max_finished_payments")
        self._cards: dict[str, SavedCard] = {}
        self._outbox: list[Notice] = []
        self._count = count or (lambda name: None)
        self.dashboard_callback_url = dashboard_callback_url
        self._expiring: DueQueue[str] = DueQueue(self._still_unpaid)
        """Pay ids of checkout sessions, by ``expires_at``."""
        self._unpaid = 0

    @property
    def max_finished_payments(self) -> int:
        return self._finished_limit

    @max_finished_payments.setter
    def max_finished_payments(self, limit: int) -> None:
        self._finished_limit = limit

    # -- reading ----------------------------------------------------------------

    def __iter__(self) -> Iterator[str]:
        with self._lock:
            return iter(list(self._records))

    def __getitem__(self, pay_id: str) -> Payment:
        with self._changing():
            return self._use(self._records[pay_id])

    def get(self, pay_id: str) -> Payment | None:
        with self._changing():
            payment = self._records.get(pay_id)
            return None if payment is None else self._use(payment)

    def values(self) -> list[Payment]:
        with self._lock:
            return list(self._records.values())

    @property
    def saved_cards(self) -> dict[str, SavedCard]:
        with self._lock:
            return dict(self._cards)

    def payment(self, pay_id: str) -> Payment:
        """The payment, or the 404 problem for an unknown id."""
        with self._changing():
            try:
                return self._use(self._records[pay_id])
            except KeyError:
                raise payment_not_found() from None

    def details(self, pay_id: str) -> dict[str, Any]:
        with self._changing():
            payment = self.payment(pay_id)
            return views.details(payment, self._cards.get(payment.rec_id or ""))

    # -- keeping memory bounded -------------------------------------------------------

    @staticmethod
    def _key(payment: Payment) -> str:
        return payment.pay_id

    @staticmethod
    def _in_use(payment: Payment) -> bool:
        return payment.status in UNPAID or payment.status is PaymentStatus.WAITING_CONFIRM

    def _forget(self, payment: Payment) -> None:
        """A saved card that can no longer be charged goes with its registering payment."""
        saved = self._cards.get(payment.rec_id or "")
        if saved is not None and saved.pay_id == payment.pay_id and not self._chargeable(saved):
            del self._cards[saved.rec_id]

    def _still_unpaid(self, pay_id: str) -> bool:
        kept = self._records.get(pay_id)
        return kept is not None and kept.status in UNPAID

    def _add(self, payment: Payment) -> None:
        """Keep a new payment (open, so in use)."""
        self._records[payment.pay_id] = payment
        self._use(payment)
        if payment.status in UNPAID:
            self._unpaid += 1
        if payment.expires_at is not None:
            self._expiring.push(payment.expires_at, payment.pay_id, waiting=self._unpaid)

    @staticmethod
    def _chargeable(saved: SavedCard) -> bool:
        """Usable now or later: kept while its registering payment is forgotten."""
        return saved.state not in (SavedCardState.FAILED, SavedCardState.DELETED)

    @staticmethod
    def _unique(make: Callable[[], str], taken: dict[str, Any]) -> str:
        while True:
            value = make()
            if value not in taken:
                return value

    # -- moving payments --------------------------------------------------------------

    def _approve(self, payment: Payment, now: datetime) -> None:
        payment.result_code = ResultCode.APPROVED.value
        payment.authorized_at = now
        if payment.pre_auth:
            self._move(payment, PaymentStatus.WAITING_CONFIRM)
        else:
            payment.confirmed_amount = payment.amount
            self._move(payment, PaymentStatus.SUCCEEDED)

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
