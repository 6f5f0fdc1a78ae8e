"""The latest known state of each payment, moved only forward.

Every ``Payment`` the facade sees (an answer, a read, a callback) is offered
here; it replaces the stored one only when :func:`payments_core.is_newer` says
so. Callbacks are also ordered among themselves (``callback_state``), which
decides whether a delivery is news or stale. The row is read under a lock
(``FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` serializes writers)
and written with a compare-and-set on its version, so two processes offering
updates at once never lose one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Final

from sqlalchemy import Connection, Row, bindparam, select, update

from payments_core.journal import audit, schema
from payments_core.journal.codec import payment_from_json, payment_to_json
from payments_core.journal.database import db_now, insert_ignoring
from payments_core.models import Payment
from payments_core.updates import is_newer

rows = schema.payments


def _amount(money: Any) -> str | None:
    return None if money is None else str(money.amount)


def columns_of(payment: Payment, source: str | None) -> dict[str, Any]:
    """The row's columns that hold ``payment`` (all but the keys, versions and times)."""
    return {
        "provider": payment.provider,
        "external_id": payment.external_id,
        "status": payment.status.value,
        "amount": f"{payment.amount.amount} {payment.amount.currency}",
        "captured": _amount(payment.captured_amount),
        "refunded": _amount(payment.refunded_amount),
        "state": payment_to_json(payment),
        "source": source,
    }


def current(connection: Connection, gateway: str, payment_id: str) -> Payment | None:
    row = connection.execute(
        select(rows.c.state).where(rows.c.gateway == gateway, rows.c.payment_id == payment_id)
    ).first()
    return None if row is None else payment_from_json(row.state)


_LOCKED: Final = (
    select(rows)
    .where(rows.c.gateway == bindparam("gateway"), rows.c.payment_id == bindparam("payment_id"))
    .with_for_update()
)
_UPDATE: Final = (
    update(rows)
    .where(
        rows.c.gateway == bindparam("_gateway"),
        rows.c.payment_id == bindparam("_payment_id"),
        rows.c.version == bindparam("_version"),
    )
    .values(updated_at=db_now())
)
"""The compare-and-set on a payment's version; the columns to set come as parameters."""


@cache
def _insert(dialect: str) -> Any:
    """A first state's ``INSERT ... ON CONFLICT DO NOTHING``, built once per dialect."""
    return (
        insert_ignoring(dialect, rows)
        .values(updated_at=db_now())
        .on_conflict_do_nothing(index_elements=["gateway", "payment_id"])
        .returning(rows.c.version)
    )


def _locked(connection: Connection, gateway: str, payment_id: str) -> Row[Any] | None:
    return connection.execute(_LOCKED, {"gateway": gateway, "payment_id": payment_id}).first()


def offer(connection: Connection, gateway: str, payment: Payment, source: str | None) -> bool:
    """Store ``payment`` if it is newer than what is known; whether it was."""
    row = _locked(connection, gateway, payment.id)
    if row is None:
        inserted = connection.execute(
            _insert(connection.dialect.name),
            {
                "gateway": gateway,
                "payment_id": payment.id,
                "version": 1,
                "callback_version": 0,
                **columns_of(payment, source),
            },
        ).first()
        if inserted is not None:
            _audit(connection, gateway, payment, None, source)
            return True
        return offer(connection, gateway, payment, source)  # inserted meanwhile: compare
    if not is_newer(payment_from_json(row.state), payment):
        return False
    result = connection.execute(
        _UPDATE,
        {
            "_gateway": gateway,
            "_payment_id": payment.id,
            "_version": row.version,
            "version": row.version + 1,
            **columns_of(payment, source),
        },
    )
    if result.rowcount != 1:
        return offer(connection, gateway, payment, source)  # lost the compare-and-set: again
    _audit(connection, gateway, payment, row.status, source)
    return True


@dataclass(frozen=True)
class Offered:
    """What :func:`offer_callback` did, and what :func:`undo_callback` needs."""

    applied: bool
    previous: str | None = None
    """The callback state it replaced (JSON), ``None`` when there was none."""
    version: int | None = None
    """The callback state's version after the write."""


def offer_callback(connection: Connection, gateway: str, payment: Payment) -> Offered:
    """A verified callback's state: applied if newer than the last callback's.

    It also moves the latest known state, like any update. Callbacks are ordered
    among themselves: a callback bringing what an answer or a read already showed
    is still news to whoever handles callbacks.
    """
    offer(connection, gateway, payment, "webhook")
    row = _locked(connection, gateway, payment.id)
    assert row is not None  # offer() made it
    if row.callback_state is not None and not is_newer(
        payment_from_json(row.callback_state), payment
    ):
        return Offered(False)
    result = connection.execute(
        update(rows)
        .where(
            rows.c.gateway == gateway,
            rows.c.payment_id == payment.id,
            rows.c.callback_version == row.callback_version,
        )
        .values(callback_state=payment_to_json(payment), callback_version=row.callback_version + 1)
    )
    if result.rowcount != 1:
        return offer_callback(connection, gateway, payment)  # lost the compare-and-set: again
    return Offered(True, row.callback_state, row.callback_version + 1)


def undo_callback(
    connection: Connection, gateway: str, payment_id: str, previous: str | None, version: int
) -> bool:
    """Put back the callback state a delivery replaced, unless a newer one came since.

    The latest known state stays: the callback was genuine, the gateway's state is
    what it said.
    """
    result = connection.execute(
        update(rows)
        .where(
            rows.c.gateway == gateway,
            rows.c.payment_id == payment_id,
            rows.c.callback_version == version,
        )
        .values(callback_state=previous, callback_version=version + 1)
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
        detail=audit_detail(payment, source),
    )


def audit_detail(payment: Payment, source: str | None) -> dict[str, Any]:
    """What the audit row of a stored state says besides the states."""
    return {
        "source": source,
        "captured": _amount(payment.captured_amount),
        "refunded": _amount(payment.refunded_amount),
    }


__all__ = ["Offered", "current", "offer", "offer_callback", "undo_callback"]
