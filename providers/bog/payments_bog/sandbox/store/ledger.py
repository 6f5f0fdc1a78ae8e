"""The order book itself: keeping orders, finding them, moving their status, expiring them.

Statuses move only along :data:`..vocabulary.TRANSITIONS` (any other move is a bug in
the emulator: :class:`~.outcomes.IllegalTransition`). An unpaid order past
``zoned_expire_date`` becomes ``rejected`` with ``reject_reason: "expiration"``.

Memory stays bounded, since the emulator also serves long load tests. An order in
use is never forgotten: one still unpaid (it expires at the latest after its
``ttl``), one with a refund, approve or cancel pending, a pre-authorization held
(``blocked``), and one holding a saved card that was not deleted. Every other order
is *finished*; the book keeps the ``max_finished_orders`` finished orders most
recently used (:data:`MAX_FINISHED_ORDERS` by default; any call naming an order uses
it) and forgets older ones, which then answer like unknown orders ("Invalid
order_id"). The bookkeeping is the emulators' shared
:class:`~payments_core.sandbox.book.RecordBook`; expiry and delayed actions are found
through :class:`~payments_core.sandbox.due.DueQueue` s, not by looking at every order
on every request.

The store's other parts (:mod:`.saved_cards`, :mod:`.paying`, :mod:`.actions`,
:mod:`.order_store`) build on :class:`OrderLedger`.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any, Final

from payments_core.sandbox.book import RecordBook
from payments_core.sandbox.due import DueQueue

from ..orders import Order
from ..receipt import render
from ..validation import OrderRequest
from ..vocabulary import TRANSITIONS, UNPAID, OrderStatus
from .outcomes import IllegalTransition, Notice, Outcome, UnknownOrder

MAX_FINISHED_ORDERS: Final = 10_000
"""Finished orders a store keeps (``BogSandbox(max_finished_orders=...)``)."""


class OrderLedger(RecordBook[Order]):
    """All orders of the emulated merchant, keyed by BOG order id.

    Keeps every order in use and the ``max_finished_orders`` most recently used
    finished ones (see the module notes).
    """

    def __init__(self, max_finished_orders: int = MAX_FINISHED_ORDERS) -> None:
        super().__init__(max_finished_orders, limit_name="max_finished_orders")
        self._expiring: DueQueue[str] = DueQueue(self._still_unpaid)
        """Ids of orders created unpaid, by ``expires_at``."""
        self._unpaid = 0
        self._due: DueQueue[tuple[str, str]] = DueQueue(self._still_pending)
        """(order id, action id) of delayed actions, by due time."""
        self._pending = 0

    @property
    def max_finished_orders(self) -> int:
        return self._finished_limit

    @max_finished_orders.setter
    def max_finished_orders(self, limit: int) -> None:
        self._finished_limit = limit

    # -- what the book keeps -----------------------------------------------------

    @staticmethod
    def _key(order: Order) -> str:
        return order.id

    @staticmethod
    def _in_use(order: Order) -> bool:
        saved = order.saved_card
        return (
            order.status in UNPAID
            or order.status is OrderStatus.BLOCKED
            or order.pending is not None
            or (saved is not None and not saved.deleted)
        )

    def _still_unpaid(self, order_id: str) -> bool:
        kept = self._records.get(order_id)
        return kept is not None and kept.status in UNPAID

    def _still_pending(self, entry: tuple[str, str]) -> bool:
        order_id, action_id = entry
        kept = self._records.get(order_id)
        return kept is not None and kept.pending is not None and kept.pending.action_id == action_id

    # -- reading ---------------------------------------------------------------

    def order(self, order_id: str) -> Order:
        """The live order (read it, do not change it), or :class:`UnknownOrder`."""
        with self._changing():
            try:
                return self._use(self._records[order_id])
            except KeyError:
                raise UnknownOrder from None

    def receipt(self, order_id: str) -> dict[str, Any]:
        with self._changing():
            return render(self.order(order_id))

    def _new(self, request: OrderRequest, now: datetime) -> Order:
        order = Order(
            id=str(uuid.uuid4()),
            request=request,
            created_at=now,
            expires_at=now + timedelta(minutes=request.ttl_minutes),
            split_status="created" if request.split else None,
        )
        self._records[order.id] = order
        self._unpaid += 1
        self._expiring.push(order.expires_at, order.id, waiting=self._unpaid)
        return self._use(order)

    # -- expiry ---------------------------------------------------------------

    def expire_due(self, now: datetime) -> list[Notice]:
        """Reject every unpaid order whose ``zoned_expire_date`` has passed, in expiry order."""
        with self._changing():
            notices = []
            while (order_id := self._expiring.pop_due(now)) is not None:
                order = self._records.get(order_id)
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
