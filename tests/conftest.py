"""Shared test kit: an HTTP test provider, the fake gateway it talks to, fake time.

``HttpTestProvider`` ("httpgw") is written the way a plugin author writes a real
provider: flows that build requests with ``build_request`` against
``https://gateway.test``, ``OAuth2ClientCredentials`` for auth, and mapping of
the replies into ``Payment``/``Operation``. ``FakeGateway`` is the in-memory
server behind an ``httpx.MockTransport``: it issues tokens, keeps payments,
counts every request it sees and can be told to misbehave.

Nothing here touches the network, and nothing relies on installed entry
points: the provider is registered at run time in a ``ProviderRegistry``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import threading
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from payments_core import (
    AsyncPayments,
    Capability,
    Flow,
    LineItem,
    Money,
    OAuth2ClientCredentials,
    Operation,
    OperationKind,
    OperationStatus,
    Payment,
    PaymentProvider,
    PaymentRequest,
    Payments,
    PaymentStatus,
    ProviderSettings,
    WebhookEvent,
    WebhookVerificationError,
    wire,
)
from payments_core.errors import PaymentError
from payments_core.provider import error_for_status
from payments_core.registry import ProviderRegistry

GATEWAY_URL = "https://gateway.test"
TOKEN_URL = f"{GATEWAY_URL}/oauth/token"
CLIENT_ID = "merchant-42"
CLIENT_SECRET = "cs-TOP-SECRET-7f3a9c"
TOKEN_PREFIX = "at-SECRET-TOKEN-"


# -- the provider under test ----------------------------------------------------------


class HttpTestSettings(ProviderSettings):
    client_id: str
    client_secret: SecretStr
    webhook_secret: SecretStr | None = None


_STATUSES: dict[str, PaymentStatus] = {
    "new": PaymentStatus.CREATED,
    "pending": PaymentStatus.PENDING,
    "authorized": PaymentStatus.AUTHORIZED,
    "paid": PaymentStatus.CAPTURED,
    "refunded": PaymentStatus.REFUNDED,
    "partially_refunded": PaymentStatus.PARTIALLY_REFUNDED,
    "canceled": PaymentStatus.CANCELED,
    "declined": PaymentStatus.DECLINED,
}


class HttpTestProvider(PaymentProvider):
    """A small but complete HTTP provider, as a plugin author would write one.

    Its cancel endpoint takes no idempotency key (many real gateways have one
    like that), so ``void`` is the library's example of an unkeyed POST.
    """

    name = "httpgw"
    honours_idempotency_keys = True
    settings_model = HttpTestSettings
    capabilities = frozenset(
        {
            Capability.CREATE,
            Capability.RETRIEVE,
            Capability.REFUND,
            Capability.PARTIAL_REFUND,
            Capability.CAPTURE,
            Capability.VOID,
            Capability.WEBHOOKS,
        }
    )
    settings: HttpTestSettings

    def __init__(self, settings: ProviderSettings) -> None:
        super().__init__(settings)
        self._auth = OAuth2ClientCredentials(
            TOKEN_URL,
            self.settings.client_id,
            self.settings.client_secret,
            provider=self.name,
        )

    @property
    def auth(self) -> OAuth2ClientCredentials:
        return self._auth

    def error_for_response(self, response: httpx.Response) -> PaymentError:
        try:
            body = wire.loads(response.content)
        except ValueError:
            body = None
        if isinstance(body, dict):
            return error_for_status(
                response,
                provider=self.name,
                message=body.get("message"),
                provider_code=body.get("code"),
            )
        return error_for_status(response, provider=self.name)

    # -- flows --------------------------------------------------------------------------

    def create_payment(self, request: PaymentRequest) -> Flow[Payment]:
        body = {
            "external_id": request.external_id,
            "amount": request.amount.amount,
            "currency": request.amount.currency,
            "callback_url": request.callback_url,
            "capture": request.capture.value,
            "items": [
                {
                    "sku": item.product_id,
                    "quantity": item.quantity,
                    "price": item.unit_price.amount,
                }
                for item in request.items
            ],
        }
        response = yield self.build_request(
            "POST",
            f"{GATEWAY_URL}/payments",
            json=body,
            idempotency_key=request.idempotency_key,
        )
        return self._payment(wire.loads(response.content))

    def get_payment(self, payment_id: str) -> Flow[Payment]:
        response = yield self.build_request("GET", f"{GATEWAY_URL}/payments/{payment_id}")
        return self._payment(wire.loads(response.content))

    def refund(
        self, payment_id: str, amount: Money | None, *, idempotency_key: str
    ) -> Flow[Operation]:
        body = {} if amount is None else {"amount": amount.amount}
        response = yield self.build_request(
            "POST",
            f"{GATEWAY_URL}/payments/{payment_id}/refunds",
            json=body,
            idempotency_key=idempotency_key,
        )
        return self._operation(
            OperationKind.REFUND, payment_id, wire.loads(response.content), idempotency_key
        )

    def capture(
        self, payment_id: str, amount: Money | None, *, idempotency_key: str
    ) -> Flow[Operation]:
        response = yield self.build_request(
            "POST",
            f"{GATEWAY_URL}/payments/{payment_id}/capture",
            json={},
            idempotency_key=idempotency_key,
        )
        return self._operation(
            OperationKind.CAPTURE, payment_id, wire.loads(response.content), idempotency_key
        )

    def void(self, payment_id: str, *, idempotency_key: str) -> Flow[Operation]:
        response = yield self.build_request(
            "POST", f"{GATEWAY_URL}/payments/{payment_id}/cancel", json={}
        )
        return self._operation(OperationKind.VOID, payment_id, wire.loads(response.content), None)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        secret = self.settings.webhook_secret
        if secret is None:
            raise WebhookVerificationError("no webhook secret configured", provider=self.name)
        expected = sign_webhook(body, secret.get_secret_value())
        if not hmac.compare_digest(headers.get("x-signature", ""), expected):
            raise WebhookVerificationError("bad signature", provider=self.name)
        data = wire.loads(body)
        return WebhookEvent(
            id=data["event_id"],
            provider=self.name,
            type=data["type"],
            payment=self._payment(data["payment"]),
            received_at=data["received_at"],
        )

    # -- reading replies ------------------------------------------------------------------

    def _payment(self, data: Any) -> Payment:
        currency = data["currency"]
        return Payment(
            id=data["id"],
            provider=self.name,
            status=_STATUSES[data["state"]],
            amount=Money(str(data["amount"]), currency),
            external_id=data.get("external_id"),
            redirect_url=data.get("redirect_url"),
            raw=data,
        )

    def _operation(
        self, kind: OperationKind, payment_id: str, data: Any, key: str | None
    ) -> Operation:
        return Operation(
            id=data["id"],
            kind=kind,
            status=OperationStatus(data["state"]),
            payment_id=payment_id,
            provider=self.name,
            idempotency_key=key,
            raw=data,
        )


def sign_webhook(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# -- the server behind the mock transport -------------------------------------------------


@dataclass(frozen=True)
class Seen:
    """A snapshot of one request as it reached the transport.

    Drivers re-send the same ``httpx.Request`` object on a retry and auth flows
    change its headers, so the request itself cannot be kept for later asserts.
    """

    method: str
    url: str
    path: str
    headers: dict[str, str]
    content: bytes
    extensions: dict[str, Any]

    @property
    def is_token_request(self) -> bool:
        return self.url == TOKEN_URL

    def json(self) -> Any:
        return wire.loads(self.content)


Fault = int | httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


@dataclass
class FakeGateway:
    """The gateway at https://gateway.test, in memory, counting what it sees."""

    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    token_lifetime: Any = 3600
    token_delay: float = 0.0
    """Real seconds the token endpoint takes, so concurrent callers overlap."""
    token_gate: Callable[[], None] | None = None
    """Called before a token answer (sync): a test holds the token here until every
    caller has joined the election, instead of hoping a delay is long enough."""
    async_token_gate: Callable[[], Awaitable[None]] | None = None
    """Awaited before a token answer (async), for the same purpose as ``token_gate``."""
    seen: list[Seen] = field(default_factory=list)
    faults: deque[Fault] = field(default_factory=deque)
    """Answers (or exceptions) for the next API requests, before normal handling."""
    token_faults: deque[Fault] = field(default_factory=deque)
    reject_all_tokens: bool = False
    payments: dict[str, dict[str, Any]] = field(default_factory=dict)
    _valid_tokens: set[str] = field(default_factory=set)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- scripting ------------------------------------------------------------------------

    def fail_next(self, *faults: Fault) -> None:
        self.faults.extend(faults)

    def fail_next_token(self, *faults: Fault) -> None:
        self.token_faults.extend(faults)

    def revoke_tokens(self) -> None:
        """Every token issued so far is now refused with 401 (as after a key rotation)."""
        with self._lock:
            self._valid_tokens.clear()

    def add_payment(self, state: str = "paid", amount: str = "12.50") -> str:
        payment_id = f"pay_{next(self._ids)}"
        self.payments[payment_id] = {
            "id": payment_id,
            "state": state,
            "amount": Decimal(amount),
            "currency": "GEL",
            "external_id": f"order-{payment_id}",
        }
        return payment_id

    # -- what it saw -----------------------------------------------------------------------

    @property
    def token_requests(self) -> list[Seen]:
        return [seen for seen in self.seen if seen.is_token_request]

    @property
    def api_requests(self) -> list[Seen]:
        return [seen for seen in self.seen if not seen.is_token_request]

    # -- handlers ------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Synchronous handler (``httpx.Client``)."""
        if request.url == TOKEN_URL and self.token_gate is not None:
            self.token_gate()
        if request.url == TOKEN_URL and self.token_delay:
            time.sleep(self.token_delay)
        return self._respond(request)

    async def ahandle(self, request: httpx.Request) -> httpx.Response:
        """Asynchronous handler (``httpx.AsyncClient``): the token delay does not block."""
        if request.url == TOKEN_URL and self.async_token_gate is not None:
            await self.async_token_gate()
        if request.url == TOKEN_URL and self.token_delay:
            await asyncio.sleep(self.token_delay)
        return self._respond(request)

    def _respond(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(
            Seen(
                method=request.method,
                url=str(request.url),
                path=request.url.path,
                headers=dict(request.headers),
                content=request.content,
                extensions=dict(request.extensions),
            )
        )
        is_token = request.url == TOKEN_URL
        queue = self.token_faults if is_token else self.faults
        with self._lock:
            fault = queue.popleft() if queue else None
        if fault is not None:
            return _apply(fault, request)
        if is_token:
            return self._token(request)
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        with self._lock:
            authorized = bearer in self._valid_tokens and not self.reject_all_tokens
        if not authorized:
            return httpx.Response(401, json={"code": "invalid_token", "message": "expired"})
        return self._api(request)

    def _token(self, request: httpx.Request) -> httpx.Response:
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        form = dict(httpx.QueryParams(request.content.decode()))
        if request.headers.get("authorization") != f"Basic {expected}":
            return httpx.Response(
                401,
                json={
                    "error": "unauthorized_client",
                    "error_description": "Invalid client or Invalid client credentials",
                },
            )
        if form.get("grant_type") != "client_credentials":
            return httpx.Response(400, json={"error": "unsupported_grant_type"})
        with self._lock:
            token = f"{TOKEN_PREFIX}{next(self._ids)}"
            self._valid_tokens.add(token)
        return httpx.Response(
            200,
            json={"access_token": token, "token_type": "Bearer", "expires_in": self.token_lifetime},
        )

    def _api(self, request: httpx.Request) -> httpx.Response:
        parts = request.url.path.strip("/").split("/")
        if request.method == "POST" and parts == ["payments"]:
            body = wire.loads(request.content)
            payment_id = f"pay_{next(self._ids)}"
            payment = {
                "id": payment_id,
                "state": "pending",
                "amount": body["amount"],
                "currency": body["currency"],
                "external_id": body["external_id"],
                "redirect_url": f"{GATEWAY_URL}/pay/{payment_id}",
            }
            self.payments[payment_id] = payment
            return _json(201, payment)
        if len(parts) < 2 or parts[0] != "payments":
            return _json(404, {"code": "no_route", "message": "no such endpoint"})
        existing = self.payments.get(parts[1])
        if existing is None:
            return _json(404, {"code": "not_found", "message": "no such payment"})
        if request.method == "GET" and len(parts) == 2:
            return _json(200, existing)
        action = parts[2] if len(parts) == 3 else ""
        if request.method == "POST" and action in ("refunds", "capture", "cancel"):
            return _json(201, {"id": f"op_{next(self._ids)}", "state": "succeeded"})
        return _json(404, {"code": "no_route", "message": "no such endpoint"})


def _json(status: int, payload: Any) -> httpx.Response:
    return httpx.Response(
        status, content=wire.dumps(payload), headers={"Content-Type": "application/json"}
    )


def _apply(fault: Fault, request: httpx.Request) -> httpx.Response:
    if isinstance(fault, Exception):
        raise fault
    if isinstance(fault, int):
        return httpx.Response(fault, json={"code": f"http_{fault}", "message": "fault"})
    if isinstance(fault, httpx.Response):
        return fault
    return fault(request)


# -- fake time -----------------------------------------------------------------------------


@dataclass
class FakeClock:
    """A monotonic clock that only moves when something sleeps on it."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)

    def advance(self, seconds: float) -> None:
        self.now += seconds


# -- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def gateway() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def registry() -> ProviderRegistry:
    """A registry that knows the test provider, registered at run time."""
    reg = ProviderRegistry()
    reg.register(HttpTestProvider)
    return reg


@pytest.fixture
def settings() -> dict[str, Any]:
    return {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}


@pytest.fixture
def http_client(gateway: FakeGateway) -> Iterator[httpx.Client]:
    with httpx.Client(transport=httpx.MockTransport(gateway.handle)) as client:
        yield client


@pytest.fixture
async def async_http_client(gateway: FakeGateway) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(gateway.ahandle)) as client:
        yield client


@pytest.fixture
def payments(
    registry: ProviderRegistry,
    http_client: httpx.Client,
    clock: FakeClock,
    settings: dict[str, Any],
) -> Iterator[Payments]:
    """Sync facade over the test provider; back-off sleeps go to the fake clock."""
    with Payments(
        "httpgw",
        registry=registry,
        http_client=http_client,
        sleep=clock.sleep,
        autoload_plugins=False,
        **settings,
    ) as facade:
        yield facade


@pytest.fixture
async def async_payments(
    registry: ProviderRegistry,
    async_http_client: httpx.AsyncClient,
    clock: FakeClock,
    settings: dict[str, Any],
) -> AsyncIterator[AsyncPayments]:
    async with AsyncPayments(
        "httpgw",
        registry=registry,
        http_client=async_http_client,
        sleep=clock.asleep,
        autoload_plugins=False,
        **settings,
    ) as facade:
        yield facade


def make_request(**overrides: Any) -> PaymentRequest:
    """A valid request for 12.50 GEL (one item); override any field."""
    values: dict[str, Any] = {
        "external_id": "order-1001",
        "amount": Money("12.50", "GEL"),
        "items": [LineItem(product_id="sku-1", quantity=1, unit_price=Money("12.50", "GEL"))],
        "callback_url": "https://shop.test/payments/callback",
    }
    values.update(overrides)
    return PaymentRequest(**values)


@pytest.fixture
def payment_request() -> PaymentRequest:
    return make_request()


# -- temporary distributions on sys.path ------------------------------------------------------


@dataclass
class TempDistributions:
    """Writes ``*.dist-info`` directories and modules into a directory on ``sys.path``."""

    root: Path

    def module(self, stem: str, source: str) -> str:
        """Write a module with a name unique to this test; return its import name."""
        name = f"{stem}_{uuid.uuid4().hex[:12]}"
        (self.root / f"{name}.py").write_text(source)
        return name

    def distribution(self, name: str, entry_points: Mapping[str, Mapping[str, str]]) -> None:
        info = self.root / f"{name.replace('-', '_')}-0.1.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
        sections = []
        for group, entries in entry_points.items():
            lines = [f"[{group}]", *(f"{key} = {value}" for key, value in entries.items())]
            sections.append("\n".join(lines))
        (info / "entry_points.txt").write_text("\n\n".join(sections) + "\n")


@pytest.fixture
def temp_dists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TempDistributions:
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    return TempDistributions(root)


def body_of(seen: Seen) -> dict[str, Any]:
    data = json.loads(seen.content)
    assert isinstance(data, dict)
    return data


def election_gate(
    auth: OAuth2ClientCredentials, callers: int, monkeypatch: Any
) -> Callable[[], None]:
    """A gate for a token endpoint (sync): it returns once ``callers`` callers have asked
    ``auth`` for a token (the leader and every follower), so a herd is deterministic."""
    joined = threading.Semaphore(0)
    elect = auth._elect

    def counting_elect(*, asynchronous: bool) -> Any:
        result = elect(asynchronous=asynchronous)
        joined.release()
        return result

    monkeypatch.setattr(auth, "_elect", counting_elect)

    def gate() -> None:
        for _ in range(callers):
            assert joined.acquire(timeout=30), "not every caller reached the token election"

    return gate


def async_election_gate(
    auth: OAuth2ClientCredentials, callers: int, monkeypatch: Any
) -> Callable[[], Awaitable[None]]:
    """The async form of :func:`election_gate`: awaiting it yields to the event loop
    until ``callers`` tasks have asked ``auth`` for a token, instead of a sleep that is
    hoped to be long enough for them all to arrive."""
    joined = 0
    everyone = asyncio.Event()
    elect = auth._elect

    def counting_elect(*, asynchronous: bool) -> Any:
        nonlocal joined
        result = elect(asynchronous=asynchronous)
        joined += 1
        if joined >= callers:
            everyone.set()
        return result

    monkeypatch.setattr(auth, "_elect", counting_elect)

    async def gate() -> None:
        try:
            await asyncio.wait_for(everyone.wait(), 30)
        except TimeoutError:
            raise AssertionError(
                f"only {joined} of {callers} callers reached the token election"
            ) from None

    return gate


def hold_tokens_until_every_caller_waits(
    gateway: FakeGateway, auth: OAuth2ClientCredentials, callers: int, monkeypatch: Any
) -> None:
    """Make a thread herd deterministic: the token answer waits until all ``callers``
    have asked the auth for a token (the leader and every follower)."""
    gateway.token_gate = election_gate(auth, callers, monkeypatch)


def hold_async_tokens_until_every_caller_waits(
    gateway: FakeGateway, auth: OAuth2ClientCredentials, callers: int, monkeypatch: Any
) -> None:
    """Make a task herd deterministic: the token answer waits (without blocking the
    loop) until all ``callers`` tasks have asked the auth for a token."""
    gateway.async_token_gate = async_election_gate(auth, callers, monkeypatch)
