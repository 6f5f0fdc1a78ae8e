"""Specification of :func:`payments_core.is_newer`: which update replaces the payment held.

Every test builds the payment a platform holds (``current``) and an update that
arrives for it, with :func:`payment`, and states whether the update wins.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from payments_core import (
    Money,
    Operation,
    OperationKind,
    OperationStatus,
    Payment,
    PaymentStatus,
    is_newer,
)
from payments_core.status import MOVES_NEEDING_EVIDENCE

S = PaymentStatus

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
EARLIER = T0 - timedelta(minutes=1)
LATER = T0 + timedelta(minutes=1)


def gel(amount: str) -> Money:
    return Money(amount, "GEL")


def usd(amount: str) -> Money:
    return Money(amount, "USD")


def op(
    kind: OperationKind = OperationKind.REFUND,
    status: OperationStatus = OperationStatus.SUCCEEDED,
) -> Operation:
    return Operation(kind=kind, status=status, payment_id="pay_1", provider="dummy")


PENDING_REFUND = op(OperationKind.REFUND, OperationStatus.PENDING)
FAILED_REFUND = op(OperationKind.REFUND, OperationStatus.FAILED)
DONE_REFUND = op(OperationKind.REFUND, OperationStatus.SUCCEEDED)
DONE_CAPTURE = op(OperationKind.CAPTURE, OperationStatus.SUCCEEDED)


def payment(
    status: PaymentStatus,
    *,
    captured: str | Money | None = None,
    refunded: str | Money | None = None,
    at: datetime | None = None,
    ops: tuple[Operation, ...] = (),
    id: str = "pay_1",
    provider: str = "dummy",
    amount: Money | None = None,
) -> Payment:
    """A 10.00 GEL payment; string amounts are GEL."""

    def money(value: str | Money | None) -> Money | None:
        return gel(value) if isinstance(value, str) else value

    return Payment(
        id=id,
        provider=provider,
        status=status,
        amount=amount or gel("10.00"),
        captured_amount=money(captured),
        refunded_amount=money(refunded),
        updated_at=at,
        operations=ops,
    )


# -- 1. another payment ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("id", "provider"), [("pay_2", "dummy"), ("pay_1", "bog")], ids=["other-id", "other-provider"]
)
def test_another_payment_is_never_newer(id: str, provider: str) -> None:
    current = payment(S.PENDING, at=T0)
    update = payment(
        S.CAPTURED, captured="10.00", at=LATER, ops=(DONE_CAPTURE,), id=id, provider=provider
    )
    assert is_newer(current, update) is False


# -- 2. money never goes back -----------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "update"),
    [
        (
            payment(S.PARTIALLY_CAPTURED, captured="6.00"),
            payment(S.CAPTURED, captured="5.00"),
        ),
        (
            payment(S.CAPTURED, captured="10.00"),
            payment(S.REFUND_PENDING, captured="9.99"),
        ),
        (
            payment(S.PARTIALLY_REFUNDED, captured="10.00", refunded="3.00"),
            payment(S.REFUNDED, captured="10.00", refunded="2.00"),
        ),
        (
            payment(S.REFUND_PENDING, captured="10.00", refunded="3.00"),
            payment(S.PARTIALLY_REFUNDED, captured="10.00", refunded="0.00"),
        ),
    ],
    ids=["captured-shrinks", "captured-shrinks-on-refund", "refunded-shrinks", "refunded-to-0"],
)
def test_shrunk_amount_is_stale_even_with_a_later_status(current: Payment, update: Payment) -> None:
    assert is_newer(current, update) is False


def test_shrunk_amount_is_stale_even_with_a_later_event_time_and_longer_history() -> None:
    current = payment(S.PARTIALLY_REFUNDED, captured="10.00", refunded="5.00", at=T0)
    update = payment(
        S.PARTIALLY_REFUNDED,
        captured="10.00",
        refunded="4.00",
        at=LATER,
        ops=(DONE_REFUND, DONE_REFUND),
    )
    assert is_newer(current, update) is False


# -- the issue's reproduction: a replayed refund_pending, then a replayed capture ----------

PARTIALLY_REFUNDED = payment(S.PARTIALLY_REFUNDED, captured="10.00", refunded="3.00")


@pytest.mark.parametrize("refunded", ["0.00", None], ids=["refunded-0", "refunded-unreported"])
def test_replayed_refund_pending_after_a_partial_refund_is_refused(refunded: str | None) -> None:
    replay = payment(S.REFUND_PENDING, captured="10.00", refunded=refunded)
    assert is_newer(PARTIALLY_REFUNDED, replay) is False


def test_replayed_capture_with_nothing_refunded_after_a_partial_refund_is_refused() -> None:
    replay = payment(S.CAPTURED, captured="10.00", refunded="0.00")
    assert is_newer(PARTIALLY_REFUNDED, replay) is False


def test_issue_sequence_keeps_the_partial_refund() -> None:
    held = PARTIALLY_REFUNDED
    decisions = []
    for update in (
        payment(S.REFUND_PENDING, captured="10.00", refunded="0.00"),
        payment(S.CAPTURED, captured="10.00", refunded="0.00"),
    ):
        newer = is_newer(held, update)
        decisions.append(newer)
        if newer:
            held = update
    assert decisions == [False, False]
    assert held.status is S.PARTIALLY_REFUNDED
    assert held.refunded_amount == gel("3.00")


# -- 3. final statuses stay -------------------------------------------------------------


@pytest.mark.parametrize(
    "current",
    [
        payment(S.REFUNDED, refunded="10.00", at=T0),
        payment(S.DECLINED, at=T0),
        payment(S.EXPIRED, at=T0),
        payment(S.CANCELED, at=T0),
    ],
    ids=["refunded", "declined", "expired", "canceled"],
)
def test_final_payment_never_becomes_captured_again(current: Payment) -> None:
    update = payment(
        S.CAPTURED,
        captured="10.00",
        refunded=current.refunded_amount,
        at=LATER,
        ops=(*current.operations, DONE_CAPTURE),
    )
    assert is_newer(current, update) is False


@pytest.mark.parametrize("status", [S.REFUNDED, S.DECLINED, S.EXPIRED, S.CANCELED])
def test_final_payment_with_the_same_status_and_a_longer_history_only_is_not_newer(
    status: PaymentStatus,
) -> None:
    current = payment(status, at=T0)
    assert is_newer(current, payment(status, at=T0, ops=(FAILED_REFUND,))) is False


@pytest.mark.parametrize("status", [S.REFUNDED, S.DECLINED, S.EXPIRED, S.CANCELED])
def test_final_payment_with_the_same_status_and_a_later_event_time_is_newer(
    status: PaymentStatus,
) -> None:
    assert is_newer(payment(status, at=T0), payment(status, at=LATER)) is True


# -- 4. event time ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "update"),
    [
        (payment(S.PENDING, at=T0), payment(S.AUTHORIZED, at=EARLIER)),
        (
            payment(S.PARTIALLY_CAPTURED, captured="4.00", at=T0),
            payment(S.CAPTURED, captured="10.00", at=EARLIER),
        ),
        (
            payment(S.CAPTURED, captured="10.00", at=T0),
            payment(S.CAPTURED, captured="10.00", at=EARLIER, ops=(DONE_CAPTURE,)),
        ),
        (
            payment(S.REFUND_PENDING, captured="10.00", at=T0, ops=(PENDING_REFUND,)),
            payment(S.CAPTURED, captured="10.00", at=EARLIER, ops=(FAILED_REFUND,)),
        ),
        (
            payment(S.PARTIALLY_REFUNDED, captured="10.00", refunded="3.00", at=T0),
            payment(
                S.REFUND_PENDING,
                captured="10.00",
                refunded="3.00",
                at=EARLIER,
                ops=(DONE_REFUND, PENDING_REFUND),
            ),
        ),
    ],
    ids=[
        "forward-move",
        "grown-amount",
        "longer-history",
        "refused-refund-evidence",
        "further-refund-evidence",
    ],
)
def test_older_event_time_is_stale(current: Payment, update: Payment) -> None:
    assert is_newer(current, update) is False


# -- 5. grown amounts -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "update"),
    [
        (payment(S.AUTHORIZED), payment(S.PARTIALLY_CAPTURED, captured="4.00")),
        (
            payment(S.PARTIALLY_CAPTURED, captured="4.00"),
            payment(S.PARTIALLY_CAPTURED, captured="6.00"),
        ),
        (
            payment(S.PARTIALLY_CAPTURED, captured="4.00"),
            payment(S.CAPTURED, captured="10.00"),
        ),
        (
            payment(S.CAPTURED, captured="10.00"),
            payment(S.PARTIALLY_REFUNDED, captured="10.00", refunded="3.00"),
        ),
        (
            payment(S.PARTIALLY_REFUNDED, captured="10.00", refunded="3.00"),
            payment(S.PARTIALLY_REFUNDED, captured="10.00", refunded="5.00"),
        ),
        (
            payment(S.PARTIALLY_REFUNDED, captured="10.00", refunded="3.00"),
            payment(S.REFUNDED, captured="10.00", refunded="10.00"),
        ),
    ],
    ids=[
        "first-capture",
        "second-partial-capture",
        "rest-captured",
        "first-refund",
        "second-partial-refund",
        "rest-refunded",
    ],
)
def test_grown_amount_is_newer(current: Payment, update: Payment) -> None:
    assert is_newer(current, update) is True


@pytest.mark.parametrize("status", [S.CREATED, S.PENDING, S.PROCESSING])
def test_grown_amount_under_a_status_before_money_is_not_newer(status: PaymentStatus) -> None:
    current = payment(S.CREATED)
    assert is_newer(current, payment(status, captured="10.00")) is False


# -- 6. equal amounts ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (S.CREATED, S.PENDING),
        (S.PENDING, S.PROCESSING),
        (S.PROCESSING, S.AUTHORIZED),
        (S.AUTHORIZED, S.CANCELED),
        (S.PENDING, S.DECLINED),
        (S.CAPTURED, S.REFUND_PENDING),
        (S.REFUND_PENDING, S.REFUNDED),
    ],
)
def test_forward_move_with_equal_amounts_is_newer(old: PaymentStatus, new: PaymentStatus) -> None:
    current = payment(old, captured="10.00", at=T0)
    update = payment(new, captured="10.00", at=T0)
    assert is_newer(current, update) is True


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (S.PROCESSING, S.PENDING),
        (S.AUTHORIZED, S.PENDING),
        (S.CAPTURED, S.AUTHORIZED),
        (S.PARTIALLY_REFUNDED, S.CAPTURED),
    ],
)
def test_move_against_the_table_is_not_newer_even_with_a_later_event_time(
    old: PaymentStatus, new: PaymentStatus
) -> None:
    current = payment(old, captured="10.00", at=T0)
    update = payment(new, captured="10.00", at=LATER)
    assert is_newer(current, update) is False


def test_same_status_and_amounts_is_not_newer() -> None:
    current = payment(S.CAPTURED, captured="10.00", at=T0, ops=(DONE_CAPTURE,))
    update = payment(S.CAPTURED, captured="10.00", at=T0, ops=(DONE_CAPTURE,))
    assert is_newer(current, update) is False


def test_same_status_and_amounts_without_event_times_is_not_newer() -> None:
    current = payment(S.CAPTURED, captured="10.00")
    assert is_newer(current, payment(S.CAPTURED, captured="10.00")) is False


def test_same_status_with_a_later_event_time_is_newer() -> None:
    current = payment(S.CAPTURED, captured="10.00", at=T0)
    assert is_newer(current, payment(S.CAPTURED, captured="10.00", at=LATER)) is True


def test_same_status_with_a_longer_history_is_newer() -> None:
    current = payment(S.AUTHORIZED, ops=())
    assert is_newer(current, payment(S.AUTHORIZED, ops=(FAILED_REFUND,))) is True


def test_same_status_with_a_shorter_history_is_not_newer() -> None:
    current = payment(S.AUTHORIZED, ops=(DONE_CAPTURE, FAILED_REFUND))
    assert is_newer(current, payment(S.AUTHORIZED, ops=(DONE_CAPTURE,))) is False


# -- 7. moves that need evidence ------------------------------------------------------------


@pytest.mark.parametrize(("old", "new"), sorted(MOVES_NEEDING_EVIDENCE), ids=lambda s: str(s.value))
def test_move_needing_evidence_is_refused_without_it(
    old: PaymentStatus, new: PaymentStatus
) -> None:
    current = payment(old, captured="10.00", refunded="3.00", at=T0, ops=(PENDING_REFUND,))
    update = payment(new, captured="10.00", refunded="3.00", at=T0, ops=(PENDING_REFUND,))
    assert is_newer(current, update) is False


REFUSED_REFUND_HELD = payment(S.REFUND_PENDING, captured="10.00", at=T0, ops=(PENDING_REFUND,))


def test_refused_refund_without_evidence_is_refused() -> None:
    update = payment(S.CAPTURED, captured="10.00", at=T0, ops=(PENDING_REFUND,))
    assert is_newer(REFUSED_REFUND_HELD, update) is False


@pytest.mark.parametrize(
    "update",
    [
        payment(S.CAPTURED, captured="10.00", at=LATER, ops=(PENDING_REFUND,)),
        payment(S.CAPTURED, captured="10.00", at=T0, ops=(FAILED_REFUND,)),
        payment(S.CAPTURED, captured="10.00", at=T0, ops=(PENDING_REFUND, DONE_CAPTURE)),
    ],
    ids=["later-event-time", "one-more-failed-refund", "longer-history"],
)
def test_refused_refund_with_evidence_is_newer(update: Payment) -> None:
    assert is_newer(REFUSED_REFUND_HELD, update) is True


def test_refused_refund_with_a_failed_refund_already_held_is_refused() -> None:
    current = payment(S.REFUND_PENDING, captured="10.00", at=T0, ops=(FAILED_REFUND,))
    update = payment(S.CAPTURED, captured="10.00", at=T0, ops=(FAILED_REFUND,))
    assert is_newer(current, update) is False


FURTHER_REFUND_HELD = payment(
    S.PARTIALLY_REFUNDED, captured="10.00", refunded="3.00", at=T0, ops=(DONE_REFUND,)
)


def test_further_refund_without_evidence_is_refused() -> None:
    update = payment(S.REFUND_PENDING, captured="10.00", refunded="3.00", at=T0, ops=(DONE_REFUND,))
    assert is_newer(FURTHER_REFUND_HELD, update) is False


@pytest.mark.parametrize(
    "update",
    [
        payment(S.REFUND_PENDING, captured="10.00", refunded="3.00", at=LATER, ops=(DONE_REFUND,)),
        payment(
            S.REFUND_PENDING,
            captured="10.00",
            refunded="3.00",
            at=T0,
            ops=(DONE_REFUND, PENDING_REFUND),
        ),
    ],
    ids=["later-event-time", "longer-history"],
)
def test_further_refund_with_evidence_is_newer(update: Payment) -> None:
    assert is_newer(FURTHER_REFUND_HELD, update) is True


def test_further_refund_is_not_evidenced_by_a_failed_refund_alone() -> None:
    current = payment(
        S.PARTIALLY_REFUNDED, captured="10.00", refunded="3.00", at=T0, ops=(PENDING_REFUND,)
    )
    update = payment(
        S.REFUND_PENDING, captured="10.00", refunded="3.00", at=T0, ops=(FAILED_REFUND,)
    )
    assert is_newer(current, update) is False


# -- currency -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "update"),
    [
        (
            payment(S.PARTIALLY_CAPTURED, captured="4.00"),
            payment(S.CAPTURED, captured=usd("10.00")),
        ),
        (
            payment(S.PARTIALLY_REFUNDED, captured="10.00", refunded="3.00"),
            payment(S.PARTIALLY_REFUNDED, captured="10.00", refunded=usd("5.00")),
        ),
        pytest.param(
            payment(S.AUTHORIZED),
            payment(S.CAPTURED, captured=usd("10.00")),
        ),
        pytest.param(
            payment(S.CAPTURED, captured="10.00"),
            payment(S.PARTIALLY_REFUNDED, captured="10.00", refunded=usd("3.00")),
        ),
        pytest.param(
            payment(S.PENDING),
            payment(S.AUTHORIZED, amount=usd("10.00")),
        ),
    ],
    ids=[
        "captured-other-currency",
        "refunded-other-currency",
        "first-capture-other-currency",
        "first-refund-other-currency",
        "payment-amount-other-currency",
    ],
)
def test_other_currency_is_never_newer(current: Payment, update: Payment) -> None:
    assert is_newer(current, update) is False


def test_naive_and_aware_event_times_compare_as_utc() -> None:
    held = payment(S.CAPTURED, captured="10.00").model_copy(
        update={"updated_at": datetime(2026, 1, 1, 12, 0)}
    )
    later = payment(S.REFUND_PENDING, captured="10.00").model_copy(
        update={"updated_at": datetime(2026, 1, 1, 13, 0, tzinfo=UTC)}
    )
    assert is_newer(held, later) is True
    assert is_newer(later, held) is False


@pytest.mark.parametrize("status", [S.DECLINED, S.AUTHORIZED, S.CANCELED, S.EXPIRED])
def test_grown_money_under_a_status_that_says_nothing_was_paid_is_not_newer(
    status: PaymentStatus,
) -> None:
    held = payment(S.CAPTURED, captured="10.00", refunded="0.00")
    update = payment(status, captured="10.00", refunded="3.00")
    assert is_newer(held, update) is False
