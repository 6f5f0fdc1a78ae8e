"""``order_status.key`` → PaymentStatus, row by row, then the refinements."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest
from payments_bog.statuses import STATUS_TABLE, OrderFacts, payment_status

from payments_core import PaymentStatus

# Written from the reference (§4.1), independently of the table in statuses.py.
EXPECTED = {
    "created": PaymentStatus.PENDING,
    "processing": PaymentStatus.PROCESSING,
    "completed": PaymentStatus.CAPTURED,
    "rejected": PaymentStatus.DECLINED,
    "refund_requested": PaymentStatus.REFUND_PENDING,
    "refunded": PaymentStatus.REFUNDED,
    "refunded_partially": PaymentStatus.PARTIALLY_REFUNDED,
    "auth_requested": PaymentStatus.PROCESSING,
    "blocked": PaymentStatus.AUTHORIZED,
    "partial_completed": PaymentStatus.PARTIALLY_CAPTURED,
}


def test_the_table_covers_exactly_the_documented_keys() -> None:
    assert set(STATUS_TABLE) == set(EXPECTED)


@pytest.mark.parametrize(("key", "status"), sorted(EXPECTED.items()))
def test_each_documented_key_has_its_usual_status(key: str, status: PaymentStatus) -> None:
    assert payment_status(OrderFacts(key=key)) is status


@pytest.mark.parametrize("key", ["COMPLETED", "Blocked", " refunded "])
def test_keys_are_compared_case_insensitively(key: str) -> None:
    assert payment_status(OrderFacts(key=key)) is EXPECTED[key.strip().lower()]


@pytest.mark.parametrize("key", ["chargeback", "reversed", "", None])
def test_unknown_key_reads_as_processing_with_a_warning(
    key: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="payments_bog"):
        status = payment_status(OrderFacts(key=key))

    assert status is PaymentStatus.PROCESSING
    assert "undocumented order status" in caplog.text


def test_rejected_by_expiration_is_expired() -> None:
    assert (
        payment_status(OrderFacts(key="rejected", reject_reason="expiration"))
        is PaymentStatus.EXPIRED
    )


def test_rejected_after_a_cancelled_hold_is_canceled() -> None:
    facts = OrderFacts(key="rejected", manual=True, hold_cancelled=True)

    assert payment_status(facts) is PaymentStatus.CANCELED


def test_refunded_after_a_cancelled_hold_with_nothing_captured_is_canceled() -> None:
    facts = OrderFacts(key="refunded", manual=True, hold_cancelled=True, captured=Decimal(0))

    assert payment_status(facts) is PaymentStatus.CANCELED


def test_completed_manual_order_below_the_hold_is_partially_captured() -> None:
    facts = OrderFacts(key="completed", manual=True, authorized=Decimal(60), captured=Decimal(30))

    assert payment_status(facts) is PaymentStatus.PARTIALLY_CAPTURED


def test_completed_manual_order_for_the_whole_hold_is_captured() -> None:
    facts = OrderFacts(key="completed", manual=True, authorized=Decimal(60), captured=Decimal(60))

    assert payment_status(facts) is PaymentStatus.CAPTURED


@pytest.mark.parametrize(
    ("key", "refunded", "status"),
    [
        ("completed", "4.00", PaymentStatus.PARTIALLY_REFUNDED),
        ("refunded", "4.00", PaymentStatus.PARTIALLY_REFUNDED),
        ("refunded_partially", "10.00", PaymentStatus.REFUNDED),
        ("partial_completed", "10.00", PaymentStatus.REFUNDED),
    ],
)
def test_refunded_amounts_decide_between_partial_and_full_refund(
    key: str, refunded: str, status: PaymentStatus
) -> None:
    facts = OrderFacts(key=key, captured=Decimal("10.00"), refunded=Decimal(refunded))

    assert payment_status(facts) is status
