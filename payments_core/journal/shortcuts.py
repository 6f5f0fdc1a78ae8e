"""The steps every payment runs, in fewer statements: on PostgreSQL, in one.

A lifecycle runs the same few journal steps: claim a key, mark it sending, record
the answer, take the token lease and store the token, offer the payment's state.
Each is written in its own module in the general form: a short transaction that
reads the row under a lock, decides, then writes, right in every case. Each
shortcut here does one common case of a step and writes exactly what the general
form writes in that case; where the case does not hold it writes nothing and
answers :data:`~payments_core.journal.database.MISS`, and the general form runs
(:func:`~payments_core.journal.database.run_shortcut`).

* **PostgreSQL**: one statement, outside an explicit transaction (a statement is
  atomic): the update, whose ``WHERE`` is the general form's condition for the case
  (re-checked by PostgreSQL on the row's latest version under the row lock), and
  its audit row together, through data-modifying CTEs. One round trip instead of
  four or five (BEGIN, read, write, audit, COMMIT). Offering a payment state
  compares it in Python, so it takes two: read, then a compare-and-set on the
  version read.
* **SQLite**: the update with ``RETURNING``, then its audit row, in the step's own
  ``BEGIN IMMEDIATE`` transaction (the general form follows in it on a miss): one
  read fewer.

The statements are built once, in :mod:`payments_core.journal.shortcut_statements`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, TypeAlias

from sqlalchemy import Connection

from payments_core.auth import TokenGrant
from payments_core.idempotency import Claim, ClaimState, Fingerprint
from payments_core.journal import audit, operations, states, tokens
from payments_core.journal.codec import dumps, payment_from_json
from payments_core.journal.database import MISS, Miss, Shortcut
from payments_core.journal.operations import Intent
from payments_core.journal.shortcut_statements import (
    INTENDED,
    PG_ACQUIRE,
    PG_CLAIM,
    PG_FIRST_STATE,
    PG_NEWER_STATE,
    PG_SENDING,
    PG_SUCCEEDED,
    SENDING,
    SQLITE_SENDING,
    SQLITE_SUCCEEDED,
    SUCCEEDED,
)
from payments_core.models import Payment
from payments_core.updates import is_newer

__all__ = ["SHORTCUTS"]


def _claim(
    connection: Connection, gateway: str, key: str, fingerprint: Fingerprint, intent: Intent
) -> tuple[Claim, int] | Miss:
    """A key nobody claimed yet (PostgreSQL)."""
    claimed = connection.execute(
        PG_CLAIM,
        {
            "p_gateway": gateway,
            "p_key": key,
            "p_provider": intent.provider,
            "p_operation": fingerprint.operation,
            "p_payment_id": fingerprint.payment_id,
            "p_amount": fingerprint.amount,
            "p_digest": fingerprint.digest,
            "p_external_id": intent.external_id,
            "p_request": intent.request,
            "p_lease": intent.lease,
            "p_actor": audit.actor(),
            "p_detail": dumps({"operation": fingerprint.operation, "amount": fingerprint.amount}),
        },
    ).first()
    return MISS if claimed is None else (Claim(ClaimState.NEW), 1)


def _sending(
    connection: Connection, gateway: str, key: str, sent: str, lease: float, fence: int | None
) -> Miss | None:
    """The first request of a held key is about to leave."""
    if fence is None:
        return MISS
    values = {
        "p_gateway": gateway,
        "p_key": key,
        "p_fence": fence,
        "p_lease": lease,
        "p_sent": sent,
    }
    if connection.dialect.name == "postgresql":
        moved = connection.execute(PG_SENDING, {**values, "p_actor": audit.actor()}).first()
        return MISS if moved is None else None
    moved = connection.execute(SQLITE_SENDING, values).first()
    if moved is None:
        return MISS
    audit.record(
        connection,
        gateway,
        "operation",
        "sending",
        payment_id=moved.payment_id,
        operation_id=moved.id,
        idempotency_key=key,
        from_state=INTENDED,
        to_state=SENDING,
    )
    return None


def _succeeded(
    connection: Connection,
    gateway: str,
    key: str,
    outcome: str,
    status: str | None,
    payment_id: str | None,
    follow_up: float | None,
    fence: int | None,
) -> Miss | None:
    """The answer to a held key's request, once it was sent."""
    if fence is None:
        return MISS
    values = {
        "p_gateway": gateway,
        "p_key": key,
        "p_fence": fence,
        "p_outcome": outcome,
        "p_status": status,
        "p_payment_id": payment_id,
        "p_follow_up": follow_up,
    }
    detail = {"status": status}
    if connection.dialect.name == "postgresql":
        values.update(p_actor=audit.actor(), p_detail=dumps(detail))
        moved = connection.execute(PG_SUCCEEDED, values).first()
        return MISS if moved is None else None
    moved = connection.execute(SQLITE_SUCCEEDED, values).first()
    if moved is None:
        return MISS
    audit.record(
        connection,
        gateway,
        "operation",
        "succeeded",
        payment_id=moved.payment_id,
        operation_id=moved.id,
        idempotency_key=key,
        from_state=SENDING,
        to_state=SUCCEEDED,
        detail=detail,
    )
    return None


