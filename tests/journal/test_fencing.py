"""A call that outlived its lease on an idempotency key cannot act on it any more.

The journal's claim on a key holds for the call's deadline plus a margin. When a
process stalls past it, another call may take the key over; the first one's later
writes (``sending``, the outcome) are then refused, so it sends nothing and never
overwrites the new holder's record.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, update

from payments_core import ErrorCode, ProviderUnavailableError
from payments_core.idempotency import ClaimState, Fingerprint
from payments_core.journal import Journal, JournalIdempotencyStore, schema
from payments_core.journal.due import take as _take
from payments_core.provider import SentRequest

REFUND = Fingerprint("refund", "pay-1", "5.00 GEL")
SENT = SentRequest("POST", "https://gateway.test/refund/pay-1", (), b"{}")


@pytest.fixture
def journal(journal_url: str) -> Journal:
    opened = Journal(journal_url, create=True)
    opened.migrate()
    return opened


def _expire_lease(journal: Journal, key: str) -> None:
    ops = schema.operations

    def expire(connection: Connection) -> None:
        connection.execute(update(ops).where(ops.c.idempotency_key == key).values(lease_until=0.0))

    journal.run(expire)


def test_a_holder_whose_lease_ran_out_is_refused_before_sending(journal: Journal) -> None:
    first = journal.idempotency_store(lease=60)
    second = journal.idempotency_store(lease=60)
    assert first.claim("g", "k1", REFUND).state is ClaimState.NEW
    _expire_lease(journal, "k1")

    assert second.claim("g", "k1", REFUND).state is ClaimState.NEW  # taken over
    with pytest.raises(ProviderUnavailableError) as refused:
        first.sending("g", "k1", SENT)

    assert refused.value.code is ErrorCode.JOURNAL_UNAVAILABLE
    assert "nothing was sent" in refused.value.message
    second.sending("g", "k1", SENT)  # the new holder goes on
    record = journal.operation("g", "k1")
    assert record is not None
    assert record.state == "sending"
    assert record.attempts == 2


def test_a_stale_holder_cannot_overwrite_the_new_holders_outcome(journal: Journal) -> None:
    first: JournalIdempotencyStore = journal.idempotency_store(lease=60)
    second: JournalIdempotencyStore = journal.idempotency_store(lease=60)
    first.claim("g", "k2", REFUND)
    _expire_lease(journal, "k2")
    second.claim("g", "k2", REFUND)
    second.sending("g", "k2", SENT)

    first.release("g", "k2")  # the stalled call gives up: it must not mark it failed
    first.succeeded("g", "k2", {"late": True})

    record = journal.operation("g", "k2")
    assert record is not None
    assert record.state == "sending"
    second.succeeded("g", "k2", {"refund": "ok"})
    assert second.claim("g", "k2", REFUND).outcome == {"refund": "ok"}


def test_a_holder_whose_call_was_marked_unknown_by_the_reconciler_may_still_record_it(
    journal: Journal,
) -> None:
    """Taking a stalled "sending" row as unknown does not take the key from its holder:
    if the holder then sees the answer, that answer is the outcome."""
    store = journal.idempotency_store(lease=60)
    store.claim("g", "k3", REFUND)
    store.sending("g", "k3", SENT)
    _expire_lease(journal, "k3")
    [(taken, before)] = journal.run(_take, 10, 300.0)
    assert (before, taken.state) == ("sending", "unknown")

    store.succeeded("g", "k3", {"refund": "late"})

    record = journal.operation("g", "k3")
    assert record is not None
    assert record.state == "succeeded"


def test_a_settled_call_writes_nothing_more(journal: Journal) -> None:
    store = journal.idempotency_store(lease=60)
    store.claim("g", "k4", REFUND)
    store.unknown("g", "k4")

    store.succeeded("g", "k4", {"refund": "twice"})

    record = journal.operation("g", "k4")
    assert record is not None
    assert record.state == "unknown"
