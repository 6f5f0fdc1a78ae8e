"""The journal's tables, as SQLAlchemy Core metadata: the schema is this module.

Every table name starts with ``payments_journal_`` so the journal can share a
database with the host application without touching its tables (or its
migration history: the journal keeps its own version table, see
:mod:`payments_core.journal.migrations`).

Times are seconds since the epoch **on the database's clock** (a float), never a
process's: a lease written by one host is read by another. Amounts are decimal
strings, never floats.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import (
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

PREFIX: Final = "payments_journal_"

metadata = MetaData()

operations = Table(
    f"{PREFIX}operations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("gateway", String(100), nullable=False),
    Column("idempotency_key", String(255), nullable=False),
    Column("provider", String(100), nullable=False),
    Column("operation", String(100), nullable=False),
    # The payment the call names (part of the fingerprint); NULL for a create.
    Column("target", String(128)),
    # The payment it concerns: the target, or the one a create made once known.
    Column("payment_id", String(128)),
    # ``"5.00 GEL"``, or NULL for "the whole amount".
    Column("amount", String(64)),
    Column("digest", String(64)),
    Column("external_id", String(255)),
    # intended, sending, succeeded, failed, unknown or reconciled.
    Column("state", String(16), nullable=False),
    # The request as plugins see it (credentials redacted), JSON: what a replay rebuilds.
    Column("request", Text),
    # The state-changing request's bytes, JSON (no credentials): what a repeat resends.
    Column("sent", Text),
    # The recorded result, JSON, returned to every repeat with the same key.
    Column("outcome", Text),
    Column("outcome_status", String(32)),
    Column("error_code", String(64)),
    Column("attempts", Integer, nullable=False, default=1),
    # While intended or sending: when the process holding the call counts as gone.
    Column("lease_until", Float),
    Column("next_check_at", Float),
    Column("checks", Integer, nullable=False, default=0),
    # Set when reconciliation ran out of its schedule: a person must look.
    Column("flagged_at", Float),
    Column("flag_reason", Text),
    Column("version", Integer, nullable=False, default=1),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    UniqueConstraint("gateway", "idempotency_key", name=f"{PREFIX}operations_key"),
    Index(f"{PREFIX}operations_due", "state", "next_check_at"),
    Index(f"{PREFIX}operations_payment", "gateway", "payment_id"),
)
"""One row per money-moving call, written before its request is sent.

Unique on (gateway, key) rather than (gateway, operation, key): a key reused for
another operation is a conflict, as it is in memory, never a second operation.
"""

callbacks = Table(
    f"{PREFIX}callbacks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("gateway", String(100), nullable=False),
    Column("dedupe_key", String(255), nullable=False),
    Column("provider", String(100), nullable=False),
    Column("event_type", String(100)),
    Column("payment_id", String(128)),
    Column("status", String(32)),
    # applied or stale: whether the delivery moved the payment's state.
    Column("result", String(16), nullable=False),
    Column("deliveries", Integer, nullable=False, default=1),
    # For an applied one: the payment's state before it and the version it wrote, so
    # that a delivery whose handling failed can be forgotten (and applied again).
    Column("previous_state", Text),
    Column("applied_version", Integer),
    Column("received_at", Float, nullable=False),
    Column("last_seen_at", Float, nullable=False),
    UniqueConstraint("gateway", "dedupe_key", name=f"{PREFIX}callbacks_key"),
)
"""The inbox: one row per verified callback, however often it is delivered."""

payments = Table(
    f"{PREFIX}payments",
    metadata,
    Column("gateway", String(100), primary_key=True),
    Column("payment_id", String(128), primary_key=True),
    Column("provider", String(100), nullable=False),
    Column("external_id", String(255)),
    Column("status", String(32), nullable=False),
    Column("amount", String(64), nullable=False),
    Column("captured", String(64)),
    Column("refunded", String(64)),
    # The whole :class:`~payments_core.models.Payment`, JSON (already redacted).
    Column("state", Text, nullable=False),
    Column("source", String(32)),
    Column("version", Integer, nullable=False),
    # The latest state applied from a callback: what orders callbacks among
    # themselves (an answer or a read may know more, and does not make a callback
    # that brings the same state stale).
    Column("callback_state", Text),
    Column("callback_version", Integer, nullable=False, default=0),
    Column("updated_at", Float, nullable=False),
)
"""The latest known state per payment, moved only forward (``is_newer``)."""

tokens = Table(
    f"{PREFIX}tokens",
    metadata,
    # A digest of the token URL and client id: never the secret.
    Column("scope", String(64), primary_key=True),
    Column("token", Text),
    # When the token is due for refresh (its expiry less the margin), database clock.
    Column("refresh_at", Float),
    Column("lease_until", Float),
    Column("generation", Integer, nullable=False, default=0),
)
"""The shared token cache: one token per credential scope for every process."""

events = Table(
    f"{PREFIX}events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False),
    Column("gateway", String(100), nullable=False),
    # operation, callback, payment or reconcile.
    Column("kind", String(16), nullable=False),
    Column("action", String(32), nullable=False),
    Column("payment_id", String(128)),
    Column("operation_id", Integer),
    Column("idempotency_key", String(255)),
    Column("from_state", String(32)),
    Column("to_state", String(32)),
    Column("detail", Text),
    Column("actor", String(255)),
    Index(f"{PREFIX}events_payment", "gateway", "payment_id"),
)
"""The append-only audit trail. Never a secret: ids, states, codes and amounts."""

version = Table(
    f"{PREFIX}version",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("applied_at", Float, nullable=False),
)
"""The journal's own schema version (one row); never the host application's."""
