"""The operation's deadline holds inside one attempt, against a real loopback server.

httpx's timeouts are per socket operation: a server that trickles a byte well
within the read timeout keeps a call alive for as long as it likes. These tests
run such a server on 127.0.0.1 and check that a call with ``deadline=1.0`` ends
shortly after one second, sync and async, whether the server trickles the
headers or the body.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from payments_core import (
    AsyncPayments,
    Capability,
    ErrorCode,
    Money,
    OutcomeUnknownError,
    Payment,
    PaymentProvider,
    Payments,
    PaymentStatus,
    ProviderSettings,
    ProviderUnavailableError,
)
from payments_core.models import Operation, OperationKind, OperationStatus
from payments_core.provider import Flow

DEADLINE = 1.0
MARGIN = 0.75
"""How far past the deadline a call may end: scheduling on a loaded machine."""


class TrickleSettings(ProviderSettings):
    base_url: str


class TrickleProvider(PaymentProvider):
    """Reads and refunds against whatever server ``base_url`` points at."""

    name = "trickle"
    settings_model = TrickleSettings
    capabilities = frozenset({Capability.RETRIEVE, Capability.REFUND})
    settings: TrickleSettings

    def get_payment(self, payment_id: str) -> Flow[Payment]:
        yield self.build_request("GET", f"{self.settings.base_url}/payments/{payment_id}")
        return Payment(
            id=payment_id,
            provider=self.name,
            status=PaymentStatus.PENDING,
            amount=Money("1.00", "GEL"),
        )

    def refund(
        self, payment_id: str, amount: Money | None, *, idempotency_key: str
    ) -> Flow[Operation]:
        yield self.build_request("POST", f"{self.settings.base_url}/refunds/{payment_id}", json={})
        return Operation(
            kind=OperationKind.REFUND,
            status=OperationStatus.PENDING,
            payment_id=payment_id,
            provider=self.name,
        )


class TrickleServer:
    """Answers every connection with a response sent one byte at a time."""

    def __init__(self, *, trickle_headers: bool, interval: float = 0.2) -> None:
        self.trickle_headers = trickle_headers
        self.interval = interval
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        self.listener.settimeout(0.1)
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:  # the listener was closed by __exit__: the test is over
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n"
        body = b" " * 200
        with conn:
            try:
                conn.recv(65536)
                if not self.trickle_headers:
                    conn.sendall(head)
                for byte in (head if self.trickle_headers else b"") + body:
                    if self.stop.is_set():
                        return
                    conn.sendall(bytes([byte]))
                    time.sleep(self.interval)
            except OSError:
                return

    def __enter__(self) -> TrickleServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.listener.close()


@pytest.fixture(params=["headers", "body"])
def server(request: pytest.FixtureRequest) -> Iterator[TrickleServer]:
    with TrickleServer(trickle_headers=request.param == "headers") as running:
        yield running


def _provider(server: TrickleServer) -> TrickleProvider:
    return TrickleProvider.from_settings(
        base_url=f"http://127.0.0.1:{server.port}", timeout=5.0, deadline=DEADLINE, max_retries=0
    )


def test_a_trickled_read_ends_at_the_deadline_sync(server: TrickleServer) -> None:
    with Payments(_provider(server), autoload_plugins=False) as payments:
        started = time.monotonic()
        with pytest.raises(ProviderUnavailableError) as failed:
            payments.get_payment("pay_1")
        elapsed = time.monotonic() - started
    assert elapsed < DEADLINE + MARGIN
    assert failed.value.code is ErrorCode.TIMEOUT


async def test_a_trickled_read_ends_at_the_deadline_async(server: TrickleServer) -> None:
    provider = _provider(server)
    async with AsyncPayments(provider, autoload_plugins=False) as payments:
        started = time.monotonic()
        with pytest.raises(ProviderUnavailableError) as failed:
            await payments.get_payment("pay_1")
        elapsed = time.monotonic() - started
    assert elapsed < DEADLINE + MARGIN
    assert failed.value.code is ErrorCode.TIMEOUT


def test_a_trickled_refund_ends_at_the_deadline_as_an_unknown_outcome_sync(
    server: TrickleServer,
) -> None:
    provider = _provider(server)
    with Payments(provider, autoload_plugins=False) as payments:
        started = time.monotonic()
        with pytest.raises(OutcomeUnknownError) as unknown:
            payments.refund("pay_1")
        elapsed = time.monotonic() - started
    assert elapsed < DEADLINE + MARGIN
    assert unknown.value.safe_to_repeat is False  # this gateway declares no keys


async def test_a_trickled_refund_ends_at_the_deadline_as_an_unknown_outcome_async(
    server: TrickleServer,
) -> None:
    provider = _provider(server)
    async with AsyncPayments(provider, autoload_plugins=False) as payments:
        started = time.monotonic()
        with pytest.raises(OutcomeUnknownError) as unknown:
            await payments.refund("pay_1")
        elapsed = time.monotonic() - started
    assert elapsed < DEADLINE + MARGIN
    assert unknown.value.safe_to_repeat is False  # this gateway declares no keys
    assert unknown.value.operation == "refund"


def test_a_client_the_caller_passes_is_bounded_too(server: TrickleServer) -> None:
    provider = _provider(server)
    with (
        httpx.Client(headers={"User-Agent": "shop/1.0"}) as client,
        Payments(provider, http_client=client, autoload_plugins=False) as payments,
    ):
        started = time.monotonic()
        with pytest.raises(ProviderUnavailableError) as failed:
            payments.get_payment("pay_1")
        elapsed = time.monotonic() - started
    assert elapsed < DEADLINE + MARGIN
    assert failed.value.code is ErrorCode.TIMEOUT
