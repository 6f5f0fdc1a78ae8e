"""The one error tree every public call raises from.

Nothing else escapes a public call: no ``KeyError``, no ``httpx`` exception, no
pydantic ``ValidationError`` from reading a provider's reply. ::

    PaymentError
    ├── ConfigurationError          bad settings, unknown provider, plugin failed to load
    ├── InvalidRequestError         caught before sending, or the provider said "bad request"
    │   └── OperationVetoedError    a before_operation hook refused the operation
    ├── AuthenticationError         merchant credentials or token refused
    ├── PaymentDeclinedError        the payer's bank or the provider declined (see decline_code)
    ├── NotFoundError               no such payment at the provider
    ├── InvalidStateError           the payment is not in a state that allows the operation
    ├── RateLimitedError            too many requests; retry after a pause
    ├── ProviderUnavailableError    5xx, network error, timeout
    │   └── OutcomeUnknownError     a money-moving request may have been carried out
    ├── ProviderResponseError       the provider answered something we cannot read
    ├── UnsupportedOperationError   the provider lacks the capability
    └── WebhookVerificationError    a callback's signature or shape is not trustworthy

Every error carries a normalized :class:`ErrorCode`, the provider's own code and
message where it gave one, whether retrying may help, and the payment and request
ids where known. Messages and reprs never contain secrets: they are built from
codes and ids, never from request headers or bodies.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Self

__all__ = [
    "AuthenticationError",
    "ConfigurationError",
    "DeclineCode",
    "ErrorCode",
    "InvalidRequestError",
    "InvalidStateError",
    "NotFoundError",
    "OperationVetoedError",
    "OutcomeUnknownError",
    "PaymentDeclinedError",
    "PaymentError",
    "ProviderResponseError",
    "ProviderUnavailableError",
    "RateLimitedError",
    "UnsupportedOperationError",
    "WebhookVerificationError",
]


class ErrorCode(StrEnum):
    """Normalized error codes: what went wrong, whatever the provider."""

    # configuration
    CONFIGURATION_ERROR = "configuration_error"
    PROVIDER_NOT_FOUND = "provider_not_found"
    PLUGIN_LOAD_FAILED = "plugin_load_failed"
    INVALID_SETTINGS = "invalid_settings"
    # bad requests
    INVALID_REQUEST = "invalid_request"
    INVALID_AMOUNT = "invalid_amount"
    INVALID_CURRENCY = "invalid_currency"
    CURRENCY_MISMATCH = "currency_mismatch"
    INVALID_URL = "invalid_url"
    IDEMPOTENCY_CONFLICT = "idempotency_conflict"
    OPERATION_VETOED = "operation_vetoed"
    # credentials
    AUTHENTICATION_FAILED = "authentication_failed"
    # payment outcome
    PAYMENT_DECLINED = "payment_declined"
    # lookups and state
    NOT_FOUND = "not_found"
    INVALID_STATE = "invalid_state"
    AMOUNT_EXCEEDS_AVAILABLE = "amount_exceeds_available"
    REFUND_FAILED = "refund_failed"
    # provider health
    RATE_LIMITED = "rate_limited"
    PROVIDER_UNAVAILABLE = "provider_unavailable"
    TIMEOUT = "timeout"
    NETWORK_ERROR = "network_error"
    INVALID_RESPONSE = "invalid_response"
    OUTCOME_UNKNOWN = "outcome_unknown"
    JOURNAL_UNAVAILABLE = "journal_unavailable"
    # capabilities and webhooks
    UNSUPPORTED_OPERATION = "unsupported_operation"
    WEBHOOK_SIGNATURE_INVALID = "webhook_signature_invalid"
    WEBHOOK_MALFORMED = "webhook_malformed"


class DeclineCode(StrEnum):
    """Why a payment was declined, normalized across providers."""

    INSUFFICIENT_FUNDS = "insufficient_funds"
    CARD_EXPIRED = "card_expired"
    INVALID_CARD = "invalid_card"
    CARD_RESTRICTED = "card_restricted"
    LIMIT_EXCEEDED = "limit_exceeded"
    AMOUNT_LIMIT_EXCEEDED = "amount_limit_exceeded"
    COUNT_LIMIT_EXCEEDED = "count_limit_exceeded"
    AUTHENTICATION_FAILED = "authentication_failed"
    AUTHENTICATION_TIMEOUT = "authentication_timeout"
    SESSION_EXPIRED = "session_expired"
    SAVED_CARD_NOT_FOUND = "saved_card_not_found"
    ISSUER_DECLINED = "issuer_declined"
    ACQUIRER_DECLINED = "acquirer_declined"
    FRAUD_SUSPECTED = "fraud_suspected"
    PROCESSING_ERROR = "processing_error"
    GENERIC_DECLINE = "generic_decline"
    UNKNOWN = "unknown"


class PaymentError(Exception):
    """Base of every error a public call raises.

    ``retryable`` is ``True`` when repeating the same call (with the same
    idempotency key) may succeed: rate limits, provider outages, and outcomes
    that are unknown because the connection failed mid-request.
    """

    default_code: ErrorCode = ErrorCode.INVALID_REQUEST
    default_retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        code: ErrorCode | None = None,
        provider: str | None = None,
        provider_code: str | None = None,
        provider_message: str | None = None,
        retryable: bool | None = None,
        payment_id: str | None = None,
        request_id: str | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code if code is not None else self.default_code
        self.provider = provider
        self.provider_code = provider_code
        self.provider_message = provider_message
        self.retryable = self.default_retryable if retryable is None else retryable
        self.payment_id = payment_id
        self.request_id = request_id
        self.http_status = http_status

    def __str__(self) -> str:
        parts = [self.message]
        details = []
        if self.provider:
            details.append(f"provider={self.provider}")
        if self.provider_code:
            details.append(f"provider_code={self.provider_code}")
        if self.payment_id:
            details.append(f"payment_id={self.payment_id}")
        if self.request_id:
            details.append(f"request_id={self.request_id}")
        if details:
            parts.append(f"({', '.join(details)})")
        return " ".join(parts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code.value!r}, message={self.message!r})"

    def _fields(self) -> dict[str, Any]:
        """The keyword arguments that rebuild this error (subclasses add theirs)."""
        return {
            "code": self.code,
            "provider": self.provider,
            "provider_code": self.provider_code,
            "provider_message": self.provider_message,
            "retryable": self.retryable,
            "payment_id": self.payment_id,
            "request_id": self.request_id,
            "http_status": self.http_status,
        }

    def replace(self, message: str | None = None, **changes: Any) -> Self:
        """A new error of the same class with ``message`` and ``changes``, all else kept.

        Errors are built whole, never patched: one already raised may be held
        (logged, kept by a hook) with its old text. Chain it with ``from``.
        """
        fields = {**self._fields(), **changes}
        return type(self)(self.message if message is None else message, **fields)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view, for the CLI's ``--json`` output and for logs."""
        return {
            "error": type(self).__name__,
            "code": self.code.value,
            "message": self.message,
            "provider": self.provider,
            "provider_code": self.provider_code,
            "provider_message": self.provider_message,
            "retryable": self.retryable,
            "payment_id": self.payment_id,
            "request_id": self.request_id,
            "http_status": self.http_status,
        }


