"""Rows 1 and 2: a payment's lifecycle through the library vs raw httpx, same requests.

A lifecycle is: token, create, get, refund (BOG's refund reads the receipt first,
so that is five requests). The library runs it once while a recorder notes each
request (method, URL, headers, body); the baseline then replays exactly those
requests with plain ``httpx`` (its own token, a fresh idempotency key, the order
id its create returned) and parses each answer as JSON. The suite checks that the
baseline's requests equal the library's before timing anything.

On the emulator, the customer's payment between create and get (a ``/sandbox``
control call, the same for both sides) is left out of the timings. On
``httpx.MockTransport`` the answers are the ones the emulator gave, canned, so the
ratio is what the library adds and nothing else.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

import httpx
from payments_bog.sandbox import BogSandbox

from benchmarks.common import (
    SUCCESS_CARD,
    AsyncRecordingTransport,
    Exchange,
    Recorder,
    RecordingTransport,
    Row,
    Template,
    accept_callbacks,
    check_same,
    checked_json,
    interleaved,
    payment_request,
    templates,
)
from payments_core import AsyncPayments, OAuth2ClientCredentials, Payments

GOAL_EMULATOR = 1.05
GOAL_MOCK = 1.25


@dataclass
class Recording:
    """The library's lifecycle as sent: its exchanges and the order it made."""

    exchanges: list[Exchange]
    order_id: str

    def split(self) -> tuple[list[Template], list[Template]]:
        """Requests before the order exists (token, create), and after."""
        opened = templates(self.exchanges, self.order_id)
        first = next(i for i, t in enumerate(opened) if t.opens_order)
        return opened[:first], opened[first:]


def canned(recording: Recording) -> httpx.MockTransport:
    """A transport answering each recorded request with the emulator's answer."""
    answers = {(e.method, e.url): e for e in recording.exchanges}

    def handler(request: httpx.Request) -> httpx.Response:
        e = answers[(request.method, str(request.url))]
        return httpx.Response(e.status, headers=list(e.response_headers), content=e.response_body)

    return httpx.MockTransport(handler)


def _auth(payments: Payments | AsyncPayments) -> OAuth2ClientCredentials:
    return cast(OAuth2ClientCredentials, payments.provider.auth)


# -- sync ------------------------------------------------------------------------------


class SyncBench:
    """Library and baseline clients sharing one (recording) transport.

    ``journal`` (a URL or a ``Journal``) gives the library's gateway a journal: the
    journal rows (``benchmarks/journal.py``) time the same lifecycle with and without.
    """

    def __init__(
        self,
        inner: httpx.BaseTransport,
        settings: dict[str, Any],
        pay: Callable[[str], None] | None,
        *,
        journal: Any = None,
    ) -> None:
        self.recorder = Recorder()
        transport = RecordingTransport(inner, self.recorder)
        self.library_client = httpx.Client(transport=transport)
        self.baseline_client = httpx.Client(transport=transport)
        self.payments = Payments(
            "bog", http_client=self.library_client, journal=journal, **settings
        )
        self.pay = pay
        self.before: list[Template] = []
        self.after: list[Template] = []

    def library(self) -> tuple[float, str]:
        payments = self.payments
        request = payment_request()  # a new order, so a new idempotency key (not timed)
        started = time.perf_counter()
        _auth(payments).invalidate()  # every lifecycle gets its own token
        payment = payments.create_payment(request)
        created = time.perf_counter()
        if self.pay is not None:
            self.pay(payment.id)
        paid = time.perf_counter()
        payments.get_payment(payment.id)
        payments.refund(payment.id)
        return created - started + time.perf_counter() - paid, payment.id

    def baseline(self) -> tuple[float, str]:
        client = self.baseline_client
        token_template, create_template = self.before
        started = time.perf_counter()
        token = checked_json(client.send(token_template.fill(None, None)))["access_token"]
        order_id = checked_json(client.send(create_template.fill(None, token)))["id"]
        created = time.perf_counter()
        if self.pay is not None:
            self.pay(order_id)
        paid = time.perf_counter()
        for template in self.after:
            checked_json(client.send(template.fill(order_id, token)))
        return created - started + time.perf_counter() - paid, order_id

    def record(self) -> tuple[Recording, str]:
        log = self.recorder.start()
        _, order_id = self.library()
        recording = Recording(list(log), order_id)
        self.before, self.after = recording.split()
        if len(self.before) != 2:
            raise AssertionError(f"expected token and create first, got {self.before}")
        log = self.recorder.start()
        _, baseline_order = self.baseline()
        self.recorder.stop()
        verdict = check_same(recording.exchanges, order_id, list(log), baseline_order)
        return recording, verdict

    def timed(self, side: Callable[[], tuple[float, str]], count: int) -> float:
        return sum(side()[0] for _ in range(count))

    def close(self) -> None:
        self.payments.close()
        self.library_client.close()
        self.baseline_client.close()


