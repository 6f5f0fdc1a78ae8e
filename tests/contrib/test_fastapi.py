"""``payments_core.contrib.fastapi``: the callback endpoint as a router, end to end.

The dummy provider plays a gateway with signed callbacks (``webhook_for`` builds a
genuine one); the TBC emulator, on loopback, one whose unsigned callbacks are verified
by reading the payment back. Requests reach the app in process through
``httpx.ASGITransport`` (caller 127.0.0.1), and once through FastAPI's ``TestClient``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import threading
import uuid
import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from payments_tbc.demo import sandbox_settings
from payments_tbc.sandbox import Fault, TbcSandbox

from payments_core import (
    AsyncPayments,
    ConfigurationError,
    LineItem,
    Money,
    Payment,
    PaymentRequest,
    Payments,
    PaymentStatus,
    WebhookEvent,
)
from payments_core.contrib.fastapi import (
    ROUTE_NAME,
    Gateways,
    MemoryWebhookStateStore,
    WebhookStateStore,
    webhook_router,
)

SECRET = "whsec-fastapi-test-5d1c9e77"  # the dummy's webhook key in these tests
SHOP = "https://shop.example"
Callback = tuple[dict[str, str], bytes]


def _config(secret: str = SECRET) -> dict[str, Any]:
    return {
        "provider": "dummy",
        "store": f"fastapi-{uuid.uuid4().hex}",
        "webhook_secret": secret,
    }


def _request(number: str = "order-1") -> PaymentRequest:
    return PaymentRequest(
        external_id=number,
        amount=Money("25.00", "GEL"),
        items=[LineItem(product_id="tea", quantity=2, unit_price=Money("12.50", "GEL"))],
        callback_url=f"{SHOP}/payments/webhooks/default",
        success_url=f"{SHOP}/orders/{number}",
    )


@dataclass
class Recorder:
    """The application's ``on_update``: records each call, fails on demand."""

    calls: list[tuple[Payment, WebhookEvent]] = field(default_factory=list)
    fail_next: int = 0
    delay: float = 0.0

    async def __call__(self, payment: Payment, event: WebhookEvent) -> None:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail_next:
            self.fail_next -= 1
            raise RuntimeError("database down: postgres://shop:hunter2@db/shop")
        self.calls.append((payment, event))

    @property
    def statuses(self) -> list[PaymentStatus]:
        return [payment.status for payment, _ in self.calls]


@dataclass
class Shop:
    app: FastAPI
    client: httpx.AsyncClient
    gateways: Gateways
    on_update: Recorder

    @property
    def payments(self) -> AsyncPayments:
        return self.gateways.default

    @property
    def dummy(self) -> Any:
        return self.payments.provider

    async def paid_payment(self) -> tuple[Payment, Callback]:
        payment = await self.payments.create_payment(_request())
        self.dummy.complete(payment.id)
        return payment, self.dummy.webhook_for(payment.id)

    async def deliver(self, callback: Callback, gateway: str = "default") -> httpx.Response:
        headers, body = callback
        return await self.client.post(
            f"/payments/webhooks/{gateway}", content=body, headers=headers
        )


@asynccontextmanager
async def _shop(journal: str | None = None, **router_options: Any) -> AsyncIterator[Shop]:
    config = _config() if journal is None else {**_config(), "journal": journal}
    gateways = Gateways(config, autoload_plugins=False)
    on_update = router_options.pop("on_update", None) or Recorder()
    app = FastAPI(lifespan=gateways.lifespan)
    app.include_router(
        webhook_router(gateways, on_update=on_update, prefix="/payments", **router_options)
    )
    transport = httpx.ASGITransport(app=app)
    async with gateways, httpx.AsyncClient(transport=transport, base_url=SHOP) as client:
        yield Shop(app, client, gateways, on_update)


@pytest.fixture(params=["store", "journal"])
async def shop(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Shop]:
    """The endpoint over its webhook state store, and over a gateway with a journal
    (which then dedupes and orders, and forgets a delivery the application failed)."""
    journal = f"sqlite:///{tmp_path / 'journal.db'}" if request.param == "journal" else None
    async with _shop(journal) as running:
        yield running


# -- the rules of the callbacks guide ------------------------------------------------------


