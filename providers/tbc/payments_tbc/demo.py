"""TBC's stage for ``payments demo --provider tbc``: the emulator and a receiver on loopback.

Everything the real integration would do happens over real HTTP on 127.0.0.1:
the provider gets a token (apikey header, form credentials) and creates the
payment on the emulator, the customer opens the hosted page and pays with a
test card, the emulator posts its unsigned ``{"PaymentId": ...}`` callback to a
local receiver, and the provider verifies it by reading the payment back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from payments_core import Payment, Payments
from payments_core.demo import CallbackReceiver, demo_journal, pay_on_hosted_page
from payments_tbc import PROVIDER
from payments_tbc.sandbox import TbcSandbox

__all__ = ["TbcStage", "sandbox_settings", "stage"]

SUCCESS_CARD = "4000000000000001"


def sandbox_settings(sandbox: TbcSandbox, api_base_url: str) -> dict[str, Any]:
    """Settings that point the TBC provider at a running emulator.

    Callbacks come from 127.0.0.1 (not TBC's addresses) and local receivers
    speak plain HTTP, so both are allowed here, and only here.
    """
    return {
        "api_key": sandbox.api_key,
        "client_id": sandbox.client_id,
        "client_secret": sandbox.client_secret,
        "api_base_url": api_base_url,
        "callback_addresses": ["127.0.0.1"],
        "allow_insecure_callback_url": True,
        "language": "EN",
    }


def _pay_id_of(body: bytes) -> str | None:
    """Route a callback by its payment id (a peek; the provider verifies by reading back)."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    pay_id = data.get("PaymentId") if isinstance(data, dict) else None
    return pay_id if isinstance(pay_id, str) else None


class TbcStage:
    """The TBC emulator playing the bank, a browser-less customer, and a receiver."""

    allow_insecure_callback = True

    def __init__(
        self, payments: Payments, config: dict[str, Any], receiver: CallbackReceiver
    ) -> None:
        self.payments = payments
        self.config = config
        self.receiver = receiver
        self.callback_url = receiver.url
        self._seen: dict[str, int] = {}

    def customer_pays(self, payment: Payment) -> str:
        size = pay_on_hosted_page(payment, {"card": SUCCESS_CARD}, provider=PROVIDER)
        return (
            f"opened TBC's checkout page ({size} bytes of HTML), paid with test "
            f"card {SUCCESS_CARD[:4]} ... {SUCCESS_CARD[-4:]}, sent back to the shop"
        )

    def wait_for_callback(self, payment_id: str, timeout: float) -> tuple[dict[str, str], bytes]:
        position, headers, body = self.receiver.wait(
            payment_id, self._seen.get(payment_id, 0), timeout, provider=PROVIDER
        )
        self._seen[payment_id] = position
        return headers, body


@contextmanager
def stage() -> Iterator[TbcStage]:
    """Start the emulator and the receiver on loopback, and a gateway pointed at them."""
    sandbox = TbcSandbox()
    with sandbox.serve() as url, CallbackReceiver(_pay_id_of, "/tbc/callback") as receiver:
        config = {"provider": PROVIDER, **sandbox_settings(sandbox, url), "journal": demo_journal()}
        with Payments.from_config(config) as payments:
            yield TbcStage(payments, config, receiver)
