"""Refunds and pre-authorization: actions accepted now, whose outcome may come later.

- automatic capture: ``created → processing → completed | rejected``;
- manual capture (pre-auth): ``created → auth_requested → blocked | rejected``; approve
  of the whole held amount gives ``completed`` (action ``authorize``), of less gives
  ``partial_completed`` with ``transfer_amount`` lowered to it (``partial_authorize``);
- refunds: ``→ refund_requested → refunded | refunded_partially``; a refund the issuer
  declines puts the order back where it was, with a ``rejected`` action.

An action is settled at once, or after ``delay`` seconds (the sandbox's
``action_delay``) by :meth:`ActionDesk.settle` / :meth:`ActionDesk.settle_due`.

Choices where BOG documents nothing:

- **Pre-auth cancel** ends in ``rejected`` with a ``cancel_authorize`` action for the
  held amount, ``transfer_amount`` ``"0.0"``, ``reject_reason`` left ``null`` and the
  split (if any) ``canceled``.
- A refund of exactly the remaining ``transfer_amount`` is a ``refund`` action, any
  smaller one a ``partial_refund``. Successful actions carry ``code: null``; failed
  ones the action code of the card (``162`` refund declined, ``179`` pre-auth): card
  ``...0003`` pays, but its refunds fail with 162 and its approve/cancel with 179
  (the order stays ``blocked``).
- Full refunds are accepted for card, Apple Pay, Google Pay and ``bog_p2p``; partial
  ones for the three card methods only; other methods cannot be refunded.
- An approve may name a ``split`` (shape of ``config.split``, sharing the approved
  amount); once the approve succeeds it replaces the order's split, ``completed``.
- A refund, approve or cancel while another is pending is refused (400, "...
  already requested"): the order is then ``refund_requested`` or still ``blocked``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from ..orders import Action, Order, PendingAction
from ..receipt import render
from ..validation import SplitPart, split_payments
from ..vocabulary import (
    CARD_METHODS,
    FULL_REFUND_METHODS,
    REFUNDABLE,
    ActionKind,
    OrderStatus,
)
from .ledger import OrderLedger
from .outcomes import IllegalTransition, Notice, OrderError, Outcome

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


class ActionDesk(OrderLedger):
    """Refunds, pre-authorization approvals and cancellations, and their settlement."""

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
            self._due.push(due, (order.id, action_id), waiting=self._pending)
        notices = (self._settle(order, now),) if delay <= 0 else ()
        return Outcome(order.id, render(order), notices, action_id)

    def settle(self, order_id: str, action_id: str, now: datetime) -> Notice | None:
        """Apply a pending action's outcome now (if still pending)."""
        with self._changing():
            order = self._records.get(order_id)
            if order is None or order.pending is None or order.pending.action_id != action_id:
                return None
            return self._settle(self._use(order), now)

    def settle_due(self, now: datetime) -> list[Notice]:
        """Apply every pending action whose delay has run out by ``now``, in due order."""
        with self._changing():
            notices = []
            while (entry := self._due.pop_due(now)) is not None:
                order_id, action_id = entry
                order = self._records.get(order_id)
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

    _APPLY: Final[dict[ActionKind, Callable[[ActionDesk, Order, Decimal], None]]] = {
        ActionKind.REFUND: _apply_refund,
        ActionKind.PARTIAL_REFUND: _apply_refund,
        ActionKind.AUTHORIZE: _apply_authorize,
        ActionKind.PARTIAL_AUTHORIZE: _apply_partial_authorize,
        ActionKind.CANCEL_AUTHORIZE: _apply_cancel,
    }
