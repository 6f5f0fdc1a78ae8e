"""Shared fixtures for the BOG provider's integration tests against the BOG emulator.

Here the real provider talks to :class:`~payments_bog.sandbox.BogSandbox`, a local
Bank of Georgia, through the real facades:

* in process: ``httpx.AsyncClient(transport=sandbox.transport())`` or
  ``httpx.Client(transport=sandbox.sync_transport())``;
* over loopback: ``sandbox.serve()`` runs the emulator on ``127.0.0.1`` (uvicorn) and
  the facade uses a plain httpx client, as in production.

Callbacks always travel over real HTTP to :class:`CallbackReceiver`, a small server on
``127.0.0.1`` that keeps each raw body and its headers exactly as received, so tests
verify them the way a shop would.

``connect(route, **settings)`` builds a facade for one *route*: ``"async"``, ``"sync"``
(in process), ``"loopback-async"`` or ``"loopback-sync"``; ``settings`` override the
sandbox's provider settings (``max_retries``, ``timeout``...). Every facade shares the
``sleeps`` recorder, so back-off costs no real time and tests can read the delays.
:class:`Shop` drives either facade from an async test, so one scenario runs under both.
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import quote

import httpx
import pytest
from payments_bog import AsyncBogPayments, BogPayments, SavedCardKind
from payments_bog.sandbox import BogSandbox, generate_private_key_pem

from payments_core import (
    AsyncPayments,
    LineItem,
    Money,
    Operation,
    Payment,
    PaymentRequest,
    Payments,
    WebhookEvent,
)

CARD_OK: Final = "4000000000000001"
"""Pays."""
CARD_INSUFFICIENT_FUNDS: Final = "4000000000000002"
"""Declined with 107, insufficient funds."""
CARD_LATER_DECLINED: Final = "4000000000000003"
"""Pays; every later refund (162), approve or cancel (179) on it is declined."""

CLIENT_ID: Final = "integration-shop"
CLIENT_SECRET: Final = "Int3gr4tion-S3cret/+=%"
"""Distinctive, with characters that form-encoding changes, so a leak is easy to spot."""

CALLBACK_WAIT: Final = 5.0
"""Seconds to wait for a callback before failing; they normally arrive at once."""

ROUTES: Final = ("async", "sync", "loopback-async", "loopback-sync")
IN_PROCESS: Final = ("async", "sync")


def basic_credentials(client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET) -> str:
    """The value after ``Basic `` in the token request (RFC 6749 §2.3.1)."""
    pair = f"{quote(client_id, safe='')}:{quote(secret, safe='')}"
    return base64.b64encode(pair.encode()).decode()


# -- the merchant's callback endpoint --------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """One request the receiver got, exactly as it arrived."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def payload(self) -> dict[str, Any]:
        data = json.loads(self.body)
        assert isinstance(data, dict)
        return data

    @property
    def order_id(self) -> str | None:
        try:
            return str(self.payload()["body"]["order_id"])
        except (ValueError, KeyError, TypeError):
            return None

    @property
    def status_key(self) -> str | None:
        try:
            return str(self.payload()["body"]["order_status"]["key"])
        except (ValueError, KeyError, TypeError):
            return None


class CallbackReceiver:
    """A shop's HTTP endpoint on 127.0.0.1: keeps every request, answers 200.

    POSTs are callbacks (``callback_url``); GETs are the customer's browser coming
    back to ``success_url`` / ``fail_url``.
    """

    def __init__(self) -> None:
        self.requests: list[Delivery] = []
        self._arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _keep(self, body: bytes) -> None:
                delivery = Delivery(self.command, self.path, tuple(self.headers.items()), body)
                with receiver._arrived:
                    receiver.requests.append(delivery)
                    receiver._arrived.notify_all()

            def do_POST(self) -> None:
                self._keep(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                self._answer(b"")

            def do_GET(self) -> None:
                self._keep(b"")
                self._answer(b"<!doctype html><p>Thank you for your order.</p>")

            def _answer(self, body: bytes) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.01,), name="callback-receiver", daemon=True
        )
        self._thread.start()

    @property
    def callback_url(self) -> str:
        return f"{self.url}/bog/callback"

    @property
    def success_url(self) -> str:
        return f"{self.url}/shop/success"

    @property
    def fail_url(self) -> str:
        return f"{self.url}/shop/fail"

    @property
    def callbacks(self) -> list[Delivery]:
        with self._arrived:
            return [d for d in self.requests if d.method == "POST"]

    def callbacks_for(self, order_id: str) -> list[Delivery]:
        return [d for d in self.callbacks if d.order_id == order_id]

    def wait_for(
        self, order_id: str, status_key: str, *, timeout: float = CALLBACK_WAIT
    ) -> Delivery:
        """The first callback for ``order_id`` reporting ``status_key`` (waits for it)."""

        def found() -> Delivery | None:
            for delivery in self.requests:
                if (
                    delivery.method == "POST"
                    and delivery.order_id == order_id
                    and delivery.status_key == status_key
                ):
                    return delivery
            return None

        with self._arrived:
            if self._arrived.wait_for(lambda: found() is not None, timeout):
                result = found()
                assert result is not None
                return result
            seen = [(d.order_id, d.status_key) for d in self.requests if d.method == "POST"]
        raise AssertionError(f"no {status_key!r} callback for {order_id} in {timeout}s: {seen}")

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def receiver() -> Iterator[CallbackReceiver]:
    server = CallbackReceiver()
    yield server
    server.close()


