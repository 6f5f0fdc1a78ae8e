"""The BOG provider keeps the payments_core provider contract, against the BOG emulator.

Every scenario talks to an in-process :class:`~payments_bog.sandbox.BogSandbox`:
the sync facade over ``sandbox.sync_transport()``, the async one over
``sandbox.transport()``. The customer pays with the sandbox's test cards, and the
webhook scenarios read the callbacks the sandbox signed and delivered (to a
receiver behind ``httpx.MockTransport`` that answers 200).

Callbacks go to an ``https://`` URL: ``callback_transport`` carries them whatever
the host, so no loopback receiver (and no ``allow_insecure_callback``) is needed.
"""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import httpx
import pytest
from payments_bog import BogProvider
from payments_bog.sandbox import BogSandbox, generate_private_key_pem

from payments_core import Payment, Payments
from payments_core.testing import ConformanceSuite, ConformanceTarget, Outcome

CARDS: dict[Outcome, str] = {
    "succeed": "4000000000000001",
    "decline": "4000000000000002",  # insufficient funds
}
CLIENT_SECRET = "bog-conformance-client-secret-5e1f"


@pytest.fixture(scope="module")
def sandbox_key() -> bytes | str:
    """One RSA key for every sandbox of this module (generating one takes a while)."""
    return generate_private_key_pem()


@pytest.fixture
def sandbox(sandbox_key: bytes | str) -> BogSandbox:
    return BogSandbox(
        client_secret=CLIENT_SECRET,
        private_key_pem=sandbox_key,
        callback_transport=httpx.MockTransport(lambda request: httpx.Response(200)),
    )


@pytest.fixture
def payments_conformance(sandbox: BogSandbox) -> ConformanceTarget:
    def customer_pays(payments: Payments, payment: Payment, outcome: Outcome) -> None:
        asyncio.run(sandbox.pay(payment.id, CARDS[outcome]))

    def webhook_for(payments: Payments, payment: Payment) -> tuple[dict[str, str], bytes] | None:
        delivered = [d for d in sandbox.callbacks if d.order_id == payment.id and d.ok]
        if not delivered:
            return None
        latest = delivered[-1]
        return {"Content-Type": "application/json", "Callback-Signature": latest.signature}, (
            latest.body
        )

    return ConformanceTarget(
        make_provider=lambda: BogProvider.from_settings(sandbox.provider_settings()),
        transport=sandbox.sync_transport,
        async_transport=sandbox.transport,
        customer_pays=customer_pays,
        webhook_for=webhook_for,
    )


class TestBogConformance(ConformanceSuite):
    """Every scenario of the conformance suite, against BOG's emulator."""


class TestBogConformanceWithJournal(ConformanceSuite):
    """The same scenarios with every facade recording to a journal (a SQLite file)."""

    @pytest.fixture
    def payments_conformance(
        self, payments_conformance: ConformanceTarget, tmp_path: Path
    ) -> ConformanceTarget:
        url = f"sqlite:///{tmp_path / 'journal.db'}"
        return dataclasses.replace(payments_conformance, journal=lambda: url)
