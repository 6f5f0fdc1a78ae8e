"""The synchronous facade: :class:`Payments`, a thin shell over the shared bodies.

Each public method builds its checked call and drives the shared body
(:mod:`payments_core.gateway.lifecycle`), doing every step it yields as a plain
call on this thread: the store, the ``httpx.Client`` driver, the journal.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from payments_core.drivers import SyncDriver
from payments_core.errors import ConfigurationError
from payments_core.gateway.calls import CheckedCall
from payments_core.gateway.lifecycle import CallBody, Lifecycle
from payments_core.models import Operation, Payment, PaymentRequest, WebhookEvent
from payments_core.money import Money
from payments_core.provider import Capability, Flow, PaymentProvider

__all__ = ["Payments"]

ResultT = TypeVar("ResultT")


class Payments(Lifecycle):
    """Synchronous facade over one configured gateway. Use it as a context manager.

    ``Payments(provider, **settings)`` takes a provider name (or a built
    :class:`~payments_core.provider.PaymentProvider`) and that provider's settings
    as keywords; ``provider_settings=`` takes them as one mapping instead. The
    facade's own keywords:

    * ``http_client``: an ``httpx.Client`` configured with proxies, a CA bundle or
      a test transport; a client you pass is not closed for you.
    * ``name``: the gateway's name in logs and hooks (``"default"``).
    * ``plugins``: hook plugins to register (see :mod:`payments_core.hookspecs`).
    * ``autoload_plugins``: load ``payments_core.plugins`` entry points (default:
      yes, unless ``PAYMENTS_DISABLE_PLUGIN_AUTOLOAD`` is set).
    * ``registry``: where provider names are looked up (tests pass their own).
    * ``retry``: a :class:`~payments_core.retry.RetryPolicy` overriding the settings'.
    * ``sleep`` and ``clock``: the back-off sleep and the deadline's clock, for tests.
    """

    _driver: SyncDriver

    def __init__(
        self,
        provider: str | PaymentProvider,
        /,
        *,
        http_client: httpx.Client | None = None,
        sleep: Callable[[float], Any] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        **kwargs: Any,
    ) -> None:
        super().__init__(provider, **kwargs)
        if inspect.iscoroutinefunction(self.idempotency_store.claim):
            raise ConfigurationError(
                "this idempotency store's methods are coroutines: use it with AsyncPayments"
            )
        if http_client is not None and not isinstance(http_client, httpx.Client):
            raise ConfigurationError(
                "Payments needs an httpx.Client (AsyncPayments takes AsyncClient)"
            )
        self._calls_store = self.idempotency_store
        self._owns_client = http_client is None
        timeout = self.provider.settings.timeout
        self._sleep = sleep
        # The default client (its TLS context: tens of milliseconds) is made on first use.
        self._driver = SyncDriver(
            self.provider,
            http_client if http_client is not None else lambda: httpx.Client(timeout=timeout),
            self.hooks,
            policy=self._retry,
            sleep=sleep,
            clock=clock,
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def http_client(self) -> httpx.Client:
        """The ``httpx.Client`` calls go through: the one given, or a default one."""
        return self._driver.client

    def close(self) -> None:
        """Close the HTTP client and journal (if this facade made them) and the provider."""
        if self._owns_client:
            self._driver.close_client()
        if self._owns_journal and self.journal is not None:
            self.journal.close()
        self.provider.close()

    # -- doing the steps: plain calls ----------------------------------------------------

    def _drive(self, steps: CallBody[ResultT]) -> ResultT:
        """Run a body to its result, calling each step it yields."""
        try:
            function, args, keywords = next(steps)
            while True:
                try:
                    outcome = function(*args, **keywords)
                except BaseException as exc:
                    function, args, keywords = steps.throw(exc)
                else:
                    function, args, keywords = steps.send(outcome)
        except StopIteration as done:
            result: ResultT = done.value
            return result

    def _settle(
        self,
        call: CheckedCall[Any],
        step: str,
        args: tuple[Any, ...],
        keywords: Mapping[str, Any],
    ) -> None:
        try:
            getattr(self.idempotency_store, step)(*args, **keywords)
        except Exception as exc:
            self._settle_failed(call, step, exc)

    _settle_despite_cancel = _settle  # a thread is not cancelled between two calls

    def _record_payment(self, payment: Payment, source: str | None) -> None:
        assert self.journal is not None
        self.journal.record_payment(self.name, payment, source)

    def _receive_callback(self, event: WebhookEvent) -> Any:
        assert self.journal is not None
        return self.journal.receive_callback(self.name, event)

    # -- the operations ------------------------------------------------------------------

    def run_flow(
        self,
        operation: str,
        request: Any,
        flow: Flow[ResultT],
        *,
        payment_id: str | None = None,
        source: str | None = None,
        idempotency_key: str | None = None,
    ) -> ResultT:
        """Run a provider-specific flow (BOG's saved cards, say) like a built-in operation.

        The flow gets this facade's hooks (``operation`` is the name plugins see,
        ``request`` what ``before_operation`` inspects, with declared credentials
        redacted), retries, deadline, redaction of the result and logging.
        ``source`` set and a ``Payment`` result also fire ``payment_updated``.
        A call with an idempotency key (``idempotency_key=``, or the request's
        own) goes through the idempotency store like ``refund``: a repeat returns
        the first outcome, and the same key with other parameters is a conflict.
        """
        call = self._flow_call(operation, request, flow, payment_id, source, idempotency_key)
        return self._drive(self._call_steps(call))

    def parse_webhook(
        self,
        headers: Mapping[str, str] | Iterable[tuple[str, str]],
        body: bytes,
        *,
        remote_addr: str | None = None,
    ) -> WebhookEvent:
        """Verify a callback from its headers and **raw** body bytes; the event it carries.

        Pass the body exactly as received, before any JSON parsing: signatures
        cover the bytes. Gateways whose callbacks are not signed are verified by
        reading the payment back, through this facade's client. Pass
        ``remote_addr`` (the caller's IP) for gateways that publish theirs.
        """
        return self._drive(self._webhook_steps(headers, body, remote_addr))

    def forget_webhook(self, event: WebhookEvent) -> bool:
        """Take back a callback whose handling failed, so its redelivery applies again.

        With a journal, ``parse_webhook`` records each delivery as it verifies it;
        if your handling of the event then fails, call this before answering the
        gateway with an error: its next delivery comes back as new (not
        ``duplicate``) and the payment's recorded state is put back. Without a
        journal there is nothing to take back (``False``).
        """
        if self.journal is None:
            return False
        return self.journal.forget_callback(self.name, event)

    def create_payment(self, request: PaymentRequest) -> Payment:
        """Start a payment. Send the customer to ``payment.redirect_url`` if it has one."""
        return self._drive(self._call_steps(self._create_call(request)))

    def get_payment(self, payment_id: str) -> Payment:
        """The payment as the provider sees it now."""
        return self._drive(self._call_steps(self._get_call(payment_id)))

    def refund(
        self, payment_id: str, amount: Money | None = None, *, idempotency_key: str | None = None
    ) -> Operation:
        """Refund ``amount``, or everything refundable when ``amount`` is None."""
        call = self._money_call(
            Capability.REFUND, Capability.PARTIAL_REFUND, payment_id, amount, idempotency_key
        )
        return self._drive(self._call_steps(call))

    def capture(
        self, payment_id: str, amount: Money | None = None, *, idempotency_key: str | None = None
    ) -> Operation:
        """Capture an authorized payment, fully or (with ``amount``) partly."""
        call = self._money_call(
            Capability.CAPTURE, Capability.PARTIAL_CAPTURE, payment_id, amount, idempotency_key
        )
        return self._drive(self._call_steps(call))

    def void(self, payment_id: str, *, idempotency_key: str | None = None) -> Operation:
        """Release an authorization: the held funds go back to the customer."""
        call = self._money_call(Capability.VOID, None, payment_id, None, idempotency_key)
        return self._drive(self._call_steps(call))
