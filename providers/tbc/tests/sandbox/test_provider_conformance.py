"""The TBC provider keeps the payments_core contract against this emulator.

The provider's own conformance run uses an in-test fake; this one points the same
suite at :class:`TbcSandbox`, so the provider and the emulator (written apart, from
the same wire reference) are checked against each other. The customer pays with the
sandbox's test cards; the webhook scenarios use the callbacks the sandbox delivered.
"""

from __future__ import annotations

import httpx
import pytest
from payments_tbc import TbcProvider
from payments_tbc.sandbox import TbcSandbox

from payments_core import Payment, Payments
from payments_core.testing import ConformanceSuite, ConformanceTarget, Outcome

CARDS: dict[Outcome, str] = {
    "succeed": "4000000000000001",
    "decline": "4000000000000002",  # insufficient funds
}


@pytest.fixture
def conformance_sandbox() -> TbcSandbox:
    return TbcSandbox(
        api_key="tbc-conformance-apikey-71c2",
        client_secret="tbc-conformance-secret-5e1f",
        callback_transport=httpx.MockTransport(lambda request: httpx.Response(200)),
        callback_backoff=0,
    )


@pytest.fixture
def payments_conformance(conformance_sandbox: TbcSandbox) -> ConformanceTarget:
    sandbox = conformance_sandbox

    def customer_pays(payments: Payments, payment: Payment, outcome: Outcome) -> None:
        sandbox.pay_sync(payment.id, CARDS[outcome])

    def webhook_for(payments: Payments, payment: Payment) -> tuple[dict[str, str], bytes] | None:
        delivered = [d for d in sandbox.callbacks if d.pay_id == payment.id and d.ok]
        if not delivered:
            return None
        return {"Content-Type": "application/json"}, delivered[-1].body

    settings = {
        "api_key": sandbox.api_key,
        "client_id": sandbox.client_id,
        "client_secret": sandbox.client_secret,
        "api_base_url": sandbox.public_base_url,
    }
    return ConformanceTarget(
        make_provider=lambda: TbcProvider.from_settings(settings),
        transport=sandbox.sync_transport,
        async_transport=sandbox.transport,
        customer_pays=customer_pays,
        webhook_for=webhook_for,
        unknown_payment_id="zz00yy11xx22ww3344",
    )


class TestTbcProviderAgainstTheSandbox(ConformanceSuite):
    """Every conformance scenario, with the TBC provider talking to the emulator."""
