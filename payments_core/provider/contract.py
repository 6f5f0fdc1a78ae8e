"""The contract a gateway plugin implements: :class:`PaymentProvider` and its flows.

A provider declares what it can do (:class:`Capability`) and writes each
operation as a :data:`Flow`; the drivers run the flows, the facades check the
declarations before anything is sent.
"""

from __future__ import annotations

import functools
from abc import ABC
from collections.abc import Generator, Iterable, Mapping
from enum import StrEnum
from typing import Any, ClassVar, Self, TypeVar

import httpx
from pydantic import ValidationError

from payments_core import wire
from payments_core.errors import (
    ConfigurationError,
    ErrorCode,
    PaymentError,
    UnsupportedOperationError,
)
from payments_core.models import Operation, Payment, PaymentRequest, WebhookEvent
from payments_core.money import Money
from payments_core.provider.requests import (
    ACCEPT_STATUS_EXTENSION,
    READ_ONLY_EXTENSION,
    SentRequest,
)
from payments_core.provider.responses import error_for_status
from payments_core.provider.settings import ProviderSettings
from payments_core.urls import is_path_id, rememberable
from payments_core.validation import findings, summary

__all__ = ["Capability", "Flow", "PaymentProvider"]

T = TypeVar("T")

Flow = Generator[httpx.Request, httpx.Response, T]
"""An operation: yields requests, receives responses, returns the result."""


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
        target = _parsed_url(url) if rememberable(url) else url
        request = httpx.Request(method, target, content=content, data=data, headers=all_headers)
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


@functools.lru_cache(maxsize=128)
def _parsed_url(url: str) -> httpx.URL:
    """``url`` parsed, remembered for the last URLs a process sent to.

    Parsing costs as much as the rest of building a request, and many requests
    go to a URL sent to a moment ago: a gateway's fixed endpoints (create, token)
    and the payment a flow has just read. ``httpx.URL`` is immutable, so requests
    can share one. Only URLs :func:`~payments_core.urls.rememberable` allows are
    kept (none with a query or user info, which may carry a token).

    A URL seen for the first time is most often a fixed endpoint followed by one
    payment's id (``.../receipt/{id}``): that is the endpoint's parse with the id
    added to its path (see :func:`_parsed_prefix`), which is what parsing the
    whole URL gives when the id is a :data:`~payments_core.urls.PATH_ID`.
    """
    prefix, slash, last = url.rpartition("/")
    if slash and is_path_id(last):
        parsed = _parsed_prefix(prefix + slash)
        if parsed is not None:
            reference = parsed._uri_reference
            joined = httpx.URL.__new__(httpx.URL)
            joined._uri_reference = reference._replace(path=reference.path + last)
            return joined
    return httpx.URL(url)


@functools.lru_cache(maxsize=32)
def _parsed_prefix(prefix: str) -> httpx.URL | None:
    """``prefix`` (ending in ``/``) parsed, when a path segment can be added to its parse.

    That holds when parsing changes nothing in it (scheme and host in lower case,
    no default port, no ``.`` segment, nothing to escape) and it has no query or
    fragment: a segment of letters, digits, ``.``, ``_``, ``:`` and ``-`` that does
    not start with a dot is then neither escaped nor normalized when the whole URL
    is parsed, so the whole parse is this one with the segment at the end of the
    path. ``None`` otherwise, or when ``httpx.URL`` keeps anything besides its parse
    result, which the joined URL is made of.
    """
    try:
        parsed = httpx.URL(prefix)
    except httpx.InvalidURL:
        return None
    state = getattr(parsed, "__dict__", None)
    if state is None or state.keys() != {"_uri_reference"}:
        return None
    reference = parsed._uri_reference
    if (
        not hasattr(reference, "_replace")
        or str(parsed) != prefix
        or reference.query is not None
        or reference.fragment is not None
        or not reference.path.endswith("/")
    ):
        return None
    return parsed
