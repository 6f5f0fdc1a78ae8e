"""Engines for the two supported databases, the database clock, and typed failures.

* **SQLite** (``sqlite:///payments.db``): one file on one host's local disk. WAL
  mode, ``synchronous=NORMAL``, a busy timeout, and every transaction opened with
  ``BEGIN IMMEDIATE``: a transaction that reads and then writes would otherwise
  fail at once with "database is locked" when another process wrote meanwhile
  (the busy timeout does not cover that case). SQLite 3.35+ is required
  (``RETURNING``).
* **PostgreSQL** (``postgresql://…``, through psycopg 3): READ COMMITTED, rows
  locked with ``SELECT … FOR UPDATE`` inside short transactions, work claimed
  with ``FOR UPDATE SKIP LOCKED``. The steps every payment runs have one-statement
  shortcuts (:mod:`payments_core.journal.shortcuts`), run without an explicit
  transaction: each round trip to the server is one statement.

The same statements run on a sync engine (``sqlite3``, psycopg) and an async one
(aiosqlite, psycopg's async mode): each journal step is a plain function of a
``Connection``, run directly or through ``AsyncConnection.run_sync``.

Every failure of the database (unreachable, locked, connection lost) comes out
as :class:`~payments_core.errors.ProviderUnavailableError` with
``code=JOURNAL_UNAVAILABLE`` and the next step in its message; a URL that cannot
work is a :class:`~payments_core.errors.ConfigurationError`.
"""

from __future__ import annotations

import contextlib
import enum
import sqlite3 as sqlite3_module
import time
from collections.abc import Callable, Iterator
from typing import Any, Final, TypeAlias, TypeVar

from sqlalchemy import Connection, Engine, Table, create_engine, event, exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import Float

from payments_core.errors import ConfigurationError, ErrorCode, ProviderUnavailableError

T = TypeVar("T")

BUSY_TIMEOUT: Final = 10.0
"""Seconds a SQLite writer waits for another process's transaction to end (default)."""

CONNECT_TIMEOUT: Final = 10
"""Seconds to wait for PostgreSQL to accept a connection."""

MIN_SQLITE: Final = (3, 35, 0)

AUTOCOMMIT: Final = {"isolation_level": "AUTOCOMMIT"}
"""PostgreSQL: each statement its own transaction, with no BEGIN or COMMIT round trip."""

SERIALIZATION_FAILURE: Final = "40001"
"""The SQLSTATE a lone statement may meet when the server's default isolation is
stricter than the READ COMMITTED that every journal transaction asks for."""

READ_ONLY: Final = "payments_journal_read_only"
"""Execution option of a transaction that only reads (SQLite then takes no write lock)."""

_POSTGRES_CONNECT: Final = {
    "connect_timeout": CONNECT_TIMEOUT,
    # No server-side prepared statements: a pooler in transaction mode (PgBouncer)
    # hands each transaction to another server connection, which would not know them.
    "prepare_threshold": None,
}


class db_now(FunctionElement[float]):
    """Seconds since the epoch on the database's clock, shared by every host."""

    type = Float()
    inherit_cache = True


@compiles(db_now, "sqlite")
def _sqlite_now(element: db_now, compiler: Any, **kw: Any) -> str:
    return "((julianday('now') - 2440587.5) * 86400.0)"


@compiles(db_now, "postgresql")
def _postgresql_now(element: db_now, compiler: Any, **kw: Any) -> str:
    return "EXTRACT(EPOCH FROM clock_timestamp())::float8"


