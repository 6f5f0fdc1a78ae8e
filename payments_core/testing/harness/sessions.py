"""Facades built from a target, with every request they send watched: the kit's sessions.

A :class:`Session` is one fresh provider behind a ``Payments`` facade over the
kit's :class:`~payments_core.testing.transports.WatchingTransport`, plus the two
things only the provider package knows how to do: act as the customer, and hand
over a genuine callback. The facades run without autoloaded plugins and retry
without sleeping, so that what a scenario sees is the provider's doing alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import (
    AsyncIterator,
    Callable,
    Coroutine,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from contextlib import AsyncExitStack, ExitStack, asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from payments_core.gateway import AsyncPayments, Payments
from payments_core.models import Payment
from payments_core.provider import Capability, PaymentProvider
from payments_core.retry import RetryPolicy
from payments_core.testing.harness.calls import describe, describe_error, fail
from payments_core.testing.target import ConformanceTarget, Outcome
from payments_core.testing.transports import ApiRequests, Fault, WatchingTransport, Wire

__all__ = [
    "KIT_RETRY",
    "AsyncSession",
    "Declaration",
    "Session",
    "async_transport_of",
    "build_provider",
    "declaration_of",
    "declared",
    "honours_keys",
    "open_async_session",
    "open_session",
    "reads_back",
    "run_async",
]

T = TypeVar("T")

KIT_RETRY = RetryPolicy(max_retries=2, backoff_base=0.0, backoff_max=1.0, deadline=60.0)
"""Retries as the driver does them, without waiting: the kit's runs stay fast."""


def build_provider(target: ConformanceTarget) -> PaymentProvider:
    __tracebackhide__ = True
    provider = target.make_provider()
    if not isinstance(provider, PaymentProvider):
        fail(
            f"ConformanceTarget.make_provider() returned {describe(provider)}; it must return "
            "a configured payments_core.PaymentProvider instance"
        )
    return provider


def declared(provider: PaymentProvider) -> frozenset[str]:
    """The capabilities a provider declares, as plain strings (whatever their type:
    a wrongly typed declaration is the structural scenario's to report)."""
    capabilities = getattr(provider, "capabilities", None)
    if not isinstance(capabilities, Iterable) or isinstance(capabilities, str):
        return frozenset()
    return frozenset(str(item) for item in capabilities)


def honours_keys(provider: PaymentProvider) -> bool:
    """What the provider declares about its gateway's idempotency keys (a non-bool: no)."""
    return getattr(provider, "honours_idempotency_keys", False) is True


@dataclass(frozen=True)
class Declaration:
    """What a provider says about itself, read once from a fresh instance."""

    capabilities: frozenset[str]
    honours_keys: bool


def declaration_of(target: ConformanceTarget) -> Declaration:
    """What the target's provider declares (a provider is built, read and closed)."""
    provider = build_provider(target)
    try:
        return Declaration(declared(provider), honours_keys(provider))
    finally:
        provider.close()


async def _no_sleep(_seconds: float) -> None:
    return None


