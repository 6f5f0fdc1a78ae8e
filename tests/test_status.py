"""The status table, row by row, against an expectation written out by hand.

The matrix below is the specification: a platform may apply an update from
``old`` (row) to ``new`` (column) only where it says ``Y``. ``=`` is the same
status again (new amounts, e.g. a second partial refund), which is always an
update. It is deliberately not derived from ``payments_core.status.TRANSITIONS``.

Two moves look backwards and are allowed on purpose: ``refund_pending`` back to
a captured state (the bank refused the refund; otherwise the payment would be
stuck), and ``authorized`` to ``declined`` (the capture was declined).
"""

from __future__ import annotations

import pytest

from payments_core import PaymentStatus, can_transition, is_final, is_paid

S = PaymentStatus

COLUMNS = [
    S.CREATED,
    S.PENDING,
    S.PROCESSING,
    S.AUTHORIZED,
    S.PARTIALLY_CAPTURED,
    S.CAPTURED,
    S.DECLINED,
    S.EXPIRED,
    S.CANCELED,
    S.REFUND_PENDING,
    S.PARTIALLY_REFUNDED,
    S.REFUNDED,
]

# fmt: off
MATRIX = """
                    cre pen pro aut pca cap dec exp can rpe prf ref
created              =   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y
pending              .   =   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y
processing           .   .   =   Y   Y   Y   Y   Y   Y   Y   Y   Y
authorized           .   .   .   =   Y   Y   Y   Y   Y   Y   Y   Y
partially_captured   .   .   .   .   =   Y   .   .   .   Y   Y   Y
captured             .   .   .   .   .   =   .   .   .   Y   Y   Y
declined             .   .   .   .   .   .   =   .   .   .   .   .
expired              .   .   .   .   .   .   .   =   .   .   .   .
canceled             .   .   .   .   .   .   .   .   =   .   .   .
refund_pending       .   .   .   .   Y   Y   .   .   .   =   Y   Y
partially_refunded   .   .   .   .   .   .   .   .   .   Y   =   Y
refunded             .   .   .   .   .   .   .   .   .   .   .   =
"""
# fmt: on


def _expected() -> dict[tuple[PaymentStatus, PaymentStatus], bool]:
    rows = [line.split() for line in MATRIX.strip().splitlines()[1:]]
    table: dict[tuple[PaymentStatus, PaymentStatus], bool] = {}
    for row in rows:
        old = PaymentStatus(row[0])
        for new, mark in zip(COLUMNS, row[1:], strict=True):
            assert mark in "=Y."
            assert (mark == "=") == (old == new), f"diagonal of {old} is wrong in the matrix"
            table[old, new] = mark in "=Y"
    return table


EXPECTED = _expected()

FINAL = {S.DECLINED, S.EXPIRED, S.CANCELED, S.REFUNDED}
PAID = {S.PARTIALLY_CAPTURED, S.CAPTURED, S.REFUND_PENDING, S.PARTIALLY_REFUNDED}


def test_the_matrix_covers_every_status_in_both_directions() -> None:
    assert set(COLUMNS) == set(PaymentStatus)
    assert len(EXPECTED) == len(PaymentStatus) ** 2


@pytest.mark.parametrize(
    ("old", "new"), sorted(EXPECTED), ids=[f"{o.value}->{n.value}" for o, n in sorted(EXPECTED)]
)
def test_transition(old: PaymentStatus, new: PaymentStatus) -> None:
    assert can_transition(old, new) is EXPECTED[old, new]


@pytest.mark.parametrize("status", list(PaymentStatus))
def test_is_final(status: PaymentStatus) -> None:
    assert is_final(status) is (status in FINAL)


@pytest.mark.parametrize("status", list(PaymentStatus))
def test_is_paid(status: PaymentStatus) -> None:
    assert is_paid(status) is (status in PAID)


@pytest.mark.parametrize("status", sorted(FINAL))
def test_nothing_follows_a_final_status(status: PaymentStatus) -> None:
    assert [new for new in PaymentStatus if new != status and can_transition(status, new)] == []


def test_no_two_statuses_can_each_follow_the_other_except_refund_rounds() -> None:
    """Forward only: a cycle would let stale updates flip a payment back and forth.

    The deliberate exceptions are refund rounds: a partially refunded payment can
    get another refund request, which can end partially refunded again; and a
    captured payment's refund request can fail, leaving it captured.
    """
    cycles = {
        (old, new)
        for old in PaymentStatus
        for new in PaymentStatus
        if old != new and can_transition(old, new) and can_transition(new, old)
    }
    assert cycles == {
        (S.REFUND_PENDING, S.PARTIALLY_REFUNDED),
        (S.PARTIALLY_REFUNDED, S.REFUND_PENDING),
        (S.REFUND_PENDING, S.CAPTURED),
        (S.CAPTURED, S.REFUND_PENDING),
        (S.REFUND_PENDING, S.PARTIALLY_CAPTURED),
        (S.PARTIALLY_CAPTURED, S.REFUND_PENDING),
    }


def test_authorized_is_held_money_not_paid_money() -> None:
    assert not is_paid(S.AUTHORIZED)
    assert not is_final(S.AUTHORIZED)


def test_pending_is_never_reported_as_paid() -> None:
    assert not is_paid(S.PENDING)
    assert not is_paid(S.PROCESSING)
    assert not is_paid(S.CREATED)


def test_statuses_are_plain_strings_on_the_wire() -> None:
    assert [status.value for status in COLUMNS] == [
        "created",
        "pending",
        "processing",
        "authorized",
        "partially_captured",
        "captured",
        "declined",
        "expired",
        "canceled",
        "refund_pending",
        "partially_refunded",
        "refunded",
    ]
