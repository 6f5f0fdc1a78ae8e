"""payments-core: provider-agnostic payments for Python.

Write checkout code once against :class:`Payments` (or :class:`AsyncPayments`),
pick the gateway by configuration, and swap gateways without touching it.
Gateways are plugins found through the ``payments_core.providers`` entry point.
"""

import logging

from payments_core.auth import OAuth2ClientCredentials
from payments_core.errors import (
    AuthenticationError,
    ConfigurationError,
    DeclineCode,
    ErrorCode,
    InvalidRequestError,
    InvalidStateError,
    NotFoundError,
    OperationVetoedError,
    OutcomeUnknownError,
    PaymentDeclinedError,
    PaymentError,
    ProviderResponseError,
    ProviderUnavailableError,
    RateLimitedError,
    UnsupportedOperationError,
    WebhookVerificationError,
)
from payments_core.gateway import AsyncPayments, Payments
from payments_core.hookspecs import hookimpl
from payments_core.idempotency import (
    Fingerprint,
    IdempotencyStore,
    MemoryIdempotencyStore,
)
from payments_core.models import (
    Buyer,
    CaptureMode,
    CardDetails,
    Decline,
    LineItem,
    Operation,
    OperationKind,
    OperationRequest,
    OperationStatus,
    Payment,
    PaymentRequest,
    WebhookEvent,
)
from payments_core.money import Money
from payments_core.provider import (
    Capability,
    Flow,
    PaymentProvider,
    ProviderSettings,
    SentRequest,
)
from payments_core.retry import RetryPolicy
from payments_core.status import PaymentStatus, can_transition, is_final, is_paid
from payments_core.updates import is_newer
from payments_core.urls import check_url, is_loopback_host

__version__ = "0.2.0"

# A library leaves logging set-up to the application; this only silences
# Python's fallback handler when the application configured none.
logging.getLogger("payments_core").addHandler(logging.NullHandler())

__all__ = [
    "AsyncPayments",
    "AuthenticationError",
    "Buyer",
    "Capability",
    "CaptureMode",
    "CardDetails",
    "ConfigurationError",
    "Decline",
    "DeclineCode",
    "ErrorCode",
    "Fingerprint",
    "Flow",
    "IdempotencyStore",
    "InvalidRequestError",
    "InvalidStateError",
    "LineItem",
    "MemoryIdempotencyStore",
    "Money",
    "NotFoundError",
    "OAuth2ClientCredentials",
    "Operation",
    "OperationKind",
    "OperationRequest",
    "OperationStatus",
    "OperationVetoedError",
    "OutcomeUnknownError",
    "Payment",
    "PaymentDeclinedError",
    "PaymentError",
    "PaymentProvider",
    "PaymentRequest",
    "PaymentStatus",
    "Payments",
    "ProviderResponseError",
    "ProviderSettings",
    "ProviderUnavailableError",
    "RateLimitedError",
    "RetryPolicy",
    "SentRequest",
    "UnsupportedOperationError",
    "WebhookEvent",
    "WebhookVerificationError",
    "__version__",
    "can_transition",
    "check_url",
    "hookimpl",
    "is_final",
    "is_loopback_host",
    "is_newer",
    "is_paid",
]
