"""Rows 7 and 8: what the durable journal adds to a payment's lifecycle.

The lifecycle is row 1's (token, create, get, refund on the in-process BOG
emulator; :class:`benchmarks.lifecycle.SyncBench`), run by two ``Payments`` on the
same emulator: one with a journal, one without. Their requests are recorded once
and must be the same (as in row 1): the journal side's shared token is forgotten
before each lifecycle, outside the timing, so both sides fetch one token per
lifecycle. Rounds alternate the sides; the ratio is with/without (lower is better,
1.00 = the journal costs nothing). The note gives the time the journal adds to one
lifecycle and the number of journal transactions that is.

* Row 7, SQLite: a new file in a temporary directory (WAL, local disk).
* Row 8, PostgreSQL: a new database on the server ``PAYMENTS_BENCH_PG_DSN`` names
  (else ``PAYMENTS_TEST_PG_DSN``), created for the run and dropped after it.
  Without either variable the row is skipped, and the run says how to enable it.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from payments_bog.sandbox import BogSandbox

from benchmarks.common import SUCCESS_CARD, Row, accept_callbacks, check_same, interleaved
from benchmarks.lifecycle import SyncBench

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from payments_core.journal import Journal

GOAL_SQLITE = 2.0
"""The journal may cost as much as the in-process gateway calls it records, no more."""
GOAL_POSTGRESQL = 3.0
"""Every journal transaction is a round trip to the server, even on loopback."""
PG_DSN_VARIABLES = ("PAYMENTS_BENCH_PG_DSN", "PAYMENTS_TEST_PG_DSN")
HOW_TO_ENABLE = (
    "set PAYMENTS_BENCH_PG_DSN (or PAYMENTS_TEST_PG_DSN) to a server's URL, such as the "
    "one `python3 scripts/postgres.py start --dir DIR` prints; the run creates and drops "
    "a database of its own there"
)


def _forget_tokens(connection: Connection) -> None:
    """Empty the journal's shared token cache: the next lifecycle fetches a token."""
    from sqlalchemy import update

    from payments_core.journal import schema

    connection.execute(update(schema.tokens).values(token=None, refresh_at=None))


