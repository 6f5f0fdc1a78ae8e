"""The append-only audit trail: one row per change, written in the change's transaction.

Rows hold ids, states, codes and amounts, never a credential or a card number:
``detail`` is built by the journal from known fields, not copied from payloads.
"""

from __future__ import annotations

import os
import socket
from functools import cache
from typing import Any, Final

from sqlalchemy import Connection, insert

from payments_core.journal import schema
from payments_core.journal.codec import dumps
from payments_core.journal.database import db_now


@cache
def _host() -> str:
    return socket.gethostname()[:200]


def actor() -> str:
    """Which process made a change: ``host:pid`` (recomputed after a fork)."""
    return f"{_host()}:{os.getpid()}"


_INSERT: Final = insert(schema.events).values(at=db_now())
"""Built once: the values come as parameters, so nothing is built per event."""


def record(
    connection: Connection,
    gateway: str,
    kind: str,
    action: str,
    *,
    payment_id: str | None = None,
    operation_id: int | None = None,
    idempotency_key: str | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    connection.execute(
        _INSERT,
        {
            "gateway": gateway,
            "kind": kind,
            "action": action,
            "payment_id": payment_id,
            "operation_id": operation_id,
            "idempotency_key": idempotency_key,
            "from_state": from_state,
            "to_state": to_state,
            "detail": dumps(detail) if detail else None,
            "actor": actor(),
        },
    )