def insert_ignoring(on: Connection | str, table: Table) -> Any:
    """An ``INSERT`` of this connection's dialect (or dialect name), for
    ``.on_conflict_do_nothing(...)``."""
    dialect = on if isinstance(on, str) else on.dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def parse_url(url: object) -> URL:
    """The journal's URL, checked: SQLite on a file, or PostgreSQL through psycopg."""
    if not isinstance(url, str | URL):
        raise ConfigurationError(
            f"the journal needs a database URL such as sqlite:///payments.db, not "
            f"{type(url).__name__}"
        )
    try:
        parsed = make_url(url)
        parsed.port  # noqa: B018 - a port that is not a number fails here, not at connect
    except (exc.ArgumentError, ValueError):
        raise ConfigurationError(
            "the journal URL is not a database URL; use sqlite:///payments.db or "
            "postgresql://user@host/dbname"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:") or "mode=memory" in str(parsed):
            raise ConfigurationError(
                "the journal needs a SQLite file (sqlite:///payments.db), not an in-memory "
                "database: its state must outlive the process and be shared by workers"
            )
        return parsed.set(drivername="sqlite")
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    raise ConfigurationError(
        f"the journal supports SQLite and PostgreSQL, not {backend!r}; use "
        "sqlite:///payments.db (one host) or postgresql://user@host/dbname (several hosts)"
    )


def shown(url: URL) -> str:
    """The URL without its password, for messages."""
    return url.render_as_string(hide_password=True)


def _prepare_sqlite(engine: Engine, busy_timeout: float) -> None:
    @event.listens_for(engine, "connect")
    def connect(dbapi_connection: Any, record: Any) -> None:
        # Take BEGIN away from the driver: the "begin" listener issues our own.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        _use_wal(cursor, busy_timeout)
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def begin(connection: Connection) -> None:
        # Writers take the write lock up front; a reader needs none (WAL).
        reading = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


def _use_wal(cursor: Any, busy_timeout: float) -> None:
    """Put the file in WAL mode (once per file; later connections find it so).

    The switch needs the file to itself, and SQLite answers "locked" at once
    instead of waiting the busy timeout: several processes opening a new journal
    together would fail. So the switch is retried until the busy timeout is spent.
    """
    cursor.execute("PRAGMA journal_mode")
    if str(cursor.fetchone()[0]).lower() == "wal":
        return
    give_up = time.monotonic() + busy_timeout
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3_module.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= give_up:
                raise
            time.sleep(0.01)


def sync_engine(url: URL, busy_timeout: float = BUSY_TIMEOUT) -> Engine:
    if url.get_backend_name() == "sqlite":
        if sqlite3_module.sqlite_version_info < MIN_SQLITE:
            raise ConfigurationError(
                f"the journal needs SQLite 3.35 or newer (this Python has "
                f"{sqlite3_module.sqlite_version})"
            )
        engine = create_engine(url, connect_args={"timeout": busy_timeout})
        _prepare_sqlite(engine, busy_timeout)
        return engine
    # No pre-ping: it would double a short transaction. A connection the server
    # dropped fails its next use with a typed error, and SQLAlchemy then discards
    # the pool's connections, so the call after works.
    return create_engine(url, isolation_level="READ COMMITTED", connect_args=_POSTGRES_CONNECT)


def async_engine(url: URL, busy_timeout: float = BUSY_TIMEOUT) -> AsyncEngine:
    if url.get_backend_name() == "sqlite":
        engine = create_async_engine(
            url.set(drivername="sqlite+aiosqlite"),
            connect_args={"timeout": busy_timeout},
        )
        _prepare_sqlite(engine.sync_engine, busy_timeout)
        return engine
    return create_async_engine(
        url, isolation_level="READ COMMITTED", connect_args=_POSTGRES_CONNECT
    )


def unavailable(error: BaseException, url: URL) -> ProviderUnavailableError:
    """The typed error for a database failure, with what to do next."""
    text = str(getattr(error, "orig", None) or error).splitlines()[0][:200]
    if "locked" in text or "busy" in text:
        step = (
            "another process held the SQLite file for longer than the busy timeout; "
            "retry, and move to PostgreSQL if writers keep waiting"
        )
    else:
        step = "check that the database is running and reachable, then retry"
    return ProviderUnavailableError(
        f"the payments journal at {shown(url)} failed ({type(error).__name__}: {text}); {step}",
        code=ErrorCode.JOURNAL_UNAVAILABLE,
    )


_DATABASE_ERRORS: Final = (exc.DBAPIError, exc.InterfaceError, OSError, sqlite3_module.Error)


@contextlib.contextmanager
def typed_errors(url: URL) -> Iterator[None]:
    try:
        yield
    except _DATABASE_ERRORS as error:
        raise unavailable(error, url) from error


class Miss(enum.Enum):
    """A shortcut's answer when its case does not hold: it wrote nothing."""

    MISS = "miss"


MISS: Final = Miss.MISS

Shortcut: TypeAlias = Callable[..., Any]
"""A step's shortcut: the step's answer, or :data:`MISS` having written nothing."""


def run(engine: Engine, url: URL, step: Callable[..., T], *args: Any) -> T:
    """Run one journal step in its own transaction."""
    with typed_errors(url), engine.begin() as connection:
        return step(connection, *args)


def read(engine: Engine, url: URL, step: Callable[..., T], *args: Any) -> T:
    """Run one step that only reads, in a transaction that takes no write lock."""
    with typed_errors(url), engine.connect() as connection:
        connection = connection.execution_options(**{READ_ONLY: True})
        with connection.begin():
            return step(connection, *args)


def run_shortcut(
    engine: Engine, url: URL, shortcut: Shortcut, step: Callable[..., T], *args: Any
) -> T:
    """Run ``shortcut`` (see :mod:`payments_core.journal.shortcuts`), and ``step`` if it
    missed.

    On SQLite both run in one write transaction. On PostgreSQL ``shortcut`` runs
    without an explicit transaction (each of its statements is atomic: no BEGIN
    or COMMIT round trip), and ``step`` in a transaction of its own after a miss.
    """
    if engine.dialect.name != "postgresql":
        with typed_errors(url), engine.begin() as connection:
            return _shortcut_or_step(connection, shortcut, step, *args)
    with typed_errors(url), engine.connect() as connection:
        connection.execution_options(**AUTOCOMMIT)
        try:
            answer = shortcut(connection, *args)
        except exc.DBAPIError as error:
            answer = _missed(error)
        connection.commit()
    return run(engine, url, step, *args) if answer is MISS else answer


async def arun(engine: AsyncEngine, url: URL, step: Callable[..., T], *args: Any) -> T:
    """Run one journal step in its own transaction, on the async engine."""
    with typed_errors(url):
        async with engine.begin() as connection:
            return await connection.run_sync(step, *args)


async def arun_shortcut(
    engine: AsyncEngine, url: URL, shortcut: Shortcut, step: Callable[..., T], *args: Any
) -> T:
    """:func:`run_shortcut` on the async engine."""
    if engine.dialect.name != "postgresql":
        with typed_errors(url):
            async with engine.begin() as connection:
                return await connection.run_sync(_shortcut_or_step, shortcut, step, *args)
    with typed_errors(url):
        async with engine.connect() as connection:
            await connection.execution_options(**AUTOCOMMIT)
            try:
                answer = await connection.run_sync(shortcut, *args)
            except exc.DBAPIError as error:
                answer = _missed(error)
            await connection.commit()
    return (await arun(engine, url, step, *args)) if answer is MISS else answer


def _shortcut_or_step(
    connection: Connection, shortcut: Shortcut, step: Callable[..., T], *args: Any
) -> T:
    answer = shortcut(connection, *args)
    return step(connection, *args) if answer is MISS else answer


def _missed(error: exc.DBAPIError) -> Miss:
    """A lone statement that met a stricter isolation than the READ COMMITTED every
    journal transaction asks for wrote nothing: the step's transaction runs instead.
    Any other failure is raised."""
    if getattr(error.orig, "sqlstate", None) != SERIALIZATION_FAILURE:
        raise error
    return MISS
