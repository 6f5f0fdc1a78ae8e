"""Run a provider's flow over ``httpx.Client`` (sync) or ``httpx.AsyncClient`` (async).

This is the one place for timeouts, retries, HTTP hooks, HTTP logging and the
mapping of transport failures and error responses into the error tree. Both
drivers run the same two generators (the flow, and the attempts of one
request); they differ only in how they send and how they sleep.

Three outcomes, not two. A request that changes state (anything but GET and
HEAD) and was sent, but got no usable answer, may have been carried out: the
driver raises :class:`~payments_core.errors.OutcomeUnknownError`, with
``safe_to_repeat`` true only when the request carried a key the provider
honours. A request that provably never left this machine (connect refused, a
local protocol error, a failed token request of any ``httpx.Auth``) is retried
or reported as "nothing was sent".

Every attempt ends by the operation's deadline: its timeout is what is left of
the deadline, the sync socket layer is bounded by :mod:`payments_core.deadline`,
and an async attempt runs under ``asyncio.timeout``.
"""

from __future__ import annotations

import inspect
import logging
import threading
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import httpx

from payments_core import deadline as deadlines
from payments_core.errors import (
    AuthenticationError,
    ErrorCode,
    InvalidRequestError,
    OutcomeUnknownError,
    PaymentError,
    ProviderResponseError,
    ProviderUnavailableError,
)
from payments_core.hooks import Hooks
from payments_core.models import Operation, Payment, WebhookEvent
from payments_core.plausibility import check_result
from payments_core.provider import (
    ACCEPT_STATUS_EXTENSION,
    AUTH_REQUEST_EXTENSION,
    Flow,
    PaymentProvider,
    changes_state,
    error_for_status,
    parse_retry_after,
)
from payments_core.redact import HttpExchange, redact_payload
from payments_core.retry import RetryPolicy, is_safe_to_retry

__all__ = ["AsyncDriver", "CallInfo", "CallProgress", "SyncDriver", "retry_policy_for"]

T = TypeVar("T")

logger = logging.getLogger("payments_core.http")

_NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.LocalProtocolError,
    httpx.UnsupportedProtocol,
)
"""Failures that happen before the request left this machine."""

_SENT = "payments_core.sent"
"""Request extension: the API request itself was handed to the transport."""


def retry_policy_for(provider: PaymentProvider) -> RetryPolicy:
    """The retry policy a provider's settings ask for."""
    s = provider.settings
    return RetryPolicy(
        max_retries=s.max_retries,
        backoff_base=s.backoff_base,
        backoff_max=s.backoff_max,
        deadline=s.deadline,
    )


@dataclass(frozen=True)
class CallInfo:
    """What the facade knows about the call a flow serves, for complete errors.

    ``on_send`` is told of every state-changing request just before it leaves,
    so an idempotency store can record "sending" (and keep the exact bytes a
    repeat must resend) first. The async driver awaits what it returns; if it
    raises, the request is not sent.
    """

    operation: str = "operation"
    idempotency_key: str | None = None
    external_id: str | None = None
    payment_id: str | None = None
    on_send: Callable[[httpx.Request], Any] | None = None
    progress: CallProgress = field(default_factory=lambda: CallProgress())


@dataclass
class CallProgress:
    """What the driver learned while running a call, for the idempotency store."""

    sending: bool = False
    """A state-changing request was handed to the transport (it may have arrived)."""
    carried_out: bool = False
    """A state-changing request was answered as accepted: something moved, so a later
    failure of the same call leaves its outcome unknown, never "nothing happened"."""