def _no_http(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError(
        f"the provider sent {request.method} {request.url.host}{request.url.path} although "
        "ConformanceTarget.transport is None (a provider that sends HTTP needs a transport)",
        request=request,
    )


@dataclass
class Session:
    """One sync facade over the target's provider, and what the kit saw of it."""

    target: ConformanceTarget
    provider: PaymentProvider
    payments: Payments
    wire: Wire
    transport: WatchingTransport | None

    @property
    def name(self) -> str:
        return self.provider.name

    @property
    def honours_keys(self) -> bool:
        return honours_keys(self.provider)

    def declares(self, capability: Capability) -> bool:
        return capability.value in declared(self.provider)

    @contextmanager
    def inject(self, fault: Fault) -> Iterator[Fault]:
        """Aim ``fault`` at the provider's API requests for the duration of the block."""
        if self.transport is None:
            raise RuntimeError("faults need a transport (a scenario marked http=True)")
        self.transport.fault = fault
        try:
            yield fault
        finally:
            self.transport.fault = None

    def customer_pays(self, payment: Payment, outcome: Outcome = "succeed") -> None:
        """Run the target's customer step, telling a broken step apart from a broken provider."""
        __tracebackhide__ = True
        try:
            self.target.customer_pays(self.payments, payment, outcome)
        except Exception as exc:
            fail(
                f"ConformanceTarget.customer_pays(..., {outcome!r}) failed for payment "
                f"{payment.id} ({payment.status.value}): {describe_error(exc)}"
            )

    def webhook(self, payment: Payment) -> tuple[dict[str, str], bytes]:
        """A genuine callback for ``payment`` from the target, checked for shape."""
        __tracebackhide__ = True
        delivered = self.maybe_webhook(payment)
        if delivered is None:
            fail(
                f"ConformanceTarget.webhook_for returned None for payment {payment.id} "
                f"({payment.status.value}); it must return the (headers, raw body) of a "
                "genuine callback about it"
            )
        return delivered

    def maybe_webhook(self, payment: Payment) -> tuple[dict[str, str], bytes] | None:
        """Like :meth:`webhook`, but ``None`` when the gateway sends no callback now."""
        __tracebackhide__ = True
        source = self.target.webhook_for
        if source is None:
            fail(
                "the provider declares Capability.WEBHOOKS but ConformanceTarget.webhook_for "
                "is not set; give the kit a way to get a genuine callback"
            )
        try:
            delivered = source(self.payments, payment)
        except Exception as exc:
            fail(f"ConformanceTarget.webhook_for failed for {payment.id}: {describe_error(exc)}")
        if delivered is None:
            return None
        headers, body = delivered
        if not isinstance(body, bytes | bytearray):
            fail(
                f"ConformanceTarget.webhook_for returned {describe(body)} as the body; it must "
                "be the raw bytes as delivered"
            )
        return dict(headers), bytes(body)


def _facade_options(target: ConformanceTarget) -> dict[str, Any]:
    """What every facade the kit builds shares: no autoloaded plugins, the target's store."""
    options: dict[str, Any] = {"autoload_plugins": False, "retry": KIT_RETRY}
    if target.idempotency_store is not None:
        options["idempotency_store"] = target.idempotency_store()
    if target.journal is not None:
        options["journal"] = target.journal()
    return options


def _check_store(facade: Payments | AsyncPayments, options: Mapping[str, Any]) -> None:
    """The facade must run over the target's store, or the scenarios would check another."""
    __tracebackhide__ = True
    store = options.get("idempotency_store")
    if store is not None and facade.idempotency_store is not store:
        fail(
            "the facade did not take the store ConformanceTarget.idempotency_store returned "
            f"({type(store).__name__}) and runs over one of its own, so the scenarios would "
            "not check yours (an empty store that defines __len__ is false, and the facade "
            "replaces a false store with its default)"
        )


def _watching(
    inner: httpx.BaseTransport | httpx.AsyncBaseTransport,
    wire: Wire,
    provider: PaymentProvider,
    api: ApiRequests,
    *,
    fail_first_keyed: bool = False,
) -> WatchingTransport:
    hidden: object = getattr(provider, "sensitive_headers", ())
    names = hidden if isinstance(hidden, Iterable) and not isinstance(hidden, str) else ()
    return WatchingTransport(
        inner,
        wire,
        idempotency_header=provider.idempotency_header,
        fail_first_keyed=fail_first_keyed,
        api=api,
        secret_headers=frozenset(str(name).lower() for name in names),
    )


@contextmanager
def open_session(
    target: ConformanceTarget,
    *,
    fail_first_keyed: bool = False,
    plugins: Sequence[object] = (),
) -> Iterator[Session]:
    """A fresh provider behind a ``Payments`` facade whose every request the kit records."""
    with ExitStack() as cleanup:
        provider = build_provider(target)
        cleanup.callback(provider.close)
        wire = Wire()
        api = ApiRequests()
        transport: WatchingTransport | None = None
        inner: httpx.BaseTransport = httpx.MockTransport(_no_http)
        if target.transport is not None:
            transport = _watching(
                target.transport(), wire, provider, api, fail_first_keyed=fail_first_keyed
            )
            inner = transport
        # trust_env off: no proxy from the environment, and no TLS set-up (30 ms a client).
        client = cleanup.enter_context(
            httpx.Client(transport=inner, timeout=provider.settings.timeout, trust_env=False)
        )
        options = _facade_options(target)
        payments = Payments(
            provider,
            http_client=client,
            sleep=lambda _seconds: None,
            plugins=[api, *plugins],
            **options,
        )
        _check_store(payments, options)
        yield Session(target, provider, payments, wire, transport)


@dataclass
class AsyncSession:
    """The async counterpart of :class:`Session` (no customer step: scenarios stay sync)."""

    provider: PaymentProvider
    payments: AsyncPayments
    wire: Wire


def async_transport_of(target: ConformanceTarget) -> httpx.AsyncBaseTransport | None:
    """The target's async transport, or its sync one when that is async-capable too."""
    if target.async_transport is not None:
        return target.async_transport()
    if target.transport is not None:
        candidate = target.transport()
        if isinstance(candidate, httpx.AsyncBaseTransport):
            return candidate
        if isinstance(candidate, httpx.BaseTransport):
            candidate.close()
    return None


@asynccontextmanager
async def open_async_session(
    target: ConformanceTarget, inner: httpx.AsyncBaseTransport | None
) -> AsyncIterator[AsyncSession]:
    """A fresh provider behind ``AsyncPayments`` (over ``inner``, when the provider sends HTTP)."""
    async with AsyncExitStack() as cleanup:
        provider = build_provider(target)
        cleanup.callback(provider.close)
        wire = Wire()
        api = ApiRequests()
        transport: httpx.AsyncBaseTransport = httpx.MockTransport(_no_http)
        if inner is not None:
            transport = _watching(inner, wire, provider, api)
        client = await cleanup.enter_async_context(
            httpx.AsyncClient(
                transport=transport, timeout=provider.settings.timeout, trust_env=False
            )
        )
        options = _facade_options(target)
        payments = AsyncPayments(
            provider, http_client=client, sleep=_no_sleep, plugins=[api], **options
        )
        _check_store(payments, options)
        yield AsyncSession(provider, payments, wire)


def run_async(scenario: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run an async check on a private event loop (the kit does not need pytest-asyncio)."""
    return asyncio.run(scenario())


def reads_back(provider: PaymentProvider, headers: Mapping[str, str], body: bytes) -> bool:
    """True when the provider verifies this callback by reading the payment back.

    Its ``webhook`` flow is stepped by hand, nothing sent: a flow that yields a
    request before returning trusts the gateway's answer, not the body (an
    unsigned gateway); one that returns at once verified a signature.
    """
    try:
        flow = provider.webhook(httpx.Headers(list(headers.items())), body, remote_addr=None)
        step = next(flow)
    except Exception:  # StopIteration (signed), or a failure the scenarios report
        return False
    with suppress(Exception):
        flow.close()
    return isinstance(step, httpx.Request)
