"""The attempts of one request, written once as a generator for both drivers.

Each attempt gets what is left of the call's deadline as its timeout, is
recorded first when it changes state (``CallInfo.on_send``), shows itself to
the HTTP hooks and the DEBUG log, and ends in a decision: the answer goes to
the flow, a retry after a delay, or an error. The generator yields what it
needs done (:data:`AttemptStep`); the sync and async drivers differ only in how they
send, sleep and record.
"""

from __future__ import annotations

import logging
from collections.abc import Generator
from dataclasses import dataclass

import httpx

from payments_core.drivers.base import DriverBase
from payments_core.drivers.call import CallInfo
from payments_core.drivers.tracked_auth import NOT_SENT, SENT
from payments_core.errors import (
    ErrorCode,
    OutcomeUnknownError,
    PaymentError,
    ProviderUnavailableError,
)
from payments_core.provider import ACCEPT_STATUS_EXTENSION, changes_state, parse_retry_after
from payments_core.redact import HttpExchange
from payments_core.retry import is_safe_to_retry

__all__ = ["AttemptLoop", "AttemptStep", "Record", "Sleep"]

logger = logging.getLogger("payments_core.http")


@dataclass(frozen=True, slots=True)
class Sleep:
    """An :data:`AttemptStep`: wait this long before the next attempt."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Record:
    """An :data:`AttemptStep`: before this state-changing request leaves, call
    ``info.on_send`` with it (and await what it returns on the async driver). If
    that fails, nothing was sent."""

    request: httpx.Request


AttemptStep = httpx.Request | Record | Sleep
"""What the attempts ask of a driver: send a request (it gets back the response, or
the exception sending raised), record one, or sleep (both get back nothing, or
have their exception thrown in)."""

_Attempts = Generator[AttemptStep, object, httpx.Response]


class AttemptLoop(DriverBase):
    """The attempt loop and its decisions, shared by both drivers."""

    def _attempts(self, request: httpx.Request, info: CallInfo, deadline: float) -> _Attempts:
        """Attempts of ``request`` until one is answered for the flow; the answer is returned."""
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
            request.extensions.pop(SENT, None)
            if self.auth is None:
                request.extensions[SENT] = True
            if state_changing:
                if info.on_send is not None:
                    yield Record(request)
                info.progress.sending = True
            # The redacted view is built only for someone who looks at it: an HTTP
            # hook, or the logger at DEBUG (checked again when the answer is in).
            exchange: HttpExchange | None = None
            hooked = self.hooks.has_http_hooks()
            if hooked or logger.isEnabledFor(logging.DEBUG):
                exchange = HttpExchange.of(request, retries + 1, self.sensitive_headers)
                if hooked:
                    self.hooks.http_request(exchange)
            started = self.clock()
            outcome = yield request
            elapsed = self.clock() - started
            if isinstance(outcome, httpx.Response):
                if logger.isEnabledFor(logging.DEBUG):  # the status text only for the log
                    exchange = self._log(
                        request, retries, exchange, str(outcome.status_code), elapsed
                    )
                if self.hooks.has_http_hooks():
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
                sent = bool(request.extensions.get(SENT)) and not isinstance(outcome, NOT_SENT)
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
            yield Sleep(delay)
            retries += 1

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
