"""The contract a payment provider (a gateway plugin) implements.

A provider never does I/O. Each operation is a *flow*: a generator that yields
``httpx.Request`` objects, receives the matching ``httpx.Response`` for each,
and returns a normalized result. The core's drivers run a flow over a sync or
an async client, so one implementation serves :class:`~payments_core.Payments`
and :class:`~payments_core.AsyncPayments`, and a test can drive it by hand::

    flow = provider.get_payment("order-1")
    request = next(flow)                       # what the provider wants to send
    try:
        flow.send(httpx.Response(200, json={...}))
    except StopIteration as done:
        payment = done.value                   # the normalized Payment

Error responses (status >= 400) never reach the flow: the driver turns them into
a :class:`~payments_core.errors.PaymentError` with ``error_for_response``, unless
the request lists the status in ``accept_status`` (see ``build_request``).
"""

from __future__ import annotations

import math
from abc import ABC
from collections.abc import Generator, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Self, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from payments_core import wire
from payments_core.errors import (
    AuthenticationError,
    ConfigurationError,
    ErrorCode,
    InvalidRequestError,
    NotFoundError,
    PaymentError,
    ProviderUnavailableError,
    RateLimitedError,
    UnsupportedOperationError,
)
from payments_core.models import Operation, Payment, PaymentRequest, WebhookEvent
from payments_core.money import Money
from payments_core.redact import SENSITIVE_HEADERS
from payments_core.validation import findings, summary

__all__ = [
    "ACCEPT_STATUS_EXTENSION",
    "AUTH_REQUEST_EXTENSION",
    "READ_ONLY_EXTENSION",
    "Capability",
    "Flow",
    "PaymentProvider",
    "ProviderSettings",
    "SentRequest",
    "changes_state",
    "error_for_status",
    "parse_retry_after",
]

T = TypeVar("T")

Flow = Generator[httpx.Request, httpx.Response, T]
"""An operation: yields requests, receives responses, returns the result."""

ACCEPT_STATUS_EXTENSION = "payments_core.accept_status"
"""Request extension: error statuses the flow wants to see instead of an exception."""

AUTH_REQUEST_EXTENSION = "payments_core.auth_request"
"""Request extension an ``httpx.Auth`` sets on requests of its own (a token call):
the driver then knows a failure there left the API request unsent. Without the
mark, a request to the API's own method, host and path counts as the API request."""

READ_ONLY_EXTENSION = "payments_core.read_only"
"""Request extension: this POST only reads (a search), so a lost answer changes nothing."""


def changes_state(request: httpx.Request) -> bool:
    """True when the request may change something at the gateway (move money).

    Anything but GET and HEAD counts, unless the provider marked it read-only
    with ``build_request(..., read_only=True)``. A lost answer to such a request
    is an unknown outcome, never a plain failure.
    """
    return request.method not in ("GET", "HEAD") and not request.extensions.get(
        READ_ONLY_EXTENSION, False
    )


@dataclass(frozen=True)
class SentRequest:
    """The exact bytes of a state-changing request, kept so a repeat sends the same.

    Credentials are not kept: the ``Authorization`` header and every header the
    provider declares sensitive are dropped (the auth adds them afresh).
    """

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    content: bytes

    @classmethod
    def of(cls, request: httpx.Request, sensitive_headers: frozenset[str]) -> SentRequest:
        hidden = SENSITIVE_HEADERS | sensitive_headers
        return cls(
            method=request.method,
            url=str(request.url),
            headers=tuple(
                (name, value)
                for name, value in request.headers.multi_items()
                if name.lower() not in hidden and name.lower() != "content-length"
            ),
            content=request.content,
        )

    def to_request(self) -> httpx.Request:
        """A fresh ``httpx.Request`` carrying the same method, URL, headers and body."""
        return httpx.Request(
            self.method, self.url, headers=list(self.headers), content=self.content
        )


class Capability(StrEnum):
    """What a provider can do. The facade refuses undeclared operations up front."""

    CREATE = "create"
    RETRIEVE = "retrieve"
    REFUND = "refund"
    PARTIAL_REFUND = "partial_refund"
    CAPTURE = "capture"
    PARTIAL_CAPTURE = "partial_capture"
    VOID = "void"
    WEBHOOKS = "webhooks"
    SAVED_CARDS = "saved_cards"
    RECURRING = "recurring"


