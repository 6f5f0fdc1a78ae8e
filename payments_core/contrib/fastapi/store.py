"""What the webhook router remembers between callbacks: a small, pluggable state store.

For each gateway the router needs two facts: which event ids it has already
handled (to answer a repeated delivery with ``duplicate``) and the latest payment
state it applied per payment id (to answer an older one with ``stale``, through
:func:`payments_core.is_newer`). :class:`WebhookStateStore` is that contract, small on
purpose so that an application can back it with Redis, its database or, later,
the journal. :class:`MemoryWebhookStateStore` is the default: bounded, safe for
concurrent tasks, and gone with the process, so it is only right for one worker.

This module imports no web framework.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Final, Protocol, runtime_checkable

from payments_core.models import Payment

__all__ = ["MemoryWebhookStateStore", "WebhookStateStore"]


@runtime_checkable
class WebhookStateStore(Protocol):
    """Where the webhook router keeps handled event ids and the latest state per payment.

    The router handles one callback like this::

        async with store.lock(gateway, payment.id):
            if await store.seen(gateway, event.id): ...             # duplicate
            last = await store.last(gateway, payment.id)
            if last is not None and not is_newer(last, payment):
                await store.remember(gateway, event.id, None)      # stale
            else:
                await on_update(payment, event)                    # may raise: nothing kept
                await store.remember(gateway, event.id, payment)   # applied

    With several workers (``uvicorn --workers 4``, several hosts) the store must be
    shared by all of them, and so must :meth:`lock`: otherwise each worker keeps its
    own memory and a callback delivered to two workers is applied twice.
    """

    def lock(self, gateway: str, payment_id: str) -> AbstractAsyncContextManager[object]:
        """Held while one callback about this payment is checked and applied.

        Callbacks about the same payment are handled one at a time, so a
        duplicate delivered concurrently cannot be applied twice; callbacks about
        other payments go on in parallel.
        """
        ...

    async def seen(self, gateway: str, event_id: str) -> bool:
        """Whether the event with this id was already handled (applied or found stale)."""
        ...

    async def last(self, gateway: str, payment_id: str) -> Payment | None:
        """The latest state of the payment applied so far, or ``None``."""
        ...

    async def remember(self, gateway: str, event_id: str, payment: Payment | None) -> None:
        """Mark ``event_id`` handled; with ``payment``, that is now the payment's latest state."""
        ...


class MemoryWebhookStateStore:
    """The in-process default: bounded (least recently used entries go first), task-safe.

    ``max_payments`` bounds the payments whose latest state is kept and
    ``max_events`` the event ids remembered. A payment forgotten this way counts
    as never seen: its next callback is applied, so keep the application's own
    update idempotent (check :func:`~payments_core.is_newer` against the order's
    stored payment, as the FastAPI guide shows).

    Right for one worker process. Several workers need a shared store: implement
    :class:`WebhookStateStore` on Redis or your database.
    """

    DEFAULT_MAX_PAYMENTS: Final = 10_000
    DEFAULT_MAX_EVENTS: Final = 100_000

    def __init__(
        self,
        *,
        max_payments: int = DEFAULT_MAX_PAYMENTS,
        max_events: int = DEFAULT_MAX_EVENTS,
    ) -> None:
        if max_payments < 1 or max_events < 1:
            raise ValueError("max_payments and max_events must be at least 1")
        self.max_payments = max_payments
        self.max_events = max_events
        self._guard = threading.Lock()
        self._payments: OrderedDict[tuple[str, str], Payment] = OrderedDict()
        self._events: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._locks: dict[tuple[str, str], tuple[asyncio.Lock, int]] = {}

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} payments={len(self._payments)}/{self.max_payments} "
            f"events={len(self._events)}/{self.max_events}>"
        )

    def lock(self, gateway: str, payment_id: str) -> AbstractAsyncContextManager[object]:
        return self._locked((gateway, payment_id))

    @asynccontextmanager
    async def _locked(self, key: tuple[str, str]) -> AsyncIterator[object]:
        # One lock per payment while anyone holds or waits for it, dropped after:
        # the locks never outnumber the callbacks in progress.
        with self._guard:
            lock, users = self._locks.get(key, (None, 0))
            if lock is None:
                lock = asyncio.Lock()
            self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield lock
        finally:
            with self._guard:
                _, users = self._locks[key]
                if users == 1:
                    del self._locks[key]
                else:
                    self._locks[key] = (lock, users - 1)

    async def seen(self, gateway: str, event_id: str) -> bool:
        key = (gateway, event_id)
        with self._guard:
            if key in self._events:
                self._events.move_to_end(key)
                return True
            return False

    async def last(self, gateway: str, payment_id: str) -> Payment | None:
        key = (gateway, payment_id)
        with self._guard:
            payment = self._payments.get(key)
            if payment is not None:
                self._payments.move_to_end(key)
            return payment

    async def remember(self, gateway: str, event_id: str, payment: Payment | None) -> None:
        with self._guard:
            self._events[(gateway, event_id)] = None
            self._events.move_to_end((gateway, event_id))
            while len(self._events) > self.max_events:
                self._events.popitem(last=False)
            if payment is not None:
                self._payments[(gateway, payment.id)] = payment
                self._payments.move_to_end((gateway, payment.id))
                while len(self._payments) > self.max_payments:
                    self._payments.popitem(last=False)
