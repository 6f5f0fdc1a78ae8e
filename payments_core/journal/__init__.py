"""Durable payment state: the journal (extras ``journal`` and ``postgres``).

The facades' promises — one outcome per idempotency key, each callback applied
once and in order, one token request per cold cache, "outcome unknown"
resolved — hold within one process without a journal. With one they hold
across processes, restarts and hosts::

    Payments("bog", journal="sqlite:///payments.db", ...)        # one host
    Payments("bog", journal="postgresql://app@db/payments", ...)  # many hosts

What it records, each with the constraint that keeps it true under
concurrency: operations (unique per gateway and key, written before sending),
callbacks (an inbox unique per gateway and dedupe key), payments (latest state,
moved forward only by :func:`~payments_core.is_newer`, compare-and-set), tokens
(one lease-holder fetches) and events (the append-only audit trail, no
secrets). :func:`reconcile_once` settles what stayed unknown or pending.
Rules: record before sending, record after the answer, "unknown" when in
doubt, and never hold a database transaction across a gateway call.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from payments_core.journal.inbox import Delivery
    from payments_core.journal.journal import Journal
    from payments_core.journal.operations import OperationState
    from payments_core.journal.reconcile import ReconcileReport, Resolution, reconcile_once
    from payments_core.journal.records import EventRecord, OperationRecord, PaymentHistory
    from payments_core.journal.stores import (
        AsyncJournalIdempotencyStore,
        JournalIdempotencyStore,
        SharedTokenCache,
    )

_EXPORTS = {
    "AsyncJournalIdempotencyStore": "stores",
    "Delivery": "inbox",
    "EventRecord": "records",
    "Journal": "journal",
    "JournalIdempotencyStore": "stores",
    "OperationRecord": "records",
    "OperationState": "operations",
    "PaymentHistory": "records",
    "ReconcileReport": "reconcile",
    "Resolution": "reconcile",
    "SharedTokenCache": "stores",
    "reconcile_once": "reconcile",
}
__all__ = [
    "AsyncJournalIdempotencyStore",
    "Delivery",
    "EventRecord",
    "Journal",
    "JournalIdempotencyStore",
    "OperationRecord",
    "OperationState",
    "PaymentHistory",
    "ReconcileReport",
    "Resolution",
    "SharedTokenCache",
    "reconcile_once",
]

DEFAULT_JOURNAL = "sqlite:///payments.db"
"""The embedded journal the CLI, the demo and the example shop use by default."""


def default_journal(configured: str | None = None) -> str | None:
    """``configured`` if given, else :data:`DEFAULT_JOURNAL` when the journal extra is
    installed; ``None`` without the extra, so a command or demo then runs without one."""
    if configured:
        return configured
    if importlib.util.find_spec("sqlalchemy") is None:
        return None
    return DEFAULT_JOURNAL


def __getattr__(name: str) -> Any:
    """Load the journal on first use, so ``payments`` runs without the extra installed."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        import sqlalchemy  # noqa: F401
    except ImportError as exc:
        from payments_core.errors import ConfigurationError

        raise ConfigurationError(
            "the payments journal needs the journal extra: pip install "
            "'payments-core[journal]' (and 'payments-core[postgres]' for PostgreSQL)"
        ) from exc
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