class ConfigurationError(PaymentError):
    """Settings are missing or wrong, a provider is unknown, or a plugin failed to load."""

    default_code = ErrorCode.CONFIGURATION_ERROR


class InvalidRequestError(PaymentError):
    """The request is wrong: refused before sending, or the provider said 400."""

    default_code = ErrorCode.INVALID_REQUEST

    def __init__(self, message: str, *, field: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.field = field

    def _fields(self) -> dict[str, Any]:
        return {**super()._fields(), "field": self.field}


class OperationVetoedError(InvalidRequestError):
    """A ``payments_before_operation`` hook refused the operation; nothing was sent."""

    default_code = ErrorCode.OPERATION_VETOED


class AuthenticationError(PaymentError):
    """The provider refused the merchant's credentials or access token."""

    default_code = ErrorCode.AUTHENTICATION_FAILED


class PaymentDeclinedError(PaymentError):
    """The payment was declined; ``decline_code`` says why, normalized."""

    default_code = ErrorCode.PAYMENT_DECLINED

    def __init__(
        self, message: str, *, decline_code: DeclineCode = DeclineCode.UNKNOWN, **kwargs: Any
    ) -> None:
        super().__init__(message, **kwargs)
        self.decline_code = decline_code

    def _fields(self) -> dict[str, Any]:
        return {**super()._fields(), "decline_code": self.decline_code}

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["decline_code"] = self.decline_code.value
        return data


class NotFoundError(PaymentError):
    """The provider has no payment (or saved card) with that id."""

    default_code = ErrorCode.NOT_FOUND


class InvalidStateError(PaymentError):
    """The payment's state forbids the operation (refund of an unpaid payment,
    capture of a payment that is not authorized, an amount above what is left)."""

    default_code = ErrorCode.INVALID_STATE


class RateLimitedError(PaymentError):
    """The provider asked us to slow down. ``retry_after`` is in seconds, if given."""

    default_code = ErrorCode.RATE_LIMITED
    default_retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after

    def _fields(self) -> dict[str, Any]:
        return {**super()._fields(), "retry_after": self.retry_after}


class ProviderUnavailableError(PaymentError):
    """The provider could not be reached or failed (5xx, network error, timeout).

    Raised as such only when nothing can have changed: a read, or a request
    that never left this machine. A money-moving request that may have been
    carried out raises the subclass :class:`OutcomeUnknownError` instead.
    """

    default_code = ErrorCode.PROVIDER_UNAVAILABLE
    default_retryable = True


class OutcomeUnknownError(ProviderUnavailableError):
    """A request that moves money may have been carried out, and we cannot tell.

    The request was sent and no usable answer came back: the connection broke
    or timed out after sending, the provider kept answering 5xx, or it answered
    2xx with a body that is cut, malformed or lacks what we need. The payment
    may exist, the refund may have happened.

    ``safe_to_repeat`` is true only when the request carried an idempotency key
    that the provider honours: repeating the *same call with the same key* then
    replays the first outcome instead of acting twice. When it is false (the
    gateway has no keys), never repeat the call: read the payment
    (``get_payment``, or the external id) or let the journal's reconciler
    settle it. ``retryable`` equals ``safe_to_repeat``.
    """

    default_code = ErrorCode.OUTCOME_UNKNOWN

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        idempotency_key: str | None = None,
        external_id: str | None = None,
        safe_to_repeat: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("retryable", safe_to_repeat)
        super().__init__(message, **kwargs)
        self.operation = operation
        self.idempotency_key = idempotency_key
        self.external_id = external_id
        self.safe_to_repeat = safe_to_repeat

    @property
    def next_step(self) -> str:
        """What the caller should do, in words (also the end of the message)."""
        return self.next_step_for(self.safe_to_repeat)

    @staticmethod
    def next_step_for(safe_to_repeat: bool) -> str:
        """The next step for an unknown outcome that is, or is not, safe to repeat."""
        if safe_to_repeat:
            return "repeat the same call with the same idempotency key to learn the outcome"
        return (
            "do not repeat it: read the payment (get_payment) or reconcile it before acting again"
        )

    def _fields(self) -> dict[str, Any]:
        return {
            **super()._fields(),
            "operation": self.operation,
            "idempotency_key": self.idempotency_key,
            "external_id": self.external_id,
            "safe_to_repeat": self.safe_to_repeat,
        }

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data |= {
            "operation": self.operation,
            "idempotency_key": self.idempotency_key,
            "external_id": self.external_id,
            "safe_to_repeat": self.safe_to_repeat,
        }
        return data


class ProviderResponseError(PaymentError):
    """The provider answered something this library cannot read."""

    default_code = ErrorCode.INVALID_RESPONSE


class UnsupportedOperationError(PaymentError):
    """The provider does not offer this operation (see ``Payments.capabilities``)."""

    default_code = ErrorCode.UNSUPPORTED_OPERATION


class WebhookVerificationError(PaymentError):
    """A callback failed verification: missing or bad signature, or a body we cannot trust."""

    default_code = ErrorCode.WEBHOOK_SIGNATURE_INVALID
