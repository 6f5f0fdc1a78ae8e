"""The shared token cache: one token request for every process on a cold cache, a token
the gateway refused dropped for all of them, and a failing cache never in the way."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.journal.conftest import JournalDatabase
from tests.journal.support import CARD_OK, Bog, migrated, stored_tokens, take_database_away


@pytest.fixture
async def async_bog() -> AsyncIterator[Bog]:
    bank = Bog()
    yield bank
    await bank.aclose()


def test_two_processes_on_a_cold_cache_make_one_token_request(bog: Bog, url: str) -> None:
    first = bog.facade(bog.journal(url))
    second = bog.facade(bog.journal(url))
    payment = first.create_payment(bog.checkout())

    assert second.get_payment(payment.id).id == payment.id

    assert bog.sandbox.counters.token_requests == 1
    assert len(stored_tokens(url)) == 1


def test_a_process_started_later_uses_the_stored_token(bog: Bog, url: str) -> None:
    first = bog.facade(bog.journal(url))
    payment = first.create_payment(bog.checkout())
    first.close()

    later = bog.facade(bog.journal(url))
    later.get_payment(payment.id)

    assert bog.sandbox.counters.token_requests == 1


def test_a_token_the_gateway_refused_is_dropped_for_every_process(bog: Bog, url: str) -> None:
    first = bog.facade(bog.journal(url))
    second = bog.facade(bog.journal(url))
    payment = first.create_payment(bog.checkout())
    second.get_payment(payment.id)  # both hold the token now
    [refused] = stored_tokens(url)
    bog.sandbox.revoke_tokens()

    first.get_payment(payment.id)  # 401: drops it, fetches one new token
    second.get_payment(payment.id)  # 401 on its copy: takes the new one from the cache

    assert bog.sandbox.counters.token_requests == 2
    [fresh] = stored_tokens(url)
    assert fresh != refused


def test_a_failing_token_cache_falls_back_to_a_token_of_the_processs_own(
    bog: Bog, journal_database: JournalDatabase
) -> None:
    payment = bog.facade(None).create_payment(bog.checkout())
    journal = bog.journal(migrated(journal_database.url))
    facade = bog.facade(journal)
    take_database_away(journal_database, journal)

    read = facade.get_payment(payment.id)  # no error: the token cache is an optimization

    assert read.id == payment.id
    assert bog.sandbox.counters.token_requests == 2


async def test_async_processes_on_a_cold_cache_make_one_token_request(
    async_bog: Bog, url: str
) -> None:
    bog = async_bog
    first = bog.async_facade(bog.journal(url))
    second = bog.async_facade(bog.journal(url))
    payment = await first.create_payment(bog.checkout())
    await bog.sandbox.pay(payment.id, CARD_OK)

    assert (await second.get_payment(payment.id)).is_paid

    assert bog.sandbox.counters.token_requests == 1


async def test_a_sync_and_an_async_process_share_one_token(async_bog: Bog, url: str) -> None:
    bog = async_bog
    payment = bog.facade(bog.journal(url)).create_payment(bog.checkout())
    await bog.async_facade(bog.journal(url)).get_payment(payment.id)
    assert bog.sandbox.counters.token_requests == 1
