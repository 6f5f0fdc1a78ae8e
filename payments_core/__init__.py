"""payments-core: provider-agnostic payments for Python.

Write checkout code once against :class:`Payments` (or :class:`AsyncPayments`),
pick the gateway by configuration, and swap gateways without touching it.
Gateways are plugins found through the ``payments_core.providers`` entry point.
"""

import logging
from typing import TYPE_CHECKING

from payments_core.exports import lazy

if TYPE_CHECKING:
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

# Each public name is imported on first use: a process that builds one ``Payments``
# does not pay for ``AsyncPayments``, the configuration readers or anything else it
# never touches. ``from payments_core import X`` and ``payments_core.X`` work as before.
_EXPORTS: dict[str, str] = {
    "OAuth2ClientCredentials": "payments_core.auth",
    "AuthenticationError": "payments_core.errors",
    "ConfigurationError": "payments_core.errors",
    "DeclineCode": "payments_core.errors",
    "ErrorCode": "payments_core.errors",
    "InvalidRequestError": "payments_core.errors",
    "InvalidStateError": "payments_core.errors",
    "NotFoundError": "payments_core.errors",
    "OperationVetoedError": "payments_core.errors",
    "OutcomeUnknownError": "payments_core.errors",
    "PaymentDeclinedError": "payments_core.errors",
    "PaymentError": "payments_core.errors",
    "ProviderResponseError": "payments_core.errors",
    "ProviderUnavailableError": "payments_core.errors",
    "RateLimitedError": "payments_core.errors",
    "UnsupportedOperationError": "payments_core.errors",
    "WebhookVerificationError": "payments_core.errors",
    "AsyncPayments": "payments_core.gateway",
    "Payments": "payments_core.gateway",
    "hookimpl": "payments_core.hookspecs",
    "Fingerprint": "payments_core.idempotency",
    "IdempotencyStore": "payments_core.idempotency",
    "MemoryIdempotencyStore": "payments_core.idempotency",
    "Buyer": "payments_core.models",
    "CaptureMode": "payments_core.models",
    "CardDetails": "payments_core.models",
    "Decline": "payments_core.models",
    "LineItem": "payments_core.models",
    "Operation": "payments_core.models",
    "OperationKind": "payments_core.models",
    "OperationRequest": "payments_core.models",
    "OperationStatus": "payments_core.models",
    "Payment": "payments_core.models",
    "PaymentRequest": "payments_core.models",
    "WebhookEvent": "payments_core.models",
    "Money": "payments_core.money",
    "Capability": "payments_core.provider",
    "Flow": "payments_core.provider",
    "PaymentProvider": "payments_core.provider",
    "ProviderSettings": "payments_core.provider",
    "SentRequest": "payments_core.provider",
    "RetryPolicy": "payments_core.retry",
    "PaymentStatus": "payments_core.status",
    "can_transition": "payments_core.status",
    "is_final": "payments_core.status",
    "is_paid": "payments_core.status",
    "is_newer": "payments_core.updates",
    "check_url": "payments_core.urls",
    "is_loopback_host": "payments_core.urls",
}


__getattr__, __dir__ = lazy(__name__, _EXPORTS)


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
