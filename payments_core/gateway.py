"""The facades a platform uses: :class:`Payments` (sync) and :class:`AsyncPayments`.

Checkout code is written once against these and never names a provider::

    with Payments.from_config("payments.toml") as payments:
        payment = payments.create_payment(request)
        ...
        payments.refund(payment.id, Money("5.00", "GEL"))

Each call checks its input and the provider's capabilities, asks the
``before_operation`` hooks, runs the provider's flow through the driver
(timeouts, retries, error mapping), then reports to the other hooks and logs
one line on the ``payments_core`` logger. Bad input fails before any request.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import httpx

from payments_core.config import GatewayConfig, load_config, load_env
from payments_core.drivers import AsyncDriver, SyncDriver
from payments_core.errors import (
    ConfigurationError,
    ErrorCode,
    InvalidRequestError,
    PaymentError,
    UnsupportedOperationError,
    WebhookVerificationError,
)
from payments_core.hooks import Hooks
from payments_core.models import Operation, OperationRequest, Payment, PaymentRequest, WebhookEvent
from payments_core.money import Money
from payments_core.provider import Capability, Flow, PaymentProvider
from payments_core.redact import REDACTED
from payments_core.registry import ProviderRegistry, default_registry
from payments_core.retry import RetryPolicy

__all__ = ["AsyncPayments", "Payments"]

logger = logging.getLogger("payments_core")

T = TypeVar("T")

_PAYMENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}")
"""Provider ids go into URL paths: anything else could reach another endpoint."""


@dataclass(frozen=True)
class _Call(Generic[T]):
    """One checked operation, ready to run by either facade."""

    operation: str
    request: Any
    flow: Callable[[], Flow[T]]
    payment_id: str | None
    source: str | None = None


class _Gateway:
    """Everything the two facades share: building, validation, hooks and logging."""

    def __init__(
        self,
        provider: str | PaymentProvider,
        /,
        *,
        name: str = "default",
        plugins: Iterable[object] = (),
        registry: ProviderRegistry | None = None,
        autoload_plugins: bool | None = None,
        retry: RetryPolicy | None = None,
        provider_settings: Mapping[str, Any] | None = None,
        **settings: Any,
    ) -> None:
        # Settings from a config file arrive as one mapping, so that a setting
        # can never be mistaken for one of the facade's own keyword arguments.
        settings = {**(provider_settings or {}), **settings}
        if isinstance(provider, PaymentProvider):
            if settings:
                raise ConfigurationError(
                    "pass settings either to the provider or to the facade, not both"
                )
            self.provider = provider
        elif isinstance(provider, str):
            provider_class = (registry or default_registry).get(provider)
            self.provider = provider_class.from_settings(settings)
        else:
            raise ConfigurationError(
                f"provider must be a name or a PaymentProvider, not {type(provider).__name__}"
            )
        self.name = name
        self.hooks = Hooks(autoload=autoload_plugins)
        for plugin in plugins:
            self.hooks.register(plugin)
        self._retry = retry

    @classmethod
    def _from_gateway_config(cls, config: GatewayConfig, **kwargs: Any) -> Self:
        return cls(config.provider, name=config.name, provider_settings=config.settings, **kwargs)

    @classmethod
    def from_config(
        cls,
        source: Mapping[str, Any] | str | Any,
        *,
        gateway: str | None = None,
        registry: ProviderRegistry | None = None,
        **kwargs: Any,
    ) -> Self:
        """Build from a mapping or TOML file; ``gateway`` picks one of several."""
        config = load_config(source).get(gateway)
        return cls._from_gateway_config(config, registry=registry, **kwargs)

    @classmethod
    def from_env(
        cls,
        gateway: str | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        registry: ProviderRegistry | None = None,
        **kwargs: Any,
    ) -> Self:
        """Build from ``PAYMENTS_PROVIDER`` and the provider's prefixed variables."""
        config = load_env(registry or default_registry, gateway, environ)
        return cls._from_gateway_config(config, registry=registry, **kwargs)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} gateway={self.name!r} provider={self.provider.name!r}>"

    # -- capabilities and plugins ----------------------------------------------------

    @property
    def capabilities(self) -> frozenset[Capability]:
        """What this gateway's provider can do."""
        return frozenset(self.provider.capabilities)

    def register_plugin(self, plugin: object, name: str | None = None) -> None:
        """Add a hook plugin at run time (see :mod:`payments_core.hookspecs`)."""
        self.hooks.register(plugin, name=name)

    def _require(self, capability: Capability, operation: str, hint: str = "") -> None:
        if capability not in self.provider.capabilities:
            raise UnsupportedOperationError(
                f"provider {self.provider.name!r} does not support {operation}{hint}",
                provider=self.provider.name,
            )

    # -- input checks, all before any I/O ---------------------------------------------

    def _payment_id(self, payment_id: object) -> str:
        if not isinstance(payment_id, str) or not _PAYMENT_ID.fullmatch(payment_id):
            raise InvalidRequestError(
                f"invalid payment id {payment_id!r}: expected the provider's id "
                "(letters, digits, '.', '_', ':', '-')",
                field="payment_id",
                provider=self.provider.name,
            )
        return payment_id

    def _amount(self, amount: object) -> Money | None:
        if amount is None:
            return None
        if not isinstance(amount, Money):
            raise InvalidRequestError(
                f"amount must be Money (e.g. Money('5.00', 'GEL')), not {type(amount).__name__}",
                code=ErrorCode.INVALID_AMOUNT,
                field="amount",
            )
        if not amount.is_positive():
            raise InvalidRequestError(
                f"amount must be greater than zero, got {amount}",
                code=ErrorCode.INVALID_AMOUNT,
                field="amount",
            )
        return amount

    def _money_call(
        self,
        kind: Capability,
        partial: Capability | None,
        payment_id: object,
        amount: object,
        idempotency_key: str | None,
    ) -> _Call[Operation]:
        """A refund, capture or void: checked, with its key minted once, here."""
        operation = kind.value
        self._require(kind, operation)
        checked = self._amount(amount)
        if checked is not None and partial is not None:
            self._require(partial, f"partial {operation}", "; leave amount out for the full amount")
        pid = self._payment_id(payment_id)
        key = idempotency_key or str(uuid.uuid4())
        provider = self.provider

        def flow() -> Flow[Operation]:
            if kind is Capability.REFUND:
                return provider.refund(pid, checked, idempotency_key=key)
            if kind is Capability.CAPTURE:
                return provider.capture(pid, checked, idempotency_key=key)
            return provider.void(pid, idempotency_key=key)

        request = OperationRequest(payment_id=pid, amount=checked, idempotency_key=key)
        return _Call(operation, request, flow, pid)

    def _create_call(self, request: object) -> _Call[Payment]:
        self._require(Capability.CREATE, "create_payment")
        if not isinstance(request, PaymentRequest):
            raise InvalidRequestError(
                f"create_payment needs a PaymentRequest, not {type(request).__name__}"
            )
        # model_copy(update=...) skips validation: check the request once more here.
        request = PaymentRequest.model_validate(dict(request))
        sensitive = self.provider.sensitive_options & request.provider_options.keys()
        seen_by_hooks = request
        if sensitive:
            options = {
                key: REDACTED if key in sensitive else value
                for key, value in request.provider_options.items()
            }
            seen_by_hooks = request.model_copy(update={"provider_options": options})
        checked = request
        return _Call(
            "create_payment",
            seen_by_hooks,
            lambda: self.provider.create_payment(checked),
            None,
            "create",
        )

    def _get_call(self, payment_id: object) -> _Call[Payment]:
        self._require(Capability.RETRIEVE, "get_payment")
        pid = self._payment_id(payment_id)
        return _Call(
            "get_payment",
            OperationRequest(payment_id=pid),
            lambda: self.provider.get_payment(pid),
            pid,
            "poll",
        )

    # -- around every operation ---------------------------------------------------------

    def _begin(self, operation: str, request: Any) -> float:
        self.hooks.before_operation(operation, self.provider.name, self.name, request)
        return time.monotonic()

    def _succeeded(self, operation: str, result: Any, started: float, source: str | None) -> None:
        elapsed = time.monotonic() - started
        fields: dict[str, Any] = {
            "provider": self.provider.name,
            "gateway": self.name,
            "operation": operation,
            "elapsed": round(elapsed, 3),
        }
        if isinstance(result, Payment):
            fields |= {
                "payment_id": result.id,
                "external_id": result.external_id,
                "provider_transaction_id": result.provider_transaction_id,
                "status": result.status.value,
            }
        elif isinstance(result, Operation):
            fields |= {
                "payment_id": result.payment_id,
                "operation_id": result.id,
                "status": result.status.value,
            }
        logger.info(
            "%s",
            " ".join(f"{key}={value}" for key, value in fields.items() if value is not None),
            extra=fields,
        )
        self.hooks.after_operation(operation, self.provider.name, self.name, result)
        if source is not None and isinstance(result, Payment):
            self.hooks.payment_updated(result, source)

    def _failed(self, operation: str, error: PaymentError, payment_id: str | None) -> None:
        if error.provider is None:
            error.provider = self.provider.name
        if error.payment_id is None and payment_id is not None:
            error.payment_id = payment_id
        logger.warning(
            "provider=%s gateway=%s operation=%s payment_id=%s failed: %s %s",
            self.provider.name,
            self.name,
            operation,
            payment_id,
            error.code.value,
            error.message,
            extra={
                "provider": self.provider.name,
                "operation": operation,
                "payment_id": payment_id,
                "error_code": error.code.value,
            },
        )
        self.hooks.operation_failed(operation, self.provider.name, self.name, error)

    # -- webhooks (pure: the same for sync and async) -------------------------------------

    def parse_webhook(
        self, headers: Mapping[str, str] | Iterable[tuple[str, str]], body: bytes
    ) -> WebhookEvent:
        """Verify and parse a callback from its headers and **raw** body bytes.

        Pass the body exactly as received, before any JSON parsing: signatures
        cover the bytes, and re-serializing changes them.
        """
        self._require(Capability.WEBHOOKS, "webhooks")
        if not isinstance(body, bytes | bytearray | memoryview):
            raise WebhookVerificationError(
                "pass the raw request body as bytes, exactly as received",
                code=ErrorCode.WEBHOOK_MALFORMED,
                provider=self.provider.name,
            )
        try:
            event = self.provider.parse_webhook(
                httpx.Headers(list(_header_items(headers))), bytes(body)
            )
        except PaymentError as exc:
            if exc.provider is None:
                exc.provider = self.provider.name
            raise
        except Exception as exc:
            raise WebhookVerificationError(
                f"could not read the callback ({type(exc).__name__})",
                code=ErrorCode.WEBHOOK_MALFORMED,
                provider=self.provider.name,
            ) from exc
        self.hooks.webhook_received(event)
        self.hooks.payment_updated(event.payment, "webhook")
        return event


