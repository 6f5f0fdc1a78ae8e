"""Run a provider's flow over ``httpx.Client`` (sync) or ``httpx.AsyncClient`` (async).

This is the one place for timeouts, retries, HTTP hooks, HTTP logging and the
mapping of transport failures and error responses into the error tree. The two
drivers share everything but the two calls that differ (``send`` and ``sleep``).

Every attempt carries a timeout no longer than what is left of the operation's
deadline: httpx timeouts are per phase (connect, read, ...), so without an
overall deadline a slow trickle of bytes could hold a checkout for minutes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx

from payments_core.auth import TOKEN_PENDING_EXTENSION
from payments_core.errors import (
    ErrorCode,
    InvalidRequestError,
    PaymentError,
    ProviderResponseError,
    ProviderUnavailableError,
)
from payments_core.hooks import Hooks
from payments_core.provider import (
    ACCEPT_STATUS_EXTENSION,
    Flow,
    PaymentProvider,
    error_for_status,
    parse_retry_after,
)
from payments_core.redact import HttpExchange
from payments_core.retry import RetryPolicy, is_safe_to_retry

__all__ = ["AsyncDriver", "SyncDriver", "retry_policy_for"]

T = TypeVar("T")

logger = logging.getLogger("payments_core.http")

_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
"""Failures that happen before the request left this machine."""


def retry_policy_for(provider: PaymentProvider) -> RetryPolicy:
    """The retry policy a provider's settings ask for."""
    s = provider.settings
    return RetryPolicy(
        max_retries=s.max_retries,
        backoff_base=s.backoff_base,
        backoff_max=s.backoff_max,
        deadline=s.deadline,
    )


@dataclass
class _Done(Generic[T]):
    value: T


class _Driver:
    """What both drivers share: stepping the flow, timeouts, decisions, errors."""

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

    # -- the flow ----------------------------------------------------------------------

    def _advance(self, flow: Flow[T], response: httpx.Response | None) -> httpx.Request | _Done[T]:
        try:
            step = next(flow) if response is None else flow.send(response)
        except StopIteration as stop:
            return _Done(stop.value)
        except InvalidRequestError as exc:
            if response is None or exc.provider is not None:
                raise
            # A model or Money refused a value read from the reply (a provider's own
            # error carries its name): the reply is unreadable, the request was fine.
            raise ProviderResponseError(
                f"could not read {self.provider.name}'s response ({exc.message})",
                provider=self.provider.name,
                http_status=response.status_code,
            ) from exc
        except PaymentError:
            raise
        except Exception as exc:
            raise ProviderResponseError(
                f"could not read {self.provider.name}'s response ({type(exc).__name__}: {exc})",
                provider=self.provider.name,
                http_status=response.status_code if response is not None else None,
            ) from exc
        if not isinstance(step, httpx.Request):
            flow.close()
            raise ProviderResponseError(
                f"provider {self.provider.name!r} yielded {type(step).__name__}, "
                "not an httpx.Request",
                provider=self.provider.name,
            )
        return step

    # -- one attempt ---------------------------------------------------------------------

    def _start_attempt(self, request: httpx.Request, deadline: float, attempt: int) -> HttpExchange:
        remaining = deadline - self.clock()
        if remaining <= 0:
            raise ProviderUnavailableError(
                f"{self.provider.name}: gave up after the {self.policy.deadline:g}s deadline",
                code=ErrorCode.TIMEOUT,
                provider=self.provider.name,
            )
        per_attempt = min(self.provider.settings.timeout, remaining)
        request.extensions["timeout"] = httpx.Timeout(per_attempt).as_dict()
        exchange = HttpExchange.of(request, attempt)
        self.hooks.http_request(exchange)
        return exchange

    def _log(self, exchange: HttpExchange, outcome: str, elapsed: float) -> None:
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

    def _after_failure(
        self,
        request: httpx.Request,
        exc: Exception,
        exchange: HttpExchange,
        started: float,
        deadline: float,
        retries: int,
    ) -> float:
        """A transport failure: the delay before retrying, or raise the typed error."""
        elapsed = self.clock() - started
        self._log(exchange, type(exc).__name__, elapsed)
        # An auth flow marks the request while it fetches a token: a failure then
        # happened on the token request, and the API request itself never left.
        sent = not (
            isinstance(exc, _NOT_SENT) or request.extensions.pop(TOKEN_PENDING_EXTENSION, False)
        )
        safe = not sent or is_safe_to_retry(request, self.provider.idempotency_header)
        delay = self.policy.next_delay(
            retries_done=retries, safe=safe, remaining=deadline - self.clock()
        )
        if delay is not None:
            return delay
        if isinstance(exc, httpx.TimeoutException):
            code, what = ErrorCode.TIMEOUT, "timed out"
        else:
            code, what = ErrorCode.NETWORK_ERROR, "could not be reached"
        unknown = sent and request.method not in ("GET", "HEAD")
        message = f"{self.provider.name} {what} ({type(exc).__name__})"
        if unknown:
            message += "; the outcome is unknown: check the payment or retry with the same key"
        raise ProviderUnavailableError(
            message, code=code, provider=self.provider.name, retryable=True
        ) from exc

    def _after_auth_failure(self, exc: PaymentError, deadline: float, retries: int) -> float:
        """The token endpoint failed: the API request itself was not sent (or was
        refused with a 401), so a retryable failure may be retried for any request."""
        delay = None
        if exc.retryable:
            delay = self.policy.next_delay(
                retries_done=retries,
                safe=True,
                remaining=deadline - self.clock(),
                retry_after=getattr(exc, "retry_after", None),
            )
        if delay is None:
            raise exc
        logger.debug("%s: token request failed (%s); retrying", self.provider.name, exc.code)
        return delay

    def _after_response(
        self,
        request: httpx.Request,
        response: httpx.Response,
        exchange: HttpExchange,
        started: float,
        deadline: float,
        retries: int,
    ) -> float | None:
        """``None`` when the response goes to the flow, else the delay before retrying."""
        elapsed = self.clock() - started
        self._log(exchange, str(response.status_code), elapsed)
        self.hooks.http_response(exchange, response.status_code, elapsed)
        status = response.status_code
        if status < 400 or status in request.extensions.get(ACCEPT_STATUS_EXTENSION, ()):
            return None
        delay = self.policy.next_delay(
            retries_done=retries,
            safe=is_safe_to_retry(request, self.provider.idempotency_header),
            remaining=deadline - self.clock(),
            status_code=status,
            retry_after=parse_retry_after(response.headers.get("retry-after")),
        )
        if delay is not None:
            return delay
        raise self._error_for(response)

    def _error_for(self, response: httpx.Response) -> PaymentError:
        try:
            error = self.provider.error_for_response(response)
        except Exception:  # a provider's mapping must not hide the real failure
            logger.exception("%s: error_for_response failed", self.provider.name)
            error = error_for_status(response, provider=self.provider.name)
        if not isinstance(error, PaymentError):
            error = error_for_status(response, provider=self.provider.name)
        return error

    @staticmethod
    def _unexpected(exc: Exception, provider: str) -> ProviderUnavailableError:
        return ProviderUnavailableError(
            f"{provider}: the HTTP client failed ({type(exc).__name__})",
            code=ErrorCode.NETWORK_ERROR,
            provider=provider,
            retryable=True,
        )


