"""Rows 5 and 6: real HTTP on loopback, the emulator in its own process.

``BogSandbox().serve()`` runs in a child process, so the server's work does not
compete with the client for this process's GIL (it still shares the machine).

* Row 5: N lifecycles (create, customer pays, get, refund) at concurrency 10,
  ``AsyncPayments`` vs raw ``httpx.AsyncClient`` replaying the library's recorded
  requests. One token per side per round (a gateway shares its token); the
  customer's pay (a ``/sandbox`` call) is the same on both sides and is in the
  wall time.
* Row 6: 1000 concurrent ``get_payment`` on a cold token (a fresh gateway: one
  token request, single-flight) vs on a warm one; both sides use a fresh client,
  so both open their connections. Connections are counted at the client's
  network backend, token requests at the emulator.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

import httpcore
import httpx

from benchmarks.common import (
    SUCCESS_CARD,
    AsyncRecordingTransport,
    Recorder,
    Row,
    check_same,
    checked_json,
    payment_request,
)
from benchmarks.lifecycle import Recording
from payments_core import AsyncPayments, OAuth2ClientCredentials

GOAL_LOOPBACK = 1.05
GOAL_COLD = 1.3
CONCURRENCY = 10

SERVER = """
import json, sys
import httpx
from payments_bog.sandbox import BogSandbox
sandbox = BogSandbox(callback_transport=httpx.MockTransport(lambda r: httpx.Response(200)))
with sandbox.serve() as url:
    print(json.dumps({"url": url, "settings": sandbox.provider_settings()}), flush=True)
    sys.stdin.read()
