"""``OrderBook``: updates apply only forward, repeats are recognised, readers get copies."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from examples.shop.orders import OrderBook, OrderLine, Update
from payments_core import CaptureMode, Money, Payment, PaymentStatus

PRICE = Money("12.50", "GEL")


def _book_with_order() -> tuple[OrderBook, str]:
    book = OrderBook()
    order = book.create([OrderLine("sku", "Thing", 2, PRICE)], CaptureMode.AUTOMATIC)
    return book, order.id


def _payment(status: PaymentStatus, external_id: str = "1001", **amounts: str) -> Payment:
    return Payment(
        id="pay-1",
        provider="test",
        status=status,
        amount=Money("25.00", "GEL"),
        external_id=external_id,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        **{name: Money(value, "GEL") for name, value in amounts.items()},
    )


def test_orders_are_numbered_and_totalled() -> None:
    book, order_id = _book_with_order()
    second = book.create([OrderLine("sku", "Thing", 1, PRICE)], CaptureMode.MANUAL)
    assert (order_id, second.id) == ("1001", "1002")
    order = book.get(order_id)
    assert order is not None
    assert order.total == Money("25.00", "GEL")
    assert [o.id for o in book.all()] == ["1002", "1001"]


def test_an_order_needs_a_line() -> None:
    with pytest.raises(ValueError, match="at least one line"):
        OrderBook().create([], CaptureMode.AUTOMATIC)


@pytest.mark.parametrize(
    ("first", "then", "result"),
    [
        (PaymentStatus.PENDING, PaymentStatus.CAPTURED, Update.APPLIED),
        (PaymentStatus.CAPTURED, PaymentStatus.PENDING, Update.STALE),
        (PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED, Update.APPLIED),
        (PaymentStatus.CAPTURED, PaymentStatus.AUTHORIZED, Update.STALE),
        (PaymentStatus.REFUNDED, PaymentStatus.CAPTURED, Update.STALE),
        (PaymentStatus.DECLINED, PaymentStatus.CAPTURED, Update.STALE),
        (PaymentStatus.CAPTURED, PaymentStatus.CAPTURED, Update.UNCHANGED),
    ],
)
def test_updates_apply_only_forward(
    first: PaymentStatus, then: PaymentStatus, result: Update
) -> None:
    book, order_id = _book_with_order()
    book.attach(order_id, _payment(PaymentStatus.PENDING))
    book.apply(_payment(first), "callback")
    assert book.apply(_payment(then), "callback") is result
    order = book.get(order_id)
    assert order is not None
    assert order.status is (then if result is Update.APPLIED else first)


def test_the_same_status_with_a_smaller_refund_is_stale() -> None:
    book, order_id = _book_with_order()
    book.attach(order_id, _payment(PaymentStatus.PENDING))
    more = _payment(PaymentStatus.PARTIALLY_REFUNDED, captured_amount="25.00", refunded_amount="8")
    less = _payment(PaymentStatus.PARTIALLY_REFUNDED, captured_amount="25.00", refunded_amount="3")
    assert book.apply(less, "callback") is Update.APPLIED
    assert book.apply(more, "callback") is Update.APPLIED
    assert book.apply(less, "callback") is Update.STALE
    order = book.get(order_id)
    assert order is not None
    assert order.refunded_amount == Money("8.00", "GEL")
    assert order.refundable_amount == Money("17.00", "GEL")


def test_news_that_overtakes_create_payment_finds_the_order_by_external_id() -> None:
    book, order_id = _book_with_order()
    assert book.apply(_payment(PaymentStatus.CAPTURED), "callback") is Update.APPLIED
    found = book.find_by_payment("pay-1")
    assert found is not None
    assert found.id == order_id
    # The late answer to create_payment (pending) no longer moves it back.
    assert book.attach(order_id, _payment(PaymentStatus.PENDING)) is Update.STALE
    order = book.get(order_id)
    assert order is not None
    assert order.status is PaymentStatus.CAPTURED


def test_a_payment_of_no_order_is_unknown() -> None:
    book, _ = _book_with_order()
    stranger = _payment(PaymentStatus.CAPTURED, external_id="elsewhere")
    assert book.apply(stranger, "callback") is Update.UNKNOWN


def test_event_ids_are_remembered_within_a_bound() -> None:
    book = OrderBook(remember_events=2)
    assert book.first_delivery("a")
    assert not book.first_delivery("a")
    assert book.first_delivery("b")
    assert book.first_delivery("c")  # "a" is forgotten now
    assert book.first_delivery("a")


def test_concurrent_deliveries_of_one_event_apply_once() -> None:
    book = OrderBook()
    winners: list[bool] = []
    start = threading.Barrier(8)

    def deliver() -> None:
        start.wait()
        winners.append(book.first_delivery("evt-1"))

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(winners) == [False] * 7 + [True]


def test_readers_get_copies() -> None:
    book, order_id = _book_with_order()
    copy = book.get(order_id)
    assert copy is not None
    copy.history.clear()
    copy.status = PaymentStatus.REFUNDED
    again = book.get(order_id)
    assert again is not None
    assert again.status is PaymentStatus.CREATED
    assert [entry.text for entry in again.history] == ["order placed"]


def test_a_replayed_refund_round_cannot_make_a_partly_refunded_order_paid_again() -> None:
    """The sequence a stale or replayed callback produced before ``is_newer``:
    partially refunded, then an old refund_pending, then an old captured."""
    book, order_id = _book_with_order()
    book.apply(_payment(PaymentStatus.CAPTURED, captured_amount="25.00"), "callback")
    book.apply(
        _payment(PaymentStatus.PARTIALLY_REFUNDED, captured_amount="25.00", refunded_amount="5.00"),
        "callback",
    )
    stale_pending = _payment(
        PaymentStatus.REFUND_PENDING, captured_amount="25.00", refunded_amount="0.00"
    )
    stale_captured = _payment(
        PaymentStatus.CAPTURED, captured_amount="25.00", refunded_amount="0.00"
    )
    assert book.apply(stale_pending, "callback") is Update.STALE
    assert book.apply(stale_captured, "callback") is Update.STALE
    order = book.get(order_id)
    assert order is not None
    assert order.status is PaymentStatus.PARTIALLY_REFUNDED
    assert order.refunded_amount == Money("5.00", "GEL")
