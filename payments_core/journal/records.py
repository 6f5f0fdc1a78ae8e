"""Reading the journal back: operation records, the audit trail, a payment's history.

What ``payments journal show`` and ``payments journal flagged`` print, and what
reconciliation looks up. Each reader is a plain function of a ``Connection``
that :meth:`Journal.read <payments_core.journal.journal.Journal.read>` runs in a
transaction that takes no write lock; the rows come back as frozen records, so
nothing a caller holds is tied to a database session.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from payments_core.journal import schema
from payments_core.journal.codec import payment_from_json
from payments_core.models import Payment

__all__ = [
    "EventRecord",
    "OperationRecord",
    "PaymentHistory",
    "flagged",
    "history",
    "operation",
]


@dataclass(frozen=True)
class OperationRecord:
    """One money-moving call as the journal holds it."""

    id: int
    gateway: str
    provider: str
    operation: str
    idempotency_key: str
    state: str
    payment_id: str | None
    amount: str | None
    outcome_status: str | None
    error_code: str | None
    attempts: int
    checks: int
    flagged: bool
    flag_reason: str | None
    created_at: float
    updated_at: float


@dataclass(frozen=True)
class EventRecord:
    """One line of the audit trail."""

    at: float
    gateway: str
    kind: str
    action: str
    payment_id: str | None
    operation_id: int | None
    from_state: str | None
    to_state: str | None
    detail: str | None
    actor: str | None


@dataclass(frozen=True)
class PaymentHistory:
    """What ``payments journal show`` prints: state, operations and audit trail."""

    payment_id: str
    states: tuple[tuple[str, Payment], ...]
    """(gateway, latest known state), one per gateway that knows the payment."""
    operations: tuple[OperationRecord, ...]
    events: tuple[EventRecord, ...]


def _operation_record(row: Any) -> OperationRecord:
    return OperationRecord(
        id=row.id,
        gateway=row.gateway,
        provider=row.provider,
        operation=row.operation,
        idempotency_key=row.idempotency_key,
        state=row.state,
        payment_id=row.payment_id,
        amount=row.amount,
        outcome_status=row.outcome_status,
        error_code=row.error_code,
        attempts=row.attempts,
        checks=row.checks,
        flagged=row.flagged_at is not None,
        flag_reason=row.flag_reason,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _event_record(row: Any) -> EventRecord:
    return EventRecord(
        at=row.at,
        gateway=row.gateway,
        kind=row.kind,
        action=row.action,
        payment_id=row.payment_id,
        operation_id=row.operation_id,
        from_state=row.from_state,
        to_state=row.to_state,
        detail=row.detail,
        actor=row.actor,
    )


def operation(connection: Connection, gateway: str, key: str) -> OperationRecord | None:
    """The operation recorded under a gateway's idempotency key, or None."""
    ops = schema.operations
    row = connection.execute(
        select(ops).where(ops.c.gateway == gateway, ops.c.idempotency_key == key)
    ).first()
    return None if row is None else _operation_record(row)


def flagged(connection: Connection) -> list[OperationRecord]:
    """Operations reconciliation flagged for a person, oldest first."""
    ops = schema.operations
    found = connection.execute(
        select(ops).where(ops.c.flagged_at.is_not(None)).order_by(ops.c.id)
    ).all()
    return [_operation_record(row) for row in found]


def history(connection: Connection, payment_id: str, gateway: str | None) -> PaymentHistory:
    """A payment's states, its operations, and the audit events of both, oldest first."""
    ops, events, rows = schema.operations, schema.events, schema.payments
    where_ops = [ops.c.payment_id == payment_id]
    where_events = [events.c.payment_id == payment_id]
    where_rows = [rows.c.payment_id == payment_id]
    if gateway is not None:
        where_ops.append(ops.c.gateway == gateway)
        where_events.append(events.c.gateway == gateway)
        where_rows.append(rows.c.gateway == gateway)
    found = connection.execute(select(rows.c.gateway, rows.c.state).where(*where_rows)).all()
    op_rows = connection.execute(select(ops).where(*where_ops).order_by(ops.c.id)).all()
    ids = [row.id for row in op_rows]
    event_query = select(events).order_by(events.c.id)
    if ids:
        # An operation's events before it learnt its payment id belong to the story too.
        event_query = event_query.where(
            (events.c.payment_id == payment_id) | events.c.operation_id.in_(ids)
        )
        if gateway is not None:
            event_query = event_query.where(events.c.gateway == gateway)
    else:
        event_query = event_query.where(*where_events)
    event_rows = connection.execute(event_query).all()
    return PaymentHistory(
        payment_id=payment_id,
        states=tuple((row.gateway, payment_from_json(row.state)) for row in found),
        operations=tuple(_operation_record(row) for row in op_rows),
        events=tuple(_event_record(row) for row in event_rows),
    )
