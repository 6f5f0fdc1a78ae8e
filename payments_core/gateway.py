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

import inspect
import logging
import os
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

import httpx

from payments_core import wire
from payments_core.config import GatewayConfig, load_config, load_env, require_settings
from payments_core.drivers import AsyncDriver, CallInfo, SyncDriver
from payments_core.errors import (
    AuthenticationError,
    ConfigurationError,
    ErrorCode,
    InvalidRequestError,
    OutcomeUnknownError,
    PaymentError,
    ProviderResponseError,
    ProviderUnavailableError,
    RateLimitedError,
    UnsupportedOperationError,
    WebhookVerificationError,
)
from payments_core.hooks import Hooks
from payments_core.idempotency import (
    CallDetails,
    Claim,
    ClaimState,
    Fingerprint,
    IdempotencyStore,
    MemoryIdempotencyStore,
    check_idempotency_key,
)
from payments_core.models import (
    Operation,
    OperationRequest,
    Payment,
    PaymentRequest,
    WebhookEvent,
    building_flow_for,
)
from payments_core.money import Money
from payments_core.provider import Capability, Flow, PaymentProvider, SentRequest
from payments_core.redact import REDACTED, redact_payload
from payments_core.registry import ProviderRegistry, default_registry
from payments_core.retry import RetryPolicy
from payments_core.urls import check_callback_url, is_path_id

if TYPE_CHECKING:
    from payments_core.journal import Journal

__all__ = ["AsyncPayments", "Payments"]

logger = logging.getLogger("payments_core")

T = TypeVar("T")


_NO_ANSWER = (ProviderUnavailableError, AuthenticationError, RateLimitedError)
"""Failures that are not the gateway's answer to the request itself."""

_IN_FLIGHT_POLL = 0.05
"""Seconds between looks at a key another call holds (doubling, up to 1 s)."""


@dataclass(frozen=True)
class _Call(Generic[T]):
    """One checked operation, ready to run by either facade.

    ``key`` and ``fingerprint`` are set for calls that change state: the facade
    then runs them through the idempotency store.
    """

    operation: str
    request: Any
    flow: Callable[[], Flow[T]]
    payment_id: str | None
    source: str | None = None
    key: str | None = None
    fingerprint: Fingerprint | None = None
    external_id: str | None = None


@dataclass(frozen=True)
class _Plan(Generic[T]):
    """What the store said: run ``flow``, return a recorded ``result``, or wait."""

    flow: Callable[[], Flow[T]] | None = None
    result: T | None = None
    replayed: bool = False
    wait: float | None = None
    retaken: bool = False
    """The key had an unknown outcome: the first attempt may have been carried out."""
    error: BaseException | None = None
    """Raise this (after telling the store the outcome is still unknown, if ``mark_unknown``)."""
    mark_unknown: bool = False