def _acquire(connection: Connection, scope: str, lease: float) -> TokenGrant | Miss:
    """:func:`tokens.acquire` (PostgreSQL).

    The read sees the row as the statement found it; a row another process changed
    meanwhile reads as it was a moment before (and the lease is taken only on its
    latest version), as if this call had come first.
    """
    row = connection.execute(PG_ACQUIRE, {"p_scope": scope, "p_lease": lease}).one()
    if row.taken is not None:
        return TokenGrant(generation=row.taken)
    if row.token is not None and row.refresh_at is not None and row.refresh_at > row.now:
        return TokenGrant(token=row.token, seconds_left=row.refresh_at - row.now)
    if row.lease_until is not None and row.lease_until > row.now:
        return TokenGrant()  # another process is fetching
    return MISS  # changed under the statement: the general form decides


KNOWN_STATES: Final = 128
"""Payment states each database connection remembers: the last it wrote or read."""


@dataclass(frozen=True)
class Stored:
    """A payment's row at one version: what a compare-and-set on that version replaces."""

    version: int
    status: str
    state: str
    """The payment, JSON, as stored."""


Known: TypeAlias = "OrderedDict[tuple[str, str], Stored]"
"""Stored states by (gateway, payment id), the most recently used last."""
INFO_KEY: Final = "payments_journal_known_states"
"""Where a connection keeps them (SQLAlchemy's ``Connection.info``)."""


def _known(connection: Connection) -> Known:
    """The states this database connection last wrote or read, newest last.

    Kept with the connection (one database, one thread at a time): a state it holds
    may be stale, which only makes the compare-and-set on its version miss.
    """
    known: Known | None = connection.info.get(INFO_KEY)
    if known is None:
        known = connection.info[INFO_KEY] = OrderedDict()
    return known


def _offer(
    connection: Connection, gateway: str, payment: Payment, source: str | None
) -> bool | Miss:
    """:func:`states.offer` (PostgreSQL): compare with the state held, then a
    compare-and-set on its version, which also reads the row when it moved on.

    The state held is the one this connection last wrote or read, else the row as
    the first statement finds it (inserting the first state when there is none):
    a payment this process created and reads back is one round trip, not two.
    """
    values = {f"p_{name}": value for name, value in states.columns_of(payment, source).items()}
    values.update(
        p_gateway=gateway,
        p_payment_id=payment.id,
        p_actor=audit.actor(),
        p_detail=dumps(states.audit_detail(payment, source)),
    )
    known, key = _known(connection), (gateway, payment.id)
    held = known.pop(key, None)
    if held is not None and is_newer(payment_from_json(held.state), payment):
        row = _replace(connection, values, held)
    else:
        row = connection.execute(PG_FIRST_STATE, values).one()
    if row.written is None:
        if row.state is None:
            return MISS  # another process stored the first state meanwhile
        held = Stored(row.version, row.status, row.state)
        _remember(known, key, held)
        if not is_newer(payment_from_json(held.state), payment):
            return False
        row = _replace(connection, values, held)
        if row.written is None:
            return MISS  # it moved on meanwhile: the general form compares again
    _remember(known, key, Stored(row.written, values["p_status"], values["p_state"]))
    return True


def _replace(connection: Connection, values: dict[str, Any], held: Stored) -> Any:
    """Write the offered state over ``held`` (the row, if it moved on since)."""
    replacing = {**values, "p_version": held.version, "p_before": held.status}
    return connection.execute(PG_NEWER_STATE, replacing).one()


def _remember(known: Known, key: tuple[str, str], held: Stored) -> None:
    known[key] = held
    known.move_to_end(key)
    if len(known) > KNOWN_STATES:
        known.popitem(last=False)


SHORTCUTS: Final[dict[str, dict[Callable[..., Any], Shortcut]]] = {
    "postgresql": {
        operations.claim: _claim,
        operations.sending: _sending,
        operations.succeeded: _succeeded,
        tokens.acquire: _acquire,
        # One statement each already: on their own, they need no transaction.
        tokens.store: tokens.store,
        tokens.give_up: tokens.give_up,
        tokens.drop: tokens.drop,
        states.offer: _offer,
    },
    "sqlite": {
        operations.sending: _sending,
        operations.succeeded: _succeeded,
    },
}
"""The shortcut of each step, per database (the general form runs where it misses)."""
