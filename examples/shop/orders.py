"""The shop's orders, kept in memory: :class:`OrderBook`.

An order learns about its payment from three places: the answer to
``create_payment``, the provider's callbacks, and polls (``get_payment``) on the
return pages and after admin actions. These arrive in any order and callbacks
may repeat, so every update goes through :meth:`OrderBook.apply`, which

* drops a callback whose event id was seen before (:meth:`OrderBook.first_delivery`),
* applies a payment snapshot only when it is newer than the one the order holds
  (:func:`payments_core.is_newer`: amounts never go down, a refunded or
  declined order never becomes paid again, a refused refund still returns).

Every change happens under one lock; readers get copies.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from payments_core import (
    CaptureMode,
    CardDetails,
    Decline,
    Money,
    Payment,
    PaymentStatus,
    is_final,
    is_newer,
    is_paid,
)

__all__ = ["HistoryEntry", "Order", "OrderBook", "OrderLine", "Update"]


@dataclass(frozen=True)
class OrderLine:
    """One product in an order, priced when the order was placed."""

    product_id: str
    name: str
    quantity: int
    unit_price: Money

    @property
    def total(self) -> Money:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class HistoryEntry:
    """Something that happened to an order, and where the news came from."""

    at: datetime
    source: str
    """``checkout``, ``callback``, ``poll`` or ``admin``."""
    text: str


@dataclass
class Order:
    """An order and the last known state of its payment."""

    id: str
    lines: tuple[OrderLine, ...]
    capture: CaptureMode
    created_at: datetime
    status: PaymentStatus = PaymentStatus.CREATED
    payment_id: str | None = None
    provider: str | None = None
    redirect_url: str | None = None
    authorized_amount: Money | None = None
    captured_amount: Money | None = None
    refunded_amount: Money | None = None
    card: CardDetails | None = None
    decline: Decline | None = None
    error: str | None = None
    """Why checkout could not start a payment, if it could not."""
    history: list[HistoryEntry] = field(default_factory=list)
    payment: Payment | None = None
    """The last payment snapshot applied: what :func:`is_newer` compares against."""

    @property
    def total(self) -> Money:
        total = Money.zero(self.lines[0].unit_price.currency)
        for line in self.lines:
            total += line.total
        return total

    @property
    def is_paid(self) -> bool:
        return is_paid(self.status)

    @property
    def is_final(self) -> bool:
        return is_final(self.status)

    @property
    def refundable_amount(self) -> Money | None:
        """What may still be refunded: captured minus refunded (``None`` if nothing was)."""
        if self.captured_amount is None or not self.captured_amount.is_positive():
            return None
        refunded = self.refunded_amount or Money.zero(self.captured_amount.currency)
        left = self.captured_amount - refunded
        return left if left.is_positive() else None


class Update(StrEnum):
    """What :meth:`OrderBook.apply` did with a payment snapshot."""

    APPLIED = "applied"
    UNCHANGED = "unchanged"
    STALE = "stale"
    """Older than what the order already shows: ignored."""
    UNKNOWN = "unknown"
    """No order has this payment."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _same_state(order: Order, payment: Payment) -> bool:
    return (
        order.status == payment.status
        and order.authorized_amount == payment.authorized_amount
        and order.captured_amount == payment.captured_amount
        and order.refunded_amount == payment.refunded_amount
        and order.card == payment.card
        and order.decline == payment.decline
    )


def _describe(payment: Payment) -> str:
    text = f"payment {payment.status.value}"
    if payment.decline is not None:
        text += f" ({payment.decline.message or payment.decline.code.value})"
    elif payment.refunded_amount is not None and payment.refunded_amount.is_positive():
        text += f", {payment.refunded_amount} refunded"
    elif payment.captured_amount is not None and payment.captured_amount.is_positive():
        text += f", {payment.captured_amount} captured"
    elif payment.authorized_amount is not None and payment.authorized_amount.is_positive():
        text += f", {payment.authorized_amount} held"
    return text


