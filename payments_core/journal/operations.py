"""Money-moving calls, recorded before they are sent: the durable idempotency store.

One row per (gateway, idempotency key). Its state word moves

    intended → sending → succeeded | failed | unknown → reconciled

* **intended**: the key is claimed, nothing sent yet; the claim holds a lease
  (the call's deadline plus a margin). If the lease runs out while still
  intended, the process died before sending: nothing left, so anyone may take
  the key over.
* **sending**: committed *before* the request leaves. A lease that runs out
  here means the outcome is unknown (the process may have died mid-call).
* **succeeded** / **failed**: the answer was seen. Failed means nothing moved
  (a definite refusal); the key may be tried again.
* **unknown**: sent, no usable answer. A repeat with the same key, or the
  reconciler, settles it; time alone never does.
* **reconciled**: settled later by the reconciler, with its outcome.

Each step below is one short transaction (never held across a gateway call) and
a plain function of a ``Connection``, so the sync and async stores share them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any, Final

from sqlalchemy import Connection, Float, Row, and_, bindparam, or_, select, update

from payments_core.errors import ErrorCode, ProviderUnavailableError
from payments_core.idempotency import Claim, ClaimState, Fingerprint, conflict
from payments_core.journal import audit, schema
from payments_core.journal.codec import outcome_from_json, sent_from_json
from payments_core.journal.database import db_now, insert_ignoring

ops = schema.operations


class OperationState(StrEnum):
    INTENDED = "intended"
    SENDING = "sending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UNKNOWN = "unknown"
    RECONCILED = "reconciled"


FINISHED: Final = (OperationState.SUCCEEDED.value, OperationState.RECONCILED.value)
HELD: Final = (OperationState.INTENDED.value, OperationState.SENDING.value)


@dataclass(frozen=True)
class Intent:
    """What a claim writes besides the fingerprint."""

    provider: str
    lease: float
    request: str | None = None
    external_id: str | None = None


_ROW: Final = (
    select(ops, db_now().label("now"))
    .where(ops.c.gateway == bindparam("gateway"), ops.c.idempotency_key == bindparam("key"))
    .with_for_update()
)
"""A key's row, locked, with the database's clock (``now``): built once, run with
parameters. Times written back are ``now`` plus seconds, so every statement the
journal repeats is built once, not per call."""

_MOVE: Final = update(ops).where(ops.c.id == bindparam("_id"), ops.c.version == bindparam("_v"))
"""The compare-and-set on a row's version; the columns to set come as parameters."""


def _row(connection: Connection, gateway: str, key: str) -> Row[Any] | None:
    return connection.execute(_ROW, {"gateway": gateway, "key": key}).first()


def _fingerprint(row: Row[Any]) -> Fingerprint:
    return Fingerprint(row.operation, row.target, row.amount, row.digest)


def move(
    connection: Connection,
    row: Row[Any],
    action: str,
    values: dict[str, Any],
    *,
    detail: dict[str, Any] | None = None,
    kind: str = "operation",
) -> None:
    """Update the row (compare-and-set on its version) and append the audit event.

    ``kind`` names who moved it in the audit trail (``reconcile`` for the reconciler).
    """
    result = connection.execute(
        _MOVE,
        {
            **values,
            "version": row.version + 1,
            "updated_at": row.now,
            "_id": row.id,
            "_v": row.version,
        },
    )
    if result.rowcount != 1:  # pragma: no cover - the row is locked by this transaction
        raise RuntimeError("journal operation row changed under its lock")
    audit.record(
        connection,
        row.gateway,
        kind,
        action,
        payment_id=values.get("payment_id", row.payment_id),
        operation_id=row.id,
        idempotency_key=row.idempotency_key,
        from_state=row.state,
        to_state=values.get("state", row.state),
        detail=detail,
    )


@cache
def _claim_insert(dialect: str) -> Any:
    """A claim's ``INSERT ... ON CONFLICT DO NOTHING``, built once per dialect."""
    return (
        insert_ignoring(dialect, ops)
        .values(
            lease_until=db_now() + bindparam("lease", type_=Float()),
            created_at=db_now(),
            updated_at=db_now(),
        )
        .on_conflict_do_nothing(index_elements=["gateway", "idempotency_key"])
        .returning(ops.c.id)
    )