class JournalBench(SyncBench):
    """Row 1's sync lifecycle on a gateway with ``journal``; counts its transactions."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        settings: dict[str, Any],
        pay: Callable[[str], None],
        journal: Journal,
    ) -> None:
        from sqlalchemy import event

        super().__init__(inner, settings, pay, journal=journal)
        self.journal = journal
        self.transactions = 0
        event.listen(journal.engine, "commit", self._committed)

    def _committed(self, connection: Any) -> None:
        self.transactions += 1

    def library(self) -> tuple[float, str]:
        self.journal.run(_forget_tokens)  # not timed, like the new order
        self.transactions = 0
        return super().library()


def _measure(name: str, goal: float, url: str, lifecycles: int, rounds: int) -> Row:
    """One row: the same lifecycle with the journal at ``url`` and without a journal."""
    from payments_core.journal import Journal

    sandbox = BogSandbox(callback_transport=httpx.MockTransport(accept_callbacks))
    inner = sandbox.sync_transport()
    control = httpx.Client(transport=inner, base_url=sandbox.public_base_url)

    def pay(order_id: str) -> None:
        control.post(f"/sandbox/orders/{order_id}/pay", json={"card": SUCCESS_CARD})

    journal = Journal(url)
    if journal.backend != "sqlite":
        journal.migrate()  # a new SQLite file is migrated on first use; PostgreSQL never is
    plain = SyncBench(inner, sandbox.provider_settings(), pay)
    journaled = JournalBench(inner, sandbox.provider_settings(), pay, journal)
    try:
        verdict, transactions = _same_requests(plain, journaled)
        with_times: list[float] = []
        without_times: list[float] = []

        def with_journal() -> float:
            with_times.append(journaled.timed(journaled.library, lifecycles))
            return with_times[-1]

        def without_journal() -> float:
            without_times.append(plain.timed(plain.library, lifecycles))
            return without_times[-1]

        ratios = interleaved(rounds, with_journal, without_journal)
    finally:
        plain.close()
        journaled.close()
        journal.close()
        control.close()
    added = statistics.median(
        (a - b) / lifecycles for a, b in zip(with_times, without_times, strict=True)
    )
    per_lifecycle = statistics.median(without_times) / lifecycles
    return Row(
        name,
        ratios,
        goal,
        notes=[
            verdict.replace("requests match", "requests match with and without the journal"),
            f"{lifecycles} lifecycles a side per round; the journal adds "
            f"{added * 1e3:.2f} ms to a lifecycle ({per_lifecycle * 1e3:.2f} ms without): "
            f"{transactions} transactions, {added / transactions * 1e3:.2f} ms each",
        ],
    )


def _same_requests(plain: SyncBench, journaled: JournalBench) -> tuple[str, int]:
    """Run one lifecycle a side (warming both up), check they sent the same requests."""
    log = plain.recorder.start()
    _, plain_order = plain.library()
    plain.recorder.stop()
    plain_log = list(log)
    log = journaled.recorder.start()
    _, journal_order = journaled.library()
    journaled.recorder.stop()
    transactions = journaled.transactions
    verdict = check_same(plain_log, plain_order, list(log), journal_order)
    return verdict, transactions


def _admin(dsn: str, statement: str, name: str) -> None:
    """Run ``CREATE``/``DROP DATABASE`` (outside a transaction, as PostgreSQL requires)."""
    import psycopg
    from psycopg import sql

    query = sql.SQL(statement).format(sql.Identifier(name))
    with psycopg.connect(dsn, autocommit=True, connect_timeout=10) as admin:
        admin.execute(query)


@contextmanager
def _postgres_database(dsn: str, name: str) -> Iterator[str]:
    """The database ``name``, made on the server ``dsn`` names and dropped after: its URL."""
    try:
        yield urlunsplit(urlsplit(dsn)._replace(scheme="postgresql", path=f"/{name}"))
    finally:
        _admin(dsn, "DROP DATABASE IF EXISTS {}", name)


def _postgres_dsn() -> tuple[str | None, str]:
    """(the server's URL, the variable it came from), or (None, why the row is skipped)."""
    for variable in PG_DSN_VARIABLES:
        dsn = os.environ.get(variable, "").strip()
        if not dsn:
            continue
        if urlsplit(dsn).scheme not in ("postgresql", "postgres"):
            return None, f"{variable} is not a postgresql:// URL; {HOW_TO_ENABLE}"
        return dsn, variable
    return None, f"no PostgreSQL server given: {HOW_TO_ENABLE}"


def journal_rows(lifecycles: int, rounds: int) -> tuple[list[Row], list[str]]:
    """Rows 7 (SQLite) and 8 (PostgreSQL), and why any was skipped."""
    try:
        import sqlalchemy  # noqa: F401
    except ImportError:
        why = "the journal extra is not installed: pip install 'payments-core[journal]'"
        return [], [f"7-8. journal: skipped: {why}"]
    rows: list[Row] = []
    skipped: list[str] = []
    with tempfile.TemporaryDirectory(prefix="payments-bench-") as scratch:
        url = f"sqlite:///{Path(scratch) / 'journal.db'}"
        rows.append(
            _measure("7. journal on, SQLite file, sync", GOAL_SQLITE, url, lifecycles, rounds)
        )
    dsn, source = _postgres_dsn()
    if dsn is None:
        skipped.append(f"8. journal on, PostgreSQL, sync: skipped: {source}")
        return rows, skipped
    try:
        import psycopg
    except ImportError:
        why = "psycopg is not installed: pip install 'payments-core[postgres]'"
        skipped.append(f"8. journal on, PostgreSQL, sync: skipped: {why}")
        return rows, skipped
    name = f"payments_bench_{uuid.uuid4().hex[:12]}"
    try:
        _admin(dsn, "CREATE DATABASE {}", name)
    except psycopg.Error as exc:
        error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        why = f"cannot create a database on the server {source} names ({error}); {HOW_TO_ENABLE}"
        skipped.append(f"8. journal on, PostgreSQL, sync: skipped: {why}")
        return rows, skipped
    with _postgres_database(dsn, name) as url:
        row = _measure("8. journal on, PostgreSQL, sync", GOAL_POSTGRESQL, url, lifecycles, rounds)
    row.notes.append(f"a new database on the server {source} names, dropped after the run")
    rows.append(row)
    return rows, skipped
