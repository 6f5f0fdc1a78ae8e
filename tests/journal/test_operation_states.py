"""The state words an operation goes through, and how reconciliation settles the unknown.

BOG honours idempotency keys: the reconciler repeats an unknown call under its key and
BOG answers with the first outcome. TBC has none: the reconciler never sends the call
again; it reads the payment, and what the payment does not show stays unknown until
the schedule ends, then is flagged for a person (never marked failed).
"""

from __future__ import annotations

import time
from typing import Literal

import pytest
from payments_bog.sandbox import Fault as BogFault
from payments_tbc.sandbox import Fault as TbcFault

from payments_core import OperationStatus, OutcomeUnknownError, Payment, Payments
from payments_core.idempotency import CallDetails, Fingerprint
from payments_core.journal import Journal, reconcile_once
from payments_core.provider import SentRequest
from tests.journal.support import (
    GATEWAY,
    Bog,
    ProcessStopped,
    StopsAfterSending,
    Tbc,
    gel,
    refund_fingerprint,
    set_lease,
)

FIVE = gel("5.00")
SCHEDULE = (0.25, 0.25)
"""Two checks for an unknown operation: the first at once, the second 250 ms later
(long enough that "not due yet" holds on a loaded machine)."""


@pytest.fixture
def journal(url: str, bog: Bog) -> Journal:
    """A journal on the test's database with a short reconciliation schedule."""
    return bog.journal(url, schedule=SCHEDULE)


def operation_state(journal: Journal, key: str) -> str:
    record = journal.operation(GATEWAY, key)
    assert record is not None
    return record.state


def operation_moves(journal: Journal, payment_id: str, operation_id: int) -> list[str | None]:
    """The state words one operation went through, in the audit trail's order."""
    return [
        event.to_state
        for event in journal.history(payment_id).events
        if event.operation_id == operation_id and event.kind == "operation"
    ]


def lost_refund_at_bog(bog: Bog, facade: Payments, payment: Payment, key: str) -> None:
    """A refund BOG carries out but whose answer never arrives (every attempt's)."""
    bog.sandbox.add_fault(BogFault("refund", "drop", when="after", times=None))
    try:
        with pytest.raises(OutcomeUnknownError) as unknown:
            facade.refund(payment.id, FIVE, idempotency_key=key)
    finally:
        bog.sandbox.clear_faults()
    assert unknown.value.safe_to_repeat


def lost_refund_at_tbc(
    tbc: Tbc, facade: Payments, payment: Payment, key: str, when: Literal["before", "after"]
) -> None:
    """A refund whose connection drops ``before`` TBC handles it or ``after``."""
    tbc.sandbox.add_fault(TbcFault("cancel", "drop", when=when))
    with pytest.raises(OutcomeUnknownError) as unknown:
        facade.refund(payment.id, FIVE, idempotency_key=key)
    assert not unknown.value.safe_to_repeat


def test_a_created_payment_is_intended_then_sending_then_succeeded(
    bog: Bog, journal: Journal
) -> None:
    payment = bog.facade(journal).create_payment(bog.checkout(idempotency_key="checkout-1"))
    record = journal.operation(GATEWAY, "checkout-1")
    assert record is not None
    assert (record.operation, record.state, record.payment_id) == (
        "create_payment",
        "succeeded",
        payment.id,
    )
    assert operation_moves(journal, payment.id, record.id) == ["intended", "sending", "succeeded"]


def test_a_refund_whose_answer_was_lost_is_unknown(bog: Bog, journal: Journal) -> None:
    facade = bog.facade(journal)
    payment = bog.paid(facade)
    lost_refund_at_bog(bog, facade, payment, "refund-1")
    assert operation_state(journal, "refund-1") == "unknown"
    assert bog.refunds("refund-1") == 1  # BOG did carry it out


def test_the_reconciler_settles_a_lost_refund_by_repeating_it_under_its_key(
    bog: Bog, journal: Journal
) -> None:
    facade = bog.facade(journal)
    payment = bog.paid(facade)
    lost_refund_at_bog(bog, facade, payment, "refund-1")
    replays = bog.sandbox.counters.idempotent_replays

    report = reconcile_once(journal, {GATEWAY: facade})

    assert [(r.idempotency_key, r.before) for r in report.resolutions] == [("refund-1", "unknown")]
    assert operation_state(journal, "refund-1") == "reconciled"
    assert bog.refunds("refund-1") == 1
    assert bog.sandbox.counters.idempotent_replays > replays  # BOG answered the repeat