class _TrackedAuth(httpx.Auth):
    """Wraps any ``httpx.Auth`` to learn whether the API request itself was sent.

    Until the auth flow yields the API request, everything it sent was its own
    (a token request): a failure there leaves the API request unsent, whatever
    the auth class is. A 401 answer to the API request means it was refused, not
    carried out, so the mark is taken back while the auth flow refreshes.

    When in doubt the request counts as sent (the safe side for money): an
    outgoing request is the auth's own only when the auth marked it so
    (``AUTH_REQUEST_EXTENSION``, as ``OAuth2ClientCredentials`` does) or when it
    goes elsewhere than the API request (another method, host or path). An auth
    that signs by adding a query parameter or rebuilds the request still counts.
    """

    def __init__(self, inner: httpx.Auth) -> None:
        self.inner = inner
        self.requires_request_body = inner.requires_request_body
        self.requires_response_body = inner.requires_response_body

    @staticmethod
    def _is_api(outgoing: httpx.Request, request: httpx.Request) -> bool:
        if outgoing is request:
            return True
        if outgoing.extensions.get(AUTH_REQUEST_EXTENSION):
            return False
        return (
            outgoing.method == request.method
            and outgoing.url.host == request.url.host
            and outgoing.url.path == request.url.path
        )

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        flow = self.inner.sync_auth_flow(request)
        try:
            outgoing = next(flow)
            while True:
                api = self._is_api(outgoing, request)
                if api:
                    request.extensions[_SENT] = True
                response = yield outgoing
                if api and response.status_code == 401:
                    request.extensions.pop(_SENT, None)
                outgoing = flow.send(response)
        except StopIteration:
            return
        finally:
            flow.close()

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        flow = self.inner.async_auth_flow(request)
        try:
            outgoing = await flow.__anext__()
            while True:
                api = self._is_api(outgoing, request)
                if api:
                    request.extensions[_SENT] = True
                response = yield outgoing
                if api and response.status_code == 401:
                    request.extensions.pop(_SENT, None)
                outgoing = await flow.asend(response)
        except StopAsyncIteration:
            return
        finally:
            await flow.aclose()


@dataclass
class _Done(Generic[T]):
    value: T


@dataclass(frozen=True)
class _Sleep:
    seconds: float


_SEND = object()
_RECORD = object()
"""Before a state-changing request leaves: the driver calls ``info.on_send`` (and
awaits it on the async driver). If that fails, nothing was sent."""
"""Step of the attempt loop: send the request (the answer, or the exception, comes back)."""

_Attempts = Generator[object, object, httpx.Response]