class _Gateway:
    """Everything the two facades share: building, validation, hooks and logging."""

    _driver: SyncDriver | AsyncDriver
    """Set by each facade; holds what is derived once from the provider (redaction)."""

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
        idempotency_store: IdempotencyStore | None = None,
        journal: Any = None,
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
        self.journal: Journal | None = None
        """The durable journal this facade records to, if it was given one."""
        self._owns_journal = False
        if journal is not None:
            self._use_journal(journal)
        if idempotency_store is not None and (
            isinstance(idempotency_store, type)
            or not isinstance(idempotency_store, IdempotencyStore)
        ):
            raise ConfigurationError(
                "idempotency_store must implement payments_core.idempotency.IdempotencyStore"
            )
        if idempotency_store is None:
            idempotency_store = (
                MemoryIdempotencyStore() if self.journal is None else self._journal_store()
            )
        self.idempotency_store: IdempotencyStore = idempotency_store
        """Where this facade keeps idempotency keys: in memory, or the journal's table."""
        self._details = "details" in inspect.signature(idempotency_store.claim).parameters
        self._unknown_takes_id = (
            "payment_id" in inspect.signature(idempotency_store.unknown).parameters
        )
        # The in-memory store needs the bytes sent only to repeat them under a key; any
        # other store (the journal) records "sending" before every request leaves.
        self._tells_sending = self.provider.honours_idempotency_keys or not isinstance(
            idempotency_store, MemoryIdempotencyStore
        )

    def _use_journal(self, journal: object) -> None:
        from payments_core.auth import OAuth2ClientCredentials
        from payments_core.journal import Journal

        self._owns_journal = not isinstance(journal, Journal)
        self.journal = Journal.of(journal)
        auth = self.provider.auth
        if isinstance(auth, OAuth2ClientCredentials):
            auth.share(self.journal.token_cache())

    def _journal_store(self) -> IdempotencyStore:
        assert self.journal is not None
        return self.journal.idempotency_store(lease=self._deadline())

    @classmethod
    def _from_gateway_config(
        cls, config: GatewayConfig, *, registry: ProviderRegistry | None, **kwargs: Any
    ) -> Self:
        # A required setting found nowhere is named with the variable, secret file or
        # table to put it in; one given here as a keyword counts as found.
        provider_class = (registry or default_registry).get(config.provider)
        require_settings(config, provider_class, given=kwargs.keys())
        if config.journal is not None:
            kwargs.setdefault("journal", config.journal)
        return cls(
            config.provider,
            name=config.name,
            provider_settings=config.settings,
            registry=registry,
            **kwargs,
        )

    @classmethod
    def from_config(
        cls,
        source: Mapping[str, Any] | str | Any,
        *,
        gateway: str | None = None,
        registry: ProviderRegistry | None = None,
        environ: Mapping[str, str] | None = None,
        secrets_dir: str | os.PathLike[str] | None = None,
        **kwargs: Any,
    ) -> Self:
        """Build from a mapping or TOML file; ``gateway`` picks one of several.

        A file's gateways take settings they lack from the environment and a
        secrets directory (see :mod:`payments_core.config`); ``environ`` and
        ``secrets_dir`` stand in for ``os.environ`` and ``PAYMENTS_SECRETS_DIR``,
        and make a mapping read them too. Keywords that are the provider's
        settings win over all of these.
        """
        table = load_config(source, environ=environ, secrets_dir=secrets_dir, registry=registry)
        return cls._from_gateway_config(table.get(gateway), registry=registry, **kwargs)

    @classmethod
    def from_env(
        cls,
        gateway: str | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        registry: ProviderRegistry | None = None,
        secrets_dir: str | os.PathLike[str] | None = None,
        **kwargs: Any,
    ) -> Self:
        """Build from ``PAYMENTS_PROVIDER`` and the provider's prefixed variables
        (and files of the same names in ``secrets_dir`` / ``PAYMENTS_SECRETS_DIR``)."""
        config = load_env(registry or default_registry, gateway, environ, secrets_dir=secrets_dir)
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
        if not is_path_id(payment_id):
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
        key = self._key(idempotency_key)
        provider = self.provider

        def flow() -> Flow[Operation]:
            if kind is Capability.REFUND:
                return provider.refund(pid, checked, idempotency_key=key)
            if kind is Capability.CAPTURE:
                return provider.capture(pid, checked, idempotency_key=key)
            return provider.void(pid, idempotency_key=key)

        request = OperationRequest(payment_id=pid, amount=checked, idempotency_key=key)
        fingerprint = Fingerprint(
            operation, pid, None if checked is None else f"{checked.amount} {checked.currency}"
        )
        return _Call(operation, request, flow, pid, key=key, fingerprint=fingerprint)

    def _key(self, idempotency_key: object) -> str:
        if idempotency_key is None:
            return str(uuid.uuid4())
        return check_idempotency_key(idempotency_key, provider=self.provider.name)

    def _create_call(self, request: object) -> _Call[Payment]:
        self._require(Capability.CREATE, "create_payment")
        if not isinstance(request, PaymentRequest):
            raise InvalidRequestError(
                f"create_payment needs a PaymentRequest, not {type(request).__name__}"
            )
        # model_copy(update=...) skips validation: check the request once more here.
        # (Called, not model_validate(): with the models' own __init__ pydantic would
        # run the request's model validator a second time around it.)
        request = PaymentRequest(**dict(request))
        check_callback_url(
            request.callback_url,
            provider=self.provider.name,
            allow_insecure=self.provider.settings.allows_insecure_callback(request),
            warn=False,  # a gate only: the provider's own check reports the use
        )
        key = check_idempotency_key(request.idempotency_key, provider=self.provider.name)
        checked = request
        return _Call(
            "create_payment",
            self._for_hooks(request),
            lambda: self._create_flow(checked),
            None,
            "create",
            key=key,
            fingerprint=Fingerprint(
                "create_payment",
                None,
                f"{request.amount.amount} {request.amount.currency}",
                _digest(request, exclude={"idempotency_key"}),
            ),
            external_id=request.external_id,
        )

    def _create_flow(self, checked: PaymentRequest) -> Flow[Payment]:
        """The provider's create flow for the request this facade validated.

        Unless a ``before_operation`` hook saw it (and could have changed it in
        place), nothing but this facade has touched ``checked`` since, so the
        provider's own check of it (:func:`~payments_core.models.checked_request`)
        need not validate it all over again.
        """
        if self.hooks.has_operation_hooks():
            return self.provider.create_payment(checked)
        return building_flow_for(checked, lambda: self.provider.create_payment(checked))

    def _flow_call(
        self,
        operation: str,
        request: Any,
        flow: Flow[T],
        payment_id: str | None,
        source: str | None,
        idempotency_key: str | None,
    ) -> _Call[T]:
        """A provider-specific flow; keyed (so kept in the store) when it carries a key."""
        key = idempotency_key or getattr(request, "idempotency_key", None)
        fingerprint = None
        if key is not None:
            key = check_idempotency_key(key, provider=self.provider.name)
            fingerprint = Fingerprint(
                operation, payment_id, None, _digest(request, exclude={"idempotency_key"})
            )
        return _Call(
            operation,
            self._for_hooks(request),
            lambda: flow,
            payment_id,
            source,
            key=key,
            fingerprint=fingerprint,
            external_id=getattr(request, "external_id", None),
        )

    def _for_hooks(self, request: Any) -> Any:
        """The request as plugins see it: credentials in provider options redacted."""
        if isinstance(request, PaymentRequest):
            sensitive = self.provider.sensitive_options & request.provider_options.keys()
            if not sensitive:
                return request
            options = {
                key: REDACTED if key in sensitive else value
                for key, value in request.provider_options.items()
            }
            return request.model_copy(update={"provider_options": options})
        if isinstance(request, Mapping):
            return redact_payload(request, self._driver.redacted_fields)
        return request

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

    # -- the idempotency store -----------------------------------------------------------

    def _claim(self, call: _Call[Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """The store's ``claim`` arguments for a keyed call."""
        kwargs: dict[str, Any] = {}
        if self._details:
            kwargs["details"] = CallDetails(self.provider.name, call.request, call.external_id)
        return (self.name, call.key, call.fingerprint), kwargs

    def _decide(self, call: _Call[T], claim: Claim, waited: float) -> _Plan[T]:
        """What to do with a keyed call, given the store's answer to its claim."""
        if claim.state is ClaimState.NEW:
            return _Plan(flow=call.flow)
        if claim.state is ClaimState.SUCCEEDED:
            return _Plan(result=claim.outcome, replayed=True)
        if claim.state is ClaimState.IN_FLIGHT:
            if waited >= self._deadline():
                return _Plan(
                    error=self._unknown(
                        call,
                        "another call with this idempotency key is still in progress",
                        safe_to_repeat=True,
                    )
                )
            return _Plan(wait=min(1.0, _IN_FLIGHT_POLL * 2 ** min(waited / _IN_FLIGHT_POLL, 5)))
        # UNKNOWN: the key is ours again.
        if not self.provider.honours_idempotency_keys:
            return _Plan(
                mark_unknown=True,
                error=self._unknown(
                    call,
                    f"an earlier {call.operation} with this key has an unknown outcome and "
                    f"{self.provider.name} has no idempotency keys, so it is not sent again",
                    safe_to_repeat=False,
                ),
            )
        if claim.sent is not None:
            try:
                resend = self.provider.resend(call.operation, call.request, claim.sent)
            except BaseException as exc:
                if isinstance(exc, PaymentError) or not isinstance(exc, Exception):
                    return _Plan(mark_unknown=True, error=exc)  # still unresolved
                error = self._unknown(
                    call,
                    f"provider {self.provider.name!r} could not repeat the earlier "
                    f"{call.operation} ({type(exc).__name__})",
                    safe_to_repeat=True,
                )
                error.__cause__ = exc
                return _Plan(mark_unknown=True, error=error)
            if resend is not None:
                return _Plan(flow=lambda: resend, retaken=True)
        return _Plan(flow=call.flow, retaken=True)

    def _deadline(self) -> float:
        if self._retry is not None:
            return self._retry.deadline
        return self.provider.settings.deadline

    def _unknown(self, call: _Call[Any], what: str, *, safe_to_repeat: bool) -> OutcomeUnknownError:
        return OutcomeUnknownError(
            f"{what}: {OutcomeUnknownError.next_step_for(safe_to_repeat)}",
            operation=call.operation,
            idempotency_key=call.key,
            external_id=call.external_id,
            payment_id=call.payment_id,
            safe_to_repeat=safe_to_repeat,
            provider=self.provider.name,
        )

    def _info(self, call: _Call[Any]) -> CallInfo:
        on_send = None
        key = call.key
        if key is not None and call.fingerprint is not None and self._tells_sending:
            store, gateway = self._store_for_calls, self.name
            hidden = self._driver.sensitive_headers

            def on_send(request: Any) -> Any:
                return store.sending(gateway, key, SentRequest.of(request, hidden))

        return CallInfo(
            operation=call.operation,
            idempotency_key=key,
            external_id=call.external_id,
            payment_id=call.payment_id,
            on_send=on_send,
        )

    @property
    def _store_for_calls(self) -> Any:
        """The store as this facade calls it (awaitable methods on ``AsyncPayments``)."""
        return self.idempotency_store

    def _settlement(
        self, call: _Call[Any], info: CallInfo, error: BaseException | None, retaken: bool
    ) -> str | None:
        """Which store method ends a keyed call: succeeded, unknown or release.

        A definite failure releases the key only when nothing moved: once a
        state-changing request was carried out (or, for an interrupted call, was
        being sent), the key stays "unknown" so a repeat cannot act twice. A
        repeat of an unknown outcome (``retaken``) that got no answer of the
        gateway's own leaves it unknown: the first attempt may still have landed.
        """
        if call.key is None or call.fingerprint is None:
            return None
        progress = info.progress
        if error is None:
            return "succeeded"
        if isinstance(error, OutcomeUnknownError):
            return "unknown"
        if not isinstance(error, PaymentError):  # cancelled or interrupted
            moved = progress.sending or progress.carried_out
            return "unknown" if moved or retaken else "release"
        if retaken and isinstance(error, _NO_ANSWER):
            return "unknown"
        return "unknown" if progress.carried_out else "release"

    def _settle_args(
        self, call: _Call[Any], step: str, result: Any, error: BaseException | None
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """The store method's arguments; an unknown create passes on the payment id the
        gateway named, to a store that keeps it (the journal reads the payment by it)."""
        if step == "succeeded":
            return (self.name, call.key, result), {}
        if (
            step == "unknown"
            and self._unknown_takes_id
            and isinstance(error, OutcomeUnknownError)
            and error.payment_id is not None
            and call.payment_id is None
        ):
            return (self.name, call.key), {"payment_id": error.payment_id}
        return (self.name, call.key), {}

    def _settle_failed(self, call: _Call[Any], step: str, exc: Exception) -> None:
        # The gateway's answer stands; the journal's reconciler settles the row.
        logger.error(
            "gateway=%s operation=%s idempotency_key=%s: could not record %r in the "
            "idempotency store (%s); the reconciler will settle it",
            self.name,
            call.operation,
            call.key,
            step,
            exc,
        )

    def _record_failed(self, payment: Payment, error: PaymentError) -> None:
        # The payment state is a cache of the gateway's: the next update refreshes it.
        logger.warning(
            "gateway=%s payment_id=%s: could not record the payment's state in the journal: %s",
            self.name,
            payment.id,
            error.message,
        )

    def _settle(
        self,
        call: _Call[Any],
        info: CallInfo,
        result: Any = None,
        error: BaseException | None = None,
        retaken: bool = False,
    ) -> None:
        """Tell the store how a keyed call ended (see :meth:`_settlement`)."""
        step = self._settlement(call, info, error, retaken)
        if step is None:
            return
        args, kwargs = self._settle_args(call, step, result, error)
        try:
            getattr(self.idempotency_store, step)(*args, **kwargs)
        except Exception as exc:
            self._settle_failed(call, step, exc)

    def _flow_of(self, plan: _Plan[T]) -> Flow[T]:
        """The plan's flow; a provider failing to even build it is a typed error."""
        assert plan.flow is not None
        try:
            return plan.flow()
        except PaymentError:
            raise
        except Exception as exc:
            raise ProviderResponseError(
                f"provider {self.provider.name!r} failed while preparing its request "
                f"({type(exc).__name__}); nothing was sent",
                provider=self.provider.name,
            ) from exc

    # -- around every operation ---------------------------------------------------------

    def _begin(self, operation: str, request: Any) -> float:
        self.hooks.before_operation(operation, self.provider.name, self.name, request)
        return time.monotonic()

    def _succeeded(self, operation: str, result: Any, started: float, source: str | None) -> None:
        if logger.isEnabledFor(logging.INFO):
            self._log_success(operation, result, started)
        self.hooks.after_operation(operation, self.provider.name, self.name, result)
        if source is not None and isinstance(result, Payment):
            self.hooks.payment_updated(result, source)

    def _log_success(self, operation: str, result: Any, started: float) -> None:
        """The one INFO line of a call; built only when someone logs at INFO."""
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

    # -- webhooks: a flow like every operation ---------------------------------------------

    def _webhook_flow(
        self,
        headers: Mapping[str, str] | Iterable[tuple[str, str]],
        body: object,
        remote_addr: str | None,
    ) -> Flow[WebhookEvent]:
        """Check the input, then the provider's verification flow, errors typed."""
        self._require(Capability.WEBHOOKS, "webhooks")
        if not isinstance(body, bytes | bytearray | memoryview):
            raise WebhookVerificationError(
                "pass the raw request body as bytes, exactly as received",
                code=ErrorCode.WEBHOOK_MALFORMED,
                provider=self.provider.name,
            )
        if remote_addr is not None and not isinstance(remote_addr, str):
            raise WebhookVerificationError(
                "remote_addr must be the caller's address as a string",
                code=ErrorCode.WEBHOOK_MALFORMED,
                provider=self.provider.name,
            )
        try:
            parsed_headers = httpx.Headers(list(_header_items(headers)))
        except Exception as exc:
            raise WebhookVerificationError(
                f"could not read the callback's headers ({type(exc).__name__})",
                code=ErrorCode.WEBHOOK_MALFORMED,
                provider=self.provider.name,
            ) from None
        return self._guarded_webhook(parsed_headers, bytes(body), remote_addr)

    def _guarded_webhook(
        self, headers: httpx.Headers, body: bytes, remote_addr: str | None
    ) -> Flow[WebhookEvent]:
        try:
            event = yield from self.provider.webhook(headers, body, remote_addr=remote_addr)
        except PaymentError:
            raise
        except Exception as exc:
            raise WebhookVerificationError(
                f"could not read the callback ({type(exc).__name__})",
                code=ErrorCode.WEBHOOK_MALFORMED,
                provider=self.provider.name,
            ) from exc
        if not isinstance(event, WebhookEvent):
            raise WebhookVerificationError(
                f"provider {self.provider.name!r} returned {type(event).__name__} for a "
                "callback, not a WebhookEvent",
                code=ErrorCode.WEBHOOK_MALFORMED,
                provider=self.provider.name,
            )
        return event

    def _webhook_failed(self, error: PaymentError) -> None:
        if error.provider is None:
            error.provider = self.provider.name
        logger.warning(
            "provider=%s gateway=%s callback refused: %s %s",
            self.provider.name,
            self.name,
            error.code.value,
            error.message,
            extra={"provider": self.provider.name, "error_code": error.code.value},
        )

    def _webhook_received(self, event: WebhookEvent) -> None:
        """Log the callback; hooks hear a new one (``payment_updated`` only if it applied)."""
        if logger.isEnabledFor(logging.INFO):  # the line is built only for someone reading it
            payment = event.payment
            fields = {
                "provider": self.provider.name,
                "gateway": self.name,
                "event_id": event.id,
                "event_type": event.type,
                "payment_id": payment.id,
                "external_id": payment.external_id,
                "provider_transaction_id": payment.provider_transaction_id,
                "status": payment.status.value,
                "delivery": "duplicate" if event.duplicate else "stale" if event.stale else None,
            }
            logger.info(
                "callback %s",
                " ".join(f"{key}={value}" for key, value in fields.items() if value is not None),
                extra=fields,
            )
        if event.duplicate:
            return
        self.hooks.webhook_received(event)
        if not event.stale:
            self.hooks.payment_updated(event.payment, "webhook")


def _delivered(event: WebhookEvent, delivery: Any) -> WebhookEvent:
    """The event marked as the journal's inbox saw it."""
    duplicate, stale = delivery == "duplicate", delivery == "stale"
    if not (duplicate or stale):
        return event
    return event.model_copy(update={"duplicate": duplicate, "stale": stale})


class _AwaitableStore:
    """A store with plain methods (the in-memory one), awaited by ``AsyncPayments``."""

    def __init__(self, store: IdempotencyStore) -> None:
        self.store = store

    async def claim(self, gateway: str, key: str, fingerprint: Fingerprint, **kw: Any) -> Claim:
        return self.store.claim(gateway, key, fingerprint, **kw)

    async def sending(self, gateway: str, key: str, sent: SentRequest) -> None:
        self.store.sending(gateway, key, sent)

    async def succeeded(self, gateway: str, key: str, outcome: Any) -> None:
        self.store.succeeded(gateway, key, outcome)

    async def unknown(self, gateway: str, key: str) -> None:
        self.store.unknown(gateway, key)

    async def release(self, gateway: str, key: str) -> None:
        self.store.release(gateway, key)


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

    def _plan(self, call: _Call[T], waited: float) -> _Plan[T]:
        """Ask the store what to do with a keyed call (unkeyed ones just run)."""
        if call.key is None or call.fingerprint is None:
            return _Plan(flow=call.flow)
        args, kwargs = self._claim(call)
        plan = self._decide(call, self.idempotency_store.claim(*args, **kwargs), waited)
        if plan.mark_unknown:
            self.idempotency_store.unknown(self.name, call.key)
        if plan.error is not None:
            raise plan.error
        return plan

    def _run(self, call: _Call[T]) -> T:
        started = self._begin(call.operation, call.request)
        waited = 0.0
        try:
            plan = self._plan(call, waited)
            while plan.wait is not None:
                self._sleep(plan.wait)
                waited += plan.wait
                plan = self._plan(call, waited)
        except PaymentError as exc:
            self._failed(call.operation, exc, call.payment_id)
            raise
        if plan.flow is None:
            return plan.result  # type: ignore[return-value]
        info = self._info(call)
        try:
            result = self._driver.run(self._flow_of(plan), info)
        except BaseException as exc:
            self._settle(call, info, error=exc, retaken=plan.retaken)
            if isinstance(exc, PaymentError):
                self._failed(call.operation, exc, call.payment_id)
            raise
        self._settle(call, info, result)
        if self.journal is not None and isinstance(result, Payment):
            self._record(result, call.source)
        self._succeeded(call.operation, result, started, call.source)
        return result

    def _record(self, payment: Payment, source: str | None) -> None:
        assert self.journal is not None
        try:
            self.journal.record_payment(self.name, payment, source)
        except PaymentError as exc:
            self._record_failed(payment, exc)

    def run_flow(
        self,
        operation: str,
        request: Any,
        flow: Flow[T],
        *,
        payment_id: str | None = None,
        source: str | None = None,
        idempotency_key: str | None = None,
    ) -> T:
        """Run a provider-specific flow (BOG's saved cards, say) like a built-in operation.

        The flow gets this facade's hooks (``operation`` is the name plugins see,
        ``request`` what ``before_operation`` inspects, with declared credentials
        redacted), retries, deadline, redaction of the result and logging.
        ``source`` set and a ``Payment`` result also fire ``payment_updated``.
        A call with an idempotency key (``idempotency_key=``, or the request's
        own) goes through the idempotency store like ``refund``: a repeat returns
        the first outcome, and the same key with other parameters is a conflict.
        """
        return self._run(
            self._flow_call(operation, request, flow, payment_id, source, idempotency_key)
        )

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
        try:
            flow = self._webhook_flow(headers, body, remote_addr)
            event = self._driver.run(flow, CallInfo(operation="webhook"))
            if self.journal is not None:
                event = _delivered(event, self.journal.receive_callback(self.name, event))
        except PaymentError as exc:
            self._webhook_failed(exc)
            raise
        self._webhook_received(event)
        return event

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
        self._astore: Any = (
            store if inspect.iscoroutinefunction(store.claim) else _AwaitableStore(store)
        )
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
            raise ConfigurationError("AsyncPayments needs an httpx.AsyncClient")
        self._owns_client = http_client is None
        self.http_client = http_client or httpx.AsyncClient(timeout=self.provider.settings.timeout)
        if sleep is None:
            import asyncio

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

    @property
    def _store_for_calls(self) -> Any:
        return self._astore

    async def _plan(self, call: _Call[T], waited: float) -> _Plan[T]:
        """Ask the store what to do with a keyed call (unkeyed ones just run)."""
        if call.key is None or call.fingerprint is None:
            return _Plan(flow=call.flow)
        args, kwargs = self._claim(call)
        plan = self._decide(call, await self._astore.claim(*args, **kwargs), waited)
        if plan.mark_unknown:
            await self._astore.unknown(self.name, call.key)
        if plan.error is not None:
            raise plan.error
        return plan

    async def _asettle(
        self,
        call: _Call[Any],
        info: CallInfo,
        result: Any = None,
        error: BaseException | None = None,
        retaken: bool = False,
    ) -> None:
        step = self._settlement(call, info, error, retaken)
        if step is None:
            return
        args, kwargs = self._settle_args(call, step, result, error)
        try:
            await getattr(self._astore, step)(*args, **kwargs)
        except Exception as exc:
            self._settle_failed(call, step, exc)

    async def _run(self, call: _Call[T]) -> T:
        started = self._begin(call.operation, call.request)
        waited = 0.0
        try:
            plan = await self._plan(call, waited)
            while plan.wait is not None:
                await self._sleep(plan.wait)
                waited += plan.wait
                plan = await self._plan(call, waited)
        except PaymentError as exc:
            self._failed(call.operation, exc, call.payment_id)
            raise
        if plan.flow is None:
            return plan.result  # type: ignore[return-value]
        info = self._info(call)
        try:
            result = await self._driver.run(self._flow_of(plan), info)
        except BaseException as exc:
            import asyncio

            await asyncio.shield(self._asettle(call, info, error=exc, retaken=plan.retaken))
            if isinstance(exc, PaymentError):
                self._failed(call.operation, exc, call.payment_id)
            raise
        await self._asettle(call, info, result)
        if self.journal is not None and isinstance(result, Payment):
            try:
                await self.journal.arecord_payment(self.name, result, call.source)
            except PaymentError as exc:
                self._record_failed(result, exc)
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
        idempotency_key: str | None = None,
    ) -> T:
        """Run a provider-specific flow like a built-in operation (see ``Payments.run_flow``)."""
        return await self._run(
            self._flow_call(operation, request, flow, payment_id, source, idempotency_key)
        )

    async def parse_webhook(
        self,
        headers: Mapping[str, str] | Iterable[tuple[str, str]],
        body: bytes,
        *,
        remote_addr: str | None = None,
    ) -> WebhookEvent:
        """Verify a callback and return its event (see ``Payments.parse_webhook``)."""
        try:
            flow = self._webhook_flow(headers, body, remote_addr)
            event = await self._driver.run(flow, CallInfo(operation="webhook"))
            if self.journal is not None:
                delivery = await self.journal.areceive_callback(self.name, event)
                event = _delivered(event, delivery)
        except PaymentError as exc:
            self._webhook_failed(exc)
            raise
        self._webhook_received(event)
        return event

    async def forget_webhook(self, event: WebhookEvent) -> bool:
        """Take back a callback whose handling failed (see ``Payments.forget_webhook``)."""
        if self.journal is None:
            return False
        return await self.journal.aforget_callback(self.name, event)

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


def _digest(request: Any, *, exclude: set[str]) -> str:
    """SHA-256 of a request's parameters, for the idempotency fingerprint."""
    if hasattr(request, "model_dump"):
        data = request.model_dump(mode="json", exclude=exclude)
    else:
        data = request
    try:
        encoded = wire.dumps_canonical(data)
    except (TypeError, ValueError):
        encoded = repr(data).encode()
    return Fingerprint.digest_of(encoded)
