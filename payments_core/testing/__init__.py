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
and checks, following the capabilities the provider declares:

* the class's structure (:func:`check_provider_class`) and that flows are generators;
* results are normalized ``Payment`` / ``Operation`` models of this provider, with
  ``Money`` amounts matching the request;
* statuses only move forward (``can_transition``) through create, pay, decline,
  refund (full, partial, refused), capture (full, partial, refused) and void;
* undeclared operations raise ``UnsupportedOperationError`` and send nothing;
* errors are mapped: unknown ids raise ``NotFoundError``, refused states
  ``InvalidStateError``, and HTTP 5xx / 429 / 401 / 404 / unreadable replies their
  classes in the error tree;
* idempotency keys survive retries (the kit fails each keyed first attempt with 503)
  and a repeated create makes one payment;
* genuine callbacks are accepted with a stable event id, tampered ones refused;
* secrets stay out of logs (at DEBUG), reprs, errors and hook payloads;
* ``AsyncPayments`` runs the same flows.

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
