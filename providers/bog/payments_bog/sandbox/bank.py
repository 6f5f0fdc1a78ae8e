"""The emulated bank itself: its state and what can be done to it, without HTTP.

:class:`Bank` gathers the lower modules (clock, signer, counters, order store, token
issuer, fault book, idempotency records, callback sender) into the one object the
HTTP layers above it (the API in :mod:`.app`, the page in :mod:`.page`, the controls
in :mod:`.control`) are handed. Nothing here knows about those layers or about
:class:`~.emulator.BogSandbox`, the facade over all of them, so the dependencies
only point downwards.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import httpx

from payments_core.sandbox.bounded import LOG_LIMIT, RecentList
from payments_core.sandbox.clock import Clock, SandboxClock
from payments_core.sandbox.faults import FaultBook
from payments_core.sandbox.tokens import TOKEN_LIMIT

from .callbacks import CallbackDelivery, CallbackSender
from .counters import Counters
from .endpoints import API_PREFIX, TOKEN_PATH
from .faults import Fault
from .idempotency import RECORD_LIMIT, IdempotencyBook
from .signing import Signer
from .store import MAX_FINISHED_ORDERS, Notice, OrderStore
from .tokens import TokenIssuer


class Bank:
    """State and behaviour of the emulated BOG: the HTTP-free core of the sandbox.

    The parameters are :class:`~.emulator.BogSandbox`'s.
    """

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        public_base_url: str,
        token_lifetime: int,
        callback_transport: httpx.AsyncBaseTransport | None,
        callback_retries: int,
        callback_backoff: float,
        callback_timeout: float,
        action_delay: float,
        clock: Clock | None,
        private_key_pem: bytes | str | None,
        max_finished_orders: int = MAX_FINISHED_ORDERS,
        idempotency_limit: int = RECORD_LIMIT,
        token_limit: int = TOKEN_LIMIT,
        log_limit: int = LOG_LIMIT,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.public_base_url = public_base_url.rstrip("/")
        self.action_delay = action_delay
        self.clock = SandboxClock(clock)
        self.signer = Signer(private_key_pem)
        self.public_key_pem = self.signer.public_key_pem
        self.counters = Counters(log_limit=log_limit)
        self.callbacks: RecentList[CallbackDelivery] = RecentList(limit=log_limit)
        """Every callback delivery attempt, in order (the last ``log_limit``)."""
        self.store = OrderStore(max_finished_orders)
        self.tokens = TokenIssuer(
            client_id, client_secret, token_lifetime, self.signer, token_limit
        )
        self.faults: FaultBook[Fault] = FaultBook()
        self.idempotency = IdempotencyBook(idempotency_limit)
        self._sender = CallbackSender(
            self.signer,
            transport=callback_transport,
            retries=callback_retries,
            backoff=callback_backoff,
            timeout=callback_timeout,
            record=self.callbacks.append,
        )
        self._tasks: set[asyncio.Task[None]] = set()

    def __repr__(self) -> str:
        return f"Bank(public_base_url={self.public_base_url!r}, client_id={self.client_id!r})"

    # -- links -------------------------------------------------------------------

    def api_url(self, path: str) -> str:
        return f"{self.public_base_url}{API_PREFIX}{path}"

    def receipt_url(self, order_id: str) -> str:
        return self.api_url(f"/receipt/{order_id}")

    def page_url(self, order_id: str) -> str:
        return f"{self.public_base_url}/?order_id={order_id}"

    def three_ds_url(self, order_id: str) -> str:
        return (
            f"{self.public_base_url}/api/3ds/post-form?fieldName=order_id"
            f"&fieldValue={order_id}&baseUrl={self.public_base_url}"
        )

    @property
    def token_url(self) -> str:
        return f"{self.public_base_url}{TOKEN_PATH}"

    # -- controls ------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock.now()

    def add_fault(self, fault: Fault) -> None:
        self.faults.add(fault)

    def clear_faults(self) -> int:
        return self.faults.clear()

    def advance_clock(self, seconds: float) -> datetime:
        """Move sandbox time forward; due expiries and actions apply on the next request."""
        return self.clock.advance(seconds)

    def revoke_tokens(self) -> int:
        """Make every access token issued so far invalid (clients get 401)."""
        return self.tokens.revoke_all()

    async def pay(self, order_id: str, card_number: str) -> dict[str, Any]:
        """Pay as on the hosted page (card number, ``"saved"`` or a method key).

        Delivers the callback before returning the receipt. Raises
        :class:`~.store.OrderError` when the order cannot be paid so.
        """
        await self.deliver(self.sweep())
        outcome = self.store.pay(order_id, card_number, self.now())
        await self.deliver(outcome.notices)
        return outcome.receipt

    # -- time and callbacks ----------------------------------------------------------

    def sweep(self) -> list[Notice]:
        """Settle due actions and expire due orders; returns the callbacks owed."""
        now = self.now()
        return [*self.store.settle_due(now), *self.store.expire_due(now)]

    async def deliver(self, notices: list[Notice] | tuple[Notice, ...]) -> None:
        for notice in notices:
            if await self._sender.deliver(notice, self.now()):
                self.counters.add("callbacks_delivered")
            else:
                self.counters.add("callbacks_failed")

    def schedule_settlement(self, order_id: str, action_id: str) -> None:
        """Apply a pending action after ``action_delay`` seconds, on the running loop."""

        async def settle_later() -> None:
            await asyncio.sleep(self.action_delay)
            notice = self.store.settle(order_id, action_id, self.now())
            if notice is not None:
                await self.deliver([notice])

        task = asyncio.get_running_loop().create_task(settle_later())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def aclose(self) -> None:
        """Cancel pending delayed actions scheduled on the current event loop."""
        loop = asyncio.get_running_loop()
        tasks = [task for task in self._tasks if task.get_loop() is loop]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
