"""BOG's stage for ``payments demo``: the emulator and a callback receiver on loopback.

Everything the real integration would do happens over real HTTP on 127.0.0.1:
the provider gets a token and creates the order on the emulator, the customer
opens the hosted page and submits a test card, the emulator posts its signed
callback to a local receiver, and the provider verifies it with the emulator's
public key. Nothing leaves the machine.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from payments_bog.sandbox import BogSandbox
from payments_core import Payment, Payments, ProviderUnavailableError

__all__ = ["BogStage", "CallbackReceiver", "stage"]

SUCCESS_CARD = "4000000000000001"


class CallbackReceiver:
    """A plain-HTTP endpoint on loopback that keeps every callback's raw bytes.

    It answers 200 at once and stores headers and body untouched; verification
    is the provider's job, on exactly these bytes.
    """

    def __init__(self) -> None:
        self._received: list[tuple[dict[str, str], bytes]] = []
        self._changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver._add(dict(self.headers.items()), body)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the demo prints its own lines."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/bog/callback"

    def _add(self, headers: dict[str, str], body: bytes) -> None:
        with self._changed:
            self._received.append((headers, body))
            self._changed.notify_all()

    def wait(self, order_id: str, after: int, timeout: float) -> tuple[int, dict[str, str], bytes]:
        """The first callback about ``order_id`` past position ``after``, and its position."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for index in range(after, len(self._received)):
                    headers, body = self._received[index]
                    if _order_id_of(body) == order_id:
                        return index + 1, headers, body
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ProviderUnavailableError(
                        f"no callback for order {order_id} within {timeout:g}s", provider="bog"
                    )
                self._changed.wait(remaining)

    def __enter__(self) -> CallbackReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


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
        if not payment.redirect_url:
            raise ProviderUnavailableError("the order has no payment page", provider="bog")
        with httpx.Client(timeout=10.0) as browser:
            page = browser.get(payment.redirect_url)
            page.raise_for_status()
            action = re.search(r'<form method="post" action="([^"]+)"', page.text)
            if action is None:
                raise ProviderUnavailableError("the payment page has no form", provider="bog")
            submitted = browser.post(
                httpx.URL(payment.redirect_url).join(action.group(1)),
                data={"order_id": payment.id, "card": SUCCESS_CARD, "lang": "en"},
            )
        if submitted.status_code != 303:
            raise ProviderUnavailableError(
                f"the payment page answered {submitted.status_code}", provider="bog"
            )
        return (
            f"opened the hosted page ({len(page.content)} bytes of HTML), paid with test "
            f"card {SUCCESS_CARD[:4]} ... {SUCCESS_CARD[-4:]}, sent on to the shop"
        )

    def wait_for_callback(self, payment_id: str, timeout: float) -> tuple[dict[str, str], bytes]:
        position, headers, body = self.receiver.wait(
            payment_id, self._seen.get(payment_id, 0), timeout
        )
        self._seen[payment_id] = position
        return headers, body


@contextmanager
def stage() -> Iterator[BogStage]:
    """Start the emulator and the receiver on loopback, and a gateway pointed at them."""
    sandbox = BogSandbox()
    with sandbox.serve() as _url, CallbackReceiver() as receiver:
        config = {"provider": "bog", **sandbox.provider_settings(), "language": "en"}
        with Payments.from_config(config) as payments:
            yield BogStage(payments, sandbox, receiver, config)