# -- the bank ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def private_key_pem() -> bytes:
    """One signing key for the run: RSA key generation is the slow part of a sandbox."""
    return generate_private_key_pem()


class PlainHttpConnection(httpx.AsyncBaseTransport):
    """Carries each callback on a new plain-HTTP connection over the real network.

    What the sandbox does by default, minus the ~20 ms of TLS setup its default
    client pays per callback (the receivers are ``http://127.0.0.1``). A new
    transport per request, because callbacks go out on several event loops.
    """

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        transport = httpx.AsyncHTTPTransport(verify=False)
        try:
            response = await transport.handle_async_request(request)
            body = await response.aread()
        finally:
            await transport.aclose()
        return httpx.Response(response.status_code, headers=response.headers, content=body)


@pytest.fixture
def sandbox(private_key_pem: bytes) -> BogSandbox:
    """A fresh emulated BOG; callbacks go over real HTTP to loopback receivers."""
    return BogSandbox(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        private_key_pem=private_key_pem,
        callback_transport=PlainHttpConnection(),
        callback_backoff=0.001,
    )


# -- back-off without waiting ------------------------------------------------------------


class Sleeps:
    """A fake ``sleep`` for both facades: records each requested delay, returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.delays.append(seconds)

    async def async_sleep(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


# -- the shop: one scenario, either facade --------------------------------------------------


class Shop:
    """Checkout code as a shop writes it, run on the sync or the async facade.

    Every method is awaitable; on the sync facade the call runs in a worker thread,
    as an async web app would call blocking code.
    """

    def __init__(self, payments: Payments | AsyncPayments, route: str) -> None:
        self.payments = payments
        self.route = route
        self.bog: BogPayments | AsyncBogPayments = (
            AsyncBogPayments(payments)
            if isinstance(payments, AsyncPayments)
            else BogPayments(payments)
        )

    def __repr__(self) -> str:
        return f"<Shop {self.route}>"

    async def _call(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if isinstance(self.payments, AsyncPayments):
            return await method(*args, **kwargs)
        return await asyncio.to_thread(method, *args, **kwargs)

    async def create_payment(self, request: PaymentRequest) -> Payment:
        result: Payment = await self._call(self.payments.create_payment, request)
        return result

    async def get_payment(self, payment_id: str) -> Payment:
        result: Payment = await self._call(self.payments.get_payment, payment_id)
        return result

    async def refund(
        self, payment_id: str, amount: Money | None = None, *, idempotency_key: str | None = None
    ) -> Operation:
        result: Operation = await self._call(
            self.payments.refund, payment_id, amount, idempotency_key=idempotency_key
        )
        return result

    async def capture(
        self, payment_id: str, amount: Money | None = None, *, idempotency_key: str | None = None
    ) -> Operation:
        result: Operation = await self._call(
            self.payments.capture, payment_id, amount, idempotency_key=idempotency_key
        )
        return result

    async def void(self, payment_id: str) -> Operation:
        result: Operation = await self._call(self.payments.void, payment_id)
        return result

    async def parse_webhook(self, delivery: Delivery) -> WebhookEvent:
        """Verify and read a callback from the exact bytes and headers received."""
        result: WebhookEvent = await self._call(
            self.payments.parse_webhook, delivery.headers, delivery.body
        )
        return result

    # BOG's own operations

    async def save_card(self, order_id: str, kind: SavedCardKind) -> None:
        await self._call(self.bog.save_card, order_id, kind)

    async def charge_saved_card(self, parent_order_id: str, request: PaymentRequest) -> Payment:
        result: Payment = await self._call(self.bog.charge_saved_card, parent_order_id, request)
        return result

    async def charge_subscription(self, parent_order_id: str, **kwargs: Any) -> Payment:
        result: Payment = await self._call(self.bog.charge_subscription, parent_order_id, **kwargs)
        return result

    async def delete_saved_card(self, order_id: str) -> bool:
        result: bool = await self._call(self.bog.delete_saved_card, order_id)
        return result

    async def complete_apple_pay(self, order_id: str, token: str) -> Payment:
        result: Payment = await self._call(self.bog.complete_apple_pay, order_id, token)
        return result


Wrap = Callable[[Any], Any]
"""Wraps the transport a facade's client gets (e.g. to watch the token answers)."""


