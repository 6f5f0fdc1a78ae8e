"""BOG's stage for ``payments demo``: the emulator and a callback receiver on loopback.

Everything the real integration would do happens over real HTTP on 127.0.0.1:
the provider gets a token and creates the order on the emulator, the customer
opens the hosted page and submits a test card, the emulator posts its signed
callback to a local receiver, and the provider verifies it with the emulator's
public key. Nothing leaves the machine.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from payments_bog import PROVIDER
from payments_bog.sandbox import BogSandbox
from payments_core import Payment, Payments
from payments_core.demo import CallbackReceiver, demo_journal, pay_on_hosted_page

__all__ = ["BogStage", "stage"]

SUCCESS_CARD = "4000000000000001"


def _order_id_of(body: bytes) -> str | None:
    """Route a callback by its order id (a read-only peek; the provider verifies the bytes)."""
    try:
        order_id = json.loads(body)["body"]["order_id"]
    except (ValueError, KeyError, TypeError):
        return None
    return order_id if isinstance(order_id, str) else None


class BogStage:
    """The BOG emulator playing the bank, a browser-less customer, and a receiver."""

    allow_insecure_callback = True

    def __init__(
        self,
        payments: Payments,
        sandbox: BogSandbox,
        receiver: CallbackReceiver,
        config: dict[str, Any],
    ):
        self.payments = payments
        self.config = config
        self.sandbox = sandbox
        self.receiver = receiver
        self.callback_url = receiver.url
        self._seen: dict[str, int] = {}

    def customer_pays(self, payment: Payment) -> str:
        form = {"order_id": payment.id, "card": SUCCESS_CARD, "lang": "en"}
        size = pay_on_hosted_page(payment, form, provider=PROVIDER)
        return (
            f"opened the hosted page ({size} bytes of HTML), paid with test "
            f"card {SUCCESS_CARD[:4]} ... {SUCCESS_CARD[-4:]}, sent on to the shop"
        )

    def wait_for_callback(self, payment_id: str, timeout: float) -> tuple[dict[str, str], bytes]:
        position, headers, body = self.receiver.wait(
            payment_id, self._seen.get(payment_id, 0), timeout, provider=PROVIDER
        )
        self._seen[payment_id] = position
        return headers, body


@contextmanager
def stage() -> Iterator[BogStage]:
    """Start the emulator and the receiver on loopback, and a gateway pointed at them."""
    sandbox = BogSandbox()
    with sandbox.serve() as _url, CallbackReceiver(_order_id_of, "/bog/callback") as receiver:
        config = {
            "provider": PROVIDER,
            **sandbox.provider_settings(),
            "language": "en",
            "journal": demo_journal(),
        }
        with Payments.from_config(config) as payments:
            yield BogStage(payments, sandbox, receiver, config)
