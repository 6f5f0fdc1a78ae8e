"""The hot steps' shortcuts (``payments_core.journal.shortcuts``) write what the general
form writes.

Every scenario runs twice in one database, each time under a gateway (or token scope)
of its own: once through ``Journal.run``, which takes the shortcut and falls back to
the general form where it misses, and once through the general form alone. The
answers, the rows and the audit trail must be the same; times are compared as the
offsets the steps write (a lease's length, a follow-up's delay), since the two runs
happen at different moments. Then: where a shortcut misses, the general form decides;
and on PostgreSQL each step is one statement outside an explicit transaction.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from payments_core import (
    Operation,
    OperationKind,
    OperationStatus,
    Payment,
    PaymentStatus,
    ProviderUnavailableError,
)
from payments_core.idempotency import Fingerprint
from payments_core.journal import Journal, database, operations, schema, shortcuts, states, tokens
from payments_core.journal.codec import outcome_to_json
from payments_core.journal.operations import Intent
from payments_core.provider import SentRequest
from payments_core.updates import is_newer
from tests.journal.conftest import JournalDatabase
from tests.journal.support import gel

Run = Callable[..., Any]
AT = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
REFUND = Fingerprint("refund", "P-1", "5.00 GEL")
CREATE = Fingerprint("create", None, "30.00 GEL")
INTENT = Intent(provider="bog", lease=90.0, request='{"amount":"5.00"}', external_id="order-7")
SENT = '{"method":"POST","url":"https://gateway.test/refund"}'
SENT_REQUEST = SentRequest("POST", "https://gateway.test/refund/P-1", (), b"{}")
UNCOMPARED = {"id", "gateway", "scope", "created_at", "updated_at", "operation_id", "at"}
"""Columns that differ between the two runs by design: their names, ids and moments."""
TIMES = ("lease_until", "next_check_at", "refresh_at")
"""Compared as their distance from the step's own moment where the row keeps it, else
as set or not."""


def payment(status: PaymentStatus, *, minutes: int = 0, payment_id: str = "P-1") -> Payment:
    return Payment(
        id=payment_id,
        provider="bog",
        status=status,
        amount=gel("30.00"),
        captured_amount=gel("30.00") if status is PaymentStatus.CAPTURED else None,
        updated_at=AT + timedelta(minutes=minutes),
    )


@pytest.fixture
def journal(journal_url: str) -> Iterator[Journal]:
    opened = Journal(journal_url, create=True)
    opened.migrate()
    yield opened
    opened.close()


def _runners(journal: Journal) -> dict[str, Run]:
    def general(step: Callable[..., Any], *args: Any) -> Any:
        return database.run(journal.engine, journal.url, step, *args)

    return {"shortcut": journal.run, "general": general}


def _comparable(row: sa.Row[Any]) -> dict[str, Any]:
    values = dict(row._mapping)
    for name in TIMES:
        if values.get(name) is None:
            continue
        moment = values.get("updated_at")
        values[name] = True if moment is None else round(values[name] - moment, 3)
    return {name: value for name, value in values.items() if name not in UNCOMPARED}


def _written(journal: Journal, table: sa.Table, name: str) -> list[dict[str, Any]]:
    """The rows a run wrote to ``table`` (by its gateway or token scope), and the
    audit rows of its gateway, oldest first."""

    def read(connection: sa.Connection) -> list[dict[str, Any]]:
        where = table.c.scope == name if table is schema.tokens else table.c.gateway == name
        rows = connection.execute(sa.select(table).where(where)).all()
        events = schema.events
        trail = connection.execute(
            sa.select(events).where(events.c.gateway == name).order_by(events.c.id)
        ).all()
        return [_comparable(row) for row in [*rows, *trail]]

    return journal.read(read)


def _twice(journal: Journal, scenario: Callable[[Run, str], Any], table: sa.Table) -> None:
    """Run ``scenario`` through each runner, under the runner's name as its gateway (or
    token scope), and compare the answers and what each run wrote."""
    done = {}
    for name, run in _runners(journal).items():
        answers = scenario(run, name)
        done[name] = (answers, _written(journal, table, name))
    assert done["shortcut"] == done["general"]
    assert done["shortcut"][1], "the scenario wrote nothing to compare"


# -- operations ----------------------------------------------------------------------------


def _claim(run: Run, gateway: str, fingerprint: Fingerprint = REFUND) -> Any:
    return run(operations.claim, gateway, "k-1", fingerprint, INTENT)


def _sending(run: Run, gateway: str, fence: int | None = 1) -> None:
    run(operations.sending, gateway, "k-1", SENT, 90.0, fence)


def _succeeded(run: Run, gateway: str, outcome: Any, follow_up: float | None = None) -> None:
    payment_id = outcome.id if isinstance(outcome, Payment) else None
    json, status = outcome_to_json(outcome), outcome.status.value
    run(operations.succeeded, gateway, "k-1", json, status, payment_id, follow_up, 1)


def _flag(connection: sa.Connection, gateway: str) -> None:
    ops = schema.operations
    flagged = {"flagged_at": 1.0, "flag_reason": "a person must look"}
    connection.execute(sa.update(ops).where(ops.c.gateway == gateway).values(**flagged))


def test_a_new_claim(journal: Journal) -> None:
    _twice(journal, _claim, schema.operations)


def test_a_create_claimed_sent_and_answered(journal: Journal) -> None:
    def scenario(run: Run, gateway: str) -> Any:
        claimed = _claim(run, gateway, CREATE)
        _sending(run, gateway)
        _succeeded(run, gateway, payment(PaymentStatus.PENDING))
        return claimed

    _twice(journal, scenario, schema.operations)


def test_a_refund_answered_pending_with_a_follow_up(journal: Journal) -> None:
    refund = Operation(
        id="R-1",
        kind=OperationKind.REFUND,
        status=OperationStatus.PENDING,
        payment_id="P-1",
        provider="bog",
        amount=gel("5.00"),
    )

    def scenario(run: Run, gateway: str) -> None:
        _claim(run, gateway)
        _sending(run, gateway)
        _sending(run, gateway)  # a retry of the same request: only the lease moves
        run(_flag, gateway)  # as reconciliation does with a call it cannot settle
        _succeeded(run, gateway, refund, follow_up=60.0)

    _twice(journal, scenario, schema.operations)


def test_an_answer_recorded_without_sending_takes_the_general_form(journal: Journal) -> None:
    def scenario(run: Run, gateway: str) -> Any:
        _claim(run, gateway)
        _succeeded(run, gateway, payment(PaymentStatus.CAPTURED))
        return _claim(run, gateway)  # a repeat: the recorded outcome

    _twice(journal, scenario, schema.operations)


def test_a_repeat_while_held_and_a_stale_holder(journal: Journal) -> None:
    def scenario(run: Run, gateway: str) -> Any:
        _claim(run, gateway)
        in_flight = _claim(run, gateway)
        with pytest.raises(ProviderUnavailableError) as refused:
            _sending(run, gateway, fence=2)
        _succeeded(run, gateway, payment(PaymentStatus.CAPTURED))  # fence 1 while intended
        return in_flight, refused.value.message

    _twice(journal, scenario, schema.operations)


# -- the token cache -----------------------------------------------------------------------


def _grant(run: Run, scope: str) -> tuple[Any, ...]:
    grant = run(tokens.acquire, scope, 30.0)
    return grant.token, grant.generation, round(grant.seconds_left, -1)


def test_the_token_lease_the_token_and_its_drop(journal: Journal) -> None:
    def scenario(run: Run, scope: str) -> list[Any]:
        answers = [_grant(run, scope), _grant(run, scope)]  # the first use's lease, then wait
        answers.append(run(tokens.store, scope, 1, "token-1", 600.0))
        answers.append(_grant(run, scope))  # the usable token
        run(tokens.drop, scope, "token-1")
        answers.append(_grant(run, scope))  # refused and dropped: lease again
        run(tokens.give_up, scope, 2)
        answers += [_grant(run, scope), run(tokens.store, scope, 2, "stale", 600.0)]
        return answers

    _twice(journal, scenario, schema.tokens)


# -- payment states ------------------------------------------------------------------------


def test_a_first_state_the_same_again_a_newer_and_an_older_one(journal: Journal) -> None:
    def scenario(run: Run, gateway: str) -> list[bool]:
        first = payment(PaymentStatus.PENDING)
        return [
            run(states.offer, gateway, first, "create"),
            run(states.offer, gateway, first, "poll"),
            run(states.offer, gateway, payment(PaymentStatus.CAPTURED, minutes=1), "poll"),
            run(states.offer, gateway, payment(PaymentStatus.PENDING, minutes=2), "webhook"),
        ]

    _twice(journal, scenario, schema.payments)


POSTGRESQL_ONLY = pytest.mark.parametrize("database", ["postgresql"], indirect=True)
"""A shortcut of PostgreSQL's: on SQLite the general form runs, tested above."""