class _Driver:
    """What both drivers share: stepping the flow, the attempt loop, decisions, errors."""

    def __init__(
        self,
        provider: PaymentProvider,
        hooks: Hooks,
        *,
        policy: RetryPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.provider = provider
        self.hooks = hooks
        self.policy = policy or retry_policy_for(provider)
        self.clock = clock
        inner = provider.auth
        self.auth: httpx.Auth | None = None if inner is None else _TrackedAuth(inner)
        self.key_header = provider.idempotency_header if provider.honours_idempotency_keys else None
        self.sensitive_headers = frozenset(name.lower() for name in provider.sensitive_headers)
        self.redacted_fields = frozenset(
            name.lower() for name in provider.sensitive_fields | provider.sensitive_options
        )

    # -- the flow ----------------------------------------------------------------------

    def _advance(
        self,
        flow: Flow[T],
        response: httpx.Response | None,
        last: httpx.Request | None,
        info: CallInfo,
        error: PaymentError | None = None,
    ) -> httpx.Request | _Done[T]:
        """Step the flow with a response (or throw an error into it at its ``yield``)."""
        try:
            if error is not None:
                step = flow.throw(error)
            elif response is None:
                step = next(flow)
            else:
                step = flow.send(response)
        except StopIteration as stop:
            return _Done(stop.value)
        except PaymentError as exc:
            if exc is error or response is None:
                raise

            if isinstance(exc, InvalidRequestError) and exc.provider is None:
                # A model or Money refused a value read from the reply (a provider's
                # own error carries its name): the reply is unreadable.
                raise self._unreadable(response, last, info, exc.message) from exc
            if isinstance(exc, ProviderResponseError):
                raise self._unreadable(response, last, info, exc.message, exc) from exc
            raise
        except Exception as exc:
            if error is not None:
                raise error from exc
            if response is None:
                raise ProviderResponseError(
                    f"provider {self.provider.name!r} failed while preparing its request "
                    f"({type(exc).__name__}); nothing was sent",
                    provider=self.provider.name,
                ) from exc
            # The type only: an exception's text may quote the reply (a token, a card).
            raise self._unreadable(response, last, info, type(exc).__name__) from exc
        if not isinstance(step, httpx.Request):
            flow.close()
            raise ProviderResponseError(
                f"provider {self.provider.name!r} yielded {type(step).__name__}, "
                "not an httpx.Request",
                provider=self.provider.name,
            )
        return step

    def _result(
        self,
        value: T,
        response: httpx.Response | None,
        request: httpx.Request | None,
        info: CallInfo,
    ) -> T:
        """What leaves the driver: redacted, and checked for sense."""
        value = redact_result(value, self.redacted_fields)
        try:
            check_result(value, self.provider.name)
        except ProviderResponseError as exc:
            if response is None:
                raise
            raise self._unreadable(response, request, info, exc.message, exc) from None
        return value

    def _throw(
        self,
        flow: Flow[T],
        error: PaymentError,
        moved: httpx.Request | None,
        last: httpx.Request | None,
        info: CallInfo,
    ) -> httpx.Request | _Done[T]:
        """Throw a failed request's error into the flow, which may handle it (BOG names
        the order it created). Left unhandled after a state change was carried out,
        it becomes an unknown outcome: the call did something, and did not finish."""
        try:
            return self._advance(flow, None, moved or last, info, error=error)
        except PaymentError as raised:
            if raised is not error:
                raise
            unknown = self._after_carried_out(error, moved, info)
            if unknown is error:
                raise
            raise unknown from error

    def _after_carried_out(
        self, error: PaymentError, moved: httpx.Request | None, info: CallInfo
    ) -> PaymentError:
        """A later request of a call whose state change was already carried out failed:
        the call's outcome is unknown (it happened, its result could not be read)."""
        if moved is None or isinstance(error, OutcomeUnknownError):
            return error
        return self._unknown(
            f"the {info.operation} request was carried out, but a later request of the "
            f"same call failed ({error.code.value})",
            moved,
            info,
            http_status=error.http_status,
        )

    def _unreadable(
        self,
        response: httpx.Response,
        request: httpx.Request | None,
        info: CallInfo,
        detail: str,
        cause: ProviderResponseError | None = None,
    ) -> PaymentError:
        """A reply the flow could not use: unknown outcome if the request changed state."""
        if request is not None and changes_state(request) and response.status_code < 400:
            return self._unknown(
                f"{self.provider.name} answered HTTP {response.status_code} with a body "
                f"that could not be read ({detail})",
                request,
                info,
                http_status=response.status_code,
            )
        if cause is not None:
            return cause
        return ProviderResponseError(
            f"could not read {self.provider.name}'s response ({detail})",
            provider=self.provider.name,
            http_status=response.status_code,
        )

    def _unknown(
        self, what: str, request: httpx.Request, info: CallInfo, **details: Any
    ) -> OutcomeUnknownError:
        safe = self.key_header is not None and self.key_header in request.headers
        return OutcomeUnknownError(
            f"{what}; the outcome is unknown ({info.operation} may have been carried out): "
            f"{OutcomeUnknownError.next_step_for(safe)}",
            operation=info.operation,
            idempotency_key=info.idempotency_key,
            external_id=info.external_id,
            payment_id=details.pop("payment_id", None) or info.payment_id,
            safe_to_repeat=safe,
            provider=self.provider.name,
            **details,
        )

    # -- the attempts of one request -----------------------------------------------------

    def _attempts(self, request: httpx.Request, info: CallInfo, deadline: float) -> _Attempts:
        """Yields ``_SEND`` (receives the response or exception) or ``_Sleep``."""
        retries = 0
        sent_before = False
        state_changing = changes_state(request)
        while True:
            remaining = deadline - self.clock()
            if remaining <= 0:
                raise self._deadline_error(request, info, sent_before)
            per_attempt = min(self.provider.settings.timeout, remaining)
            # What httpx.Timeout(per_attempt).as_dict() gives, without the object.
            request.extensions["timeout"] = {
                "connect": per_attempt,
                "read": per_attempt,
                "write": per_attempt,
                "pool": per_attempt,
            }
            request.extensions.pop(_SENT, None)
            if self.auth is None:
                request.extensions[_SENT] = True
            if state_changing:
                if info.on_send is not None:
                    yield _RECORD
                info.progress.sending = True
            # The redacted view is built only for someone who looks at it: an HTTP
            # hook, or the logger at DEBUG (checked again when the answer is in).
            exchange: HttpExchange | None = None
            hooked = self._has_http_hooks()
            if hooked or logger.isEnabledFor(logging.DEBUG):
                exchange = HttpExchange.of(request, retries + 1, self.sensitive_headers)
                if hooked:
                    self.hooks.http_request(exchange)
            started = self.clock()
            outcome = yield _SEND
            elapsed = self.clock() - started
            if isinstance(outcome, httpx.Response):
                exchange = self._log(request, retries, exchange, str(outcome.status_code), elapsed)
                if self._has_http_hooks():
                    if exchange is None:  # a hook registered while the request was out
                        exchange = HttpExchange.of(request, retries + 1, self.sensitive_headers)
                    self.hooks.http_response(exchange, outcome.status_code, elapsed)
                delay = self._after_response(
                    request, outcome, info, deadline, retries, maybe_done=sent_before
                )
                if delay is None:
                    return outcome
                sent_before = sent_before or (state_changing and outcome.status_code >= 500)
            else:
                assert isinstance(outcome, BaseException)
                self._log(request, retries, exchange, type(outcome).__name__, elapsed)
                sent = bool(request.extensions.get(_SENT)) and not isinstance(outcome, _NOT_SENT)
                sent_before = sent_before or (sent and state_changing)
                delay = self._after_failure(
                    request, outcome, deadline, retries, sent=sent, maybe_done=sent_before
                )
                if delay is None:
                    raise self._unknown(
                        f"{self.provider.name} gave no answer ({type(outcome).__name__})",
                        request,
                        info,
                    ) from outcome
            yield _Sleep(delay)
            retries += 1

    def _deadline_error(
        self, request: httpx.Request, info: CallInfo, sent_before: bool
    ) -> PaymentError:
        what = f"{self.provider.name}: gave up after the {self.policy.deadline:g}s deadline"
        if sent_before:
            return self._unknown(what, request, info, code=ErrorCode.OUTCOME_UNKNOWN)
        return ProviderUnavailableError(
            f"{what}; nothing was sent", code=ErrorCode.TIMEOUT, provider=self.provider.name
        )

    def _has_http_hooks(self) -> bool:
        hook = self.hooks.manager.hook
        return bool(
            hook.payments_http_request.get_hookimpls()
            or hook.payments_http_response.get_hookimpls()
        )

    def _log(
        self,
        request: httpx.Request,
        retries: int,
        exchange: HttpExchange | None,
        outcome: str,
        elapsed: float,
    ) -> HttpExchange | None:
        """Log the attempt at DEBUG; the exchange, built here if it was not yet."""
        if not logger.isEnabledFor(logging.DEBUG):
            return exchange
        if exchange is None:
            exchange = HttpExchange.of(request, retries + 1, self.sensitive_headers)
        logger.debug(
            "%s %s -> %s in %.3fs (attempt %d)",
            self.provider.name,
            exchange,
            outcome,
            elapsed,
            exchange.attempt,
            extra={
                "provider": self.provider.name,
                "http_method": exchange.method,
                "http_host": exchange.host,
                "http_path": exchange.path,
                "http_status": outcome,
                "elapsed": elapsed,
                "attempt": exchange.attempt,
            },
        )
        return exchange

    def _after_failure(
        self,
        request: httpx.Request,
        exc: BaseException,
        deadline: float,
        retries: int,
        *,
        sent: bool,
        maybe_done: bool,
    ) -> float | None:
        """No response: the delay before retrying, ``None`` for "outcome unknown", or raise.

        ``sent``: this attempt's request left the machine; ``maybe_done``: this or
        an earlier attempt of a state-changing request may have been carried out.
        """
        if isinstance(exc, PaymentError):
            # The auth flow failed (its token request was refused or unreachable).
            error: PaymentError = exc
        elif isinstance(exc, httpx.TransportError | httpx.DecodingError | TimeoutError):
            error = self._transport_error(exc, sent)
        elif isinstance(exc, httpx.HTTPStatusError):
            error = self._auth_status_error(exc)
        elif isinstance(exc, Exception):
            error = ProviderUnavailableError(
                f"{self.provider.name}: the HTTP client or auth failed ({type(exc).__name__})",
                code=ErrorCode.NETWORK_ERROR,
                provider=self.provider.name,
                retryable=not sent,
            )
        else:
            raise exc  # KeyboardInterrupt, cancellation: not ours to handle
        safe = not sent or is_safe_to_retry(request, self.key_header)
        delay = None
        if error.retryable:
            delay = self.policy.next_delay(
                retries_done=retries,
                safe=safe,
                remaining=deadline - self.clock(),
                retry_after=getattr(error, "retry_after", None),
            )
        if delay is not None:
            return delay
        if maybe_done:
            return None
        if not sent and not error.message.endswith("nothing was sent"):
            error = error.replace(f"{error.message}; nothing was sent")
        if error is exc:
            raise error
        raise error from exc

    def _transport_error(self, exc: BaseException, sent: bool) -> PaymentError:
        name = type(exc).__name__
        if isinstance(exc, httpx.LocalProtocolError | httpx.UnsupportedProtocol):
            # The exception's text may quote a header value (a credential): the type only.
            return InvalidRequestError(
                f"the request to {self.provider.name} could not be sent ({name})",
                provider=self.provider.name,
            )
        if isinstance(exc, httpx.TimeoutException | TimeoutError):
            return ProviderUnavailableError(
                f"{self.provider.name} timed out ({name})",
                code=ErrorCode.TIMEOUT,
                provider=self.provider.name,
            )
        return ProviderUnavailableError(
            f"{self.provider.name} could not be reached ({name})",
            code=ErrorCode.NETWORK_ERROR,
            provider=self.provider.name,
        )

    def _auth_status_error(self, exc: httpx.HTTPStatusError) -> PaymentError:
        """A custom auth raised for its token answer: map it like a token endpoint's."""
        status = exc.response.status_code
        if status in (400, 401, 403):
            return AuthenticationError(
                f"{self.provider.name}'s token endpoint refused the credentials (HTTP {status})",
                provider=self.provider.name,
                http_status=status,
            )
        return ProviderUnavailableError(
            f"{self.provider.name}'s token request failed (HTTP {status})",
            provider=self.provider.name,
            http_status=status,
            retryable=status == 429 or status >= 500,
        )

    def _after_response(
        self,
        request: httpx.Request,
        response: httpx.Response,
        info: CallInfo,
        deadline: float,
        retries: int,
        *,
        maybe_done: bool = False,
    ) -> float | None:
        """``None`` when the response goes to the flow, else the delay before retrying.

        ``maybe_done``: an earlier attempt of this state-changing request may have
        been carried out, so an error answer now (a 409 "in progress", a 404, a
        429) cannot prove it was not: the outcome stays unknown.
        """
        status = response.status_code
        if status < 400 or status in request.extensions.get(ACCEPT_STATUS_EXTENSION, ()):
            return None
        delay = self.policy.next_delay(
            retries_done=retries,
            safe=is_safe_to_retry(request, self.key_header),
            remaining=deadline - self.clock(),
            status_code=status,
            retry_after=parse_retry_after(response.headers.get("retry-after")),
        )
        if delay is not None:
            return delay
        error = self._error_for(response)
        if maybe_done and changes_state(request) and not isinstance(error, OutcomeUnknownError):
            raise self._unknown(
                f"{self.provider.name} answered HTTP {status} to a repeat of a request that "
                "may already have been carried out",
                request,
                info,
                http_status=status,
                provider_code=error.provider_code,
                provider_message=error.provider_message,
            )
        if (
            status >= 500
            and changes_state(request)
            and isinstance(error, ProviderUnavailableError)
            and not isinstance(error, OutcomeUnknownError)
        ):
            raise self._unknown(
                f"{self.provider.name} answered HTTP {status}",
                request,
                info,
                http_status=status,
                provider_code=error.provider_code,
                provider_message=error.provider_message,
                request_id=error.request_id,
            )
        raise error

    def _error_for(self, response: httpx.Response) -> PaymentError:
        try:
            error = self.provider.error_for_response(response)
        except Exception:  # a provider's mapping must not hide the real failure
            logger.exception("%s: error_for_response failed", self.provider.name)
            error = error_for_status(response, provider=self.provider.name)
        if not isinstance(error, PaymentError):
            error = error_for_status(response, provider=self.provider.name)
        return error


class SyncDriver(_Driver):
    """Runs flows over an ``httpx.Client``."""

    def __init__(
        self,
        provider: PaymentProvider,
        client: httpx.Client | Callable[[], httpx.Client],
        hooks: Hooks,
        *,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], Any] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(provider, hooks, policy=policy, clock=clock)
        self._client: httpx.Client | None = None
        self._make_client: Callable[[], httpx.Client] | None = None
        self._client_lock = threading.Lock()
        self.sleep = sleep
        if isinstance(client, httpx.Client):
            self._client = client
            deadlines.install(client)
        else:
            self._make_client = client  # the default client: made on first use

    @property
    def client(self) -> httpx.Client:
        """The HTTP client; a default one (its TLS context and all) is made on first use."""
        client = self._client
        if client is None:
            with self._client_lock:
                if self._client is None:
                    assert self._make_client is not None
                    made = self._make_client()
                    deadlines.install(made)
                    self._client = made
                client = self._client
        return client

    def close_client(self) -> None:
        """Close the client; one not made yet is made closed if it is ever asked for."""
        with self._client_lock:
            if self._client is not None:
                self._client.close()
                return
            make = self._make_client
            assert make is not None

            def closed() -> httpx.Client:
                client = make()
                client.close()
                return client

            self._make_client = closed

    def run(self, flow: Flow[T], info: CallInfo | None = None) -> T:
        """Drive ``flow`` to its result; every failure comes out as a PaymentError."""
        info = info if info is not None else CallInfo()
        deadline = self.clock() + self.policy.deadline
        last: httpx.Request | None = None
        moved: httpx.Request | None = None  # the state-changing request carried out
        response: httpx.Response | None = None
        try:
            step = self._advance(flow, None, None, info)
            while not isinstance(step, _Done):
                last = step
                try:
                    response = self._send(step, info, deadline)
                except PaymentError as exc:
                    response = None
                    step = self._throw(flow, exc, moved, last, info)
                    continue
                if changes_state(step) and response.status_code < 400:
                    moved = step
                    info.progress.carried_out = True
                step = self._advance(flow, response, moved or last, info)
            return self._result(step.value, response, moved or last, info)
        finally:
            flow.close()

    def _send(self, request: httpx.Request, info: CallInfo, deadline: float) -> httpx.Response:
        _add_client_headers(request, self.client.headers)
        attempts = self._attempts(request, info, deadline)
        try:
            step = next(attempts)
            while True:
                outcome: object = None
                if step is _SEND:
                    left = deadline - self.clock()
                    try:
                        with deadlines.scope(left):
                            outcome = self.client.send(request, auth=self.auth)
                    except Exception as exc:
                        outcome = exc
                elif step is _RECORD:
                    assert info.on_send is not None
                    info.on_send(request)
                else:
                    assert isinstance(step, _Sleep)
                    self.sleep(step.seconds)
                step = attempts.send(outcome)
        except StopIteration as done:
            response: httpx.Response = done.value
            return response
        finally:
            attempts.close()


