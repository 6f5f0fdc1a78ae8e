"""The dummy's in-memory store stays bounded, and what was used recently stays usable."""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from payments_dummy import store as store_module
from payments_dummy.store import MAX_PAYMENTS, DummyStore, get_store

from payments_core import (
    ConfigurationError,
    DeclineCode,
    ErrorCode,
    InvalidStateError,
    NotFoundError,
    Payment,
    PaymentRequest,
    Payments,
)

from .conftest import gel

MakeRequest = Callable[..., PaymentRequest]
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
PAGE = "https://dummy.invalid/pay"


def create(store: DummyStore, make_request: MakeRequest, **overrides: object) -> Payment:
    return store.create(make_request(**overrides), PAGE, NOW)


def test_the_default_cap_is_documented_and_applied() -> None:
    assert DummyStore().max_payments == MAX_PAYMENTS
    assert MAX_PAYMENTS > 0


def test_a_store_never_holds_more_than_its_cap(make_request: MakeRequest) -> None:
    store = DummyStore(max_payments=20)
    for _ in range(200):
        create(store, make_request)
    assert len(store) == 20


def test_the_most_recent_payments_stay_usable(make_request: MakeRequest) -> None:
    store = DummyStore(max_payments=10)
    payments = [create(store, make_request) for _ in range(50)]
    for payment in payments[-10:]:
        assert store.get(payment.id, NOW).id == payment.id
    last = payments[-1]
    store.complete(last.id, "succeed", DeclineCode.GENERIC_DECLINE, NOW)
    refund = store.refund(last.id, gel("5.00"), "rf-1", NOW)
    assert refund.amount == gel("5.00")


def test_the_oldest_payment_is_forgotten_first(make_request: MakeRequest) -> None:
    store = DummyStore(max_payments=3)
    first = create(store, make_request)
    for _ in range(3):
        create(store, make_request)
    with pytest.raises(NotFoundError) as caught:
        store.get(first.id, NOW)
    assert caught.value.payment_id == first.id


def test_using_a_payment_keeps_it_from_being_forgotten(make_request: MakeRequest) -> None:
    store = DummyStore(max_payments=3)
    kept, dropped = create(store, make_request), create(store, make_request)
    create(store, make_request)
    store.get(kept.id, NOW)  # now the most recently used
    create(store, make_request)
    assert store.get(kept.id, NOW).id == kept.id
    with pytest.raises(NotFoundError) as caught:
        store.get(dropped.id, NOW)
    assert caught.value.payment_id == dropped.id


def test_a_forgotten_payment_takes_its_idempotency_key_with_it(
    make_request: MakeRequest,
) -> None:
    store = DummyStore(max_payments=2)
    request = make_request(idempotency_key="order-1-key")
    first = store.create(request, PAGE, NOW)
    assert store.create(request, PAGE, NOW).id == first.id  # a replay while kept
    create(store, make_request)
    create(store, make_request)
    again = store.create(request, PAGE, NOW)
    assert again.id != first.id
    assert len(store._by_key) == 2  # the key of each payment kept


def test_idempotency_keys_stay_bounded_with_the_payments(make_request: MakeRequest) -> None:
    store = DummyStore(max_payments=5)
    for _ in range(100):
        payment = create(store, make_request)
        store.complete(payment.id, "succeed", DeclineCode.GENERIC_DECLINE, NOW)
        store.refund(payment.id, gel("1.00"), f"rf-{uuid.uuid4().hex}", NOW)
    assert len(store) == 5
    assert len(store._by_key) == 10  # one create and one refund key per payment kept


def test_operations_on_one_payment_are_bounded(
    make_request: MakeRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "MAX_OPERATIONS_PER_PAYMENT", 3)
    store = DummyStore()
    payment = create(store, make_request)
    store.complete(payment.id, "succeed", DeclineCode.GENERIC_DECLINE, NOW)
    for n in range(3):
        store.refund(payment.id, gel("1.00"), f"rf-{n}", NOW)
    with pytest.raises(InvalidStateError, match="3 operations") as caught:
        store.refund(payment.id, gel("1.00"), "rf-too-many", NOW)
    assert caught.value.payment_id == payment.id


def test_lowering_the_cap_forgets_the_least_recently_used_now(
    make_request: MakeRequest,
) -> None:
    store = DummyStore(max_payments=10)
    payments = [create(store, make_request) for _ in range(10)]
    store.set_max_payments(4)
    assert len(store) == 4
    assert store.get(payments[-1].id, NOW).id == payments[-1].id


@pytest.mark.parametrize("cap", [0, -1, 1.5, "10", True, None])
def test_a_cap_that_is_not_a_positive_int_is_refused(cap: object) -> None:
    store = DummyStore()
    with pytest.raises(ConfigurationError, match="max_payments") as caught:
        store.set_max_payments(cap)  # type: ignore[arg-type]
    assert caught.value.code is ErrorCode.CONFIGURATION_ERROR


def test_concurrent_creates_keep_the_store_bounded_and_consistent(
    make_request: MakeRequest,
) -> None:
    store = DummyStore(max_payments=50)
    requests = [[make_request() for _ in range(200)] for _ in range(8)]
    errors: list[BaseException] = []

    def work(batch: list[PaymentRequest]) -> None:
        try:
            for request in batch:
                payment = store.create(request, PAGE, NOW)
                # another thread's creates may have pushed it out already
                with contextlib.suppress(NotFoundError):
                    store.get(payment.id, NOW)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(batch,)) for batch in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert len(store) == 50
    assert len(store._by_key) == 50


def test_a_gateway_on_a_capped_store_keeps_working(make_request: MakeRequest) -> None:
    name = f"capped-{uuid.uuid4().hex}"
    get_store(name, max_payments=5)
    with Payments("dummy", store=name, autoload_plugins=False) as payments:
        created = [payments.create_payment(make_request()) for _ in range(30)]
        assert len(get_store(name)) == 5
        latest = created[-1]
        payments.provider.complete(latest.id, "succeed")
        assert payments.refund(latest.id, gel("10.00")).amount == gel("10.00")
        with pytest.raises(NotFoundError, match="no dummy payment") as caught:
            payments.get_payment(created[0].id)
        assert caught.value.payment_id == created[0].id


def test_the_process_keeps_a_bounded_number_of_stores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "MAX_STORES", 3)
    monkeypatch.setattr(store_module, "_STORES", type(store_module._STORES)())
    first = get_store("first")
    for n in range(3):
        get_store(f"other-{n}")
    assert len(store_module._STORES) == 3
    assert get_store("first") is not first


def test_a_store_in_use_is_not_the_one_forgotten(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "MAX_STORES", 3)
    monkeypatch.setattr(store_module, "_STORES", type(store_module._STORES)())
    busy = get_store("busy")
    for n in range(5):
        get_store(f"other-{n}")
        assert get_store("busy") is busy
