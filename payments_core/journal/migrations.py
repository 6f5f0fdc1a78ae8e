"""The journal's schema versions, shipped with the package, applied in order.

The journal keeps its version in its own table (``payments_journal_version``),
never in the host application's migration history (Alembic's
``alembic_version``, Django's ``django_migrations``), so both can manage one
database side by side. ``payments journal migrate`` (or
:meth:`Journal.migrate <payments_core.journal.Journal.migrate>`) brings a
database up to :data:`CURRENT`; a journal whose database is behind refuses to
run, with that command in its error. Several processes may migrate at once:
PostgreSQL serializes them on an advisory lock, SQLite on its write lock.

A new version appends one function to :data:`STEPS`; released steps are never
edited.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from sqlalchemy import Connection, inspect, select, text, update

from payments_core.errors import ConfigurationError
from payments_core.journal import schema
from payments_core.journal.database import db_now


def _v1(connection: Connection) -> None:
    """The five tables: operations, callbacks, payments, tokens, events."""
    schema.metadata.create_all(
        connection,
        tables=[
            schema.operations,
            schema.callbacks,
            schema.payments,
            schema.tokens,
            schema.events,
        ],
    )


STEPS: Final[tuple[Callable[[Connection], None], ...]] = (_v1,)
CURRENT: Final = len(STEPS)

_LOCK_ID: Final = 0x7061796D  # "paym": the advisory lock migrations take on PostgreSQL


def version_of(connection: Connection) -> int:
    """The schema version the database is at (0: no journal there yet)."""
    found = _recorded(connection)
    return 0 if found is None else found


def _recorded(connection: Connection) -> int | None:
    """The version row's number; ``None`` when there is no version table or row."""
    if not inspect(connection).has_table(schema.version.name):
        return None
    found = connection.execute(select(schema.version.c.version)).scalar()
    return None if found is None else int(found)


def is_empty(connection: Connection) -> bool:
    """No journal at all here (no version recorded): a first use may create it."""
    return _recorded(connection) is None


def migrate(connection: Connection) -> tuple[int, int]:
    """Apply the missing steps in this transaction: (version before, version after)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
    schema.version.create(connection, checkfirst=True)
    recorded = _recorded(connection)
    before = 0 if recorded is None else recorded
    if before > CURRENT:
        raise ahead(before)
    for step in STEPS[before:]:
        step(connection)
    if recorded is None:
        connection.execute(
            schema.version.insert().values(id=1, version=CURRENT, applied_at=db_now())
        )
    elif before < CURRENT:
        connection.execute(update(schema.version).values(version=CURRENT, applied_at=db_now()))
    return before, CURRENT


def ahead(found: int) -> ConfigurationError:
    return ConfigurationError(
        f"the journal's database is at schema version {found}, newer than this "
        f"payments-core knows ({CURRENT}): upgrade payments-core on this host"
    )


def check(connection: Connection, where: str) -> None:
    """Raise :class:`ConfigurationError` unless the schema is exactly current."""
    found = version_of(connection)
    if found == CURRENT:
        return
    if found > CURRENT:
        raise ahead(found)
    state = "has no journal tables" if found == 0 else f"is at schema version {found}"
    raise ConfigurationError(
        f"the payments journal at {where} {state}; this payments-core needs version "
        f"{CURRENT}: run `payments journal migrate` (with PAYMENTS_JOURNAL set to this "
        "database) before starting the application"
    )