class AsyncDriver(_Driver):
    """Runs flows over an ``httpx.AsyncClient``."""

    def __init__(
        self,
        provider: PaymentProvider,
        client: httpx.AsyncClient,
        hooks: Hooks,
        *,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[Any]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        import asyncio

        super().__init__(provider, hooks, policy=policy, clock=clock)
        self.client = client
        self.sleep = sleep or asyncio.sleep

    async def run(self, flow: Flow[T], info: CallInfo | None = None) -> T:
        """Drive ``flow`` to its result; every failure comes out as a PaymentError."""
        info = info if info is not None else CallInfo()
        deadline = self.clock() + self.policy.deadline
        last: httpx.Request | None = None
        moved: httpx.Request | None = None  # the state-changing request carried out
        response: httpx.Response | None = None
        try:
            step = self._advance(flow, None, None, info)
            while not isinstance(step, _Done):
                last = step
                try:
                    response = await self._send(step, info, deadline)
                except PaymentError as exc:
                    response = None
                    step = self._throw(flow, exc, moved, last, info)
                    continue
                if changes_state(step) and response.status_code < 400:
                    moved = step
                    info.progress.carried_out = True
                step = self._advance(flow, response, moved or last, info)
            return self._result(step.value, response, moved or last, info)
        finally:
            flow.close()

    async def _send(
        self, request: httpx.Request, info: CallInfo, deadline: float
    ) -> httpx.Response:
        import asyncio  # on its loop: already imported, a dictionary look-up

        _add_client_headers(request, self.client.headers)
        attempts = self._attempts(request, info, deadline)
        try:
            step = next(attempts)
            while True:
                outcome: object = None
                if step is _SEND:
                    left = max(deadline - self.clock(), 0.0)
                    try:
                        async with asyncio.timeout(left):
                            outcome = await self.client.send(request, auth=self.auth)
                    except Exception as exc:
                        outcome = exc
                elif step is _RECORD:
                    assert info.on_send is not None
                    recorded = info.on_send(request)
                    if inspect.isawaitable(recorded):
                        await recorded
                else:
                    assert isinstance(step, _Sleep)
                    await self.sleep(step.seconds)
                step = attempts.send(outcome)
        except StopIteration as done:
            response: httpx.Response = done.value
            return response
        finally:
            attempts.close()


def redact_result(value: T, fields: frozenset[str], memo: dict[int, Any] | None = None) -> T:
    """``value`` with its ``raw`` payloads redacted (the same object when nothing changed).

    One ``memo`` serves the whole result, so the parts an event shares with its
    payment (and a payment with its operations) are walked once.
    """
    memo = {} if memo is None else memo
    if isinstance(value, WebhookEvent):
        payment = redact_result(value.payment, fields, memo)
        raw = redact_payload(value.raw, fields, memo)
        if payment is value.payment and raw is value.raw:
            return value
        return value.model_copy(update={"payment": payment, "raw": raw})
    if isinstance(value, Payment):
        raw = redact_payload(value.raw, fields, memo)
        operations = tuple(redact_result(op, fields, memo) for op in value.operations)
        unchanged = all(new is old for new, old in zip(operations, value.operations, strict=True))
        if raw is value.raw and unchanged:
            return value
        return value.model_copy(update={"raw": raw, "operations": operations})
    if isinstance(value, Operation):
        raw = redact_payload(value.raw, fields, memo)
        return value if raw is value.raw else value.model_copy(update={"raw": raw})
    return value


def _add_client_headers(request: httpx.Request, defaults: httpx.Headers) -> None:
    """Give a provider's request the headers configured on the client.

    ``client.send`` sends a request as built, so without this a ``User-Agent``
    or tracing header set on the application's client (and httpx's own
    ``Accept-Encoding``) would be dropped. What the provider set wins.
    """
    if not defaults:
        return
    headers = request.headers
    present = {name for name, _ in headers.multi_items()}  # lower-cased, like defaults'
    for name, value in defaults.multi_items():
        if name not in present:
            headers[name] = value
            present.add(name)
