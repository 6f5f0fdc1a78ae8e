"""The dummy provider's stage for ``payments demo --provider dummy``: all in memory."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from payments_core import Payment, Payments
from payments_core.demo import demo_journal
from payments_dummy.provider import DummyProvider

__all__ = ["DummyStage", "stage"]


class DummyStage:
    """The customer pays in memory; callbacks are signed by the dummy itself."""

    callback_url = "https://shop.example/payments/callback"
    allow_insecure_callback = False

    def __init__(self, payments: Payments, config: dict[str, object]) -> None:
        self.payments = payments
        self.config = config
        provider = payments.provider
        assert isinstance(provider, DummyProvider)
        self.provider = provider

    def customer_pays(self, payment: Payment) -> str:
        self.provider.complete(payment.id, "succeed")
        return "paid with the dummy's test card on its in-memory page"

    def wait_for_callback(self, payment_id: str, timeout: float) -> tuple[dict[str, str], bytes]:
        return self.provider.webhook_for(payment_id)


@contextmanager
def stage() -> Iterator[DummyStage]:
    """A dummy gateway with a fresh store, for one demo run."""
    config: dict[str, object] = {
        "provider": "dummy",
        "store": f"demo-{uuid.uuid4().hex}",
        "journal": demo_journal(),
    }
    with Payments.from_config(config) as payments:
        yield DummyStage(payments, config)