def claim(
    connection: Connection, gateway: str, key: str, fingerprint: Fingerprint, intent: Intent
) -> tuple[Claim, int | None]:
    """The store's answer, and the claim's number when this call now holds the key.

    The number (the row's attempt count) fences the holder: should its lease run
    out and another call take the key over, the first holder's later writes are
    refused instead of overwriting the second's.
    """
    inserted = connection.execute(
        _claim_insert(connection.dialect.name),
        {
            "gateway": gateway,
            "idempotency_key": key,
            "provider": intent.provider,
            "operation": fingerprint.operation,
            "target": fingerprint.payment_id,
            "payment_id": fingerprint.payment_id,
            "amount": fingerprint.amount,
            "digest": fingerprint.digest,
            "external_id": intent.external_id,
            "request": intent.request,
            "state": OperationState.INTENDED.value,
            "attempts": 1,
            "checks": 0,
            "version": 1,
            "lease": intent.lease,
        },
    ).first()
    if inserted is not None:
        audit.record(
            connection,
            gateway,
            "operation",
            "claimed",
            payment_id=fingerprint.payment_id,
            operation_id=inserted.id,
            idempotency_key=key,
            to_state=OperationState.INTENDED.value,
            detail={"operation": fingerprint.operation, "amount": fingerprint.amount},
        )
        return Claim(ClaimState.NEW), 1
    row = _row(connection, gateway, key)
    assert row is not None  # the insert conflicted on it and rows are never deleted
    recorded = _fingerprint(row)
    if recorded != fingerprint:
        raise conflict(key, recorded, fingerprint)
    state = row.state
    lease_over = row.lease_until is None or row.lease_until < row.now
    retake = {
        "lease_until": row.now + intent.lease,
        "attempts": row.attempts + 1,
        "next_check_at": None,
    }
    if state in FINISHED:
        return Claim(ClaimState.SUCCEEDED, outcome=outcome_from_json(row.outcome)), None
    if state == OperationState.FAILED or (state == OperationState.INTENDED and lease_over):
        # Nothing moved (a definite failure, or a process that died before sending).
        move(
            connection,
            row,
            "claimed",
            {**retake, "state": OperationState.INTENDED.value, "error_code": None, "sent": None},
        )
        return Claim(ClaimState.NEW), row.attempts + 1
    if state in HELD and not lease_over:
        return Claim(ClaimState.IN_FLIGHT), None
    # Unknown, or sending with its lease run out: this call now holds the key,
    # and a request may already have been carried out.
    move(connection, row, "retaken", {**retake, "state": OperationState.SENDING.value})
    return Claim(ClaimState.UNKNOWN, sent=sent_from_json(row.sent)), row.attempts + 1


def _held(connection: Connection, gateway: str, key: str, fence: int | None) -> Row[Any] | None:
    """The row, if this call still holds it (``fence`` is its claim's number)."""
    row = _row(connection, gateway, key)
    if row is None or fence is None or row.attempts != fence:
        return None  # never claimed by this call, already settled, or taken over
    return row


def _lapsed(key: str) -> ProviderUnavailableError:
    return ProviderUnavailableError(
        f"this call's hold on idempotency key {key!r} lapsed (it outlived its lease) and "
        "the key was taken over; nothing was sent: repeat the call with the same key to "
        "get the operation's outcome",
        code=ErrorCode.JOURNAL_UNAVAILABLE,
    )


def sending(
    connection: Connection, gateway: str, key: str, sent: str, lease: float, fence: int | None
) -> None:
    row = _held(connection, gateway, key, fence)
    if row is None or row.state not in HELD:
        raise _lapsed(key)  # raised before sending: the request does not leave
    values: dict[str, Any] = {
        "state": OperationState.SENDING.value,
        "lease_until": row.now + lease,
    }
    if row.sent is None:
        values["sent"] = sent
    if row.state == OperationState.SENDING and row.sent is not None:
        # A retry of the same request: only the lease moves (no audit row per attempt).
        connection.execute(
            update(ops).where(ops.c.id == row.id).values(lease_until=row.now + lease)
        )
        return
    move(connection, row, "sending", values)


def succeeded(
    connection: Connection,
    gateway: str,
    key: str,
    outcome: str,
    status: str | None,
    payment_id: str | None,
    follow_up: float | None,
    fence: int | None,
) -> None:
    """Record the answer; ``follow_up`` (seconds) schedules a check of a pending result."""
    row = _held(connection, gateway, key, fence)
    if row is None:
        return
    values: dict[str, Any] = {
        "state": OperationState.SUCCEEDED.value,
        "flagged_at": None,  # a person (or a repeat) settled what reconciliation could not
        "flag_reason": None,
        "outcome": outcome,
        "outcome_status": status,
        "lease_until": None,
        "sent": None,
        "next_check_at": None if follow_up is None else row.now + follow_up,
    }
    if payment_id is not None and row.payment_id is None:
        values["payment_id"] = payment_id
    move(connection, row, "succeeded", values, detail={"status": status})


def unknown(
    connection: Connection,
    gateway: str,
    key: str,
    fence: int | None,
    payment_id: str | None = None,
) -> None:
    """Sent, no usable answer. ``payment_id``: the payment a create made, when the
    gateway named it before the answer was lost (a keyless gateway's create can then
    be settled by reading it)."""
    row = _held(connection, gateway, key, fence)
    if row is None or row.state in FINISHED:
        return
    values: dict[str, Any] = {
        "state": OperationState.UNKNOWN.value,
        "lease_until": None,
        "next_check_at": row.next_check_at if row.checks else row.now,
    }
    if payment_id is not None and row.payment_id is None:
        values["payment_id"] = payment_id
    move(connection, row, "unknown", values)


def release(
    connection: Connection, gateway: str, key: str, error_code: str | None, fence: int | None
) -> None:
    row = _held(connection, gateway, key, fence)
    if row is None or row.state in FINISHED:
        return
    move(
        connection,
        row,
        "failed",
        {
            "state": OperationState.FAILED.value,
            "lease_until": None,
            "error_code": error_code,
            "flagged_at": None,
            "flag_reason": None,
        },
        detail={"error_code": error_code} if error_code else None,
    )


def due_condition(now: Any) -> Any:
    """Rows the reconciler should look at now."""
    lease_over = or_(ops.c.lease_until.is_(None), ops.c.lease_until < now)
    check_due = or_(ops.c.next_check_at.is_(None), ops.c.next_check_at <= now)
    return and_(
        ops.c.flagged_at.is_(None),
        or_(
            and_(ops.c.state == OperationState.UNKNOWN.value, check_due, lease_over),
            and_(ops.c.state.in_(HELD), ops.c.lease_until < now),
            and_(
                ops.c.state.in_(FINISHED),
                ops.c.next_check_at.is_not(None),
                ops.c.next_check_at <= now,
                lease_over,
            ),
        ),
    )
