"""The public surface of ``payments_core``, pinned: changing it must be deliberate."""

from __future__ import annotations

import importlib

import pytest

import payments_core

PUBLIC_NAMES = [
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


def test_all_is_exactly_the_pinned_sorted_list() -> None:
    assert sorted(payments_core.__all__) == PUBLIC_NAMES


def test_all_has_no_duplicates() -> None:
    assert len(set(payments_core.__all__)) == len(payments_core.__all__)


def test_every_public_name_is_importable() -> None:
    missing = [name for name in PUBLIC_NAMES if not hasattr(payments_core, name)]
    assert missing == []


def test_star_import_gives_exactly_the_public_names() -> None:
    namespace: dict[str, object] = {}
    exec("from payments_core import *", namespace)
    assert sorted(name for name in namespace if name != "__builtins__") == PUBLIC_NAMES


def test_version_is_a_string() -> None:
    assert isinstance(payments_core.__version__, str)
    assert payments_core.__version__.count(".") >= 2


@pytest.mark.parametrize(
    ("package", "submodule"),
    [
        ("payments_core", "errors"),
        ("payments_core", "models"),
        ("payments_core", "config"),
        ("payments_core.gateway", "sync"),
        ("payments_core.drivers", "flow"),
        ("payments_core.registry", "discovery"),
    ],
)
def test_a_packages_submodules_are_its_attributes(package: str, submodule: str) -> None:
    module = importlib.import_module(package)
    assert getattr(module, submodule) is importlib.import_module(f"{package}.{submodule}")


def test_a_name_a_package_does_not_have_is_an_attribute_error() -> None:
    import payments_core

    with pytest.raises(AttributeError, match="has no attribute 'nothing_here'"):
        _ = payments_core.nothing_here
    assert not hasattr(payments_core, "__nothing__")