class ProviderSettings(BaseModel):
    """Settings every provider has; a provider subclasses this with its own fields.

    Secrets belong in ``pydantic.SecretStr`` fields so they never show in a repr.
    """

    # Built when a provider's settings are first validated, not when the core is imported.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    timeout: float = Field(default=30.0, gt=0)
    """Seconds one HTTP attempt may take (each phase: connect, read, write, pool)."""
    deadline: float = Field(default=90.0, gt=0)
    """Seconds a whole operation may take, retries and back-off included."""
    max_retries: int = Field(default=2, ge=0, le=10)
    """Extra attempts for a request that is safe to repeat."""
    backoff_base: float = Field(default=0.5, ge=0)
    """First back-off delay in seconds; it doubles on each retry (with jitter)."""
    backoff_max: float = Field(default=8.0, ge=0)
    """Longest single back-off delay, also the cap on an honoured ``Retry-After``."""
    allow_insecure_callback_url: bool = False
    """Accept a plain-http callback URL on a loopback host (a local emulator or
    receiver); each use logs a warning. Never for a public host."""

    def allows_insecure_callback(self, request: PaymentRequest | None = None) -> bool:
        """Whether a plain-http callback URL on a loopback host may be used: this
        setting, or the request's own ``allow_insecure_callback``. The one place
        the two switches meet, so every provider and the facade decide alike."""
        return self.allow_insecure_callback_url or (
            request is not None and request.allow_insecure_callback
        )


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        # "nan", "inf", "-1": no usable advice (nan would compare as "retry at once").
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    from datetime import UTC, datetime
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class PaymentProvider(ABC):
    """Base class of every gateway plugin.

    Subclasses set :attr:`name`, :attr:`settings_model` and :attr:`capabilities`,
    and override the flows they support. An operation left out raises
    :class:`~payments_core.errors.UnsupportedOperationError`; the facade checks
    :attr:`capabilities` before calling, so declare exactly what you implement.
    """

    name: ClassVar[str]
    """Entry-point name, also used in logs and errors (``"bog"``)."""
    settings_model: ClassVar[type[ProviderSettings]] = ProviderSettings
    capabilities: ClassVar[frozenset[Capability]] = frozenset()
    env_prefix: ClassVar[str | None] = None
    """Prefix of this provider's environment variables; ``NAME_`` when ``None``."""
    idempotency_header: ClassVar[str] = "Idempotency-Key"
    """Header that carries an idempotency key."""
    honours_idempotency_keys: ClassVar[bool] = False
    """True when the gateway answers a repeat carrying the same key with the first
    outcome instead of acting twice. Only then are state-changing requests retried
    (under the same key), and is an unknown outcome ``safe_to_repeat``. A gateway
    without keys gets each state-changing request exactly once."""
    sensitive_options: ClassVar[frozenset[str]] = frozenset()
    """``provider_options`` keys holding credentials (a wallet token): the facade
    hands hooks a copy of the request with their values redacted."""
    sensitive_headers: ClassVar[frozenset[str]] = frozenset()
    """Lower-case names of request headers carrying credentials, beyond the common
    ones (``authorization``, ``apikey``, ``x-api-key``...): never logged or shown."""
    sensitive_fields: ClassVar[frozenset[str]] = frozenset()
    """Keys of the gateway's payloads holding secrets (a wallet token): removed from
    ``raw`` before a result reaches hooks, logs or the caller. Full card numbers
    are masked everywhere without being declared."""

    def __init__(self, settings: ProviderSettings) -> None:
        if not isinstance(settings, self.settings_model):
            raise ConfigurationError(
                f"{type(self).__name__} needs {self.settings_model.__name__}, "
                f"got {type(settings).__name__}",
                provider=self.name,
            )
        self.settings = settings

    @classmethod
    def from_settings(
        cls, settings: Mapping[str, Any] | ProviderSettings | None = None, /, **values: Any
    ) -> Self:
        """Build the provider from raw settings, validated by :attr:`settings_model`.

        Missing or invalid settings raise :class:`ConfigurationError` naming the
        provider and the field; values are never echoed (they may be secrets).
        """
        if isinstance(settings, ProviderSettings) and not values:
            return cls(settings)
        if isinstance(settings, ProviderSettings):
            # model_copy(update=...) would skip validation: merge and validate again.
            settings = dict(settings)
        merged = {**(settings or {}), **values}
        try:
            validated = cls.settings_model.model_validate(merged)
        except ValidationError as exc:
            raise ConfigurationError(
                f"invalid settings for provider {cls.name!r}: "
                + summary(findings(exc, what="settings")),
                code=ErrorCode.INVALID_SETTINGS,
                provider=cls.name,
            ) from None
        return cls(validated)

    @classmethod
    def settings_env_prefix(cls) -> str:
        return cls.env_prefix if cls.env_prefix is not None else f"{cls.name.upper()}_"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"

    # -- what the drivers ask of a provider ------------------------------------------

    @property
    def auth(self) -> httpx.Auth | None:
        """The ``httpx.Auth`` for this provider's API calls, if any (built once)."""
        return None

    def error_for_response(self, response: httpx.Response) -> PaymentError:
        """Map an error response (status >= 400) to the error tree.

        Providers override this to read their own error bodies; this default
        goes by status alone and is what they fall back on.
        """
        return error_for_status(response, provider=self.name)

    # -- request building --------------------------------------------------------------

    def build_request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        accept_status: Iterable[int] = (),
        read_only: bool = False,
    ) -> httpx.Request:
        """Build a request with exact-decimal JSON and the idempotency header.

        ``accept_status`` lists error statuses the flow handles itself (a 404 that
        means "already deleted"), instead of the driver raising for them.
        ``read_only`` marks a POST that changes nothing (see :func:`changes_state`).
        The idempotency header is sent only when the gateway honours keys.
        """
        all_headers = dict(headers or {})
        content: bytes | None = None
        if json is not None:
            content = wire.dumps(json)
            all_headers.setdefault("Content-Type", "application/json")
        if idempotency_key is not None and self.honours_idempotency_keys:
            all_headers[self.idempotency_header] = idempotency_key
        all_headers.setdefault("Accept", "application/json")
        request = httpx.Request(method, url, content=content, data=data, headers=all_headers)
        if accept_status:
            request.extensions[ACCEPT_STATUS_EXTENSION] = frozenset(accept_status)
        if read_only:
            request.extensions[READ_ONLY_EXTENSION] = True
        return request

    # -- operations: flows -------------------------------------------------------------

    def _unsupported(self, operation: str) -> UnsupportedOperationError:
        return UnsupportedOperationError(
            f"provider {self.name!r} does not support {operation}", provider=self.name
        )

    def create_payment(self, request: PaymentRequest) -> Flow[Payment]:
        """Start a payment; the result usually carries a ``redirect_url``."""
        raise self._unsupported("create_payment")

    def get_payment(self, payment_id: str) -> Flow[Payment]:
        """Read the payment's current state."""
        raise self._unsupported("get_payment")

    def refund(
        self, payment_id: str, amount: Money | None, *, idempotency_key: str
    ) -> Flow[Operation]:
        """Refund ``amount`` (``None``: everything refundable)."""
        raise self._unsupported("refund")

    def capture(
        self, payment_id: str, amount: Money | None, *, idempotency_key: str
    ) -> Flow[Operation]:
        """Capture an authorized payment, fully (``None``) or partly."""
        raise self._unsupported("capture")

    def void(self, payment_id: str, *, idempotency_key: str) -> Flow[Operation]:
        """Release an authorization without capturing."""
        raise self._unsupported("void")

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        """Verify a signed callback over its raw bytes, then parse it. Pure: no I/O.

        Gateways whose callbacks are signed override this. Gateways whose callbacks
        are not (an id to read back) override :meth:`webhook` instead.
        """
        raise self._unsupported("parse_webhook")

    def webhook(
        self, headers: Mapping[str, str], body: bytes, *, remote_addr: str | None = None
    ) -> Flow[WebhookEvent]:
        """Verify a callback and return its event: the flow every facade runs.

        Two ways to trust a callback, both expressed here:

        * signed (BOG, dummy): the default runs :meth:`parse_webhook` and returns
          without yielding a request;
        * unsigned (an id only): override this to yield a read of the payment with
          the merchant's credentials and build the event from that answer alone,
          never from what the body claimed.

        ``remote_addr`` is the caller's address when the application passes it,
        for gateways that publish the addresses their callbacks come from.
        """
        return self.parse_webhook(headers, body)
        yield  # a generator that never yields: the result is ready at once

    def resend(self, operation: str, request: Any, sent: SentRequest) -> Flow[Any] | None:
        """The flow that repeats a state-changing call whose outcome was unknown.

        Called only for gateways that honour idempotency keys, when the same call
        (same key, same parameters) is made again after an unknown outcome;
        ``request`` is what the call was asked (an ``OperationRequest`` for
        refund, capture and void; a ``PaymentRequest`` for a create). The
        default, ``None``, runs the operation's flow again, which re-sends the
        same body under the same key. Override it when the flow's checks before
        sending would refuse a repeat of a request that already went through
        (BOG's refund reads the receipt first): yield ``sent.to_request()``, the
        very bytes sent the first time, and read the answer as the flow would.
        """
        return None

    def close(self) -> None:  # noqa: B027 - optional hook, empty by design
        """Release resources the provider holds (none by default)."""


def error_for_status(
    response: httpx.Response,
    *,
    provider: str,
    message: str | None = None,
    provider_code: str | None = None,
    payment_id: str | None = None,
) -> PaymentError:
    """The error class a bare HTTP status means; providers refine it with body details."""
    status = response.status_code
    request_id = response.headers.get("x-request-id")
    text = message or f"{provider} answered HTTP {status}"
    common: dict[str, Any] = {
        "provider": provider,
        "provider_code": provider_code,
        "provider_message": message,
        "payment_id": payment_id,
        "request_id": request_id,
        "http_status": status,
    }
    if status == 401 or status == 403:
        return AuthenticationError(text, **common)
    if status == 404:
        return NotFoundError(text, **common)
    if status == 409:
        return InvalidRequestError(text, code=ErrorCode.IDEMPOTENCY_CONFLICT, **common)
    if status == 429:
        return RateLimitedError(
            text, retry_after=parse_retry_after(response.headers.get("retry-after")), **common
        )
    if status >= 500:
        return ProviderUnavailableError(text, **common)
    return InvalidRequestError(text, **common)