async def test_a_genuine_callback_is_applied_once_and_its_redelivery_is_a_duplicate(shop: Shop):
    payment, paid = await shop.paid_payment()

    first = await shop.deliver(paid)
    again = await shop.deliver(paid)

    assert (first.status_code, first.json()) == (200, {"result": "applied"})
    assert (again.status_code, again.json()) == (200, {"result": "duplicate"})
    assert shop.on_update.statuses == [PaymentStatus.CAPTURED]
    applied, event = shop.on_update.calls[0]
    assert applied.id == payment.id
    assert event.payment == applied


async def test_an_older_state_after_a_newer_one_is_stale(shop: Shop):
    payment = await shop.payments.create_payment(_request())
    pending = shop.dummy.webhook_for(payment.id)  # delayed: it will arrive last
    shop.dummy.complete(payment.id)
    paid = shop.dummy.webhook_for(payment.id)

    assert (await shop.deliver(paid)).json() == {"result": "applied"}
    late = await shop.deliver(pending)

    assert (late.status_code, late.json()) == (200, {"result": "stale"})
    assert (await shop.deliver(pending)).json() == {"result": "duplicate"}
    assert shop.on_update.statuses == [PaymentStatus.CAPTURED]


async def test_each_newer_state_is_applied_in_turn(shop: Shop):
    payment = await shop.payments.create_payment(_request())
    assert (await shop.deliver(shop.dummy.webhook_for(payment.id))).json()["result"] == "applied"
    shop.dummy.complete(payment.id)
    assert (await shop.deliver(shop.dummy.webhook_for(payment.id))).json()["result"] == "applied"
    await shop.payments.refund(payment.id)
    assert (await shop.deliver(shop.dummy.webhook_for(payment.id))).json()["result"] == "applied"

    assert shop.on_update.statuses == [
        PaymentStatus.PENDING,
        PaymentStatus.CAPTURED,
        PaymentStatus.REFUNDED,
    ]


async def test_a_forged_signature_is_refused_with_its_code(shop: Shop):
    _, (headers, body) = await shop.paid_payment()
    forged = body.replace(b'"captured"', b'"refunded"')

    tampered = await shop.deliver((headers, forged))
    unsigned = await shop.deliver(({"Content-Type": "application/json"}, body))

    assert (tampered.status_code, tampered.json()) == (400, {"error": "webhook_signature_invalid"})
    assert (unsigned.status_code, unsigned.json()) == (400, {"error": "webhook_signature_invalid"})
    assert shop.on_update.calls == []


@pytest.mark.parametrize("body", [b"", b"not json", b"{}", b'{"id": "e1", "payment": 5}'])
async def test_a_signed_but_malformed_callback_is_refused(shop: Shop, body: bytes):
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()

    answer = await shop.deliver(({"X-Dummy-Signature": signature}, body))

    assert (answer.status_code, answer.json()) == (400, {"error": "webhook_malformed"})
    assert shop.on_update.calls == []


async def test_an_unknown_gateway_is_404(shop: Shop):
    _, paid = await shop.paid_payment()

    answer = await shop.deliver(paid, gateway="nosuchgateway")

    assert (answer.status_code, answer.json()) == (404, {"error": "unknown_gateway"})
    assert shop.on_update.calls == []


async def test_when_on_update_raises_the_answer_is_500_and_a_redelivery_is_applied(shop: Shop):
    _, paid = await shop.paid_payment()
    shop.on_update.fail_next = 1

    failed = await shop.deliver(paid)
    retried = await shop.deliver(paid)  # the gateway's retry: the same bytes

    assert (failed.status_code, failed.json()) == (500, {"error": "update_failed"})
    assert (retried.status_code, retried.json()) == (200, {"result": "applied"})
    assert shop.on_update.statuses == [PaymentStatus.CAPTURED]
    assert (await shop.deliver(paid)).json() == {"result": "duplicate"}


async def test_a_body_over_the_limit_is_refused_unread() -> None:
    async with _shop(max_body_bytes=64) as shop:
        _, (headers, body) = await shop.paid_payment()
        assert len(body) > 64

        answer = await shop.deliver((headers, body))

        assert (answer.status_code, answer.json()) == (413, {"error": "body_too_large"})
        assert shop.on_update.calls == []


