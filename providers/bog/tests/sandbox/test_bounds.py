"""Memory stays bounded: finished orders, idempotency records, tokens and logs are capped,
orders in use are never dropped, and expiry and delayed actions come due in order."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from payments_bog.sandbox import BogSandbox
from payments_bog.sandbox.counters import Counters
from payments_bog.sandbox.idempotency import IdempotencyBook, StoredReply
from payments_bog.sandbox.signing import Signer
from payments_bog.sandbox.store import OrderStore, UnknownOrder
from payments_bog.sandbox.tokens import TokenIssuer
from payments_bog.sandbox.validation import order_request
from payments_bog.sandbox.vocabulary import SavedCardType

from payments_core.sandbox.bounded import RecentCounts, RecentList

from .conftest import NOW, VISA_OK, order_body


def _request(**changes: Any) -> Any:
    return order_request(order_body(**changes))


def _paid(store: OrderStore) -> str:
    order_id = store.create(_request(), NOW).order_id
    store.pay(order_id, VISA_OK, NOW)
    return order_id


def _known(store: OrderStore, order_id: str) -> bool:
    try:
        store.order(order_id)
    except UnknownOrder:
        return False
    return True


def test_finished_orders_are_capped_and_the_oldest_go_first() -> None:
    store = OrderStore(max_finished_orders=5)
    unpaid = [store.create(_request(), NOW).order_id for _ in range(3)]

    paid = [_paid(store) for _ in range(12)]

    assert store.finished_count == 5
    assert len(store) == 3 + 5
    assert [order_id in store for order_id in paid] == [False] * 7 + [True] * 5
    assert all(_known(store, order_id) for order_id in unpaid)
    with pytest.raises(UnknownOrder):
        store.receipt(paid[0])


def test_using_a_finished_order_keeps_it_longer() -> None:
    store = OrderStore(max_finished_orders=3)
    first, second, third = (_paid(store) for _ in range(3))

    store.receipt(first)
    _paid(store)

    assert first in store
    assert second not in store
    assert third in store


def test_orders_in_use_are_never_dropped() -> None:
    store = OrderStore(max_finished_orders=1)
    held = store.create(_request(capture="manual"), NOW).order_id
    store.pay(held, VISA_OK, NOW)
    refunding = _paid(store)
    action = store.refund(refunding, None, NOW, delay=60).action_id
    saver = store.create(_request(), NOW).order_id
    store.request_card_saving(saver, SavedCardType.RECURRENT)
    store.pay(saver, VISA_OK, NOW)

    for _ in range(20):
        _paid(store)

    assert store.order(held).status == "blocked"
    assert store.order(refunding).status == "refund_requested"
    assert store.saved_card(saver, SavedCardType.RECURRENT) is not None
    assert store.finished_count == 1

    assert action is not None
    store.settle(refunding, action, NOW)
    _paid(store)
    assert refunding not in store  # refunded: finished, and older than the newest


def test_a_deleted_saved_card_frees_its_order() -> None:
    store = OrderStore(max_finished_orders=1)
    saver = store.create(_request(), NOW).order_id
    store.request_card_saving(saver, SavedCardType.RECURRENT)
    store.pay(saver, VISA_OK, NOW)
    store.delete_card(saver)

    _paid(store)

    assert saver not in store


def test_a_saved_card_charge_whose_parent_was_forgotten_is_declined() -> None:
    store = OrderStore(max_finished_orders=1)
    parent = _paid(store)  # no card saved: finished
    child = store.charge_saved_card(parent, _request(), NOW).order_id
    _paid(store)
    assert parent not in store

    receipt = store.pay(child, "saved", NOW).receipt

    assert receipt["order_status"]["key"] == "rejected"
    assert receipt["payment_detail"]["code"] == "102"


def test_expiry_fires_in_expiry_order_and_only_for_unpaid_orders() -> None:
    store = OrderStore()
    late = store.create(_request(ttl=5), NOW).order_id
    early = store.create(_request(ttl=2), NOW).order_id
    paid = store.create(_request(ttl=2), NOW).order_id
    store.pay(paid, VISA_OK, NOW)
    middle = store.create(_request(ttl=3), NOW).order_id

    assert store.expire_due(NOW + timedelta(minutes=1)) == []
    notices = store.expire_due(NOW + timedelta(minutes=10))

    assert [notice.order_id for notice in notices] == [early, middle, late]
    assert store.order(paid).status == "completed"
    assert store.expire_due(NOW + timedelta(minutes=20)) == []


def test_the_expiry_heap_does_not_keep_paid_orders() -> None:
    store = OrderStore()
    for _ in range(1000):
        _paid(store)

    assert len(store._expiring) <= 64 + 2  # compacted: nothing of 1000 paid orders stays
    assert store.expire_due(NOW + timedelta(days=2)) == []


def test_delayed_actions_settle_in_due_order() -> None:
    store = OrderStore()
    slow, fast = _paid(store), _paid(store)
    store.refund(slow, Decimal("1"), NOW, delay=30)
    store.refund(fast, Decimal("1"), NOW, delay=10)

    assert store.settle_due(NOW + timedelta(seconds=5)) == []
    notices = store.settle_due(NOW + timedelta(seconds=60))

    assert [notice.order_id for notice in notices] == [fast, slow]
    assert store.settle_due(NOW + timedelta(seconds=120)) == []


def test_an_action_settled_on_time_is_not_settled_again() -> None:
    store = OrderStore()
    order_id = _paid(store)
    action = store.refund(order_id, None, NOW, delay=10).action_id
    assert action is not None
    assert store.settle(order_id, action, NOW + timedelta(seconds=10)) is not None

    assert store.settle_due(NOW + timedelta(seconds=60)) == []
    assert store.order(order_id).status == "refunded"


def test_the_idempotency_book_keeps_the_most_recently_used_records() -> None:
    book = IdempotencyBook(limit=3)
    reply = StoredReply(200, b"{}", "application/json")
    keys = [("POST", "/orders", f"k{n}") for n in range(4)]
    for key in keys[:3]:
        book.put(key, reply)

    assert book.get(keys[0]) == reply  # a replay is a use
    book.put(keys[3], reply)

    assert len(book) == 3
    assert book.get(keys[1]) is None
    assert [book.get(key) for key in (keys[0], keys[2], keys[3])] == [reply] * 3


def test_the_token_issuer_forgets_expired_and_least_recently_used_tokens() -> None:
    issuer = TokenIssuer("id", "secret", 60, Signer(None), limit=3)
    first, second, third = (issuer.issue(NOW, "http://x").access_token for _ in range(3))

    assert issuer.is_valid(first, NOW)  # used: kept over the second
    fourth = issuer.issue(NOW, "http://x").access_token

    assert len(issuer) == 3
    assert not issuer.is_valid(second, NOW)
    assert all(issuer.is_valid(token, NOW) for token in (first, third, fourth))

    later = NOW + timedelta(seconds=61)
    fresh = issuer.issue(later, "http://x").access_token
    assert len(issuer) == 1
    assert issuer.is_valid(fresh, later)


def test_logs_keep_their_last_entries() -> None:
    counters = Counters(log_limit=8)
    for n in range(100):
        counters.saw("GET", f"/{n}")
        counters.add_keyed("orders_by_idempotency_key", f"k{n}")

    assert len(counters.requests) <= 8 + 1
    assert counters.requests[-1] == ("GET", "/99")
    assert counters.orders_by_idempotency_key == {f"k{n}": 1 for n in range(92, 100)}
    assert counters.as_dict()["orders_by_idempotency_key"] == {f"k{n}": 1 for n in range(92, 100)}


def test_recent_list_and_counts() -> None:
    recent = RecentList(range(20), limit=4)
    assert recent == [16, 17, 18, 19]
    for n in range(20, 40):
        recent.append(n)
    assert 4 <= len(recent) <= 4 + 4 // 8
    assert recent[-1] == 39
    recent.extend(range(3))
    assert recent == [39, 0, 1, 2]

    counts: RecentCounts[str] = RecentCounts(limit=2)
    for key in "abac":  # the second "a" makes "b" the least recently counted
        counts.count(key)
    assert counts == {"a": 2, "c": 1}
    assert counts.copy() == counts

    with pytest.raises(ValueError, match="limit"):
        RecentList(limit=0)


def test_the_sandbox_passes_its_limits_on() -> None:
    sandbox = BogSandbox(max_finished_orders=7, idempotency_limit=8, token_limit=9, log_limit=10)

    assert sandbox.store.max_finished_orders == 7
    assert sandbox.idempotency.limit == 8
    assert sandbox.tokens.limit == 9
    assert sandbox.callbacks.limit == 10
    assert sandbox.counters.requests.limit == 10
    assert sandbox.counters.refunds_by_idempotency_key.limit == 10
    with pytest.raises(ValueError, match="max_finished_orders"):
        BogSandbox(max_finished_orders=0)


async def test_lifecycles_over_http_keep_the_store_bounded(bog: Any, sandbox: BogSandbox) -> None:
    sandbox.store.max_finished_orders = 2
    ids = []
    for _ in range(5):
        order_id = await bog.paid()
        await bog.refund(order_id)
        ids.append(order_id)

    assert sandbox.store.finished_count == 2
    assert [order_id in sandbox.store for order_id in ids] == [False] * 3 + [True] * 2
    assert (await bog.receipt(ids[-1]))["order_status"]["key"] == "refunded"
