"""``TbcSandbox``: the emulated bank, one object to configure, drive and inspect.

This is the top of the package: it builds the :class:`~.bank.Bank` (state), the ASGI
app over it (:mod:`.app`) and offers the ways in: the in-process transports and the
loopback server of ``payments_core.sandbox``. No other module of the sandbox imports
this one.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Final, TypeVar

import httpx
from starlette.types import ASGIApp

from payments_core.sandbox import server
from payments_core.sandbox.bounded import LOG_LIMIT
from payments_core.sandbox.clock import Clock, SandboxClock
from payments_core.sandbox.faults import FaultBook
from payments_core.sandbox.tokens import TOKEN_LIMIT
from payments_core.sandbox.transport import SandboxTransport, SyncSandboxTransport

from .app import build_app
from .bank import Bank
from .callbacks import CallbackDelivery, CallbackTransport
from .cards import SUCCESS_CARD, SandboxCard
from .counters import Counters
from .faults import Fault
from .store import MAX_FINISHED_PAYMENTS, PaymentStore

T = TypeVar("T")

LOOPBACK: Final = "127.0.0.1"
"""The one address a TBC sandbox serves on."""


def _run_on_own_loop(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to the end on a fresh loop in a thread (safe inside a running loop)."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(make())
        except BaseException as exc:  # handed back to the caller's thread below
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="tbc-sandbox-helper", daemon=True)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    value: T = outcome["value"]
    return value


class TbcSandbox:
    """A local TBC Bank checkout: token server, ``/v1/tpay`` API, hosted page, callbacks.

    ``app`` is the ASGI application; :meth:`transport` / :meth:`sync_transport` reach it
    in process with httpx, :meth:`serve` runs it on 127.0.0.1. ``public_base_url`` is
    where links point (the ``self`` and ``approval_url`` links); :meth:`serve` sets it
    to the real URL while serving.

    ``callback_transport`` (sync or async httpx transport) carries callbacks to the
    merchant; without one they go over the network, to loopback hosts only.
    ``callback_url`` is the URL registered in the merchant dashboard, used when a
    payment names none. ``clock`` replaces ``datetime.now(UTC)``; ``token_lifetime``
    is ``expires_in`` in seconds.

    Memory is bounded for long load tests: payments in use are always kept, finished
    ones up to ``max_finished_payments`` (see :mod:`.store`), tokens up to
    ``token_limit`` (:mod:`.tokens`); ``callbacks`` and ``counters.request_log`` keep
    their last ``log_limit`` entries (:class:`~payments_core.sandbox.bounded.RecentList`).
    """

    def __init__(
        self,
        *,
        api_key: str = "sandbox-apikey",
        client_id: str = "7001234",
        client_secret: str = "sandbox-secret",  # noqa: S107 - the sandbox's own fake secret
        public_base_url: str = "https://tbc.sandbox.test",
        callback_transport: CallbackTransport | None = None,
        clock: Clock | None = None,
        token_lifetime: int = 86400,
        callback_url: str | None = None,
        callback_retries: int = 3,
        callback_backoff: float = 0.05,
        callback_timeout: float = 5.0,
        max_finished_payments: int = MAX_FINISHED_PAYMENTS,
        token_limit: int = TOKEN_LIMIT,
        log_limit: int = LOG_LIMIT,
    ) -> None:
        self.bank = Bank(
            api_key=api_key,
            client_id=client_id,
            client_secret=client_secret,
            public_base_url=public_base_url,
            callback_transport=callback_transport,
            clock=clock,
            token_lifetime=token_lifetime,
            callback_url=callback_url,
            callback_retries=callback_retries,
            callback_backoff=callback_backoff,
            callback_timeout=callback_timeout,
            max_finished_payments=max_finished_payments,
            token_limit=token_limit,
            log_limit=log_limit,
        )
        self.app: ASGIApp = build_app(self.bank)

    def __repr__(self) -> str:
        return f"TbcSandbox(public_base_url={self.public_base_url!r}, client_id={self.client_id!r})"

    # -- configuration and state -------------------------------------------------------

    @property
    def api_key(self) -> str:
        return self.bank.api_key

    @property
    def client_id(self) -> str:
        return self.bank.client_id

    @property
    def client_secret(self) -> str:
        return self.bank.client_secret

    @property
    def public_base_url(self) -> str:
        return self.bank.public_base_url

    @property
    def api_base_url(self) -> str:
        """``{public_base_url}/v1/tpay``: the base the API paths hang from."""
        return self.bank.api_base_url

    @property
    def counters(self) -> Counters:
        return self.bank.counters

    @property
    def payments(self) -> PaymentStore:
        """Every payment (``sandbox.payments[pay_id]``) and saved card (``.saved_cards``)."""
        return self.bank.payments

    @property
    def callbacks(self) -> list[CallbackDelivery]:
        """Every callback delivery attempt, in order (the last ``log_limit``)."""
        return self.bank.callbacks

    @property
    def clock(self) -> SandboxClock:
        return self.bank.clock

    @property
    def faults(self) -> FaultBook[Fault]:
        return self.bank.faults

    def approval_url(self, pay_id: str) -> str:
        return self.bank.approval_url(pay_id)

    def now(self) -> datetime:
        return self.bank.now()

    # -- controls ----------------------------------------------------------------------

    def add_fault(self, fault: Fault) -> None:
        self.bank.faults.add(fault)

    def clear_faults(self) -> int:
        return self.bank.faults.clear()

    def advance_clock(self, seconds: float) -> datetime:
        """Move sandbox time forward. Sessions that run out expire on the next request
        (or :meth:`tick`), which also delivers their callbacks."""
        return self.bank.clock.advance(seconds)

    def revoke_tokens(self) -> int:
        """Make every access token issued so far invalid (clients get 401)."""
        return self.bank.tokens.revoke_all()

    async def tick(self) -> int:
        """Expire the sessions that ran out by now and deliver their callbacks."""
        expired = self.bank.sweep()
        await self.bank.deliver_owed()
        return expired

    async def pay(
        self, pay_id: str, card: str | SandboxCard = SUCCESS_CARD, *, method: int | None = None
    ) -> dict[str, Any]:
        """Pay on the hosted page as a customer would, with a test card (a number or a
        :class:`~.cards.SandboxCard`; see :data:`~.cards.TEST_CARDS`) and optionally a
        ``method`` code the payment allows.

        Delivers the callback before returning the payment's details. Raises
        :class:`~.problems.ApiError` when the payment cannot be paid so.
        """
        return await self.bank.pay(pay_id, card, method)

    def pay_sync(
        self, pay_id: str, card: str | SandboxCard = SUCCESS_CARD, *, method: int | None = None
    ) -> dict[str, Any]:
        """:meth:`pay` for sync code, run on a loop of its own in a helper thread.

        Callable inside a running event loop too, but it blocks that loop until the
        callbacks are delivered: a receiver served by the same loop would never answer.
        """
        return _run_on_own_loop(lambda: self.bank.pay(pay_id, card, method))

    async def expire(self, pay_id: str) -> dict[str, Any]:
        """Let an open checkout session run out now (``Expired``; callback delivered)."""
        return await self.bank.expire(pay_id)

    def expire_sync(self, pay_id: str) -> dict[str, Any]:
        """:meth:`expire` for sync code."""
        return _run_on_own_loop(lambda: self.bank.expire(pay_id))

    # -- ways in -------------------------------------------------------------------------

    def transport(self) -> httpx.AsyncBaseTransport:
        """In-process async transport; a ``drop`` fault raises ``httpx.RemoteProtocolError``."""
        return SandboxTransport(self.app)

    def sync_transport(self) -> httpx.BaseTransport:
        """In-process sync transport on a private event-loop thread; close it when done."""
        return SyncSandboxTransport(self.app, name="tbc")

    @contextmanager
    def serve(self, port: int = 0, *, host: str = LOOPBACK) -> Iterator[str]:
        """Run on ``127.0.0.1:port`` (0: any free port) in a background thread and yield
        ``"http://127.0.0.1:PORT"``; any other host is refused with ``ValueError``."""
        if host != LOOPBACK:
            raise ValueError(f"the sandbox serves on {LOOPBACK} only, not on {host!r}")
        with server.serve_bank(self.app, self.bank, host, port, name="tbc") as url:
            yield url