def test_the_reconciler_finishes_a_refund_whose_process_stopped_while_sending(
    bog: Bog, journal: Journal
) -> None:
    facade = bog.facade(journal)
    payment = bog.paid(facade)
    stopping = bog.facade(None, idempotency_store=StopsAfterSending(journal, 60.0))
    with pytest.raises(ProcessStopped):
        stopping.refund(payment.id, FIVE, idempotency_key="refund-1")
    set_lease(journal, "refund-1", seconds=-1)

    report = reconcile_once(journal, {GATEWAY: facade})

    assert [(r.idempotency_key, r.before) for r in report.resolutions] == [("refund-1", "sending")]
    assert operation_state(journal, "refund-1") == "reconciled"
    assert bog.refunds("refund-1") == 1


def test_the_reconciler_fails_an_operation_whose_process_stopped_before_sending(
    bog: Bog, journal: Journal
) -> None:
    facade = bog.facade(journal)
    payment = bog.paid(facade)
    store = journal.idempotency_store(lease=60.0)
    store.claim(GATEWAY, "refund-1", refund_fingerprint(payment.id, FIVE))
    set_lease(journal, "refund-1", seconds=-1)
    seen = bog.api_requests

    report = reconcile_once(journal, {GATEWAY: facade})

    assert [(r.before, r.after) for r in report.resolutions] == [("intended", "failed")]
    assert operation_state(journal, "refund-1") == "failed"
    assert bog.api_requests == seen


def test_a_keyless_refund_the_payment_shows_is_reconciled_without_sending_it_again(
    tbc: Tbc, journal: Journal
) -> None:
    facade = tbc.facade(journal)
    payment = tbc.paid(facade)
    lost_refund_at_tbc(tbc, facade, payment, "refund-1", when="after")
    assert operation_state(journal, "refund-1") == "unknown"

    report = reconcile_once(journal, {GATEWAY: facade})

    assert [(r.before, r.after) for r in report.resolutions] == [("unknown", "reconciled")]
    assert operation_state(journal, "refund-1") == "reconciled"
    assert tbc.sent("cancel") == 1
    assert tbc.sandbox.counters.partial_refunds == 1


def test_a_keyless_refund_the_payment_does_not_show_stays_unknown_then_is_flagged(
    tbc: Tbc, journal: Journal
) -> None:
    facade = tbc.facade(journal)
    payment = tbc.paid(facade)
    lost_refund_at_tbc(tbc, facade, payment, "refund-1", when="before")

    first = reconcile_once(journal, {GATEWAY: facade})
    record = journal.operation(GATEWAY, "refund-1")
    assert record is not None
    assert [(r.before, r.after) for r in first.resolutions] == [("unknown", "unknown")]
    assert (record.state, record.flagged) == ("unknown", False)

    time.sleep(SCHEDULE[-1] * 3)
    last = reconcile_once(journal, {GATEWAY: facade})

    record = journal.operation(GATEWAY, "refund-1")
    assert record is not None
    assert [r.after for r in last.resolutions] == ["flagged"]
    assert (record.state, record.flagged) == ("unknown", True)  # never failed by time alone
    assert record.flag_reason
    assert tbc.sent("cancel") == 1
    assert tbc.sandbox.counters.partial_refunds == 0


def test_a_flagged_operation_is_not_taken_again(tbc: Tbc, journal: Journal) -> None:
    facade = tbc.facade(journal)
    payment = tbc.paid(facade)
    lost_refund_at_tbc(tbc, facade, payment, "refund-1", when="before")
    reconcile_once(journal, {GATEWAY: facade})
    time.sleep(SCHEDULE[-1] * 3)
    reconcile_once(journal, {GATEWAY: facade})
    time.sleep(SCHEDULE[-1] * 3)

    assert reconcile_once(journal, {GATEWAY: facade}).resolutions == []


def test_a_keyless_unknown_refund_repeated_by_another_process_is_not_sent_again(
    tbc: Tbc, journal: Journal, url: str
) -> None:
    facade = tbc.facade(journal)
    payment = tbc.paid(facade)
    lost_refund_at_tbc(tbc, facade, payment, "refund-1", when="after")
    another = tbc.facade(tbc.journal(url))

    with pytest.raises(OutcomeUnknownError) as unknown:
        another.refund(payment.id, FIVE, idempotency_key="refund-1")

    assert not unknown.value.safe_to_repeat
    assert tbc.sent("cancel") == 1
    assert operation_state(journal, "refund-1") == "unknown"


