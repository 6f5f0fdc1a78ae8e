"""Idempotency keys hold across processes and restarts when the facades share a journal.

Each facade here stands for one process: it has a :class:`Journal` object of its own
on the test's database, and shares nothing else with the others.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from payments_core import (
    ErrorCode,
    InvalidRequestError,
    InvalidStateError,
    Operation,
    OperationStatus,
    OutcomeUnknownError,
    Payments,
    ProviderUnavailableError,
    RetryPolicy,
    hookimpl,
)
from payments_core.journal import Journal, JournalIdempotencyStore
from payments_core.provider import SentRequest
from payments_core.redact import HttpExchange
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


def process(bank: Bog | Tbc, url: str, **options: object) -> Payments:
    """A facade with a journal of its own on ``url``: one process of the shop."""
    return bank.facade(bank.journal(url), **options)


def another_process_claims(journal: Journal, key: str, payment_id: str) -> JournalIdempotencyStore:
    """Another process claims ``key`` for a 5.00 GEL refund (and is then free to stop)."""
    store = journal.idempotency_store(lease=60.0)
    claim = store.claim(GATEWAY, key, refund_fingerprint(payment_id, FIVE))
    assert claim.state == "new"
    return store


def test_a_refund_key_repeated_by_another_process_returns_the_first_outcome(
    bog: Bog, url: str
) -> None:
    first, second = process(bog, url), process(bog, url)
    payment = bog.paid(first)
    refunded = first.refund(payment.id, FIVE, idempotency_key="refund-1")
    seen = bog.api_requests

    again = second.refund(payment.id, FIVE, idempotency_key="refund-1")

    assert again == refunded
    assert bog.refunds("refund-1") == 1
    assert bog.api_requests == seen  # answered from the journal


def test_a_refund_key_repeated_after_a_restart_returns_the_first_outcome(
    bog: Bog, url: str
) -> None:
    before = process(bog, url)
    payment = bog.paid(before)
    refunded = before.refund(payment.id, FIVE, idempotency_key="refund-1")
    before.close()

    after = process(bog, url)

    assert after.refund(payment.id, FIVE, idempotency_key="refund-1") == refunded
    assert bog.refunds("refund-1") == 1


def test_the_same_key_with_another_amount_is_a_conflict_before_any_request(
    bog: Bog, url: str
) -> None:
    first, second = process(bog, url), process(bog, url)
    payment = bog.paid(first)
    first.refund(payment.id, FIVE, idempotency_key="refund-1")
    seen = bog.api_requests

    with pytest.raises(InvalidRequestError) as refused:
        second.refund(payment.id, gel("6.00"), idempotency_key="refund-1")

    assert refused.value.code is ErrorCode.IDEMPOTENCY_CONFLICT
    assert bog.api_requests == seen
    assert bog.refunds("refund-1") == 1


def test_a_create_repeated_after_a_restart_returns_the_same_payment(bog: Bog, url: str) -> None:
    request = bog.checkout(idempotency_key="checkout-1")
    before = process(bog, url)
    created = before.create_payment(request)
    before.close()
    seen = bog.api_requests

    again = process(bog, url).create_payment(request)

    assert again.id == created.id
    assert bog.sandbox.counters.orders_created == 1
    assert bog.api_requests == seen


def test_a_key_whose_first_attempt_was_refused_can_be_tried_again(bog: Bog, url: str) -> None:
    first, second = process(bog, url), process(bog, url)
    payment = first.create_payment(bog.checkout())
    with pytest.raises(InvalidStateError):  # not paid yet: nothing to refund
        first.refund(payment.id, FIVE, idempotency_key="refund-1")
    assert second.journal is not None
    record = second.journal.operation(GATEWAY, "refund-1")
    assert record is not None
    assert record.state == "failed"
    bog.pay(payment.id)

    refunded = second.refund(payment.id, FIVE, idempotency_key="refund-1")

    assert refunded.amount == FIVE
    assert bog.refunds("refund-1") == 1
    record = second.journal.operation(GATEWAY, "refund-1")
    assert record is not None
    assert (record.state, record.attempts) == ("succeeded", 2)


def test_an_operation_whose_process_stopped_before_sending_is_taken_over_as_new(
    bog: Bog, url: str
) -> None:
    facade = process(bog, url)
    payment = bog.paid(facade)
    stopped = bog.journal(url)
    another_process_claims(stopped, "refund-1", payment.id)
    set_lease(stopped, "refund-1", seconds=-1)

    refunded = facade.refund(payment.id, FIVE, idempotency_key="refund-1")

    assert refunded.status in (OperationStatus.PENDING, OperationStatus.SUCCEEDED)
    assert bog.refunds("refund-1") == 1
    record = stopped.operation(GATEWAY, "refund-1")
    assert record is not None
    assert (record.state, record.attempts) == ("succeeded", 2)


def test_a_key_another_process_is_sending_makes_a_caller_wait_then_report_the_outcome_unknown(
    bog: Bog, url: str
) -> None:
    facade = process(bog, url, retry=RetryPolicy(deadline=2.0))
    payment = bog.paid(facade)
    sender = another_process_claims(bog.journal(url), "refund-1", payment.id)
    sender.sending(
        GATEWAY, "refund-1", SentRequest("POST", "https://bog.invalid/refund", (), b"{}")
    )

    with pytest.raises(OutcomeUnknownError) as unknown:
        facade.refund(payment.id, FIVE, idempotency_key="refund-1")

    assert unknown.value.safe_to_repeat
    assert "still in progress" in unknown.value.message
    assert bog.slept.total >= 2.0  # it waited for the other process for its whole deadline
    assert bog.refunds("refund-1") == 0
    assert not [path for method, path in bog.api_requests if "/refund/" in path]


def test_a_keyed_call_whose_process_stopped_while_sending_is_completed_under_its_key(
    bog: Bog, url: str
) -> None:
    """The process recorded "sending" and stopped before its request left; once its lease
    ran out, the next call with the key sends the recorded request, under the same key."""
    facade = process(bog, url)
    payment = bog.paid(facade)
    stopped_journal = bog.journal(url)
    stopping = bog.facade(None, idempotency_store=StopsAfterSending(stopped_journal, 60.0))
    with pytest.raises(ProcessStopped):
        stopping.refund(payment.id, FIVE, idempotency_key="refund-1")
    record = stopped_journal.operation(GATEWAY, "refund-1")
    assert record is not None
    assert record.state == "sending"
    assert bog.refunds("refund-1") == 0
    set_lease(stopped_journal, "refund-1", seconds=-1)

    refunded = facade.refund(payment.id, FIVE, idempotency_key="refund-1")

    assert refunded.amount == FIVE
    assert bog.refunds("refund-1") == 1
    record = stopped_journal.operation(GATEWAY, "refund-1")
    assert record is not None
    assert record.state == "succeeded"


def test_a_keyless_call_whose_process_stopped_while_sending_is_never_sent_again(
    tbc: Tbc, url: str
) -> None:
    facade = process(tbc, url)
    payment = tbc.paid(facade)
    stopped_journal = tbc.journal(url)
    stopping = tbc.facade(None, idempotency_store=StopsAfterSending(stopped_journal, 60.0))
    with pytest.raises(ProcessStopped):
        stopping.refund(payment.id, FIVE, idempotency_key="refund-1")
    set_lease(stopped_journal, "refund-1", seconds=-1)

    with pytest.raises(OutcomeUnknownError) as unknown:
        facade.refund(payment.id, FIVE, idempotency_key="refund-1")

    assert not unknown.value.safe_to_repeat
    assert tbc.sent("cancel") == 0
    record = stopped_journal.operation(GATEWAY, "refund-1")
    assert record is not None
    assert record.state == "unknown"


class StallsAfterReading:
    """A hook plugin: once this process has read the payment (the refund's checks), it
    stalls past its lease, and meanwhile ``meanwhile`` runs (another process's call)."""

    def __init__(self, journal: Journal, key: str, meanwhile: Callable[[], Operation]) -> None:
        self.journal = journal
        self.key = key
        self.meanwhile = meanwhile
        self.outcome: Operation | None = None

    @hookimpl
    def payments_http_response(self, request: HttpExchange, status_code: int) -> None:
        if request.method == "GET" and self.outcome is None:
            set_lease(self.journal, self.key, seconds=-1)  # the stall outlived the lease
            self.outcome = self.meanwhile()


def test_a_call_that_outlived_its_lease_sends_nothing_once_another_process_took_the_key(
    tbc: Tbc, url: str
) -> None:
    """TBC has no keys: were the late call sent, the customer would be refunded twice."""
    other = process(tbc, url)
    late_journal = tbc.journal(url)
    payment = tbc.paid(other)
    stall = StallsAfterReading(
        late_journal, "refund-1", lambda: other.refund(payment.id, idempotency_key="refund-1")
    )
    late = tbc.facade(late_journal, plugins=[stall])

    with pytest.raises(ProviderUnavailableError, match="nothing was sent"):
        late.refund(payment.id, idempotency_key="refund-1")

    assert stall.outcome is not None  # the other process refunded meanwhile
    assert tbc.sent("cancel") == 1
    record = late_journal.operation(GATEWAY, "refund-1")
    assert record is not None
    assert (record.state, record.attempts) == ("succeeded", 2)
    assert late.refund(payment.id, idempotency_key="refund-1") == stall.outcome