@POSTGRESQL_ONLY
@pytest.mark.parametrize("first_by", ["this process", "another process"])
def test_a_state_stored_between_the_compare_and_the_write_is_compared_again(
    journal: Journal, database: str, first_by: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """This process compares with the state it wrote itself, or with the one it reads
    first; either way, a newer state another process stores meanwhile is not lost."""
    from payments_core.journal.database import run as general

    writer = journal if first_by == "this process" else Journal(journal.url)
    writer.record_payment("g", payment(PaymentStatus.PENDING), "create")
    newest = payment(PaymentStatus.CAPTURED, minutes=5)
    polled = payment(PaymentStatus.CAPTURED, minutes=1)
    compared: list[Payment] = []

    def another_process_first(known: Payment, offered: Payment) -> bool:
        if offered == polled:
            if not compared:  # the shortcut's compare: another process writes meanwhile
                general(journal.engine, journal.url, states.offer, "g", newest, "webhook")
            compared.append(known)
        return is_newer(known, offered)

    monkeypatch.setattr(shortcuts, "is_newer", another_process_first)
    monkeypatch.setattr(states, "is_newer", another_process_first)

    assert not journal.record_payment("g", polled, "poll")

    if writer is not journal:
        writer.close()
    assert [known.status for known in compared] == [PaymentStatus.PENDING, PaymentStatus.CAPTURED]
    assert journal.payment("g", "P-1") == newest
    assert [event.to_state for event in journal.history("P-1", "g").events] == [
        "pending",
        "captured",
    ]


@POSTGRESQL_ONLY
def test_each_connection_remembers_a_bounded_number_of_states(
    journal: Journal, database: str
) -> None:
    for number in range(shortcuts.KNOWN_STATES + 5):
        journal.record_payment("g", payment(PaymentStatus.PENDING, payment_id=f"P-{number}"))
    with journal.engine.connect() as connection:
        known = connection.info[shortcuts.INFO_KEY]

    assert len(known) == shortcuts.KNOWN_STATES
    assert ("g", f"P-{shortcuts.KNOWN_STATES + 4}") in known
    assert ("g", "P-0") not in known


@POSTGRESQL_ONLY
def test_a_stricter_default_isolation_falls_back_to_the_general_form(
    journal_database: JournalDatabase, database: str, request: pytest.FixtureRequest
) -> None:
    """A server whose default isolation is REPEATABLE READ refuses a lone statement on a
    row another transaction changed meanwhile; the step's own transaction (READ
    COMMITTED) then records it."""
    import psycopg
    from psycopg import sql

    server = request.getfixturevalue("postgres_server")
    server.execute(
        sql.SQL("ALTER DATABASE {} SET default_transaction_isolation TO 'repeatable read'").format(
            sql.Identifier(journal_database.name)
        )
    )
    journal = Journal(journal_database.url)
    journal.migrate()
    store = journal.idempotency_store(lease=60)
    store.claim("g", "k-1", REFUND)
    failures: list[BaseException] = []

    def send() -> None:
        try:
            store.sending("g", "k-1", SENT_REQUEST)
        except BaseException as error:
            failures.append(error)

    with psycopg.connect(journal_database.plain_url) as other:
        other.execute("UPDATE payments_journal_operations SET checks = checks")  # holds the row
        sender = threading.Thread(target=send)
        sender.start()
        _wait_for_a_lock_wait(journal_database.plain_url)
        other.commit()
    sender.join(timeout=30)
    journal.close()

    assert not failures
    record = Journal(journal_database.url).operation("g", "k-1")
    assert record is not None
    assert record.state == "sending"


def _wait_for_a_lock_wait(dsn: str) -> None:
    """Return once a session of this database waits for a row lock."""
    import psycopg

    query = (
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    give_up = time.monotonic() + 10
    with psycopg.connect(dsn, autocommit=True) as watcher:
        while time.monotonic() < give_up:
            waiting = watcher.execute(query).fetchone()
            if waiting is not None and waiting[0]:
                return
            time.sleep(0.02)
    raise AssertionError("the shortcut never waited for the row")


# -- what a lifecycle's steps cost ---------------------------------------------------------

STATEMENTS = {
    "postgresql": [1, 1, 1, 1, 1, 1, 1, 2],
    "sqlite": [2, 2, 4, 1, 2, 3, 3, 3],
}
"""Statements per step, in the order of :func:`test_the_statements_of_a_lifecycle`:
claim, sending, the token's lease (the scope's first), the token, the answer, the
payment's first state, a newer one, and a newer one again after another process
stored one (PostgreSQL: the compare-and-set on the state it held misses and reads
the row, then one on the row read). On SQLite each in its ``BEGIN IMMEDIATE``."""


class Statements:
    """The statements the steps send, each with whether it ran outside a transaction."""

    def __init__(self, engine: sa.Engine) -> None:
        self.seen: list[tuple[str, bool]] = []
        sa.event.listen(engine, "before_cursor_execute", self.executed)

    def executed(self, connection: sa.Connection, cursor: Any, statement: str, *rest: Any) -> None:
        driver = connection.connection.driver_connection
        autocommit = connection.dialect.name == "postgresql" and driver.autocommit
        self.seen.append((statement.split()[0], bool(autocommit)))

    def count(self, database: str) -> int:
        """How many a step sent: on PostgreSQL each outside an explicit transaction, on
        SQLite all in one ``BEGIN IMMEDIATE`` (not counted)."""
        seen, self.seen = self.seen, []
        if database == "postgresql":
            assert all(autocommit for _, autocommit in seen), seen
            return len(seen)
        assert [kind for kind, _ in seen].count("BEGIN") == 1, seen
        assert seen[0][0] == "BEGIN", seen
        return len(seen) - 1


def _another_process_then(journal: Journal, offer: Callable[..., Any]) -> Any:
    """Another process stores a newer state of P-1; then ``offer`` a newer one still."""
    other = Journal(journal.url)
    other.record_payment("g", payment(PaymentStatus.CAPTURED, minutes=2), "webhook")
    other.close()
    return offer("g", payment(PaymentStatus.CAPTURED, minutes=3), None)


def test_the_statements_of_a_lifecycle(journal: Journal, database: str) -> None:
    """On PostgreSQL each step is one statement outside an explicit transaction (no
    BEGIN or COMMIT round trip), but a newer payment state (read, then write)."""
    store = journal.idempotency_store(lease=60)
    cache = journal.token_cache()
    journal.check()
    statements = Statements(journal.engine)
    steps = [
        lambda: store.claim("g", "k-1", CREATE),
        lambda: store.sending("g", "k-1", SENT_REQUEST),
        lambda: cache.acquire("scope", 30.0),
        lambda: cache.store("scope", 1, "token-1", 600.0),
        lambda: store.succeeded("g", "k-1", payment(PaymentStatus.PENDING)),
        lambda: journal.record_payment("g", payment(PaymentStatus.PENDING), "create"),
        lambda: journal.record_payment("g", payment(PaymentStatus.CAPTURED, minutes=1), None),
        lambda: _another_process_then(journal, journal.record_payment),
    ]
    counts = []
    for step in steps:
        step()
        counts.append(statements.count(database))

    assert counts == STATEMENTS[database]


async def test_the_async_steps_take_the_same_shortcuts(journal: Journal, database: str) -> None:
    store = journal.async_idempotency_store(lease=60)
    cache = journal.token_cache()
    journal.check()
    statements = Statements(journal.async_engine.sync_engine)
    steps = [
        lambda: store.claim("g", "k-1", CREATE),
        lambda: store.sending("g", "k-1", SENT_REQUEST),
        lambda: cache.aacquire("scope", 30.0),
        lambda: cache.astore("scope", 1, "token-1", 600.0),
        lambda: store.succeeded("g", "k-1", payment(PaymentStatus.PENDING)),
        lambda: journal.arecord_payment("g", payment(PaymentStatus.PENDING), "create"),
        lambda: journal.arecord_payment("g", payment(PaymentStatus.CAPTURED, minutes=1), None),
        lambda: _another_process_then(journal, journal.arecord_payment),
    ]
    counts = []
    for step in steps:
        await step()
        counts.append(statements.count(database))
    await journal.aclose()

    assert counts == STATEMENTS[database]