def _header_items(
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
) -> Iterable[tuple[str, str]]:
    return headers.items() if isinstance(headers, Mapping) else headers


class Payments(_Gateway):
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
        if http_client is not None and not isinstance(http_client, httpx.Client):
            raise ConfigurationError(
                "Payments needs an httpx.Client (AsyncPayments takes AsyncClient)"
            )
        self._owns_client = http_client is None
        self.http_client = http_client or httpx.Client(timeout=self.provider.settings.timeout)
        self._driver = SyncDriver(
            self.provider,
            self.http_client,
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

    def close(self) -> None:
        """Close the HTTP client (if this facade made it) and the provider."""
        if self._owns_client:
            self.http_client.close()
        self.provider.close()

    def _run(self, call: _Call[T]) -> T:
        started = self._begin(call.operation, call.request)
        try:
            result = self._driver.run(call.flow())
        except PaymentError as exc:
            self._failed(call.operation, exc, call.payment_id)
            raise
        self._succeeded(call.operation, result, started, call.source)
        return result

    def run_flow(
        self,
        operation: str,
        request: Any,
        flow: Flow[T],
        *,
        payment_id: str | None = None,
        source: str | None = None,
    ) -> T:
        """Run a provider-specific flow (BOG's saved cards, say) like a built-in operation.

        The flow gets this facade's hooks (``operation`` is the name plugins see,
        ``request`` what ``before_operation`` inspects), retries, deadline and logging.
        ``source`` set and a ``Payment`` result also fire ``payment_updated``.
        """
        return self._run(_Call(operation, request, lambda: flow, payment_id, source))

    def create_payment(self, request: PaymentRequest) -> Payment:
        """Start a payment. Send the customer to ``payment.redirect_url`` if it has one."""
        return self._run(self._create_call(request))

    def get_payment(self, payment_id: str) -> Payment:
        """The payment as the provider sees it now."""
        return self._run(self._get_call(payment_id))

    def refund(
        self, payment_id: str, amount: Money | None = None, *, idempotency_key: str | None = None
    ) -> Operation:
        """Refund ``amount``, or everything refundable when ``amount`` is None."""
        return self._run(
            self._money_call(
                Capability.REFUND, Capability.PARTIAL_REFUND, payment_id, amount, idempotency_key
            )
        )

    def capture(
        self, payment_id: str, amount: Money | None = None, *, idempotency_key: str | None = None
    ) -> Operation:
        """Capture an authorized payment, fully or (with ``amount``) partly."""
        return self._run(
            self._money_call(
                Capability.CAPTURE, Capability.PARTIAL_CAPTURE, payment_id, amount, idempotency_key
            )
        )

    def void(self, payment_id: str, *, idempotency_key: str | None = None) -> Operation:
        """Release an authorization: the held funds go back to the customer."""
        return self._run(self._money_call(Capability.VOID, None, payment_id, None, idempotency_key))


class AsyncPayments(_Gateway):
    """Asynchronous facade over one configured gateway. Use it with ``async with``.

    The provider implementation is the same one :class:`Payments` runs.
    """

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
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
            raise ConfigurationError("AsyncPayments needs an httpx.AsyncClient")
        self._owns_client = http_client is None
        self.http_client = http_client or httpx.AsyncClient(timeout=self.provider.settings.timeout)
        self._driver = AsyncDriver(
            self.provider,
            self.http_client,
            self.hooks,
            policy=self._retry,
            sleep=sleep or asyncio.sleep,
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
        """Close the HTTP client (if this facade made it) and the provider."""
        if self._owns_client:
            await self.http_client.aclose()
        self.provider.close()

    async def _run(self, call: _Call[T]) -> T:
        started = self._begin(call.operation, call.request)
        try:
            result = await self._driver.run(call.flow())
        except PaymentError as exc:
            self._failed(call.operation, exc, call.payment_id)
            raise
        self._succeeded(call.operation, result, started, call.source)
        return result

    async def run_flow(
        self,
        operation: str,
        request: Any,
        flow: Flow[T],
        *,
        payment_id: str | None = None,
        source: str | None = None,
    ) -> T:
        """Run a provider-specific flow like a built-in operation (see ``Payments.run_flow``)."""
        return await self._run(_Call(operation, request, lambda: flow, payment_id, source))

    async def create_payment(self, request: PaymentRequest) -> Payment:
        """Start a payment. Send the customer to ``payment.redirect_url`` if it has one."""
        return await self._run(self._create_call(request))

    async def get_payment(self, payment_id: str) -> Payment:
        """The payment as the provider sees it now."""
        return await self._run(self._get_call(payment_id))

    async def refund(
        self, payment_id: str, amount: Money | None = None, *, idempotency_key: str | None = None
    ) -> Operation:
        """Refund ``amount``, or everything refundable when ``amount`` is None."""
        return await self._run(
            self._money_call(
                Capability.REFUND, Capability.PARTIAL_REFUND, payment_id, amount, idempotency_key
            )
        )

    async def capture(
        self, payment_id: str, amount: Money | None = None, *, idempotency_key: str | None = None
    ) -> Operation:
        """Capture an authorized payment, fully or (with ``amount``) partly."""
        return await self._run(
            self._money_call(
                Capability.CAPTURE, Capability.PARTIAL_CAPTURE, payment_id, amount, idempotency_key
            )
        )

    async def void(self, payment_id: str, *, idempotency_key: str | None = None) -> Operation:
        """Release an authorization: the held funds go back to the customer."""
        return await self._run(
            self._money_call(Capability.VOID, None, payment_id, None, idempotency_key)
        )
