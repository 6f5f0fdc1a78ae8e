"""The status table, row by row, against an expectation written out by hand.

The matrix below is the specification: a platform may apply an update from
``old`` (row) to ``new`` (column) only where it says ``Y``. ``=`` is the same
status again (new amounts, e.g. a second partial refund), which is always an
update. It is deliberately not derived from ``payments_core.status.TRANSITIONS``.

One move looks backwards and is allowed on purpose: ``authorized`` to
``declined`` (the capture was declined). The table has no cycle; the moves that
go against it with unchanged amounts (a refused refund returning
``refund_pending`` to where it was, a further refund on a partially refunded
payment) need evidence that only ``is_newer`` weighs (tests/test_updates.py).
"""

from __future__ import annotations

import pytest

from payments_core import PaymentStatus, can_transition, is_final, is_paid
from payments_core.status import (
    FINAL_STATUSES,
    MOVES_NEEDING_EVIDENCE,
    PAID_STATUSES,
    STATUS_FACTS,
    TRANSITIONS,
)

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
refund_pending       .   .   .   .   .   .   .   .   .   =   Y   Y
partially_refunded   .   .   .   .   .   .   .   .   .   .   =   Y
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

# What each status says (``STATUS_FACTS``), a row per status and a column per fact:
# final (nothing follows), money_taken (captured at some point: paid or refunded),
# paid (captured money held now), refunded (some of it went back, the refund done).
# fmt: off
FACTS = """
                    final money_taken paid refunded
created               .        .       .      .
pending               .        .       .      .
processing            .        .       .      .
authorized            .        .       .      .
partially_captured    .        Y       Y      .
captured              .        Y       Y      .
declined              Y        .       .      .
expired               Y        .       .      .
canceled              Y        .       .      .
refund_pending        .        Y       Y      .
partially_refunded    .        Y       Y      Y
refunded              Y        Y       .      Y
"""
# fmt: on
FACT_COLUMNS = ("final", "money_taken", "paid", "refunded")


def _expected_facts() -> dict[PaymentStatus, dict[str, bool]]:
    header, *lines = FACTS.strip().splitlines()
    assert tuple(header.split()) == FACT_COLUMNS
    rows = [line.split() for line in lines]
    facts: dict[PaymentStatus, dict[str, bool]] = {}
    for row in rows:
        assert all(mark in "Y." for mark in row[1:])
        facts[PaymentStatus(row[0])] = {
            column: mark == "Y" for column, mark in zip(FACT_COLUMNS, row[1:], strict=True)
        }
    return facts


EXPECTED_FACTS = _expected_facts()

FINAL = {status for status, facts in EXPECTED_FACTS.items() if facts["final"]}
PAID = {status for status, facts in EXPECTED_FACTS.items() if facts["paid"]}


def test_the_matrix_covers_every_status_in_both_directions() -> None:
    assert set(COLUMNS) == set(PaymentStatus)
    assert len(EXPECTED) == len(PaymentStatus) ** 2


@pytest.mark.parametrize(
    ("old", "new"), sorted(EXPECTED), ids=[f"{o.value}->{n.value}" for o, n in sorted(EXPECTED)]
)
def test_transition(old: PaymentStatus, new: PaymentStatus) -> None:
    assert can_transition(old, new) is EXPECTED[old, new]


def test_the_facts_table_has_a_row_for_every_status() -> None:
    assert set(EXPECTED_FACTS) == set(PaymentStatus)
    assert set(STATUS_FACTS) == set(PaymentStatus)


@pytest.mark.parametrize("status", list(PaymentStatus))
def test_final_column(status: PaymentStatus) -> None:
    assert STATUS_FACTS[status].final is EXPECTED_FACTS[status]["final"]


@pytest.mark.parametrize("status", list(PaymentStatus))
def test_money_taken_column(status: PaymentStatus) -> None:
    assert STATUS_FACTS[status].money_taken is EXPECTED_FACTS[status]["money_taken"]


@pytest.mark.parametrize("status", list(PaymentStatus))
def test_paid_column(status: PaymentStatus) -> None:
    assert STATUS_FACTS[status].paid is EXPECTED_FACTS[status]["paid"]


@pytest.mark.parametrize("status", list(PaymentStatus))
def test_refunded_column(status: PaymentStatus) -> None:
    assert STATUS_FACTS[status].refunded is EXPECTED_FACTS[status]["refunded"]


@pytest.mark.parametrize("status", list(PaymentStatus))
def test_a_status_is_final_exactly_when_the_transitions_leave_it_nowhere(
    status: PaymentStatus,
) -> None:
    assert STATUS_FACTS[status].final is (not TRANSITIONS[status])


def test_the_named_sets_are_the_columns() -> None:
    assert FINAL_STATUSES == FINAL
    assert PAID_STATUSES == PAID


@pytest.mark.parametrize("status", list(PaymentStatus))
def test_is_final(status: PaymentStatus) -> None:
    assert is_final(status) is (status in FINAL)


@pytest.mark.parametrize("status", list(PaymentStatus))
def test_is_paid(status: PaymentStatus) -> None:
    assert is_paid(status) is (status in PAID)


@pytest.mark.parametrize("status", sorted(FINAL))
def test_nothing_follows_a_final_status(status: PaymentStatus) -> None:
    assert [new for new in PaymentStatus if new != status and can_transition(status, new)] == []


def test_the_table_has_no_cycle() -> None:
    """Forward only: a cycle would let a stale update flip a payment back and forth."""
    reachable = {old: set(TRANSITIONS[old]) for old in PaymentStatus}
    changed = True
    while changed:
        changed = False
        for targets in reachable.values():
            more = set().union(*(TRANSITIONS[t] for t in targets)) - targets
            if more:
                targets |= more
                changed = True
    assert [status for status in PaymentStatus if status in reachable[status]] == []


def test_moves_needing_evidence_are_exactly_the_backward_refund_moves() -> None:
    assert {
        (S.REFUND_PENDING, S.CAPTURED),
        (S.REFUND_PENDING, S.PARTIALLY_CAPTURED),
        (S.REFUND_PENDING, S.PARTIALLY_REFUNDED),
        (S.PARTIALLY_REFUNDED, S.REFUND_PENDING),
    } == MOVES_NEEDING_EVIDENCE
    backwards = MOVES_NEEDING_EVIDENCE - {(S.REFUND_PENDING, S.PARTIALLY_REFUNDED)}
    assert not any(can_transition(old, new) for old, new in backwards)


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