async def test_nothing_answered_or_logged_carries_the_secret_or_exception_text(
    shop: Shop, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    payment, paid = await shop.paid_payment()
    headers, body = paid
    shop.on_update.fail_next = 1
    answers = [
        await shop.deliver(paid),  # on_update fails
        await shop.deliver(paid),  # applied
        await shop.deliver(paid),  # duplicate
        await shop.deliver((headers, body + b" ")),  # forged
        await shop.deliver(({"X-Dummy-Signature": "sha256=00"}, b"{}")),  # forged
        await shop.deliver(paid, gateway="other"),  # unknown gateway
    ]

    assert [a.status_code for a in answers] == [500, 200, 200, 400, 400, 404]
    for answer in answers:
        assert SECRET not in answer.text
        assert "hunter2" not in answer.text
        assert "database down" not in answer.text
        assert set(answer.json()) <= {"result", "error"}
    assert caplog.records, "the router and the facade log what they do"
    assert SECRET not in caplog.text
    assert any(payment.id in record.getMessage() for record in caplog.records)


# -- concurrency and the state store -------------------------------------------------------


async def test_the_same_callback_delivered_twice_at_once_is_applied_once() -> None:
    async with _shop(on_update=Recorder(delay=0.05)) as shop:
        _, paid = await shop.paid_payment()

        answers = await asyncio.gather(shop.deliver(paid), shop.deliver(paid))

        assert sorted(a.json()["result"] for a in answers) == ["applied", "duplicate"]
        assert shop.on_update.statuses == [PaymentStatus.CAPTURED]


async def test_callbacks_about_different_payments_are_handled_in_parallel() -> None:
    gate = asyncio.Event()
    entered: list[str] = []

    async def on_update(payment: Payment, event: WebhookEvent) -> None:
        entered.append(payment.id)
        if len(entered) == 2:
            gate.set()
        await asyncio.wait_for(gate.wait(), timeout=5)

    async with _shop(on_update=on_update) as shop:
        (_, first), (_, second) = await shop.paid_payment(), await shop.paid_payment()

        answers = await asyncio.gather(shop.deliver(first), shop.deliver(second))

        assert [a.json() for a in answers] == [{"result": "applied"}] * 2


async def test_a_plain_function_on_update_runs_off_the_event_loop() -> None:
    threads: list[int] = []

    def on_update(payment: Payment, event: WebhookEvent) -> None:
        threads.append(threading.get_ident())

    async with _shop(on_update=on_update) as shop:
        _, paid = await shop.paid_payment()
        assert (await shop.deliver(paid)).json() == {"result": "applied"}
        assert (await shop.deliver(paid)).json() == {"result": "duplicate"}

    assert len(threads) == 1
    assert threads[0] != threading.get_ident()


async def test_without_on_update_callbacks_are_still_deduplicated_and_ordered() -> None:
    gateways = Gateways(_config(), autoload_plugins=False)
    app = FastAPI()
    app.include_router(webhook_router(gateways))
    async with gateways, httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
        payment = await gateways.default.create_payment(_request())
        dummy: Any = gateways.default.provider
        pending = dummy.webhook_for(payment.id)
        dummy.complete(payment.id)
        headers, body = dummy.webhook_for(payment.id)
        url = "http://shop/webhooks/default"
        assert (await client.post(url, content=body, headers=headers)).json()["result"] == "applied"
        assert (await client.post(url, content=body, headers=headers)).json()["result"] == (
            "duplicate"
        )
        headers, body = pending
        assert (await client.post(url, content=body, headers=headers)).json()["result"] == "stale"


class SerializingStore:
    """A store the way a Redis one would be written: strings in, strings out."""

    def __init__(self) -> None:
        self.data: dict[str, str] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def lock(self, gateway: str, payment_id: str) -> AbstractAsyncContextManager[object]:
        return self._locks.setdefault(f"lock:{gateway}:{payment_id}", asyncio.Lock())

    async def seen(self, gateway: str, event_id: str) -> bool:
        return f"event:{gateway}:{event_id}" in self.data

    async def last(self, gateway: str, payment_id: str) -> Payment | None:
        raw = self.data.get(f"payment:{gateway}:{payment_id}")
        return None if raw is None else Payment.model_validate_json(raw)

    async def remember(self, gateway: str, event_id: str, payment: Payment | None) -> None:
        self.data[f"event:{gateway}:{event_id}"] = "1"
        if payment is not None:
            self.data[f"payment:{gateway}:{payment.id}"] = payment.model_dump_json()


async def test_workers_sharing_a_store_apply_a_callback_once() -> None:
    """Two apps stand for two worker processes; only a shared store keeps them in step."""
    store = SerializingStore()
    assert isinstance(store, WebhookStateStore)
    gateways = Gateways(_config(), autoload_plugins=False)
    updates = Recorder()
    clients = []
    for _ in range(2):
        app = FastAPI()
        app.include_router(webhook_router(gateways, on_update=updates, store=store))
        clients.append(httpx.AsyncClient(transport=httpx.ASGITransport(app=app)))
    async with gateways, clients[0] as one, clients[1] as other:
        payment = await gateways.default.create_payment(_request())
        dummy: Any = gateways.default.provider
        pending = dummy.webhook_for(payment.id)
        dummy.complete(payment.id)
        headers, body = dummy.webhook_for(payment.id)
        url = "http://shop/webhooks/default"

        assert (await one.post(url, content=body, headers=headers)).json()["result"] == "applied"
        assert (await other.post(url, content=body, headers=headers)).json()["result"] == (
            "duplicate"
        )
        headers, body = pending
        assert (await other.post(url, content=body, headers=headers)).json()["result"] == "stale"

    assert updates.statuses == [PaymentStatus.CAPTURED]
    assert f"payment:default:{payment.id}" in store.data


def _payment(number: int, status: PaymentStatus = PaymentStatus.PENDING) -> Payment:
    return Payment(id=f"p{number}", provider="dummy", status=status, amount=Money("1", "GEL"))


async def test_the_memory_store_is_bounded_and_forgets_the_least_recently_used() -> None:
    store = MemoryWebhookStateStore(max_payments=2, max_events=3)
    for number in range(3):
        await store.remember("gw", f"e{number}", _payment(number))
    assert await store.last("gw", "p0") is None  # the oldest went first
    assert await store.last("gw", "p1") is not None
    await store.remember("gw", "e3", _payment(3))  # p2 is now the least recently used
    assert await store.last("gw", "p2") is None
    assert await store.last("gw", "p1") is not None
    assert not await store.seen("gw", "e0")
    assert await store.seen("gw", "e3")
    assert not await store.seen("other", "e3")  # per gateway
    with pytest.raises(ValueError, match="at least 1"):
        MemoryWebhookStateStore(max_events=0)


async def test_the_memory_store_keeps_no_lock_once_nobody_holds_it() -> None:
    store = MemoryWebhookStateStore()
    order: list[str] = []

    async def hold(name: str) -> None:
        async with store.lock("gw", "p1"):
            order.append(f"{name} in")
            await asyncio.sleep(0.01)
            order.append(f"{name} out")

    await asyncio.gather(hold("a"), hold("b"))

    assert order == ["a in", "a out", "b in", "b out"]
    assert store._locks == {}


# -- what the router accepts -----------------------------------------------------------------


async def test_one_facade_is_reached_by_its_name() -> None:
    config = _config()
    async with AsyncPayments(config.pop("provider"), name="shop", **config) as payments:
        app = FastAPI()
        app.include_router(webhook_router(payments))
        payment = await payments.create_payment(_request())
        dummy: Any = payments.provider
        dummy.complete(payment.id)
        headers, body = dummy.webhook_for(payment.id)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
            path = app.url_path_for(ROUTE_NAME, gateway="shop")
            answer = await client.post(f"http://shop{path}", content=body, headers=headers)
            default = await client.post("http://shop/webhooks/default", content=body)

    assert path == "/webhooks/shop"
    assert answer.json() == {"result": "applied"}
    assert default.status_code == 404


async def test_each_gateway_of_a_mapping_verifies_its_own_callbacks() -> None:
    first, second = _config("secret-one"), _config("secret-two")
    async with (
        AsyncPayments(first.pop("provider"), name="one", **first) as one,
        AsyncPayments(second.pop("provider"), name="two", **second) as two,
    ):
        app = FastAPI()
        app.include_router(webhook_router({"one": one, "two": two}))
        payment = await two.create_payment(_request())
        headers, body = two.provider.webhook_for(payment.id)  # type: ignore[attr-defined]
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
            wrong = await client.post("http://shop/webhooks/one", content=body, headers=headers)
            right = await client.post("http://shop/webhooks/two", content=body, headers=headers)

    assert (wrong.status_code, wrong.json()) == (400, {"error": "webhook_signature_invalid"})
    assert right.json() == {"result": "applied"}


@pytest.fixture
def closed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the facades closed, in order."""
    names: list[str] = []
    real = AsyncPayments.aclose

    async def aclose(self: AsyncPayments) -> None:
        names.append(self.name)
        await real(self)

    monkeypatch.setattr(AsyncPayments, "aclose", aclose)
    return names


@pytest.fixture
def test_client() -> Callable[[FastAPI], Any]:
    """FastAPI's sync TestClient (Starlette 1.x warns that it prefers httpx2 over httpx)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    return TestClient


def test_a_router_built_from_configuration_opens_and_closes_its_gateways_with_the_app(
    closed: list[str], test_client: Callable[[FastAPI], Any]
) -> None:
    config = _config()
    config = {"default": "main", "gateways": {"main": config, "spare": {"provider": "dummy"}}}
    updates = Recorder()
    app = FastAPI()
    app.include_router(webhook_router(config, on_update=updates))

    with Payments("dummy", store=config["gateways"]["main"]["store"], webhook_secret=SECRET) as gw:
        payment = gw.create_payment(_request())
        gw.provider.complete(payment.id)  # type: ignore[attr-defined]
        headers, body = gw.provider.webhook_for(payment.id)  # type: ignore[attr-defined]

    with test_client(app) as client:
        assert closed == []
        answer = client.post("/webhooks/main", content=body, headers=headers)
        assert (answer.status_code, answer.json()) == (200, {"result": "applied"})
        assert client.post("/webhooks/main", content=body, headers=headers).json() == {
            "result": "duplicate"
        }
        assert client.post("/webhooks/nope", content=body, headers=headers).status_code == 404

    assert sorted(closed) == ["main", "spare"]
    assert updates.statuses == [PaymentStatus.CAPTURED]


async def test_gateways_build_lazily_close_and_build_afresh(closed: list[str]) -> None:
    gateways = Gateways({"gateways": {"a": {"provider": "dummy"}, "b": {"provider": "dummy"}}})
    assert list(gateways) == ["a", "b"]
    assert "a" in gateways
    assert "c" not in gateways
    assert gateways.default_name == "a"
    first = gateways.default
    assert gateways["a"] is first
    await gateways.aclose()
    assert closed == ["a"]  # only what was built
    async with gateways:
        assert gateways["a"] is not first
    assert sorted(closed) == ["a", "a", "b"]
    with pytest.raises(KeyError):
        gateways["c"]


async def test_a_gateway_whose_settings_do_not_build_fails_at_start_and_answers_503() -> None:
    gateways = Gateways({"gateways": {"ok": {"provider": "dummy"}, "bad": {"provider": "tbc"}}})
    with pytest.raises(ConfigurationError):
        await gateways.open()
    app = FastAPI()
    app.include_router(webhook_router(gateways))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
        answer = await client.post("http://shop/webhooks/bad", content=b"{}")
    assert answer.status_code == 503
    assert set(answer.json()) == {"error"}


def test_a_malformed_configuration_fails_when_the_router_is_built() -> None:
    with pytest.raises(ConfigurationError, match="provider"):
        webhook_router({"gateways": {"main": {"client_id": "1"}}})


@pytest.mark.parametrize(
    ("payments", "message"),
    [
        (Payments("dummy", autoload_plugins=False), "needs AsyncPayments"),
        ({"a": Payments("dummy", autoload_plugins=False)}, "AsyncPayments"),
        ({"a": AsyncPayments("dummy", autoload_plugins=False), "b": "dummy"}, "'b'"),
        (["dummy"], "not list"),
    ],
)
def test_what_is_not_async_facades_or_configuration_is_refused(payments: Any, message: str):
    with pytest.raises(ConfigurationError, match=message):
        webhook_router(payments)


@pytest.mark.parametrize(
    "options",
    [
        {"on_update": "mark_paid"},
        {"store": MemoryWebhookStateStore},
        {"store": {}},
        {"max_body_bytes": 0},
        {"max_body_bytes": True},
    ],
)
def test_bad_router_options_are_refused(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        webhook_router(AsyncPayments("dummy", autoload_plugins=False), **options)


def test_the_route_is_described_in_the_openapi_schema() -> None:
    app = FastAPI()
    app.include_router(webhook_router(AsyncPayments("dummy", autoload_plugins=False)))
    operation = app.openapi()["paths"]["/webhooks/{gateway}"]["post"]
    assert set(operation["responses"]) >= {"200", "400", "404", "500", "503"}
    assert "requestBody" not in operation  # the raw body, never a parsed model


def test_the_rest_of_payments_core_does_not_import_fastapi() -> None:
    import subprocess
    import sys

    code = (
        "import sys, payments_core, payments_core.contrib, payments_core.cli, "
        "payments_core.testing\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('fastapi', 'starlette'))\n"
        "print(bad)"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert found.strip() == "[]"


# -- a gateway verified by reading the payment back (TBC, on loopback) ---------------------


class LateASGITransport(httpx.AsyncBaseTransport):
    """Carries the emulator's callbacks into the app, which is built after the emulator."""

    def __init__(self) -> None:
        self.app: FastAPI | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert self.app is not None
        return await httpx.ASGITransport(app=self.app).handle_async_request(request)


@pytest.fixture
def tbc() -> Iterator[tuple[TbcSandbox, str, LateASGITransport]]:
    late = LateASGITransport()
    sandbox = TbcSandbox(callback_transport=late, callback_backoff=0.01)
    with sandbox.serve() as url:
        yield sandbox, url, late


async def test_a_read_back_callback_from_tbc_is_applied_and_503_while_tbc_is_down(
    tbc: tuple[TbcSandbox, str, LateASGITransport], caplog: pytest.LogCaptureFixture
):
    sandbox, url, late = tbc
    caplog.set_level(logging.DEBUG)
    settings = {**sandbox_settings(sandbox, url), "max_retries": 0}
    gateways = Gateways({"gateways": {"tbc": {"provider": "tbc", **settings}}})
    updates = Recorder(fail_next=1)
    app = FastAPI(lifespan=gateways.lifespan)
    app.include_router(webhook_router(gateways, on_update=updates, prefix="/payments"))
    late.app = app
    callback_url = f"http://127.0.0.1:8000{app.url_path_for(ROUTE_NAME, gateway='tbc')}"
    transport = httpx.ASGITransport(app=app)  # the caller is 127.0.0.1, as TBC's settings allow
    async with gateways, httpx.AsyncClient(transport=transport, base_url=SHOP) as client:
        request = _request().model_copy(update={"callback_url": callback_url})
        payment = await gateways["tbc"].create_payment(request)

        await sandbox.pay(payment.id)  # TBC calls back; the first answer is 500, its retry 200

        assert [d.status_code for d in sandbox.callbacks] == [500, 200]
        assert updates.statuses == [PaymentStatus.CAPTURED]

        body = json.dumps({"PaymentId": payment.id}).encode()
        again = await client.post("/payments/webhooks/tbc", content=body)
        assert again.json() == {"result": "duplicate"}  # same state read back, same event id

        sandbox.add_fault(Fault("get_payment", "error", times=None))
        down = await client.post("/payments/webhooks/tbc", content=body)
        assert (down.status_code, down.json()) == (503, {"error": "provider_unavailable"})

        sandbox.clear_faults()
        forged = json.dumps({"PaymentId": "nosuchpayment12345"}).encode()
        refused = await client.post("/payments/webhooks/tbc", content=forged)
        assert refused.status_code == 400
        assert refused.json() == {"error": "webhook_signature_invalid"}

    assert updates.statuses == [PaymentStatus.CAPTURED]
    for secret in (sandbox.client_secret, sandbox.api_key):
        assert secret not in caplog.text