def test_a_refund_the_gateway_accepted_as_pending_is_confirmed_by_reading_the_payment(
    bog: Bog, journal: Journal
) -> None:
    facade = bog.facade(journal)
    payment = bog.paid(facade)
    accepted = facade.refund(payment.id, FIVE, idempotency_key="refund-1")
    assert accepted.status is OperationStatus.PENDING  # BOG: "refund request received"
    assert reconcile_once(journal, {GATEWAY: facade}).resolutions == []  # not due yet
    time.sleep(SCHEDULE[0] * 3)
    refunds = bog.refunds("refund-1")

    report = reconcile_once(journal, {GATEWAY: facade})

    assert [(r.before, r.after) for r in report.resolutions] == [("succeeded", "reconciled")]
    record = journal.operation(GATEWAY, "refund-1")
    assert record is not None
    assert (record.state, record.outcome_status) == ("reconciled", "succeeded")
    assert bog.refunds("refund-1") == refunds  # read, never sent again
    again = facade.refund(payment.id, FIVE, idempotency_key="refund-1")
    assert (again.id, again.status) == (accepted.id, OperationStatus.SUCCEEDED)


def test_an_operation_of_a_gateway_not_configured_here_is_left_for_later(
    bog: Bog, journal: Journal
) -> None:
    facade = bog.facade(journal)
    payment = bog.paid(facade)
    lost_refund_at_bog(bog, facade, payment, "refund-1")

    report = reconcile_once(journal, {})

    assert [(r.before, r.after) for r in report.resolutions] == [("unknown", "unknown")]
    record = journal.operation(GATEWAY, "refund-1")
    assert record is not None
    assert (record.state, record.flagged, record.checks) == ("unknown", False, 0)
    time.sleep(SCHEDULE[0] * 3)
    reconcile_once(journal, {GATEWAY: facade})
    assert operation_state(journal, "refund-1") == "reconciled"


def test_a_reconciliation_with_nothing_due_takes_nothing(bog: Bog, journal: Journal) -> None:
    facade = bog.facade(journal)
    bog.paid(facade)
    report = reconcile_once(journal, {GATEWAY: facade})
    assert report.resolutions == []
    assert report.summary() == "0 due: nothing to do"


def test_a_keyless_create_whose_lost_answer_named_its_payment_is_settled_by_reading_it(
    tbc: Tbc, journal: Journal
) -> None:
    """TBC has no idempotency keys, so a lost create is never sent again; if the gateway
    named the payment before the answer was lost, the reconciler reads it by that id."""
    made = tbc.facade(None).create_payment(tbc.checkout())
    creates = tbc.sent("create")
    store = journal.idempotency_store(lease=60.0)
    fingerprint = Fingerprint("create_payment", None, "10.00 GEL", "digest")
    store.claim(GATEWAY, "checkout-1", fingerprint, details=CallDetails("tbc"))
    store.sending(GATEWAY, "checkout-1", SentRequest("POST", "https://tbc.test/", (), b"{}"))
    store.unknown(GATEWAY, "checkout-1", payment_id=made.id)

    report = reconcile_once(journal, {GATEWAY: tbc.facade(journal)})

    assert [(r.before, r.after) for r in report.resolutions] == [("unknown", "reconciled")]
    record = journal.operation(GATEWAY, "checkout-1")
    assert record is not None
    assert (record.state, record.payment_id) == ("reconciled", made.id)
    assert tbc.sent("create") == creates  # read, never created again


def test_a_keyless_create_lost_before_its_payment_was_named_is_flagged(
    tbc: Tbc, journal: Journal
) -> None:
    store = journal.idempotency_store(lease=60.0)
    fingerprint = Fingerprint("create_payment", None, "10.00 GEL", "digest")
    store.claim(GATEWAY, "checkout-2", fingerprint, details=CallDetails("tbc"))
    store.sending(GATEWAY, "checkout-2", SentRequest("POST", "https://tbc.test/", (), b"{}"))
    store.unknown(GATEWAY, "checkout-2")
    facade = tbc.facade(journal)

    reconcile_once(journal, {GATEWAY: facade})
    time.sleep(SCHEDULE[-1] * 3)
    last = reconcile_once(journal, {GATEWAY: facade})

    assert [r.after for r in last.resolutions] == ["flagged"]
    record = journal.operation(GATEWAY, "checkout-2")
    assert record is not None
    assert (record.state, record.flagged) == ("unknown", True)
    assert record.flag_reason is not None
    assert "no payment id" in record.flag_reason
