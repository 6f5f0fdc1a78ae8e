"""A journal that cannot work is refused up front; one that fails is a typed error, and
a money-moving call whose journal fails sends nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from payments_core import (
    ConfigurationError,
    ErrorCode,
    PaymentError,
    Payments,
    ProviderUnavailableError,
)
from payments_core.journal import Journal
from tests.journal.conftest import JournalDatabase
from tests.journal.support import (
    GATEWAY,
    Bog,
    callback_headers,
    closed_port,
    cut_connections,
    gel,
    migrated,
    take_database_away,
)

NEXT_STEP = "check that the database is running and reachable, then retry"


@pytest.fixture
def unreachable() -> str:
    """A PostgreSQL URL on loopback where no server listens."""
    return f"postgresql://payments@127.0.0.1:{closed_port()}/payments"


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("sqlite://", id="sqlite-in-memory-default"),
        pytest.param("sqlite:///:memory:", id="sqlite-memory"),
        pytest.param("sqlite:///file:journal?mode=memory&uri=true", id="sqlite-memory-uri"),
        pytest.param("mysql://payments@127.0.0.1/payments", id="mysql"),
        pytest.param("mssql+pyodbc://payments@127.0.0.1/payments", id="mssql"),
        pytest.param("not a database url", id="not-a-url"),
        pytest.param("postgresql://payments@127.0.0.1:port/payments", id="postgresql-bad-port"),
        pytest.param(5432, id="int"),
        pytest.param(None, id="none"),
        pytest.param(b"sqlite:///payments.db", id="bytes"),
    ],
)
def test_a_journal_url_that_cannot_work_is_a_configuration_error(url: Any) -> None:
    with pytest.raises(ConfigurationError):
        Journal(url)


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("sqlite:///:memory:", id="sqlite-memory"),
        pytest.param("mysql://payments@127.0.0.1/payments", id="mysql"),
        pytest.param(True, id="bool"),
    ],
)
def test_a_facade_given_a_journal_that_cannot_work_is_not_built(url: Any) -> None:
    with pytest.raises(ConfigurationError):
        Payments("dummy", journal=url, autoload_plugins=False)


def test_the_journal_url_in_errors_hides_its_password() -> None:
    journal = Journal(f"postgresql://payments:Pa55-w0rd@127.0.0.1:{closed_port()}/payments")
    try:
        with pytest.raises(ProviderUnavailableError) as failed:
            journal.payment(GATEWAY, "any")
    finally:
        journal.close()
    assert "Pa55-w0rd" not in str(failed.value)
    assert "Pa55-w0rd" not in repr(journal)


def test_an_unreachable_journal_stops_a_create_before_anything_is_sent(
    bog: Bog, unreachable: str
) -> None:
    facade = bog.facade(unreachable)
    with pytest.raises(ProviderUnavailableError) as failed:
        facade.create_payment(bog.checkout())
    assert failed.value.code is ErrorCode.JOURNAL_UNAVAILABLE
    assert NEXT_STEP in failed.value.message
    assert failed.value.retryable
    assert bog.api_requests == []  # not even a token request


def test_an_unreachable_journal_stops_a_refund_before_anything_is_sent(
    bog: Bog, unreachable: str
) -> None:
    payment = bog.paid(bog.facade(None))
    seen = bog.api_requests
    facade = bog.facade(unreachable)
    with pytest.raises(ProviderUnavailableError) as failed:
        facade.refund(payment.id, gel("5.00"), idempotency_key="refund-1")
    assert failed.value.code is ErrorCode.JOURNAL_UNAVAILABLE
    assert NEXT_STEP in failed.value.message
    assert bog.api_requests == seen
    assert bog.refunds("refund-1") == 0


def _refund(bog: Bog, facade: Payments, payment_id: str) -> object:
    return facade.refund(payment_id, gel("5.00"), idempotency_key="after-the-journal-went")


def _create(bog: Bog, facade: Payments, payment_id: str) -> object:
    return facade.create_payment(bog.checkout())


def _callback(bog: Bog, facade: Payments, payment_id: str) -> object:
    delivery = bog.callbacks_for(payment_id)[0]
    return facade.parse_webhook(callback_headers(delivery), delivery.body)


def _history(bog: Bog, facade: Payments, payment_id: str) -> object:
    assert facade.journal is not None
    return facade.journal.history(payment_id)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(_refund, id="refund"),
        pytest.param(_create, id="create_payment"),
        pytest.param(_callback, id="parse_webhook"),
        pytest.param(_history, id="history"),
    ],
)
def test_a_journal_that_goes_away_mid_use_is_a_typed_error(
    bog: Bog,
    journal_database: JournalDatabase,
    call: Callable[[Bog, Payments, str], object],
) -> None:
    journal = bog.journal(migrated(journal_database.url))
    facade = bog.facade(journal)
    payment = bog.paid(facade)
    take_database_away(journal_database, journal)
    seen = bog.api_requests
    with pytest.raises(PaymentError) as failed:
        call(bog, facade, payment.id)
    assert type(failed.value) is ProviderUnavailableError  # never SQLAlchemy's or psycopg's
    assert failed.value.code is ErrorCode.JOURNAL_UNAVAILABLE
    assert NEXT_STEP in failed.value.message
    assert [request for request in bog.api_requests[len(seen) :] if request[0] == "POST"] == []


def test_a_read_goes_on_when_the_journal_goes_away_and_says_what_it_could_not_record(
    bog: Bog, journal_database: JournalDatabase, caplog: pytest.LogCaptureFixture
) -> None:
    """The journal's payment state is a copy of the gateway's: losing one update is no error."""
    journal = bog.journal(migrated(journal_database.url))
    facade = bog.facade(journal)
    payment = bog.paid(facade)
    take_database_away(journal_database, journal)
    with caplog.at_level(logging.WARNING, logger="payments_core"):
        read = facade.get_payment(payment.id)
    assert read.id == payment.id
    assert read.is_paid
    assert "could not record the payment's state in the journal" in caplog.text


@pytest.mark.parametrize("database", ["postgresql"])
def test_after_postgresql_restarts_one_call_fails_typed_and_the_next_one_works(
    bog: Bog, journal_database: JournalDatabase
) -> None:
    """The server cut every connection (a restart, a failover): the pooled ones are dead."""
    journal = bog.journal(migrated(journal_database.url))
    facade = bog.facade(journal)
    payment = bog.paid(facade)
    cut_connections(journal_database)
    seen = bog.api_requests

    with pytest.raises(ProviderUnavailableError) as failed:
        facade.refund(payment.id, gel("5.00"), idempotency_key="refund-1")
    assert failed.value.code is ErrorCode.JOURNAL_UNAVAILABLE
    assert bog.api_requests == seen

    facade.refund(payment.id, gel("5.00"), idempotency_key="refund-1")
    assert bog.refunds("refund-1") == 1


def test_a_sqlite_file_locked_past_the_busy_timeout_stops_a_refund_before_it_is_sent(
    bog: Bog, tmp_path: Any
) -> None:
    """Another process holding the SQLite file's write lock for longer than the busy
    timeout is a typed, retryable error naming the cause; the refund is not sent."""
    import sqlite3

    url = f"sqlite:///{tmp_path / 'journal.db'}"
    payment = bog.paid(bog.facade(None))
    facade = bog.facade(bog.journal(url, busy_timeout=0.2))
    facade.get_payment(payment.id)  # the journal exists, the token is fetched
    sent = len(bog.api_requests)
    holder = sqlite3.connect(tmp_path / "journal.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process writing, and not letting go
    try:
        with pytest.raises(ProviderUnavailableError) as failed:
            facade.refund(payment.id, idempotency_key="refund-locked")
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    assert failed.value.code is ErrorCode.JOURNAL_UNAVAILABLE
    assert "another process held the SQLite file" in failed.value.message
    assert failed.value.retryable
    assert len(bog.api_requests) == sent  # nothing sent
    again = facade.refund(payment.id, idempotency_key="refund-locked")  # the lock is gone
    assert again.payment_id == payment.id
