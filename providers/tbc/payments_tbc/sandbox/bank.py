"""The emulated bank itself: its state and what a customer can do to it, without HTTP.

:class:`Bank` gathers the lower modules (clock, counters, fault book, token issuer,
payment store, callback sender) into the one object the HTTP layers above it (the
API, the hosted page and the controls in :mod:`.app`) are handed. Nothing here knows
about those layers, so the dependencies only point downwards.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from payments_core.sandbox.bounded import LOG_LIMIT, RecentList
from payments_core.sandbox.clock import Clock, SandboxClock
from payments_core.sandbox.faults import FaultBook
from payments_core.sandbox.tokens import TOKEN_LIMIT

from .callbacks import CallbackDelivery, CallbackSender, CallbackTransport
from .cards import SUCCESS_CARD, SandboxCard, find_card
from .counters import Counters
from .endpoints import API_PREFIX
from .faults import Fault
from .problems import ApiError
from .store import MAX_FINISHED_PAYMENTS, PaymentStore
from .tokens import TokenIssuer


class UnknownCard(ApiError):
    def __init__(self, number: str) -> None:
        super().__init__(400, "Bad Request", f"{number!r} is not one of the sandbox's test cards")


class Bank:
    """State and behaviour of the emulated TBC: the HTTP-free core of the sandbox."""

    def __init__(
        self,
        *,
        api_key: str,
        client_id: str,
        client_secret: str,
        public_base_url: str,
        callback_transport: CallbackTransport | None,
        clock: Clock | None,
        token_lifetime: int,
        callback_url: str | None,
        callback_retries: int,
        callback_backoff: float,
        callback_timeout: float,
        max_finished_payments: int = MAX_FINISHED_PAYMENTS,
        token_limit: int = TOKEN_LIMIT,
        log_limit: int = LOG_LIMIT,
    ) -> None:
        self.api_key = api_key
        self.client_id = client_id
        self.client_secret = client_secret
        self.public_base_url = public_base_url.rstrip("/")
        self.clock = SandboxClock(clock)
        self.counters = Counters(log_limit=log_limit)
        self.faults: FaultBook[Fault] = FaultBook()
        self.tokens = TokenIssuer(api_key, client_id, client_secret, token_lifetime, token_limit)
        self.payments = PaymentStore(self.counters.add, callback_url, max_finished_payments)
        self.callbacks: RecentList[CallbackDelivery] = RecentList(limit=log_limit)
        self._sender = CallbackSender(
            transport=callback_transport,
            retries=callback_retries,
            backoff=callback_backoff,
            timeout=callback_timeout,
            now=self.now,
            record=self.callbacks.append,
            count=self.counters.add,
        )

    def __repr__(self) -> str:
        return f"Bank(public_base_url={self.public_base_url!r}, client_id={self.client_id!r})"

    # -- links -------------------------------------------------------------------

    @property
    def api_base_url(self) -> str:
        return f"{self.public_base_url}{API_PREFIX}"

    def payment_url(self, pay_id: str) -> str:
        """The ``self`` link of a payment (the details resource)."""
        return f"{self.api_base_url}/payments/{pay_id}"

    def approval_url(self, pay_id: str) -> str:
        """The ``approval_url`` link: the hosted page (its host is opaque at TBC, [INF])."""
        return f"{self.public_base_url}/checkout/{pay_id}"

    # -- time and callbacks ----------------------------------------------------------

    def now(self) -> datetime:
        return self.clock.now()

    def sweep(self) -> int:
        """Expire the sessions that ran out by now (their callbacks become owed)."""
        return self.payments.expire_due(self.now())

    async def deliver_owed(self) -> None:
        """Deliver every callback owed so far, in order."""
        for notice in self.payments.take_notices():
            await self._sender.deliver(notice)

    # -- what a customer does ------------------------------------------------------------

    @staticmethod
    def card(card: str | SandboxCard) -> SandboxCard:
        if isinstance(card, SandboxCard):
            return card
        found = find_card(card)
        if found is None:
            raise UnknownCard(card)
        return found

    async def pay(
        self, pay_id: str, card: str | SandboxCard = SUCCESS_CARD, method: int | None = None
    ) -> dict[str, Any]:
        """Pay on the hosted page with a test card; callbacks are delivered before it returns.

        Returns the payment's details as ``GET /payments/{payId}`` shows them. Raises
        :class:`~.problems.ApiError` when the payment cannot be paid so (unknown id or
        card, closed or expired session, a method the payment does not allow).
        """
        chosen = self.card(card)
        self.sweep()
        try:
            self.payments.pay(pay_id, chosen, method, self.now())
        finally:
            await self.deliver_owed()
        return self.payments.details(pay_id)

    async def expire(self, pay_id: str) -> dict[str, Any]:
        """End an open checkout session now (``Expired``) and deliver its callback."""
        self.sweep()
        try:
            self.payments.expire(pay_id)
        finally:
            await self.deliver_owed()
        return self.payments.details(pay_id)
