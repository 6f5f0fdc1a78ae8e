"""The asynchronous facade: :class:`AsyncPayments`, a thin shell over the shared bodies.

The same bodies as :class:`~payments_core.Payments` run here
(:mod:`payments_core.gateway.lifecycle`); this shell awaits each step they
yield: the store (a plain one is wrapped so it can be awaited), the
``httpx.AsyncClient`` driver, the journal's async methods.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from payments_core.drivers import AsyncDriver
from payments_core.errors import ConfigurationError
from payments_core.gateway.calls import CheckedCall
from payments_core.gateway.lifecycle import CallBody, Lifecycle
from payments_core.gateway.settlement import AwaitableStore
from payments_core.idempotency import IdempotencyStore
from payments_core.models import Operation, Payment, PaymentRequest, WebhookEvent
from payments_core.money import Money
from payments_core.provider import Capability, Flow, PaymentProvider

__all__ = ["AsyncPayments"]

ResultT = TypeVar("ResultT")


class AsyncPayments(Lifecycle):
    """Asynchronous facade over one configured gateway. Use it with ``async with``.

    The provider implementation is the same one :class:`Payments` runs.
    """

    _driver: AsyncDriver

    def __init__(
        self,
        provider: str | PaymentProvider,
        /,
        *,
        http_client: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
        **kwargs: Any,
    ) -> None:
        super().__init__(provider, **kwargs)
        store = self.idempotency_store
        self._calls_store = (
            store if inspect.iscoroutinefunction(store.claim) else AwaitableStore(store)
        )
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
            raise ConfigurationError("AsyncPayments needs an httpx.AsyncClient")
        self._owns_client = http_client is None
        self.http_client = http_client or httpx.AsyncClient(timeout=self.provider.settings.timeout)
        if sleep is None:
            import asyncio  # here, not at the top: a sync-only process never loads it

            sleep = asyncio.sleep
        self._sleep = sleep
        self._driver = AsyncDriver(
            self.provider,
            self.http_client,
            self.hooks,
            policy=self._retry,
            sleep=self._sleep,
            clock=clock,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client and journal (if this facade made them) and the provider."""
        if self._owns_client:
            await self.http_client.aclose()
        if self._owns_journal and self.journal is not None:
            await self.journal.aclose()
        self.provider.close()

    def _journal_store(self) -> IdempotencyStore:
        assert self.journal is not None
        store: Any = self.journal.async_idempotency_store(lease=self._deadline())
        return store  # type: ignore[no-any-return]

    # -- doing the steps: awaited ------------------------------------------------------

    async def _drive(self, steps: CallBody[ResultT]) -> ResultT:
        """Run a body to its result, awaiting each step it yields."""
        try:
            function, args, keywords = next(steps)
            while True:
                try:
                    outcome = await function(*args, **keywords)
                except BaseException as exc:
                    function, args, keywords = steps.throw(exc)
                else:
                    function, args, keywords = steps.send(outcome)
        except StopIteration as done:
            result: ResultT = done.value
            return result

    async def _settle(
        self,
        call: CheckedCall[Any],
        step: str,
        args: tuple[Any, ...],
        keywords: Mapping[str, Any],
    ) -> None:
        try:
            await getattr(self._calls_store, step)(*args, **keywords)
        except Exception as exc:
            self._settle_failed(call, step, exc)

    def _settle_despite_cancel(
        self,
        call: CheckedCall[Any],
        step: str,
        args: tuple[Any, ...],
        keywords: Mapping[str, Any],
    ) -> Awaitable[None]:
        import asyncio  # loaded by the time a call runs: a dictionary look-up

        # Shielded: a cancelled call still leaves its key unknown or released.
        return asyncio.shield(self._settle(call, step, args, keywords))

    def _record_payment(self, payment: Payment, source: str | None) -> Awaitable[Any]:
        assert self.journal is not None
        return self.journal.arecord_payment(self.name, payment, source)

    def _receive_callback(self, event: WebhookEvent) -> Awaitable[Any]:
        assert self.journal is not None
        return self.journal.areceive_callback(self.name, event)

    # -- the operations ------------------------------------------------------------------

    async def run_flow(
        self,
        operation: str,
        request: Any,
        flow: Flow[ResultT],
        *,
        payment_id: str | None = None,
        source: str | None = None,
        idempotency_key: str | None = None,
    ) -> ResultT:
        """Run a provider-specific flow like a built-in operation (see ``Payments.run_flow``)."""
        call = self._flow_call(operation, request, flow, payment_id, source, idempotency_key)
        return await self._drive(self._call_steps(call))

    async def parse_webhook(
        self,
        headers: Mapping[str, str] | Iterable[tuple[str, str]],
        body: bytes,
        *,
        remote_addr: str | None = None,
    ) -> WebhookEvent:
        """Verify a callback and return its event (see ``Payments.parse_webhook``)."""
        return await self._drive(self._webhook_steps(headers, body, remote_addr))

    async def forget_webhook(self, event: WebhookEvent) -> bool:
        """Take back a callback whose handling failed (see ``Payments.forget_webhook``)."""
        if self.journal is None:
            return False
        return await self.journal.aforget_callback(self.name, event)

    async def create_payment(self, request: PaymentRequest) -> Payment:
        """Start a payment. Send the customer to ``payment.redirect_url`` if it has one."""
        return await self._drive(self._call_steps(self._create_call(request)))

    async def get_payment(self, payment_id: str) -> Payment:
        """The payment as the provider sees it now."""
        return await self._drive(self._call_steps(self._get_call(payment_id)))

    async def refund(
        self, payment_id: str, amount: Money | None = None, *, idempotency_key: str | None = None
    ) -> Operation:
        """Refund ``amount``, or everything refundable when ``amount`` is None."""
        call = self._money_call(
            Capability.REFUND, Capability.PARTIAL_REFUND, payment_id, amount, idempotency_key
        )
        return await self._drive(self._call_steps(call))

    async def capture(
        self, payment_id: str, amount: Money | None = None, *, idempotency_key: str | None = None
    ) -> Operation:
        """Capture an authorized payment, fully or (with ``amount``) partly."""
        call = self._money_call(
            Capability.CAPTURE, Capability.PARTIAL_CAPTURE, payment_id, amount, idempotency_key
        )
        return await self._drive(self._call_steps(call))

    async def void(self, payment_id: str, *, idempotency_key: str | None = None) -> Operation:
        """Release an authorization: the held funds go back to the customer."""
        call = self._money_call(Capability.VOID, None, payment_id, None, idempotency_key)
        return await self._drive(self._call_steps(call))
