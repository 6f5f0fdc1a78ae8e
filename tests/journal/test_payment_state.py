"""The latest known state of each payment: moved only forward, whoever offers it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from payments_core import Money, Payment, PaymentStatus
from payments_core.idempotency import Fingerprint
from payments_core.journal import Journal
from tests.journal.support import gel, migrated

AT = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)


def state(
    status: PaymentStatus,
    *,
    captured: str | None = None,
    refunded: str | None = None,
    minutes: int = 0,
    payment_id: str = "P-1",
) -> Payment:
    """A 30.00 GEL payment as some update reports it, ``minutes`` after AT."""
    return Payment(
        id=payment_id,
        provider="bog",
        status=status,
        amount=gel("30.00"),
        captured_amount=None if captured is None else gel(captured),
        refunded_amount=None if refunded is None else gel(refunded),
        updated_at=AT + timedelta(minutes=minutes),
    )


@pytest.fixture
def journals(journal_url: str) -> Iterator[tuple[Journal, Journal]]:
    """Two processes' journals on the test's database."""
    url = migrated(journal_url)
    first, second = Journal(url), Journal(url)
    yield first, second
    first.close()
    second.close()


def test_a_newer_state_replaces_the_known_one(journals: tuple[Journal, Journal]) -> None:
    first, second = journals
    assert first.record_payment("a", state(PaymentStatus.PENDING), "create")
    assert second.record_payment("a", state(PaymentStatus.CAPTURED, captured="30.00", minutes=1))
    known = first.payment("a", "P-1")
    assert known is not None
    assert known.status is PaymentStatus.CAPTURED


def test_an_older_state_after_a_newer_one_is_refused_and_the_newer_stays(
    journals: tuple[Journal, Journal],
) -> None:
    first, second = journals
    newer = state(PaymentStatus.CAPTURED, captured="30.00", minutes=5)
    assert first.record_payment("a", newer, "webhook")

    assert not second.record_payment("a", state(PaymentStatus.PENDING, minutes=1), "poll")

    assert first.payment("a", "P-1") == newer


def test_amounts_never_shrink_even_with_a_later_event_time(
    journals: tuple[Journal, Journal],
) -> None:
    first, second = journals
    refunded = state(PaymentStatus.PARTIALLY_REFUNDED, captured="30.00", refunded="10.00")
    assert first.record_payment("a", refunded, "webhook")

    shrunk = state(PaymentStatus.PARTIALLY_REFUNDED, captured="30.00", refunded="5.00", minutes=10)
    assert not second.record_payment("a", shrunk, "poll")

    known = first.payment("a", "P-1")
    assert known is not None
    assert known.refunded_amount == gel("10.00")


def test_a_refunded_payment_is_never_shown_as_merely_captured_again(
    journals: tuple[Journal, Journal],
) -> None:
    first, second = journals
    assert first.record_payment(
        "a", state(PaymentStatus.REFUNDED, captured="30.00", refunded="30.00"), "webhook"
    )
    assert not second.record_payment(
        "a", state(PaymentStatus.CAPTURED, captured="30.00", minutes=3), "poll"
    )
    known = first.payment("a", "P-1")
    assert known is not None
    assert known.status is PaymentStatus.REFUNDED


def test_each_gateway_keeps_its_own_state_of_a_payment_id(
    journals: tuple[Journal, Journal],
) -> None:
    first, _ = journals
    assert first.record_payment("a", state(PaymentStatus.CAPTURED, captured="30.00"), "poll")
    assert first.record_payment("b", state(PaymentStatus.PENDING), "poll")
    a, b = first.payment("a", "P-1"), first.payment("b", "P-1")
    assert a is not None
    assert b is not None
    assert (a.status, b.status) == (PaymentStatus.CAPTURED, PaymentStatus.PENDING)


def test_the_history_of_one_gateway_holds_only_that_gateways_records(
    journals: tuple[Journal, Journal],
) -> None:
    """``payments journal show --gateway a`` must not print gateway b's trail."""
    first, _ = journals
    first.record_payment("a", state(PaymentStatus.CAPTURED, captured="30.00"), "poll")
    first.record_payment("b", state(PaymentStatus.PENDING), "poll")
    store = first.idempotency_store(lease=60.0)
    store.claim("a", "refund-1", Fingerprint("refund", "P-1", "5.00 GEL"))

    history = first.history("P-1", gateway="a")

    assert [name for name, _ in history.states] == ["a"]
    assert [record.gateway for record in history.operations] == ["a"]
    assert {event.gateway for event in history.events} == {"a"}


def test_every_change_of_state_is_in_the_audit_trail(journals: tuple[Journal, Journal]) -> None:
    first, second = journals
    first.record_payment("a", state(PaymentStatus.PENDING), "create")
    second.record_payment("a", state(PaymentStatus.CAPTURED, captured="30.00", minutes=1), "poll")
    second.record_payment("a", state(PaymentStatus.PENDING), "poll")  # refused: not a change

    moves = [
        (event.from_state, event.to_state)
        for event in first.history("P-1").events
        if event.kind == "payment"
    ]
    assert moves == [(None, "pending"), ("pending", "captured")]


def test_a_state_in_another_currency_is_never_newer(journals: tuple[Journal, Journal]) -> None:
    first, second = journals
    assert first.record_payment("a", state(PaymentStatus.PENDING), "create")
    other = state(PaymentStatus.CAPTURED, minutes=1).model_copy(
        update={"captured_amount": Money("30.00", "USD")}
    )
    assert not second.record_payment("a", other, "poll")