def sync_rows(lifecycles: int, rounds: int) -> tuple[list[Row], Recording, BogSandbox]:
    """Row 1 (sync, emulator) and row 2 (sync, canned answers)."""
    sandbox = BogSandbox(callback_transport=httpx.MockTransport(accept_callbacks))
    inner = sandbox.sync_transport()
    control = httpx.Client(transport=inner, base_url=sandbox.public_base_url)

    def pay(order_id: str) -> None:
        control.post(f"/sandbox/orders/{order_id}/pay", json={"card": SUCCESS_CARD})

    bench = SyncBench(inner, sandbox.provider_settings(), pay)
    try:
        recording, verdict = bench.record()
        ratios = interleaved(
            rounds,
            lambda: bench.timed(bench.library, lifecycles),
            lambda: bench.timed(bench.baseline, lifecycles),
        )
    finally:
        bench.close()
        control.close()
    emulator = Row(
        "1. lifecycle, BOG emulator, sync",
        ratios,
        GOAL_EMULATOR,
        notes=[verdict, f"{lifecycles} lifecycles a side per round; the customer's pay not timed"],
    )
    mock = SyncBench(canned(recording), sandbox.provider_settings(), None)
    try:
        _, verdict = mock.record()
        ratios = interleaved(
            rounds,
            lambda: mock.timed(mock.library, lifecycles * 5),
            lambda: mock.timed(mock.baseline, lifecycles * 5),
        )
    finally:
        mock.close()
    canned_row = Row(
        "2. lifecycle, MockTransport, sync",
        ratios,
        GOAL_MOCK,
        notes=[verdict, f"{lifecycles * 5} lifecycles a side per round"],
    )
    return [emulator, canned_row], recording, sandbox


# -- async -----------------------------------------------------------------------------


class AsyncBench:
    """The async twin of :class:`SyncBench`."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        settings: dict[str, Any],
        pay: Callable[[str], Awaitable[None]] | None,
    ) -> None:
        self.recorder = Recorder()
        transport = AsyncRecordingTransport(inner, self.recorder)
        self.library_client = httpx.AsyncClient(transport=transport)
        self.baseline_client = httpx.AsyncClient(transport=transport)
        self.payments = AsyncPayments("bog", http_client=self.library_client, **settings)
        self.pay = pay
        self.before: list[Template] = []
        self.after: list[Template] = []

    async def library(self) -> tuple[float, str]:
        payments = self.payments
        request = payment_request()  # a new order, so a new idempotency key (not timed)
        started = time.perf_counter()
        _auth(payments).invalidate()
        payment = await payments.create_payment(request)
        created = time.perf_counter()
        if self.pay is not None:
            await self.pay(payment.id)
        paid = time.perf_counter()
        await payments.get_payment(payment.id)
        await payments.refund(payment.id)
        return created - started + time.perf_counter() - paid, payment.id

    async def baseline(self) -> tuple[float, str]:
        client = self.baseline_client
        token_template, create_template = self.before
        started = time.perf_counter()
        response = await client.send(token_template.fill(None, None))
        token = checked_json(response)["access_token"]
        order_id = checked_json(await client.send(create_template.fill(None, token)))["id"]
        created = time.perf_counter()
        if self.pay is not None:
            await self.pay(order_id)
        paid = time.perf_counter()
        for template in self.after:
            checked_json(await client.send(template.fill(order_id, token)))
        return created - started + time.perf_counter() - paid, order_id

    async def record(self) -> tuple[Recording, str]:
        log = self.recorder.start()
        _, order_id = await self.library()
        recording = Recording(list(log), order_id)
        self.before, self.after = recording.split()
        log = self.recorder.start()
        _, baseline_order = await self.baseline()
        self.recorder.stop()
        verdict = check_same(recording.exchanges, order_id, list(log), baseline_order)
        return recording, verdict

    async def timed(self, side: Callable[[], Awaitable[tuple[float, str]]], count: int) -> float:
        total = 0.0
        for _ in range(count):
            total += (await side())[0]
        return total

    async def ratios(self, rounds: int, count: int) -> list[float]:
        ratios = []
        for index in range(rounds):
            first, second = (self.library, self.baseline)[:: -1 if index % 2 else 1]
            a = await self.timed(first, count)
            b = await self.timed(second, count)
            lib, base = (b, a) if index % 2 else (a, b)
            ratios.append(lib / base)
        return ratios

    async def aclose(self) -> None:
        await self.payments.aclose()
        await self.library_client.aclose()
        await self.baseline_client.aclose()


async def _async_rows(lifecycles: int, rounds: int) -> list[Row]:
    sandbox = BogSandbox(callback_transport=httpx.MockTransport(accept_callbacks))
    inner = sandbox.transport()
    control = httpx.AsyncClient(transport=inner, base_url=sandbox.public_base_url)

    async def pay(order_id: str) -> None:
        await control.post(f"/sandbox/orders/{order_id}/pay", json={"card": SUCCESS_CARD})

    bench = AsyncBench(inner, sandbox.provider_settings(), pay)
    try:
        recording, verdict = await bench.record()
        ratios = await bench.ratios(rounds, lifecycles)
    finally:
        await bench.aclose()
        await control.aclose()
        await sandbox.aclose()
    emulator = Row(
        "1. lifecycle, BOG emulator, async",
        ratios,
        GOAL_EMULATOR,
        notes=[verdict, f"{lifecycles} lifecycles a side per round; the customer's pay not timed"],
    )
    mock = AsyncBench(canned(recording), sandbox.provider_settings(), None)
    try:
        _, verdict = await mock.record()
        ratios = await mock.ratios(rounds, lifecycles * 5)
    finally:
        await mock.aclose()
    canned_row = Row(
        "2. lifecycle, MockTransport, async",
        ratios,
        GOAL_MOCK,
        notes=[verdict, f"{lifecycles * 5} lifecycles a side per round"],
    )
    return [emulator, canned_row]


def async_rows(lifecycles: int, rounds: int) -> list[Row]:
    """Row 1 (async, emulator) and row 2 (async, canned answers)."""
    return asyncio.run(_async_rows(lifecycles, rounds))
