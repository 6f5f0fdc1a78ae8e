"""The reconciler's steps on the database: take what is due, then settle each row.

Each function is one short transaction (a plain function of a ``Connection``),
run between the reconciler's gateway calls, never across one: take a batch of
due rows under a lease, then mark each reconciled, reschedule it, flag it for a
person, or give it back untouched. :mod:`payments_core.journal.reconcile`
decides which, from what the gateway answers.

Every move goes through :func:`~payments_core.journal.operations.move`: a
compare-and-set on the row's version plus an audit event, written as
``reconcile``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Row, select, update

from payments_core.journal import schema
from payments_core.journal.codec import outcome_to_json
from payments_core.journal.database import db_now
from payments_core.journal.operations import FINISHED, OperationState, due_condition, move
from payments_core.models import Payment
from payments_core.money import Money

__all__ = [
    "amount_of",
    "clock",
    "flag",
    "later",
    "not_now",
    "others",
    "resolved",
    "row_by_id",
    "take",
]

ops = schema.operations


def amount_of(text: str | None) -> Money | None:
    """The amount an operation row holds (``"12.50 GEL"``), or None for the whole amount."""
    if text is None:
        return None
    amount, currency = text.split(" ")
    return Money(amount, currency)


def take(
    connection: Connection, batch: int, lease: float, run_started: float | None = None
) -> list[tuple[Row[Any], str]]:
    """Claim up to ``batch`` due rows: (the row as taken, its state before).

    ``run_started`` (database time) leaves out rows this run already handled: one
    rescheduled for a check sooner than the run takes is for the next run.
    """
    query = (
        select(ops, db_now().label("now"))
        .where(due_condition(db_now()))
        .order_by(ops.c.id)
        .limit(batch)
    )
    if run_started is not None:
        query = query.where(ops.c.updated_at <= run_started)
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    taken: list[tuple[Row[Any], str]] = []
    for row in connection.execute(query).all():
        values: dict[str, Any] = {"lease_until": row.now + lease, "checks": row.checks + 1}
        if row.state == OperationState.INTENDED:
            values.update(state=OperationState.FAILED.value, lease_until=None)
            action = "abandoned"
        elif row.state == OperationState.SENDING:
            values["state"] = OperationState.UNKNOWN.value
            action = "lease expired"
        else:
            action = "reconciling"
        move(connection, row, action, values, kind="reconcile")
        taken.append((row_by_id(connection, row.id), row.state))
    return taken


def clock(connection: Connection) -> float:
    """The database's clock now."""
    return float(connection.execute(select(db_now())).scalar_one())


def row_by_id(connection: Connection, operation_id: int) -> Row[Any]:
    """An operation's row, with the database's clock (``now``)."""
    return connection.execute(
        select(ops, db_now().label("now")).where(ops.c.id == operation_id)
    ).one()


def _finish(
    connection: Connection,
    operation_id: int,
    action: str,
    values: dict[str, Any],
    note: str,
) -> None:
    row = row_by_id(connection, operation_id)
    move(connection, row, action, values, detail={"note": note} if note else None, kind="reconcile")


def flag(connection: Connection, operation_id: int, why: str) -> str:
    """Mark for a person: reconciliation cannot settle it (never marked failed)."""
    now = row_by_id(connection, operation_id).now
    values = {"flagged_at": now, "flag_reason": why[:1000], "lease_until": None}
    _finish(connection, operation_id, "flagged", values, why)
    return "flagged"


def later(connection: Connection, operation_id: int, schedule: tuple[float, ...], why: str) -> str:
    """Check again on the schedule, or flag for a person when it has run out."""
    row = row_by_id(connection, operation_id)
    if row.state in (OperationState.FAILED, OperationState.SENDING):
        return str(row.state)  # settled meanwhile by a caller's own repeat
    if row.checks >= len(schedule):
        return flag(connection, operation_id, why)
    delay = schedule[row.checks]
    _finish(
        connection,
        operation_id,
        "rescheduled",
        {"next_check_at": row.now + delay, "lease_until": None},
        why,
    )
    return "pending" if row.state in FINISHED else "unknown"


def resolved(connection: Connection, operation_id: int, outcome: Any, note: str) -> str:
    """Mark the operation reconciled with its outcome (unless a repeat failed it meanwhile)."""
    row = row_by_id(connection, operation_id)
    values: dict[str, Any] = {
        "state": OperationState.RECONCILED.value,
        "lease_until": None,
        "next_check_at": None,
        "sent": None,
    }
    if outcome is not None:
        values["outcome"] = outcome_to_json(outcome)
        status = getattr(outcome, "status", None)
        values["outcome_status"] = getattr(status, "value", None)
        if isinstance(outcome, Payment) and row.payment_id is None:
            values["payment_id"] = outcome.id
    if row.state == OperationState.FAILED:
        return "failed"
    _finish(connection, operation_id, "reconciled", values, note)
    return "reconciled"


def not_now(connection: Connection, operation_id: int, delay: float) -> str:
    """Give a taken row back untouched but for a later check (its check not counted)."""
    row = row_by_id(connection, operation_id)
    connection.execute(
        update(ops)
        .where(ops.c.id == operation_id)
        .values(
            checks=max(row.checks - 1, 0),
            lease_until=None,
            next_check_at=row.now + delay,
            version=row.version + 1,
        )
    )
    return "pending" if row.state in FINISHED else str(row.state)


def others(connection: Connection, row: Row[Any]) -> Decimal:
    """The amounts of this payment's other finished operations of the same kind."""
    total = Decimal(0)
    siblings = connection.execute(
        select(ops.c.amount).where(
            ops.c.gateway == row.gateway,
            ops.c.payment_id == row.payment_id,
            ops.c.operation == row.operation,
            ops.c.state.in_(FINISHED),
            ops.c.id != row.id,
        )
    ).all()
    for sibling in siblings:
        money = amount_of(sibling.amount)
        if money is not None:
            total += money.amount
    return total
