"""Memory stays bounded: finished payments, tokens and logs are capped, payments in use
are never dropped, and sessions expire in expiry order without a scan of every payment."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from payments_tbc.sandbox import TbcSandbox
from payments_tbc.sandbox.cards import TEST_CARDS
from payments_tbc.sandbox.counters import Counters, RecentList
from payments_tbc.sandbox.problems import ApiError
from payments_tbc.sandbox.records import SavedCardState
from payments_tbc.sandbox.store import PaymentStore
from payments_tbc.sandbox.tokens import TokenIssuer
from payments_tbc.sandbox.validation import Fields, cancel_request, create_request, parse_object

from .conftest import CARD_NO_FUNDS, CARD_OK, NOW, payment_body


def _create(store: PaymentStore, **changes: Any) -> str:
    body = parse_object(json.dumps(payment_body(**changes)).encode())  # numbers as on the wire
    return store.create(create_request(body), NOW).pay_id


def _paid(store: PaymentStore, card: str = CARD_OK, **changes: Any) -> str:
    pay_id = _create(store, **changes)
    store.pay(pay_id, TEST_CARDS[card], None, NOW)
    return pay_id


def test_finished_payments_are_capped_and_the_oldest_go_first() -> None:
    store = PaymentStore(max_finished_payments=5)
    open_ = [_create(store) for _ in range(3)]

    paid = [_paid(store) for _ in range(12)]

    assert store.finished_count == 5
    assert len(store) == 3 + 5
    assert [pay_id in store for pay_id in paid] == [False] * 7 + [True] * 5
    assert all(store.payment(pay_id).status == "Created" for pay_id in open_)
    with pytest.raises(ApiError) as refused:
        store.details(paid[0])
    assert refused.value.status == 404


def test_using_a_finished_payment_keeps_it_longer() -> None:
    store = PaymentStore(max_finished_payments=3)
    first, second, third = (_paid(store) for _ in range(3))

    store.details(first)
    _paid(store)

    assert first in store
    assert second not in store
    assert third in store


def test_a_held_pre_authorization_is_never_dropped() -> None:
    store = PaymentStore(max_finished_payments=1)
    held = _paid(store, preAuth=True)

    for _ in range(10):
        _paid(store)

    assert store.payment(held).status == "WaitingConfirm"
    store.cancel(held, cancel_request(Fields({})), NOW)
    _paid(store)
    assert held not in store


def test_a_chargeable_saved_card_outlives_its_payment_and_a_failed_one_does_not() -> None:
    store = PaymentStore(max_finished_payments=1)
    saved = _paid(store, saveCard=True, methods=[5])
    saved_rec = store.payment(saved).rec_id
    failed = _paid(store, CARD_NO_FUNDS, saveCard=True, methods=[5])
    failed_rec = store.payment(failed).rec_id

    _paid(store)

    assert saved not in store
    assert failed not in store
    assert store.saved_cards[saved_rec or ""].state is SavedCardState.ACTIVE
    assert failed_rec not in store.saved_cards

    store.delete_card(saved_rec or "")
    assert saved_rec not in store.saved_cards  # deleted, and its payment is gone


def test_expiry_fires_in_expiry_order_and_only_for_open_sessions() -> None:
    store = PaymentStore()
    late = _create(store, expirationMinutes=12)
    early = _create(store, expirationMinutes=5)
    paid = _paid(store, expirationMinutes=5)
    middle = _create(store, expirationMinutes=8)
    store.take_notices()  # the paid one's

    assert store.expire_due(NOW + timedelta(minutes=1)) == 0
    assert store.expire_due(NOW + timedelta(minutes=30)) == 3

    assert [notice.pay_id for notice in store.take_notices()] == [early, middle, late]
    assert store.payment(paid).status == "Succeeded"
    assert store.expire_due(NOW + timedelta(minutes=60)) == 0


def test_the_expiry_heap_does_not_keep_paid_payments() -> None:
    store = PaymentStore()
    for _ in range(1000):
        _paid(store)

    assert len(store._expiring) <= 64 + 2  # compacted: nothing of 1000 paid ones stays
    assert store.expire_due(NOW + timedelta(days=2)) == 0


def test_the_token_issuer_forgets_expired_and_least_recently_used_tokens() -> None:
    issuer = TokenIssuer("key", "id", "secret", 60, limit=3)
    first, second, third = (issuer.issue(NOW).access_token for _ in range(3))

    assert issuer.is_valid(first, NOW)  # used: kept over the second
    fourth = issuer.issue(NOW).access_token

    assert len(issuer) == 3
    assert not issuer.is_valid(second, NOW)
    assert all(issuer.is_valid(token, NOW) for token in (first, third, fourth))

    later = NOW + timedelta(seconds=61)
    fresh = issuer.issue(later).access_token
    assert len(issuer) == 1
    assert issuer.is_valid(fresh, later)


def test_the_request_log_keeps_its_last_entries() -> None:
    counters = Counters(log_limit=8)
    for n in range(100):
        counters.saw("GET", f"/{n}", "get_payment")

    assert len(counters.request_log) <= 8 + 1
    assert counters.request_log[-1] == ("GET", "/99")
    assert counters.requests == {"get_payment": 100}

    recent = RecentList(range(20), limit=4)
    assert recent == [16, 17, 18, 19]


def test_the_sandbox_passes_its_limits_on() -> None:
    sandbox = TbcSandbox(max_finished_payments=7, token_limit=9, log_limit=10)

    assert sandbox.payments.max_finished_payments == 7
    assert sandbox.bank.tokens.limit == 9
    assert isinstance(sandbox.callbacks, RecentList)
    assert sandbox.callbacks.limit == 10
    assert sandbox.counters.request_log.limit == 10
    with pytest.raises(ValueError, match="max_finished_payments"):
        TbcSandbox(max_finished_payments=0)
