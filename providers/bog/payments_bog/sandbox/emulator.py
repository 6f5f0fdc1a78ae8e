"""``BogSandbox``: the emulated bank, one object to configure, drive and inspect."""

from __future__ import annotations

import asyncio
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

import httpx
from starlette.types import ASGIApp

from .app import build_app
from .bounded import LOG_LIMIT, RecentList
from .callbacks import CallbackDelivery, CallbackSender
from .clock import Clock, SandboxClock
from .counters import Counters
from .endpoints import API_PREFIX
from .faults import Fault, FaultBook
from .idempotency import RECORD_LIMIT, IdempotencyBook
from .server import serve
from .signing import Signer
from .store import MAX_FINISHED_ORDERS, Notice, OrderStore
from .tokens import TOKEN_LIMIT, TokenIssuer
from .transport import SandboxTransport, SyncSandboxTransport


class BogSandbox:
    """A local Bank of Georgia: API, token server, payment page and callbacks.

    ``app`` is the ASGI application. Use :meth:`transport` (or :meth:`sync_transport`)
    to reach it in process with httpx, or :meth:`serve` to run it on loopback.
    ``public_base_url`` is where links (receipt, payment page) point; :meth:`serve`
    sets it to the real URL while serving.

    ``callback_transport`` carries callbacks to the merchant (``None``: the real
    network, fine for loopback receivers). ``action_delay`` keeps refunds, approvals
    and cancellations pending (``refund_requested``) for that many seconds before
    their outcome and callback. ``clock`` replaces ``datetime.now(UTC)``.

    Memory is bounded for long load tests: orders in use are always kept, finished
    ones up to ``max_finished_orders`` (see :mod:`.store`); the ``Idempotency-Key``
    records up to ``idempotency_limit`` (:mod:`.idempotency`), the tokens up to
    ``token_limit`` (:mod:`.tokens`); ``callbacks`` and the request and per-key logs
    of ``counters`` keep their last ``log_limit`` entries (:mod:`.bounded`).
    """

    def __init__(
        self,
        *,
        client_id: str = "sandbox-client",
        client_secret: str = "sandbox-secret",  # noqa: S107 - the sandbox's own fake secret
        public_base_url: str = "http://127.0.0.1:8086",
        token_lifetime: int = 3600,
        callback_transport: httpx.AsyncBaseTransport | None = None,
        callback_retries: int = 3,
        callback_backoff: float = 0.05,
        callback_timeout: float = 5.0,
        action_delay: float = 0.0,
        clock: Clock | None = None,
        private_key_pem: bytes | str | None = None,
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
        self.faults = FaultBook()
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
        self.app: ASGIApp = build_app(self)

    def __repr__(self) -> str:
        return f"BogSandbox(public_base_url={self.public_base_url!r}, client_id={self.client_id!r})"

    # -- links ---------------------------------------------------------------

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
        return f"{self.public_base_url}/auth/realms/bog/protocol/openid-connect/token"

    def provider_settings(self) -> dict[str, Any]:
        """Settings that point the BOG provider at this sandbox (``Payments("bog", **them)``).

        Plain data, so the sandbox stays independent of the provider package. Callback
        URLs on loopback are allowed, since local receivers speak plain HTTP.
        """
        return {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "environment": "sandbox",
            "api_base_url": f"{self.public_base_url}{API_PREFIX}",
            "token_url": self.token_url,
            "callback_public_key": self.public_key_pem,
            "allow_insecure_callback_url": True,
        }

    # -- controls ------------------------------------------------------------

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

    # -- plumbing used by the app ----------------------------------------------

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

    # -- ways in -----------------------------------------------------------------

    def transport(self) -> httpx.AsyncBaseTransport:
        """In-process async transport; a ``drop`` fault raises ``httpx.RemoteProtocolError``."""
        return SandboxTransport(self.app)

    def sync_transport(self) -> httpx.BaseTransport:
        """In-process sync transport on a private event-loop thread; close it when done."""
        return SyncSandboxTransport(self.app)

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> AbstractContextManager[str]:
        """Run on loopback in a background thread; yields the base URL (``port=0``: any)."""
        return serve(self, host, port)
