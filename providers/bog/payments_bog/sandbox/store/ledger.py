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
order_id"). Expiry and delayed actions are found through heaps ordered by due time,
not by looking at every order on every request.

The store's other parts (:mod:`.saved_cards`, :mod:`.paying`, :mod:`.actions`,
:mod:`.order_store`) build on :class:`OrderLedger`.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, Final

from payments_core.sandbox.bounded import check_limit

from ..orders import Order
from ..receipt import render
from ..validation import OrderRequest
from ..vocabulary import TRANSITIONS, UNPAID, OrderStatus
from .outcomes import IllegalTransition, Notice, Outcome, UnknownOrder

MAX_FINISHED_ORDERS: Final = 10_000
"""Finished orders a store keeps (``BogSandbox(max_finished_orders=...)``)."""


class OrderLedger:
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
