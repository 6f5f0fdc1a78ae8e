"""Specification of the idempotency store and of how the facades use it.

The first part pins :class:`MemoryIdempotencyStore` (and the
:class:`IdempotencyStore` protocol it implements) and
:func:`check_idempotency_key`; the second drives the dummy provider through
``Payments`` and ``AsyncPayments`` to pin what a caller sees.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import pytest
from payments_dummy import DummyProvider

from payments_core import (
    AsyncPayments,
    ConfigurationError,
    ErrorCode,
    InvalidRequestError,
    LineItem,
    Money,
    Operation,
    PaymentRequest,
    Payments,
    PaymentStatus,
)
from payments_core.idempotency import (
    Claim,
    ClaimState,
    Fingerprint,
    IdempotencyStore,
    MemoryIdempotencyStore,
    check_idempotency_key,
    mint_key,
)
from payments_core.provider import SentRequest

GW = "default"
KEY = "key-1"
REFUND = Fingerprint("refund", "pay_1", "5.00 GEL")
SENT = SentRequest(
    method="POST",
    url="https://gateway.test/payments/pay_1/refunds",
    headers=(("idempotency-key", KEY),),
    content=b'{"amount":"5.00"}',
)


def gel(amount: str) -> Money:
    return Money(amount, "GEL")


# -- MemoryIdempotencyStore ------------------------------------------------------------------


def test_memory_store_implements_the_protocol() -> None:
    assert isinstance(MemoryIdempotencyStore(), IdempotencyStore)


def test_first_claim_is_new() -> None:
    store = MemoryIdempotencyStore()
    assert store.claim(GW, KEY, REFUND) == Claim(ClaimState.NEW)


def test_second_claim_while_the_first_runs_is_in_flight() -> None:
    store = MemoryIdempotencyStore()
    store.claim(GW, KEY, REFUND)
    assert store.claim(GW, KEY, REFUND) == Claim(ClaimState.IN_FLIGHT)


def test_claim_after_success_returns_the_recorded_outcome() -> None:
    store = MemoryIdempotencyStore()
    outcome = object()
    store.claim(GW, KEY, REFUND)
    store.succeeded(GW, KEY, outcome)
    claim = store.claim(GW, KEY, REFUND)
    assert claim.state is ClaimState.SUCCEEDED
    assert claim.outcome is outcome


@pytest.mark.parametrize(
    ("other", "differs"),
    [
        (Fingerprint("capture", "pay_1", "5.00 GEL"), "operation"),
        (Fingerprint("refund", "pay_2", "5.00 GEL"), "payment_id"),
        (Fingerprint("refund", "pay_1", "7.00 GEL"), "amount"),
        (Fingerprint("refund", "pay_1", "5.00 GEL", digest="ab12"), "digest"),
        (Fingerprint("refund", "pay_2", None), "payment_id, amount"),
    ],
    ids=["operation", "payment_id", "amount", "digest", "two-parts"],
)
def test_same_key_with_another_fingerprint_is_a_conflict_naming_what_differs(
    other: Fingerprint, differs: str
) -> None:
    store = MemoryIdempotencyStore()
    store.claim(GW, KEY, REFUND)
    store.succeeded(GW, KEY, "outcome")
    with pytest.raises(InvalidRequestError) as caught:
        store.claim(GW, KEY, other)
    error = caught.value
    assert error.code is ErrorCode.IDEMPOTENCY_CONFLICT
    assert error.field == "idempotency_key"
    assert f"idempotency key {KEY!r} was already used for a refund" in error.message
    assert f"different parameters ({differs});" in error.message


def test_conflict_leaves_the_recorded_claim_in_place() -> None:
    store = MemoryIdempotencyStore()
    store.claim(GW, KEY, REFUND)
    store.succeeded(GW, KEY, "outcome")
    with pytest.raises(InvalidRequestError, match=r"different parameters \(amount\)") as caught:
        store.claim(GW, KEY, Fingerprint("refund", "pay_1", "7.00 GEL"))
    assert caught.value.code is ErrorCode.IDEMPOTENCY_CONFLICT
    assert store.claim(GW, KEY, REFUND) == Claim(ClaimState.SUCCEEDED, outcome="outcome")


def test_claim_after_an_unknown_outcome_returns_the_request_sent() -> None:
    store = MemoryIdempotencyStore()
    store.claim(GW, KEY, REFUND)
    store.sending(GW, KEY, SENT)
    store.unknown(GW, KEY)
    assert store.claim(GW, KEY, REFUND) == Claim(ClaimState.UNKNOWN, sent=SENT)


def test_claim_after_an_unknown_outcome_holds_the_key_again() -> None:
    store = MemoryIdempotencyStore()
    store.claim(GW, KEY, REFUND)
    store.unknown(GW, KEY)
    store.claim(GW, KEY, REFUND)
    assert store.claim(GW, KEY, REFUND) == Claim(ClaimState.IN_FLIGHT)


def test_unknown_outcome_keeps_the_first_request_sent() -> None:
    store = MemoryIdempotencyStore()
    store.claim(GW, KEY, REFUND)
    store.sending(GW, KEY, SENT)
    store.sending(GW, KEY, SentRequest("POST", SENT.url, (), b"{}"))
    store.unknown(GW, KEY)
    assert store.claim(GW, KEY, REFUND).sent == SENT


def test_release_forgets_the_key() -> None:
    store = MemoryIdempotencyStore()
    store.claim(GW, KEY, REFUND)
    store.release(GW, KEY)
    assert len(store) == 0
    assert store.claim(GW, KEY, Fingerprint("capture", "pay_9")) == Claim(ClaimState.NEW)


def test_keys_of_two_gateways_are_independent() -> None:
    store = MemoryIdempotencyStore()
    store.claim("shop-ge", KEY, REFUND)
    store.succeeded("shop-ge", KEY, "outcome")
    other = Fingerprint("capture", "pay_9", "1.00 GEL")
    assert store.claim("shop-eu", KEY, other) == Claim(ClaimState.NEW)
    assert store.claim("shop-ge", KEY, REFUND) == Claim(ClaimState.SUCCEEDED, outcome="outcome")


def _succeed(store: MemoryIdempotencyStore, key: str) -> None:
    assert store.claim(GW, key, REFUND).state is ClaimState.NEW
    store.succeeded(GW, key, f"outcome-{key}")


def test_beyond_the_limit_the_oldest_succeeded_key_goes_first() -> None:
    store = MemoryIdempotencyStore(limit=2)
    _succeed(store, "k1")
    _succeed(store, "k2")
    _succeed(store, "k3")
    assert len(store) == 2
    assert store.claim(GW, "k3", REFUND) == Claim(ClaimState.SUCCEEDED, outcome="outcome-k3")
    assert store.claim(GW, "k2", REFUND) == Claim(ClaimState.SUCCEEDED, outcome="outcome-k2")
    assert store.claim(GW, "k1", REFUND) == Claim(ClaimState.NEW)


def test_beyond_the_limit_an_older_in_flight_key_stays_and_a_succeeded_one_goes() -> None:
    store = MemoryIdempotencyStore(limit=1)
    store.claim(GW, "k1", REFUND)
    _succeed(store, "k2")
    _succeed(store, "k3")
    assert len(store) == 2
    assert store.claim(GW, "k1", REFUND) == Claim(ClaimState.IN_FLIGHT)
    assert store.claim(GW, "k2", REFUND) == Claim(ClaimState.NEW)


def test_many_keys_past_the_limit_are_trimmed_in_constant_time_each() -> None:
    store = MemoryIdempotencyStore(limit=100)
    for number in range(20_000):
        _succeed(store, f"k{number}")
    assert len(store) == 100
    assert store.claim(GW, "k19999", REFUND).state is ClaimState.SUCCEEDED


def test_in_flight_and_unknown_keys_are_never_dropped_beyond_the_limit() -> None:
    store = MemoryIdempotencyStore(limit=1)
    store.claim(GW, "k1", REFUND)
    store.claim(GW, "k2", REFUND)
    store.sending(GW, "k2", SENT)
    store.unknown(GW, "k2")
    store.claim(GW, "k3", REFUND)
    assert len(store) == 3
    assert store.claim(GW, "k1", REFUND) == Claim(ClaimState.IN_FLIGHT)
    assert store.claim(GW, "k2", REFUND) == Claim(ClaimState.UNKNOWN, sent=SENT)


def test_exactly_one_of_32_threads_claiming_the_same_key_gets_it() -> None:
    store = MemoryIdempotencyStore()
    barrier = threading.Barrier(32)
    states: list[ClaimState] = []
    lock = threading.Lock()

    def claim() -> None:
        barrier.wait()
        state = store.claim(GW, KEY, REFUND).state
        with lock:
            states.append(state)

    threads = [threading.Thread(target=claim) for _ in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert states.count(ClaimState.NEW) == 1
    assert states.count(ClaimState.IN_FLIGHT) == 31


# -- check_idempotency_key ----------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    ["k", "x" * 255, "order-1001:refund_2", "!~\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}"],
    ids=["one-char", "255-chars", "typical", "punctuation"],
)
def test_check_idempotency_key_accepts_1_to_255_printable_ascii(key: str) -> None:
    assert check_idempotency_key(key) == key


@pytest.mark.parametrize(
    "key",
    ["", "x" * 256, "two words", "a\r\nb", "a\nb", "a\x00b", "a\tb", "a\x7fb", "ключ", "café"],
    ids=[
        "empty",
        "256-chars",
        "space",
        "crlf",
        "lf",
        "nul",
        "tab",
        "del",
        "non-ascii",
        "accented",
    ],
)
def test_check_idempotency_key_refuses_what_cannot_go_in_a_header(key: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        check_idempotency_key(key, provider="dummy")
    assert caught.value.field == "idempotency_key"
    assert caught.value.code is ErrorCode.INVALID_REQUEST
    assert caught.value.provider == "dummy"
    assert f"(got {len(key)} characters)" in caught.value.message


@pytest.mark.parametrize("key", [None, 42, b"key-1", ["key-1"]], ids=lambda key: type(key).__name__)
def test_check_idempotency_key_refuses_a_non_string(key: object) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        check_idempotency_key(key)
    assert caught.value.field == "idempotency_key"
    assert f"(got {type(key).__name__})" in caught.value.message


def test_a_minted_key_is_a_fresh_uuid4_in_text_form_that_can_be_sent() -> None:
    first, second = mint_key(), mint_key()
    assert first != second
    assert len(first) == 36
    assert str(uuid.UUID(first)) == first
    assert uuid.UUID(first).version == 4
    assert check_idempotency_key(first) == first


# -- through the facades, with the dummy provider ------------------------------------------


class Gateway:
    """A facade's methods as awaitables, whichever facade sits underneath."""

    def __init__(self, facade: Payments | AsyncPayments) -> None:
        self.facade = facade

    @property
    def provider(self) -> DummyProvider:
        provider = self.facade.provider
        assert isinstance(provider, DummyProvider)
        return provider

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        method = getattr(self.facade, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            result = method(*args, **kwargs)
            if isinstance(self.facade, AsyncPayments):
                return await result
            return result

        return call


OpenGateway = Callable[..., Awaitable[Gateway]]


@pytest.fixture(params=["sync", "async"])
async def open_gateway(request: pytest.FixtureRequest) -> AsyncIterator[OpenGateway]:
    """Opens a dummy gateway with a store of its own, as ``Payments`` or ``AsyncPayments``."""
    async with AsyncExitStack() as stack:

        async def open_(**kwargs: Any) -> Gateway:
            settings = {"store": f"t-{uuid.uuid4().hex}", "autoload_plugins": False, **kwargs}
            facade: Payments | AsyncPayments
            if request.param == "sync":
                facade = stack.enter_context(Payments("dummy", **settings))
            else:
                facade = await stack.enter_async_context(AsyncPayments("dummy", **settings))
            return Gateway(facade)

        yield open_


@pytest.fixture
async def gateway(open_gateway: OpenGateway) -> Gateway:
    return await open_gateway()


def paid_request(**overrides: Any) -> PaymentRequest:
    """A 10.00 GEL request the dummy captures at once."""
    fields: dict[str, Any] = {
        "external_id": f"order-{uuid.uuid4().hex[:8]}",
        "amount": gel("10.00"),
        "items": [LineItem(product_id="sku-1", quantity=1, unit_price=gel("10.00"))],
        "callback_url": "https://shop.example/payments/callback",
        "provider_options": {"outcome": "succeed"},
    }
    fields.update(overrides)
    return PaymentRequest(**fields)


async def test_refund_with_the_same_key_and_another_amount_is_a_conflict(
    gateway: Gateway,
) -> None:
    payment = await gateway.create_payment(paid_request())
    await gateway.refund(payment.id, gel("5.00"), idempotency_key="refund-1")
    with pytest.raises(InvalidRequestError) as caught:
        await gateway.refund(payment.id, gel("7.00"), idempotency_key="refund-1")
    assert caught.value.code is ErrorCode.IDEMPOTENCY_CONFLICT
    assert "different parameters (amount)" in caught.value.message
    held = gateway.provider.store.get(payment.id, gateway.provider.clock())
    assert len(held.operations) == 1
    assert held.refunded_amount == gel("5.00")
    assert held.status is PaymentStatus.PARTIALLY_REFUNDED


async def test_refund_repeated_with_the_same_key_and_amount_returns_the_first_operation(
    gateway: Gateway,
) -> None:
    payment = await gateway.create_payment(paid_request())
    first = await gateway.refund(payment.id, gel("5.00"), idempotency_key="refund-1")
    again = await gateway.refund(payment.id, gel("5.00"), idempotency_key="refund-1")
    assert isinstance(again, Operation)
    assert again == first
    held = gateway.provider.store.get(payment.id, gateway.provider.clock())
    assert len(held.operations) == 1
    assert held.refunded_amount == gel("5.00")


async def test_the_same_payment_request_created_twice_is_one_payment(gateway: Gateway) -> None:
    request = paid_request()
    first = await gateway.create_payment(request)
    again = await gateway.create_payment(request)
    assert again.id == first.id
    assert len(gateway.provider.store) == 1


class RecordingStore:
    """An :class:`IdempotencyStore` of its own, noting every call the facade makes.

    It delegates to a memory store but is not one (and has no ``__len__``).
    """

    def __init__(self) -> None:
        self.inner = MemoryIdempotencyStore()
        self.calls: list[tuple[str, str, str]] = []

    def claim(self, gateway: str, key: str, fingerprint: Fingerprint) -> Claim:
        self.calls.append(("claim", gateway, key))
        return self.inner.claim(gateway, key, fingerprint)

    def sending(self, gateway: str, key: str, sent: SentRequest) -> None:
        self.calls.append(("sending", gateway, key))
        self.inner.sending(gateway, key, sent)

    def succeeded(self, gateway: str, key: str, outcome: Any) -> None:
        self.calls.append(("succeeded", gateway, key))
        self.inner.succeeded(gateway, key, outcome)

    def unknown(self, gateway: str, key: str) -> None:
        self.calls.append(("unknown", gateway, key))
        self.inner.unknown(gateway, key)

    def release(self, gateway: str, key: str) -> None:
        self.calls.append(("release", gateway, key))
        self.inner.release(gateway, key)


async def test_a_store_passed_to_the_facade_is_the_one_used(open_gateway: OpenGateway) -> None:
    store = RecordingStore()
    gateway = await open_gateway(idempotency_store=store, name="shop-ge")
    request = paid_request()
    await gateway.create_payment(request)
    await gateway.create_payment(request)
    key = request.idempotency_key
    assert gateway.facade.idempotency_store is store
    assert store.calls == [
        ("claim", "shop-ge", key),
        ("succeeded", "shop-ge", key),
        ("claim", "shop-ge", key),
    ]


async def test_an_empty_memory_store_passed_to_the_facade_is_the_one_used(
    open_gateway: OpenGateway,
) -> None:
    store = MemoryIdempotencyStore()
    gateway = await open_gateway(idempotency_store=store)
    request = paid_request()
    await gateway.create_payment(request)
    assert gateway.facade.idempotency_store is store
    assert len(store) == 1


class ClaimOnly:
    def claim(self, gateway: str, key: str, fingerprint: Fingerprint) -> Claim:
        return Claim(ClaimState.NEW)  # pragma: no cover - never called


@pytest.mark.parametrize("facade", [Payments, AsyncPayments])
@pytest.mark.parametrize(
    "not_a_store",
    [
        object(),
        {},
        "memory",
        ClaimOnly(),
        MemoryIdempotencyStore,
    ],
    ids=["object", "dict", "str", "claim-only", "the-class-itself"],
)
def test_an_object_that_is_not_a_store_is_a_configuration_error(
    facade: type[Payments] | type[AsyncPayments], not_a_store: object
) -> None:
    with pytest.raises(ConfigurationError, match="idempotency_store must implement"):
        facade(
            "dummy",
            store=f"t-{uuid.uuid4().hex}",
            autoload_plugins=False,
            idempotency_store=not_a_store,
        )
