"""The emulated bank's order book and the state machine that moves orders.

Pure Python and thread-safe; no HTTP here. Every operation returns an
:class:`Outcome` carrying the receipt after the change and the callbacks
(:class:`Notice`) the bank owes the merchant because of it.

Statuses move only along :data:`.vocabulary.TRANSITIONS`:

- automatic capture: ``created → processing → completed | rejected``;
- manual capture (pre-auth): ``created → auth_requested → blocked | rejected``; approve
  of the whole held amount gives ``completed`` (action ``authorize``), of less gives
  ``partial_completed`` with ``transfer_amount`` lowered to it (``partial_authorize``);
- refunds: ``→ refund_requested → refunded | refunded_partially``; a refund the issuer
  declines puts the order back where it was, with a ``rejected`` action;
- an unpaid order past ``zoned_expire_date`` becomes ``rejected`` with
  ``reject_reason: "expiration"``.

Memory stays bounded, since the emulator also serves long load tests. An order in
use is never forgotten: one still unpaid (it expires at the latest after its
``ttl``), one with a refund, approve or cancel pending, a pre-authorization held
(``blocked``), and one holding a saved card that was not deleted. Every other order
is *finished*; the store keeps the ``max_finished_orders`` finished orders most
recently used (:data:`MAX_FINISHED_ORDERS` by default; any call naming an order uses
it) and forgets older ones, which then answer like unknown orders ("Invalid
order_id"). Expiry and delayed actions are found through heaps ordered by due time,
not by looking at every order on every request.

Choices where BOG documents nothing:

- **Pre-auth cancel** ends in ``rejected`` with a ``cancel_authorize`` action for the
  held amount, ``transfer_amount`` ``"0.0"``, ``reject_reason`` left ``null`` and the
  split (if any) ``canceled``.
- A refund of exactly the remaining ``transfer_amount`` is a ``refund`` action, any
  smaller one a ``partial_refund``. Successful actions carry ``code: null``; failed
  ones the action code of the card (``162`` refund declined, ``179`` pre-auth).
- Card ``...0003`` pays normally; its refunds fail with 162, its approve/cancel with
  179 (the order stays ``blocked``), and charges of it once saved are declined with
  112. A saved-card charge with no usable saved card is declined with 102.
- Full refunds are accepted for card, Apple Pay, Google Pay and ``bog_p2p``; partial
  ones for the three card methods only; other methods cannot be refunded.
- An approve may name a ``split`` (shape of ``config.split``, sharing the approved
  amount); once the approve succeeds it replaces the order's split, ``completed``.
- A refund, approve or cancel while another is pending is refused (400, "...
  already requested"): the order is then ``refund_requested`` or still ``blocked``.
- Saving a card (``PUT .../cards`` or ``.../subscriptions``) is accepted only while
  the order is unpaid; the card is kept when that payment succeeds, and the paying
  order's receipt then shows ``saved_card_type``. ``POST /ecommerce/orders/{parent}``
  needs a card saved for ``recurrent`` use, ``/subscribe`` one saved for
  ``subscription`` use.
- A subscription charge copies the parent's request (amount, currency, basket,
  buyer, capture, language); only ``callback_url`` and ``external_order_id`` may
  be overridden.
- Wallet tokens are opaque: a 16-digit test card number inside an Apple Pay or
  Google Pay token picks that card's outcome (default ``...0001``), and a Google Pay
  token containing ``3ds`` leaves the order ``processing`` until it is paid on the
  page behind the 3-D Secure link.
- Card payments on the hosted page are recorded as ``card`` (``google_pay`` for an
  external Google Pay order finishing 3-D Secure); ``bog_p2p``, ``bog_loyalty``,
  ``bnpl``, ``bog_loan`` and ``gift_card`` always succeed with code 100.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
import re
import secrets
import string
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from . import codes
from .bounded import check_limit
from .cards import TEST_CARDS, SandboxCard, find_card
from .orders import Action, Order, PaymentRecord, PendingAction, SavedCard
from .receipt import render
from .validation import OrderRequest, SplitPart, split_payments
from .vocabulary import (
    CARD_METHODS,
    FULL_REFUND_METHODS,
    REFUNDABLE,
    TRANSITIONS,
    UNPAID,
    ActionKind,
    OrderStatus,
    PaymentOption,
    SavedCardType,
    TransferMethod,
)

SAVED_CARD: Final = "saved"
"""Payment choice meaning "the card saved on the parent order"."""

DEFAULT_CARD: Final = "4000000000000001"
"""Card behind a wallet token that names no test card."""

MAX_FINISHED_ORDERS: Final = 10_000
"""Finished orders a store keeps (``BogSandbox(max_finished_orders=...)``)."""

_PENDING_TEXT: Final = {
    ActionKind.REFUND: "Refund",
    ActionKind.PARTIAL_REFUND: "Refund",
    ActionKind.AUTHORIZE: "Pre-authorization approval",
    ActionKind.PARTIAL_AUTHORIZE: "Pre-authorization approval",
    ActionKind.CANCEL_AUTHORIZE: "Pre-authorization cancellation",
}
_AUTH_KINDS: Final = frozenset(
    {ActionKind.AUTHORIZE, ActionKind.PARTIAL_AUTHORIZE, ActionKind.CANCEL_AUTHORIZE}
)


class OrderError(Exception):
    """An operation BOG refuses with HTTP 400; ``message`` goes into the reply."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownOrder(OrderError):
    def __init__(self) -> None:
        super().__init__("Invalid order_id")


