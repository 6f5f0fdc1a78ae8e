"""The journal suite's databases: every test that asks for one runs on each of them.

``journal_url`` (and ``journal_database``, the same database with all its URL forms) is
parametrized over ``database``, so test ids read ``[sqlite]`` and ``[postgresql]``:

* ``sqlite``: a new file ``journal.db`` in the test's ``tmp_path`` (never ``:memory:``);
* ``postgresql``: a new, empty database ``test_<random>`` on the server that
  ``PAYMENTS_TEST_PG_DSN`` names (``postgresql://postgres@127.0.0.1:PORT/payments_test``;
  ``python3 scripts/postgres.py start --dir DIR`` starts one and prints it), created
  before the test and dropped ``WITH (FORCE)`` after it.

Without ``PAYMENTS_TEST_PG_DSN`` the PostgreSQL cases are skipped on a developer's
machine and fail under CI (``CI`` set and not ``0``/``false``/``no``): ``.ci/run``
starts the server, so a CI run never passes without having used it. A DSN that is set
but does not answer fails everywhere.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn
from urllib.parse import SplitResult, urlsplit, urlunsplit

import pytest

if TYPE_CHECKING:
    from psycopg.abc import Query

    from tests.journal.support import Bog, Tbc

PG_DSN_VARIABLE = "PAYMENTS_TEST_PG_DSN"
DATABASES = ["sqlite", "postgresql"]
CONNECT_TIMEOUT = 10
"""Seconds; a DSN that names no running server fails fast instead of hanging the suite."""
HOW_TO_START = (
    "start a throwaway server with `python3 scripts/postgres.py start --dir DIR` and set "
    f"{PG_DSN_VARIABLE} to the DSN it prints (.ci/run does both)"
)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@dataclass(frozen=True)
class JournalDatabase:
    """One test's database, in the URL forms the journal accepts."""

    kind: str
    """``"sqlite"`` or ``"postgresql"``: the test id."""
    url: str
    """SQLAlchemy's URL with the driver named: ``sqlite:///...``, ``postgresql+psycopg://...``."""
    plain_url: str
    """Without a driver: ``sqlite:///...``, ``postgresql://...`` (a libpq DSN as well)."""
    async_url: str
    """For ``create_async_engine``: ``sqlite+aiosqlite:///...``, ``postgresql+psycopg://...``."""
    path: Path | None = None
    """The SQLite file; ``None`` for PostgreSQL."""
    name: str | None = None
    """The PostgreSQL database's name; ``None`` for SQLite."""


@dataclass(frozen=True)
class PostgresServer:
    """The server ``PAYMENTS_TEST_PG_DSN`` names, reached through its maintenance database."""

    dsn: SplitResult

    @property
    def admin_dsn(self) -> str:
        return urlunsplit(self.dsn)

    def url_of(self, database: str, scheme: str = "postgresql") -> str:
        return urlunsplit(self.dsn._replace(scheme=scheme, path=f"/{database}"))

    def execute(self, statement: Query) -> None:
        """Run one statement in autocommit (CREATE/DROP DATABASE refuse a transaction)."""
        import psycopg

        with psycopg.connect(
            self.admin_dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT
        ) as connection:
            connection.execute(statement)


def _unavailable(reason: str) -> NoReturn:
    if _in_ci():
        pytest.fail(
            f"{reason}; under CI the PostgreSQL tests must run: {HOW_TO_START}", pytrace=False
        )
    pytest.skip(f"{reason} ({HOW_TO_START})")


@pytest.fixture(scope="session")
def postgres_server() -> PostgresServer:
    """The test server, checked once per session: skip (by hand) or fail (CI) without it."""
    raw = os.environ.get(PG_DSN_VARIABLE, "").strip()
    if not raw:
        _unavailable(f"{PG_DSN_VARIABLE} is not set")
    try:
        import psycopg
    except ImportError:
        _unavailable("psycopg is not installed (payments-core's [postgres] extra has it)")
    dsn = urlsplit(raw)
    scheme = dsn.scheme.split("+")[0]
    if scheme not in ("postgresql", "postgres") or not dsn.path.strip("/"):
        pytest.fail(
            f"{PG_DSN_VARIABLE}={raw!r} is no postgresql://USER@HOST:PORT/DATABASE URL",
            pytrace=False,
        )
    server = PostgresServer(dsn._replace(scheme="postgresql"))
    try:
        server.execute("SELECT 1")
    except psycopg.Error as error:
        pytest.fail(
            f"the PostgreSQL server in {PG_DSN_VARIABLE}={raw!r} does not answer: {error}",
            pytrace=False,
        )
    return server


@pytest.fixture(params=DATABASES)
def database(request: pytest.FixtureRequest) -> str:
    """Which database the test runs on: ``sqlite`` or ``postgresql`` (the test id)."""
    kind: str = request.param
    return kind


def _sqlite(tmp_path: Path) -> JournalDatabase:
    path = tmp_path / "journal.db"
    return JournalDatabase(
        kind="sqlite",
        url=f"sqlite:///{path}",
        plain_url=f"sqlite:///{path}",
        async_url=f"sqlite+aiosqlite:///{path}",
        path=path,
    )


@pytest.fixture
def journal_database(
    database: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[JournalDatabase]:
    """A new, empty database of the kind ``database`` names, gone after the test."""
    if database == "sqlite":
        yield _sqlite(tmp_path)
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")  # or skip, or fail
    from psycopg import sql

    name = f"test_{uuid.uuid4().hex[:20]}"
    server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield JournalDatabase(
            kind="postgresql",
            url=server.url_of(name, scheme="postgresql+psycopg"),
            plain_url=server.url_of(name),
            async_url=server.url_of(name, scheme="postgresql+psycopg"),
            name=name,
        )
    finally:
        server.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture
def journal_url(journal_database: JournalDatabase) -> str:
    """The test's database as a SQLAlchemy URL (``sqlite:///…/journal.db``,
    ``postgresql+psycopg://…``); ``journal_database`` has the other forms."""
    return journal_database.url


# -- the gateways and the migrated database most journal tests use -------------------------


@pytest.fixture
def bog() -> Iterator[Bog]:
    """The BOG emulator in process (keys honoured), with its own callback receiver."""
    from tests.journal.support import Bog  # support imports this module: not at the top

    bank = Bog()
    yield bank
    bank.close()


@pytest.fixture
def tbc() -> Iterator[Tbc]:
    """The TBC emulator in process (no idempotency keys)."""
    from tests.journal.support import Tbc

    bank = Tbc()
    yield bank
    bank.close()


@pytest.fixture
def url(journal_url: str) -> str:
    """The test's database, migrated (as a deployment does before starting)."""
    from tests.journal.support import migrated

    return migrated(journal_url)
