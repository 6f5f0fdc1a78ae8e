"""The latest known state of each payment, moved only forward.

Every ``Payment`` the facade sees (an answer, a read, a callback) is offered
here; it replaces the stored one only when :func:`payments_core.is_newer` says
so. The row is read under a lock (``FOR UPDATE`` on PostgreSQL; SQLite's
``BEGIN IMMEDIATE`` serializes writers) and written with a compare-and-set on
its version, so two processes offering updates at once never lose one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, select, update

from payments_core.journal import audit, schema
from payments_core.journal.codec import payment_from_json, payment_to_json
from payments_core.journal.database import db_now, insert_ignoring
from payments_core.models import Payment
from payments_core.updates import is_newer

rows = schema.payments


def _amount(money: Any) -> str | None:
    return None if money is None else str(money.amount)


def _values(payment: Payment, source: str | None) -> dict[str, Any]:
    return {
        "provider": payment.provider,
        "external_id": payment.external_id,
        "status": payment.status.value,
        "amount": f"{payment.amount.amount} {payment.amount.currency}",
        "captured": _amount(payment.captured_amount),
        "refunded": _amount(payment.refunded_amount),
        "state": payment_to_json(payment),
        "source": source,
        "updated_at": db_now(),
    }


def current(connection: Connection, gateway: str, payment_id: str) -> Payment | None:
    row = connection.execute(
        select(rows.c.state).where(rows.c.gateway == gateway, rows.c.payment_id == payment_id)
    ).first()
    return None if row is None else payment_from_json(row.state)


@dataclass(frozen=True)
class Offered:
    """What :func:`offer` did: whether it applied, and what it replaced."""

    applied: bool
    previous: str | None = None
    """The stored state it replaced (JSON), ``None`` when there was none."""
    version: int | None = None
    """The row's version after the write."""


def offer(connection: Connection, gateway: str, payment: Payment, source: str | None) -> bool:
    """Store ``payment`` if it is newer than what is known; whether it was."""
    return offer_undoably(connection, gateway, payment, source).applied


def offer_undoably(
    connection: Connection, gateway: str, payment: Payment, source: str | None
) -> Offered:
    """:func:`offer`, saying what it replaced so that :func:`undo` can put it back."""
    row = connection.execute(
        select(rows.c.state, rows.c.version, rows.c.status)
        .where(rows.c.gateway == gateway, rows.c.payment_id == payment.id)
        .with_for_update()
    ).first()
    if row is None:
        inserted = connection.execute(
            insert_ignoring(connection, rows)
            .values(gateway=gateway, payment_id=payment.id, version=1, **_values(payment, source))
            .on_conflict_do_nothing(index_elements=["gateway", "payment_id"])
            .returning(rows.c.version)
        ).first()
        if inserted is not None:
            _audit(connection, gateway, payment, None, source)
            return Offered(True, None, 1)
        return offer_undoably(connection, gateway, payment, source)  # inserted meanwhile
    if not is_newer(payment_from_json(row.state), payment):
        return Offered(False)
    result = connection.execute(
        update(rows)
        .where(
            rows.c.gateway == gateway,
            rows.c.payment_id == payment.id,
            rows.c.version == row.version,
        )
        .values(version=row.version + 1, **_values(payment, source))
    )
    if result.rowcount != 1:
        return offer_undoably(connection, gateway, payment, source)  # lost the CAS: again
    _audit(connection, gateway, payment, row.status, source)
    return Offered(True, row.state, row.version + 1)


def undo(
    connection: Connection, gateway: str, payment_id: str, previous: str | None, version: int
) -> bool:
    """Put back the state an applied update replaced, unless a newer one came since."""
    where = (rows.c.gateway == gateway, rows.c.payment_id == payment_id, rows.c.version == version)
    if previous is None:
        result = connection.execute(delete(rows).where(*where))
    else:
        restored = payment_from_json(previous)
        result = connection.execute(
            update(rows).where(*where).values(version=version + 1, **_values(restored, "undo"))
        )
    return result.rowcount == 1


def _audit(
    connection: Connection, gateway: str, payment: Payment, before: str | None, source: str | None
) -> None:
    audit.record(
        connection,
        gateway,
        "payment",
        "updated",
        payment_id=payment.id,
        from_state=before,
        to_state=payment.status.value,
        detail={
            "source": source,
            "captured": _amount(payment.captured_amount),
            "refunded": _amount(payment.refunded_amount),
        },
    )


__all__ = ["current", "offer"]