class OrderBook:
    """Every order of the shop, in memory, safe to share between threads.

    ``first_number`` numbers the orders (``1001``, ``1002``...); ``clock`` stamps
    the history. ``remember_events`` bounds the memory of seen callback ids.
    """

    def __init__(
        self,
        *,
        first_number: int = 1001,
        clock: Callable[[], datetime] = _utc_now,
        remember_events: int = 10_000,
    ) -> None:
        self._lock = threading.Lock()
        self._orders: dict[str, Order] = {}
        self._by_payment: dict[str, str] = {}
        self._events: OrderedDict[str, None] = OrderedDict()
        self._next = first_number
        self._clock = clock
        self._remember_events = remember_events

    # -- reading ---------------------------------------------------------------------

    def get(self, order_id: str) -> Order | None:
        """A copy of the order, or ``None``."""
        with self._lock:
            order = self._orders.get(order_id)
            return copy.deepcopy(order) if order is not None else None

    def find_by_payment(self, payment_id: str) -> Order | None:
        """A copy of the order paid by ``payment_id``, or ``None``."""
        with self._lock:
            order_id = self._by_payment.get(payment_id)
            return copy.deepcopy(self._orders[order_id]) if order_id is not None else None

    def all(self) -> list[Order]:
        """Copies of every order, newest first."""
        with self._lock:
            return [copy.deepcopy(order) for order in reversed(self._orders.values())]

    # -- changing ----------------------------------------------------------------------

    def create(self, lines: Iterable[OrderLine], capture: CaptureMode) -> Order:
        """A new order (status ``created``) for ``lines``."""
        placed = tuple(lines)
        if not placed:
            raise ValueError("an order needs at least one line")
        with self._lock:
            order = Order(
                id=str(self._next),
                lines=placed,
                capture=capture,
                created_at=self._clock(),
            )
            self._next += 1
            order.history.append(HistoryEntry(order.created_at, "checkout", "order placed"))
            self._orders[order.id] = order
            return copy.deepcopy(order)

    def attach(self, order_id: str, payment: Payment) -> Update:
        """Record the payment ``create_payment`` started for the order, and its state."""
        with self._lock:
            order = self._orders[order_id]
            order.payment_id = payment.id
            order.provider = payment.provider
            order.redirect_url = payment.redirect_url
            order.error = None
            self._by_payment[payment.id] = order_id
            self._log(order, "checkout", f"payment {payment.id} started with {payment.provider}")
            return self._apply(order, payment, "checkout")

    def checkout_failed(self, order_id: str, message: str) -> None:
        """Remember why no payment could be started."""
        with self._lock:
            order = self._orders[order_id]
            order.error = message
            self._log(order, "checkout", f"payment could not start: {message}")

    def note(self, order_id: str, source: str, text: str) -> None:
        """Add a line to the order's history."""
        with self._lock:
            self._log(self._orders[order_id], source, text)

    def first_delivery(self, event_id: str) -> bool:
        """True the first time a callback's event id is seen; False for a repeat."""
        with self._lock:
            if event_id in self._events:
                return False
            self._events[event_id] = None
            while len(self._events) > self._remember_events:
                self._events.popitem(last=False)
            return True

    def apply(self, payment: Payment, source: str) -> Update:
        """Apply a payment snapshot from ``source`` if it moves its order forward."""
        with self._lock:
            order_id = self._by_payment.get(payment.id)
            if order_id is None and payment.external_id in self._orders:
                # The news overtook the answer to create_payment: the external id
                # is the order number, so the order is still found.
                order_id = payment.external_id
                existing = self._orders[order_id]
                if existing.payment_id is None:
                    existing.payment_id = payment.id
                    existing.provider = payment.provider
                    self._by_payment[payment.id] = order_id
            if order_id is None or self._orders[order_id].payment_id != payment.id:
                return Update.UNKNOWN
            return self._apply(self._orders[order_id], payment, source)

    def _apply(self, order: Order, payment: Payment, source: str) -> Update:
        if _same_state(order, payment):
            return Update.UNCHANGED
        held = order.payment
        if held is not None and not is_newer(held, payment):
            self._log(
                order,
                source,
                f"ignored an older update ({payment.status.value}); "
                f"the order is already {order.status.value}",
            )
            return Update.STALE
        order.payment = payment
        order.status = payment.status
        order.authorized_amount = payment.authorized_amount
        order.captured_amount = payment.captured_amount
        order.refunded_amount = payment.refunded_amount
        order.card = payment.card or order.card
        order.decline = payment.decline or order.decline
        order.redirect_url = payment.redirect_url or order.redirect_url
        self._log(order, source, _describe(payment))
        return Update.APPLIED

    def _log(self, order: Order, source: str, text: str) -> None:
        order.history.append(HistoryEntry(self._clock(), source, text))
