"""What every driver holds, and the errors it builds when a request went wrong.

A driver keeps its provider's view of the wire (the idempotency header it
honours, the header and field names to redact), its retry policy and its auth.
From those it builds each failure in the error tree: a transport failure, a
token request the auth could not complete, an error answer in the provider's
own words, and above all the *unknown outcome*, raised whenever a request that
changes state may have been carried out without the driver learning so.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import httpx

from payments_core.drivers.call import CallInfo
from payments_core.drivers.tracked_auth import TrackedAuth
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
from payments_core.provider import PaymentProvider, changes_state, error_for_status
from payments_core.retry import RetryPolicy

__all__ = ["DriverBase", "retry_policy_for"]

logger = logging.getLogger("payments_core.http")


def retry_policy_for(provider: PaymentProvider) -> RetryPolicy:
    """The retry policy a provider's settings ask for."""
    s = provider.settings
    return RetryPolicy(
        max_retries=s.max_retries,
        backoff_base=s.backoff_base,
        backoff_max=s.backoff_max,
        deadline=s.deadline,
    )


class DriverBase:
    """What both drivers hold, and the errors they build from it."""

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
        self.auth: httpx.Auth | None = None if inner is None else TrackedAuth(inner)
        self.key_header = provider.idempotency_header if provider.honours_idempotency_keys else None
        self.sensitive_headers = frozenset(name.lower() for name in provider.sensitive_headers)
        self.redacted_fields = frozenset(
            name.lower() for name in provider.sensitive_fields | provider.sensitive_options
        )

    # -- unknown outcomes ---------------------------------------------------------------

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

    # -- errors in the provider's words ----------------------------------------------------

    def _error_for(self, response: httpx.Response) -> PaymentError:
        try:
            error = self.provider.error_for_response(response)
        except Exception:  # a provider's mapping must not hide the real failure
            logger.exception("%s: error_for_response failed", self.provider.name)
            error = error_for_status(response, provider=self.provider.name)
        if not isinstance(error, PaymentError):
            error = error_for_status(response, provider=self.provider.name)
        return error

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

    def _deadline_error(
        self, request: httpx.Request, info: CallInfo, sent_before: bool
    ) -> PaymentError:
        what = f"{self.provider.name}: gave up after the {self.policy.deadline:g}s deadline"
        if sent_before:
            return self._unknown(what, request, info, code=ErrorCode.OUTCOME_UNKNOWN)
        return ProviderUnavailableError(
            f"{what}; nothing was sent", code=ErrorCode.TIMEOUT, provider=self.provider.name
        )
