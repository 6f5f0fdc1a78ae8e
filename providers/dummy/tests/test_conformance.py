"""The dummy provider keeps the payments_core provider contract (the conformance kit).

The dummy sends no HTTP, so the scenarios that watch the wire (retried
idempotency keys, HTTP error mapping) are skipped with that reason.
"""

from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path

import pytest
from payments_dummy import DummyProvider

from payments_core import Payment, Payments
from payments_core.testing import ConformanceSuite, ConformanceTarget, Outcome

WEBHOOK_SECRET = "dummy-conformance-webhook-secret-9c41"


def _dummy(payments: Payments) -> DummyProvider:
    provider = payments.provider
    assert isinstance(provider, DummyProvider)
    return provider


def _customer_pays(payments: Payments, payment: Payment, outcome: Outcome) -> None:
    _dummy(payments).complete(payment.id, outcome)


def _webhook_for(payments: Payments, payment: Payment) -> tuple[dict[str, str], bytes]:
    return _dummy(payments).webhook_for(payment.id)


@pytest.fixture
def payments_conformance() -> ConformanceTarget:
    """A dummy gateway with a store of its own for each scenario."""
    store = f"conformance-{uuid.uuid4().hex}"
    return ConformanceTarget(
        make_provider=lambda: DummyProvider.from_settings(
            store=store, webhook_secret=WEBHOOK_SECRET
        ),
        customer_pays=_customer_pays,
        webhook_for=_webhook_for,
    )


class TestDummyConformance(ConformanceSuite):
    """Every scenario of the conformance suite, against the in-memory dummy provider."""


class TestDummyConformanceWithJournal(ConformanceSuite):
    """The same scenarios with every facade recording to a journal (a SQLite file)."""

    @pytest.fixture
    def payments_conformance(
        self, payments_conformance: ConformanceTarget, tmp_path: Path
    ) -> ConformanceTarget:
        url = f"sqlite:///{tmp_path / 'journal.db'}"
        return dataclasses.replace(payments_conformance, journal=lambda: url)