class SyncDriver(_Driver):
    """Runs flows over an ``httpx.Client``."""

    def __init__(
        self,
        provider: PaymentProvider,
        client: httpx.Client,
        hooks: Hooks,
        *,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], Any] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(provider, hooks, policy=policy, clock=clock)
        self.client = client
        self.sleep = sleep

    def run(self, flow: Flow[T]) -> T:
        """Drive ``flow`` to its result; every failure comes out as a PaymentError."""
        deadline = self.clock() + self.policy.deadline
        try:
            step = self._advance(flow, None)
            while not isinstance(step, _Done):
                step = self._advance(flow, self._send(step, deadline))
            return step.value
        finally:
            flow.close()

    def _send(self, request: httpx.Request, deadline: float) -> httpx.Response:
        retries = 0
        while True:
            exchange = self._start_attempt(request, deadline, retries + 1)
            started = self.clock()
            try:
                response = self.client.send(request, auth=self.provider.auth)
            except PaymentError as exc:
                delay = self._after_auth_failure(exc, deadline, retries)
            except (httpx.TransportError, httpx.DecodingError) as exc:
                delay = self._after_failure(request, exc, exchange, started, deadline, retries)
            except Exception as exc:
                raise self._unexpected(exc, self.provider.name) from exc
            else:
                maybe = self._after_response(
                    request, response, exchange, started, deadline, retries
                )
                if maybe is None:
                    return response
                delay = maybe
            self.sleep(delay)
            retries += 1


class AsyncDriver(_Driver):
    """Runs flows over an ``httpx.AsyncClient``."""

    def __init__(
        self,
        provider: PaymentProvider,
        client: httpx.AsyncClient,
        hooks: Hooks,
        *,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(provider, hooks, policy=policy, clock=clock)
        self.client = client
        self.sleep = sleep

    async def run(self, flow: Flow[T]) -> T:
        """Drive ``flow`` to its result; every failure comes out as a PaymentError."""
        deadline = self.clock() + self.policy.deadline
        try:
            step = self._advance(flow, None)
            while not isinstance(step, _Done):
                step = self._advance(flow, await self._send(step, deadline))
            return step.value
        finally:
            flow.close()

    async def _send(self, request: httpx.Request, deadline: float) -> httpx.Response:
        retries = 0
        while True:
            exchange = self._start_attempt(request, deadline, retries + 1)
            started = self.clock()
            try:
                response = await self.client.send(request, auth=self.provider.auth)
            except PaymentError as exc:
                delay = self._after_auth_failure(exc, deadline, retries)
            except (httpx.TransportError, httpx.DecodingError) as exc:
                delay = self._after_failure(request, exc, exchange, started, deadline, retries)
            except Exception as exc:
                raise self._unexpected(exc, self.provider.name) from exc
            else:
                maybe = self._after_response(
                    request, response, exchange, started, deadline, retries
                )
                if maybe is None:
                    return response
                delay = maybe
            await self.sleep(delay)
            retries += 1
