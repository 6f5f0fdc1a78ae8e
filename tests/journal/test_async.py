"""``AsyncPayments`` on the journal: the same promises as the sync facade, on the async
engine, and one set of keys shared with sync processes on the same database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from payments_bog.sandbox import Fault

from payments_core import (
    ErrorCode,
    InvalidRequestError,
    OutcomeUnknownError,
    PaymentError,
    ProviderUnavailableError,
)
from payments_core.journal import reconcile_once
from tests.journal.conftest import JournalDatabase
from tests.journal.support import (
    CARD_OK,
    GATEWAY,
    Bog,
    closed_port,
    gel,
    migrated,
    take_database_away,
)

FIVE = gel("5.00")


@pytest.fixture
async def bog() -> AsyncIterator[Bog]:
    bank = Bog()
    yield bank
    await bank.aclose()


async def test_an_async_create_is_recorded_and_replayed_by_another_process(
    bog: Bog, url: str
) -> None:
    request = bog.checkout(idempotency_key="checkout-1")
    first = bog.async_facade(bog.journal(url))
    created = await first.create_payment(request)
    seen = bog.api_requests

    again = await bog.async_facade(bog.journal(url)).create_payment(request)

    assert again.id == created.id
    assert bog.api_requests == seen
    assert first.journal is not None
    record = first.journal.operation(GATEWAY, "checkout-1")
    assert record is not None
    assert (record.state, record.payment_id) == ("succeeded", created.id)
    known = first.journal.payment(GATEWAY, created.id)
    assert known is not None
    assert known.id == created.id


async def test_an_async_refund_repeated_with_its_key_returns_the_first_outcome(
    bog: Bog, url: str
) -> None:
    first = bog.async_facade(bog.journal(url))
    second = bog.async_facade(bog.journal(url))
    payment = await first.create_payment(bog.checkout())
    await bog.sandbox.pay(payment.id, CARD_OK)
    refunded = await first.refund(payment.id, FIVE, idempotency_key="refund-1")

    assert await second.refund(payment.id, FIVE, idempotency_key="refund-1") == refunded
    assert bog.refunds("refund-1") == 1


async def test_an_async_refund_with_a_used_key_and_another_amount_is_a_conflict(
    bog: Bog, url: str
) -> None:
    facade = bog.async_facade(bog.journal(url))
    payment = await facade.create_payment(bog.checkout())
    await bog.sandbox.pay(payment.id, CARD_OK)
    await facade.refund(payment.id, FIVE, idempotency_key="refund-1")
    seen = bog.api_requests

    with pytest.raises(InvalidRequestError) as refused:
        await facade.refund(payment.id, gel("6.00"), idempotency_key="refund-1")

    assert refused.value.code is ErrorCode.IDEMPOTENCY_CONFLICT
    assert bog.api_requests == seen


async def test_a_key_a_sync_process_used_holds_for_an_async_one(bog: Bog, url: str) -> None:
    sync = bog.facade(bog.journal(url))
    payment = sync.create_payment(bog.checkout())
    await bog.sandbox.pay(payment.id, CARD_OK)
    refunded = sync.refund(payment.id, FIVE, idempotency_key="refund-1")
    seen = bog.api_requests

    again = await bog.async_facade(bog.journal(url)).refund(
        payment.id, FIVE, idempotency_key="refund-1"
    )

    assert again == refunded
    assert bog.refunds("refund-1") == 1
    assert bog.api_requests == seen


async def test_a_key_an_async_process_used_holds_for_a_sync_one(bog: Bog, url: str) -> None:
    asynchronous = bog.async_facade(bog.journal(url))
    payment = await asynchronous.create_payment(bog.checkout())
    await bog.sandbox.pay(payment.id, CARD_OK)
    refunded = await asynchronous.refund(payment.id, FIVE, idempotency_key="refund-1")

    again = bog.facade(bog.journal(url)).refund(payment.id, FIVE, idempotency_key="refund-1")

    assert again == refunded
    assert bog.refunds("refund-1") == 1


async def test_an_async_refund_whose_answer_was_lost_is_settled_under_its_key(
    bog: Bog, url: str
) -> None:
    journal = bog.journal(url)
    facade = bog.async_facade(journal)
    payment = await facade.create_payment(bog.checkout())
    await bog.sandbox.pay(payment.id, CARD_OK)
    bog.sandbox.add_fault(Fault("refund", "drop", when="after", times=None))
    with pytest.raises(OutcomeUnknownError):
        await facade.refund(payment.id, FIVE, idempotency_key="refund-1")
    bog.sandbox.clear_faults()
    record = journal.operation(GATEWAY, "refund-1")
    assert record is not None
    assert record.state == "unknown"

    reconcile_once(journal, {GATEWAY: bog.facade(journal)})

    record = journal.operation(GATEWAY, "refund-1")
    assert record is not None
    assert record.state == "reconciled"
    assert bog.refunds("refund-1") == 1


async def test_an_unreachable_journal_stops_an_async_refund_before_anything_is_sent(
    bog: Bog,
) -> None:
    payment = await bog.async_facade(None).create_payment(bog.checkout())
    await bog.sandbox.pay(payment.id, CARD_OK)
    seen = bog.api_requests
    facade = bog.async_facade(f"postgresql://payments@127.0.0.1:{closed_port()}/payments")

    with pytest.raises(ProviderUnavailableError) as failed:
        await facade.refund(payment.id, FIVE, idempotency_key="refund-1")

    assert failed.value.code is ErrorCode.JOURNAL_UNAVAILABLE
    assert bog.api_requests == seen


async def test_an_async_facade_whose_journal_goes_away_gets_a_typed_error(
    bog: Bog, journal_database: JournalDatabase
) -> None:
    journal = bog.journal(migrated(journal_database.url))
    facade = bog.async_facade(journal)
    payment = await facade.create_payment(bog.checkout())
    await bog.sandbox.pay(payment.id, CARD_OK)
    if journal_database.kind == "sqlite":
        await journal.aclose()  # pooled connections would keep the deleted file open
    take_database_away(journal_database, journal)
    seen = bog.api_requests

    with pytest.raises(PaymentError) as failed:
        await facade.refund(payment.id, FIVE, idempotency_key="refund-1")

    assert type(failed.value) is ProviderUnavailableError
    assert failed.value.code is ErrorCode.JOURNAL_UNAVAILABLE
    assert bog.api_requests == seen
