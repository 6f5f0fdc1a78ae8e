"""TBC's status table, fact by fact and row by row.

Each fact (a column of ``STATUS_FACTS``) has one test, run once for every status
TBC documents, so a wrong cell fails on its own. The expected values are written
out here, independently of the table: for a yes/no fact, the statuses it holds for.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from payments_tbc.statuses import STATUS_FACTS, UNKNOWN_FACTS, StatusFacts, facts_for

from payments_core.models import OperationStatus
from payments_core.status import PaymentStatus

DOCUMENTED = (
    "Created",
    "Processing",
    "Succeeded",
    "Failed",
    "Expired",
    "WaitingConfirm",
    "PaymentCompletionProcessing",
    "CancelPaymentProcessing",
    "Returned",
    "PartialReturned",
)
"""TBC's payment statuses (reference §5)."""


def _rows(expected: Mapping[str, Any], otherwise: Any) -> list[tuple[str, Any]]:
    """One ``(status, value)`` row per documented status: ``expected``'s, else ``otherwise``."""
    assert set(expected) <= set(DOCUMENTED), set(expected) - set(DOCUMENTED)
    return [(tbc, expected.get(tbc, otherwise)) for tbc in DOCUMENTED]


def _holds_for(*statuses: str) -> list[tuple[str, bool]]:
    return _rows(dict.fromkeys(statuses, True), False)


def _facts(tbc: str) -> StatusFacts:
    """The row, found the way an answer's status is: in any case, with spaces."""
    facts = facts_for(f" {tbc.lower()} ")
    assert facts is STATUS_FACTS[tbc]
    return facts


def test_the_table_has_exactly_the_documented_statuses() -> None:
    assert tuple(STATUS_FACTS) == DOCUMENTED


@pytest.mark.parametrize(
    ("tbc", "expected"),
    _rows(
        {
            "Created": PaymentStatus.PENDING,
            "Processing": PaymentStatus.PROCESSING,
            "Succeeded": PaymentStatus.CAPTURED,
            "Failed": PaymentStatus.DECLINED,
            "Expired": PaymentStatus.EXPIRED,
            "WaitingConfirm": PaymentStatus.AUTHORIZED,
            "PaymentCompletionProcessing": PaymentStatus.AUTHORIZED,
            "CancelPaymentProcessing": PaymentStatus.REFUND_PENDING,
            "Returned": PaymentStatus.REFUNDED,
            "PartialReturned": PaymentStatus.PARTIALLY_REFUNDED,
        },
        None,
    ),
)
def test_the_usual_normalized_status(tbc: str, expected: PaymentStatus) -> None:
    assert _facts(tbc).status is expected


@pytest.mark.parametrize(
    ("tbc", "expected"), _holds_for("WaitingConfirm", "PaymentCompletionProcessing")
)
def test_held_funds_of_a_pre_authorization(tbc: str, expected: bool) -> None:
    assert _facts(tbc).held is expected


@pytest.mark.parametrize(
    ("tbc", "expected"),
    _holds_for("Succeeded", "CancelPaymentProcessing", "Returned", "PartialReturned"),
)
def test_money_taken(tbc: str, expected: bool) -> None:
    assert _facts(tbc).money_taken is expected


@pytest.mark.parametrize(
    ("tbc", "expected"), _holds_for("Succeeded", "Returned", "PartialReturned")
)
def test_paid(tbc: str, expected: bool) -> None:
    assert _facts(tbc).paid is expected


@pytest.mark.parametrize(("tbc", "expected"), _holds_for("Succeeded", "PartialReturned"))
def test_refundable(tbc: str, expected: bool) -> None:
    assert _facts(tbc).refundable is expected


@pytest.mark.parametrize(("tbc", "expected"), _holds_for("WaitingConfirm"))
def test_capturable_and_voidable(tbc: str, expected: bool) -> None:
    assert _facts(tbc).capturable is expected


@pytest.mark.parametrize(
    ("tbc", "expected"), _holds_for("PaymentCompletionProcessing", "CancelPaymentProcessing")
)
def test_another_operation_under_way(tbc: str, expected: bool) -> None:
    assert _facts(tbc).under_way is expected


@pytest.mark.parametrize(
    ("tbc", "expected"),
    _rows(
        {
            "CancelPaymentProcessing": PaymentStatus.AUTHORIZED,
            "Returned": PaymentStatus.CANCELED,
        },
        None,
    ),
)
def test_the_status_of_a_hold_of_which_nothing_was_captured(
    tbc: str, expected: PaymentStatus | None
) -> None:
    assert _facts(tbc).if_nothing_captured is expected


@pytest.mark.parametrize(
    ("tbc", "expected"), _rows({"Succeeded": PaymentStatus.PARTIALLY_CAPTURED}, None)
)
def test_the_status_of_a_hold_captured_in_part(tbc: str, expected: PaymentStatus | None) -> None:
    assert _facts(tbc).if_partly_captured is expected


@pytest.mark.parametrize(
    ("tbc", "expected"),
    _rows(
        {"Succeeded": OperationStatus.SUCCEEDED, "Failed": OperationStatus.FAILED},
        OperationStatus.PENDING,
    ),
)
def test_the_outcome_of_a_capture_answered_with_the_status(
    tbc: str, expected: OperationStatus
) -> None:
    assert _facts(tbc).capture_outcome is expected


@pytest.mark.parametrize(
    "unknown", ["AutoReversed", "Deleted", "ExpirationProcessing", "", "   ", None]
)
def test_an_undocumented_status_is_processing_with_every_fact_false(unknown: str | None) -> None:
    facts = facts_for(unknown)
    assert facts is UNKNOWN_FACTS
    assert facts.status is PaymentStatus.PROCESSING
    flags = ("held", "money_taken", "paid", "refundable", "capturable", "under_way")
    assert [flag for flag in flags if getattr(facts, flag)] == []
    assert facts.if_nothing_captured is None
    assert facts.if_partly_captured is None
    assert facts.capture_outcome is OperationStatus.PENDING