"""


@contextmanager
def emulator_process() -> Iterator[tuple[str, dict[str, Any]]]:
    """The emulator on loopback in a child process; its base URL and provider settings."""
    child = subprocess.Popen(
        [sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        if not line:
            raise RuntimeError("the emulator process did not start")
        info = json.loads(line)
        yield info["url"], info["settings"]
    finally:
        assert child.stdin is not None
        child.stdin.close()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


class CountingBackend(httpcore.AsyncNetworkBackend):
    """Counts the TCP connections a client opens."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self.inner = inner
        self.opened = 0

    async def connect_tcp(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        self.opened += 1
        return await self.inner.connect_tcp(*args, **kwargs)

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        return await self.inner.connect_unix_socket(*args, **kwargs)

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def counted_transport(
    recorder: Recorder | None = None,
) -> tuple[httpx.AsyncBaseTransport, CountingBackend]:
    transport = httpx.AsyncHTTPTransport()
    pool = transport._pool
    backend = CountingBackend(pool._network_backend)
    pool._network_backend = backend
    if recorder is None:
        return transport, backend
    return AsyncRecordingTransport(transport, recorder), backend


async def _token_requests(control: httpx.AsyncClient) -> int:
    counters = (await control.get("/sandbox/counters")).json()
    return int(counters["token_requests"])


# -- row 5 -----------------------------------------------------------------------------


async def _lifecycles(url: str, settings: dict[str, Any], count: int, rounds: int) -> Row:
    recorder = Recorder()
    control = httpx.AsyncClient(base_url=url)

    async def pay(order_id: str) -> None:
        checked_json(
            await control.post(f"/sandbox/orders/{order_id}/pay", json={"card": SUCCESS_CARD})
        )

    async def library_side(record: bool = False) -> tuple[float, str]:
        transport, _ = counted_transport(recorder)
        async with (
            httpx.AsyncClient(transport=transport) as client,
            AsyncPayments("bog", http_client=client, **settings) as payments,
        ):
            requests = [payment_request() for _ in range(count)]
            queue = iter(requests)
            order_ids: list[str] = []

            async def worker() -> None:
                for request in queue:
                    payment = await payments.create_payment(request)
                    await pay(payment.id)
                    await payments.get_payment(payment.id)
                    await payments.refund(payment.id)
                    order_ids.append(payment.id)

            if record:
                # one lifecycle, recorded (the token request comes first, with the create)
                log = recorder.start()
                await worker_once(payments, pay)
                recorder.stop()
                recordings.append(Recording(list(log), _order_of(log)))
                return 0.0, ""
            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
            return time.perf_counter() - started, order_ids[-1]

    async def baseline_side(record: bool = False) -> tuple[float, str]:
        token_template, create_template = recordings[0].split()[0]
        after = recordings[0].split()[1]
        transport, _ = counted_transport(recorder)
        async with httpx.AsyncClient(transport=transport) as client:
            if record:
                log = recorder.start()
            started = time.perf_counter()
            token = checked_json(await client.send(token_template.fill(None, None)))["access_token"]
            remaining = iter(range(1 if record else count))

            async def worker() -> None:
                for _ in remaining:
                    response = await client.send(create_template.fill(None, token))
                    order_id = checked_json(response)["id"]
                    await pay(order_id)
                    for template in after:
                        checked_json(await client.send(template.fill(order_id, token)))
                    last.append(order_id)

            last: list[str] = []
            await asyncio.gather(*(worker() for _ in range(1 if record else CONCURRENCY)))
            elapsed = time.perf_counter() - started
            if record:
                recorder.stop()
                baseline_logs.append((list(log), last[-1]))
            return elapsed, last[-1]

    recordings: list[Recording] = []
    baseline_logs: list[tuple[list[Any], str]] = []
    try:
        await library_side(record=True)
        await baseline_side(record=True)
        verdict = check_same(recordings[0].exchanges, recordings[0].order_id, *baseline_logs[0])
        ratios = []
        for index in range(rounds):
            if index % 2:
                base = (await baseline_side())[0]
                lib = (await library_side())[0]
            else:
                lib = (await library_side())[0]
                base = (await baseline_side())[0]
            ratios.append(lib / base)
            rates = f"{count / lib:.0f} vs {count / base:.0f} lifecycles/s"
    finally:
        await control.aclose()
    return Row(
        f"5. {count} lifecycles, loopback, c={CONCURRENCY}",
        ratios,
        GOAL_LOOPBACK,
        notes=[
            verdict,
            f"last round {rates} (library vs httpx); one token a side a round; "
            "the customer's pay is in both wall times",
        ],
    )


async def worker_once(payments: AsyncPayments, pay: Any) -> None:
    payment = await payments.create_payment(payment_request())
    await pay(payment.id)
    await payments.get_payment(payment.id)
    await payments.refund(payment.id)


def _order_of(log: list[Any]) -> str:
    for exchange in log:
        if exchange.method == "POST" and exchange.url.endswith("/ecommerce/orders"):
            return str(json.loads(exchange.response_body)["id"])
    raise AssertionError("no create in the recorded lifecycle")


# -- row 6 -----------------------------------------------------------------------------


async def _cold_token(url: str, settings: dict[str, Any], gets: int, rounds: int) -> Row:
    control = httpx.AsyncClient(base_url=url)
    async with AsyncPayments("bog", **settings) as setup:
        payment = await setup.create_payment(payment_request())
    checked_json(
        await control.post(f"/sandbox/orders/{payment.id}/pay", json={"card": SUCCESS_CARD})
    )

    async def side(warm: bool) -> tuple[float, int, int]:
        transport, backend = counted_transport()
        before = await _token_requests(control)
        async with (
            httpx.AsyncClient(transport=transport) as client,
            AsyncPayments("bog", http_client=client, **settings) as payments,
        ):
            if warm:
                await payments.get_payment(payment.id)
            started = time.perf_counter()
            await asyncio.gather(*(payments.get_payment(payment.id) for _ in range(gets)))
            elapsed = time.perf_counter() - started
            tokens = cast(OAuth2ClientCredentials, payments.provider.auth).token_requests
        server_tokens = await _token_requests(control) - before
        assert tokens == server_tokens == 1, (tokens, server_tokens)
        return elapsed, backend.opened, server_tokens

    try:
        ratios = []
        for index in range(rounds):
            if index % 2:
                warm = await side(True)
                cold = await side(False)
            else:
                cold = await side(False)
                warm = await side(True)
            ratios.append(cold[0] / warm[0])
    finally:
        await control.aclose()
    return Row(
        f"6. {gets} concurrent get, cold/warm token",
        ratios,
        GOAL_COLD,
        notes=[
            f"last round: cold {cold[0] * 1e3:.0f} ms, {cold[1]} connections, "
            f"{cold[2]} token request; warm {warm[0] * 1e3:.0f} ms, {warm[1]} connections "
            f"(incl. the warm-up get); both ratio cold/warm time"
        ],
    )


def loopback_rows(lifecycles: int, gets: int, rounds: int) -> list[Row]:
    async def both(url: str, settings: dict[str, Any]) -> list[Row]:
        return [
            await _lifecycles(url, settings, lifecycles, rounds),
            await _cold_token(url, settings, gets, rounds),
        ]

    with emulator_process() as (url, settings):
        return asyncio.run(both(url, settings))
