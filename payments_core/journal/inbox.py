"""The callback inbox: each verified callback applied once, in its right order.

One row per (gateway, dedupe key), the key being the event's id (a provider's
event id, or a digest of the body for gateways without one). The row is
inserted and the payment's state offered in one transaction: either both
happen or, if the process dies, neither, and the gateway's next delivery is
applied then. A repeat finds the row and is counted, never applied again.
Callbacks are recorded only after they were verified: a forged one never
reaches the table.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Connection, update

from payments_core.journal import audit, schema, states
from payments_core.journal.database import db_now, insert_ignoring
from payments_core.models import WebhookEvent

rows = schema.callbacks


class Delivery(StrEnum):
    APPLIED = "applied"
    """New, and it moved the payment's state forward."""
    STALE = "stale"
    """New, but older than what is known: recorded, not applied."""
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
        applied = states.offer(connection, gateway, payment, "webhook")
        result = Delivery.APPLIED if applied else Delivery.STALE
        if applied:
            connection.execute(
                update(rows).where(rows.c.id == inserted.id).values(result=result.value)
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
