"""The provider conformance kit: a pytest plugin that checks a provider keeps the contract.

A provider package runs the suite against itself with one fixture and one class
(``tests/test_conformance.py``)::

    import httpx
    import pytest
    from payments_core.testing import ConformanceSuite, ConformanceTarget

    @pytest.fixture
    def payments_conformance(fake_api) -> ConformanceTarget:
        return ConformanceTarget(
            make_provider=lambda: AcmeProvider.from_settings(api_key="sk-test-..."),
            transport=lambda: httpx.MockTransport(fake_api.handle),
            customer_pays=lambda payments, payment, outcome: fake_api.pay(payment.id, outcome),
            webhook_for=lambda payments, payment: fake_api.callback(payment.id),
        )

    class TestAcmeConformance(ConformanceSuite):
        \"\"\"Acme keeps the payments_core provider contract.\"\"\"

The plugin (:mod:`payments_core.testing.plugin`) is registered through the
``pytest11`` entry point, so installing payments-core is enough. The kit builds
fresh providers and facades from the target, watches every request on the way out,
and checks, following what the provider declares (its capabilities, whether its
gateway honours idempotency keys, how its callbacks are verified):

* the class's structure (:func:`check_provider_class`) and that flows are generators;
* results are normalized ``Payment`` / ``Operation`` models of this provider, with
  ``Money`` amounts matching the request;
* payments only move forward as :func:`payments_core.is_newer` sees them, through
  create, pay, decline, refund (full, partial, refused), capture (full, partial,
  refused) and void; real news wins over the state before it, stale updates lose;
* undeclared operations raise ``UnsupportedOperationError`` and send nothing;
* errors are mapped: unknown ids raise ``NotFoundError``, refused states
  ``InvalidStateError``, and HTTP 5xx / 429 / 401 / 404 / unreadable replies their
  classes in the error tree;
* the facade's idempotency store answers a repeat with the recorded result and
  refuses a key reused for other parameters (``idempotency_conflict``), sending nothing;
* a gateway with idempotency keys: keys survive retries (the kit fails each keyed
  first attempt with 503) and a repeated create makes one payment; a gateway
  without: each money-moving request is sent exactly once when it fails or its
  answer is lost, and ends in ``OutcomeUnknownError(safe_to_repeat=False)``;
* a cut or malformed 2xx answer to a money-moving request is an unknown outcome,
  and an impossible answer (negative amounts, more refunded than captured) never
  becomes a normal-looking ``Payment``;
* callbacks: genuine ones are accepted with a stable event id; signed ones are
  refused when tampered with; ones verified by reading the payment back carry what
  the gateway answers, whatever the body claims, and an unknown payment is refused;
* secrets stay out of logs (at DEBUG), reprs, errors and hook payloads;
* ``AsyncPayments`` runs the same flows, ``await parse_webhook(...)`` included.

:data:`SCENARIOS` names them all. :func:`check_provider_class` is the structural part
on its own, usable without pytest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from payments_core.testing.checks import FLOW_CAPABILITIES, check_provider_class
from payments_core.testing.target import (
    ConformanceTarget,
    CustomerStep,
    Outcome,
    WebhookSource,
    default_request,
)

if TYPE_CHECKING:
    from payments_core.testing.suite import SCENARIOS, ConformanceSuite

__all__ = [
    "FLOW_CAPABILITIES",
    "SCENARIOS",
    "ConformanceSuite",
    "ConformanceTarget",
    "CustomerStep",
    "Outcome",
    "WebhookSource",
    "check_provider_class",
    "default_request",
]


def __getattr__(name: str) -> Any:
    # The suite imports pytest; loading it lazily keeps check_provider_class and
    # ConformanceTarget importable where pytest is not installed.
    if name in ("ConformanceSuite", "SCENARIOS"):
        from payments_core.testing import suite

        return getattr(suite, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
