"""The shared token cache: one token request for every process on a cold cache.

A process that finds no usable token takes a short *lease* on the row (one
statement under the row lock) and fetches; every other process sees the lease
and polls until the token is written. The writer must still hold its lease's
*generation* (a fencing number): a process that paused past its lease cannot
overwrite a newer token. The refresh time is the database's clock plus the
token's usable lifetime (its lifetime less the refresh margin), so every host
agrees on it.

The token is a credential: it lives in this table and in memory, and is never
logged or written to the audit trail.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Final

from sqlalchemy import Connection, Float, bindparam, select, update

from payments_core.auth import TokenGrant
from payments_core.journal import schema
from payments_core.journal.database import db_now, insert_ignoring

rows = schema.tokens

_LOCKED: Final = (
    select(rows, db_now().label("now")).where(rows.c.scope == bindparam("scope")).with_for_update()
)
"""A scope's row, locked, with the database's clock. Every statement here is built
once and run with parameters (``_``-prefixed where a column has the name)."""

_LEASE: Final = (
    update(rows)
    .where(rows.c.scope == bindparam("_scope"))
    .values(lease_until=db_now() + bindparam("lease", type_=Float()))
)
_STORE: Final = (
    update(rows)
    .where(rows.c.scope == bindparam("_scope"), rows.c.generation == bindparam("_generation"))
    .values(refresh_at=db_now() + bindparam("usable_for", type_=Float()), lease_until=None)
)
_GIVE_UP: Final = (
    update(rows)
    .where(rows.c.scope == bindparam("_scope"), rows.c.generation == bindparam("_generation"))
    .values(lease_until=None)
)
_DROP: Final = (
    update(rows)
    .where(rows.c.scope == bindparam("_scope"), rows.c.token == bindparam("_token"))
    .values(token=None, refresh_at=None)
)


@cache
def _first_row(dialect: str) -> Any:
    """A new scope's empty row (``ON CONFLICT DO NOTHING``), built once per dialect."""
    return insert_ignoring(dialect, rows).on_conflict_do_nothing(index_elements=["scope"])


def acquire(connection: Connection, scope: str, lease: float) -> TokenGrant:
    row = connection.execute(_LOCKED, {"scope": scope}).first()
    if row is None:
        connection.execute(_first_row(connection.dialect.name), {"scope": scope, "generation": 0})
        row = connection.execute(_LOCKED, {"scope": scope}).one()
    if row.token is not None and row.refresh_at is not None and row.refresh_at > row.now:
        return TokenGrant(token=row.token, seconds_left=row.refresh_at - row.now)
    if row.lease_until is not None and row.lease_until > row.now:
        return TokenGrant()  # another process is fetching
    generation = row.generation + 1
    connection.execute(_LEASE, {"_scope": scope, "generation": generation, "lease": lease})
    return TokenGrant(generation=generation)


def store(
    connection: Connection, scope: str, generation: int, token: str, usable_for: float
) -> bool:
    """Write a fetched token; False when a newer lease took over meanwhile."""
    result = connection.execute(
        _STORE,
        {"_scope": scope, "_generation": generation, "token": token, "usable_for": usable_for},
    )
    return result.rowcount == 1


def give_up(connection: Connection, scope: str, generation: int) -> None:
    """The fetch failed: end the lease so the next caller tries at once."""
    connection.execute(_GIVE_UP, {"_scope": scope, "_generation": generation})


def drop(connection: Connection, scope: str, token: str) -> None:
    """Forget a token the gateway refused (only if it is still the stored one)."""
    connection.execute(_DROP, {"_scope": scope, "_token": token})
