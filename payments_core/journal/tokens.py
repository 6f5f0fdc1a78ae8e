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

from sqlalchemy import Connection, select, update

from payments_core.auth import TokenGrant
from payments_core.journal import schema
from payments_core.journal.database import db_now, insert_ignoring

rows = schema.tokens


def acquire(connection: Connection, scope: str, lease: float) -> TokenGrant:
    connection.execute(
        insert_ignoring(connection, rows)
        .values(scope=scope, generation=0)
        .on_conflict_do_nothing(index_elements=["scope"])
    )
    row = connection.execute(
        select(rows, db_now().label("now")).where(rows.c.scope == scope).with_for_update()
    ).one()
    if row.token is not None and row.refresh_at is not None and row.refresh_at > row.now:
        return TokenGrant(token=row.token, seconds_left=row.refresh_at - row.now)
    if row.lease_until is not None and row.lease_until > row.now:
        return TokenGrant()  # another process is fetching
    generation = row.generation + 1
    connection.execute(
        update(rows)
        .where(rows.c.scope == scope)
        .values(generation=generation, lease_until=db_now() + lease)
    )
    return TokenGrant(generation=generation)


def store(
    connection: Connection, scope: str, generation: int, token: str, usable_for: float
) -> bool:
    """Write a fetched token; False when a newer lease took over meanwhile."""
    result = connection.execute(
        update(rows)
        .where(rows.c.scope == scope, rows.c.generation == generation)
        .values(token=token, refresh_at=db_now() + usable_for, lease_until=None)
    )
    return result.rowcount == 1


def give_up(connection: Connection, scope: str, generation: int) -> None:
    """The fetch failed: end the lease so the next caller tries at once."""
    connection.execute(
        update(rows)
        .where(rows.c.scope == scope, rows.c.generation == generation)
        .values(lease_until=None)
    )


def drop(connection: Connection, scope: str, token: str) -> None:
    """Forget a token the gateway refused (only if it is still the stored one)."""
    connection.execute(
        update(rows)
        .where(rows.c.scope == scope, rows.c.token == token)
        .values(token=None, refresh_at=None)
    )
