"""The callback inbox: each verified callback applied once, in order, whichever process
receives it; a forged one never reaches the journal."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from payments_core import PaymentStatus, WebhookVerificationError
from tests.journal.support import (
    CARD_OK,
    GATEWAY,
    Bog,
    Heard,
    callback_headers,
    gel,
    rows_of,
)


@pytest.fixture
async def async_bog() -> AsyncIterator[Bog]:
    bank = Bog()
    yield bank
    await bank.aclose()


def test_a_callback_delivered_twice_is_applied_once(bog: Bog, url: str) -> None:
    """BOG retries a callback it thinks was lost; another process of the shop receives it."""
    first_heard, second_heard = Heard(), Heard()
    first = bog.facade(bog.journal(url), plugins=[first_heard])
    second = bog.facade(bog.journal(url), plugins=[second_heard])
    payment = bog.paid(first)
    delivery = bog.callbacks_for(payment.id)[0]

    applied = first.parse_webhook(callback_headers(delivery), delivery.body)
    repeated = second.parse_webhook(callback_headers(delivery), delivery.body)

    assert (applied.duplicate, applied.stale) == (False, False)
    assert (repeated.duplicate, repeated.stale) == (True, False)
    assert first_heard.sources("webhook") + second_heard.sources("webhook") == ["captured"]
    assert first_heard.webhooks + second_heard.webhooks == [applied.id]


def test_an_older_callback_after_a_newer_one_is_stale_and_changes_nothing(
    bog: Bog, url: str
) -> None:
    heard = Heard()
    facade = bog.facade(bog.journal(url), plugins=[heard])
    payment = bog.paid(facade)
    facade.refund(payment.id, gel("5.00"))
    paid, refunded = bog.callbacks_for(payment.id, count=2)[:2]

    newer = facade.parse_webhook(callback_headers(refunded), refunded.body)
    older = facade.parse_webhook(callback_headers(paid), paid.body)

    assert (newer.stale, newer.duplicate) == (False, False)
    assert (older.stale, older.duplicate) == (True, False)
    assert facade.journal is not None
    known = facade.journal.payment(GATEWAY, payment.id)
    assert known is not None
    assert known.status is PaymentStatus.PARTIALLY_REFUNDED
    assert known.refunded_amount == gel("5.00")
    assert heard.sources("webhook") == ["partially_refunded"]  # the stale one is not news
    assert heard.webhooks == [newer.id, older.id]  # but it was received


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda body: body.replace(b'"completed"', b'"rejected"'), id="body-changed"),
        pytest.param(lambda body: body + b" ", id="byte-added"),
    ],
)
def test_a_forged_callback_is_refused_and_never_reaches_the_inbox(
    bog: Bog, url: str, forge: Callable[[bytes], bytes]
) -> None:
    facade = bog.facade(bog.journal(url))
    payment = bog.paid(facade)
    delivery = bog.callbacks_for(payment.id)[0]
    forged = forge(delivery.body)
    assert forged != delivery.body

    with pytest.raises(WebhookVerificationError):
        facade.parse_webhook(callback_headers(delivery), forged)

    assert rows_of(url, ["payments_journal_callbacks"]) == {"payments_journal_callbacks": []}
    assert facade.journal is not None
    events = facade.journal.history(payment.id).events
    assert [event for event in events if event.kind == "callback"] == []


def test_a_callback_with_someone_elses_signature_is_refused(bog: Bog, url: str) -> None:
    facade = bog.facade(bog.journal(url))
    first, second = bog.paid(facade), bog.paid(facade)
    one = bog.callbacks_for(first.id)[0]
    other = bog.callbacks_for(second.id)[0]

    with pytest.raises(WebhookVerificationError):
        facade.parse_webhook(callback_headers(other), one.body)

    assert rows_of(url, ["payments_journal_callbacks"]) == {"payments_journal_callbacks": []}


async def test_an_async_facade_applies_a_callback_once(async_bog: Bog, url: str) -> None:
    bog = async_bog
    first_heard, second_heard = Heard(), Heard()
    first = bog.async_facade(bog.journal(url), plugins=[first_heard])
    second = bog.async_facade(bog.journal(url), plugins=[second_heard])
    payment = await first.create_payment(bog.checkout())
    await bog.sandbox.pay(payment.id, CARD_OK)
    delivery = bog.callbacks_for(payment.id)[0]

    applied = await first.parse_webhook(callback_headers(delivery), delivery.body)
    repeated = await second.parse_webhook(callback_headers(delivery), delivery.body)

    assert (applied.duplicate, repeated.duplicate) == (False, True)
    assert first_heard.sources("webhook") + second_heard.sources("webhook") == ["captured"]
    assert first.journal is not None
    known = first.journal.payment(GATEWAY, payment.id)
    assert known is not None
    assert known.status is PaymentStatus.CAPTURED


async def test_a_callback_applied_by_a_sync_process_is_a_duplicate_for_an_async_one(
    async_bog: Bog, url: str
) -> None:
    bog = async_bog
    heard = Heard()
    sync = bog.facade(bog.journal(url))
    asynchronous = bog.async_facade(bog.journal(url), plugins=[heard])
    payment = sync.create_payment(bog.checkout())
    await bog.sandbox.pay(payment.id, CARD_OK)
    delivery = bog.callbacks_for(payment.id)[0]
    sync.parse_webhook(callback_headers(delivery), delivery.body)

    repeated = await asynchronous.parse_webhook(callback_headers(delivery), delivery.body)

    assert repeated.duplicate
    assert heard.updates == []
    assert heard.webhooks == []


async def test_an_async_facade_marks_an_older_callback_stale(async_bog: Bog, url: str) -> None:
    bog = async_bog
    facade = bog.async_facade(bog.journal(url))
    payment = await facade.create_payment(bog.checkout())
    await bog.sandbox.pay(payment.id, CARD_OK)
    await facade.refund(payment.id, gel("5.00"))
    paid, refunded = (await bog.acallbacks_for(payment.id, count=2))[:2]

    await facade.parse_webhook(callback_headers(refunded), refunded.body)
    older = await facade.parse_webhook(callback_headers(paid), paid.body)

    assert older.stale
    assert facade.journal is not None
    known = facade.journal.payment(GATEWAY, payment.id)
    assert known is not None
    assert known.status is PaymentStatus.PARTIALLY_REFUNDED
