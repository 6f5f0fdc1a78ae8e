"""BOG's facts about each ``order_status.key``, row by row, and the code that reads them.

The rows below are written from the reference (§2.3, §2.4, §4.1), independently of
``STATUS_FACTS``: a wrong cell in the table fails its row, naming the column.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import pytest
from payments_bog.prechecks import held_amount, refund_amount
from payments_bog.receipt import order_facts, payment_from_receipt
from payments_bog.statuses import STATUS_FACTS, STATUS_TABLE, StatusFacts
from payments_bog.wire import Receipt

from payments_core import InvalidStateError, Money, PaymentStatus

COLUMNS = ("status", "held", "paid", "captured", "refunded", "refundable", "refund_pending")

# fmt: off
ROWS: list[tuple[str, str, bool, bool, bool, bool, bool, bool]] = [
    # (key, status, held, paid, captured, refunded, refundable, refund_pending)
    ("created",            "pending",            False, False, False, False, False, False),
    ("processing",         "processing",         False, False, False, False, False, False),
    ("auth_requested",     "processing",         False, False, False, False, False, False),
    ("blocked",            "authorized",         True,  False, False, False, False, False),
    ("completed",          "captured",           False, True,  True,  False, True,  False),
    ("partial_completed",  "partially_captured", False, True,  True,  False, True,  False),
    ("rejected",           "declined",           False, False, False, False, False, False),
    ("refund_requested",   "refund_pending",     False, True,  False, False, False, True),
    ("refunded",           "refunded",           False, True,  False, True,  False, False),
    ("refunded_partially", "partially_refunded", False, True,  False, True,  True,  False),
]
"""One row per documented key: the status's value, then the facts in the order of
``COLUMNS`` (held, paid, captured, refunded, refundable, refund pending)."""
# fmt: on

UNKNOWN_KEYS = ["chargeback", "reversed", "COMPLETED_LATER", ""]


def test_the_columns_are_the_facts_the_code_asks() -> None:
    assert tuple(field.name for field in dataclasses.fields(StatusFacts)) == COLUMNS


def test_the_table_has_a_row_for_exactly_the_documented_keys() -> None:
    assert list(STATUS_FACTS) == [row[0] for row in ROWS]


@pytest.mark.parametrize("row", ROWS, ids=[row[0] for row in ROWS])
def test_each_key_has_its_facts(row: tuple[Any, ...]) -> None:
    key, status, *facts = row

    expected = dict(zip(COLUMNS, [PaymentStatus(status), *facts], strict=True))
    assert dataclasses.asdict(STATUS_FACTS[key]) == expected


@pytest.mark.parametrize("row", ROWS, ids=[row[0] for row in ROWS])
def test_the_status_table_is_the_status_column(row: tuple[Any, ...]) -> None:
    assert STATUS_TABLE[row[0]] is PaymentStatus(row[1])


@pytest.mark.parametrize("key", list(STATUS_FACTS))
def test_no_order_is_both_held_and_paid(key: str) -> None:
    facts = STATUS_FACTS[key]

    assert not (facts.held and facts.paid)
    assert not facts.refundable or facts.paid
    assert not facts.refund_pending or facts.paid


# -- the code reads the table: a receipt in each status ------------------------------------


def _receipt(key: str) -> Receipt:
    """A receipt BOG could send in ``key``: 10.00 taken (or held), 4.00 of it refunded
    in the refund states, so 6.00 is left."""
    refunded = key.startswith("refund")
    return Receipt.model_validate(
        {
            "order_id": "order-1",
            "capture": "manual" if key == "blocked" else "automatic",
            "order_status": {"key": key},
            "purchase_units": {
                "request_amount": "10.00",
                "transfer_amount": "6.00" if refunded else "10.00",
                "refund_amount": "4.00" if refunded else "0",
                "currency_code": "GEL",
            },
            "payment_detail": {"transfer_method": {"key": "card"}},
        }
    )


PAID = payment_from_receipt(_receipt("completed"))
"""A paid payment, for the messages of the checks that refuse the others."""


@pytest.mark.parametrize("row", ROWS, ids=[row[0] for row in ROWS])
def test_receipt_amounts_follow_the_held_and_paid_columns(row: tuple[Any, ...]) -> None:
    key, _status, held, paid = row[:4]

    facts = order_facts(_receipt(key))

    if held:
        assert (facts.authorized, facts.captured) == (Decimal("10.00"), Decimal(0))
    elif paid:
        assert (facts.authorized, facts.captured) == (Decimal("10.00"), Decimal("10.00"))
        assert facts.refunded == (Decimal("4.00") if key.startswith("refund") else 0)
    else:
        assert (facts.authorized, facts.captured, facts.refunded) == (0, 0, 0)


@pytest.mark.parametrize("row", ROWS, ids=[row[0] for row in ROWS])
def test_a_refund_is_sent_only_in_refundable_states(row: tuple[Any, ...]) -> None:
    key, refundable, refund_pending = row[0], row[6], row[7]
    receipt = _receipt(key)

    if refundable:
        left = receipt.purchase_units.transfer_amount  # type: ignore[union-attr]
        payment = payment_from_receipt(receipt)
        assert refund_amount(receipt, payment, "order-1", None) == Money(left, "GEL")
        return
    with pytest.raises(InvalidStateError) as refused:
        refund_amount(receipt, PAID, "order-1", None)
    assert ("under way" in refused.value.message) is refund_pending


@pytest.mark.parametrize("row", ROWS, ids=[row[0] for row in ROWS])
def test_capture_and_void_need_the_held_column(row: tuple[Any, ...]) -> None:
    key, held = row[0], row[2]
    receipt = _receipt(key)

    if held:
        assert held_amount(receipt, PAID, "order-1", "capture") == Money("10.00", "GEL")
        return
    with pytest.raises(InvalidStateError, match="not authorized"):
        held_amount(receipt, PAID, "order-1", "capture")


@pytest.mark.parametrize("key", UNKNOWN_KEYS)
def test_an_unknown_key_has_no_row_and_allows_nothing(key: str) -> None:
    receipt = _receipt(key)

    assert STATUS_FACTS.get(key) is None
    facts = order_facts(receipt)
    assert (facts.authorized, facts.captured, facts.refunded) == (None, None, None)
    with pytest.raises(InvalidStateError, match="only a paid payment"):
        refund_amount(receipt, PAID, "order-1", None)
    with pytest.raises(InvalidStateError, match="not authorized"):
        held_amount(receipt, PAID, "order-1", "void")
