"""The TBC provider keeps the payments_core provider contract (the conformance kit).

The kit runs against :class:`FakeTbc` (conftest), the in-test stand-in behind
``httpx.MockTransport``; running it against the emulator (``payments_tbc.sandbox``)
is the emulator's tests' job.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from payments_tbc import TbcProvider

from payments_core import Payment, Payments
from payments_core.testing import ConformanceSuite, ConformanceTarget, Outcome

RESULTS: dict[Outcome, str] = {"succeed": "approved", "decline": "decline_not_sufficient_funds"}
CALLBACK_STATUSES = frozenset({"Succeeded", "Failed", "Expired", "WaitingConfirm"})
"""TBC calls back when a payment reaches one of these (reference §8)."""


@pytest.fixture
def payments_conformance(settings: dict[str, Any], fake_tbc: Any) -> ConformanceTarget:
    def customer_pays(payments: Payments, payment: Payment, outcome: Outcome) -> None:
        fake_tbc.pay(payment.id, RESULTS[outcome])

    def webhook_for(payments: Payments, payment: Payment) -> tuple[dict[str, str], bytes] | None:
        if fake_tbc.payments[payment.id].status not in CALLBACK_STATUSES:
            return None
        body = json.dumps({"PaymentId": payment.id}).encode()
        return {"Content-Type": "application/json"}, body

    return ConformanceTarget(
        make_provider=lambda: TbcProvider.from_settings(settings),
        transport=lambda: httpx.MockTransport(fake_tbc.handler),
        async_transport=lambda: httpx.MockTransport(fake_tbc.async_handler),
        customer_pays=customer_pays,
        webhook_for=webhook_for,
        unknown_payment_id="zz00yy11xx22ww3344",
    )


class TestTbcConformance(ConformanceSuite):
    """TBC keeps the payments_core provider contract."""


class TestTbcConformanceWithJournal(ConformanceSuite):
    """The same scenarios with every facade recording to a journal (a SQLite file)."""

    @pytest.fixture
    def payments_conformance(
        self, payments_conformance: ConformanceTarget, tmp_path: Path
    ) -> ConformanceTarget:
        url = f"sqlite:///{tmp_path / 'journal.db'}"
        return dataclasses.replace(payments_conformance, journal=lambda: url)