@pytest.fixture
async def connect(sandbox: BogSandbox, sleeps: Sleeps) -> AsyncIterator[Callable[..., Shop]]:
    """``connect(route, wrap=None, **settings)``: a :class:`Shop` on a new facade.

    A loopback route serves the sandbox on 127.0.0.1 (once per test). After the test
    the facades and their clients are closed, then the server is stopped.
    """
    sync_clients: list[httpx.Client] = []
    async_clients: list[httpx.AsyncClient] = []
    facades: list[Payments | AsyncPayments] = []
    server = ExitStack()
    served: list[str] = []

    def build(route: str, wrap: Wrap | None = None, **overrides: Any) -> Shop:
        if route not in ROUTES:
            raise ValueError(f"route must be one of {ROUTES}, not {route!r}")
        loopback = route.startswith("loopback-")
        if loopback and not served:
            served.append(server.enter_context(sandbox.serve()))
        settings = {**sandbox.provider_settings(), **overrides}
        common: dict[str, Any] = {"autoload_plugins": False, **settings}
        payments: Payments | AsyncPayments
        if route.endswith("async"):
            async_transport: httpx.AsyncBaseTransport = (
                httpx.AsyncHTTPTransport() if loopback else sandbox.transport()
            )
            async_client = httpx.AsyncClient(
                transport=wrap(async_transport) if wrap else async_transport, trust_env=False
            )
            async_clients.append(async_client)
            payments = AsyncPayments(
                "bog", http_client=async_client, sleep=sleeps.async_sleep, **common
            )
        else:
            sync_transport: httpx.BaseTransport = (
                httpx.HTTPTransport() if loopback else sandbox.sync_transport()
            )
            sync_client = httpx.Client(
                transport=wrap(sync_transport) if wrap else sync_transport, trust_env=False
            )
            sync_clients.append(sync_client)
            payments = Payments("bog", http_client=sync_client, sleep=sleeps.sleep, **common)
        facades.append(payments)
        return Shop(payments, route)

    yield build

    for payments in facades:
        if isinstance(payments, AsyncPayments):
            await payments.aclose()
        else:
            payments.close()
    for async_client in async_clients:
        await async_client.aclose()
    for sync_client in sync_clients:
        sync_client.close()
    server.close()


@pytest.fixture(params=IN_PROCESS)
def shop(request: pytest.FixtureRequest, connect: Callable[..., Shop]) -> Shop:
    """A shop on the sync or the async facade, in process (each test runs under both)."""
    return connect(request.param)


# -- checkout requests ----------------------------------------------------------------------

AMOUNT: Final = Money("27.50", "GEL")


@pytest.fixture
def checkout(receiver: CallbackReceiver) -> Callable[..., PaymentRequest]:
    """``checkout(**changes)``: a 27.50 GEL order whose callbacks go to ``receiver``."""
    counter = iter(range(1, 1_000_000))

    def build(**changes: Any) -> PaymentRequest:
        values: dict[str, Any] = {
            "external_id": f"ORD-{next(counter)}",
            "amount": AMOUNT,
            "items": [
                LineItem(
                    product_id="SKU-1",
                    description="Widget",
                    quantity=2,
                    unit_price=Money("10.00", "GEL"),
                ),
                LineItem(product_id="SKU-2", quantity=1, unit_price=Money("7.50", "GEL")),
            ],
            "callback_url": receiver.callback_url,
            "allow_insecure_callback": True,
            "locale": "en",
        }
        values.update(changes)
        return PaymentRequest(**values)

    return build


async def paid(
    shop: Shop,
    sandbox: BogSandbox,
    checkout: Callable[..., PaymentRequest],
    card: str = CARD_OK,
    **changes: Any,
) -> Payment:
    """Create a payment and pay it on the emulator (callback delivered on return)."""
    payment = await shop.create_payment(checkout(**changes))
    await sandbox.pay(payment.id, card)
    return payment
