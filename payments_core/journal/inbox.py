"""The callback inbox: each verified callback applied once, in its right order.

One row per (gateway, dedupe key), the key being the event's id (a provider's
event id, or a digest of the body for gateways without one). The row is
inserted and the payment's state offered in one transaction: either both
happen or, if the process dies, neither, and the gateway's next delivery is
applied then. A repeat finds the row and is counted, never applied again.
Callbacks are recorded only after they were verified: a forged one never
reaches the table. When the application's handling of a delivery fails (its
code after ``parse_webhook``, or an adapter's receiver), :func:`forget` takes it
back (``Payments.forget_webhook``), so that the gateway's next delivery is
applied and handled again.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Connection, delete, select, update

from payments_core.journal import audit, schema, states
from payments_core.journal.database import db_now, insert_ignoring
from payments_core.models import WebhookEvent

rows = schema.callbacks


class Delivery(StrEnum):
    APPLIED = "applied"
    """New, and it moved the payment's state forward."""
    STALE = "stale"
    """New, but not newer than a callback already applied: recorded, not applied."""
    DUPLICATE = "duplicate"
    """Seen before: not applied again."""


def receive(connection: Connection, gateway: str, event: WebhookEvent) -> Delivery:
    payment = event.payment
    inserted = connection.execute(
        insert_ignoring(connection, rows)
        .values(
            gateway=gateway,
            dedupe_key=event.id[:255],
            provider=event.provider,
            event_type=event.type[:100],
            payment_id=payment.id,
            status=payment.status.value,
            result=Delivery.STALE.value,
            deliveries=1,
            received_at=db_now(),
            last_seen_at=db_now(),
        )
        .on_conflict_do_nothing(index_elements=["gateway", "dedupe_key"])
        .returning(rows.c.id)
    ).first()
    if inserted is None:
        connection.execute(
            update(rows)
            .where(rows.c.gateway == gateway, rows.c.dedupe_key == event.id[:255])
            .values(deliveries=rows.c.deliveries + 1, last_seen_at=db_now())
        )
        result = Delivery.DUPLICATE
    else:
        offered = states.offer_callback(connection, gateway, payment)
        result = Delivery.APPLIED if offered.applied else Delivery.STALE
        if offered.applied:
            connection.execute(
                update(rows)
                .where(rows.c.id == inserted.id)
                .values(
                    result=result.value,
                    previous_state=offered.previous,
                    applied_version=offered.version,
                )
            )
    audit.record(
        connection,
        gateway,
        "callback",
        result.value,
        payment_id=payment.id,
        to_state=payment.status.value,
        detail={"event_id": event.id[:255], "type": event.type[:100]},
    )
    return result


def forget(connection: Connection, gateway: str, event: WebhookEvent) -> bool:
    """Undo a delivery whose handling failed: its next delivery is applied afresh.

    The inbox row goes; the last callback state goes back to what it was before,
    unless a newer callback was applied since (then that one stays, and the
    redelivery is rightly stale). Whether there was anything to forget.
    """
    row = connection.execute(
        select(rows)
        .where(rows.c.gateway == gateway, rows.c.dedupe_key == event.id[:255])
        .with_for_update()
    ).first()
    if row is None:
        return False
    if row.result == Delivery.APPLIED and row.applied_version is not None:
        states.undo_callback(
            connection, gateway, event.payment.id, row.previous_state, row.applied_version
        )
    connection.execute(delete(rows).where(rows.c.id == row.id))
    audit.record(
        connection,
        gateway,
        "callback",
        "forgotten",
        payment_id=event.payment.id,
        detail={"event_id": event.id[:255], "reason": "its handling failed"},
    )
    return True
