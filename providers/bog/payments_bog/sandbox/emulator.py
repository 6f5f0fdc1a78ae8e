"""``BogSandbox``: the emulated bank, one object to configure, drive and inspect.

This is the top of the package: it builds the :class:`~.bank.Bank` (the state), the
ASGI app over it (:mod:`.app`) and offers the ways in: the in-process transports and
the loopback server of ``payments_core.sandbox``. No other module of the sandbox
imports this one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import httpx
from starlette.types import ASGIApp

from payments_core.sandbox import server
from payments_core.sandbox.bounded import LOG_LIMIT, RecentList
from payments_core.sandbox.clock import Clock, SandboxClock
from payments_core.sandbox.faults import FaultBook
from payments_core.sandbox.tokens import TOKEN_LIMIT
from payments_core.sandbox.transport import SandboxTransport, SyncSandboxTransport

from .app import build_app
from .bank import Bank
from .callbacks import CallbackDelivery
from .counters import Counters
from .faults import Fault
from .idempotency import RECORD_LIMIT, IdempotencyBook
from .signing import Signer
from .store import MAX_FINISHED_ORDERS, Notice, OrderStore
from .tokens import TokenIssuer


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
    of ``counters`` keep their last ``log_limit`` entries
    (:mod:`payments_core.sandbox.bounded`).
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
        self.bank = Bank(
            client_id=client_id,
            client_secret=client_secret,
            public_base_url=public_base_url,
            token_lifetime=token_lifetime,
            callback_transport=callback_transport,
            callback_retries=callback_retries,
            callback_backoff=callback_backoff,
            callback_timeout=callback_timeout,
            action_delay=action_delay,
            clock=clock,
            private_key_pem=private_key_pem,
            max_finished_orders=max_finished_orders,
            idempotency_limit=idempotency_limit,
            token_limit=token_limit,
            log_limit=log_limit,
        )
        self.app: ASGIApp = build_app(self.bank)

    def __repr__(self) -> str:
        return f"BogSandbox(public_base_url={self.public_base_url!r}, client_id={self.client_id!r})"

    # -- configuration and state -------------------------------------------------------

    @property
    def client_id(self) -> str:
        return self.bank.client_id

    @property
    def client_secret(self) -> str:
        return self.bank.client_secret

    @property
    def public_base_url(self) -> str:
        return self.bank.public_base_url

    @public_base_url.setter
    def public_base_url(self, url: str) -> None:
        self.bank.public_base_url = url

    @property
    def action_delay(self) -> float:
        """Seconds a refund, approve or cancel stays pending before its outcome."""
        return self.bank.action_delay

    @action_delay.setter
    def action_delay(self, seconds: float) -> None:
        self.bank.action_delay = seconds

    @property
    def public_key_pem(self) -> str:
        """The public half of the key that signs callbacks (``Callback-Signature``)."""
        return self.bank.public_key_pem

    @property
    def clock(self) -> SandboxClock:
        return self.bank.clock

    @property
    def signer(self) -> Signer:
        return self.bank.signer

    @property
    def counters(self) -> Counters:
        return self.bank.counters

    @property
    def callbacks(self) -> RecentList[CallbackDelivery]:
        """Every callback delivery attempt, in order (the last ``log_limit``)."""
        return self.bank.callbacks

    @property
    def store(self) -> OrderStore:
        return self.bank.store

    @property
    def tokens(self) -> TokenIssuer:
        return self.bank.tokens

    @property
    def faults(self) -> FaultBook[Fault]:
        return self.bank.faults

    @property
    def idempotency(self) -> IdempotencyBook:
        return self.bank.idempotency

    # -- links ---------------------------------------------------------------

    def api_url(self, path: str) -> str:
        return self.bank.api_url(path)

    def receipt_url(self, order_id: str) -> str:
        return self.bank.receipt_url(order_id)

    def page_url(self, order_id: str) -> str:
        return self.bank.page_url(order_id)

    def three_ds_url(self, order_id: str) -> str:
        return self.bank.three_ds_url(order_id)

    @property
    def token_url(self) -> str:
        return self.bank.token_url

    def provider_settings(self) -> dict[str, Any]:
        """Settings that point the BOG provider at this sandbox (``Payments("bog", **them)``).

        Plain data, so the sandbox stays independent of the provider package. Callback
        URLs on loopback are allowed, since local receivers speak plain HTTP.
        """
        return {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "environment": "sandbox",
            "api_base_url": self.api_url(""),
            "token_url": self.token_url,
            "callback_public_key": self.public_key_pem,
            "allow_insecure_callback_url": True,
        }

    # -- controls ------------------------------------------------------------

    def now(self) -> datetime:
        return self.bank.now()

    def add_fault(self, fault: Fault) -> None:
        self.bank.add_fault(fault)

    def clear_faults(self) -> int:
        return self.bank.clear_faults()

    def advance_clock(self, seconds: float) -> datetime:
        """Move sandbox time forward; due expiries and actions apply on the next request."""
        return self.bank.advance_clock(seconds)

    def revoke_tokens(self) -> int:
        """Make every access token issued so far invalid (clients get 401)."""
        return self.bank.revoke_tokens()

    async def pay(self, order_id: str, card_number: str) -> dict[str, Any]:
        """Pay as on the hosted page (card number, ``"saved"`` or a method key).

        Delivers the callback before returning the receipt. Raises
        :class:`~.store.OrderError` when the order cannot be paid so.
        """
        return await self.bank.pay(order_id, card_number)

    # -- plumbing used by the app ----------------------------------------------

    def sweep(self) -> list[Notice]:
        """Settle due actions and expire due orders; returns the callbacks owed."""
        return self.bank.sweep()

    async def deliver(self, notices: list[Notice] | tuple[Notice, ...]) -> None:
        await self.bank.deliver(notices)

    def schedule_settlement(self, order_id: str, action_id: str) -> None:
        """Apply a pending action after ``action_delay`` seconds, on the running loop."""
        self.bank.schedule_settlement(order_id, action_id)

    async def aclose(self) -> None:
        """Cancel pending delayed actions scheduled on the current event loop."""
        await self.bank.aclose()

    # -- ways in -----------------------------------------------------------------

    def transport(self) -> httpx.AsyncBaseTransport:
        """In-process async transport; a ``drop`` fault raises ``httpx.RemoteProtocolError``."""
        return SandboxTransport(self.app)

    def sync_transport(self) -> httpx.BaseTransport:
        """In-process sync transport on a private event-loop thread; close it when done."""
        return SyncSandboxTransport(self.app, name="bog")

    @contextmanager
    def serve(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Run on loopback in a background thread; yields the base URL (``port=0``: any)."""
        with server.serve_bank(self.app, self.bank, host, port, name="bog") as url:
            yield url
