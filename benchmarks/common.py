"""Shared pieces: rows of the report, request recording and replay, the test order."""

from __future__ import annotations

import statistics
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from payments_core import LineItem, Money, PaymentRequest

SUCCESS_CARD = "4000000000000001"
CALLBACK_URL = "https://shop.example/payments/callback"
ORDER_PLACEHOLDER = "{order_id}"
KEY_PLACEHOLDER = "{idempotency_key}"


def payment_request() -> PaymentRequest:
    """The order every lifecycle creates (both sides send the same bytes)."""
    return PaymentRequest(
        external_id="bench-1",
        amount=Money("10.00", "GEL"),
        items=[LineItem(product_id="sku-1", quantity=1, unit_price=Money("10.00", "GEL"))],
        callback_url=CALLBACK_URL,
    )


def accept_callbacks(request: httpx.Request) -> httpx.Response:
    """The merchant's end of the emulator's callbacks: acknowledge and forget."""
    return httpx.Response(200)


# -- the report ---------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the table: a ratio per round, its goal and which way is better."""

    name: str
    ratios: list[float]
    goal: float
    higher_is_better: bool = False
    unit: str = "x time"
    notes: list[str] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.ratios)

    @property
    def met(self) -> bool:
        return self.median >= self.goal if self.higher_is_better else self.median <= self.goal

    def goal_text(self) -> str:
        return f"{'>=' if self.higher_is_better else '<='} {self.goal:.2f}"


def print_table(rows: list[Row]) -> None:
    name_width = max(len(row.name) for row in rows)
    header = (
        f"{'benchmark':<{name_width}}  {'median':>7}  {'min-max':>11}  {'n':>2}  "
        f"{'unit':<16}  {'goal':<7}  result"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        spread = f"{min(row.ratios):.2f}-{max(row.ratios):.2f}"
        print(
            f"{row.name:<{name_width}}  {row.median:7.2f}  {spread:>11}  {len(row.ratios):>2}  "
            f"{row.unit:<16}  {row.goal_text():<7}  {'met' if row.met else 'NOT MET'}"
        )
        for note in row.notes:
            print(f"{'':<{name_width}}    {note}")


# -- recording and replaying requests -------------------------------------------------------


@dataclass(frozen=True)
class Exchange:
    """One request as it reached the transport, and its answer."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    status: int
    response_headers: tuple[tuple[str, str], ...]
    response_body: bytes


def _exchange(request: httpx.Request, response: httpx.Response) -> Exchange:
    return Exchange(
        request.method,
        str(request.url),
        tuple(request.headers.multi_items()),
        request.content,
        response.status_code,
        tuple(response.headers.multi_items()),
        response.content,
    )


class Recorder:
    """Wraps a transport (sync or async); while ``log`` is a list, exchanges go there.

    Both sides of a comparison go through the same wrapper, so its one attribute
    check costs them alike.
    """

    def __init__(self) -> None:
        self.log: list[Exchange] | None = None

    def start(self) -> list[Exchange]:
        self.log = []
        return self.log

    def stop(self) -> None:
        self.log = None


class RecordingTransport(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport, recorder: Recorder) -> None:
        self._inner = inner
        self._recorder = recorder

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        if self._recorder.log is not None:
            response.read()
            self._recorder.log.append(_exchange(request, response))
        return response

    def close(self) -> None:
        self._inner.close()


class AsyncRecordingTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, recorder: Recorder) -> None:
        self._inner = inner
        self._recorder = recorder

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        if self._recorder.log is not None:
            await response.aread()
            self._recorder.log.append(_exchange(request, response))
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


@dataclass(frozen=True)
class Template:
    """A recorded request with its per-lifecycle parts (order id, idempotency key) open."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @property
    def opens_order(self) -> bool:
        """True from the first request that names the order on."""
        return ORDER_PLACEHOLDER in self.url

    def fill(self, order_id: str | None, token: str | None) -> httpx.Request:
        """The request to send: fresh idempotency key, this lifecycle's order and token."""
        url = self.url.replace(ORDER_PLACEHOLDER, order_id) if order_id else self.url
        headers: list[tuple[str, str]] = []
        for name, value in self.headers:
            if value == KEY_PLACEHOLDER:
                value = str(uuid.uuid4())
            headers.append((name, value))
        if token is not None:
            headers.append(("Authorization", f"Bearer {token}"))
        return httpx.Request(self.method, url, headers=headers, content=self.body)


def _open(exchange: Exchange, order_id: str | None) -> Template:
    headers = []
    for name, value in exchange.headers:
        lower = name.lower()
        if lower == "authorization" and value.startswith("Bearer "):
            continue  # each side brings its own token
        if lower == "idempotency-key":
            value = KEY_PLACEHOLDER
        headers.append((name, value))
    url = exchange.url.replace(order_id, ORDER_PLACEHOLDER) if order_id else exchange.url
    return Template(exchange.method, url, tuple(headers), exchange.body)


def templates(exchanges: list[Exchange], order_id: str | None) -> list[Template]:
    """The library's requests, in order, with what changes per lifecycle left open."""
    return [_open(exchange, order_id) for exchange in exchanges]


def check_same(
    library: list[Exchange], library_order: str, baseline: list[Exchange], baseline_order: str
) -> str:
    """ "requests match", or raise: the baseline must send what the library sent."""
    ours = templates(library, library_order)
    theirs = templates(baseline, baseline_order)
    if ours != theirs:
        lines = ["the baseline's requests differ from the library's:"]
        for index, (a, b) in enumerate(zip(ours, theirs, strict=False)):
            if a != b:
                lines.append(f"  #{index} library : {a}")
                lines.append(f"  #{index} baseline: {b}")
        if len(ours) != len(theirs):
            lines.append(f"  library sent {len(ours)} requests, baseline {len(theirs)}")
        raise AssertionError("\n".join(lines))
    return f"requests match ({len(ours)} per lifecycle: method, URL, headers, body)"


def checked_json(response: httpx.Response) -> Any:
    """What a hand-written client does with an answer: status check, then JSON."""
    if response.status_code >= 400:
        raise RuntimeError(
            f"{response.request.method} {response.request.url}: {response.status_code}"
        )
    return response.json()


def interleaved(
    rounds: int, library: Callable[[], float], baseline: Callable[[], float]
) -> list[float]:
    """library/baseline time per round, alternating which goes first."""
    ratios = []
    for index in range(rounds):
        if index % 2:
            base = baseline()
            lib = library()
        else:
            lib = library()
            base = baseline()
        ratios.append(lib / base)
    return ratios