class IllegalTransition(RuntimeError):
    """A move outside the status table: a bug in the emulator, never a client error."""


@dataclass(frozen=True, slots=True)
class Notice:
    """A callback the bank owes: the receipt as it was when the outcome happened."""

    order_id: str
    callback_url: str
    receipt: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Outcome:
    order_id: str
    receipt: dict[str, Any]
    notices: tuple[Notice, ...] = ()
    action_id: str | None = None


def _digits(count: int) -> str:
    return "".join(secrets.choice(string.digits) for _ in range(count))


def _pg_trx_id() -> str:
    return "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(16))


def card_in_token(token: str) -> SandboxCard:
    """The test card a wallet token names (any 16-digit test number in it), else 0001."""
    for number in re.findall(r"\d{16}", token):
        card = find_card(number)
        if card is not None:
            return card
    return TEST_CARDS[DEFAULT_CARD]


class OrderStore:
    """All orders of the emulated merchant, keyed by BOG order id.

    Keeps every order in use and the ``max_finished_orders`` most recently used
    finished ones (see the module notes).
    """

    def __init__(self, max_finished_orders: int = MAX_FINISHED_ORDERS) -> None:
        self.max_finished_orders = check_limit("max_finished_orders", max_finished_orders)
        self._orders: dict[str, Order] = {}
        self._lock = threading.RLock()
        self._depth = 0
        self._touched: list[Order] = []
        """Orders used by the call in progress; filed when it ends."""
        self._finished: OrderedDict[str, None] = OrderedDict()
        """Ids of finished orders, least recently used first: the only ones forgotten."""
        self._seq = itertools.count()
        self._expiring: list[tuple[datetime, int, str]] = []
        """(expires_at, n, order id) of orders created unpaid; a heap, stale entries skipped."""
        self._unpaid = 0
        self._due: list[tuple[datetime, int, str, str]] = []
        """(due, n, order id, action id) of delayed actions; a heap, stale entries skipped."""
        self._pending = 0

    def __len__(self) -> int:
        return len(self._orders)

    def __contains__(self, order_id: object) -> bool:
        return order_id in self._orders

    @property
    def finished_count(self) -> int:
        """How many of the orders kept are finished (at most ``max_finished_orders``)."""
        return len(self._finished)

    @contextmanager
    def _changing(self) -> Iterator[None]:
        """The store's lock; when the outermost call ends, the orders it used are filed."""
        with self._lock:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if not self._depth and self._touched:
                    self._file()

    def _use(self, order: Order) -> Order:
        self._touched.append(order)
        return order

    @staticmethod
    def _in_use(order: Order) -> bool:
        saved = order.saved_card
        return (
            order.status in UNPAID
            or order.status is OrderStatus.BLOCKED
            or order.pending is not None
            or (saved is not None and not saved.deleted)
        )

    def _file(self) -> None:
        """Mark the orders just used as in use or most recently finished; forget the oldest."""
        finished = self._finished
        for order in self._touched:
            if self._orders.get(order.id) is not order:
                continue
            if self._in_use(order):
                finished.pop(order.id, None)
            else:
                finished[order.id] = None
                finished.move_to_end(order.id)
        self._touched.clear()
        while len(finished) > self.max_finished_orders:
            order_id, _ = finished.popitem(last=False)
            del self._orders[order_id]

    def order(self, order_id: str) -> Order:
        """The live order (read it, do not change it), or :class:`UnknownOrder`."""
        with self._changing():
            try:
                return self._use(self._orders[order_id])
            except KeyError:
                raise UnknownOrder from None

    def receipt(self, order_id: str) -> dict[str, Any]:
        with self._changing():
            return render(self.order(order_id))

    # -- creating orders ------------------------------------------------------

    def create(self, request: OrderRequest, now: datetime) -> Outcome:
        """A new order; an external Google Pay order is paid (or sent to 3DS) at once."""
        with self._changing():
            order = self._new(request, now)
            token = request.google_pay_token
            if token is None:
                return self._outcome(order)
            if "3ds" in token.lower():
                self._move(order, self._waiting_status(order))
                return self._outcome(order)
            card = card_in_token(token)
            notice = self._pay(order, TransferMethod.GOOGLE_PAY, card, card.code, now)
            return self._outcome(order, notice)

    def charge_saved_card(self, parent_id: str, request: OrderRequest, now: datetime) -> Outcome:
        """A recurrent order: the customer confirms the saved card on the payment page."""
        with self._changing():
            parent = self.order(parent_id)
            order = self._new(request, now)
            order.payment_option = PaymentOption.RECURRENT
            order.saved_card_type = SavedCardType.RECURRENT
            order.parent_order_id = parent.id
            return self._outcome(order)

    def subscribe(
        self, parent_id: str, callback_url: str | None, external_order_id: str | None, now: datetime
    ) -> Outcome:
        """An automatic charge of the saved card, paid before the call returns."""
        with self._changing():
            parent = self.order(parent_id)
            request = dataclasses.replace(
                parent.request,
                callback_url=callback_url or parent.request.callback_url,
                external_order_id=external_order_id or parent.request.external_order_id,
                google_pay_token=None,
                apple_pay_external=False,
            )
            order = self._new(request, now)
            order.payment_option = PaymentOption.SUBSCRIPTION
            order.saved_card_type = SavedCardType.SUBSCRIPTION
            order.parent_order_id = parent.id
            notice = self._pay_with_saved_card(order, parent.id, SavedCardType.SUBSCRIPTION, now)
            return self._outcome(order, notice)

    def _new(self, request: OrderRequest, now: datetime) -> Order:
        order = Order(
            id=str(uuid.uuid4()),
            request=request,
            created_at=now,
            expires_at=now + timedelta(minutes=request.ttl_minutes),
            split_status="created" if request.split else None,
        )
        self._orders[order.id] = order
        self._unpaid += 1
        heapq.heappush(self._expiring, (order.expires_at, next(self._seq), order.id))
        if len(self._expiring) > 2 * self._unpaid + 64:
            self._expiring = [
                entry
                for entry in self._expiring
                if (kept := self._orders.get(entry[2])) is not None and kept.status in UNPAID
            ]
            heapq.heapify(self._expiring)
        return self._use(order)

    # -- saved cards ----------------------------------------------------------

    def request_card_saving(self, order_id: str, kind: SavedCardType) -> None:
        with self._changing():
            order = self.order(order_id)
            if order.status not in UNPAID:
                raise OrderError("A card can be saved only before the order is paid")
            order.save_request = kind

    def delete_card(self, order_id: str) -> None:
        with self._changing():
            order = self.order(order_id)
            if order.saved_card is not None:
                order.saved_card.deleted = True

    def saved_card(self, parent_id: str | None, kind: SavedCardType) -> SavedCard | None:
        """The usable card saved on ``parent_id`` for ``kind`` charges, if any."""
        with self._changing():
            parent = self._orders.get(parent_id or "")
            saved = self._use(parent).saved_card if parent else None
            if saved is None or saved.deleted or saved.kind is not kind:
                return None
            return saved

    # -- paying ---------------------------------------------------------------

    def pay(self, order_id: str, choice: str, now: datetime) -> Outcome:
        """Pay as the customer would on the hosted page.

        ``choice`` is a test card number, :data:`SAVED_CARD`, or a non-card method
        key such as ``bog_p2p``.
        """
        with self._changing():
            order = self.order(order_id)
            self._check_payable(order)
            if choice == SAVED_CARD:
                if order.payment_option is not PaymentOption.RECURRENT:
                    raise OrderError("This order is not a saved-card charge")
                parent_id = order.parent_order_id
                notice = self._pay_with_saved_card(order, parent_id, SavedCardType.RECURRENT, now)
                return self._outcome(order, notice)
            card = find_card(choice)
            if card is not None:
                if not order.request.allows(TransferMethod.CARD):
                    raise OrderError("Card payments are not allowed for this order")
                method = (
                    TransferMethod.GOOGLE_PAY
                    if order.request.google_pay_external
                    else TransferMethod.CARD
                )
                return self._outcome(order, self._pay(order, method, card, card.code, now))
            try:
                other = TransferMethod(choice)
            except ValueError:
                raise OrderError(f"Unknown test card or payment method: {choice}") from None
            if other in CARD_METHODS:
                raise OrderError(f"Choose a test card to pay with {other}")
            if not order.request.allows(other):
                raise OrderError(f"Payment method {other} is not allowed for this order")
            if order.request.capture == "manual":
                raise OrderError("Pre-authorization is available only for card payments")
            return self._outcome(order, self._pay(order, other, None, codes.SUCCESS, now))

    def complete_apple_pay(self, order_id: str, token: str, now: datetime) -> Outcome:
        with self._changing():
            order = self.order(order_id)
            if not order.request.apple_pay_external:
                raise OrderError("The order was not created for external Apple Pay")
            self._check_payable(order)
            card = card_in_token(token)
            notice = self._pay(order, TransferMethod.APPLE_PAY, card, card.code, now)
            return self._outcome(order, notice)

    def _check_payable(self, order: Order) -> None:
        if order.status in UNPAID:
            return
        if order.reject_reason == "expiration":
            raise OrderError("The order has expired")
        raise OrderError(f"The order can no longer be paid (status {order.status})")

    def _pay_with_saved_card(
        self, order: Order, parent_id: str | None, kind: SavedCardType, now: datetime
    ) -> Notice:
        """Pay with the card saved on ``parent_id`` (declined when there is none to use)."""
        saved = self.saved_card(parent_id, kind)
        if saved is None:
            return self._pay(order, TransferMethod.CARD, None, codes.SAVED_CARD_NOT_FOUND, now)
        card = saved.card
        return self._pay(order, TransferMethod.CARD, card, card.later_payment_code, now)

    def _waiting_status(self, order: Order) -> OrderStatus:
        manual = order.request.capture == "manual"
        return OrderStatus.AUTH_REQUESTED if manual else OrderStatus.PROCESSING

    def _pay(
        self,
        order: Order,
        method: TransferMethod,
        card: SandboxCard | None,
        code: str,
        now: datetime,
    ) -> Notice:
        manual = order.request.capture == "manual"
        if order.status is OrderStatus.CREATED:
            self._move(order, self._waiting_status(order))
        approved = code == codes.SUCCESS
        if approved:
            self._move(order, OrderStatus.BLOCKED if manual else OrderStatus.COMPLETED)
            code = codes.PREAUTHORIZED if manual else codes.SUCCESS
            order.transfer_amount = order.request.total_amount
            order.split_status = (
                ("processing" if manual else "completed") if order.split_status else None
            )
        else:
            self._move(order, OrderStatus.REJECTED)
            order.reject_reason = codes.describe(code)
            order.transfer_amount = Decimal(0)
            order.split_status = "rejected" if order.split_status else None
        order.refund_amount = Decimal(0)
        order.actions = []
        order.payment = PaymentRecord(
            method=method,
            code=code,
            card=card,
            payer_identifier=self._payer_identifier(order, method, card),
            transaction_id=_digits(12),
            auth_code=_digits(6) if approved else None,
            pg_trx_id=_pg_trx_id(),
        )
        kind = order.save_request
        if approved and card is not None and method is TransferMethod.CARD and kind is not None:
            order.saved_card = SavedCard(card, kind)
            order.saved_card_type = kind
        return self._notice(order)

    @staticmethod
    def _payer_identifier(
        order: Order, method: TransferMethod, card: SandboxCard | None
    ) -> str | None:
        if card is not None:
            return card.masked
        name = (order.request.buyer.full_name if order.request.buyer else None) or "Sandbox Payer"
        if method in (TransferMethod.BNPL, TransferMethod.BOG_LOAN):
            return name[0]
        if method is TransferMethod.GIFT_CARD:
            return "GIFTxxxxxxxx0001"
        return name

    # -- refunds and pre-authorization ----------------------------------------

    def refund(
        self, order_id: str, amount: Decimal | None, now: datetime, delay: float = 0.0
    ) -> Outcome:
        with self._changing():
            order = self.order(order_id)
            self._check_no_pending(order)
            if order.status not in REFUNDABLE or order.payment is None:
                raise OrderError(f"The order cannot be refunded (status {order.status})")
            method = order.payment.method
            if method not in FULL_REFUND_METHODS:
                raise OrderError(f"Payments by {method} cannot be refunded")
            available = order.transfer_amount or Decimal(0)
            amount = available if amount is None else amount
            if amount > available:
                raise OrderError("Refund amount exceeds the transferred amount")
            full = amount == available
            if not full and method not in CARD_METHODS:
                raise OrderError(f"Partial refund is not available for payments by {method}")
            kind = ActionKind.REFUND if full else ActionKind.PARTIAL_REFUND
            resume = order.status
            self._move(order, OrderStatus.REFUND_REQUESTED)
            return self._start(order, kind, amount, resume, now, delay)

    def approve(
        self,
        order_id: str,
        amount: Decimal | None,
        now: datetime,
        delay: float = 0.0,
        split: Any = None,
    ) -> Outcome:
        """Approve a hold; ``split`` is the approve's raw split object, if it sent one."""
        with self._changing():
            order = self.order(order_id)
            self._check_authorization(order)
            held = order.transfer_amount or Decimal(0)
            amount = held if amount is None else amount
            if amount > held:
                raise OrderError("Approve amount exceeds the pre-authorized amount")
            parts = split_payments(split, order.request.currency, amount)
            kind = ActionKind.AUTHORIZE if amount == held else ActionKind.PARTIAL_AUTHORIZE
            return self._start(order, kind, amount, order.status, now, delay, parts)

    def cancel(self, order_id: str, now: datetime, delay: float = 0.0) -> Outcome:
        with self._changing():
            order = self.order(order_id)
            self._check_authorization(order)
            held = order.transfer_amount or Decimal(0)
            kind = ActionKind.CANCEL_AUTHORIZE
            return self._start(order, kind, held, order.status, now, delay)

    def _check_no_pending(self, order: Order) -> None:
        if order.pending is not None:
            raise OrderError(f"{_PENDING_TEXT[order.pending.kind]} already requested")

    def _check_authorization(self, order: Order) -> None:
        self._check_no_pending(order)
        if order.status is OrderStatus.BLOCKED:
            return
        done = [a for a in order.actions or () if a.completed and a.kind in _AUTH_KINDS]
        if done:
            raise OrderError(f"{_PENDING_TEXT[done[-1].kind]} already requested")
        raise OrderError(
            f"Only a blocked pre-authorized order can be approved or cancelled "
            f"(status {order.status})"
        )

    def _start(
        self,
        order: Order,
        kind: ActionKind,
        amount: Decimal,
        resume: OrderStatus,
        now: datetime,
        delay: float,
        split: tuple[SplitPart, ...] | None = None,
    ) -> Outcome:
        action_id = str(uuid.uuid4())
        due = now + timedelta(seconds=delay)
        order.pending = PendingAction(action_id, kind, amount, due, resume, split)
        self._pending += 1
        if delay > 0:
            heapq.heappush(self._due, (due, next(self._seq), order.id, action_id))
            if len(self._due) > 2 * self._pending + 64:
                self._due = [
                    entry
                    for entry in self._due
                    if (kept := self._orders.get(entry[2])) is not None
                    and kept.pending is not None
                    and kept.pending.action_id == entry[3]
                ]
                heapq.heapify(self._due)
        notices = (self._settle(order, now),) if delay <= 0 else ()
        return Outcome(order.id, render(order), notices, action_id)

    def settle(self, order_id: str, action_id: str, now: datetime) -> Notice | None:
        """Apply a pending action's outcome now (if still pending)."""
        with self._changing():
            order = self._orders.get(order_id)
            if order is None or order.pending is None or order.pending.action_id != action_id:
                return None
            return self._settle(self._use(order), now)

    def settle_due(self, now: datetime) -> list[Notice]:
        """Apply every pending action whose delay has run out by ``now``, in due order."""
        with self._changing():
            notices = []
            due = self._due
            while due and due[0][0] <= now:
                _, _, order_id, action_id = heapq.heappop(due)
                order = self._orders.get(order_id)
                if order is None or order.pending is None or order.pending.action_id != action_id:
                    continue  # settled already
                notices.append(self._settle(self._use(order), now))
            return notices

    def _settle(self, order: Order, now: datetime) -> Notice:
        pending = order.pending
        if pending is None:
            raise IllegalTransition(f"order {order.id} has no pending action")
        order.pending = None
        self._pending -= 1
        card = order.payment.card if order.payment else None
        refunding = pending.kind in (ActionKind.REFUND, ActionKind.PARTIAL_REFUND)
        failure = None
        if card is not None:
            failure = card.refund_code if refunding else card.authorization_code
        actions = order.actions if order.actions is not None else []
        order.actions = actions
        actions.append(
            Action(pending.action_id, pending.kind, failure is None, pending.amount, now, failure)
        )
        if failure is not None:
            if order.status is not pending.resume:
                self._move(order, pending.resume)
            return self._notice(order)
        if pending.split is not None:
            order.split = pending.split
            order.split_status = order.split_status or "processing"
        self._APPLY[pending.kind](self, order, pending.amount)
        return self._notice(order)

    def _apply_refund(self, order: Order, amount: Decimal) -> None:
        order.transfer_amount = (order.transfer_amount or Decimal(0)) - amount
        order.refund_amount = (order.refund_amount or Decimal(0)) + amount
        done = order.transfer_amount == 0
        self._move(order, OrderStatus.REFUNDED if done else OrderStatus.REFUNDED_PARTIALLY)

    def _apply_authorize(self, order: Order, amount: Decimal) -> None:
        self._move(order, OrderStatus.COMPLETED)
        order.split_status = "completed" if order.split_status else None

    def _apply_partial_authorize(self, order: Order, amount: Decimal) -> None:
        order.transfer_amount = amount
        self._move(order, OrderStatus.PARTIAL_COMPLETED)
        order.split_status = "completed" if order.split_status else None

    def _apply_cancel(self, order: Order, amount: Decimal) -> None:
        order.transfer_amount = Decimal(0)
        self._move(order, OrderStatus.REJECTED)
        order.split_status = "canceled" if order.split_status else None

    _APPLY: Final[dict[ActionKind, Callable[[OrderStore, Order, Decimal], None]]] = {
        ActionKind.REFUND: _apply_refund,
        ActionKind.PARTIAL_REFUND: _apply_refund,
        ActionKind.AUTHORIZE: _apply_authorize,
        ActionKind.PARTIAL_AUTHORIZE: _apply_partial_authorize,
        ActionKind.CANCEL_AUTHORIZE: _apply_cancel,
    }

    # -- expiry ---------------------------------------------------------------

    def expire_due(self, now: datetime) -> list[Notice]:
        """Reject every unpaid order whose ``zoned_expire_date`` has passed, in expiry order."""
        with self._changing():
            notices = []
            expiring = self._expiring
            while expiring and expiring[0][0] <= now:
                _, _, order_id = heapq.heappop(expiring)
                order = self._orders.get(order_id)
                if order is None or order.status not in UNPAID:
                    continue  # paid or rejected meanwhile
                self._use(order)
                self._move(order, OrderStatus.REJECTED)
                order.reject_reason = "expiration"
                order.split_status = "rejected" if order.split_status else None
                notices.append(self._notice(order))
            return notices

    # -- helpers --------------------------------------------------------------

    def _move(self, order: Order, status: OrderStatus) -> None:
        if status not in TRANSITIONS[order.status]:
            raise IllegalTransition(f"{order.status} -> {status} is not a BOG transition")
        if order.status in UNPAID and status not in UNPAID:
            self._unpaid -= 1
        order.status = status
        order.history.append(status)

    @staticmethod
    def _notice(order: Order) -> Notice:
        return Notice(order.id, order.request.callback_url, render(order))

    @staticmethod
    def _outcome(order: Order, *notices: Notice) -> Outcome:
        return Outcome(order.id, render(order), notices)
